/**
 * Static resolution of NixOS service definitions: for each shape modules are written in, the exact
 * directive values (as NixOS writes them into the unit file) and their confidence.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { nixDetails, type NixUnit } from "../../server/src/nixos/extract";
import type { Resolved } from "../../server/src/nixos/resolve";
import { SourceDocument } from "../../server/src/parsing/document";
import { extractNix } from "../../server/src/nixos/extract";
import { FIXTURES } from "../helpers/paths";

async function unitsOf(text: string): Promise<Map<string, NixUnit>> {
  const doc = await SourceDocument.create("file:///test.nix", "nix", text);
  try {
    const details = nixDetails(extractNix(doc));
    return new Map(details.units.map((u) => [u.name, u]));
  } finally {
    doc.dispose();
  }
}

async function fixture(rel: string): Promise<Map<string, NixUnit>> {
  return unitsOf(fs.readFileSync(path.join(FIXTURES, "nixos", rel), "utf8"));
}

function unit(units: Map<string, NixUnit>, name: string): NixUnit {
  const u = units.get(name);
  assert.ok(u, `unit ${name} found (have: ${[...units.keys()].join(", ")})`);
  return u;
}

/** value + confidence (+ why/cases when present), for compact exact assertions. */
function brief(r: Resolved | undefined): unknown {
  if (!r) return undefined;
  const out: Record<string, unknown> = { value: r.value, confidence: r.confidence };
  if (r.why !== undefined) out.why = r.why;
  if (r.cases) out.cases = r.cases;
  return out;
}

test("nested sets, dotted paths, `systemd = { … }` and `systemd.services = { … }` all reach the same unit", async () => {
  const units = await fixture("shapes/nested-and-dotted.nix");
  assert.deepEqual([...units.keys()], ["alpha", "epsilon", "beta", "gamma", "delta-worker"]);
  const alpha = unit(units, "alpha");
  assert.deepEqual(brief(alpha.directives["User"]), { value: "alpha", confidence: "literal" });
  assert.deepEqual(brief(alpha.directives["PrivateTmp"]), { value: "true", confidence: "literal" });
  assert.deepEqual(brief(alpha.directives["ProtectSystem"]), { value: "strict", confidence: "literal" });
  assert.deepEqual(brief(alpha.directives["NoNewPrivileges"]), { value: "true", confidence: "literal" });
  assert.deepEqual(brief(unit(units, "beta").directives["DynamicUser"]), { value: "true", confidence: "literal" });
  assert.deepEqual(brief(unit(units, "gamma").directives["User"]), { value: "gamma", confidence: "literal" });
  assert.deepEqual(brief(unit(units, "delta-worker").directives["User"]), { value: "delta", confidence: "literal" });
  // quoted unit name and quoted directive name
  assert.deepEqual(brief(unit(units, "epsilon").directives["PrivateDevices"]), { value: "true", confidence: "literal" });
});

test("mkIf, mkMerge, mkDefault, mkForce, mkOverride, optionalAttrs (lib.-qualified, bare after `with lib;`, inherited)", async () => {
  const u = unit(await fixture("shapes/wrappers.nix"), "wrapped");
  assert.equal(u.when, "cfg.enable", "`config = mkIf cfg.enable …` gates the unit, not each directive");
  assert.deepEqual(brief(u.directives["ProtectSystem"]), { value: "strict", confidence: "literal" }); // mkForce
  assert.equal(u.directives["ProtectSystem"]!.priority, 50);
  assert.deepEqual(brief(u.directives["ProtectHome"]), { value: "read-only", confidence: "default" }); // mkOverride 900
  assert.equal(u.directives["ProtectHome"]!.priority, 900);
  // mkDefault true loses to a plain false from another mkMerge element
  assert.deepEqual(brief(u.directives["PrivateTmp"]), { value: "false", confidence: "literal" });
  // mkDefault "wrapped" vs mkIf (!cfg.debug) "wrapped-prod"
  assert.deepEqual(brief(u.directives["User"]), {
    value: "wrapped-prod",
    confidence: "conditional",
    why: "!cfg.debug",
    cases: [
      { when: "!cfg.debug", value: "wrapped-prod" },
      { when: "otherwise", value: "wrapped" },
    ],
  });
  // `{ Restart = "always"; } // optionalAttrs cfg.debug { Restart = "no"; }`
  assert.deepEqual(brief(u.directives["Restart"]), {
    value: "always",
    confidence: "conditional",
    why: "!cfg.debug; cfg.debug",
    cases: [
      { when: "!cfg.debug", value: "always" },
      { when: "cfg.debug", value: "no" },
    ],
  });
  // a whole mkMerge element under mkIf cfg.isolate
  assert.deepEqual(brief(u.directives["PrivateNetwork"]), {
    value: "true",
    confidence: "conditional",
    why: "cfg.isolate",
    cases: [
      { when: "cfg.isolate", value: "true" },
      { when: "otherwise", value: null },
    ],
  });
  assert.deepEqual(brief(u.directives["ExecStart"]), { value: "${pkgs.wrapped}/bin/wrapped", confidence: "unknown", why: "pkgs.wrapped" });
});

