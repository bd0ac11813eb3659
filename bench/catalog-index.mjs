// Catalog indexing in the language server: a generated installed-Guix tree of 150 service files is
// indexed in the background while a client keeps asking for hovers and code lenses on an open
// operating-system; prints the request latency during indexing, the indexing time, and the time of a
// second start that reads the disk cache.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const rpc = require("vscode-jsonrpc/node");
const FILES = Number(process.env.BENCH_CATALOG_FILES ?? 150);

// ---- the tree: service modules written from pola's own fixtures, names made unique ----
const tree = path.join(root, ".bench-tmp", "catalog-guix");
fs.rmSync(tree, { recursive: true, force: true });
const services = path.join(tree, "gnu", "services");
fs.mkdirSync(services, { recursive: true });
fs.mkdirSync(path.join(tree, "gnu", "build"), { recursive: true });
const fixtures = path.join(root, "test/fixtures/catalog/guix/gnu");
const sources = ["networking.scm", "databases.scm", "web.scm", "base.scm"].map((f) => fs.readFileSync(path.join(fixtures, "services", f), "utf8"));
fs.copyFileSync(path.join(root, "test/fixtures/catalog/guix-old/gnu/build/activation.scm"), path.join(tree, "gnu/build/activation.scm"));
let lines = 0;
for (let i = 0; i < FILES; i++) {
  // three to six modules' worth of service types per file, like gnu/services/*.scm
  const parts = [];
  for (let j = 0; j < 3 + (i % 4); j++) {
    const src = sources[(i + j) % sources.length];
    parts.push(src.replace(/\(define-module[\s\S]*?\n\n/, "").replace(/([\w-]+)-service-type\b/g, `$1-${i}-${j}-service-type`).replace(/%base-services/g, `%base-${i}-${j}-services`));
  }
  const text = `(define-module (gnu services generated-${i})\n  #:use-module (gnu services))\n\n${parts.join("\n")}`;
  lines += text.split("\n").length;
  fs.writeFileSync(path.join(services, `generated-${i}.scm`), text);
}
const config = path.join(root, ".bench-tmp", "catalog-config", "system.scm");
fs.mkdirSync(path.dirname(config), { recursive: true });
// 40 used services: file i starts with module i % 4 (networking, databases, web, base)
const used = Array.from({ length: 40 }, (_, i) => `(service ${["tor", "postgresql", "lighttpd", "nscd"][i % 4]}-${i}-0-service-type)`);
const baseFile = Array.from({ length: FILES }, (_, i) => i).filter((i) => i % sources.length === 3).pop();
const configText = `(use-modules (gnu))\n(operating-system\n  (host-name "bench")\n  (services\n   (append\n    (list ${used.join("\n          ")})\n    %base-${baseFile}-0-services)))\n`;
fs.writeFileSync(config, configText);
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-bench-catalog-"));

async function start(label) {
  const server = spawn(process.execPath, [path.join(root, "bin/pola-language-server"), "--stdio"], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, POLA_CACHE_DIR: cacheDir } });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  let ready;
  const readyPromise = new Promise((r) => (ready = r));
  conn.onNotification("window/logMessage", (m) => /catalog ready in/.test(m.message) && ready(m.message));
  conn.onRequest("workspace/configuration", (p) => p.items.map(() => ({ guix: { sourcePath: tree } })));
  conn.onRequest("client/registerCapability", () => null);
  conn.onRequest("window/workDoneProgress/create", () => null);
  conn.onRequest("workspace/codeLens/refresh", () => null);
  conn.onNotification("$/progress", () => undefined);
  conn.onNotification("textDocument/publishDiagnostics", () => undefined);
  conn.listen();
  await conn.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } } });
  const t0 = performance.now();
  await conn.sendNotification("initialized", {});
  const uri = pathToFileURL(config).href;
  await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "scheme", version: 1, text: configText } });
  const latencies = [];
  let done = false;
  let message = "";
  readyPromise.then((m) => {
    done = true;
    message = m;
  });
  const readyAt = readyPromise.then(() => performance.now() - t0);
  // requests while indexing runs: a hover and a lens request, one after the other, every 10 ms
  while (!done && performance.now() - t0 < 300000) {
    let s = performance.now();
    await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: 5, character: 20 } });
    latencies.push(performance.now() - s);
    s = performance.now();
    await conn.sendRequest("textDocument/codeLens", { textDocument: { uri } });
    latencies.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = await readyAt;
  const lenses = await conn.sendRequest("textDocument/codeLens", { textDocument: { uri } });
  const stats = await conn.sendRequest("pola/stats");
  await conn.sendRequest("shutdown");
  await conn.sendNotification("exit");
  conn.dispose();
  server.kill();
  // the first pair includes loading the grammar and analysing the file: reported apart
  const first = latencies.splice(0, 2).reduce((a, b) => a + b, 0);
  return { label, ms, latencies, first, lenses: lenses.length, rss: stats.memory.rss, heap: stats.memory.heapUsed, message };
}

const percentile = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);
const cold = await start("cold (no cache)");
const warm = await start("second start (disk cache)");
console.log(`\ncatalog of ${FILES} generated Guix service files (${lines.toLocaleString("en")} lines)`);
console.table(
  [cold, warm].map((r) => ({
    start: r.label,
    "catalog ready": `${Math.round(r.ms)} ms`,
    "first hover+lens": `${r.first.toFixed(0)} ms`,
    "later requests while indexing": r.latencies.length,
    "p50": r.latencies.length ? `${percentile(r.latencies, 50).toFixed(1)} ms` : "—",
    "p95": r.latencies.length ? `${percentile(r.latencies, 95).toFixed(1)} ms` : "—",
    "max": r.latencies.length ? `${Math.max(...r.latencies).toFixed(1)} ms` : "—",
    "lenses after": r.lenses,
    "rss": `${Math.round(r.rss / 1048576)} MB`,
  })),
);
console.log(cold.message.replace("[pola] ", ""));
fs.rmSync(cacheDir, { recursive: true, force: true });
if (cold.lenses < 41) {
  console.error("expected the used services' lenses once the catalog is ready");
  process.exitCode = 1;
}
