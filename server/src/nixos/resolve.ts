/**
 * Turns a unit's collected definitions into directives as NixOS would write them in the unit file,
 * each with a confidence: literal, default (mkDefault or lower priority: another module can override
 * it), conditional (depends on a condition, named), or unknown (depends on an expression, named).
 */
import { condsText, Lazy, NORMAL_PRIORITY, strText, toListAV, type AV, type Cond, type Evaluator } from "./eval";
import type { Def, Section, UnitAcc } from "./collect";

/** A value as written in a unit file: one assignment, or a list (repeated assignments). */
export type UnitValue = string | string[];

export type Confidence = "literal" | "default" | "conditional" | "unknown";

export interface Case {
  when: string;
  value: UnitValue | null;
}

/** Where one definition was written (UTF-16 offsets into the document). */
export interface Site {
  keyStart: number;
  keyEnd: number;
  valueStart?: number;
  valueEnd?: number;
  bindingStart?: number;
  bindingEnd?: number;
  /** Extra conditions of this definition (beyond the unit's own). */
  when?: string;
  prio: number;
  synthetic?: boolean;
}

export interface Resolved {
  name: string;
  /** The value when known; for conditional values the first case's; null = not set. */
  value: UnitValue | null;
  confidence: Confidence;
  /** unknown: the expression(s) it depends on; conditional: the condition(s). */
  why?: string;
  cases?: Case[];
  /** Priority of the winning definition (100 normal, 1000 mkDefault, 50 mkForce). */
  priority: number;
  source: "file" | "confinement" | "file+confinement";
  sites: Site[];
}

interface Rendered {
  /** With every conditional list item. */
  full: UnitValue | null;
  /** Without the conditional list items (undefined when there are none). */
  base?: UnitValue | null;
  itemConds: Cond[];
  unknowns: string[];
  /** The module's option defaults the value was read from (`option services.foo.user (default "foo")`). */
  defaults?: string[];
}

/** Nesting and branching beyond these is summarised as unknown (keeps adversarial input bounded). */
const MAX_DEPTH = 100;
const MAX_ALTERNATIVES = 64;

interface Alt {
  conds: Cond[];
  prio: number;
  r: Rendered;
  def: Def;
}

/** Renders a value the way NixOS's systemd-lib writes it: true/false, decimal, lists as repeated lines. */
export function render(ev: Evaluator, av: AV, depth = 0): Rendered {
  if (depth > MAX_DEPTH) return { full: "${…}", itemConds: [], unknowns: ["a value nested too deeply"] };
  switch (av.t) {
    case "str": {
      const s = strText(av.parts);
      return { full: s.text, itemConds: [], unknowns: s.unknowns };
    }
    case "int":
    case "float":
      return { full: String(av.v), itemConds: [], unknowns: [] };
    case "bool":
      return { full: av.v ? "true" : "false", itemConds: [], unknowns: [] };
    case "null":
    case "absent":
      return { full: null, itemConds: [], unknowns: [] };
    case "path":
      return { full: "${" + av.text + "}", itemConds: [], unknowns: [`${av.text} (a path copied to the store)`] };
    case "list": {
      const full: string[] = [];
      const base: string[] = [];
      const itemConds: Cond[] = [];
      const unknowns: string[] = [...av.opaque];
      const defaults: string[] = [];
      for (const it of av.items) {
        if (full.length > 20_000) {
          unknowns.push("a list too long to follow");
          break;
        }
        const r = render(ev, it.lazy.get(), depth + 1);
        unknowns.push(...r.unknowns);
        if (r.defaults) defaults.push(...r.defaults);
        itemConds.push(...it.when, ...r.itemConds);
        const vals = r.full === null ? [] : Array.isArray(r.full) ? r.full : [r.full];
        const baseVals = r.base === undefined ? vals : r.base === null ? [] : Array.isArray(r.base) ? r.base : [r.base];
        full.push(...vals);
        if (it.when.length === 0) base.push(...baseVals);
      }
      const out: Rendered = itemConds.length ? { full, base, itemConds, unknowns } : { full, itemConds, unknowns };
      if (defaults.length) out.defaults = defaults;
      return out;
    }
    case "optdef": {
      const r = render(ev, av.value, depth + 1);
      return { ...r, defaults: [av.note, ...(r.defaults ?? [])] };
    }
    case "unknown":
      return { full: "${" + av.why + "}", itemConds: [], unknowns: [av.why] };
    case "cond": {
      // a conditional inside a value (e.g. a list element): show the `then` side, depend on the condition
      const a = render(ev, av.then.get(), depth + 1);
      return { full: a.full, itemConds: [av.cond, ...a.itemConds], unknowns: a.unknowns, base: a.full === null ? null : undefined, defaults: a.defaults };
    }
    default:
      return { full: "${…}", itemConds: [], unknowns: [describeAV(av)] };
  }
}

