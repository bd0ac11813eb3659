import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { fixture, openFixture, polaDiagnostics, waitFor, waitForPolaDiagnostics } from './helpers';

suite('pola.restartServer', () => {
  test('restarts the server and the diagnostics come back', async () => {
    const uri = fixture('guix/broken.scm');
    await openFixture('guix/broken.scm');
    const before = await waitForPolaDiagnostics(uri);

    // Count diagnostic changes for the file from before the command, so that a republish that
    // happens before executeCommand resolves is not missed.
    let changes = 0;
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) changes++;
    });
    try {
      await vscode.commands.executeCommand('pola.restartServer');
      const after = await waitFor(
        'diagnostics to be republished after the restart',
        () => {
          const ds = polaDiagnostics(uri);
          return changes > 0 && ds.length > 0 ? ds : undefined;
        },
        30_000,
      );
      assert.deepEqual(
        after.map((d) => d.message).sort(),
        before.map((d) => d.message).sort(),
        'the restarted server reports the same diagnostics',
      );
    } finally {
      sub.dispose();
    }
  });
});
