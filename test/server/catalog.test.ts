import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import type { CodeLens, Diagnostic, Hover } from "vscode-languageserver-protocol";
import { assertSnapshot } from "../helpers/fixtures";
import { LspTestClient } from "../helpers/lsp-client";
import { FIXTURES } from "../helpers/paths";

const BASE = path.join(FIXTURES, "catalog");
const CONFIG = path.join(BASE, "config");
const SNAPSHOTS = path.join(BASE, "snapshots");
const systemUri = pathToFileURL(path.join(CONFIG, "system.scm")).href;
const nixUri = pathToFileURL(path.join(CONFIG, "configuration.nix")).href;
const systemText = fs.readFileSync(path.join(CONFIG, "system.scm"), "utf8");
const nixText = fs.readFileSync(path.join(CONFIG, "configuration.nix"), "utf8");

let client: LspTestClient;
const progress: { token: unknown; value: { kind: string; title?: string; message?: string; percentage?: number } }[] = [];
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-catalog-cache-"));

function portable(s: string): string {
  return s.split(pathToFileURL(FIXTURES).href).join("file:///<fixtures>").split(FIXTURES).join("<fixtures>");
}

before(async () => {
  process.env.POLA_CACHE_DIR = cacheDir;
  client = new LspTestClient();
  client.settings = { guix: { sourcePath: path.join(BASE, "guix-old") }, nixos: { nixpkgsPath: path.join(BASE, "nixpkgs") } };
  client.connection.onRequest("window/workDoneProgress/create", () => null);
  client.connection.onRequest("client/registerCapability", () => null);
  client.connection.onNotification("$/progress", (p: (typeof progress)[number]) => void progress.push(p));
  await client.connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(CONFIG).href,
    workspaceFolders: [{ uri: pathToFileURL(CONFIG).href, name: "config" }],
    capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true }, textDocument: { publishDiagnostics: { versionSupport: true } } },
  });
  await client.connection.sendNotification("initialized", {});
  await client.open(systemUri, "scheme", systemText, 1);
  await client.open(nixUri, "nix", nixText, 1);
});

after(async () => {
  await client.shutdown();
  delete process.env.POLA_CACHE_DIR;
});

const usedCodes = (ds: Diagnostic[]) => ds.filter((d) => String(d.code).startsWith("used/")).map((d) => `${d.range.start.line + 1} ${d.code}`);

test("the catalog is built in the background from the settings' trees and the workspace, with work-done progress", async () => {
  const info = await client.request<{ status: string; guix: number; nix: number; lists: string[]; guixVersion: { mkdirPPerms: string }; sources: { guix: { how: string } }; trees: { kind: string; files: number }[] }>("pola/catalog", { wait: true });
  assert.equal(info.status, "ready");
  assert.equal(info.guix, 9, "8 installed service types and the workspace's my-cache");
  assert.equal(info.nix, 5);
  assert.deepEqual(info.lists, ["%base-services"]);
  assert.equal(info.guixVersion.mkdirPPerms, "racy");
  assert.equal(info.sources.guix.how, "pola.guix.sourcePath");
  assert.deepEqual(info.trees.map((t) => t.kind), ["guix", "nix", "workspace"]);
  const titles = progress.filter((p) => p.value.kind === "begin").map((p) => p.value.title);
  assert.ok(titles.includes("pola: indexing Guix services"), titles.join(", "));
  assert.ok(titles.includes("pola: indexing nixpkgs services"), titles.join(", "));
  assert.ok(progress.some((p) => p.value.kind === "end"));
  assert.ok(fs.readdirSync(cacheDir).filter((f) => f.startsWith("catalog-")).length >= 2, "the trees are cached on disk");
});

