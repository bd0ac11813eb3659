/**
 * Turn a unit's directives into the security-relevant state systemd 252 ends up with after loading the
 * unit: each directive parsed the way systemd's unit-file parser reads it (resets, "~" inversion, merge
 * rules, ignored invalid values), then systemd's own implications applied (DynamicUser=, PrivateDevices=,
 * ProtectKernelModules=, ProtectKernelLogs=, ProtectClock=, RootImage=). The result is what
 * `systemd-analyze security --offline=true` assesses.
 */
import {
  AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX, ERRNO_NAMES, addressFamilyFromName, capabilityFromName,
} from "./data";
import { SYSCALL_GROUPS } from "./syscall-groups";
import {
  IpPrefix, expandSpecifiers, firstWord, isLocalhostAddress, isLocalhostName, isValidUserNameRelaxed,
  isValidUserNameStrict, parseBoolean, parseIpPrefix, simplifyPath, splitWords,
} from "./words";

/**
 * Directive values exactly as they would be written in a unit file, in order: each entry is one
 * assignment's right-hand side (so ["", "AF_UNIX"] means a reset followed by AF_UNIX; repeated list
 * directives accumulate as systemd does).
 */
export interface UnitDirectives {
  /** [Unit] (and [Install]) directives; only DefaultDependencies= matters for the score. */
  unit?: Record<string, string[]>;
  /** [Service] directives. */
  service: Record<string, string[]>;
  /**
   * Optional unit name ("foo.service", "foo@bar.service" or "foo"). Only used for the user name that
   * DynamicUser=yes derives when User= is unset (a unit called root.service would run as "root").
   */
  name?: string;
}

export type ProtectHome = "no" | "yes" | "read-only" | "tmpfs";
export type ProtectSystem = "no" | "yes" | "full" | "strict";

/** The security-relevant state of a loaded unit (the fields systemd-analyze's checks read). */
export interface SecurityState {
  defaultDependencies: boolean;
  /** User= after DynamicUser= filled it in; null = unset (root). */
  user: string | null;
  dynamicUser: boolean;
  supplementaryGroups: string[];
  capabilityBoundingSet: bigint;
  ambientCapabilities: bigint;
  noNewPrivileges: boolean;
  lockPersonality: boolean;
  memoryDenyWriteExecute: boolean;
  protectHostname: boolean;
  privateDevices: boolean;
  privateMounts: boolean;
  privateNetwork: boolean;
  privateTmp: boolean;
  privateUsers: boolean;
  protectControlGroups: boolean;
  protectKernelModules: boolean;
  protectKernelTunables: boolean;
  protectKernelLogs: boolean;
  protectClock: boolean;
  protectHome: ProtectHome;
  protectSystem: ProtectSystem;
  removeIPC: boolean;
  restrictRealtime: boolean;
  restrictSUIDSGID: boolean;
  /** For each socket family bucket: true if the service cannot allocate such sockets. */
  restrictedFamilies: { inet: boolean; unix: boolean; netlink: boolean; packet: boolean; other: boolean };
  /** Bit set of namespace types the service may still create (see NAMESPACE_FLAGS). */
  allowedNamespaces: number;
  rootDirectory: string | null;
  rootImage: string | null;
  umask: number;
  keyringMode: string;
  protectProc: string;
  procSubset: string;
  notifyAccess: string;
  /** SystemCallArchitectures= as a set of architecture names ("native", "x86", ...). */
  syscallArchitectures: Set<string>;
  /** SystemCallFilter=: null if never set (or reset); otherwise the mode and the listed native syscalls. */
  syscallFilter: { allowList: boolean; names: Set<string> } | null;
  delegate: boolean;
  devicePolicy: "auto" | "closed" | "strict";
  deviceAllowCount: number;
  ipDenyAll: boolean;
  ipAllowLocalhost: boolean;
  ipAllowOther: boolean;
  ipCustomFilters: boolean;
  /** Assignments systemd 252 would refuse with a fatal error (the unit would not load at all). */
  fatal: string[];
}

// ---------------------------------------------------------------------------------------------
// Constants

export const CAP_ALL = (1n << 64n) - 1n;
export function capBit(n: number): bigint {
  return 1n << BigInt(n);
}

