import * as path from "node:path";
import * as vscode from "vscode";
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem;
let output: vscode.LogOutputChannel;
let reportPanel: vscode.WebviewPanel | undefined;
let systemPanel: vscode.WebviewPanel | undefined;
let unsafeServices = 0;

/** The privilege report, rendered by the server, in one reused webview beside the editor. */
async function showReport(uri: string, focus?: { service: string; line: number }): Promise<void> {
  if (!client) return;
  const result = (await client.sendRequest("pola/report", { uri, ...focus })) as { html: string } | null;
  if (!result) {
    void vscode.window.showInformationMessage("pola: this file is not a Guix or NixOS file pola has open.");
    return;
  }
  const title = focus ? `pola: ${focus.service}` : `pola: ${decodeURIComponent(uri.replace(/^.*\//, ""))}`;
  if (!reportPanel) {
    reportPanel = vscode.window.createWebviewPanel("pola.report", title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableCommandUris: ["pola.revealLine"], enableFindWidget: true });
    reportPanel.onDidDispose(() => (reportPanel = undefined));
  }
  reportPanel.title = title;
  reportPanel.webview.html = result.html;
  reportPanel.reveal(vscode.ViewColumn.Beside, true);
}

/**
 * The system authority report of an operating-system or NixOS configuration: every service it
 * enables, side by side. Its table sorts with a small inline script the page's CSP allows by nonce.
 */
async function showSystemReport(uri: string): Promise<void> {
  if (!client) return;
  const result = (await client.sendRequest("pola/systemReport", { uri })) as { html: string; title: string } | null;
  if (!result) {
    void vscode.window.showInformationMessage("pola: open a Guix operating-system or a NixOS configuration first.");
    return;
  }
  const title = `pola: ${result.title}`;
  if (!systemPanel) {
    systemPanel = vscode.window.createWebviewPanel("pola.systemReport", title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, enableCommandUris: ["pola.revealLine"], enableFindWidget: true });
    systemPanel.onDidDispose(() => (systemPanel = undefined));
  }
  systemPanel.title = title;
  systemPanel.webview.html = result.html;
  systemPanel.reveal(vscode.ViewColumn.Beside, true);
}

/** The public API, used by the real-editor tests. */
export interface PolaApi {
  client(): LanguageClient | undefined;
  ready(): Promise<void>;
  /** The report webview's HTML, when it is open (for tests). */
  reportHtml(): string | undefined;
  /** The system report webview's HTML, when it is open (for tests). */
  systemReportHtml(): string | undefined;
  statusText(): string;
}

export async function activate(context: vscode.ExtensionContext): Promise<PolaApi> {
  output = vscode.window.createOutputChannel("pola", { log: true });
  statusItem = vscode.window.createStatusBarItem("pola.status", vscode.StatusBarAlignment.Right, 100);
  statusItem.name = "pola";
  statusItem.command = "pola.showOutput";
  context.subscriptions.push(output, statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand("pola.restartServer", async () => {
      output.info("Restarting the pola language server");
      await stopClient();
      await startClient(context);
    }),
    vscode.commands.registerCommand("pola.showOutput", () => output.show(true)),
    vscode.commands.registerCommand("pola.showServiceReport", (uri: string, service: string, line: number) => showReport(uri, { service, line })),
    vscode.commands.registerCommand("pola.showFileReport", (uri?: vscode.Uri | string) => {
      const target = typeof uri === "string" ? uri : (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
      if (!target) return vscode.window.showInformationMessage("pola: open a Guix (.scm) or NixOS (.nix) file first.");
      return showReport(target);
    }),
    vscode.commands.registerCommand("pola.showSystemReport", (uri?: vscode.Uri | string) => {
      const target = typeof uri === "string" ? uri : (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
      if (!target) return vscode.window.showInformationMessage("pola: open a Guix operating-system (.scm) or a NixOS configuration (.nix) first.");
      return showSystemReport(target);
    }),
    vscode.commands.registerCommand("pola.revealLine", async (uri: string, line: number) => {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
      const position = new vscode.Position(line, 0);
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Selection(position, position) });
    }),
  );

  await startClient(context);
  return {
    client: () => client,
    ready: async () => {
      if (client && client.state !== State.Running) await client.start();
    },
    reportHtml: () => reportPanel?.webview.html,
    systemReportHtml: () => systemPanel?.webview.html,
    statusText: () => statusItem.text,
  };
}

function showCounts(): void {
  if (unsafeServices > 0) setStatus(`$(shield) pola: ${unsafeServices} unsafe`, `pola language server: running — ${unsafeServices} service(s) run as root or have unsafe root-run steps in the files pola has read`);
  else setStatus("$(shield) pola", "pola language server: running — no unsafe services in the files pola has read");
}

function setStatus(text: string, tooltip: string): void {
  statusItem.text = text;
  statusItem.tooltip = tooltip;
  statusItem.show();
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join("out", "server.js"));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6010"] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "scheme" },
      { scheme: "file", language: "nix" },
      { scheme: "untitled", language: "scheme" },
      { scheme: "untitled", language: "nix" },
      { scheme: "vscode-vfs", language: "scheme" },
      { scheme: "vscode-vfs", language: "nix" },
    ],
    synchronize: { configurationSection: "pola" },
    outputChannel: output,
  };
  client = new LanguageClient("pola", "pola", serverOptions, clientOptions);
  client.onDidChangeState(({ newState }) => {
    if (newState === State.Running) showCounts();
    else if (newState === State.Starting) setStatus("$(sync~spin) pola", "pola language server: starting");
    else setStatus("$(error) pola", "pola language server: stopped — run “pola: Restart language server”");
  });
  setStatus("$(sync~spin) pola", "pola language server: starting");
  try {
    await client.start();
    client.onNotification("pola/status", (status: { unsafeServices: number }) => {
      unsafeServices = status.unsafeServices;
      showCounts();
    });
  } catch (error) {
    output.error(`pola failed to start: ${error instanceof Error ? error.message : String(error)}`);
    setStatus("$(error) pola", "pola language server failed to start; see the pola output");
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop().catch(() => undefined);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
