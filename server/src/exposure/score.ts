/**
 * The exposure score of `systemd-analyze security --offline=true` (systemd 252), computed statically.
 *
 *   part(check) = ceil(badness * weight / range)        for each applicable check
 *   exposure    = ceil(100 * Σ part / Σ weight)          (0..100, printed as exposure/10)
 */
import { CHECKS, CheckDef } from "./checks";
import { KNOWN_SERVICE_DIRECTIVES, UNIT_SECTION_DIRECTIVES } from "./directives";
import { SecurityState, UnitDirectives, normalizeUnit } from "./unit";

export { KNOWN_SERVICE_DIRECTIVES, UNIT_SECTION_DIRECTIVES };
export type { UnitDirectives, SecurityState };
export { normalizeUnit, parseUnitFile } from "./unit";
export { CHECKS } from "./checks";

export interface CheckResult {
  /** systemd json_field name, e.g. "PrivateNetwork". */
  id: string;
  setting: string;
  description: string;
  weight: number;
  range: number;
  /** null = N/A (not counted). */
  badness: number | null;
  /** ceil(badness*weight/range), or 0 when N/A. */
  exposurePart: number;
}

export type ExposureLabel = "PERFECT" | "SAFE" | "OK" | "MEDIUM" | "EXPOSED" | "UNSAFE" | "DANGEROUS";

export interface ExposureResult {
  /** 0..100 integer as systemd computes it. */
  exposure: number;
  /** exposure/10, one decimal, as printed. */
  score: number;
  label: ExposureLabel;
  checks: CheckResult[];
  /**
   * Assignments systemd 252 rejects with a fatal error (invalid User=, relative RootDirectory=, ...):
   * systemd would refuse to load such a unit at all. Absent when there are none.
   */
  invalid?: string[];
}

export function exposureLabel(exposure: number): ExposureLabel {
  if (exposure >= 100) return "DANGEROUS";
  if (exposure >= 90) return "UNSAFE";
  if (exposure >= 75) return "EXPOSED";
  if (exposure >= 50) return "MEDIUM";
  if (exposure >= 10) return "OK";
  if (exposure >= 1) return "SAFE";
  return "PERFECT";
}

function assessCheck(c: CheckDef, s: SecurityState): number | null {
  if (c.defaultDependenciesOnly && !s.defaultDependencies) return null;
  return c.assess(s);
}

/** Score an already normalised state (see normalizeUnit). */
export function scoreState(s: SecurityState): ExposureResult {
  let partSum = 0;
  let weightSum = 0;
  const checks: CheckResult[] = [];
  for (const c of CHECKS) {
    const badness = assessCheck(c, s);
    let part = 0;
    if (badness !== null) {
      part = Math.ceil((badness * c.weight) / c.range);
      partSum += part;
      weightSum += c.weight;
    }
    checks.push({
      id: c.id,
      setting: c.setting,
      description: c.describe(s, badness),
      weight: c.weight,
      range: c.range,
      badness,
      exposurePart: part,
    });
  }
  // Integer arithmetic as in systemd: DIV_ROUND_UP(badness_sum * 100, weight_sum).
  const exposure = Math.ceil((partSum * 100) / weightSum);
  const result: ExposureResult = { exposure, score: exposure / 10, label: exposureLabel(exposure), checks };
  if (s.fatal.length > 0) result.invalid = [...s.fatal];
  return result;
}

/** Scores by directives: many units (and the trials of ranges and hardening) repeat, so results are cached. */
const CACHE = new Map<string, ExposureResult>();
const CACHE_LIMIT = 2000; // each result holds 81 checks: keep the cache small

function cacheKey(unit: UnitDirectives): string {
  const part = (r: Record<string, string[]> | undefined) => {
    if (!r) return "";
    let k = "";
    for (const name of Object.keys(r).sort()) k += `${name}=${r[name].join("\u0001")}\u0002`;
    return k;
  };
  return `${unit.name ?? ""}\u0003${part(unit.unit)}\u0003${part(unit.service)}`;
}