/** Namespace type bits (only the seven types systemd 252 knows). */
export const NAMESPACE_FLAGS: Readonly<Record<string, number>> = {
  cgroup: 1, ipc: 2, net: 4, mnt: 8, pid: 16, user: 32, uts: 64,
};
const NAMESPACE_ALL = 127;

const SYSCALL_ARCHES = new Set([
  "native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips-le", "mips64", "mips64-le", "mips64-n32",
  "mips64-le-n32", "ppc", "ppc64", "ppc64-le", "s390", "s390x", "riscv64",
]);


/** Expanded members (native syscall names) of each group, nested groups resolved. */
const GROUP_MEMBERS = new Map<string, readonly string[]>();
function groupMembers(group: string): readonly string[] | undefined {
  const cached = GROUP_MEMBERS.get(group);
  if (cached) return cached;
  const raw = SYSCALL_GROUPS[group];
  if (!raw) return undefined;
  const out = new Set<string>();
  for (const m of raw) {
    if (m.startsWith("@")) for (const x of groupMembers(m) ?? []) out.add(x);
    else out.add(m);
  }
  const arr = [...out];
  GROUP_MEMBERS.set(group, arr);
  return arr;
}
export function syscallGroupMembers(group: string): readonly string[] {
  return groupMembers(group) ?? [];
}
/** Every native syscall that occurs in some group: the only ones that can change a SystemCallFilter check. */
const RELEVANT_SYSCALLS = new Set<string>(Object.keys(SYSCALL_GROUPS).flatMap((g) => [...(groupMembers(g) ?? [])]));

// ---------------------------------------------------------------------------------------------
// Parsing state (mirrors the unit's ExecContext/CGroupContext while directives are applied)

interface Parsing {
  s: SecurityState;
  nsInitial: boolean;
  afSet: Set<number> | null;
  afAllowList: boolean;
  sysFilter: Set<string> | null;
  sysAllowList: boolean;
  mountImages: number;
  ipDeny: IpPrefix[];
  ipAllow: IpPrefix[];
  ingress: number;
  egress: number;
}

function initialState(): SecurityState {
  return {
    defaultDependencies: true,
    user: null,
    dynamicUser: false,
    supplementaryGroups: [],
    capabilityBoundingSet: CAP_ALL,
    ambientCapabilities: 0n,
    noNewPrivileges: false,
    lockPersonality: false,
    memoryDenyWriteExecute: false,
    protectHostname: false,
    privateDevices: false,
    privateMounts: false,
    privateNetwork: false,
    privateTmp: false,
    privateUsers: false,
    protectControlGroups: false,
    protectKernelModules: false,
    protectKernelTunables: false,
    protectKernelLogs: false,
    protectClock: false,
    protectHome: "no",
    protectSystem: "no",
    removeIPC: false,
    restrictRealtime: false,
    restrictSUIDSGID: false,
    restrictedFamilies: { inet: false, unix: false, netlink: false, packet: false, other: false },
    allowedNamespaces: NAMESPACE_ALL,
    rootDirectory: null,
    rootImage: null,
    umask: 0o022,
    keyringMode: "private",
    protectProc: "default",
    procSubset: "all",
    notifyAccess: "none",
    syscallArchitectures: new Set(),
    syscallFilter: null,
    delegate: false,
    devicePolicy: "auto",
    deviceAllowCount: 0,
    ipDenyAll: false,
    ipAllowLocalhost: false,
    ipAllowOther: false,
    ipCustomFilters: false,
    fatal: [],
  };
}

type BoolKey =
  | "dynamicUser" | "noNewPrivileges" | "lockPersonality" | "memoryDenyWriteExecute" | "protectHostname"
  | "privateDevices" | "privateMounts" | "privateNetwork" | "privateTmp" | "privateUsers"
  | "protectControlGroups" | "protectKernelModules" | "protectKernelTunables" | "protectKernelLogs"
  | "protectClock" | "removeIPC" | "restrictRealtime" | "restrictSUIDSGID";

