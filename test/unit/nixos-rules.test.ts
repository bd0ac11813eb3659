/** The NixOS rules: settings, suppression, names, the shape of their fixes, the examples, the docs. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { editDistance, isKnownServiceDirective, isUnitSectionDirective, suggestDirective, unitOptionFor } from "../../server/src/nixos/names";
import { secretEnvironment, SECRET_CONTENT } from "../../server/src/nixos/secrets";
import { SourceDocument } from "../../server/src/parsing/document";
import { NIXOS_RULES } from "../../server/src/rules/nixos/index";
import { DEFAULT_SETTINGS } from "../../server/src/rules/rule";
import { analyzeFile } from "../../server/src/rules/run";
import { analyzeText } from "../helpers/fixtures";
import { FIXTURES, ROOT } from "../helpers/paths";

const read = (rel: string) => fs.readFileSync(path.join(FIXTURES, "nixos", rel), "utf8");

test("every NixOS rule has a stable id, a doc page with examples and a suppression line, and fixtures", () => {
  const ids = NIXOS_RULES.map((r) => r.id).sort();
  assert.deepEqual(ids, [
    "nixos/confinement-start-only",
    "nixos/exposure",
    "nixos/root-op-in-service-dir",
    "nixos/runs-as-root",
    "nixos/secret-in-store",
    "nixos/shared-nobody",
    "nixos/unconfined",
    "nixos/unit-option-in-serviceConfig",
    "nixos/unknown-directive",
  ]);
  for (const rule of NIXOS_RULES) {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "rules", `${rule.id}.md`), "utf8");
    assert.match(doc, new RegExp(`^# ${rule.id}$`, "m"));
    for (const heading of ["## What it finds", "## Why it matters", "## Unsafe", "## Safe", "## The fix", "## Suppressing"]) assert.ok(doc.includes(heading), `${rule.id}: ${heading}`);
    assert.ok(doc.includes(`# pola-ignore: ${rule.id} `), `${rule.id}: suppression example`);
    const dir = path.join(FIXTURES, "nixos", rule.id.slice("nixos/".length));
    assert.ok(fs.readdirSync(dir).some((f) => f.endsWith(".nix")), `${rule.id}: fixtures`);
  }
});

test("pastebin.nix: runs as root, no sandboxing, After in serviceConfig, a misspelt CapabilitiesBoundingSet; the hardened one is quiet", async () => {
  const bad = await analyzeText(fs.readFileSync(path.join(ROOT, "examples/nixos/pastebin.nix"), "utf8"), "nix");
  bad.document.dispose();
  assert.deepEqual(
    bad.findings.map((f) => [f.ruleId, f.range.start.line + 1]),
    [
      ["nixos/exposure", 18],
      ["nixos/runs-as-root", 18],
      ["nixos/unconfined", 18],
      ["nixos/unit-option-in-serviceConfig", 25],
      ["nixos/unknown-directive", 26],
    ],
  );
  assert.match(bad.findings[0]!.message, /exposure 9\.6 UNSAFE/);
  assert.match(bad.findings[4]!.message, /Did you mean CapabilityBoundingSet\?/);
  assert.ok(bad.findings.every((f) => f.fixes.length > 0));
  const good = await analyzeText(fs.readFileSync(path.join(ROOT, "examples/nixos/pastebin-hardened.nix"), "utf8"), "nix");
  good.document.dispose();
  assert.deepEqual(good.findings.map((f) => f.ruleId), []);
  assert.equal(good.model.services[0]!.authority.exposure!.score, 1.0);
  assert.deepEqual(good.model.services[0]!.authority.writable.map((w) => w.path), ["/var/lib/pastebin"]);
});

test("exposureThreshold decides when nixos/exposure fires", async () => {
  const text = fs.readFileSync(path.join(ROOT, "examples/nixos/pastebin.nix"), "utf8");
  const doc = await SourceDocument.create("file:///p.nix", "nix", text);
  try {
    const fires = (threshold: number) => analyzeFile(doc, { ...DEFAULT_SETTINGS, exposureThreshold: threshold }).findings.some((f) => f.ruleId === "nixos/exposure");
    assert.equal(fires(9.5), true);
    assert.equal(fires(9.6), false, "fires only above the threshold");
    const off = analyzeFile(doc, { ...DEFAULT_SETTINGS, severities: { "nixos/runs-as-root": "off", "nixos/unconfined": "error" } });
    assert.ok(!off.findings.some((f) => f.ruleId === "nixos/runs-as-root"));
    assert.equal(off.findings.find((f) => f.ruleId === "nixos/unconfined")!.severity, "error");
  } finally {
    doc.dispose();
  }
});

test("`# pola-ignore: <rule> <reason>` above the unit's name or the key silences a finding and keeps the reason", async () => {
  const text = `{ pkgs, ... }: {
  # pola-ignore: nixos/runs-as-root manages the firewall
  systemd.services.fw = {
    serviceConfig = {
      ExecStart = "\${pkgs.fw}/bin/fw";
      # pola-ignore: nixos/unknown-directive read by a patched systemd
      FooBar = true;
    };
  };
}
`;
  const a = await analyzeText(text, "nix");
  a.document.dispose();
  const root = a.findings.find((f) => f.ruleId === "nixos/runs-as-root")!;
  assert.deepEqual(root.suppressed?.reason, "manages the firewall");
  const unknown = a.findings.find((f) => f.ruleId === "nixos/unknown-directive")!;
  assert.deepEqual(unknown.suppressed?.reason, "read by a patched systemd");
  assert.ok(!a.findings.find((f) => f.ruleId === "nixos/unconfined")!.suppressed);
});

test("did-you-mean: edit distance over the directives systemd knows", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("abc", "abc"), 0);
  assert.equal(editDistance("abc", "xyz12345", 2), 3, "early exit above the limit");
  assert.equal(suggestDirective("CapabilitiesBoundingSet"), "CapabilityBoundingSet");
  assert.equal(suggestDirective("Privatetmp"), "PrivateTmp");
  assert.equal(suggestDirective("RestrictAdressFamilies"), "RestrictAddressFamilies");
  assert.equal(suggestDirective("NoNewPrivilege"), "NoNewPrivileges");
  assert.equal(suggestDirective("ProtectHostUserNamespaces"), undefined, "nothing close");
  assert.ok(isKnownServiceDirective("MemoryKSM") && isKnownServiceDirective("PrivatePIDs"), "newer than 252, known to NixOS's systemd");
  assert.ok(isKnownServiceDirective("X-Anything"), "X- keys are extensions");
  assert.ok(isUnitSectionDirective("After") && !isUnitSectionDirective("StartLimitBurst"), "accepted in [Service] too");
  assert.deepEqual(unitOptionFor("After"), { option: "after", list: true });
  assert.deepEqual(unitOptionFor("Description"), { option: "description", list: false });
  assert.deepEqual(unitOptionFor("ConditionPathExists"), { option: "unitConfig.ConditionPathExists", list: false });
  assert.equal(unitOptionFor("Also"), undefined);
});

test("secret heuristics: names, contents, and what points at a secret rather than holds one", () => {
  assert.equal(secretEnvironment("DB_PASSWORD", "hunter2"), true);
  assert.equal(secretEnvironment("API_TOKEN", "${cfg.token}"), true, "a Nix interpolation is written into the unit file");
  assert.equal(secretEnvironment("DB_PASSWORD_FILE", "/run/secrets/db"), false);
  assert.equal(secretEnvironment("DB_PASSWORD", "/run/secrets/db"), false);
  assert.equal(secretEnvironment("SECRET", "$CREDENTIALS_DIRECTORY/secret"), false);
  assert.equal(secretEnvironment("DB_HOST", "localhost"), false);
  assert.equal(SECRET_CONTENT.test("api_key = abc"), true);
  assert.equal(SECRET_CONTENT.test('{"password": "x"}'), true);
  assert.equal(SECRET_CONTENT.test("-----BEGIN OPENSSH PRIVATE KEY-----"), true);
  assert.equal(SECRET_CONTENT.test("password_file = /run/secrets/x"), false);
  assert.equal(SECRET_CONTENT.test("listen = 127.0.0.1:9000"), false);
});

test("Harden keeps what the service visibly needs", async () => {
  const fixText = async (rel: string, service?: string) => {
    const a = await analyzeText(read(rel), "nix");
    a.document.dispose();
    const f = a.findings.find((x) => x.ruleId === "nixos/exposure" && (!service || x.service === service))!;
    assert.match(f.fixes[0]!.title, /^Harden \(score \d+\.\d → \d+\.\d\)$/);
    return f.fixes[0]!.edits.map((e) => e.newText).join("");
  };
  // a DynamicUser web server on port 80: Internet families and CAP_NET_BIND_SERVICE stay, no PrivateUsers
  const web = await fixText("exposure/low-port.nix");
  assert.match(web, /CapabilityBoundingSet = \[ "CAP_NET_BIND_SERVICE" \];/);
  assert.match(web, /RestrictAddressFamilies = \[ "AF_UNIX" "AF_INET" "AF_INET6" \];/);
  assert.doesNotMatch(web, /PrivateUsers/);
  assert.doesNotMatch(web, /NoNewPrivileges|PrivateTmp|RemoveIPC/, "already implied by DynamicUser: they would not lower the score");
  // a JIT runtime: its MemoryDenyWriteExecute = false stays untouched
  const jit = await fixText("exposure/keep-mdwe-off.nix");
  assert.doesNotMatch(jit, /MemoryDenyWriteExecute/);
  assert.match(jit, /RestrictAddressFamilies = \[ "AF_UNIX" \];/);
  // a unit whose user comes from an option (declared default "mailq") may still be configured as root: no capability restriction, no PrivateUsers
  const maybeRoot = await fixText("runs-as-root/not-root.nix", "mailq-option");
  assert.doesNotMatch(maybeRoot, /CapabilityBoundingSet|PrivateUsers/);
  // root, no writable directories declared: ProtectSystem = "full", SystemCallFilter without ~@privileged
  const root = await fixText("runs-as-root/dotted.nix");
  assert.match(root, /systemd\.services\.backupd\.serviceConfig\.ProtectSystem = "full";/);
  assert.match(root, /SystemCallFilter = \[ "@system-service" \];/);
  // the target of a misspelt key is left to the rename fix (two bindings of one key would not parse)
  const misspelt = await fixText("unknown-directive/misspelled.nix");
  assert.doesNotMatch(misspelt, /CapabilityBoundingSet|PrivateTmp|RestrictAddressFamilies/);
});

test("fixes keep CRLF line endings", async () => {
  const text = read("unit-option-in-serviceConfig/crlf.nix");
  const a = await analyzeText(text, "nix");
  a.document.dispose();
  for (const f of a.findings) for (const fix of f.fixes) for (const e of fix.edits) assert.doesNotMatch(e.newText.replace(/\r\n/g, ""), /\n/, `${fix.title} uses CRLF`);
});

test("the condition a unit is defined under keeps its meaning: an `||` inside mkIf is parenthesised after `&&`", async () => {
  const text = [
    "{ config, lib, ... }:",
    "let cfg = config.services.demo; in {",
    "  config = lib.mkIf cfg.enable {",
    "    systemd.services.demo-reload = lib.mkIf (cfg.reload || cfg.watch) {",
    '      serviceConfig.ExecStart = "/run/current-system/sw/bin/true";',
    "    };",
    "  };",
    "}",
    "",
  ].join("\n");
  const a = await analyzeText(text, "nix");
  a.document.dispose();
  const root = a.findings.find((f) => f.ruleId === "nixos/runs-as-root")!;
  assert.ok(root, "the unit runs as root");
  assert.match(root.message, /\(defined when cfg\.enable && \(cfg\.reload \|\| cfg\.watch\)\)/);
});
