import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { Catalog, listTreeFiles, type TreeSpec } from "../../server/src/catalog/catalog";
import { fixedOutputSourcePath, flakeNixpkgsPath, locateGuixSource, locateNixpkgs, nixBase32 } from "../../server/src/catalog/locate";
import { runsAsRoot, type Service } from "../../server/src/model/service";
import { FIXTURES } from "../helpers/paths";
import { requireTool } from "../helpers/tools";

const GUIX = path.join(FIXTURES, "catalog", "guix");
const GUIX_OLD = path.join(FIXTURES, "catalog", "guix-old");
const NIXPKGS = path.join(FIXTURES, "catalog", "nixpkgs");

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "pola-catalog-"));
}

async function build(trees: TreeSpec[], cache = false): Promise<Catalog> {
  const catalog = new Catalog();
  await catalog.build(trees, { cache });
  return catalog;
}

const asService = (e: { authority: Service["authority"] }) => ({ authority: e.authority }) as Service;

test("the Guix fixture tree: service types with their authority, lists, and the new mkdir-p/perms", async () => {
  const c = await build([{ kind: "guix", root: GUIX, origin: "installed" }]);
  assert.deepEqual([...c.guix.keys()].sort(), [
    "lighttpd-service-type",
    "mail-spool-service-type",
    "nscd-service-type",
    "ntp-service-type",
    "postgresql-service-type",
    "syslog-service-type",
    "tor-service-type",
    "urandom-seed-service-type",
  ]);
  const tor = c.lookupGuix("tor-service-type")!;
  assert.equal(tor.service, "tor");
  assert.equal(c.displayPath(tor.definedIn.file), "gnu/services/networking.scm");
  assert.equal(tor.definedIn.line + 1, 48);
  assert.equal(runsAsRoot(asService(tor)), false);
  assert.deepEqual(tor.units, ["tor"]);
  const ntp = c.lookupGuix("ntp-service-type")!;
  assert.equal(runsAsRoot(asService(ntp)), true);
  assert.deepEqual(ntp.authority.confinement.confined, { kind: "known", value: false });
  const pg = c.lookupGuix("postgresql-service-type")!;
  const unsafe = pg.authority.rootOps.filter((o) => o.under);
  assert.deepEqual(unsafe.map((o) => [o.op, o.path.kind === "known" ? o.path.value : "?", o.under!.path, o.under!.account]), [
    ["chown", "/var/lib/postgresql/data/postmaster.opts", "/var/lib/postgresql", "postgres"],
    ["chmod", "/var/lib/postgresql/data/pg_hba.conf", "/var/lib/postgresql", "postgres"],
  ]);
  assert.deepEqual(pg.mkdirPPermsBelow?.map((b) => [b.path, b.under]), [["/var/lib/postgresql/run", "/var/lib/postgresql"]]);
  assert.deepEqual(pg.settings, ["(postgresql-configuration (user …))"]);
  const web = c.lookupGuix("lighttpd-service-type")!;
  assert.deepEqual(web.authority.confinement.confined, { kind: "known", value: true });
  assert.deepEqual(c.expandList("%base-services"), ["syslog-service-type", "nscd-service-type", "urandom-seed-service-type", "mail-spool-service-type"]);
  assert.equal(c.guixVersion?.mkdirPPerms, "safe");
  assert.equal(c.displayPath(c.guixVersion!.file), "gnu/build/activation.scm");
});

test("the old Guix variant (its services folder is a symlink, as in a profile): mkdir-p/perms is the racy one", async () => {
  const c = await build([{ kind: "guix", root: GUIX_OLD, origin: "installed" }]);
  assert.equal(c.guixVersion?.mkdirPPerms, "racy");
  assert.equal(c.guix.size, 8, "the symlinked gnu/services is followed");
  assert.match(c.lookupGuix("tor-service-type")!.definedIn.file, /guix-old\/gnu\/services\/networking\.scm$/);
});