const BOOL_DIRECTIVES: Readonly<Record<string, BoolKey>> = {
  DynamicUser: "dynamicUser",
  NoNewPrivileges: "noNewPrivileges",
  LockPersonality: "lockPersonality",
  MemoryDenyWriteExecute: "memoryDenyWriteExecute",
  ProtectHostname: "protectHostname",
  PrivateDevices: "privateDevices",
  PrivateMounts: "privateMounts",
  PrivateNetwork: "privateNetwork",
  PrivateTmp: "privateTmp",
  PrivateUsers: "privateUsers",
  ProtectControlGroups: "protectControlGroups",
  ProtectKernelModules: "protectKernelModules",
  ProtectKernelTunables: "protectKernelTunables",
  ProtectKernelLogs: "protectKernelLogs",
  ProtectClock: "protectClock",
  RemoveIPC: "removeIPC",
  RestrictRealtime: "restrictRealtime",
  RestrictSUIDSGID: "restrictSUIDSGID",
};

/** Enumerations that ignore an invalid (or empty) value and keep the previous one. */
const ENUM_DIRECTIVES: Readonly<Record<string, { key: "keyringMode" | "protectProc" | "procSubset" | "notifyAccess" | "devicePolicy"; values: readonly string[] }>> = {
  KeyringMode: { key: "keyringMode", values: ["inherit", "private", "shared"] },
  ProtectProc: { key: "protectProc", values: ["default", "noaccess", "invisible", "ptraceable"] },
  ProcSubset: { key: "procSubset", values: ["all", "pid"] },
  NotifyAccess: { key: "notifyAccess", values: ["none", "all", "main", "exec"] },
  DevicePolicy: { key: "devicePolicy", values: ["auto", "closed", "strict"] },
};

/** Directives (in [Service]) whose values can change the exposure score. */
export const SCORED_SERVICE_DIRECTIVES: ReadonlySet<string> = new Set([
  ...Object.keys(BOOL_DIRECTIVES), ...Object.keys(ENUM_DIRECTIVES),
  "User", "SupplementaryGroups", "CapabilityBoundingSet", "AmbientCapabilities", "ProtectHome", "ProtectSystem",
  "RestrictAddressFamilies", "RestrictNamespaces", "RootDirectory", "RootImage", "MountImages", "UMask",
  "SystemCallArchitectures", "SystemCallFilter", "Delegate", "DeviceAllow", "IPAddressDeny", "IPAddressAllow",
  "IPIngressFilterPath", "IPEgressFilterPath",
]);

// ---------------------------------------------------------------------------------------------
// Individual directive parsers

function parseCapabilities(p: Parsing, key: "capabilityBoundingSet" | "ambientCapabilities", raw: string): void {
  let v = raw;
  let invert = false;
  if (v.startsWith("~")) { invert = true; v = v.slice(1); }
  const initial = key === "capabilityBoundingSet" ? CAP_ALL : 0n;
  let sum = 0n;
  const { words, error } = splitWords(v);
  if (error) return; // capability_set_from_string() fails as a whole on a syntax error
  for (const w of words) {
    const c = capabilityFromName(w);
    if (c >= 0) sum |= capBit(c);
  }
  const cur = p.s[key];
  if (sum === 0n || cur === initial) p.s[key] = invert ? ~sum & CAP_ALL : sum;
  else p.s[key] = invert ? cur & ~sum & CAP_ALL : cur | sum;
}

function parseAddressFamilies(p: Parsing, raw: string): void {
  if (raw === "") { p.afSet = null; p.afAllowList = false; return; }
  if (raw === "none") { p.afSet = null; p.afAllowList = true; return; }
  let v = raw;
  let invert = false;
  if (v.startsWith("~")) { invert = true; v = v.slice(1); }
  if (!p.afSet) { p.afSet = new Set(); p.afAllowList = !invert; }
  const { words } = splitWords(v);
  for (const w of words) {
    const af = addressFamilyFromName(w);
    if (af < 0) continue;
    if (!invert === p.afAllowList) p.afSet.add(af);
    else p.afSet.delete(af);
  }
}

