// The snippets of snippets/ expand in the editor (editor.action.insertSnippet by name) and what
// they expand to passes pola: no error-level diagnostics, and the services they define are not
// root. Each starts from a document with a syntax error, so the diagnostics are known to be live.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  closeAllEditors,
  codeLenses,
  briefDiagnostics,
  describeDiagnostics,
  diagnosticCode,
  lensTitles,
  polaDiagnostics,
  sleep,
  waitFor,
  waitForAnalysis,
  waitForDiagnosticsWhere,
} from './helpers';

const isError = (d: vscode.Diagnostic) => d.severity === vscode.DiagnosticSeverity.Error;
const isSyntax = (d: vscode.Diagnostic) => /^syntax\//.test(diagnosticCode(d) ?? '');

async function brokenUntitled(language: 'scheme' | 'nix', content: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language, content });
  const editor = await vscode.window.showTextDocument(doc);
  await waitForDiagnosticsWhere(doc.uri, `a syntax error in the untitled ${language} document`, (ds) => ds.some(isSyntax));
  return editor;
}

async function insertSnippet(editor: vscode.TextEditor, langId: string, name: string, at: vscode.Selection): Promise<void> {
  editor.selection = at;
  const before = editor.document.version;
  await vscode.commands.executeCommand('editor.action.insertSnippet', { langId, name });
  await waitFor(`snippet "${name}" to be inserted`, () => editor.document.version > before, 5_000);
  await vscode.commands.executeCommand('leaveSnippet');
}

/** No error now, and still none once the server has analysed the last version and published. */
async function assertNoErrors(uri: vscode.Uri, what: string): Promise<vscode.Diagnostic[]> {
  await waitForDiagnosticsWhere(uri, `${what}: no error-level diagnostics`, (ds) => !ds.some(isError));
  await waitForAnalysis(uri);
  await sleep(500);
  const ds = polaDiagnostics(uri);
  console.log(`${what}: ${briefDiagnostics(ds)}`);
  assert.deepEqual(ds.filter(isError).map((d) => describeDiagnostics([d])), [], `${what} has errors`);
  return ds;
}

function endOf(doc: vscode.TextDocument): vscode.Selection {
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  return new vscode.Selection(end, end);
}

function all(doc: vscode.TextDocument): vscode.Selection {
  return new vscode.Selection(new vscode.Position(0, 0), doc.lineAt(doc.lineCount - 1).range.end);
}

suite('snippets', () => {
  setup(closeAllEditors);
  teardown(closeAllEditors);

  test('Guix: the module header and the least-authority service expand and pass pola', async () => {
    const editor = await brokenUntitled('scheme', '(define broken\n');
    const doc = editor.document;
    await insertSnippet(editor, 'scheme', 'Guix service module header', all(doc));
    await insertSnippet(editor, 'scheme', 'Least-authority Guix service', endOf(doc));
    const text = doc.getText();
    assert.match(text, /^\(define-module \(gnu services my-daemon\)/);
    assert.match(text, /\(mkdir-p\/perms "\/var\/lib\/my-daemon" user #o750\)/);
    assert.match(text, /\(list #\$\(least-authority-wrapper/, 'the snippet’s escaped #$ did not expand to #$');
    assert.match(text, /#:user "my-daemon" #:group "my-daemon"/);
    assert.doesNotMatch(text, /\$\{?\d/, 'a placeholder was left in the text');

    const ds = await assertNoErrors(doc.uri, 'the Guix service snippet');
    assert.deepEqual(ds.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).map((d) => describeDiagnostics([d])), [], 'warnings');
    const lenses = await waitFor('lenses on the expanded snippet', async () => {
      const l = await codeLenses(doc.uri);
      return l.length >= 2 ? l : undefined;
    });
    const titles = lensTitles(lenses);
    console.log(titles.join('\n'));
    for (const t of titles) {
      assert.match(t, /^my-daemon:my-daemon · confined/, t);
      assert.doesNotMatch(t, /runs as root|unsafe/, t);
    }
  });

  for (const unit of ['Hardened systemd service', 'Confined systemd service']) {
    test(`Nix: the module and the "${unit}" snippets expand and pass pola`, async () => {
      const editor = await brokenUntitled('nix', '{ config,\n');
      const doc = editor.document;
      await insertSnippet(editor, 'nix', 'NixOS service module', all(doc));
      // the module's final tab stop: the empty line inside `config = lib.mkIf cfg.enable { … }`
      const line = [...Array(doc.lineCount).keys()].find((i) => /^\s+$/.test(doc.lineAt(i).text));
      assert.ok(line !== undefined, `no empty line in the module:\n${doc.getText()}`);
      const cursor = doc.lineAt(line).range.end;
      await insertSnippet(editor, 'nix', unit, new vscode.Selection(cursor, cursor));
      const text = doc.getText();
      assert.match(text, /^    systemd\.services\.my-daemon = \{$/m, 'the unit is indented inside config');
      assert.match(text, /ExecStart = "\$\{pkgs\.hello\}\/bin\/hello";/, 'the escaped ${ did not expand');
      assert.match(text, /DynamicUser = true;/);
      if (unit.startsWith('Confined')) assert.match(text, /confinement\.enable = true;/);
      assert.doesNotMatch(text, /\$\d/, 'a tab stop was left in the text');

      await assertNoErrors(doc.uri, `the "${unit}" snippet`);
      const lenses = await codeLenses(doc.uri);
      if (lenses.length === 0) {
        console.log('NOTE: no code lenses on the NixOS snippet (units not reported by the server yet)');
        return;
      }
      const titles = lensTitles(lenses);
      console.log(titles.join('\n'));
      for (const t of titles) assert.doesNotMatch(t, /^root\b/, t);
    });
  }
});