test("the nixpkgs fixture tree: option paths map to the module that declares them", async () => {
  const c = await build([{ kind: "nix", root: NIXPKGS, origin: "installed" }]);
  assert.deepEqual([...c.nix.keys()].sort(), ["services.legacyd", "services.openssh", "services.postgresql", "services.prometheus.exporters.node", "services.tor"]);
  const where = (k: string) => `${c.displayPath(c.lookupNix(k)!.definedIn.file)}:${c.lookupNix(k)!.definedIn.line + 1}`;
  assert.equal(where("services.tor"), "nixos/modules/services/networking/tor.nix:11");
  assert.equal(where("services.openssh"), "nixos/modules/services/networking/ssh.nix:11");
  assert.equal(where("services.postgresql"), "nixos/modules/services/databases/postgresql.nix:10");
  const ssh = c.lookupNix("services.openssh")!;
  assert.equal(ssh.service, "sshd");
  assert.equal(runsAsRoot(asService(ssh)), true);
  assert.ok(ssh.authority.exposure && ssh.authority.exposure.score > 9);
  const tor = c.lookupNix("services.tor")!;
  assert.deepEqual(tor.authority.user, { kind: "known", value: "tor" });
  assert.ok(tor.authority.exposure!.score < ssh.authority.exposure!.score);
  assert.deepEqual(c.lookupNix("services.legacyd")!.settings, ["services.legacyd.user"]);
  const pg = c.lookupNix("services.postgresql")!;
  assert.deepEqual(pg.authority.rootOps.map((o) => [o.op, o.path.kind === "known" ? o.path.value : "?", o.under?.path ?? null]), [
    ["mkdir", "/var/lib/postgresql", null],
    ["chown", "/var/lib/postgresql", null],
    ["chown", "/var/lib/postgresql/data/postmaster.opts", "/var/lib/postgresql"],
    ["echo > …", "/var/lib/postgresql/data/pg_hba.conf", "/var/lib/postgresql"],
  ]);
  assert.equal(c.lookupNix("services.prometheus.exporters.node")!.service, "prometheus-node-exporter");
});

test("a workspace definition wins over the installed one", async () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "ntp.scm"), `(define-module (mine))\n(define (s c) (list (shepherd-service (provision '(ntpd)) (start #~(make-forkexec-constructor (list "ntpd") #:user "ntp" #:group "ntp")))))\n(define ntp-service-type (service-type (name 'ntp) (extensions (list (service-extension shepherd-root-service-type s)))))\n`);
  const c = await build([{ kind: "guix", root: GUIX, origin: "installed" }, { kind: "workspace", root: dir, origin: "workspace" }]);
  const ntp = c.lookupGuix("ntp-service-type")!;
  assert.equal(ntp.origin, "workspace");
  assert.deepEqual(ntp.authority.user, { kind: "known", value: "ntp" });
  assert.equal(c.lookupGuix("tor-service-type")!.origin, "installed");
});

test("the disk cache: a second build reads nothing again; a changed file is read again, alone", async () => {
  const cacheDir = tempDir();
  const old = process.env.POLA_CACHE_DIR;
  process.env.POLA_CACHE_DIR = cacheDir;
  try {
    const tree = tempDir();
    fs.cpSync(NIXPKGS, tree, { recursive: true });
    const spec: TreeSpec = { kind: "nix", root: tree, origin: "installed" };
    const first = await build([spec], true);
    const files = listTreeFiles(spec).length;
    assert.equal(first.trees[0].indexed, files);
    assert.ok(fs.readdirSync(cacheDir).some((f) => /^catalog-[0-9a-f]{16}\.json$/.test(f)), "a cache file under the cache folder");
    const second = await build([spec], true);
    assert.equal(second.trees[0].indexed, 0);
    assert.equal(second.trees[0].fromCache, files);
    assert.deepEqual([...second.nix.keys()].sort(), [...first.nix.keys()].sort());
    assert.deepEqual(second.lookupNix("services.openssh"), first.lookupNix("services.openssh"));
    // one file changes: only it is read again
    const ssh = path.join(tree, "nixos/modules/services/networking/ssh.nix");
    fs.writeFileSync(ssh, fs.readFileSync(ssh, "utf8").replace('KillMode = "process";', 'KillMode = "process";\n        User = "sshd";'));
    fs.utimesSync(ssh, new Date(), new Date(Date.now() + 5000));
    const third = await build([spec], true);
    assert.equal(third.trees[0].indexed, 1);
    assert.deepEqual(third.lookupNix("services.openssh")!.authority.user, { kind: "known", value: "sshd" });
  } finally {
    if (old === undefined) delete process.env.POLA_CACHE_DIR;
    else process.env.POLA_CACHE_DIR = old;
  }
});