test("let-bound hardening merged with //, rec sets, with, inherit and inherit (…)", async () => {
  const units = await fixture("shapes/let-rec-with.nix");
  const a = unit(units, "archive"); // named by `systemd.services.${names.service}` (a rec set)
  assert.deepEqual(brief(a.directives["ProtectSystem"]), { value: "strict", confidence: "literal" }); // overridden by //
  assert.deepEqual(brief(a.directives["ProtectHome"]), { value: "true", confidence: "literal" });
  assert.deepEqual(brief(a.directives["NoNewPrivileges"]), { value: "true", confidence: "literal" });
  assert.deepEqual(brief(a.directives["PrivateDevices"]), { value: "true", confidence: "literal" });
  assert.deepEqual(brief(a.directives["User"]), { value: "archive", confidence: "literal" });
  assert.deepEqual(brief(a.directives["StateDirectory"]), { value: "archive-data", confidence: "literal" });
  assert.deepEqual(brief(a.directives["ExecStart"]), { value: "${archive-tools}/bin/archive", confidence: "unknown", why: "archive-tools" });
  const i = unit(units, "archive-index");
  assert.deepEqual(brief(i.directives["NoNewPrivileges"]), { value: "true", confidence: "literal" }); // inherit (baseHardening)
  assert.deepEqual(brief(i.directives["User"]), { value: "archive", confidence: "literal" }); // let inherit (names) user
});

test("if branches, ++ with optionals/optional, list resets and systemd's boolean spellings", async () => {
  const u = unit(await fixture("shapes/conditionals-and-lists.nix"), "gateway");
  assert.deepEqual(brief(u.directives["User"]), {
    value: "root",
    confidence: "conditional",
    why: "cfg.privileged; !cfg.privileged",
    cases: [
      { when: "cfg.privileged", value: "root" },
      { when: "!cfg.privileged", value: "gateway" },
    ],
  });
  // `if true then false else true` is decided statically
  assert.deepEqual(brief(u.directives["PrivateNetwork"]), { value: "false", confidence: "literal" });
  assert.deepEqual(brief(u.directives["SystemCallFilter"]), {
    value: ["@system-service", "~@privileged", "~@mount"],
    confidence: "conditional",
    why: "!cfg.privileged",
    cases: [
      { when: "!cfg.privileged", value: ["@system-service", "~@privileged", "~@mount"] },
      { when: "otherwise", value: ["@system-service", "~@mount"] },
    ],
  });
  assert.deepEqual(brief(u.directives["RestrictAddressFamilies"]), {
    value: ["AF_UNIX", "AF_INET6", "AF_INET"],
    confidence: "conditional",
    why: "cfg.ipv6",
    cases: [
      { when: "cfg.ipv6", value: ["AF_UNIX", "AF_INET6", "AF_INET"] },
      { when: "otherwise", value: ["AF_UNIX", "AF_INET"] },
    ],
  });
  assert.deepEqual(brief(u.directives["CapabilityBoundingSet"]), { value: [""], confidence: "literal" }); // a reset
  assert.deepEqual(brief(u.directives["AmbientCapabilities"]), { value: "", confidence: "literal" });
  assert.deepEqual(brief(u.directives["ProtectHome"]), { value: "yes", confidence: "literal" });
  assert.deepEqual(brief(u.directives["ProtectClock"]), { value: "on", confidence: "literal" });
  assert.deepEqual(brief(u.directives["NoNewPrivileges"]), { value: "1", confidence: "literal" });
  assert.deepEqual(brief(u.directives["PrivateDevices"]), { value: "1", confidence: "literal" });
  assert.deepEqual(brief(u.directives["LimitNOFILE"]), { value: "65536", confidence: "literal" });
  assert.deepEqual(brief(u.directives["ExecStartPre"]), {
    value: ["${pkgs.coreutils}/bin/true", "${pkgs.gateway}/bin/gateway-check --strict"],
    confidence: "unknown",
    why: "pkgs.coreutils, pkgs.gateway",
  });
  assert.deepEqual(brief(u.directives["ReadWritePaths"]), { value: ["/var/lib/gateway", "${cfg.dataDir}"], confidence: "unknown", why: "cfg.dataDir" });
  // the scorer gets a range over the conditional keys
  assert.deepEqual(u.score.unknownKeys.filter((k) => k !== "ExecStartPre" && k !== "ReadWritePaths").sort(), ["RestrictAddressFamilies", "SystemCallFilter", "User"]);
  assert.ok(u.score.best.score < u.score.worst.score);
});

