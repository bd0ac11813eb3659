// Quick fixes, "Fix all … in this file" and "Ignore … here (with a reason)", applied the way the
// editor applies them (the code action's WorkspaceEdit), each on its own copy of pastebin.scm.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  applyCodeAction,
  closeAllEditors,
  codeActions,
  codeLenses,
  briefDiagnostics,
  describeDiagnostics,
  diagnosticCode,
  lineOf,
  openScratchCopy,
  polaApi,
  unsafeCount,
  waitFor,
  waitForDiagnosticsWhere,
} from './helpers';

const codes = (ds: vscode.Diagnostic[]) => ds.map(diagnosticCode).sort();
const withCode = (ds: vscode.Diagnostic[], code: string) => ds.filter((d) => diagnosticCode(d) === code);

async function openCopy(name: string): Promise<{ editor: vscode.TextEditor; before: vscode.Diagnostic[] }> {
  const editor = await openScratchCopy('guix/pastebin.scm', name);
  const before = await waitForDiagnosticsWhere(editor.document.uri, `the 7 findings on ${name}`, (ds) => ds.length >= 7);
  return { editor, before };
}

suite('Guix quick fixes', () => {
  setup(closeAllEditors);
  teardown(closeAllEditors);

  test('"Run as the pastebin account" rewrites the start form; the finding, the root lens and one unsafe service go', async () => {
    const { editor, before } = await openCopy('fix-runs-as-root.scm');
    const doc = editor.document;
    const uri = doc.uri;
    const api = await polaApi();
    const unsafeBefore = await waitFor('the status bar count', () => unsafeCount(api.statusText()), 10_000);

    const root = withCode(before, 'guix/runs-as-root')[0];
    assert.ok(root, describeDiagnostics(before));
    const actions = await codeActions(uri, root.range);
    const titles = actions.map((a) => a.title);
    console.log(titles.join('\n'));
    assert.ok(titles.includes('Run as the pastebin account (#:user/#:group)'), titles.join('\n'));
    assert.ok(titles.includes('Ignore guix/runs-as-root here (with a reason)'), titles.join('\n'));
    const fix = actions.find((a) => a.title === 'Run as the pastebin account (#:user/#:group)')!;
    assert.equal(fix.kind?.value, vscode.CodeActionKind.QuickFix.value);

    await applyCodeAction(fix);
    assert.match(doc.getText(), /#:user "pastebin" #:group "pastebin"/);
    const after = await waitForDiagnosticsWhere(uri, 'guix/runs-as-root to go', (ds) => ds.length > 0 && withCode(ds, 'guix/runs-as-root').length === 0);
    console.log(briefDiagnostics(after));
    assert.deepEqual(
      codes(after),
      codes(before).filter((c) => c !== 'guix/runs-as-root'),
      'only the fixed finding goes (and the edit leaves no syntax error)',
    );

    const lenses = await codeLenses(uri);
    const shepherd = lenses.find((l) => l.range.start.line === lineOf(doc, '(list (shepherd-service'));
    assert.ok(shepherd?.command, 'no lens on the shepherd service after the fix');
    assert.doesNotMatch(shepherd.command.title, /runs as root/, shepherd.command.title);
    assert.match(shepherd.command.title, /^pastebin:pastebin/, shepherd.command.title);

    // the shepherd service no longer counts as unsafe
    const unsafeAfter = await waitFor(
      `the status bar count to drop below ${unsafeBefore} (now "${api.statusText()}")`,
      () => {
        const n = unsafeCount(api.statusText());
        return n !== undefined && n < unsafeBefore ? n : undefined;
      },
      10_000,
    );
    console.log(`status: ${unsafeBefore} unsafe → ${unsafeAfter} unsafe`);
    await doc.save();
  });

  test('"Fix all guix/root-op-in-service-dir findings in this file (3)" fixes all three at once', async () => {
    const { editor, before } = await openCopy('fix-all.scm');
    const doc = editor.document;
    const uri = doc.uri;
    const ops = withCode(before, 'guix/root-op-in-service-dir');
    assert.equal(ops.length, 3, describeDiagnostics(before));
    const actions = await codeActions(uri, ops[0].range);
    const titles = actions.map((a) => a.title);
    console.log(titles.join('\n'));
    const all = actions.find((a) => a.title === 'Fix all guix/root-op-in-service-dir findings in this file (3)');
    assert.ok(all, titles.join('\n'));
    assert.ok(titles.includes('Use mkdir-p/perms, which never follows symlinks'), titles.join('\n'));

    await applyCodeAction(all);
    const text = doc.getText();
    assert.match(text, /\(mkdir-p\/perms pastes user #o750\)/);
    assert.doesNotMatch(text, /\(chown pastes uid gid\)/);
    const after = await waitForDiagnosticsWhere(uri, 'every guix/root-op-in-service-dir to go', (ds) => ds.length > 0 && withCode(ds, 'guix/root-op-in-service-dir').length === 0);
    console.log(briefDiagnostics(after));
    assert.deepEqual(codes(after), codes(before).filter((c) => c !== 'guix/root-op-in-service-dir'));

    const lens = (await codeLenses(uri)).find((l) => l.range.start.line === lineOf(doc, '(service-type'));
    assert.ok(lens?.command);
    assert.doesNotMatch(lens.command.title, /5 unsafe/, lens.command.title);
    await doc.save();
  });

  test('"Ignore guix/secret-in-store here (with a reason)" adds a pola-ignore comment that silences only that finding', async () => {
    const { editor, before } = await openCopy('ignore.scm');
    const doc = editor.document;
    const uri = doc.uri;
    const secret = withCode(before, 'guix/secret-in-store')[0];
    assert.ok(secret, describeDiagnostics(before));
    const findingLine = secret.range.start.line;
    const indent = /^\s*/.exec(doc.lineAt(findingLine).text)![0];

    const actions = await codeActions(uri, secret.range);
    const ignore = actions.find((a) => a.title === 'Ignore guix/secret-in-store here (with a reason)');
    assert.ok(ignore, actions.map((a) => a.title).join('\n'));
    await applyCodeAction(ignore);
    assert.equal(doc.lineAt(findingLine).text, `${indent};; pola-ignore: guix/secret-in-store REASON`);

    // a person then replaces the placeholder with the reason
    const reason = doc.lineAt(findingLine).range;
    const placeholder = new vscode.Range(reason.end.translate(0, -'REASON'.length), reason.end);
    assert.equal(doc.getText(placeholder), 'REASON');
    assert.ok(await editor.edit((b) => b.replace(placeholder, 'demo token, rotated on every deploy')));

    const after = await waitForDiagnosticsWhere(uri, 'guix/secret-in-store to be silenced', (ds) => ds.length > 0 && withCode(ds, 'guix/secret-in-store').length === 0);
    assert.deepEqual(codes(after), codes(before).filter((c) => c !== 'guix/secret-in-store'));
    // the other findings moved down one line with the inserted comment
    const rootBefore = withCode(before, 'guix/runs-as-root')[0].range.start.line;
    assert.equal(withCode(after, 'guix/runs-as-root')[0].range.start.line, rootBefore + 1);
    await doc.save();
  });
});