function describeAV(av: AV): string {
  switch (av.t) {
    case "attrs":
      return "an attribute set";
    case "lambda":
    case "builtin":
      return "a function";
    default:
      return av.t;
  }
}

/** Expands value-level wrappers (`X = mkDefault …`, `X = mkIf c …`, `X = if c then … else …`). */
function expand(ev: Evaluator, av: AV, conds: Cond[], prio: number, def: Def, out: Alt[], depth = 0): void {
  if (depth > MAX_DEPTH || out.length > MAX_ALTERNATIVES) {
    out.push({ conds, prio, r: { full: "${…}", itemConds: [], unknowns: ["a value nested too deeply"] }, def });
    return;
  }
  switch (av.t) {
    case "mkIf":
      expand(ev, av.body.get(), [...conds, av.cond], prio, def, out, depth + 1);
      return;
    case "override":
      expand(ev, av.body.get(), conds, av.prio, def, out, depth + 1);
      return;
    case "cond":
      if (isScalarish(av.then.get()) && isScalarish(av.else.get())) {
        expand(ev, av.then.get(), [...conds, av.cond], prio, def, out, depth + 1);
        expand(ev, av.else.get(), [...conds, { text: av.cond.text, negated: !av.cond.negated }], prio, def, out, depth + 1);
        return;
      }
      out.push({ conds, prio, r: render(ev, av), def });
      return;
    case "merge": {
      const l = toListAV(ev, av.list.get());
      for (const it of l.items) expand(ev, it.lazy.get(), [...conds, ...it.when], prio, def, out, depth + 1);
      return;
    }
    case "absent":
      return;
    default:
      out.push({ conds, prio, r: render(ev, av), def });
  }
}

function isScalarish(av: AV): boolean {
  return av.t !== "attrs";
}

function asList(v: UnitValue | null): string[] {
  return v === null ? [] : Array.isArray(v) ? v : [v];
}

/** NixOS merges a unit option's definitions: lists (and anything beside a list) concatenate; scalars must agree. */
function mergeValues(values: (UnitValue | null)[]): UnitValue | null {
  const present = values.filter((v): v is UnitValue => v !== null);
  if (present.length === 0) return null;
  if (present.some(Array.isArray)) return present.flatMap(asList);
  return present[present.length - 1]!;
}

