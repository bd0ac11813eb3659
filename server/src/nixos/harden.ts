/**
 * The hardening a fix can add to a unit without breaking what the service visibly needs: only
 * directives the unit does not set at all, keeping the address families and capabilities its
 * listening needs, each kept only if it lowers the score.
 */
import { scoreRange, scoreUnit, type ExposureResult, type UnitDirectives } from "../exposure/score";
import type { NixUnit } from "./extract";
import { isKnownServiceDirective, isUnitSectionDirective, suggestDirective } from "./names";
import { fromOptionDefault, unitBoolean } from "./resolve";

export interface HardeningPlan {
  /** Directive name → Nix value text, in the order they will be written. */
  entries: [string, string][];
  before: ExposureResult;
  after: ExposureResult;
}

const nix = {
  bool: (b: boolean) => (b ? "true" : "false"),
  str: (s: string) => JSON.stringify(s),
  list: (xs: string[]) => `[ ${xs.map((x) => JSON.stringify(x)).join(" ")} ]`,
};

/** Whether the unit runs as root as far as can be told (no User, no DynamicUser). */
function runsAsRoot(u: NixUnit): boolean {
  const user = u.directives["User"];
  const dyn = u.directives["DynamicUser"];
  if (dyn && unitBoolean(dyn.value) === true) return false;
  if (!user) return true;
  // a user that depends on an option may well be root (often its default, and the configuration may
  // set root even when the module's default is not): stay root-safe
  if (user.confidence !== "literal" && user.confidence !== "default") return true;
  if (fromOptionDefault(user)) return true;
  return user.value === "root" || user.value === "0";
}

/**
 * The unit's name only matters to the score when DynamicUser would make a user called "root";
 * leaving it out otherwise lets units of the same shape share cached scores and plans.
 */
function scoringName(u: NixUnit): string | undefined {
  return u.score.unit.name === "root" ? "root" : undefined;
}

function withEntries(u: NixUnit, extra: [string, string, string[]][], fixed: Record<string, string[]> = {}): UnitDirectives {
  const unit: UnitDirectives = { service: { ...u.score.unit.service, ...fixed }, unit: u.score.unit.unit, name: scoringName(u) };
  for (const [k, , values] of extra) unit.service[k] = values;
  return unit;
}

/** Plans by everything they depend on: modules repeat units of the same shape, and so do files. */
const PLANS = new Map<string, HardeningPlan | undefined>();

/** The hardening plan for a unit, or undefined when nothing missing would lower its score. */
export function hardeningPlan(u: NixUnit): HardeningPlan | undefined {
  const key = JSON.stringify([
    { ...u.score.unit, name: scoringName(u) },
    u.score.unknownKeys,
    u.score.bestValues,
    u.needs.network,
    u.needs.lowPort,
    u.keys.map((k) => k.name),
    u.anchors.serviceConfig?.taken ?? [],
    Object.keys(u.directives),
    runsAsRoot(u),
    u.directives["AmbientCapabilities"]?.value ?? null,
  ]);
  if (PLANS.has(key)) return PLANS.get(key);
  const plan = computePlan(u);
  if (PLANS.size > 500) PLANS.clear();
  PLANS.set(key, plan);
  return plan;
}

function computePlan(u: NixUnit): HardeningPlan | undefined {
  const root = runsAsRoot(u);
  const needs = u.needs;
  const written = new Set(u.keys.map((k) => k.name));
  // a misspelt key's intended directive would collide once the misspelling is fixed
  for (const k of u.keys) {
    if (isKnownServiceDirective(k.name) || isUnitSectionDirective(k.name)) continue;
    const s = suggestDirective(k.name);
    if (s) written.add(s);
  }
  const missing = (k: string) => !(k in u.directives) && !written.has(k) && !(u.anchors.serviceConfig?.taken.includes(k) ?? false);
  const families = ["AF_UNIX", ...(needs.network ? ["AF_INET", "AF_INET6"] : [])];
  const ambient = u.directives["AmbientCapabilities"];
  const ambientCaps = ambient && ambient.value !== null ? (Array.isArray(ambient.value) ? ambient.value : [ambient.value]).flatMap((x) => x.split(/\s+/)).filter((x) => x && !x.startsWith("~")) : [];
  const caps = [...new Set([...ambientCaps, ...(needs.lowPort ? ["CAP_NET_BIND_SERVICE"] : [])])];
  const writableDeclared = ["StateDirectory", "CacheDirectory", "LogsDirectory", "RuntimeDirectory", "ReadWritePaths"].some((k) => k in u.directives);
  const candidates: [string, string, string[]][] = [];
  const add = (k: string, nixValue: string, unitValues: string[]) => {
    if (missing(k)) candidates.push([k, nixValue, unitValues]);
  };
  const flag = (k: string) => add(k, nix.bool(true), ["true"]);
  if (!root) {
    add("CapabilityBoundingSet", caps.length ? nix.list(caps) : nix.str(""), caps.length ? caps : [""]);
    if (needs.lowPort && !ambientCaps.includes("CAP_NET_BIND_SERVICE") && !("AmbientCapabilities" in u.directives)) {
      add("AmbientCapabilities", nix.list(["CAP_NET_BIND_SERVICE"]), ["CAP_NET_BIND_SERVICE"]);
    }
  }
  flag("NoNewPrivileges");
  flag("PrivateTmp");
  flag("PrivateDevices");
  flag("PrivateMounts");
  if (!root && !needs.lowPort) flag("PrivateUsers");
  const strict = !root || writableDeclared;
  add("ProtectSystem", nix.str(strict ? "strict" : "full"), [strict ? "strict" : "full"]);
  flag("ProtectHome");
  flag("ProtectClock");
  flag("ProtectControlGroups");
  flag("ProtectHostname");
  flag("ProtectKernelLogs");
  flag("ProtectKernelModules");
  flag("ProtectKernelTunables");
  add("ProtectProc", nix.str("invisible"), ["invisible"]);
  add("RestrictAddressFamilies", nix.list(families), [families.join(" ")]);
  flag("RestrictNamespaces");
  flag("RestrictRealtime");
  flag("RestrictSUIDSGID");
  flag("LockPersonality");
  if (!("MemoryDenyWriteExecute" in u.directives)) flag("MemoryDenyWriteExecute");
  if (!root) flag("RemoveIPC");
  add("SystemCallArchitectures", nix.str("native"), ["native"]);
  const filter = root ? ["@system-service"] : ["@system-service", "~@privileged"];
  add("SystemCallFilter", nix.list(filter), filter);
  add("UMask", nix.str("0077"), ["0077"]);
  if (!candidates.length) return undefined;
  const before = u.score.best;
  // judge each directive with the unknown keys fixed at their best-case values (one plain scoring
  // each), keeping only those whose absence would leave some check worse
  const fixed = u.score.bestValues;
  const parts = (r: ExposureResult) => r.checks.reduce((a, c) => a + c.exposurePart, 0);
  const target = scoreUnit(withEntries(u, candidates, fixed));
  if (target.exposure >= before.exposure) return undefined;
  let kept = candidates;
  for (const c of candidates) {
    const trial = kept.filter((x) => x !== c);
    const r = scoreUnit(withEntries(u, trial, fixed));
    if (r.exposure <= target.exposure && parts(r) <= parts(target)) kept = trial;
  }
  if (!kept.length) return undefined;
  const after = u.score.unknownKeys.length ? scoreRange(withEntries(u, kept), u.score.unknownKeys).best : scoreUnit(withEntries(u, kept));
  if (after.exposure >= before.exposure) return undefined;
  return { entries: kept.map(([k, v]) => [k, v]), before, after };
}
