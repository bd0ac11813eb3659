// Language-server latency: a one-character edit in a 3,000-line Guix file to published diagnostics
// (p50/p95 over 200 edits), code lens and hover latency, and memory after indexing a generated tree.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateTree, guixFile } from "./generate.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const rpc = require("vscode-jsonrpc/node");
const EDITS = Number(process.env.BENCH_EDITS ?? 200);

const tree = path.join(root, ".bench-tmp", "lsp-tree");
generateTree(tree, 200, 100000);
const server = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=" + process.env.BENCH_PROFILE] : []), path.join(root, "bin/pola-language-server"), "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
const waiters = new Map();
let indexed;
const indexedPromise = new Promise((r) => (indexed = r));
conn.onNotification("textDocument/publishDiagnostics", (p) => waiters.get(`${p.uri}@${p.version}`)?.(p));
conn.onNotification("window/logMessage", (m) => /indexed \d+ files/.test(m.message) && indexed(m.message));
conn.onRequest("workspace/configuration", (p) => p.items.map(() => ({})));
conn.onRequest("client/registerCapability", () => null);
conn.onRequest("window/workDoneProgress/create", () => null);
conn.onNotification("$/progress", () => undefined);
conn.listen();
await conn.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(tree).href, workspaceFolders: [{ uri: pathToFileURL(tree).href, name: "t" }], capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } } });
await conn.sendNotification("initialized", {});
const t0 = performance.now();
const indexMessage = await indexedPromise;
const indexMs = performance.now() - t0;
// the catalog of used services indexes the workspace too: measure edits once both are done
for (let i = 0; i < 600; i++) {
  const catalog = await conn.sendRequest("pola/catalog").catch(() => ({ status: "ready" }));
  if (catalog.status === "ready") break;
  await new Promise((r) => setTimeout(r, 100));
}
const stats = await conn.sendRequest("pola/stats");

const text = guixFile(3000);
const uri = "file:///bench/big.scm";
const diagnostics = (version) => new Promise((r) => waiters.set(`${uri}@${version}`, r));
let wait = diagnostics(1);
await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "scheme", version: 1, text } });
await wait;
const lines = text.split("\n");
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const editTimes = [];
const lensTimes = [];
const hoverTimes = [];
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
for (let v = 2; v < EDITS + 2; v++) {
  // a one-character edit at a random place: insert a space at a line start (keeps the file readable)
  const line = Math.floor(random() * lines.length);
  wait = diagnostics(v);
  const start = performance.now();
  await conn.sendNotification("textDocument/didChange", { textDocument: { uri, version: v }, contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: " " }] });
  await wait;
  editTimes.push(performance.now() - start);
  if (v % 4 === 0) {
    let s = performance.now();
    await conn.sendRequest("textDocument/codeLens", { textDocument: { uri } });
    lensTimes.push(performance.now() - s);
    s = performance.now();
    await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: Math.floor(random() * lines.length), character: 3 } });
    hoverTimes.push(performance.now() - s);
  }
}
const after = await conn.sendRequest("pola/stats");
const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`\n${indexMessage.replace("[pola] ", "")} (client saw ${Math.round(indexMs)} ms); server memory after indexing: rss ${Math.round(stats.memory.rss / 1048576)} MB, heap ${Math.round(stats.memory.heapUsed / 1048576)} MB`);
console.table([
  { what: `edit → diagnostics (${EDITS} edits, 3,000-line file; includes the 50 ms debounce)`, p50: ms(percentile(editTimes, 50)), p95: ms(percentile(editTimes, 95)) },
  { what: "code lens (analysis cached)", p50: ms(percentile(lensTimes, 50)), p95: ms(percentile(lensTimes, 95)) },
  { what: "hover (analysis cached)", p50: ms(percentile(hoverTimes, 50)), p95: ms(percentile(hoverTimes, 95)) },
]);
console.log(`server memory at the end: rss ${Math.round(after.memory.rss / 1048576)} MB`);
await conn.sendRequest("shutdown");
await conn.sendNotification("exit");
if (process.env.BENCH_PROFILE) await new Promise((r) => server.once("exit", r)); // let the profile be written
conn.dispose();
server.kill();
