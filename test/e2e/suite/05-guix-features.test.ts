// pola's editor features on a real Guix service (examples/guix/pastebin.scm), through the same
// command API the editor uses: diagnostics, code lenses, hover, the report webview, reveal-line.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  EXTENSION_ID,
  closeAllEditors,
  codeLenses,
  briefDiagnostics,
  describeDiagnostics,
  diagnosticCode,
  fixture,
  hoverText,
  lensTitles,
  lineOf,
  openFixture,
  polaApi,
  positionOf,
  waitFor,
  waitForDiagnosticsWhere,
} from './helpers';

const PASTEBIN = 'guix/pastebin.scm';

/** What pola must report on pastebin.scm: rule, severity, a needle on the finding's first line, the exact range text. */
const EXPECTED: { code: string; severity: vscode.DiagnosticSeverity; line: string; text: string }[] = [
  { code: 'guix/secret-in-store', severity: vscode.DiagnosticSeverity.Warning, line: '(admin-token', text: '"hunter2-admin-token"' },
  { code: 'guix/root-op-in-service-dir', severity: vscode.DiagnosticSeverity.Error, line: '(chown pastes uid gid)', text: '(chown pastes uid gid)' },
  {
    code: 'guix/root-op-in-service-dir',
    severity: vscode.DiagnosticSeverity.Error,
    line: '(copy-file #$(pastebin-config-file config)',
    text: '(copy-file #$(pastebin-config-file config)\n                     (string-append #$state-dir "/pastebin.conf"))',
  },
  {
    code: 'guix/root-op-in-service-dir',
    severity: vscode.DiagnosticSeverity.Error,
    line: '(chown (string-append #$state-dir "/pastebin.conf") uid gid)',
    text: '(chown (string-append #$state-dir "/pastebin.conf") uid gid)',
  },
  { code: 'guix/runs-as-root', severity: vscode.DiagnosticSeverity.Warning, line: '(start #~(make-forkexec-constructor', text: 'make-forkexec-constructor' },
  { code: 'guix/unconfined', severity: vscode.DiagnosticSeverity.Information, line: '(start #~(make-forkexec-constructor', text: 'make-forkexec-constructor' },
  { code: 'guix/log-file-in-service-dir', severity: vscode.DiagnosticSeverity.Error, line: '#:log-file', text: '"/var/lib/pastebin/pastebin.log"' },
];

/** The report is a webview tab (the tab model follows the panel asynchronously). */
function waitForWebviewTab(label: string): Promise<vscode.Tab> {
  return waitFor(
    `a webview tab "${label}" (tabs: ${JSON.stringify(vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)))})`,
    () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === label),
    10_000,
  );
}

function extensionPath(): string {
  return vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
}

