import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'pola.pola';
export const DIAGNOSTIC_SOURCE = 'pola';

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open (the runner passes ?folder=)');
  return folder.uri;
}

export function fixture(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split('/'));
}

export async function openFixture(relative: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fixture(relative));
  return vscode.window.showTextDocument(doc, { preview: false });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined/false, or throws after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
  every = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

export function polaDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
}

export function waitForPolaDiagnostics(uri: vscode.Uri, ms = 30_000): Promise<vscode.Diagnostic[]> {
  return waitFor(
    `diagnostics with source "${DIAGNOSTIC_SOURCE}" on ${vscode.workspace.asRelativePath(uri)}` +
      ` (has: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map((d) => d.source ?? '?'))})`,
    () => {
      const ds = polaDiagnostics(uri);
      return ds.length > 0 ? ds : undefined;
    },
    ms,
  );
}

export function describeDiagnostics(ds: readonly vscode.Diagnostic[]): string {
  return ds
    .map(
      (d) =>
        `${d.range.start.line + 1}:${d.range.start.character + 1} ` +
        `${vscode.DiagnosticSeverity[d.severity]} ${d.code !== undefined ? `[${String(typeof d.code === 'object' ? d.code.value : d.code)}] ` : ''}${d.message}`,
    )
    .join('\n');
}

/**
 * Asks the runner (test/e2e/run-code-server.mjs) for a Playwright screenshot of the workbench and
 * waits until it has been written. Outside that runner (no POLA_E2E_SCREENSHOT_DIR) it does nothing.
 */
export async function screenshot(name: string, ms = 20_000): Promise<string | undefined> {
  const dir = process.env.POLA_E2E_SCREENSHOT_DIR;
  if (!dir) return undefined;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad screenshot name ${name}`);
  const file = path.join(dir, `${name}.png`);
  fs.rmSync(file, { force: true });
  console.log(`[pola-e2e] screenshot ${name}`);
  await waitFor(`the runner to write ${file}`, () => fs.existsSync(file), ms, 200);
  return file;
}