test("an operating-system: lenses over each used service, and over %base-services", async () => {
  await client.waitForDiagnostics(systemUri, (p) => usedCodes(p.diagnostics).length > 0);
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: systemUri } });
  const titles = lenses.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`);
  assertSnapshot(path.join(SNAPSHOTS, "server-system-lenses.json"), titles);
  assert.ok(titles.includes("25: postgres:postgres · unconfined · 5 root ops (2 unsafe) · gnu/services/databases.scm:54"), titles.join("\n"));
  assert.ok(titles.includes("28: runs as root · unconfined · gnu/services/networking.scm:73"), titles.join("\n"));
  assert.ok(titles.includes("27: httpd:httpd · confined (cgroup mnt pid ipc uts user) · host network · gnu/services/web.scm:48"), titles.join("\n"));
  assert.ok(titles.includes("30: %base-services: 3 services (3 known) · 2 as root · 1 unsafe root op"), titles.join("\n"));
  const pg = lenses.find((l) => l.range.start.line === 24)!;
  assert.deepEqual(pg.command?.command, "pola.showServiceReport");
  const base = lenses.find((l) => l.command?.title.startsWith("%base-services"))!;
  assert.deepEqual(base.command?.command, "pola.showSystemReport");
});

test("an operating-system: information findings with what to do, and the racy mkdir-p/perms of this old Guix", async () => {
  const ds = await client.waitForDiagnostics(systemUri, (p) => usedCodes(p.diagnostics).length > 0);
  assert.deepEqual(usedCodes(ds), [
    "25 used/racy-mkdir-p-perms",
    "25 used/unsafe-root-op",
    "28 used/root-unconfined",
    "29 used/racy-mkdir-p-perms",
    "30 used/unsafe-root-op",
    "31 used/root-unconfined",
  ]);
  for (const d of ds.filter((x) => String(x.code).startsWith("used/"))) {
    assert.equal(d.severity, 3, "information");
    assert.match(d.codeDescription?.href ?? "", /docs\/rules\/used\/[\w-]+\.md$/);
    assert.match(typeof d.message === "string" ? d.message : d.message.value, /What you can do: /);
  }
  const line = systemText.split("\n")[27];
  const ntp = ds.find((d) => d.code === "used/root-unconfined")!;
  assert.equal(line.slice(ntp.range.start.character, ntp.range.end.character), "ntp-service-type");
});

test("hover over a used service: the full table and a link that opens its definition", async () => {
  const line = 24;
  const character = systemText.split("\n")[line].indexOf("postgresql-service-type") + 3;
  const hover = await client.request<Hover>("textDocument/hover", { textDocument: { uri: systemUri }, position: { line, character } });
  const value = (hover.contents as { value: string }).value;
  assertSnapshot(path.join(SNAPSHOTS, "server-system-hover.json"), portable(value).split("\n"));
  assert.match(value, /^\*\*used service type `postgresql-service-type` \(`postgres`\)\*\* — defined in the installed Guix: \[gnu\/services\/databases\.scm:54\]\(file:\/\/\/.*\/guix-old\/gnu\/services\/databases\.scm#L54\)/);
  assert.match(value, /\| Principal \| postgres:postgres \|/);
  assert.match(value, /\*\*unsafe\*\*: below \/var\/lib\/postgresql \(postgres\)/);
  assert.match(value, /`used\/unsafe-root-op`/);
});

test("a NixOS configuration: lenses, hover and findings for the enabled options", async () => {
  const ds = await client.waitForDiagnostics(nixUri, (p) => usedCodes(p.diagnostics).length > 0);
  assert.deepEqual(usedCodes(ds), ["9 used/unsafe-root-op", "14 used/root-unconfined", "16 used/root-unconfined"]);
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: nixUri } });
  const titles = lenses.map((l) => `${l.range.start.line + 1}: ${l.command?.title}`);
  assertSnapshot(path.join(SNAPSHOTS, "server-nix-lenses.json"), titles);
  assert.ok(titles.includes("14: root · exposure 9.6 UNSAFE · unconfined · nixos/modules/services/networking/ssh.nix:11"), titles.join("\n"));
  assert.ok(titles.some((t) => t.startsWith("16: root · exposure 9.6 UNSAFE · unconfined · if config.networking.hostName == \"relay\"")), titles.join("\n"));
  const hover = await client.request<Hover>("textDocument/hover", { textDocument: { uri: nixUri }, position: { line: 8, character: 12 } });
  const value = (hover.contents as { value: string }).value;
  assert.match(value, /^\*\*used option `services\.postgresql` \(unit `postgresql`\)\*\* — defined in the installed nixpkgs: \[nixos\/modules\/services\/databases\/postgresql\.nix:10\]\(file:\/\/\/.*postgresql\.nix#L10\)/);
  assert.match(value, /\| \[35\]\(file:\/\/\/.*postgresql\.nix#L35\) \| `chown` \| `\/var\/lib\/postgresql\/data\/postmaster\.opts` \| \*\*unsafe\*\*/);
});

test("the system authority report: every enabled service, totals, a sortable table under a CSP nonce", async () => {
  const r = await client.request<{ html: string; title: string; totals: Record<string, number>; services: string[] }>("pola/systemReport", { uri: systemUri });
  assert.equal(r.title, "system relay");
  assert.deepEqual(r.totals, { services: 8, rootDaemons: 3, unconfined: 6, unsafeSteps: 3, findings: 5 });
  assert.deepEqual(r.services, ["tor-service-type", "postgresql-service-type", "lighttpd-service-type", "ntp-service-type", "my-cache-service-type", "nscd-service-type", "syslog-service-type", "mail-spool-service-type"]);
  const nonce = /script-src 'nonce-([^']+)'/.exec(r.html)?.[1];
  assert.ok(nonce, "a nonce in the CSP");
  assert.ok(r.html.includes(`<script nonce="${nonce}">`));
  assert.ok(!/<script(?! nonce)/.test(r.html), "no script without the nonce");
  assert.match(r.html, /<strong class="bad">3<\/strong> root daemons/);
  assert.match(r.html, /<strong class="bad">3<\/strong> unsafe activation steps/);
  const order = (html: string) => [...html.matchAll(/<td data-v="([^"]+)"><code>/g)].map((m) => m[1]);
  assert.deepEqual(order(r.html), [...r.services].sort());
  const byUnsafe = await client.request<{ html: string }>("pola/systemReport", { uri: systemUri, sort: "unsafe" });
  assert.deepEqual(order(byUnsafe.html).slice(0, 2), ["postgresql-service-type", "mail-spool-service-type"]);
  const second = await client.request<{ html: string }>("pola/systemReport", { uri: systemUri });
  assert.notEqual(/nonce-([^']+)/.exec(second.html)?.[1], nonce, "a new nonce for each page");
  const nix = await client.request<{ title: string; totals: Record<string, number> }>("pola/systemReport", { uri: nixUri });
  assert.equal(nix.title, "system relay");
  assert.deepEqual(nix.totals, { services: 5, rootDaemons: 2, unconfined: 5, unsafeSteps: 2, findings: 3 });
});

test("the service report of a used service links its operations to the definition", async () => {
  const r = await client.request<{ html: string }>("pola/report", { uri: systemUri, service: "postgresql-service-type", line: 24 });
  assert.match(r.html, /used-service <code>postgresql-service-type<\/code>/);
  assert.match(r.html, /defined in <a href="command:pola\.revealLine\?[^"]*guix-old%2Fgnu%2Fservices%2Fdatabases\.scm/);
});