function parseNamespaces(p: Parsing, raw: string): void {
  if (raw === "") { p.nsInitial = true; p.s.allowedNamespaces = NAMESPACE_ALL; return; }
  // A boolean replaces everything; it is recognised before "~" is looked at, so "~yes" is a
  // (bad) list and ignored.
  const b = parseBoolean(raw);
  if (b !== undefined) {
    p.nsInitial = false;
    p.s.allowedNamespaces = b ? 0 : NAMESPACE_ALL;
    return;
  }
  let v = raw;
  let invert = false;
  if (v.startsWith("~")) { invert = true; v = v.slice(1); }
  const { words, error } = splitWords(v);
  if (error) return;
  let flags = 0;
  for (const w of words) {
    const f = NAMESPACE_FLAGS[w];
    if (f === undefined || !Object.prototype.hasOwnProperty.call(NAMESPACE_FLAGS, w)) return; // whole assignment ignored
    flags |= f;
  }
  if (p.nsInitial) {
    p.s.allowedNamespaces = invert ? ~flags & NAMESPACE_ALL : flags;
    // The initial value is "everything", a distinct marker in systemd; any assignment leaves it.
    p.nsInitial = false;
  } else if (invert) {
    p.s.allowedNamespaces &= ~flags;
  } else {
    p.s.allowedNamespaces |= flags;
  }
}

/** Groups flattened to the system calls that can matter, computed once per group (scoring is hot). */
const FLAT_GROUPS = new Map<string, readonly string[] | null>();

function flatGroup(name: string): readonly string[] | null {
  let flat = FLAT_GROUPS.get(name);
  if (flat !== undefined) return flat;
  const members = groupMembers(name);
  if (!members) flat = null;
  else {
    const out = new Set<string>();
    const visit = (n: string, seen: Set<string>) => {
      if (!n.startsWith("@")) {
        if (RELEVANT_SYSCALLS.has(n)) out.add(n);
        return;
      }
      if (seen.has(n)) return;
      seen.add(n);
      for (const m of groupMembers(n) ?? []) visit(m, seen);
    };
    visit(name, new Set());
    flat = [...out];
  }
  FLAT_GROUPS.set(name, flat);
  return flat;
}

function addSyscall(p: Parsing, name: string, add: boolean): void {
  if (name.startsWith("@")) {
    const members = flatGroup(name);
    if (!members) return; // unknown group: ignored
    for (const m of members) {
      if (add) p.sysFilter!.add(m);
      else p.sysFilter!.delete(m);
    }
    return;
  }
  if (!RELEVANT_SYSCALLS.has(name)) return; // unknown, not native, or in no group: cannot matter
  if (add) p.sysFilter!.add(name);
  else p.sysFilter!.delete(name);
}

/** The part after ":" in "name:errno": an errno name, "kill", or a number 0..4095. */
function validErrno(e: string): boolean {
  if (e === "kill") return true;
  if (ERRNO_NAMES.has(e)) return true;
  return /^[0-9]+$/.test(e) && Number(e) <= 4095;
}

function parseSyscallFilter(p: Parsing, raw: string): void {
  if (raw === "") { p.sysFilter = null; p.sysAllowList = false; return; }
  let v = raw;
  let invert = false;
  if (v.startsWith("~")) { invert = true; v = v.slice(1); }
  if (!p.sysFilter) {
    p.sysFilter = new Set();
    if (invert) p.sysAllowList = false;
    else {
      p.sysAllowList = true;
      addSyscall(p, "@default", true);
    }
  }
  const { words } = splitWords(v);
  for (const w of words) {
    let name = w;
    let hasErrno = false;
    const colon = w.indexOf(":");
    if (colon >= 0) {
      if (!validErrno(w.slice(colon + 1))) continue;
      name = w.slice(0, colon);
      hasErrno = true;
    }
    if (name === "") continue;
    if (!invert && hasErrno) continue; // allow-listed system calls cannot take an error number
    // Add when the entry's polarity matches the list's; otherwise it removes a previous entry.
    addSyscall(p, name, !invert === p.sysAllowList);
  }
}

function parseSyscallArchitectures(p: Parsing, raw: string): void {
  if (raw === "") { p.s.syscallArchitectures = new Set(); return; }
  const { words } = splitWords(raw);
  for (const w of words) if (SYSCALL_ARCHES.has(w)) p.s.syscallArchitectures.add(w);
}

function parseUser(p: Parsing, raw: string): void {
  if (raw === "") { p.s.user = null; return; }
  const k = expandSpecifiers(raw);
  if (!isValidUserNameRelaxed(k)) { p.s.fatal.push(`User=${raw}`); return; }
  p.s.user = k;
}

