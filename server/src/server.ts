import {
  CodeActionKind,
  CodeLensRefreshRequest,
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  type CodeLens,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node";
import type { Position, Range } from "./model/range";
import { runsAsRoot } from "./model/service";
import { codeActions } from "./features/codeActions";
import { toDiagnostics } from "./features/diagnostics";
import { reportHtml } from "./features/report";
import { authorityMarkdown, lensTitle } from "./features/summary";
import { SourceDocument } from "./parsing/document";
import { languageOfEditorId, languageOfPath } from "./parsing/languages";
import { DEFAULT_SETTINGS, type Settings } from "./rules/rule";
import { analyzeFile, type FileAnalysis } from "./rules/run";
import { VERSION } from "./version";

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
  const settingsCache = new Map<string, Promise<Settings>>();
  let configurationSupported = false;

  function log(message: string): void {
    connection.console.log(`[pola] ${message}`);
  }

  async function settingsFor(uri: string): Promise<Settings> {
    if (!configurationSupported) return DEFAULT_SETTINGS;
    let cached = settingsCache.get(uri);
    if (!cached) {
      cached = connection.workspace
        .getConfiguration({ scopeUri: uri, section: "pola" })
        .then((raw: unknown) => readSettings(raw), () => DEFAULT_SETTINGS);
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
    const result = analyzeFile(document, settings);
    file.analysis = { version: document.version, result };
    return { document, result };
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
    let unsafe = 0;
    for (const file of files.values()) {
      for (const s of file.analysis?.result.model.services ?? []) {
        if (s.kind === "service-type") continue; // counted through its shepherd services
        if (runsAsRoot(s) === true || s.authority.rootOps.some((o) => o.under)) unsafe++;
      }
    }
    void connection.sendNotification("pola/status", { unsafeServices: unsafe, files: files.size });
  }

  connection.onInitialize((params): InitializeResult => {
    configurationSupported = Boolean(params.capabilities.workspace?.configuration);
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

  connection.onInitialized(() => log(`pola language server ${VERSION} ready`));

  connection.onDidChangeConfiguration(() => {
    settingsCache.clear();
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
    return analysis.result.model.services.map(
      (service): CodeLens => ({
        range: { start: service.range.start, end: service.range.start },
        command: { title: lensTitle(service), command: "pola.showServiceReport", arguments: [textDocument.uri, service.name, service.range.start.line] },
      }),
    );
  });

  connection.onHover(async ({ textDocument, position }) => {
    const analysis = await analysisOf(textDocument.uri);
    if (!analysis) return null;
    const candidates = analysis.result.model.services.filter((s) => contains(s.nameRange, position) || contains(s.range, position));
    if (candidates.length === 0) return null;
    candidates.sort((a, b) => size(a.range) - size(b.range));
    const service = candidates[0];
    return { contents: { kind: "markdown", value: authorityMarkdown(service, analysis.result.findings) }, range: service.nameRange };
  });

  connection.onRequest("pola/report", async ({ uri, service, line }: { uri: string; service?: string; line?: number }) => {
    const analysis = await analysisOf(uri);
    if (!analysis) return null;
    const focus = service !== undefined && line !== undefined ? { name: service, line } : undefined;
    return { html: reportHtml(uri, analysis.result.model.services, analysis.result.findings, focus), services: analysis.result.model.services.length };
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
