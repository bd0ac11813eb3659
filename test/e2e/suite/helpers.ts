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

// ---------------------------------------------------------------------------------------------
// pola's features through VS Code's command API (what the editor itself calls)
// ---------------------------------------------------------------------------------------------

/** The extension's exported API (client/src/extension.ts). */
export interface PolaApi {
  client(): { sendRequest(method: string, params: unknown): Promise<unknown> } | undefined;
  ready(): Promise<void>;
  reportHtml(): string | undefined;
  statusText(): string;
}

export async function polaApi(): Promise<PolaApi> {
  const ext = vscode.extensions.getExtension<PolaApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} not found`);
  const api = await ext.activate();
  await api.ready();
  return api;
}

/**
 * A fresh copy of a workspace file under `scratch/`, opened in an editor: tests that edit files
 * work on their own copy, so the others (and the Playwright scenario) see the originals.
 */
export async function openScratchCopy(relative: string, name: string): Promise<vscode.TextEditor> {
  const source = fixture(relative);
  const target = fixture(`scratch/${name}`);
  await vscode.workspace.fs.copy(source, target, { overwrite: true });
  return openFixture(`scratch/${name}`);
}

/** Waits until the server has analysed the file (its report request answers). */
export async function waitForAnalysis(uri: vscode.Uri, ms = 30_000): Promise<void> {
  const api = await polaApi();
  await waitFor(
    `pola to analyse ${vscode.workspace.asRelativePath(uri)}`,
    async () => {
      const result = await api.client()?.sendRequest('pola/report', { uri: uri.toString() });
      return result !== null && result !== undefined;
    },
    ms,
    200,
  );
}

export function diagnosticCode(d: vscode.Diagnostic): string | undefined {
  if (d.code === undefined) return undefined;
  return String(typeof d.code === 'object' ? d.code.value : d.code);
}

/** Waits until pola's diagnostics for `uri` satisfy `check` (which may return a message explaining why not). */
export async function waitForDiagnosticsWhere(
  uri: vscode.Uri,
  what: string,
  check: (ds: vscode.Diagnostic[]) => boolean,
  ms = 30_000,
): Promise<vscode.Diagnostic[]> {
  try {
    return await waitFor(what, () => {
      const ds = polaDiagnostics(uri);
      return check(ds) ? ds : undefined;
    }, ms);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast diagnostics:\n${describeDiagnostics(polaDiagnostics(uri))}`);
  }
}

export async function codeLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

export function lensTitles(lenses: readonly vscode.CodeLens[]): string[] {
  return lenses.map((l) => l.command?.title ?? '(unresolved)');
}

export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

export async function codeActions(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const all = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range)) ?? [];
  return all.filter((a): a is vscode.CodeAction => 'title' in a && !('command' in a && typeof (a as vscode.Command).command === 'string'));
}

/** Applies a code action's WorkspaceEdit (as the editor does when the action is picked). */
export async function applyCodeAction(action: vscode.CodeAction): Promise<void> {
  if (!action.edit) throw new Error(`code action "${action.title}" has no edit`);
  const ok = await vscode.workspace.applyEdit(action.edit);
  if (!ok) throw new Error(`applying "${action.title}" failed`);
}

/** Position of the `nth` occurrence of `needle` in the document (plus `offset` characters). */
export function positionOf(doc: vscode.TextDocument, needle: string, nth = 0, offset = 0): vscode.Position {
  const text = doc.getText();
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" (#${nth}) not found in ${vscode.workspace.asRelativePath(doc.uri)}`);
  }
  return doc.positionAt(at + offset);
}

export function lineOf(doc: vscode.TextDocument, needle: string): number {
  return positionOf(doc, needle).line;
}

/** Sets a pola setting for the workspace and returns a function that restores the previous value. */
export async function setPolaSetting(key: string, value: unknown): Promise<() => Promise<void>> {
  const config = vscode.workspace.getConfiguration('pola');
  const previous = config.inspect(key)?.workspaceValue;
  await config.update(key, value, vscode.ConfigurationTarget.Workspace);
  return async () => {
    await vscode.workspace.getConfiguration('pola').update(key, previous, vscode.ConfigurationTarget.Workspace);
  };
}

/** Closes every editor, reverting unsaved changes first (no "save changes?" dialog). */
export async function closeAllEditors(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && !doc.isClosed) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export function unsafeCount(statusText: string): number | undefined {
  const m = /pola: (\d+) unsafe/.exec(statusText);
  return m ? Number(m[1]) : /^\$\(shield\) pola$/.test(statusText) ? 0 : undefined;
}

/** One short line per diagnostic (position, severity, rule id), for logs. */
export function briefDiagnostics(ds: readonly vscode.Diagnostic[]): string {
  return ds.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${vscode.DiagnosticSeverity[d.severity]} ${diagnosticCode(d) ?? '?'}`).join(', ') || 'none';
}
