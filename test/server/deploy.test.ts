/**
 * The deploy analysis through the real language server, on real git repositories made by the test:
 * the server runs git for the committed version, reads the modules the deployment uses (editor
 * buffers first), and answers diagnostics, code lenses, hovers and quick fixes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { after, test } from "node:test";
import type { CodeAction, CodeLens, Diagnostic, Hover, TextEdit } from "vscode-languageserver-protocol";
import { applyEdits } from "../../server/src/model/edits";
import { LineIndex } from "../../server/src/parsing/text";
import { makeRepo, type Repo } from "../helpers/deploy-repo";
import { LspTestClient } from "../helpers/lsp-client";

const clients: LspTestClient[] = [];
const repos: Repo[] = [];
after(async () => {
  for (const c of clients) await c.shutdown();
  for (const r of repos) r.cleanup();
});

async function serverFor(dir: string): Promise<LspTestClient> {
  const client = new LspTestClient();
  clients.push(client);
  client.connection.onRequest("client/registerCapability", () => null);
  client.connection.onRequest("window/workDoneProgress/create", () => null);
  await client.connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "infra" }],
    capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
  });
  await client.connection.sendNotification("initialized", {});
  return client;
}

const deployCodes = (ds: Diagnostic[]) => ds.filter((d) => String(d.code).startsWith("deploy/")).map((d) => String(d.code));

test("router and web server: the window, the lens with the safe order, the hover, the reorder fix", async () => {
  const repo = makeRepo("router-web");
  repos.push(repo);
  const client = await serverFor(repo.dir);
  const uri = pathToFileURL(repo.file).href;
  const text = fs.readFileSync(repo.file, "utf8");
  const lines = text.split("\n");
  await client.open(uri, "scheme", text, 1);
  const diagnostics = await client.waitForDiagnostics(uri, (p) => p.version === 1 && p.diagnostics.some((d) => d.code === "deploy/sniping-window"));
  const window = diagnostics.find((d) => d.code === "deploy/sniping-window")!;
  const webLine = lines.findIndex((l) => l.includes("(list (machine"));
  assert.equal(window.range.start.line, webLine, "on the machine deployed too early (web, first in the list)");
  assert.match(String(window.message), /^web is deployed before router, which guards it\./);
  assert.match(window.codeDescription!.href, /docs\/rules\/deploy\/sniping-window\.md$/);

  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  const titles = lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`);
  assert.ok(titles.includes(`${webLine}: deploy order unsafe — safe order router → web: router restricts tcp/22 to web before web enables SSH root login, adds SSH key backup.pub for root`), titles.join("\n"));
  assert.ok(titles.some((t) => t.startsWith(`${webLine}: machine web · exposes SSH tcp/22 (root login, key backup.pub for root), nginx tcp/80, nginx tcp/443 · guarded by router`)), titles.join("\n"));

  const hover = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: { line: webLine, character: lines[webLine].indexOf("(machine") + 3 } });
  const md = (hover.contents as { value: string }).value;
  assert.match(md, /\*\*machine `web`\*\*/);
  assert.match(md, /\| Guarded by \| \*\*router\*\* — nftables forward rules name 192\.0\.2\.10/);
  assert.match(md, /\| This update \| widens: enables SSH root login \(tcp\/22\)/);

  const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: window.range, context: { diagnostics: [window] } });
  const fix = actions.find((a) => a.title === "Deploy in the safe order: router, web");
  assert.ok(fix, actions.map((a) => a.title).join("\n"));
  assert.ok(actions.some((a) => a.title === "Ignore deploy/sniping-window here (with a reason)"));
  const edits = fix.edit!.changes![uri] as TextEdit[];
  const sorted = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
  await client.change(uri, 2, sorted.map((e) => ({ range: e.range, text: e.newText })));
  const after = await client.waitForDiagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(deployCodes(after), []);
  const fixed = applyEdits(text, edits, (p) => new LineIndex(text).offsetAt(p));
  const order = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  const listLine = fixed.split("\n").findIndex((l) => l.includes("(list (machine"));
  assert.ok(order.some((l) => l.range.start.line === listLine && l.command?.title.startsWith("deploy order ✓ router → web: router restricts tcp/22 to web")), order.map((l) => l.command?.title).join("\n"));
});