function sameValue(a: UnitValue | null, b: UnitValue | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function siteOf(def: Def): Site {
  const k = def.keyNode ?? def.valueNode;
  const site: Site = {
    keyStart: k?.startIndex ?? 0,
    keyEnd: k?.endIndex ?? 0,
    prio: def.prio,
  };
  if (def.valueNode) {
    site.valueStart = def.valueNode.startIndex;
    site.valueEnd = def.valueNode.endIndex;
  }
  if (def.binding) {
    site.bindingStart = def.binding.startIndex;
    site.bindingEnd = def.binding.endIndex;
  }
  if (def.conds.length) site.when = condsText(def.conds);
  if (def.synthetic) site.synthetic = true;
  return site;
}

/** Resolves one option from its definitions; undefined when nothing defines it (or every definition is mkIf false). */
export function resolveDefs(ev: Evaluator, name: string, defs: readonly Def[]): Resolved | undefined {
  const alts: Alt[] = [];
  for (const d of defs) expand(ev, d.lazy.get(), d.conds, d.prio, d, alts);
  if (alts.length === 0) return undefined;
  const uncond = alts.filter((a) => a.conds.length === 0);
  const pU = uncond.length ? Math.min(...uncond.map((a) => a.prio)) : Infinity;
  const winners = uncond.filter((a) => a.prio === pU);
  const relevant = alts.filter((a) => a.conds.length > 0 && a.prio <= pU);
  const defsUsed = new Set<Def>([...winners, ...relevant].map((a) => a.def));
  const sites = defs.filter((d) => defsUsed.has(d)).map(siteOf);
  const synthetic = [...defsUsed].some((d) => d.synthetic);
  const written = [...defsUsed].some((d) => !d.synthetic);
  const source: Resolved["source"] = synthetic && written ? "file+confinement" : synthetic ? "confinement" : "file";
  const unknowns = [...winners, ...relevant].flatMap((a) => a.r.unknowns);
  // read from the module's own option defaults: what NixOS writes unless the configuration sets the option
  const defaults = unique([...winners, ...relevant].flatMap((a) => a.r.defaults ?? []));
  const priority = Number.isFinite(pU) ? pU : Math.min(...relevant.map((a) => a.prio));

  if (relevant.length === 0) {
    const full = mergeValues(winners.map((a) => a.r.full));
    const itemConds = winners.flatMap((a) => a.r.itemConds);
    if (unknowns.length) {
      return { name, value: full, confidence: "unknown", why: unique(unknowns).join(", "), priority, source, sites };
    }
    if (itemConds.length) {
      const base = mergeValues(winners.map((a) => (a.r.base === undefined ? a.r.full : a.r.base)));
      const when = condsText(dedupe(itemConds));
      return {
        name,
        value: full,
        confidence: "conditional",
        why: when,
        cases: [
          { when, value: full },
          { when: "otherwise", value: base },
        ],
        priority,
        source,
        sites,
      };
    }
    if (defaults.length) return { name, value: full, confidence: "default", why: defaults.join(", "), priority, source, sites };
    return { name, value: full, confidence: pU > NORMAL_PRIORITY ? "default" : "literal", priority, source, sites };
  }

  const baseValue = winners.length ? mergeValues(winners.map((a) => a.r.full)) : null;
  const cases: Case[] = [];
  for (const a of relevant) {
    const value = a.prio < pU || !winners.length ? a.r.full : mergeValues([baseValue, a.r.full]);
    cases.push({ when: condsText(a.conds), value });
  }
  // `if c then a else b` covers every case: no "otherwise"
  const single = relevant.filter((a) => a.conds.length === 1).map((a) => a.conds[0]!);
  const exhaustive = !winners.length && single.some((c) => single.some((d) => d.text === c.text && d.negated !== c.negated));
  if (!exhaustive) cases.push({ when: "otherwise", value: baseValue });
  // collapse cases that all give the same value (e.g. both branches of an `if` agree)
  if (cases.every((c) => sameValue(c.value, cases[0]!.value)) && !unknowns.length) {
    if (defaults.length) return { name, value: cases[0]!.value, confidence: "default", why: defaults.join(", "), priority, source, sites };
    return { name, value: cases[0]!.value, confidence: priority > NORMAL_PRIORITY ? "default" : "literal", priority, source, sites };
  }
  const first = cases.find((c) => c.value !== null)?.value ?? null;
  const why = unique(relevant.map((a) => condsText(a.conds))).join("; ");
  if (unknowns.length) return { name, value: first, confidence: "unknown", why: unique(unknowns).join(", "), cases, priority, source, sites };
  return { name, value: first, confidence: "conditional", why, cases, priority, source, sites };
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function dedupe(cs: Cond[]): Cond[] {
  const out: Cond[] = [];
  for (const c of cs) if (!out.some((x) => x.text === c.text && x.negated === c.negated)) out.push(c);
  return out;
}

/** Groups a unit's definitions by section and key (patterned keys are left out). */
export function defsBySection(unit: UnitAcc, section: Section): Map<string, Def[]> {
  const m = new Map<string, Def[]>();
  for (const d of unit.defs) {
    if (d.section !== section || d.keyPattern) continue;
    const list = m.get(d.key);
    if (list) list.push(d);
    else m.set(d.key, [d]);
  }
  return m;
}

/** A definition pola adds on the unit's behalf (confinement's settings), placed at `at`. */
export function syntheticDef(key: string, av: AV, prio: number, conds: Cond[], at: Def | undefined): Def {
  return {
    section: "serviceConfig",
    key,
    keyPattern: false,
    lazy: Lazy.of(av),
    conds,
    prio,
    keyNode: at?.keyNode,
    valueNode: at?.valueNode,
    binding: at?.binding,
    synthetic: true,
  };
}

/** The value is the default of an option the module declares (`User = cfg.user;`): the configuration may set another. */
export function fromOptionDefault(r: Resolved | undefined): boolean {
  return r?.confidence === "default" && (r.why?.startsWith("option ") ?? false);
}

/** The boolean a resolved value spells (systemd's spellings), or undefined. */
export function unitBoolean(v: UnitValue | null | undefined): boolean | undefined {
  if (v === null || v === undefined) return undefined;
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  if (s === undefined) return undefined;
  const l = s.toLowerCase();
  if (["1", "yes", "y", "true", "t", "on"].includes(l)) return true;
  if (["0", "no", "n", "false", "f", "off"].includes(l)) return false;
  return undefined;
}