export function scoreUnit(unit: UnitDirectives): ExposureResult {
  const key = cacheKey(unit);
  const cached = CACHE.get(key);
  if (cached) return cached;
  const result = scoreState(normalizeUnit(unit));
  if (CACHE.size >= CACHE_LIMIT) CACHE.clear();
  CACHE.set(key, result);
  return result;
}

/** Largest exposurePart first (ties keep systemd's check order); N/A and zero parts are left out. */
export function topContributors(result: ExposureResult, n: number): CheckResult[] {
  return result.checks
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.exposurePart > 0)
    .sort((a, b) => b.c.exposurePart - a.c.exposurePart || a.i - b.i)
    .slice(0, Math.max(0, n))
    .map(({ c }) => c);
}

// ---------------------------------------------------------------------------------------------
// Ranges over unknown values

/**
 * For each directive that can change the score, the values that span every outcome it can have:
 * for a check that only ever gets worse with "more" (capabilities, syscalls, families) the two ends
 * suffice; enumerations list every class.
 */
const CANDIDATES: Readonly<Record<string, readonly (readonly string[])[]>> = (() => {
  const bool = [["yes"], ["no"]];
  const m: Record<string, (readonly string[])[]> = {
    User: [["root"], ["nobody"], ["pola-service-user"]],
    DynamicUser: bool,
    SupplementaryGroups: [[""], ["pola-group"]],
    CapabilityBoundingSet: [[""], ["~"]],
    AmbientCapabilities: [[""], ["CAP_NET_BIND_SERVICE"]],
    ProtectHome: [["yes"], ["tmpfs"], ["read-only"], ["no"]],
    ProtectSystem: [["strict"], ["full"], ["yes"], ["no"]],
    RestrictAddressFamilies: [["none"], [""]],
    RestrictNamespaces: bool,
    RootDirectory: [[""], ["/var/empty"]],
    RootImage: [[""], ["/var/lib/pola/image.raw"]],
    MountImages: [[""], ["/var/lib/pola/image.raw:/mnt"]],
    UMask: [["0077"], ["0027"], ["0007"], ["0022"], ["0000"]],
    SystemCallArchitectures: [["native"], ["native x86"], [""]],
    SystemCallFilter: [
      ["~@clock @cpu-emulation @debug @module @mount @obsolete @privileged @raw-io @reboot @resources @swap"],
      ["@system-service"],
      [""],
    ],
    Delegate: bool,
    DeviceAllow: [[""], ["/dev/null rw"]],
    DevicePolicy: [["auto"], ["closed"], ["strict"]],
    IPAddressDeny: [["any"], [""]],
    IPAddressAllow: [[""], ["localhost"], ["0.0.0.0/0"]],
    IPIngressFilterPath: [[""], ["/sys/fs/bpf/pola"]],
    IPEgressFilterPath: [[""], ["/sys/fs/bpf/pola"]],
    KeyringMode: [["private"], ["shared"]],
    ProtectProc: [["invisible"], ["noaccess"], ["default"]],
    ProcSubset: [["pid"], ["all"]],
    NotifyAccess: [["none"], ["all"]],
  };
  for (const k of [
    "NoNewPrivileges", "LockPersonality", "MemoryDenyWriteExecute", "ProtectHostname", "PrivateDevices", "PrivateMounts",
    "PrivateNetwork", "PrivateTmp", "PrivateUsers", "ProtectControlGroups", "ProtectKernelModules", "ProtectKernelTunables",
    "ProtectKernelLogs", "ProtectClock", "RemoveIPC", "RestrictRealtime", "RestrictSUIDSGID",
  ]) m[k] = bool;
  m["DefaultDependencies"] = bool;
  return m;
})();

/** Checks whose applicability (and so the weight sum) depends on these keys. */
const WEIGHT_KEYS = new Set(["User", "DynamicUser", "DefaultDependencies"]);

function keyName(k: string): string {
  return k.replace(/^(Service|Unit)\./, "");
}