function parseSupplementaryGroups(p: Parsing, raw: string): void {
  if (raw === "") { p.s.supplementaryGroups = []; return; }
  const { words, error } = splitWords(raw);
  for (const w of words) {
    const k = expandSpecifiers(w);
    if (!isValidUserNameRelaxed(k)) { p.s.fatal.push(`SupplementaryGroups=${raw}`); return; }
    p.s.supplementaryGroups.push(k);
  }
  if (error) p.s.fatal.push(`SupplementaryGroups=${raw}`);
}

function parseProtectHome(p: Parsing, raw: string): void {
  const b = parseBoolean(raw);
  if (b !== undefined) p.s.protectHome = b ? "yes" : "no";
  else if (raw === "read-only" || raw === "tmpfs") p.s.protectHome = raw;
}

function parseProtectSystem(p: Parsing, raw: string): void {
  const b = parseBoolean(raw);
  if (b !== undefined) p.s.protectSystem = b ? "yes" : "no";
  else if (raw === "full" || raw === "strict") p.s.protectSystem = raw;
}

function parsePathSetting(p: Parsing, key: "rootDirectory" | "rootImage", directive: string, raw: string): void {
  if (raw === "") { p.s[key] = null; return; }
  const path = simplifyPath(expandSpecifiers(raw), true);
  if (path === null) { p.s.fatal.push(`${directive}=${raw}`); return; }
  p.s[key] = path;
}

function parseMountImages(p: Parsing, raw: string): void {
  if (raw === "") { p.mountImages = 0; return; }
  const { words } = splitWords(raw);
  for (const w of words) {
    const parts = w.split(":");
    if (parts.length < 2) continue;
    let src = parts[0]!;
    if (src.startsWith("-")) src = src.slice(1);
    if (simplifyPath(src, true) === null || simplifyPath(parts[1]!, true) === null) continue;
    p.mountImages++;
  }
}

function parseUMask(p: Parsing, raw: string): void {
  if (!/^[0-7]+$/.test(raw)) return;
  const m = parseInt(raw, 8);
  if (m > 0o7777) return;
  p.s.umask = m;
}

function parseDelegate(p: Parsing, raw: string): void {
  if (raw === "") { p.s.delegate = true; return; }
  const b = parseBoolean(raw);
  if (b !== undefined) { p.s.delegate = b; return; }
  // A list of controllers turns delegation on; unknown controller names are skipped, but even a list
  // of only unknown names leaves Delegate= on.
  p.s.delegate = true;
}

function parseDeviceAllow(p: Parsing, raw: string): void {
  if (raw === "") { p.s.deviceAllowCount = 0; return; }
  const { word, rest } = firstWord(raw);
  if (word === null) return;
  let path = expandSpecifiers(word);
  if (!path.startsWith("block-") && !path.startsWith("char-")) {
    const simple = simplifyPath(path, false);
    if (simple === null) return;
    path = simple;
    if (!(path.startsWith("/dev/") || path.startsWith("/run/systemd/inaccessible/"))) return;
  }
  if (rest !== "" && !/^[rwm]+$/.test(rest)) return;
  p.s.deviceAllowCount++;
}

function parseIpAccess(list: IpPrefix[], raw: string): IpPrefix[] {
  if (raw === "") return [];
  const { words } = splitWords(raw);
  for (const w of words) {
    if (w === "any") {
      list.push({ family: 4, bytes: [0, 0, 0, 0], prefixlen: 0 }, { family: 6, bytes: new Array<number>(16).fill(0), prefixlen: 0 });
    } else if (isLocalhostName(w)) {
      const v6 = new Array<number>(16).fill(0);
      v6[15] = 1;
      list.push({ family: 4, bytes: [127, 0, 0, 0], prefixlen: 8 }, { family: 6, bytes: v6, prefixlen: 128 });
    } else if (w === "link-local") {
      const v6 = new Array<number>(16).fill(0);
      v6[0] = 0xfe; v6[1] = 0x80;
      list.push({ family: 4, bytes: [169, 254, 0, 0], prefixlen: 16 }, { family: 6, bytes: v6, prefixlen: 64 });
    } else if (w === "multicast") {
      const v6 = new Array<number>(16).fill(0);
      v6[0] = 0xff;
      list.push({ family: 4, bytes: [224, 0, 0, 0], prefixlen: 4 }, { family: 6, bytes: v6, prefixlen: 8 });
    } else {
      const a = parseIpPrefix(w);
      if (a) list.push(a);
    }
  }
  return list;
}

