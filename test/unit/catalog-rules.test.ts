import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, test } from "node:test";
import { applyCatalog } from "../../server/src/catalog/apply";
import { Catalog } from "../../server/src/catalog/catalog";
import { jsonServiceWithCatalog } from "../../server/src/catalog/json";
import { systemReport, sortRows } from "../../server/src/catalog/present";
import { usageOf } from "../../server/src/catalog/usage";
import { jsonFinding } from "../../server/src/cli/report";
import { SourceDocument } from "../../server/src/parsing/document";
import { DEFAULT_SETTINGS } from "../../server/src/rules/rule";
import { analyzeFile } from "../../server/src/rules/run";
import { assertSnapshot, checkFix } from "../helpers/fixtures";
import { FIXTURES } from "../helpers/paths";
import { requireTool } from "../helpers/tools";

const BASE = path.join(FIXTURES, "catalog");
const CONFIG = path.join(BASE, "config");
let newGuix: Catalog;
let oldGuix: Catalog;

before(async () => {
  newGuix = new Catalog();
  await newGuix.build(
    [
      { kind: "guix", root: path.join(BASE, "guix"), origin: "installed" },
      { kind: "nix", root: path.join(BASE, "nixpkgs"), origin: "installed" },
      { kind: "workspace", root: CONFIG, origin: "workspace" },
    ],
    { cache: false },
  );
  oldGuix = new Catalog();
  await oldGuix.build(
    [
      { kind: "guix", root: path.join(BASE, "guix-old"), origin: "installed" },
      { kind: "workspace", root: CONFIG, origin: "workspace" },
    ],
    { cache: false },
  );
});

/** Paths in snapshots: relative to test/fixtures, so they hold on any machine. */
function portable<T>(x: T): T {
  return JSON.parse(JSON.stringify(x).split(FIXTURES + path.sep).join("<fixtures>/").split(FIXTURES).join("<fixtures>"));
}

async function analyse(file: string, catalog: Catalog, text = fs.readFileSync(file, "utf8")) {
  const document = await SourceDocument.create(`file://${file}`, file.endsWith(".nix") ? "nix" : "guix", text);
  const analysis = analyzeFile(document);
  applyCatalog(document, analysis, DEFAULT_SETTINGS, { claims: [], catalog });
  return { document, analysis };
}

function snapshot(analysis: Awaited<ReturnType<typeof analyse>>["analysis"]) {
  return portable({
    services: analysis.model.services.filter((s) => s.kind === "used-service").map(jsonServiceWithCatalog),
    findings: analysis.findings.filter((f) => f.ruleId.startsWith("used/")).map(jsonFinding),
  });
}

test("operating-system with the new Guix: used services, their authority, and the used/ findings", async () => {
  const { analysis, document } = await analyse(path.join(CONFIG, "system.scm"), newGuix);
  const used = analysis.model.services.filter((s) => s.kind === "used-service").map((s) => s.name);
  assert.deepEqual(used, ["tor-service-type", "postgresql-service-type", "lighttpd-service-type", "ntp-service-type", "my-cache-service-type", "nscd-service-type"]);
  const ids = analysis.findings.filter((f) => f.ruleId.startsWith("used/")).map((f) => `${f.range.start.line + 1} ${f.ruleId} ${f.service}`);
  assert.deepEqual(ids, [
    "25 used/unsafe-root-op postgresql-service-type",
    "28 used/root-unconfined ntp-service-type",
    "30 used/unsafe-root-op %base-services",
    "31 used/root-unconfined nscd-service-type",
  ]);
  for (const f of analysis.findings.filter((x) => x.ruleId.startsWith("used/"))) {
    assert.equal(f.severity, "information");
    assert.match(f.message, /What you can do: /);
  }
  assertSnapshot(path.join(BASE, "snapshots", "system-new.json"), snapshot(analysis));
  const usage = usageOf(document, analysis.model, newGuix);
  assert.deepEqual(usage.lists.map((l) => [l.name, l.deleted]), [["%base-services", ["urandom-seed-service-type"]]]);
  document.dispose();
});

test("operating-system with the old Guix: mkdir-p/perms below service directories is racy", async () => {
  const { analysis, document } = await analyse(path.join(CONFIG, "system.scm"), oldGuix);
  const racy = analysis.findings.filter((f) => f.ruleId === "used/racy-mkdir-p-perms");
  assert.deepEqual(racy.map((f) => `${f.range.start.line + 1} ${f.service} ${f.severity}`), ["25 postgresql-service-type information", "29 my-cache-service-type information"]);
  assert.match(racy[0].message, /guix pull/);
  assertSnapshot(path.join(BASE, "snapshots", "system-old.json"), snapshot(analysis));
  document.dispose();
});

