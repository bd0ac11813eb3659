import {
  CodeActionKind,
  CodeLensRefreshRequest,
  DidChangeWatchedFilesNotification,
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  type CodeLens,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node";
import type { Position, Range } from "./model/range";
import { countsAsUnsafe, type Service } from "./model/service";
import { codeActions } from "./features/codeActions";
import { toDiagnostics } from "./features/diagnostics";
import { reportHtml } from "./features/report";
import { authorityMarkdown, lensTitle, rootOpMarkdown } from "./features/summary";
import { SourceDocument } from "./parsing/document";
import { languageOfEditorId, languageOfPath } from "./parsing/languages";
import { DEFAULT_SETTINGS, type Settings } from "./rules/rule";
import { analyzeFile, type FileAnalysis } from "./rules/run";
import { VERSION } from "./version";
import { WorkspaceIndex } from "./workspace/index";
import { applyCatalog } from "./catalog/apply";
import { listLensTitle, systemReport, systemReportHtml, usedLensTitle, usedServiceMarkdown, type SortColumn } from "./catalog/present";
import { CatalogService, readCatalogSettings } from "./catalog/service";
import { isUsedService } from "./catalog/types";
import { usageOf } from "./catalog/usage";
import { DeployTransport } from "./deploy/transport";
import { findConfig, mergeSettings, readConfig, type PolaConfig } from "./workspace/config";
import * as path from "node:path";

interface OpenFile {
  /** Chained so edits apply in order even while the first parse is still loading the grammar. */
  document: Promise<SourceDocument | undefined>;
  analysis?: { version: number; result: FileAnalysis };
  timer?: NodeJS.Timeout;
}

const DIAGNOSTICS_DELAY_MS = 50;

function contains(range: Range, p: Position): boolean {
  const afterStart = p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const beforeEnd = p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return afterStart && beforeEnd;
}

function size(range: Range): number {
  return (range.end.line - range.start.line) * 100000 + (range.end.character - range.start.character);
}

/** LSP wiring only: every answer comes from the document store and the analysis pipeline. */
export function startServer(connection: Connection): void {
  const files = new Map<string, OpenFile>();
  const index = new WorkspaceIndex();
  // guix deploy files: their committed version and the modules they use, gathered before analysis
  const deploy = new DeployTransport();
  let roots: string[] = [];
  const settingsCache = new Map<string, Promise<Settings>>();
  let configurationSupported = false;
  let watchSupported = false;
  let indexing = false;
  // the service definitions of the installed Guix / nixpkgs and the workspace, indexed in the background
  const catalogService = new CatalogService({
    log,
    createProgress: () => connection.window.createWorkDoneProgress().catch(() => undefined),
    changed: () => {
      for (const [uri, file] of files) {
        file.analysis = undefined;
        scheduleDiagnostics(uri);
      }
      connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    },
  });

  async function configureCatalog(): Promise<void> {
    const raw: unknown = configurationSupported ? await connection.workspace.getConfiguration("pola").catch(() => ({})) : {};
    await catalogService.configure(readCatalogSettings(raw), roots);
  }

  function log(message: string): void {
    connection.console.log(`[pola] ${message}`);
  }

  /** Editor settings (per resource) over the nearest .pola.json, shared with the CLI. */
  async function settingsFor(uri: string): Promise<Settings> {
    let cached = settingsCache.get(uri);
    if (!cached) {
      const editor = configurationSupported
        ? connection.workspace.getConfiguration({ scopeUri: uri, section: "pola" }).then((raw: unknown) => readSettings(raw), () => DEFAULT_SETTINGS)
        : Promise.resolve(DEFAULT_SETTINGS);
      cached = editor.then((fromEditor) => {
        const file = WorkspaceIndex.uriToPath(uri);
        const configFile = file ? findConfig(path.dirname(file)) : undefined;
        let config: PolaConfig | undefined;
        try {
          config = configFile ? readConfig(configFile) : undefined;
        } catch (error) {
          log((error as Error).message);
        }
        return mergeSettings(config, {
          severities: fromEditor.severities,
          exposureThreshold: fromEditor.exposureThreshold !== DEFAULT_SETTINGS.exposureThreshold ? fromEditor.exposureThreshold : undefined,
          codeLens: fromEditor.codeLens,
        });
      });
      settingsCache.set(uri, cached);
    }
    return cached;
  }

  async function analysisOf(uri: string): Promise<{ document: SourceDocument; result: FileAnalysis } | undefined> {
    const file = files.get(uri);
    if (!file) return undefined;
    const document = await file.document;
    if (!document) return undefined;
    if (file.analysis && file.analysis.version === document.version) return { document, result: file.analysis.result };
    const settings = await settingsFor(uri);
    const deployInputs = await deploy.inputs(uri, document, roots);
    const workspace = { claims: index.claimsExcept(uri), catalog: catalogService.catalog, deploy: deployInputs };
    const result = analyzeFile(document, settings, workspace);
    deploy.attach(result, document, deployInputs);
    applyCatalog(document, result, settings, workspace);
    file.analysis = { version: document.version, result };
    // what this file claims informs the others: re-check them when it changed
    const changed = index.set({
      uri,
      claims: result.model.claims.map((c) => ({ ...c, uri })),
      unsafeServices: result.model.services.filter(countsAsUnsafe).length,
      mtimeMs: Date.now(),
    });
    if (changed) invalidateOthers(uri);
    invalidateDeployUsers(uri);
    return { document, result };
  }

  /** Deployment files using a module that changed are analysed again. */
  function invalidateDeployUsers(uri: string, onDisk = false): void {
    for (const user of deploy.usersOf(uri, onDisk)) {
      const file = files.get(user);
      if (!file) continue;
      file.analysis = undefined;
      scheduleDiagnostics(user);
    }
  }

  function invalidateOthers(uri: string): void {
    for (const [other, file] of files) {
      if (other === uri || !file.analysis) continue;
      file.analysis = undefined;
      scheduleDiagnostics(other);
    }
  }

  async function indexWorkspace(): Promise<void> {
    const extra = configurationSupported ? ((await connection.workspace.getConfiguration("pola").then((c: { index?: { extraPaths?: unknown } }) => c?.index?.extraPaths, () => [])) as unknown) : [];
    const extraPaths = Array.isArray(extra) ? extra.filter((x): x is string => typeof x === "string") : [];
    const all = [...roots, ...extraPaths];
    if (all.length === 0) return;
    const started = Date.now();
    const list = WorkspaceIndex.listFiles(all);
    indexing = true;
    const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
    await index.indexAll(list, {
      begin: (total) => progress?.begin("pola: reading services", 0, `${total} files`, false),
      report: (done, total, file) => progress?.report(Math.round((100 * done) / Math.max(1, total)), file.split("/").slice(-2).join("/")),
      end: () => progress?.done(),
    });
    indexing = false;
    log(`indexed ${list.length} files in ${Date.now() - started} ms`);
    for (const [uri, file] of files) {
      file.analysis = undefined;
      scheduleDiagnostics(uri);
    }
    sendStatus();
  }

  function scheduleDiagnostics(uri: string): void {
    const file = files.get(uri);
    if (!file) return;
    if (file.timer) clearTimeout(file.timer);
    file.timer = setTimeout(() => {
      file.timer = undefined;
      void publish(uri);
    }, DIAGNOSTICS_DELAY_MS);
  }

  async function publish(uri: string): Promise<void> {
    try {
      const analysis = await analysisOf(uri);
      if (!analysis || !files.has(uri)) return;
      await connection.sendDiagnostics({ uri, version: analysis.document.version, diagnostics: toDiagnostics(analysis.result.findings) });
      sendStatus();
    } catch (error) {
      log(`diagnostics for ${uri} failed: ${(error as Error).stack ?? error}`);
    }
  }

  /** Services that run as root or have unsafe root-run steps, over the files analysed so far. */
  function sendStatus(): void {
    void connection.sendNotification("pola/status", { unsafeServices: index.unsafeServices(), files: index.size });
  }

  connection.onInitialize((params): InitializeResult => {
    configurationSupported = Boolean(params.capabilities.workspace?.configuration);
    watchSupported = Boolean(params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration);
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    roots = folders.map((u) => WorkspaceIndex.uriToPath(u)).filter((p): p is string => Boolean(p));
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: [] },
      },
      serverInfo: { name: "pola", version: VERSION },
    };
  });

  connection.onInitialized(() => {
    log(`pola language server ${VERSION} ready`);
    if (watchSupported) {
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.{scm,nix}" }, { globPattern: "**/.pola.json" }] })
        .catch(() => undefined);
    }
    void indexWorkspace().catch((error) => log(`indexing failed: ${(error as Error).message}`));
    void configureCatalog().catch((error) => log(`catalog failed: ${(error as Error).message}`));
  });

  connection.onDidChangeWatchedFiles(async ({ changes }) => {
    let changed = false;
    for (const change of changes) {
      if (change.uri.endsWith("/.pola.json")) {
        settingsCache.clear();
        changed = true;
        continue;
      }
      if (files.has(change.uri)) continue; // open documents are indexed from their text
      const file = WorkspaceIndex.uriToPath(change.uri);
      if (!file) continue;
      void catalogService.fileChanged(file);
      invalidateDeployUsers(change.uri, true);
      changed = (change.type === 3 ? index.remove(change.uri) : await index.indexFile(file)) || changed;
    }
    if (changed) {
      invalidateOthers("");
      sendStatus();
    }
  });

  connection.onDidChangeConfiguration(() => {
    settingsCache.clear();
    void configureCatalog().catch((error) => log(`catalog failed: ${(error as Error).message}`));
    for (const [uri, file] of files) {
      file.analysis = undefined;
      scheduleDiagnostics(uri);
    }
    connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  });

  connection.onDidOpenTextDocument(({ textDocument }) => {
    const language = languageOfEditorId(textDocument.languageId) ?? languageOfPath(textDocument.uri);
    if (!language) return;
    const document = SourceDocument.create(textDocument.uri, language, textDocument.text, textDocument.version).catch((error) => {
      log(`cannot parse ${textDocument.uri}: ${(error as Error).message}`);
      return undefined;
    });
    files.set(textDocument.uri, { document });
    scheduleDiagnostics(textDocument.uri);
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const file = files.get(textDocument.uri);
    if (!file) return;
    file.document = file.document.then((document) => {
      if (!document) return document;
      try {
        document.applyChanges(contentChanges, textDocument.version);
      } catch (error) {
        log(`edit of ${textDocument.uri} failed: ${(error as Error).message}`);
      }
      return document;
    });
    scheduleDiagnostics(textDocument.uri);
  });

  connection.onDidCloseTextDocument(({ textDocument }) => {
    const file = files.get(textDocument.uri);
    if (!file) return;
    files.delete(textDocument.uri);
    settingsCache.delete(textDocument.uri);
    deploy.forget(textDocument.uri);
    if (file.timer) clearTimeout(file.timer);
    void file.document.then((d) => d?.dispose());
    void connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
    sendStatus();
  });

  connection.onCodeAction(async ({ textDocument, range, context }) => {
    const analysis = await analysisOf(textDocument.uri);
    if (!analysis) return [];
    const prefix = analysis.document.language === "guix" ? ";;" : "#";
    return codeActions(textDocument.uri, analysis.result.findings, range, context.diagnostics, analysis.document.lineIndex, prefix);
  });

  connection.onCodeLens(async ({ textDocument }) => {
    const analysis = await analysisOf(textDocument.uri);
    if (!analysis) return [];
    const settings = await settingsFor(textDocument.uri);
    if (!settings.codeLens) return [];
    const lenses = analysis.result.model.services.map(
      (service): CodeLens => ({
        range: { start: service.range.start, end: service.range.start },
        command: { title: deploy.lensTitle(service) ?? (isUsedService(service) ? usedLensTitle(service, catalogService.catalog) : lensTitle(service)), command: "pola.showServiceReport", arguments: [textDocument.uri, service.name, service.range.start.line] },
      }),
    );
    for (const list of usageOf(analysis.document, analysis.result.model, catalogService.catalog).lists) {
      lenses.push({ range: { start: list.range.start, end: list.range.start }, command: { title: listLensTitle(list, catalogService.catalog), command: "pola.showSystemReport", arguments: [textDocument.uri] } });
    }
    for (const lens of deploy.listLenses(analysis.document, analysis.result.model.services)) lenses.push({ range: lens.range, command: { title: lens.title, command: "" } });
    return lenses;
  });

  connection.onHover(async ({ textDocument, position }) => {
    const analysis = await analysisOf(textDocument.uri);
    if (!analysis) return null;
    const describe = (service: Service) =>
      deploy.hover(service) ?? (isUsedService(service) ? usedServiceMarkdown(service, analysis.result.findings, catalogService.catalog) : authorityMarkdown(service, analysis.result.findings));
    // on a root-run operation (often in a procedure outside the service's own form): that operation,
    // then the service it runs for
    const ops = analysis.result.model.services.flatMap((s) => s.authority.rootOps.filter((op) => contains(op.at, position)).map((op) => ({ op, owner: s })));
    if (ops.length > 0) {
      ops.sort((a, b) => size(a.op.at) - size(b.op.at));
      return { contents: { kind: "markdown", value: `${rootOpMarkdown(ops[0].op, ops[0].owner)}\n\n---\n\n${describe(ops[0].owner)}` }, range: ops[0].op.at };
    }
    const candidates = analysis.result.model.services.filter((s) => contains(s.nameRange, position) || contains(s.range, position));
    if (candidates.length === 0) return null;
    candidates.sort((a, b) => size(a.range) - size(b.range));
    const service = candidates[0];
    return { contents: { kind: "markdown", value: describe(service) }, range: service.nameRange };
  });

  /** Memory and index size, for benchmarks and the output channel. */
  connection.onRequest("pola/stats", () => ({ memory: process.memoryUsage(), indexedFiles: index.size, openFiles: files.size, indexing }));

  connection.onRequest("pola/report", async ({ uri, service, line }: { uri: string; service?: string; line?: number }) => {
    const analysis = await analysisOf(uri);
    if (!analysis) return null;
    const focus = service !== undefined && line !== undefined ? { name: service, line } : undefined;
    return { html: reportHtml(uri, analysis.result.model.services, analysis.result.findings, focus), services: analysis.result.model.services.length };
  });

  /** Every service a configuration (operating-system, NixOS configuration) enables, side by side. */
  connection.onRequest("pola/systemReport", async ({ uri, sort, descending }: { uri: string; sort?: SortColumn; descending?: boolean }) => {
    const analysis = await analysisOf(uri);
    if (!analysis) return null;
    const catalog = catalogService.catalog;
    const usage = usageOf(analysis.document, analysis.result.model, catalog);
    const report = systemReport(analysis.document.text, analysis.document.language, analysis.result.model.services, usage.lists, analysis.result.findings, catalog);
    return { html: systemReportHtml(uri, report, catalog, sort, descending), title: report.title, totals: report.totals, services: report.rows.map((r) => r.name), catalog: catalogService.status };
  });

  /** What the catalog found and read (sources, trees, counts), for tests and the output channel. */
  connection.onRequest("pola/catalog", async ({ wait }: { wait?: boolean } = {}) => {
    // waits for the indexing under way (or starts one with the current settings)
    if (wait) await configureCatalog();
    return catalogService.describe();
  });

  connection.listen();
}