function parseBpfPaths(count: number, raw: string): number {
  if (raw === "") return 0;
  return simplifyPath(expandSpecifiers(raw), true) === null ? count : count + 1;
}

// ---------------------------------------------------------------------------------------------

function applyServiceDirective(p: Parsing, key: string, raw: string): void {
  const boolKey = BOOL_DIRECTIVES[key];
  if (boolKey !== undefined && Object.prototype.hasOwnProperty.call(BOOL_DIRECTIVES, key)) {
    const b = parseBoolean(raw);
    if (b !== undefined) p.s[boolKey] = b;
    else if (key === "DynamicUser") p.s.fatal.push(`${key}=${raw}`); // the only fatal boolean
    return;
  }
  const en = Object.prototype.hasOwnProperty.call(ENUM_DIRECTIVES, key) ? ENUM_DIRECTIVES[key] : undefined;
  if (en) {
    if (en.values.includes(raw)) (p.s as unknown as Record<string, string>)[en.key] = raw;
    return;
  }
  switch (key) {
    case "User": parseUser(p, raw); break;
    case "SupplementaryGroups": parseSupplementaryGroups(p, raw); break;
    case "CapabilityBoundingSet": parseCapabilities(p, "capabilityBoundingSet", raw); break;
    case "AmbientCapabilities": parseCapabilities(p, "ambientCapabilities", raw); break;
    case "ProtectHome": parseProtectHome(p, raw); break;
    case "ProtectSystem": parseProtectSystem(p, raw); break;
    case "RestrictAddressFamilies": parseAddressFamilies(p, raw); break;
    case "RestrictNamespaces": parseNamespaces(p, raw); break;
    case "RootDirectory": parsePathSetting(p, "rootDirectory", key, raw); break;
    case "RootImage": parsePathSetting(p, "rootImage", key, raw); break;
    case "MountImages": parseMountImages(p, raw); break;
    case "UMask": parseUMask(p, raw); break;
    case "SystemCallArchitectures": parseSyscallArchitectures(p, raw); break;
    case "SystemCallFilter": parseSyscallFilter(p, raw); break;
    case "Delegate": parseDelegate(p, raw); break;
    case "DeviceAllow": parseDeviceAllow(p, raw); break;
    case "IPAddressDeny": p.ipDeny = parseIpAccess(p.ipDeny, raw); break;
    case "IPAddressAllow": p.ipAllow = parseIpAccess(p.ipAllow, raw); break;
    case "IPIngressFilterPath": p.ingress = parseBpfPaths(p.ingress, raw); break;
    case "IPEgressFilterPath": p.egress = parseBpfPaths(p.egress, raw); break;
    default: break; // not read by any check
  }
}