test("the workspace's own mkdir-p/perms call, with the old Guix: a warning and a self-contained helper that reads in Guile", async (t) => {
  const file = path.join(CONFIG, "my-cache.scm");
  const text = fs.readFileSync(file, "utf8");
  const { analysis, document } = await analyse(file, oldGuix);
  const racy = analysis.findings.filter((f) => f.ruleId === "used/racy-mkdir-p-perms");
  assert.equal(racy.length, 1, "only the call below /var/cache/mycache, not the one on it");
  assert.equal(racy[0].severity, "warning");
  assert.equal(racy[0].range.start.line + 1, 23);
  assert.equal(racy[0].fixes.length, 1);
  // nothing with the new Guix
  const fresh = await analyse(file, newGuix);
  assert.equal(fresh.analysis.findings.filter((f) => f.ruleId === "used/racy-mkdir-p-perms").length, 0);
  fresh.document.dispose();
  if (!requireTool(t, "guile", "apt-get install guile-3.0")) return;
  // checkFix re-analyses without a catalog (the finding needs one), so check that part here
  const fixed = await checkFix(text, "guix", racy[0], racy[0].fixes[0], "required");
  assert.match(fixed, /\(mkdir-p\/perms\/nofollow "\/var\/cache\/mycache\/objects" user #o750\)\)/);
  assert.match(fixed, /O_NOFOLLOW/);
  const again = await analyse(file, oldGuix, fixed);
  assert.equal(again.analysis.findings.filter((f) => f.ruleId === "used/racy-mkdir-p-perms").length, 0, "the finding is gone with the catalog too");
  assert.equal(again.analysis.parseErrors, 0);
  // the helper is indented under the call it replaces
  const lines = fixed.split("\n");
  const at = lines.findIndex((l) => l.includes("(let ()"));
  assert.equal(lines[at].indexOf("(let ()"), lines[at + 4].indexOf("(define") - 2);
  again.document.dispose();
  document.dispose();
});

test("NixOS configuration: enabled options, nested and conditional; disabled and unknown ones ignored", async () => {
  const { analysis, document } = await analyse(path.join(CONFIG, "configuration.nix"), newGuix);
  const used = analysis.model.services.filter((s) => s.kind === "used-service").map((s) => [s.name, s.range.start.line + 1, (s as { when?: string }).when ?? null]);
  assert.deepEqual(used, [
    ["services.tor", 7, null],
    ["services.postgresql", 9, null],
    ["services.openssh", 14, null],
    ["services.prometheus.exporters.node", 15, null],
    ["services.legacyd", 16, 'config.networking.hostName == "relay"'],
  ]);
  const ids = analysis.findings.filter((f) => f.ruleId.startsWith("used/")).map((f) => `${f.range.start.line + 1} ${f.ruleId} ${f.service}`);
  assert.deepEqual(ids, ["9 used/unsafe-root-op services.postgresql", "14 used/root-unconfined services.openssh", "16 used/root-unconfined services.legacyd"]);
  const legacy = analysis.findings.find((f) => f.service === "services.legacyd")!;
  assert.match(legacy.message, /set `services\.legacyd\.user` to an unprivileged account/);
  assert.match(legacy.message, /systemd\.services\.legacyd\.confinement\.enable = true/);
  assertSnapshot(path.join(BASE, "snapshots", "configuration-nix.json"), snapshot(analysis));
  document.dispose();
});

test("settings and suppressions apply to used/ rules", async () => {
  const file = path.join(CONFIG, "configuration.nix");
  const text = fs.readFileSync(file, "utf8").replace("  services.openssh.enable = true;", "  # pola-ignore: used/root-unconfined sshd must start as root here\n  services.openssh.enable = true;");
  const document = await SourceDocument.create(`file://${file}`, "nix", text);
  const settings = { ...DEFAULT_SETTINGS, severities: { "used/unsafe-root-op": "off" as const } };
  const analysis = analyzeFile(document, settings);
  applyCatalog(document, analysis, settings, { claims: [], catalog: newGuix });
  assert.equal(analysis.findings.filter((f) => f.ruleId === "used/unsafe-root-op").length, 0);
  const ssh = analysis.findings.find((f) => f.service === "services.openssh")!;
  assert.equal(ssh.suppressed?.reason, "sshd must start as root here");
  document.dispose();
});

test("the system report: every service the configuration enables, with totals, sortable", async () => {
  const { analysis, document } = await analyse(path.join(CONFIG, "system.scm"), newGuix);
  const usage = usageOf(document, analysis.model, newGuix);
  const report = systemReport(document.text, "guix", analysis.model.services, usage.lists, analysis.findings, newGuix);
  assert.equal(report.title, "system relay");
  assert.deepEqual(report.rows.map((r) => [r.name, r.via]), [
    ["tor-service-type", "line 24"],
    ["postgresql-service-type", "line 25"],
    ["lighttpd-service-type", "line 27"],
    ["ntp-service-type", "line 28"],
    ["my-cache-service-type", "line 29"],
    ["nscd-service-type", "line 31"],
    ["syslog-service-type", "%base-services"],
    ["mail-spool-service-type", "%base-services"],
  ]);
  assert.deepEqual(report.totals, { services: 8, rootDaemons: 3, unconfined: 6, unsafeSteps: 3, findings: 3 });
  assert.deepEqual(sortRows(report.rows, "unsafe").map((r) => r.name).slice(0, 2), ["postgresql-service-type", "mail-spool-service-type"]);
  assert.deepEqual(sortRows(report.rows, "runsAs").slice(0, 3).map((r) => r.name), ["nscd-service-type", "ntp-service-type", "syslog-service-type"]);
  document.dispose();
});