test("generated units are patterns; what cannot be read is noted", async () => {
  const text = fs.readFileSync(path.join(FIXTURES, "nixos", "shapes/generated.nix"), "utf8");
  const doc = await SourceDocument.create("file:///g.nix", "nix", text);
  const details = nixDetails(extractNix(doc));
  doc.dispose();
  assert.deepEqual(
    details.units.map((u) => [u.name, u.pattern]),
    [
      ["prometheus-${name}-exporter", true],
      ["queue-worker-${toString i}", true],
      ["tunnel-${n}", true],
      ["node-exporter", false],
    ],
  );
  const units = new Map(details.units.map((u) => [u.name, u]));
  assert.deepEqual(brief(unit(units, "node-exporter").directives["ExecStart"]), {
    value: "${pkgs.prometheus-exporters.${name}}/bin/node_exporter --web.listen-address=:9100",
    confidence: "unknown",
    why: "pkgs.prometheus-exporters.${name}",
  });
  assert.deepEqual(brief(unit(units, "prometheus-${name}-exporter").options["description"]), { value: "Prometheus ${name} exporter", confidence: "unknown", why: "name" });
  assert.deepEqual(brief(unit(units, "queue-worker-${toString i}").directives["User"]), { value: "queue", confidence: "literal" });
  assert.deepEqual(details.notes, ["units generated by lib.foldr (a: b: b // a) { } cfg.extraUnits cannot be read statically"]);
});

test("confinement adds its settings as NixOS does; explicit settings win over its mkDefaults", async () => {
  const units = await fixture("shapes/confinement.nix");
  const full = unit(units, "full-apivfs");
  assert.deepEqual(brief(full.directives["RootDirectory"]), { value: "/run/confinement/full-apivfs", confidence: "literal" });
  assert.deepEqual(brief(full.directives["RuntimeDirectory"]), { value: ["full-apivfs", "confinement/full-apivfs"], confidence: "literal" });
  assert.deepEqual(brief(full.directives["ReadOnlyPaths"]), { value: ["+/"], confidence: "literal" });
  assert.deepEqual(brief(full.directives["InaccessiblePaths"]), { value: ["-+/run/confinement/full-apivfs"], confidence: "literal" });
  for (const k of ["PrivateMounts", "MountAPIVFS", "PrivateDevices", "PrivateTmp", "ProtectControlGroups", "ProtectKernelModules", "ProtectKernelTunables"]) {
    assert.deepEqual(brief(full.directives[k]), { value: "true", confidence: "default" }, k);
    assert.equal(full.directives[k]!.source, "confinement");
  }
  assert.deepEqual(brief(full.directives["PrivateUsers"]), { value: "false", confidence: "literal" }, "the module's own PrivateUsers = false wins");
  assert.equal(full.directives["RuntimeDirectory"]!.source, "file+confinement");

  const chroot = unit(units, "chroot-only");
  assert.deepEqual(brief(chroot.directives["PrivateMounts"]), { value: "true", confidence: "default" });
  for (const k of ["MountAPIVFS", "PrivateDevices", "PrivateTmp", "PrivateUsers"]) assert.equal(chroot.directives[k], undefined, `${k} only in full-apivfs mode`);

  const maybe = unit(units, "maybe");
  assert.deepEqual(brief(maybe.confinement["enable"]), { value: "${cfg.confine}", confidence: "unknown", why: "cfg.confine" });
  assert.deepEqual(brief(maybe.directives["RootDirectory"]), {
    value: "/run/confinement/maybe",
    confidence: "conditional",
    why: "confinement.enable = cfg.confine",
    cases: [
      { when: "confinement.enable = cfg.confine", value: "/run/confinement/maybe" },
      { when: "otherwise", value: null },
    ],
  });
});

