// NixOS modules in the editor. The NixOS rules are still growing, so these tests assert what must
// hold whatever their wording: valid modules get no syntax diagnostics, every finding is a nixos/
// rule with a real range, and — when the server reports units at all — lenses, hover and the
// report show them (skipped with a note otherwise).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  closeAllEditors,
  codeLenses,
  briefDiagnostics,
  describeDiagnostics,
  diagnosticCode,
  hoverText,
  lensTitles,
  openFixture,
  polaApi,
  polaDiagnostics,
  setPolaSetting,
  sleep,
  waitFor,
  waitForAnalysis,
  waitForDiagnosticsWhere,
} from './helpers';

const PLAIN = 'nixos/pastebin.nix';
const HARDENED = 'nixos/pastebin-hardened.nix';

/** Diagnostics once the server has analysed the file and had time to publish. */
async function settledDiagnostics(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
  await waitForAnalysis(uri);
  await sleep(500); // diagnostics are published 50 ms after the analysis
  return polaDiagnostics(uri);
}

async function unitLenses(uri: vscode.Uri, what: string): Promise<vscode.CodeLens[] | undefined> {
  await waitForAnalysis(uri);
  const lenses = await codeLenses(uri);
  if (lenses.length === 0) console.log(`NOTE: no code lenses on ${what} yet (NixOS units not reported by the server); lens assertions skipped`);
  return lenses.length ? lenses : undefined;
}

suite('NixOS modules', () => {
  suiteSetup(closeAllEditors);
  teardown(closeAllEditors);

  for (const file of [PLAIN, HARDENED]) {
    test(`${file}: no syntax diagnostics; every finding is a nixos/ rule on a real range`, async () => {
      const editor = await openFixture(file);
      const ds = await settledDiagnostics(editor.document.uri);
      console.log(briefDiagnostics(ds));
      for (const d of ds) {
        const code = diagnosticCode(d) ?? '';
        assert.doesNotMatch(code, /^syntax\//, `a valid module got ${describeDiagnostics([d])}`);
        assert.match(code, /^nixos\/[A-Za-z0-9-]+$/, describeDiagnostics([d]));
        assert.ok(!d.range.isEmpty, `empty range: ${describeDiagnostics([d])}`);
        assert.ok(editor.document.validateRange(d.range).isEqual(d.range), `range outside the document: ${describeDiagnostics([d])}`);
        assert.ok(d.message.length > 10);
      }
    });
  }

  test('the hardened module has no error-level findings', async () => {
    const editor = await openFixture(HARDENED);
    const ds = await settledDiagnostics(editor.document.uri);
    assert.deepEqual(ds.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => describeDiagnostics([d])), []);
  });

  test('units get lenses: the plain unit runs as root, the hardened one does not', async function () {
    const plain = await openFixture(PLAIN);
    const plainLenses = await unitLenses(plain.document.uri, PLAIN);
    const hardened = await openFixture(HARDENED);
    const hardenedLenses = await unitLenses(hardened.document.uri, HARDENED);
    if (!plainLenses || !hardenedLenses) return this.skip();
    console.log([...lensTitles(plainLenses), ...lensTitles(hardenedLenses)].join('\n'));
    for (const l of [...plainLenses, ...hardenedLenses]) {
      assert.ok(l.command && l.command.title.length > 0, 'a lens without a title');
      assert.equal(l.command.command, 'pola.showServiceReport');
    }
    const unit = (doc: vscode.TextDocument, lenses: vscode.CodeLens[]) =>
      lenses.find((l) => doc.lineAt(l.range.start.line).text.includes('systemd.services.pastebin')) ?? lenses[0];
    assert.match(unit(plain.document, plainLenses).command!.title, /\broot\b/);
    assert.doesNotMatch(unit(hardened.document, hardenedLenses).command!.title, /^root\b/);
  });

  test('hover on a unit shows its principal; the report lists the units', async function () {
    const editor = await openFixture(PLAIN);
    const uri = editor.document.uri;
    const lenses = await unitLenses(uri, PLAIN);
    if (!lenses) return this.skip();
    const text = await hoverText(uri, lenses[0].range.start);
    assert.match(text, /Principal/, text);

    await vscode.commands.executeCommand('pola.showFileReport', uri);
    const api = await polaApi();
    const html = await waitFor('the report of pastebin.nix', () => {
      const h = api.reportHtml();
      return h && h.includes('pastebin.nix') ? h : undefined;
    });
    assert.match(html, /<th>Service<\/th>/);
  });

  test('pola.exposureThreshold takes effect without a restart (when nixos/exposure fires)', async function () {
    const editor = await openFixture(PLAIN);
    const uri = editor.document.uri;
    const ds = await settledDiagnostics(uri);
    if (!ds.some((d) => diagnosticCode(d) === 'nixos/exposure')) {
      console.log('NOTE: no nixos/exposure finding on pastebin.nix yet; threshold assertion skipped');
      return this.skip();
    }
    const restore = await setPolaSetting('exposureThreshold', 10);
    try {
      await waitForDiagnosticsWhere(uri, 'nixos/exposure to go above threshold 10', (x) => !x.some((d) => diagnosticCode(d) === 'nixos/exposure'));
    } finally {
      await restore();
    }
    await waitForDiagnosticsWhere(uri, 'nixos/exposure to come back', (x) => x.some((d) => diagnosticCode(d) === 'nixos/exposure'));
  });

  test('a .nix file with a syntax error gets a syntax diagnostic on a real range', async () => {
    const editor = await openFixture('nixos/broken.nix');
    const ds = await waitForDiagnosticsWhere(editor.document.uri, 'a syntax diagnostic', (x) => x.some((d) => /^syntax\//.test(diagnosticCode(d) ?? '')));
    const d = ds.find((x) => /^syntax\//.test(diagnosticCode(x) ?? ''))!;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(editor.document.validateRange(d.range).isEqual(d.range));
  });
});
