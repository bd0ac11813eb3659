import type { Range } from "./range";

/**
 * A value known statically, known up to a condition, or unknown. Used everywhere instead of a guess:
 * an analysis that cannot tell says so, and says why.
 */
export type Value<T> =
  | { kind: "known"; value: T; at?: Range }
  | { kind: "conditional"; cases: { when: string; value: T }[]; at?: Range }
  | { kind: "unknown"; why: string; at?: Range };

export function known<T>(value: T, at?: Range): Value<T> {
  return at ? { kind: "known", value, at } : { kind: "known", value };
}

export function unknown<T>(why: string, at?: Range): Value<T> {
  return at ? { kind: "unknown", why, at } : { kind: "unknown", why };
}

export function conditional<T>(cases: { when: string; value: T }[], at?: Range): Value<T> {
  return at ? { kind: "conditional", cases, at } : { kind: "conditional", cases };
}

/** The value when it is known, otherwise undefined. */
export function knownValue<T>(v: Value<T> | undefined): T | undefined {
  return v && v.kind === "known" ? v.value : undefined;
}

/** Every value the Value can take (one for known, each case for conditional, none for unknown). */
export function possibleValues<T>(v: Value<T>): T[] {
  if (v.kind === "known") return [v.value];
  if (v.kind === "conditional") return v.cases.map((c) => c.value);
  return [];
}