test("interpolated strings keep their literal parts and name what is unknown", async () => {
  const units = await unitsOf(`{ config, pkgs, ... }:
let cfg = config.services.x; port = 8080; in {
  systemd.services.x.serviceConfig = {
    ExecStart = "\${pkgs.x}/bin/x --port \${toString port} --data \${cfg.dataDir}";
    Environment = [ "HOME=/var/lib/x" "LANG=\${cfg.lang}" ];
    WorkingDirectory = "/var/lib/\${"x"}";
    SyslogIdentifier = ''
      x-daemon
    '';
    EnvironmentFile = ./x.env;
    TimeoutSec = 10 * 6;
    Nice = -5;
    User = null;
  };
}`);
  const u = unit(units, "x");
  assert.deepEqual(brief(u.directives["ExecStart"]), { value: "${pkgs.x}/bin/x --port 8080 --data ${cfg.dataDir}", confidence: "unknown", why: "pkgs.x, cfg.dataDir" });
  assert.deepEqual(brief(u.directives["Environment"]), { value: ["HOME=/var/lib/x", "LANG=${cfg.lang}"], confidence: "unknown", why: "cfg.lang" });
  assert.deepEqual(brief(u.directives["WorkingDirectory"]), { value: "/var/lib/x", confidence: "literal" });
  assert.deepEqual(brief(u.directives["SyslogIdentifier"]), { value: "x-daemon\n", confidence: "literal" });
  assert.deepEqual(brief(u.directives["EnvironmentFile"]), { value: "${./x.env}", confidence: "unknown", why: "./x.env (a path copied to the store)" });
  assert.deepEqual(brief(u.directives["TimeoutSec"]), { value: "60", confidence: "literal" });
  assert.deepEqual(brief(u.directives["Nice"]), { value: "-5", confidence: "literal" });
  assert.deepEqual(brief(u.directives["User"]), { value: null, confidence: "literal" }, "null: NixOS writes nothing");
});

test("string escapes and indented strings decode as Nix does", async () => {
  const units = await unitsOf(`{
  systemd.services.s.serviceConfig = {
    A = "a\\"b\\\\c\\n\\\${d}";
    B = ''
        first
          second ''\${x} '''q
    '';
    C = "x$\${y}";
  };
}`);
  const u = unit(units, "s");
  assert.equal(u.directives["A"]!.value, 'a"b\\c\n${d}');
  assert.equal(u.directives["A"]!.confidence, "literal");
  assert.equal(u.directives["B"]!.value, "first\n  second ${x} ''q\n");
  assert.equal(u.directives["C"]!.value, "x$\${y}", "`$${` is not an interpolation");
});

test("User from the module's option default (root); options in conditions still make the score a range", async () => {
  const units = await fixture("exposure/range.nix");
  const u = unit(units, "queue-runner");
  assert.deepEqual(brief(u.directives["User"]), { value: "root", confidence: "default", why: 'option services.queue-runner.user (default "root")' });
  assert.ok(!u.score.unknownKeys.includes("User"), "the default is scored as the value, like mkDefault");
  assert.deepEqual(brief(u.directives["PrivateTmp"]), {
    value: "true",
    confidence: "conditional",
    why: "cfg.sandbox",
    cases: [
      { when: "cfg.sandbox", value: "true" },
      { when: "otherwise", value: null },
    ],
  });
  assert.deepEqual(brief(u.directives["ProtectSystem"]), {
    value: "strict",
    confidence: "conditional",
    why: "cfg.sandbox; !cfg.sandbox",
    cases: [
      { when: "cfg.sandbox", value: "strict" },
      { when: "!cfg.sandbox", value: "full" },
    ],
  });
  // best case before: some non-root user (8.8); now the default user root is scored
  assert.equal(u.score.best.score, 9.2);
  assert.equal(u.score.worst.score, 9.6);
});

