/** systemd directive names: what systemd knows, near misses, and where [Unit] options go in NixOS. */
import { KNOWN_SERVICE_DIRECTIVES, UNIT_SECTION_DIRECTIVES } from "../exposure/score";
import { INSTALL_DIRECTIVES } from "../exposure/directives";

/**
 * [Service] directives added after systemd 252 (the version pola scores for). NixOS ships newer
 * systemd (256 and later), where these are real directives: they must not be reported as misspellings.
 */
export const NEWER_SERVICE_DIRECTIVES: ReadonlySet<string> = new Set([
  // 253
  "OpenFile", "ReloadSignal", "LogFilterPatterns", "MemoryZSwapMax", "StartupMemoryLow", "StartupMemoryHigh",
  "StartupMemoryMax", "StartupMemorySwapMax", "StartupMemoryZSwapMax",
  // 254
  "RestartSteps", "RestartMaxDelaySec", "RestartMode", "MemoryPressureWatch", "MemoryPressureThresholdSec",
  "ImportCredential", "RootEphemeral", "MemoryKSM", "NFTSet", "DelegateSubgroup", "RootImagePolicy",
  "MountImagePolicy", "ExtensionImagePolicy",
  // 255–257
  "SetLoginEnvironment", "CoredumpReceive", "MemoryZSwapWriteback", "PrivatePIDs", "BindLogSockets",
  "ManagedOOMMemoryPressureDurationSec",
]);

export function isKnownServiceDirective(name: string): boolean {
  return KNOWN_SERVICE_DIRECTIVES.has(name) || NEWER_SERVICE_DIRECTIVES.has(name) || name.startsWith("X-");
}

/** A [Unit] or [Install] option that systemd does not also accept in [Service]. */
export function isUnitSectionDirective(name: string): boolean {
  return UNIT_SECTION_DIRECTIVES.has(name) && !KNOWN_SERVICE_DIRECTIVES.has(name) && !NEWER_SERVICE_DIRECTIVES.has(name);
}

export function isInstallDirective(name: string): boolean {
  return INSTALL_DIRECTIVES.has(name);
}

/** Levenshtein distance, with an early exit above `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The real [Service] directive a misspelt name most likely meant, or undefined when none is close. */
const suggestions = new Map<string, string | undefined>();

export function suggestDirective(name: string): string | undefined {
  if (suggestions.has(name)) return suggestions.get(name);
  const s = computeSuggestion(name);
  if (suggestions.size > 1000) suggestions.clear();
  suggestions.set(name, s);
  return s;
}

const ALL_SERVICE_DIRECTIVES = [...KNOWN_SERVICE_DIRECTIVES, ...NEWER_SERVICE_DIRECTIVES];

function computeSuggestion(name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const k of ALL_SERVICE_DIRECTIVES) if (k.toLowerCase() === lower) return k;
  const max = Math.max(2, Math.floor(name.length / 4));
  let best: string | undefined;
  let bestD = max + 1;
  for (const k of ALL_SERVICE_DIRECTIVES) {
    const d = editDistance(lower, k.toLowerCase(), bestD);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

/** Where a [Unit]/[Install] directive goes in a NixOS unit: a dedicated option, or unitConfig. */
export interface UnitOptionTarget {
  option: string;
  list: boolean;
}

const UNIT_OPTIONS: Readonly<Record<string, UnitOptionTarget>> = {
  After: { option: "after", list: true },
  Before: { option: "before", list: true },
  Wants: { option: "wants", list: true },
  Requires: { option: "requires", list: true },
  Requisite: { option: "requisite", list: true },
  BindsTo: { option: "bindsTo", list: true },
  PartOf: { option: "partOf", list: true },
  Conflicts: { option: "conflicts", list: true },
  Upholds: { option: "upholds", list: true },
  OnFailure: { option: "onFailure", list: true },
  OnSuccess: { option: "onSuccess", list: true },
  WantedBy: { option: "wantedBy", list: true },
  RequiredBy: { option: "requiredBy", list: true },
  Alias: { option: "aliases", list: true },
  Documentation: { option: "documentation", list: true },
  Description: { option: "description", list: false },
};

/** The NixOS option for a [Unit]/[Install] directive; undefined for [Install] ones NixOS has no option for. */
export function unitOptionFor(name: string): UnitOptionTarget | undefined {
  const t = UNIT_OPTIONS[name];
  if (t) return t;
  if (isInstallDirective(name)) return undefined;
  return { option: `unitConfig.${name}`, list: false };
}