function withValues(unit: UnitDirectives, assignment: Record<string, readonly string[]>): UnitDirectives {
  const service = { ...unit.service };
  const unitSec = { ...(unit.unit ?? {}) };
  for (const [k, v] of Object.entries(assignment)) {
    if (k === "DefaultDependencies") unitSec[k] = [...v];
    else service[k] = [...v];
  }
  const out: UnitDirectives = { service, unit: unitSec };
  if (unit.name !== undefined) out.name = unit.name;
  return out;
}

export interface ScoreRange {
  best: ExposureResult;
  worst: ExposureResult;
  /** The values assumed for the unknown keys in the best and the worst case. */
  bestValues: Record<string, string[]>;
  worstValues: Record<string, string[]>;
  /** False if some group of interacting unknown keys was too large to enumerate and was searched greedily. */
  exact: boolean;
}

const MAX_COMBINATIONS = 4096;

/**
 * Best and worst case when the values of `unknownKeys` are not known statically. Keys that cannot
 * change the score are ignored. Keys are grouped by the checks they share; each group is enumerated
 * over its candidate values (greedy search above MAX_COMBINATIONS per group), and since each group's
 * checks are disjoint from the others', the extremes combine per group.
 */
export function scoreRange(unit: UnitDirectives, unknownKeys: string[]): ScoreRange {
  const keys = [...new Set(unknownKeys.map(keyName))].filter((k) => CANDIDATES[k] !== undefined);
  if (keys.length === 0) {
    const r = scoreUnit(unit);
    return { best: r, worst: r, bestValues: {}, worstValues: {}, exact: true };
  }

  // Union-find over keys that influence a common check; weight-determining keys always share a group.
  const parent = new Map<string, string>(keys.map((k) => [k, k]));
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const readsOf = (c: CheckDef): string[] =>
    c.defaultDependenciesOnly ? [...c.reads, "DefaultDependencies"] : [...c.reads];
  for (const c of CHECKS) {
    const ks = readsOf(c).filter((k) => parent.has(k));
    for (let i = 1; i < ks.length; i++) union(ks[0]!, ks[i]!);
  }
  const weightKeys = keys.filter((k) => WEIGHT_KEYS.has(k));
  for (let i = 1; i < weightKeys.length; i++) union(weightKeys[0]!, weightKeys[i]!);
  // Checks that become N/A through weight keys belong to that group too.
  if (weightKeys.length > 0) {
    for (const c of CHECKS) {
      const r = readsOf(c);
      if (r.some((k) => WEIGHT_KEYS.has(k))) for (const k of r) if (parent.has(k)) union(weightKeys[0]!, k);
    }
  }
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const r = find(k);
    (groups.get(r) ?? groups.set(r, []).get(r)!).push(k);
  }

  // Start every unknown key at its first candidate; each group is then optimised on its own.
  const baseline: Record<string, readonly string[]> = {};
  for (const k of keys) baseline[k] = CANDIDATES[k]![0]!;

  let exact = true;
  const bestValues: Record<string, readonly string[]> = { ...baseline };
  const worstValues: Record<string, readonly string[]> = { ...baseline };
  const wGroup = weightKeys.length > 0 ? find(weightKeys[0]!) : null;

  // Evaluate a group's assignment: the sum of parts of the checks the group can influence, and the weight sum.
  const groupChecks = (g: string[]) => CHECKS.map((c, i) => ({ c, i })).filter(({ c }) => readsOf(c).some((k) => g.includes(k))).map(({ i }) => i);

  const otherGroups = [...groups.entries()].filter(([r]) => r !== wGroup);
  for (const [, g] of otherGroups) {
    const idx = groupChecks(g);
    const evalSum = (vals: Record<string, readonly string[]>) => {
      const res = scoreUnit(withValues(unit, vals));
      return idx.reduce((acc, i) => acc + res.checks[i]!.exposurePart, 0);
    };
    const [lo, hi, ex] = optimiseGroup(g, baseline, evalSum);
    if (!ex) exact = false;
    Object.assign(bestValues, lo);
    Object.assign(worstValues, hi);
  }
  if (wGroup !== null) {
    const g = groups.get(wGroup)!;
    // The weight sum depends on this group, so with the other groups fixed at their extremes the
    // exposure itself is the objective (ties broken by the sum of parts).
    const objective = (vals: Record<string, readonly string[]>) => {
      const r = scoreUnit(withValues(unit, vals));
      return r.exposure * 1e9 + r.checks.reduce((a, c) => a + c.exposurePart, 0);
    };
    const [lo, , ex1] = optimiseGroup(g, bestValues, objective);
    const [, hi, ex2] = optimiseGroup(g, worstValues, objective);
    if (!ex1 || !ex2) exact = false;
    Object.assign(bestValues, lo);
    Object.assign(worstValues, hi);
  }
  const copy = (v: Record<string, readonly string[]>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, [...x]]));
  return {
    best: scoreUnit(withValues(unit, bestValues)),
    worst: scoreUnit(withValues(unit, worstValues)),
    bestValues: copy(bestValues),
    worstValues: copy(worstValues),
    exact,
  };
}