/** unit_name_to_prefix(): "foo@bar.service" and "foo.service" give "foo". */
function unitPrefix(name: string): string {
  const at = name.indexOf("@");
  if (at >= 0) return name.slice(0, at);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/** Parse the directives and apply systemd's load-time implications. */
export function normalizeUnit(unit: UnitDirectives): SecurityState {
  const p: Parsing = {
    s: initialState(),
    nsInitial: true,
    afSet: null,
    afAllowList: false,
    sysFilter: null,
    sysAllowList: false,
    mountImages: 0,
    ipDeny: [],
    ipAllow: [],
    ingress: 0,
    egress: 0,
  };
  const s = p.s;

  for (const raw of unit.unit?.["DefaultDependencies"] ?? []) {
    const b = parseBoolean(raw.trim());
    if (b !== undefined) s.defaultDependencies = b;
  }
  for (const key of Object.keys(unit.service)) {
    const values = unit.service[key];
    if (!values) continue;
    for (const raw of values) applyServiceDirective(p, key, raw.trim());
  }

  // Derived views of list settings.
  const af = p.afSet ?? new Set<number>();
  const rf = { inet: p.afAllowList, unix: p.afAllowList, netlink: p.afAllowList, packet: p.afAllowList, other: p.afAllowList };
  for (const f of af) {
    const v = !p.afAllowList;
    if (f === AF_INET || f === AF_INET6) rf.inet = v;
    else if (f === AF_UNIX) rf.unix = v;
    else if (f === AF_NETLINK) rf.netlink = v;
    else if (f === AF_PACKET) rf.packet = v;
    else rf.other = v;
  }
  s.restrictedFamilies = rf;
  s.syscallFilter = p.sysFilter ? { allowList: p.sysAllowList, names: p.sysFilter } : null;
  const deny4 = p.ipDeny.some((a) => a.family === 4 && a.prefixlen === 0);
  const deny6 = p.ipDeny.some((a) => a.family === 6 && a.prefixlen === 0);
  s.ipDenyAll = deny4 && deny6;
  s.ipAllowLocalhost = p.ipAllow.some((a) => isLocalhostAddress(a));
  s.ipAllowOther = p.ipAllow.some((a) => !isLocalhostAddress(a));
  s.ipCustomFilters = p.ingress > 0 || p.egress > 0;

  // unit_patch_contexts(): implications systemd applies after loading.
  if (s.privateDevices) s.capabilityBoundingSet &= ~(capBit(27) | capBit(17)); // CAP_MKNOD, CAP_SYS_RAWIO
  if (s.protectKernelModules) s.capabilityBoundingSet &= ~capBit(16); // CAP_SYS_MODULE
  if (s.protectKernelLogs) s.capabilityBoundingSet &= ~capBit(34); // CAP_SYSLOG
  if (s.protectClock) s.capabilityBoundingSet &= ~(capBit(25) | capBit(35)); // CAP_SYS_TIME, CAP_WAKE_ALARM
  if (s.dynamicUser) {
    if (s.user === null) {
      const prefix = unitPrefix(unit.name ?? "pola-unit.service");
      s.user = isValidUserNameStrict(prefix) ? prefix : "_du0000000000000000";
    }
    s.privateTmp = true;
    s.removeIPC = true;
    s.protectSystem = "strict";
    if (s.protectHome === "no") s.protectHome = "read-only";
    s.noNewPrivileges = true;
    s.restrictSUIDSGID = true;
  }
  if (s.privateDevices && s.devicePolicy === "auto") s.devicePolicy = "closed";
  if ((s.rootImage !== null || p.mountImages > 0) && (s.devicePolicy !== "auto" || s.deviceAllowCount > 0)) {
    s.deviceAllowCount += 5; // /dev/loop-control, /dev/mapper/control, block-loop, block-blkext, block-device-mapper
  }
  if (s.protectClock) s.deviceAllowCount += 1; // char-rtc r
  return s;
}

// ---------------------------------------------------------------------------------------------
// Unit file text

/**
 * Read a unit file's text into UnitDirectives the way systemd's config parser splits it: sections,
 * "#" and ";" comments, backslash line continuation, whitespace around keys and values stripped.
 * Sections other than [Unit], [Install] and [Service] are ignored.
 */
export function parseUnitFile(text: string, name?: string): UnitDirectives {
  const out: UnitDirectives = { unit: {}, service: {} };
  if (name !== undefined) out.name = name;
  let section: Record<string, string[]> | null = null;
  const lines = text.split(/\r?\n/);
  let continued: string | null = null;
  for (const rawLine of lines) {
    let line = rawLine;
    if (continued !== null) {
      const t = line.replace(/^[ \t]+/, "");
      if (t.startsWith("#") || t.startsWith(";")) continue;
      line = continued + line;
      continued = null;
    }
    if (line.endsWith("\\") && !line.endsWith("\\\\")) {
      continued = line.slice(0, -1) + " ";
      continue;
    }
    const t = line.trim();
    if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
    if (t.startsWith("[")) {
      const m = /^\[([^\]]+)\]$/.exec(t);
      const sec = m ? m[1] : "";
      section = sec === "Service" ? out.service : sec === "Unit" || sec === "Install" ? out.unit! : null;
      continue;
    }
    const eq = t.indexOf("=");
    if (eq < 0 || section === null) continue;
    const key = t.slice(0, eq).trim();
    const value = t.slice(eq + 1).trim();
    (section[key] ??= []).push(value);
  }
  if (continued !== null && section !== null) {
    const t = continued.trim();
    const eq = t.indexOf("=");
    if (eq >= 0) (section[t.slice(0, eq).trim()] ??= []).push(t.slice(eq + 1).trim());
  }
  return out;
}
