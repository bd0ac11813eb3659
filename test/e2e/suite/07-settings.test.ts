// Settings take effect without a restart: pola.rules (off / another severity) and
// pola.codeLens.enabled, changed in the workspace settings as a person would.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  closeAllEditors,
  codeLenses,
  briefDiagnostics,
  diagnosticCode,
  fixture,
  openFixture,
  setPolaSetting,
  waitFor,
  waitForDiagnosticsWhere,
} from './helpers';

const PASTEBIN = 'guix/pastebin.scm';
const uri = () => fixture(PASTEBIN);
const find = (ds: vscode.Diagnostic[], code: string) => ds.find((d) => diagnosticCode(d) === code);

suite('settings take effect without a restart', () => {
  const restore: (() => Promise<void>)[] = [];

  setup(async () => {
    await closeAllEditors();
    await openFixture(PASTEBIN);
    await waitForDiagnosticsWhere(uri(), 'the 7 findings on pastebin.scm', (ds) => ds.length >= 7);
  });
  teardown(async () => {
    while (restore.length) await restore.pop()!();
    await closeAllEditors();
  });

  test('pola.rules: "off" removes a rule’s diagnostics, a severity changes it, and removing the setting brings them back', async () => {
    const before = await waitForDiagnosticsWhere(uri(), 'the defaults', (ds) => ds.length === 7);
    assert.equal(find(before, 'guix/runs-as-root')?.severity, vscode.DiagnosticSeverity.Warning);

    restore.push(await setPolaSetting('rules', { 'guix/unconfined': 'off', 'guix/runs-as-root': 'error' }));
    const changed = await waitForDiagnosticsWhere(
      uri(),
      'guix/unconfined to be turned off and guix/runs-as-root to become an error',
      (ds) => ds.length > 0 && !find(ds, 'guix/unconfined') && find(ds, 'guix/runs-as-root')?.severity === vscode.DiagnosticSeverity.Error,
    );
    console.log(briefDiagnostics(changed));
    assert.equal(changed.length, before.length - 1, 'only guix/unconfined went away');

    await restore.pop()!();
    const back = await waitForDiagnosticsWhere(
      uri(),
      'the defaults to come back',
      (ds) => !!find(ds, 'guix/unconfined') && find(ds, 'guix/runs-as-root')?.severity === vscode.DiagnosticSeverity.Warning,
    );
    assert.equal(back.length, before.length);
  });

  test('pola.codeLens.enabled: false removes the lenses, true brings them back', async () => {
    const lenses = await waitFor('lenses', async () => {
      const l = await codeLenses(uri());
      return l.length > 0 ? l : undefined;
    });
    assert.equal(lenses.length, 2);

    restore.push(await setPolaSetting('codeLens.enabled', false));
    await waitFor('the lenses to go', async () => (await codeLenses(uri())).length === 0, 15_000, 250);

    await restore.pop()!();
    const again = await waitFor('the lenses to come back', async () => {
      const l = await codeLenses(uri());
      return l.length > 0 ? l : undefined;
    }, 15_000, 250);
    assert.equal(again.length, 2);
  });
});

suite('the settings are contributed', () => {
  test('pola.rules, pola.exposureThreshold and pola.codeLens.enabled have their defaults', () => {
    const config = vscode.workspace.getConfiguration('pola');
    assert.deepEqual(config.inspect('rules')?.defaultValue, {});
    assert.equal(config.inspect('exposureThreshold')?.defaultValue, 7.5);
    assert.equal(config.inspect('codeLens.enabled')?.defaultValue, true);
  });
});
