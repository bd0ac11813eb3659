/**
 * The exposure model (server/src/exposure): reference scores from the security note, systemd's
 * implications and parsing rules, N/A rules, rounding and labels, topContributors and scoreRange.
 * Exactness against systemd itself is test/oracle/systemd-exposure.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CHECKS, ExposureResult, KNOWN_SERVICE_DIRECTIVES, UNIT_SECTION_DIRECTIVES, UnitDirectives, exposureLabel,
  parseUnitFile, scoreRange, scoreUnit, topContributors,
} from "../../server/src/exposure/score";

function svc(service: Record<string, string | string[]>, unit?: Record<string, string | string[]>): UnitDirectives {
  const norm = (r: Record<string, string | string[]>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  const u: UnitDirectives = { service: norm({ ExecStart: "/bin/true", ...service }) };
  if (unit) u.unit = norm(unit);
  return u;
}

function badness(r: ExposureResult, id: string): number | null {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id}`);
  return c.badness;
}

const MAXIMAL = svc({
  DynamicUser: "yes", CapabilityBoundingSet: "", PrivateDevices: "yes", PrivateMounts: "yes", PrivateNetwork: "yes",
  PrivateUsers: "yes", ProtectControlGroups: "yes", ProtectKernelModules: "yes", ProtectKernelTunables: "yes",
  ProtectKernelLogs: "yes", ProtectClock: "yes", ProtectHome: "yes", ProtectHostname: "yes", RootDirectory: "/var/empty",
  LockPersonality: "yes", MemoryDenyWriteExecute: "yes", UMask: "0077", ProtectProc: "invisible", ProcSubset: "pid",
  RestrictRealtime: "yes", RestrictNamespaces: "yes", RestrictAddressFamilies: "none", SystemCallArchitectures: "native",
  SystemCallFilter: "~@clock @cpu-emulation @debug @module @mount @obsolete @privileged @raw-io @reboot @resources @swap",
  IPAddressDeny: "any", DevicePolicy: "closed",
});

test("table: 81 checks with systemd 252's weights (sum 56 460 when all apply)", () => {
  assert.equal(CHECKS.length, 81);
  assert.equal(new Set(CHECKS.map((c) => c.id)).size, 81);
  assert.equal(CHECKS.reduce((a, c) => a + c.weight, 0), 56460);
  assert.equal(CHECKS.find((c) => c.id === "RootDirectoryOrRootImage")?.weight, 200);
});

test("reference: a bare ExecStart unit scores 9.6 UNSAFE", () => {
  const r = scoreUnit(svc({}));
  assert.equal(r.exposure, 96);
  assert.equal(r.score, 9.6);
  assert.equal(r.label, "UNSAFE");
  assert.equal(badness(r, "UserOrDynamicUser"), 10);
  assert.equal(badness(r, "SupplementaryGroups"), null, "root: SupplementaryGroups= is N/A");
  assert.equal(badness(r, "RemoveIPC"), null, "root: RemoveIPC= is N/A");
  assert.equal(badness(r, "UMask"), 5, "default umask 0022 is world-readable");
  assert.equal(badness(r, "KeyringMode"), 0, "system services default to a private keyring");
});

test("reference: DynamicUser=yes alone scores 8.4 EXPOSED, through its implications", () => {
  const r = scoreUnit(svc({ DynamicUser: "yes" }));
  assert.equal(r.score, 8.4);
  assert.equal(r.label, "EXPOSED");
  assert.equal(badness(r, "UserOrDynamicUser"), 0);
  assert.equal(badness(r, "PrivateTmp"), 0);
  assert.equal(badness(r, "RemoveIPC"), 0);
  assert.equal(badness(r, "ProtectSystem"), 0);
  assert.equal(badness(r, "ProtectHome"), 5, "read-only when unset");
  assert.equal(badness(r, "NoNewPrivileges"), 0);
  assert.equal(badness(r, "RestrictSUIDSGID"), 0);
  assert.equal(badness(r, "SupplementaryGroups"), 0);
  // An explicit ProtectHome= wins over the implied read-only.
  assert.equal(badness(scoreUnit(svc({ DynamicUser: "yes", ProtectHome: "tmpfs" })), "ProtectHome"), 1);
});

test("reference: a heavily hardened unit scores 0.1 SAFE, because ProtectClock= adds DeviceAllow=char-rtc", () => {
  const r = scoreUnit(MAXIMAL);
  assert.equal(r.exposure, 1);
  assert.equal(r.score, 0.1);
  assert.equal(r.label, "SAFE");
  assert.deepEqual(r.checks.filter((c) => c.badness !== 0).map((c) => [c.id, c.badness]), [["DeviceAllow", 5]]);
});

test("reference: what NixOS confinement adds to a static user scores 7.3", () => {
  const r = scoreUnit(svc({
    User: "confined", RootDirectory: "/run/confinement/%n", PrivateMounts: "true", MountAPIVFS: "true",
    PrivateDevices: "true", PrivateTmp: "true", PrivateUsers: "true", ProtectControlGroups: "true",
    ProtectKernelModules: "true", ProtectKernelTunables: "true",
  }));
  assert.equal(r.score, 7.3);
  assert.equal(badness(r, "RootDirectoryOrRootImage"), 0);
});

test("labels and rounding follow systemd's thresholds", () => {
  const cases: [number, string][] = [[0, "PERFECT"], [1, "SAFE"], [9, "SAFE"], [10, "OK"], [49, "OK"], [50, "MEDIUM"],
    [74, "MEDIUM"], [75, "EXPOSED"], [89, "EXPOSED"], [90, "UNSAFE"], [99, "UNSAFE"], [100, "DANGEROUS"]];
  for (const [e, l] of cases) assert.equal(exposureLabel(e), l, `exposure ${e}`);
  for (const r of [scoreUnit(svc({})), scoreUnit(MAXIMAL), scoreUnit(svc({ User: "x", PrivateNetwork: "yes" }))]) {
    const applicable = r.checks.filter((c) => c.badness !== null);
    for (const c of applicable) assert.equal(c.exposurePart, Math.ceil((c.badness! * c.weight) / c.range));
    const sum = applicable.reduce((a, c) => a + c.exposurePart, 0);
    const w = applicable.reduce((a, c) => a + c.weight, 0);
    assert.equal(r.exposure, Math.ceil((100 * sum) / w));
    assert.equal(r.score, r.exposure / 10);
  }
});

test("users: root, 0, nobody, static, DynamicUser with and without User=", () => {
  assert.equal(badness(scoreUnit(svc({ User: "0" })), "UserOrDynamicUser"), 10);
  assert.equal(badness(scoreUnit(svc({ User: "nobody" })), "UserOrDynamicUser"), 9);
  assert.equal(badness(scoreUnit(svc({ User: "nobody", DynamicUser: "yes" })), "UserOrDynamicUser"), 9);
  assert.equal(badness(scoreUnit(svc({ User: "65534" })), "UserOrDynamicUser"), 0, "systemd compares the name, not the UID");
  const dynRoot = scoreUnit(svc({ User: "root", DynamicUser: "yes" }));
  assert.equal(badness(dynRoot, "UserOrDynamicUser"), 10);
  assert.equal(badness(dynRoot, "RemoveIPC"), null);
  // User= reset by an empty assignment.
  assert.equal(badness(scoreUnit(svc({ User: ["alice", ""] })), "UserOrDynamicUser"), 10);
  // The transient user is named after the unit: root.service would run as root.
  const named = svc({ DynamicUser: "yes" });
  named.name = "root.service";
  assert.equal(badness(scoreUnit(named), "UserOrDynamicUser"), 10);
  // Supplementary groups count only for unprivileged units.
  assert.equal(badness(scoreUnit(svc({ User: "alice", SupplementaryGroups: "wheel" })), "SupplementaryGroups"), 1);
  assert.equal(badness(scoreUnit(svc({ User: "alice", SupplementaryGroups: ["wheel", ""] })), "SupplementaryGroups"), 0);
  // Invalid user names make systemd refuse the unit.
  assert.deepEqual(scoreUnit(svc({ User: "bad/name" })).invalid, ["User=bad/name"]);
  assert.deepEqual(scoreUnit(svc({ DynamicUser: "maybe" })).invalid, ["DynamicUser=maybe"]);
  assert.equal(scoreUnit(svc({ PrivateTmp: "maybe" })).invalid, undefined, "other booleans are just ignored");
});

test("booleans: every spelling systemd accepts; invalid and empty values are ignored", () => {
  for (const v of ["yes", "true", "on", "1", "y", "t", "YES", "True", "ON"]) {
    assert.equal(badness(scoreUnit(svc({ PrivateNetwork: v })), "PrivateNetwork"), 0, v);
  }
  for (const v of ["no", "false", "off", "0", "n", "f", "NO"]) {
    assert.equal(badness(scoreUnit(svc({ PrivateNetwork: ["yes", v] })), "PrivateNetwork"), 1, v);
  }
  for (const v of ["", "maybe", "2"]) {
    assert.equal(badness(scoreUnit(svc({ PrivateNetwork: ["yes", v] })), "PrivateNetwork"), 0, `"${v}" keeps yes`);
  }
  assert.equal(badness(scoreUnit(svc({ Delegate: "yes" })), "Delegate"), 1, "Delegate= is inverted");
  assert.equal(badness(scoreUnit(svc({ Delegate: "" })), "Delegate"), 1, "an empty Delegate= turns delegation on");
  assert.equal(badness(scoreUnit(svc({ Delegate: "cpu memory" })), "Delegate"), 1);
});

test("enumerations: ProtectHome/ProtectSystem levels, case-sensitive names, boolean forms", () => {
  const home = (v: string) => badness(scoreUnit(svc({ ProtectHome: v })), "ProtectHome");
  assert.deepEqual(["yes", "tmpfs", "read-only", "no", "TRUE", "Read-Only", ""].map(home), [0, 1, 5, 10, 0, 10, 10]);
  const sys = (v: string) => badness(scoreUnit(svc({ ProtectSystem: v })), "ProtectSystem");
  assert.deepEqual(["strict", "full", "yes", "no", "on", "Strict"].map(sys), [0, 3, 5, 10, 5, 10]);
  const proc = (v: string) => badness(scoreUnit(svc({ ProtectProc: v })), "ProtectProc");
  assert.deepEqual(["invisible", "ptraceable", "noaccess", "default"].map(proc), [0, 0, 1, 3]);
  assert.equal(badness(scoreUnit(svc({ KeyringMode: "shared" })), "KeyringMode"), 1);
  assert.equal(badness(scoreUnit(svc({ KeyringMode: "inherit" })), "KeyringMode"), 1);
  assert.equal(badness(scoreUnit(svc({ NotifyAccess: "all" })), "NotifyAccess"), 1);
  assert.equal(badness(scoreUnit(svc({ NotifyAccess: ["all", ""] })), "NotifyAccess"), 1, "empty is ignored");
  assert.equal(badness(scoreUnit(svc({ ProcSubset: "pid" })), "ProcSubset"), 0);
});

test("UMask: each missing bit, octal spellings", () => {
  const um = (v: string) => badness(scoreUnit(svc({ UMask: v })), "UMask");
  assert.deepEqual(["0000", "0002", "0006", "0026", "0066", "0077", "077", "77", "0o77", ""].map(um), [10, 5, 2, 1, 0, 0, 0, 0, 5, 5]);
});

test("capabilities: ~ inversion, resets, merge rules, names and numbers", () => {
  const cap = (v: string[], id = "CapabilityBoundingSet_CAP_SYS_ADMIN") => badness(scoreUnit(svc({ CapabilityBoundingSet: v })), id);
  assert.equal(cap(["CAP_NET_BIND_SERVICE"]), 0);
  assert.equal(cap(["~CAP_SYS_ADMIN"]), 0);
  assert.equal(cap(["~CAP_SYS_ADMIN"], "CapabilityBoundingSet_CAP_SYS_PTRACE"), 1);
  assert.equal(cap(["cap_sys_admin"]), 1, "names are case-insensitive");
  assert.equal(cap(["21"]), 1, "numbers are capabilities");
  assert.equal(cap(["CAP_NO_SUCH"]), 0, "only unknown names leave an empty set");
  assert.equal(cap(["CAP_NET_RAW", "CAP_SYS_ADMIN"]), 1, "later lists add");
  assert.equal(cap(["CAP_SYS_ADMIN CAP_NET_RAW", "~CAP_SYS_ADMIN"]), 0, "~ removes from a set");
  assert.equal(cap(["CAP_SYS_ADMIN", ""]), 0, "empty resets to nothing");
  assert.equal(cap(["", "~"]), 1, "a bare ~ is every capability");
  assert.equal(cap(["~", "CAP_NET_RAW"]), 0, "after ~ the set equals the initial one again, so it is replaced");
  // Implications drop capabilities from the bounding set.
  const r = scoreUnit(svc({ PrivateDevices: "yes", ProtectKernelModules: "yes", ProtectKernelLogs: "yes", ProtectClock: "yes" }));
  for (const id of ["CAP_MKNOD", "CAP_SYS_RAWIO", "CAP_SYS_MODULE", "CAP_SYSLOG", "CAP_SYS_TIME", "CAP_WAKE_ALARM"]) {
    assert.equal(badness(r, `CapabilityBoundingSet_${id}`), 0, id);
  }
  assert.equal(badness(r, "CapabilityBoundingSet_CAP_SYS_ADMIN"), 1);
  // Ambient capabilities start empty; ~ means all.
  assert.equal(badness(scoreUnit(svc({ AmbientCapabilities: "~" })), "AmbientCapabilities"), 1);
  assert.equal(badness(scoreUnit(svc({ AmbientCapabilities: ["CAP_NET_RAW", ""] })), "AmbientCapabilities"), 0);
});

test("devices: PrivateDevices closes the policy; ProtectClock and RootImage add device entries", () => {
  assert.equal(badness(scoreUnit(svc({ PrivateDevices: "yes" })), "DeviceAllow"), 0);
  assert.equal(badness(scoreUnit(svc({ DevicePolicy: "strict" })), "DeviceAllow"), 0);
  assert.equal(badness(scoreUnit(svc({ DevicePolicy: "closed", DeviceAllow: "/dev/null rw" })), "DeviceAllow"), 5);
  assert.equal(badness(scoreUnit(svc({ DevicePolicy: "closed", DeviceAllow: ["/dev/null rw", ""] })), "DeviceAllow"), 0);
  assert.equal(badness(scoreUnit(svc({ DevicePolicy: "closed", DeviceAllow: "/tmp/x rw" })), "DeviceAllow"), 0, "not a device path: ignored");
  assert.equal(badness(scoreUnit(svc({ PrivateDevices: "yes", ProtectClock: "yes" })), "DeviceAllow"), 5);
  assert.equal(badness(scoreUnit(svc({ PrivateDevices: "yes", RootImage: "/img.raw" })), "DeviceAllow"), 5);
  assert.equal(badness(scoreUnit(svc({ RootImage: "/img.raw" })), "DeviceAllow"), 10);
});

test("address families: allow-lists, deny-lists, none, resets, aliases", () => {
  const r = (v: string[]) => scoreUnit(svc({ RestrictAddressFamilies: v }));
  const fam = (x: ExposureResult) => ["AF_INET_INET6", "AF_UNIX", "AF_NETLINK", "AF_PACKET", "OTHER"].map((s) => badness(x, `RestrictAddressFamilies_${s}`));
  assert.deepEqual(fam(r(["AF_UNIX"])), [0, 1, 0, 0, 0]);
  assert.deepEqual(fam(r(["~AF_PACKET AF_NETLINK"])), [1, 1, 0, 0, 1]);
  assert.deepEqual(fam(r(["none"])), [0, 0, 0, 0, 0]);
  assert.deepEqual(fam(r(["none", "~AF_UNIX"])), [1, 0, 1, 1, 1], "after none, a ~list starts a deny-list");
  assert.deepEqual(fam(r(["AF_UNIX", ""])), [1, 1, 1, 1, 1]);
  assert.deepEqual(fam(r(["AF_LOCAL af_route"])), [0, 1, 1, 0, 0], "aliases and case");
  assert.deepEqual(fam(r(["AF_UNIX AF_INET", "~AF_INET"])), [0, 1, 0, 0, 0], "~ removes from an allow-list");
});

test("namespaces: booleans, lists, ~, merges, resets", () => {
  const ns = (v: string[]) => {
    const x = scoreUnit(svc({ RestrictNamespaces: v }));
    return ["user", "mnt", "ipc", "pid", "cgroup", "net", "uts"].filter((n) => badness(x, `RestrictNamespaces_${n}`) === 1).join(" ");
  };
  assert.equal(ns(["yes"]), "");
  assert.equal(ns(["no"]), "user mnt ipc pid cgroup net uts");
  assert.equal(ns(["net ipc"]), "ipc net");
  assert.equal(ns(["~user mnt"]), "ipc pid cgroup net uts");
  assert.equal(ns(["yes", "net"]), "net");
  assert.equal(ns(["net", "~net"]), "");
  assert.equal(ns(["yes", ""]), "user mnt ipc pid cgroup net uts", "empty resets");
  assert.equal(ns(["yes", "~no"]), "", "~no is not a boolean, and not a namespace: ignored");
  assert.equal(ns(["yes", "net bogus"]), "", "one unknown type rejects the whole assignment");
});

test("system calls: allow-list (with @default), deny-list, removal, errno suffixes", () => {
  const sc = (v: string[], g = "mount") => badness(scoreUnit(svc({ SystemCallFilter: v })), `SystemCallFilter_${g}`);
  assert.equal(sc([]), 10);
  assert.equal(sc(["@system-service"]), 0);
  assert.equal(sc(["@system-service"], "privileged"), 9);
  assert.equal(sc(["@system-service", "~@privileged"], "privileged"), 0);
  assert.equal(sc(["~@mount"]), 0);
  assert.equal(sc(["~@mount"], "swap"), 10);
  assert.equal(sc(["~@mount:EPERM"]), 0);
  assert.equal(sc(["@mount:EPERM"]), 0, "errno on an allow-list entry: entry ignored, allow-list stays");
  assert.equal(sc(["~@mount", "@mount"]), 10, "allowing again removes from a deny-list");
  assert.equal(sc(["~@mount", ""]), 10);
  assert.equal(sc(["~"]), 10, "an empty deny-list filters nothing");
  assert.equal(sc(["~@privileged"], "swap"), 0, "nested groups");
  assert.equal(sc(["~@privileged"], "resources"), 10);
});

test("SystemCallArchitectures: exactly native, several, none", () => {
  const a = (v: string[]) => badness(scoreUnit(svc({ SystemCallArchitectures: v })), "SystemCallArchitectures");
  assert.deepEqual([["native"], ["native native"], ["native x86"], ["x86-64"], [""], ["native", ""], ["bogus"], ["native bogus"]].map(a), [0, 0, 8, 8, 10, 10, 10, 0]);
});

test("IP address lists", () => {
  const ip = (deny: string[], allow: string[] = [], extra: Record<string, string> = {}) =>
    badness(scoreUnit(svc({ IPAddressDeny: deny, IPAddressAllow: allow, ...extra })), "IPAddressDeny");
  assert.equal(ip([]), 10);
  assert.equal(ip(["any"]), 0);
  assert.equal(ip(["0.0.0.0/0 ::/0"]), 0);
  assert.equal(ip(["0.0.0.0/0"]), 10, "IPv6 still open");
  assert.equal(ip(["any"], ["localhost"]), 2);
  assert.equal(ip(["any"], ["127.0.0.1", "::1"]), 2);
  assert.equal(ip(["any"], ["10.0.0.0/8"]), 5);
  assert.equal(ip(["any"], ["127.0.0.1/1"]), 5, "prefixes are masked: 0.0.0.0/1 is not the local host");
  assert.equal(ip(["any", ""]), 10);
  assert.equal(ip([], [], { IPIngressFilterPath: "/sys/fs/bpf/f" }), 0, "custom BPF filters");
});

test("DefaultDependencies=no makes PrivateTmp/ProtectHome/ProtectSystem/RootDirectory N/A", () => {
  const r = scoreUnit(svc({}, { DefaultDependencies: "no" }));
  const na = r.checks.filter((c) => c.badness === null).map((c) => c.id).sort();
  assert.deepEqual(na, ["PrivateTmp", "ProtectHome", "ProtectSystem", "RemoveIPC", "RootDirectoryOrRootImage", "SupplementaryGroups"]);
  assert.equal(scoreUnit(svc({}, { DefaultDependencies: ["no", "yes"] })).exposure, 96);
});

test("parseUnitFile: sections, comments, continuations, whitespace", () => {
  const u = parseUnitFile(
    "[Unit]\nDescription=x\nDefaultDependencies=no\n\n[Service]\n# comment\n; comment\nExecStart=/bin/true\n" +
      "  User = alice  \nCapabilityBoundingSet=CAP_A \\\n# skipped\n  CAP_B\n[Install]\nWantedBy=multi-user.target\n[X-Other]\nUser=root\n",
  );
  assert.deepEqual(u.service["User"], ["alice"]);
  assert.deepEqual(u.service["CapabilityBoundingSet"], ["CAP_A    CAP_B"]);
  assert.deepEqual(u.unit?.["DefaultDependencies"], ["no"]);
  assert.deepEqual(u.unit?.["WantedBy"], ["multi-user.target"]);
});

test("topContributors: largest parts first, systemd order on ties, no zero parts", () => {
  const r = scoreUnit(svc({}));
  const top = topContributors(r, 5);
  assert.equal(top.length, 5);
  assert.equal(top[0]!.id, "PrivateNetwork");
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1]!.exposurePart >= top[i]!.exposurePart);
  assert.deepEqual(topContributors(scoreUnit(MAXIMAL), 10).map((c) => c.id), ["DeviceAllow"]);
  assert.deepEqual(topContributors(r, 0), []);
});

test("scoreRange: known keys give a single point; irrelevant unknown keys change nothing", () => {
  const u = svc({ User: "alice" });
  const r = scoreRange(u, []);
  assert.equal(r.best.exposure, r.worst.exposure);
  const r2 = scoreRange(u, ["Description", "ExecStart", "Environment"]);
  assert.equal(r2.best.exposure, scoreUnit(u).exposure);
  assert.equal(r2.worst.exposure, scoreUnit(u).exposure);
});

test("scoreRange: an unknown User= spans non-root to root/nobody", () => {
  const r = scoreRange(svc({ PrivateNetwork: "yes" }), ["User"]);
  assert.equal(badness(r.best, "UserOrDynamicUser"), 0);
  assert.notEqual(badness(r.worst, "UserOrDynamicUser"), 0);
  assert.ok(r.best.exposure < r.worst.exposure);
  assert.equal(r.exact, true);
});

test("scoreRange: matches brute force over the values that matter", () => {
  const base = svc({ ProtectHome: "yes", CapabilityBoundingSet: "CAP_NET_BIND_SERVICE", PrivateTmp: "no" });
  const domains: Record<string, string[][]> = {
    User: [["root"], ["nobody"], ["alice"], [""]],
    DynamicUser: [["yes"], ["no"]],
    ProtectSystem: [["strict"], ["full"], ["yes"], ["no"]],
    PrivateDevices: [["yes"], ["no"]],
    DevicePolicy: [["auto"], ["closed"], ["strict"]],
    ProtectClock: [["yes"], ["no"]],
  };
  const keys = Object.keys(domains);
  let lo = Infinity;
  let hi = -Infinity;
  const rec = (i: number, vals: Record<string, string[]>) => {
    if (i === keys.length) {
      const e = scoreUnit({ service: { ...base.service, ...vals } }).exposure;
      lo = Math.min(lo, e);
      hi = Math.max(hi, e);
      return;
    }
    for (const v of domains[keys[i]!]!) rec(i + 1, { ...vals, [keys[i]!]: v });
  };
  rec(0, {});
  const r = scoreRange(base, keys);
  assert.equal(r.exact, true);
  assert.equal(r.best.exposure, lo);
  assert.equal(r.worst.exposure, hi);
  // The reported values reproduce the extremes.
  assert.equal(scoreUnit({ service: { ...base.service, ...r.bestValues } }).exposure, lo);
  assert.equal(scoreUnit({ service: { ...base.service, ...r.worstValues } }).exposure, hi);
});

test("scoreRange: everything unknown spans 0.1 to 10.0 (greedy search, flagged inexact)", () => {
  const keys = [...CHECKS.flatMap((c) => c.reads), "DefaultDependencies", "SupplementaryGroups"];
  const r = scoreRange({ service: {} }, keys);
  assert.equal(r.best.exposure, 1);
  assert.equal(r.worst.exposure, 100);
  assert.equal(r.worst.label, "DANGEROUS");
  assert.equal(r.exact, false);
});

test("directive name sets for a did-you-mean rule", () => {
  for (const k of ["ExecStart", "DynamicUser", "CapabilityBoundingSet", "SystemCallFilter", "IPAddressDeny", "DeviceAllow",
    "MemoryMax", "KillMode", "TasksMax", "Restart", "ProtectHostname", "Capabilities"]) {
    assert.ok(KNOWN_SERVICE_DIRECTIVES.has(k), k);
  }
  for (const k of ["CapabilitiesBoundingSet", "ProtectHostUserNamespaces", "After", "Before", "Wants", "Description", "WantedBy"]) {
    assert.ok(!KNOWN_SERVICE_DIRECTIVES.has(k), k);
  }
  for (const k of ["After", "Before", "Wants", "Requires", "Description", "DefaultDependencies", "WantedBy", "RequiredBy", "Alias"]) {
    assert.ok(UNIT_SECTION_DIRECTIVES.has(k), k);
  }
  assert.ok(!UNIT_SECTION_DIRECTIVES.has("ExecStart"));
  assert.ok(KNOWN_SERVICE_DIRECTIVES.size > 240);
});
