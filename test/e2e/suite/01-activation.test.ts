import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, openFixture, waitFor } from './helpers';

suite('activation', () => {
  test('the extension under development is installed', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} not found; is extensionDevelopmentPath the repo root?`);
  });

  test('opening a .scm file of the workspace activates it', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const editor = await openFixture('guix/web-service.scm');
    assert.equal(editor.document.languageId, 'scheme');
    await waitFor(`${EXTENSION_ID} to activate`, () => ext.isActive, 30_000);
  });

  test('the extension contributes pola.restartServer', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('pola.restartServer'), 'pola.restartServer is not registered');
  });

  test('.nix files get the nix language', async () => {
    const editor = await openFixture('nixos/webapp.nix');
    assert.equal(editor.document.languageId, 'nix');
  });
});
