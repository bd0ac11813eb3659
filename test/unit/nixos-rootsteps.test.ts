/**
 * The shell step reader behind nixos/root-op-in-service-dir: which commands of a preStart script or
 * an Exec* line write which paths, and whether a symlink in the last component is followed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseShellSteps, tmpfilesClaims } from "../../server/src/nixos/rootsteps";
import { SourceDocument } from "../../server/src/parsing/document";
import { extractNix, nixDetails } from "../../server/src/nixos/extract";

const brief = (script: string) => parseShellSteps(script).map((s) => ({ op: s.op, paths: s.paths, follows: s.followsSymlinks, ...(s.owner ? { owner: s.owner } : {}) }));

test("commands are split on newlines, ;, &&, || and pipes, with comments dropped", () => {
  assert.deepEqual(brief("mkdir -p /var/lib/a; chown a:a /var/lib/a/x && chmod 600 /var/lib/a/y || rm /var/lib/a/z\n# cp /x /var/lib/a/w\necho hi | tee -a /var/log/a/out"), [
    { op: "chown", paths: ["/var/lib/a/x"], follows: true, owner: "a" },
    { op: "chmod", paths: ["/var/lib/a/y"], follows: true },
    { op: "rm", paths: ["/var/lib/a/z"], follows: false },
    { op: "tee", paths: ["/var/log/a/out"], follows: true },
  ]);
});

test("chown -R follows no symlink without -L/-H; -h never; chmod -R follows the named path", () => {
  assert.deepEqual(brief("chown -R foo:foo /var/lib/foo\nchown -RL foo /var/lib/foo/db\nchown -h foo /var/lib/foo/l\nchmod -R g+w /var/lib/foo/d"), [
    { op: "chown -R", paths: ["/var/lib/foo"], follows: false, owner: "foo" },
    { op: "chown -R -L", paths: ["/var/lib/foo/db"], follows: true, owner: "foo" },
    { op: "chown -h", paths: ["/var/lib/foo/l"], follows: false, owner: "foo" },
    { op: "chmod -R", paths: ["/var/lib/foo/d"], follows: true },
  ]);
});

test("cp, install, ln, mv take their destination; store paths and sources are not targets", () => {
  assert.deepEqual(brief("${pkgs.coreutils}/bin/cp ${cfgFile} /var/lib/foo/foo.conf\ninstall -m 0600 -o foo /nix/store/x /var/lib/foo/a\ninstall -d -o foo /var/lib/foo/b /var/lib/foo/c\nln -sf /nix/store/y /var/lib/foo/current\nmv -T /var/lib/foo/new /var/lib/foo/old"), [
    { op: "cp", paths: ["/var/lib/foo/foo.conf"], follows: true },
    { op: "install", paths: ["/var/lib/foo/a"], follows: false, owner: "foo" },
    { op: "install -d", paths: ["/var/lib/foo/b", "/var/lib/foo/c"], follows: true, owner: "foo" },
    { op: "ln -sf", paths: ["/var/lib/foo/current"], follows: true },
    { op: "mv", paths: ["/var/lib/foo/old"], follows: false },
  ]);
});

test("redirects write their target; descriptor duplications and /dev/null do not", () => {
  assert.deepEqual(brief('echo "x; y" > /run/foo/pid\nprintf %s "$v" >>/var/log/foo/log 2>&1\necho z >/dev/null\nif [ -e /x ]; then touch ${cfg.dataDir}/stamp; fi'), [
    { op: ">", paths: ["/run/foo/pid"], follows: true },
    { op: ">>", paths: ["/var/log/foo/log"], follows: true },
    { op: "touch", paths: ["${cfg.dataDir}/stamp"], follows: true },
  ]);
});

test("a step's offsets are the command text inside the script", () => {
  const script = "  set -e\n  cp ${a \"b c\"} /var/lib/x/y\n";
  const [s] = parseShellSteps(script);
  assert.equal(script.slice(s!.start, s!.end), 'cp ${a "b c"} /var/lib/x/y');
});

test("tmpfiles d entries give their user the directory", () => {
  const at = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  assert.deepEqual(tmpfilesClaims("d /srv/spool 0750 spool spool -", at), { path: "/srv/spool", account: "spool", how: "chown", at });
  assert.equal(tmpfilesClaims("d /srv/spool 0750 root root -", at), undefined);
  assert.equal(tmpfilesClaims("L+ /etc/x - - - - /nix/store/y", at), undefined);
});

test("root steps: the unit's account, PermissionsStartOnly and the + prefix decide; !! does not elevate", async () => {
  const text = `{ pkgs, ... }: {
  systemd.services.a = {
    preStart = "cp /etc/x /var/lib/a/x";
    serviceConfig = { User = "a"; StateDirectory = "a"; ExecStartPre = [ "+\${pkgs.coreutils}/bin/touch /var/lib/a/t" "!!touch /var/lib/a/u" ]; };
  };
  systemd.services.b = {
    preStart = "cp /etc/x /var/lib/b/x";
    serviceConfig = { User = "b"; StateDirectory = "b"; PermissionsStartOnly = true; };
  };
}`;
  const doc = await SourceDocument.create("file:///t.nix", "nix", text);
  try {
    const units = nixDetails(extractNix(doc)).units;
    const a = units.find((u) => u.name === "a")!;
    const b = units.find((u) => u.name === "b")!;
    assert.deepEqual(a.rootSteps.map((s) => [s.source, s.op, s.why, s.under?.path, s.exact]), [["ExecStartPre", "touch", "+ prefix", "/var/lib/a", true]]);
    assert.deepEqual(b.rootSteps.map((s) => [s.source, s.op, s.why, s.under?.path]), [["preStart", "cp", "PermissionsStartOnly = true", "/var/lib/b"]]);
    const r = b.rootSteps[0]!.at;
    assert.equal(text.split("\n")[r.start.line]!.slice(r.start.character, r.end.character), "cp /etc/x /var/lib/b/x");
  } finally {
    doc.dispose();
  }
});
