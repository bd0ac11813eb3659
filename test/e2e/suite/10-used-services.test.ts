// Used services in a real editor: with pola.guix.sourcePath and pola.nixos.nixpkgsPath pointing at
// the catalog fixture trees, an operating-system gets lenses over each used service, a hover linking
// to the definition, used/ findings, and the system authority report command opens its webview.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  EXTENSION_ID,
  closeAllEditors,
  codeLenses,
  diagnosticCode,
  fixture,
  hoverText,
  lensTitles,
  openFixture,
  polaApi,
  positionOf,
  setPolaSetting,
  waitFor,
  waitForDiagnosticsWhere,
} from './helpers';

suite('used services from the installed sources', () => {
  const restore: (() => Promise<void>)[] = [];
  let catalog: string;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
    catalog = path.join(ext.extensionPath, 'test', 'fixtures', 'catalog');
    // the configurations, written into the workspace as a person would save them
    for (const name of ['system.scm', 'configuration.nix']) {
      const text = await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(catalog, 'config', name)));
      await vscode.workspace.fs.writeFile(fixture(`scratch/used/${name}`), text);
    }
    restore.push(await setPolaSetting('guix.sourcePath', path.join(catalog, 'guix-old')));
    restore.push(await setPolaSetting('nixos.nixpkgsPath', path.join(catalog, 'nixpkgs')));
  });
  suiteTeardown(async () => {
    while (restore.length) await restore.pop()!();
    await closeAllEditors();
  });

  test('an operating-system: lenses, hover with a link to the definition, used/ findings, the system report', async () => {
    const editor = await openFixture('scratch/used/system.scm');
    const uri = editor.document.uri;
    const ds = await waitForDiagnosticsWhere(uri, 'used/ findings once the catalog is read', (d) => d.some((x) => diagnosticCode(x) === 'used/unsafe-root-op'), 60_000);
    const used = ds.filter((d) => diagnosticCode(d)?.startsWith('used/'));
    assert.ok(used.every((d) => d.severity === vscode.DiagnosticSeverity.Information));
    assert.deepEqual(
      used.map((d) => `${d.range.start.line + 1} ${diagnosticCode(d)}`),
      ['25 used/racy-mkdir-p-perms', '25 used/unsafe-root-op', '28 used/root-unconfined', '30 used/unsafe-root-op', '31 used/root-unconfined'],
    );
    const titles = await waitFor('the used services’ lenses', async () => {
      const t = lensTitles(await codeLenses(uri));
      return t.some((x) => x.includes('gnu/services/databases.scm:54')) ? t : undefined;
    });
    assert.ok(titles.includes('postgres:postgres · unconfined · 5 root ops (2 unsafe) · gnu/services/databases.scm:54'), titles.join('\n'));
    assert.ok(titles.includes('runs as root · unconfined · gnu/services/networking.scm:73'), titles.join('\n'));
    const hover = await hoverText(uri, positionOf(editor.document, 'postgresql-service-type', 0, 3));
    assert.match(hover, /used service type `postgresql-service-type`/);
    assert.match(hover, /\(file:\/\/\/.*guix-old\/gnu\/services\/databases\.scm#L54\)/);

    await vscode.commands.executeCommand('pola.showSystemReport', uri.toString());
    const api = (await polaApi()) as unknown as { systemReportHtml(): string | undefined };
    const html = await waitFor('the system report webview', () => api.systemReportHtml());
    assert.match(html, /pola system authority report — system relay/);
    assert.match(html, /<strong class="bad">3<\/strong> root daemons/);
    assert.match(html, /script-src 'nonce-/);
  });

  test('a NixOS configuration: enabled options get their module’s authority', async () => {
    const editor = await openFixture('scratch/used/configuration.nix');
    const uri = editor.document.uri;
    const ds = await waitForDiagnosticsWhere(uri, 'used/ findings', (d) => d.filter((x) => diagnosticCode(x)?.startsWith('used/')).length === 3, 60_000);
    assert.deepEqual(
      ds.filter((d) => diagnosticCode(d)?.startsWith('used/')).map((d) => `${d.range.start.line + 1} ${diagnosticCode(d)}`),
      ['9 used/unsafe-root-op', '14 used/root-unconfined', '16 used/root-unconfined'],
    );
    const titles = lensTitles(await codeLenses(uri));
    assert.ok(titles.includes('root · exposure 9.6 UNSAFE · unconfined · nixos/modules/services/networking/ssh.nix:11'), titles.join('\n'));
  });
});