export function readSettings(raw: unknown): Settings {
  const r = (raw ?? {}) as Record<string, unknown>;
  const severities: Settings["severities"] = {};
  const rules = r.rules;
  if (rules && typeof rules === "object") {
    for (const [id, value] of Object.entries(rules as Record<string, unknown>)) {
      if (value === "off" || value === "error" || value === "warning" || value === "information" || value === "hint") severities[id] = value;
    }
  }
  const threshold = typeof r.exposureThreshold === "number" ? r.exposureThreshold : DEFAULT_SETTINGS.exposureThreshold;
  const codeLens = typeof r.codeLens === "object" && r.codeLens !== null ? (r.codeLens as { enabled?: unknown }).enabled !== false : r.codeLens !== false;
  return { severities, exposureThreshold: threshold, codeLens };
}


/** Entry point of the bundle: the transport (--stdio, --node-ipc, --socket) comes from argv. */
export function main(): void {
  // The server never dies of one bad request: log and carry on.
  process.on("uncaughtException", (error) => process.stderr.write(`pola: uncaught ${error.stack ?? error}\n`));
  process.on("unhandledRejection", (error) => process.stderr.write(`pola: unhandled ${(error as Error)?.stack ?? error}\n`));
  startServer(createConnection(ProposedFeatures.all));
}
