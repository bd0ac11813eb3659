import * as path from "node:path";
import * as vscode from "vscode";
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem;
let output: vscode.LogOutputChannel;

/** The public API, used by the real-editor tests. */
export interface PolaApi {
  client(): LanguageClient | undefined;
  ready(): Promise<void>;
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
  );

  await startClient(context);
  return {
    client: () => client,
    ready: async () => {
      if (client && client.state !== State.Running) await client.start();
    },
  };
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
    if (newState === State.Running) setStatus("$(shield) pola", "pola language server: running");
    else if (newState === State.Starting) setStatus("$(sync~spin) pola", "pola language server: starting");
    else setStatus("$(error) pola", "pola language server: stopped — run “pola: Restart language server”");
  });
  setStatus("$(sync~spin) pola", "pola language server: starting");
  try {
    await client.start();
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