test("a chain of guards across modules: editing the module in the editor re-checks the deployment", async () => {
  const repo = makeRepo("chain");
  repos.push(repo);
  const client = await serverFor(repo.dir);
  const uri = pathToFileURL(repo.file).href;
  await client.open(uri, "scheme", fs.readFileSync(repo.file, "utf8"), 1);
  const first = await client.waitForDiagnostics(uri, (p) => deployCodes(p.diagnostics).length === 2, 20000);
  assert.deepEqual(first.filter((d) => d.code === "deploy/sniping-window").map((d) => String(d.message).split(",")[0]), ["app is deployed before proxy", "proxy is deployed before edge"]);
  // the proxy's root login is taken out of the update, in the editor (not saved)
  const moduleFile = path.join(repo.dir, "infra", "systems.scm");
  const moduleUri = pathToFileURL(moduleFile).href;
  const moduleText = fs.readFileSync(moduleFile, "utf8");
  await client.open(moduleUri, "scheme", moduleText, 1);
  const edited = moduleText.replace("(permit-root-login 'prohibit-password)", "(permit-root-login #f)");
  assert.notEqual(edited, moduleText);
  await client.change(moduleUri, 2, [{ text: edited }]);
  const second = await client.waitForDiagnostics(uri, (p) => deployCodes(p.diagnostics).length === 1, 20000);
  assert.match(String(second.find((d) => d.code === "deploy/sniping-window")!.message), /^app is deployed before proxy/);
});

test("a conflicting update: the split plan is written above the list and settles the finding", async () => {
  const repo = makeRepo("conflict");
  repos.push(repo);
  const client = await serverFor(repo.dir);
  const uri = pathToFileURL(repo.file).href;
  const text = fs.readFileSync(repo.file, "utf8");
  await client.open(uri, "scheme", text, 1);
  const diagnostics = await client.waitForDiagnostics(uri, (p) => deployCodes(p.diagnostics).length > 0);
  const conflict = diagnostics.find((d) => d.code === "deploy/conflicting-update")!;
  assert.ok(conflict, JSON.stringify(diagnostics));
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  assert.ok(lenses.some((l) => l.command?.title.startsWith("no safe order for one deployment: router → web and web → router")));
  const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: conflict.range, context: { diagnostics: [conflict] } });
  const plan = actions.find((a) => a.title === "Write the two-deployment plan above the list (a comment)")!;
  assert.ok(plan);
  const edits = plan.edit!.changes![uri] as TextEdit[];
  await client.change(uri, 2, edits.map((e) => ({ range: e.range, text: e.newText })));
  const after = await client.waitForDiagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(deployCodes(after), []);
});

test("outside a git repository: an information diagnostic, the relations still shown", async () => {
  const repo = makeRepo("reverse-proxy", { git: false });
  repos.push(repo);
  const client = await serverFor(repo.dir);
  const uri = pathToFileURL(repo.file).href;
  await client.open(uri, "scheme", fs.readFileSync(repo.file, "utf8"), 1);
  const diagnostics = await client.waitForDiagnostics(uri, (p) => deployCodes(p.diagnostics).length > 0);
  assert.deepEqual(deployCodes(diagnostics), ["deploy/no-baseline"]);
  assert.equal(diagnostics.find((d) => d.code === "deploy/no-baseline")!.severity, 3);
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  assert.ok(lenses.some((l) => l.command?.title === "proxy guards shop, proxy guards wiki · order not checked: the file is not in a git repository"), lenses.map((l) => l.command?.title).join("\n"));
});