/**
 * Minimise and maximise `objective` over the candidate values of the group's keys (others as in `base`).
 * Exhaustive when the product of candidate counts is small, otherwise coordinate descent.
 */
function optimiseGroup(
  g: string[],
  base: Record<string, readonly string[]>,
  objective: (vals: Record<string, readonly string[]>) => number,
): [Record<string, readonly string[]>, Record<string, readonly string[]>, boolean] {
  const cands = g.map((k) => CANDIDATES[k]!);
  const total = cands.reduce((a, c) => a * c.length, 1);
  let lo: Record<string, readonly string[]> = {};
  let hi: Record<string, readonly string[]> = {};
  let loV = Infinity;
  let hiV = -Infinity;
  if (total <= MAX_COMBINATIONS) {
    const idx = new Array<number>(g.length).fill(0);
    for (let n = 0; n < total; n++) {
      const vals: Record<string, readonly string[]> = { ...base };
      for (let i = 0; i < g.length; i++) vals[g[i]!] = cands[i]![idx[i]!]!;
      const v = objective(vals);
      if (v < loV) { loV = v; lo = pick(vals, g); }
      if (v > hiV) { hiV = v; hi = pick(vals, g); }
      for (let i = 0; i < g.length; i++) {
        idx[i]!++;
        if (idx[i]! < cands[i]!.length) break;
        idx[i] = 0;
      }
    }
    return [lo, hi, true];
  }
  // Coordinate descent from several starting points (the given values, every key at its first
  // candidate, every key at its last); implications such as DynamicUser= make single-key moves
  // insufficient from some starts.
  const starts: Record<string, readonly string[]>[] = [
    { ...base },
    { ...base, ...Object.fromEntries(g.map((k, i) => [k, cands[i]![0]!])) },
    { ...base, ...Object.fromEntries(g.map((k, i) => [k, cands[i]![cands[i]!.length - 1]!])) },
  ];
  const search = (sign: number): Record<string, readonly string[]> => {
    let bestVals: Record<string, readonly string[]> = starts[0]!;
    let bestV = Infinity;
    for (const start of starts) {
      const vals: Record<string, readonly string[]> = { ...start };
      let cur = sign * objective(vals);
      for (let round = 0; round < 20; round++) {
        let improved = false;
        for (let i = 0; i < g.length; i++) {
          for (const c of cands[i]!) {
            const prev = vals[g[i]!]!;
            vals[g[i]!] = c;
            const v = sign * objective(vals);
            if (v < cur) { cur = v; improved = true; } else vals[g[i]!] = prev;
          }
        }
        if (!improved) break;
      }
      if (cur < bestV) { bestV = cur; bestVals = vals; }
    }
    return pick(bestVals, g);
  };
  return [search(1), search(-1), false];
}

function pick(vals: Record<string, readonly string[]>, g: string[]): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const k of g) out[k] = vals[k]!;
  return out;
}