test("the unit's own condition is separated from a directive's", async () => {
  const units = await unitsOf(`{ config, lib, ... }:
let cfg = config.services.y; in {
  config = lib.mkIf cfg.enable (lib.mkMerge [
    { systemd.services.y.serviceConfig.User = "y"; }
    (lib.mkIf cfg.tmp { systemd.services.y.serviceConfig.PrivateTmp = true; })
  ]);
}`);
  const u = unit(units, "y");
  assert.equal(u.when, "cfg.enable");
  assert.deepEqual(brief(u.directives["User"]), { value: "y", confidence: "literal" });
  assert.deepEqual(brief(u.directives["PrivateTmp"]), {
    value: "true",
    confidence: "conditional",
    why: "cfg.tmp",
    cases: [
      { when: "cfg.tmp", value: "true" },
      { when: "otherwise", value: null },
    ],
  });
});

test("conditions known statically are decided; user-defined functions are applied", async () => {
  const units = await unitsOf(`{ lib, ... }:
let
  enable = true;
  mkHardened = user: extra: { serviceConfig = { User = user; NoNewPrivileges = true; } // extra; };
in {
  systemd.services.z = lib.mkIf enable (mkHardened "zed" { PrivateTmp = lib.mkIf false true; ProtectHome = lib.optionalAttrs false { }; });
  systemd.services.off = lib.mkIf (!enable) { serviceConfig.User = "off"; };
}`);
  const z = unit(units, "z");
  assert.equal(z.when, undefined);
  assert.deepEqual(brief(z.directives["User"]), { value: "zed", confidence: "literal" });
  assert.deepEqual(brief(z.directives["NoNewPrivileges"]), { value: "true", confidence: "literal" });
  assert.equal(z.directives["PrivateTmp"], undefined, "mkIf false defines nothing");
  assert.equal(units.has("off"), false, "a unit under mkIf false does not exist");
});

test("an unknown serviceConfig makes every scored directive part of the range", async () => {
  const units = await unitsOf(`{ config, ... }: {
  systemd.services.w.serviceConfig = config.services.w.serviceConfig // { DynamicUser = true; };
}`);
  const u = unit(units, "w");
  assert.deepEqual(u.opaque, [{ section: "serviceConfig", why: "config.services.w.serviceConfig" }]);
  assert.deepEqual(brief(u.directives["DynamicUser"]), { value: "true", confidence: "literal" });
  assert.ok(u.score.unknownKeys.includes("PrivateNetwork"));
  assert.ok(u.score.best.score < u.score.worst.score);
});