test("150 service files: indexed with a bounded memory footprint (summaries only)", async () => {
  const tree = tempDir();
  const dir = path.join(tree, "gnu", "services");
  fs.mkdirSync(dir, { recursive: true });
  const text = fs.readFileSync(path.join(GUIX, "gnu/services/databases.scm"), "utf8");
  for (let i = 0; i < 150; i++) fs.writeFileSync(path.join(dir, `s${i}.scm`), text.replace(/postgresql-service-type/g, `db${i}-service-type`));
  const c = await build([{ kind: "guix", root: tree, origin: "installed" }]);
  assert.equal(c.guix.size, 150);
  // what is kept per entry is small: a few KB of JSON, no tree
  const size = JSON.stringify([...c.guix.values()]).length;
  assert.ok(size / 150 < 8000, `${size / 150} bytes per entry`);
});

test("locating the installed sources: profile locations, NIX_PATH, settings", () => {
  const home = tempDir();
  const site = path.join(home, ".config/guix/current/share/guile/site/3.0");
  fs.mkdirSync(path.join(site, "gnu/services"), { recursive: true });
  assert.deepEqual(locateGuixSource(undefined, { HOME: home, USER: "nobody-here" }), { path: site, how: path.join(home, ".config/guix/current") });
  assert.equal(locateGuixSource(undefined, { HOME: tempDir(), USER: "nobody-here" }), undefined);
  assert.equal(locateGuixSource(GUIX)?.path, GUIX);
  assert.equal(locateGuixSource(path.join(home, ".config/guix/current"))?.path, site, "a profile given in the setting: its share/guile/site/3.0");
  assert.equal(locateGuixSource("/nonexistent"), undefined);
  assert.deepEqual(locateNixpkgs(undefined, [], { HOME: tempDir(), NIX_PATH: `nixos-config=/etc/nixos/configuration.nix:nixpkgs=${NIXPKGS}` }), { path: NIXPKGS, how: "NIX_PATH" });
  const channels = tempDir();
  fs.symlinkSync(NIXPKGS, path.join(channels, "nixpkgs"));
  assert.equal(locateNixpkgs(undefined, [], { HOME: tempDir(), NIX_PATH: channels })?.path, path.join(channels, "nixpkgs"));
  assert.equal(locateNixpkgs(NIXPKGS, [])?.how, "pola.nixos.nixpkgsPath");
  assert.equal(locateNixpkgs(undefined, [], { HOME: tempDir(), NIX_PATH: "" }), undefined);
});

test("a flake's locked nixpkgs: the store path Nix computes, used only when it exists", (t) => {
  const dir = tempDir();
  const narHash = "sha256-" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
  fs.writeFileSync(path.join(dir, "flake.lock"), JSON.stringify({ nodes: { root: { inputs: { nixpkgs: "nixpkgs_2" } }, nixpkgs_2: { locked: { narHash, type: "github" } } }, root: "root", version: 7 }));
  const computed = flakeNixpkgsPath(path.join(dir, "flake.lock"), false);
  assert.match(computed ?? "", /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-source$/);
  assert.equal(flakeNixpkgsPath(path.join(dir, "flake.lock")), fs.existsSync(computed!) ? computed : undefined);
  assert.equal(nixBase32(Buffer.from([0xff])), "7z");
  if (!requireTool(t, "nix-store", "apt-get install nix-bin")) return;
  const hex = Buffer.from(narHash.slice(7), "base64").toString("hex");
  const r = spawnSync("nix-store", ["--print-fixed-path", "--recursive", "sha256", hex, "source"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(computed, r.stdout.trim(), "the same path as nix-store --print-fixed-path");
  assert.equal(fixedOutputSourcePath(`sha256:${hex}`), r.stdout.trim());
});