suite('Guix features on pastebin.scm', () => {
  let doc: vscode.TextDocument;
  const uri = () => fixture(PASTEBIN);

  suiteSetup(async () => {
    await closeAllEditors();
    doc = (await openFixture(PASTEBIN)).document;
  });
  suiteTeardown(closeAllEditors);

  test('diagnostics: rule id, severity and the exact range of every finding', async () => {
    const ds = await waitForDiagnosticsWhere(uri(), 'all 7 findings on pastebin.scm', (ds) => ds.length >= EXPECTED.length);
    console.log(briefDiagnostics(ds));
    assert.deepEqual(ds.map(diagnosticCode).sort(), EXPECTED.map((e) => e.code).sort(), describeDiagnostics(ds));
    for (const e of EXPECTED) {
      const line = lineOf(doc, e.line);
      const d = ds.find((x) => diagnosticCode(x) === e.code && x.range.start.line === line);
      assert.ok(d, `no ${e.code} on line ${line + 1}:\n${describeDiagnostics(ds)}`);
      assert.equal(d.source, 'pola');
      assert.equal(d.severity, e.severity, `${e.code} on line ${line + 1}: severity ${vscode.DiagnosticSeverity[d.severity]}`);
      assert.equal(doc.getText(d.range), e.text, `${e.code} on line ${line + 1}: range text`);
      // every rule with a docs page links it (docs/rules/<id>.md, shipped in the extension)
      const page = path.join(extensionPath(), 'docs', 'rules', `${e.code}.md`);
      if (fs.existsSync(page)) {
        assert.ok(typeof d.code === 'object', `${e.code}: docs/rules/${e.code}.md exists but the diagnostic has no link`);
        assert.equal(d.code.target.fsPath, page);
      }
    }
  });

  test('code lenses show each service’s computed privileges and open its report', async () => {
    const lenses = await waitFor('code lenses on pastebin.scm', async () => {
      const l = await codeLenses(uri());
      return l.length > 0 ? l : undefined;
    });
    const titles = lenses.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`);
    console.log(titles.join('\n'));
    assert.equal(lenses.length, 2, titles.join('\n'));
    const shepherd = lenses.find((l) => l.range.start.line === lineOf(doc, '(list (shepherd-service'));
    const serviceType = lenses.find((l) => l.range.start.line === lineOf(doc, '(service-type'));
    assert.equal(shepherd?.command?.title, 'runs as root · unconfined', titles.join('\n'));
    assert.equal(serviceType?.command?.title, 'runs as root · unconfined · 5 root ops (5 unsafe)', titles.join('\n'));
    for (const l of lenses) {
      assert.equal(l.command?.command, 'pola.showServiceReport');
      assert.deepEqual(l.command?.arguments, [uri().toString(), 'pastebin', l.range.start.line]);
    }
  });

  test('the least-authority version’s lenses show an unprivileged, confined service', async () => {
    const other = await openFixture('guix/pastebin-least-authority.scm');
    const lenses = await waitFor('code lenses on pastebin-least-authority.scm', async () => {
      const l = await codeLenses(other.document.uri);
      return l.length > 0 ? l : undefined;
    });
    const titles = lensTitles(lenses);
    console.log(titles.join('\n'));
    assert.equal(lenses.length, 2);
    for (const t of titles) {
      assert.match(t, /^pastebin:pastebin · confined/, t);
      assert.doesNotMatch(t, /root ·|unsafe/, t);
    }
    await vscode.window.showTextDocument(doc);
  });

  test('hover on a service shows its authority table', async () => {
    const text = await hoverText(uri(), positionOf(doc, '(list (shepherd-service', 0, '(list ('.length + 3));
    console.log(text.split('\n').slice(0, 6).join('\n'));
    assert.match(text, /\*\*shepherd-service `pastebin`\*\*/);
    assert.match(text, /\| Principal \| runs as root \|/);
    assert.match(text, /\| Capabilities \| all \(root\) \|/);
    assert.match(text, /guix\/runs-as-root/);
    // outside every service there is nothing to show
    assert.equal(await hoverText(uri(), new vscode.Position(0, 3)), '');
  });

  test('pola.showFileReport opens the report webview with the services table', async () => {
    await vscode.commands.executeCommand('pola.showFileReport', uri());
    const api = await polaApi();
    const html = await waitFor('the report webview', () => api.reportHtml());
    assert.match(html, /pola privilege report — pastebin\.scm/);
    assert.match(html, /<th>Service<\/th><th>Kind<\/th><th>Runs as<\/th>/);
    assert.equal((html.match(/<td><a href="command:pola\.revealLine\?[^"]*">pastebin<\/a><\/td>/g) ?? []).length, 2, 'two service rows');
    await waitForWebviewTab('pola: pastebin.scm');
  });

  test('a lens’s command shows that service’s report, whose line links reveal the line', async () => {
    const lenses = await codeLenses(uri());
    const lens = lenses.find((l) => l.range.start.line === lineOf(doc, '(list (shepherd-service'))!;
    await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    const api = await polaApi();
    const html = await waitFor('the service report', () => {
      const h = api.reportHtml();
      return h && h.includes('shepherd-service <code>pastebin</code>') && !h.includes('<th>Service</th>') ? h : undefined;
    });
    assert.match(html, /<p class="lens">runs as root · unconfined<\/p>/);
    assert.match(html, /guix\/runs-as-root/);
    await waitForWebviewTab('pola: pastebin');

    // the first line link of the report, run as the webview would run it
    const m = /href="command:pola\.revealLine\?([^"]+)"/.exec(html);
    assert.ok(m, 'the report has no line links');
    const args = JSON.parse(decodeURIComponent(m[1])) as [string, number];
    assert.equal(args[0], uri().toString());
    await vscode.commands.executeCommand('pola.revealLine', ...args);
    const editor = await waitFor('the editor to reveal the line', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.toString() === uri().toString() && e.selection.active.line === args[1] ? e : undefined;
    }, 10_000);
    assert.equal(editor.selection.active.character, 0);
  });

  test('pola.revealLine moves the cursor to the given line', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const line = lineOf(doc, '(chown pastes uid gid)');
    await vscode.commands.executeCommand('pola.revealLine', uri().toString(), line);
    const editor = await waitFor('the active editor on pastebin.scm', () => {
      const e = vscode.window.activeTextEditor;
      return e && e.document.uri.toString() === uri().toString() ? e : undefined;
    }, 10_000);
    assert.equal(editor.selection.active.line, line);
    assert.ok(editor.visibleRanges.some((r) => r.contains(new vscode.Position(line, 0))), 'the line is not scrolled into view');
  });

  test('the status bar counts the unsafe services', async () => {
    const api = await polaApi();
    const text = await waitFor('the status bar to count unsafe services', () => {
      const t = api.statusText();
      return /pola: \d+ unsafe/.test(t) ? t : undefined;
    }, 10_000);
    // pastebin.scm alone has two (its shepherd service runs as root; its service type has unsafe root ops)
    assert.ok(Number(/(\d+) unsafe/.exec(text)![1]) >= 2, text);
  });
});