test("the module's own option defaults: `cfg.<option>` reads the declared literal default, as an overridable default", async () => {
  const units = await unitsOf(`{ config, lib, pkgs, ... }:
let
  cfg = config.services.kettle;
  inherit (lib) mkOption types;
in {
  options.services.kettle = {
    enable = lib.mkEnableOption "the kettle";
    user = mkOption { type = types.str; default = "kettle"; description = "Account it runs as."; };
    group = lib.mkOption {
      type = types.str;
      default = "brew";
    };
    port = mkOption { type = types.port; default = 4180; };
    protect = mkOption { type = types.bool; default = true; };
    extraGroups = mkOption { type = types.listOf types.str; default = [ "tea" "water" ]; };
    stateDir = mkOption { type = types.str; default = "/var/lib/\${cfg.user}"; defaultText = "/var/lib/kettle"; };
    home = mkOption { type = types.str; defaultText = "/srv/kettle"; };
    nothing = mkOption { type = types.nullOr types.str; default = null; };
    package = lib.mkPackageOption pkgs "kettle" { };
  };
  config = lib.mkIf cfg.enable {
    systemd.services.kettle = {
      environment.PORT = toString cfg.port;
      serviceConfig = {
        User = cfg.user;
        Group = config.services.kettle.group;
        SupplementaryGroups = cfg.extraGroups;
        PrivateTmp = cfg.protect;
        WorkingDirectory = cfg.stateDir;
        StateDirectory = cfg.home;
        ProtectHome = cfg.nothing;
        ExecStart = "\${cfg.package}/bin/kettle --port \${toString cfg.port}";
        RemoveIPC = cfg.enable;
      };
    };
  };
}`);
  const u = unit(units, "kettle");
  assert.equal(u.when, "cfg.enable", "the enable option's default does not decide the module's condition");
  const d = u.directives;
  assert.deepEqual(brief(d["User"]), { value: "kettle", confidence: "default", why: 'option services.kettle.user (default "kettle")' });
  assert.deepEqual(brief(d["Group"]), { value: "brew", confidence: "default", why: 'option services.kettle.group (default "brew")' });
  assert.deepEqual(brief(u.environment["PORT"]), { value: "4180", confidence: "default", why: "option services.kettle.port (default 4180)" });
  assert.deepEqual(brief(d["SupplementaryGroups"]), { value: ["tea", "water"], confidence: "default", why: 'option services.kettle.extraGroups (default [ "tea" "water" ])' });
  assert.deepEqual(brief(d["PrivateTmp"]), { value: "true", confidence: "default", why: "option services.kettle.protect (default true)" });
  assert.deepEqual(brief(d["RemoveIPC"]), { value: "false", confidence: "default", why: "option services.kettle.enable (default false)" });
  // null: nothing written, as for `ProtectHome = null;`
  assert.deepEqual(brief(d["ProtectHome"]), { value: null, confidence: "default", why: "option services.kettle.nothing (default null)" });
  // an expression, defaultText only, a package: still unknown, named as written
  assert.deepEqual(brief(d["WorkingDirectory"]), { value: "${cfg.stateDir}", confidence: "unknown", why: "cfg.stateDir" });
  assert.deepEqual(brief(d["StateDirectory"]), { value: "${cfg.home}", confidence: "unknown", why: "cfg.home" });
  assert.equal(d["ExecStart"]?.confidence, "unknown");
  // exposure: defaults are scored as values, not as part of the range
  assert.ok(!u.score.unknownKeys.includes("User"));
  assert.ok(!u.score.unknownKeys.includes("PrivateTmp"));
  assert.deepEqual(u.score.unit.service["User"], ["kettle"]);
  assert.deepEqual(u.score.unit.service["PrivateTmp"], ["true"]);
});

test("option defaults: a nested `options = { services.foo = { … }; }` set, `with cfg;`, and mkDefault of an option", async () => {
  const doc = await SourceDocument.create(
    "file:///test.nix",
    "nix",
    `{ config, lib, ... }:
with lib;
let cfg = config.services.pot; in {
  options = {
    services.pot = {
      user = mkOption { default = "potter"; };
      listen.port = mkOption { type = types.port; default = 8080; };
      dir = mkOption { default = cfg.user; };
    };
  };
  config.systemd.services.pot.serviceConfig = with cfg; {
    User = mkDefault user;
    ExecStart = "pot --port \${toString listen.port}";
    Environment = [ "PORT=\${toString cfg.listen.port}" ];
    WorkingDirectory = dir;
    LimitNOFILE = cfg.listen.port;
    ReadWritePaths = cfg.undeclared;
  };
}`,
  );
  try {
    const model = extractNix(doc);
    const u = nixDetails(model).units.find((x) => x.name === "pot");
    assert.ok(u);
    const d = u.directives;
    assert.deepEqual(brief(d["User"]), { value: "potter", confidence: "default", why: 'option services.pot.user (default "potter")' });
    assert.deepEqual(brief(d["LimitNOFILE"]), { value: "8080", confidence: "default", why: "option services.pot.listen.port (default 8080)" });
    assert.deepEqual(brief(d["WorkingDirectory"]), { value: "${dir}", confidence: "unknown", why: "dir" });
    assert.deepEqual(brief(d["ReadWritePaths"]), { value: "${cfg.undeclared}", confidence: "unknown", why: "cfg.undeclared" });
    // interpolated into a longer string: still named as written
    assert.equal(d["ExecStart"]?.confidence, "unknown");
    const user = model.services[0]!.authority.user;
    assert.deepEqual(user.kind === "known" ? user.value : user.kind, "potter");
  } finally {
    doc.dispose();
  }
});
