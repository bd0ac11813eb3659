import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { describeDiagnostics, fixture, openFixture, waitForPolaDiagnostics } from './helpers';

suite('language server diagnostics', () => {
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a .scm file with an unclosed paren gets a pola diagnostic', async () => {
    await openFixture('guix/broken.scm');
    const ds = await waitForPolaDiagnostics(fixture('guix/broken.scm'));
    console.log(describeDiagnostics(ds));
    assert.ok(
      ds.some((d) => d.severity === vscode.DiagnosticSeverity.Error),
      `expected an error among:\n${describeDiagnostics(ds)}`,
    );
  });

  test('a .nix file with a syntax error gets a pola diagnostic', async () => {
    await openFixture('nixos/broken.nix');
    const ds = await waitForPolaDiagnostics(fixture('nixos/broken.nix'));
    console.log(describeDiagnostics(ds));
    assert.ok(
      ds.some((d) => d.severity === vscode.DiagnosticSeverity.Error),
      `expected an error among:\n${describeDiagnostics(ds)}`,
    );
  });
});
