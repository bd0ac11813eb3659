import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, test } from "node:test";
import { assertSnapshot } from "../helpers/fixtures";
import { FIXTURES } from "../helpers/paths";
import { runPola } from "../helpers/run";

const BASE = path.join(FIXTURES, "catalog");
const CONFIG = path.join(BASE, "config");
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-cli-catalog-"));
let saved: string | undefined;

before(() => {
  saved = process.env.POLA_CACHE_DIR;
  process.env.POLA_CACHE_DIR = cacheDir;
});
after(() => {
  if (saved === undefined) delete process.env.POLA_CACHE_DIR;
  else process.env.POLA_CACHE_DIR = saved;
});

interface Report {
  files: { path: string; services: Record<string, unknown>[]; findings: { ruleId: string; line: number; severity: string; message: string; service: string | null; fixes: unknown[] }[] }[];
}

function check(guix: string): Report {
  const r = runPola(["check", "--format", "json", "--fail-on", "never", "--guix-source", path.join(BASE, guix), "--nixpkgs", path.join(BASE, "nixpkgs"), CONFIG]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Report;
}

function portable<T>(x: T): T {
  return JSON.parse(JSON.stringify(x).split(FIXTURES).join("<fixtures>"));
}

function used(report: Report) {
  return portable(
    report.files.map((f) => ({
      path: path.basename(f.path),
      services: f.services.filter((s) => s.kind === "used-service"),
      findings: f.findings.filter((x) => x.ruleId.startsWith("used/")),
    })),
  );
}

test("pola check --guix-source --nixpkgs: each used service in `services` with kind used-service, name, definedIn and its authority", () => {
  const report = check("guix");
  const system = report.files.find((f) => f.path.endsWith("system.scm"))!;
  const pg = system.services.find((s) => s.name === "postgresql-service-type")!;
  assert.equal(pg.kind, "used-service");
  assert.deepEqual(pg.definedIn, { file: path.join(BASE, "guix", "gnu", "services", "databases.scm"), line: 54 });
  assert.equal(pg.runsAsRoot, false);
  assert.equal(pg.user, "postgres");
  assert.equal(pg.confined, false);
  assert.equal(pg.unsafeRootOps, 2);
  const nix = report.files.find((f) => f.path.endsWith("configuration.nix"))!;
  const ssh = nix.services.find((s) => s.name === "services.openssh")!;
  assert.deepEqual(ssh.definedIn, { file: path.join(BASE, "nixpkgs", "nixos", "modules", "services", "networking", "ssh.nix"), line: 11 });
  assert.equal(ssh.runsAsRoot, true);
  assert.equal(ssh.exposure, 9.6);
  assert.equal(report.files.flatMap((f) => f.findings).filter((x) => x.ruleId === "used/racy-mkdir-p-perms").length, 0, "the new Guix's mkdir-p/perms is safe");
  assertSnapshot(path.join(BASE, "snapshots", "cli-new.json"), used(report));
});

test("with the old Guix: racy mkdir-p/perms in the channel file (with the helper fix) and in used services", () => {
  const report = check("guix-old");
  const racy = report.files.flatMap((f) => f.findings.filter((x) => x.ruleId === "used/racy-mkdir-p-perms").map((x) => `${path.basename(f.path)}:${x.line} ${x.severity} ${x.service} fixes=${x.fixes.length}`));
  assert.deepEqual(racy, [
    "my-cache.scm:23 warning my-cache fixes=1",
    "system.scm:25 information postgresql-service-type fixes=0",
    "system.scm:29 information my-cache-service-type fixes=0",
  ]);
  assertSnapshot(path.join(BASE, "snapshots", "cli-old.json"), used(report));
});

test("the catalog is cached on disk: a second run reads the trees from the cache", () => {
  check("guix");
  const files = fs.readdirSync(cacheDir).filter((f) => /^catalog-[0-9a-f]{16}\.json$/.test(f));
  assert.ok(files.length >= 3, files.join(", "));
  const cached = JSON.parse(fs.readFileSync(path.join(cacheDir, files[0]), "utf8"));
  assert.equal(cached.schema, 1);
  assert.ok(Object.keys(cached.files).length > 0);
});

test("without --guix-source/--nixpkgs there are no used services; a wrong tree is a usage error", () => {
  const r = runPola(["check", "--format", "json", "--fail-on", "never", CONFIG]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.files.flatMap((f) => f.services).filter((s) => s.kind === "used-service").length, 0);
  const bad = runPola(["check", "--guix-source", path.join(BASE, "nixpkgs"), CONFIG]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--guix-source: no Guix source at/);
  const badNix = runPola(["check", "--nixpkgs", path.join(BASE, "guix"), CONFIG]);
  assert.equal(badNix.status, 2);
  assert.match(badNix.stderr, /--nixpkgs: no nixpkgs at/);
});

test("pola explain lists the used/ rules and prints their docs", () => {
  const list = runPola(["explain"]);
  for (const id of ["used/unsafe-root-op", "used/root-unconfined", "used/racy-mkdir-p-perms"]) assert.match(list.stdout, new RegExp(id.replace("/", "\\/")));
  const doc = runPola(["explain", "used/root-unconfined"]);
  assert.equal(doc.status, 0);
  assert.match(doc.stdout, /^# used\/root-unconfined/);
});
