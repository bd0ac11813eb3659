import * as vscode from 'vscode';
import { fixture, openFixture, screenshot, sleep, waitForPolaDiagnostics } from './helpers';

suite('workbench screenshot', () => {
  test('a .scm file with its diagnostics (test/e2e/screenshots/workbench-scm.png)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await openFixture('guix/broken.scm');
    await waitForPolaDiagnostics(fixture('guix/broken.scm'));
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await sleep(500); // let the squiggles and the Problems panel render
    const file = await screenshot('workbench-scm');
    if (file) console.log(`screenshot: ${file}`);
  });
});
