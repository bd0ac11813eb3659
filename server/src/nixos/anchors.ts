/**
 * Where a fix can add or remove bindings, computed while the syntax tree is at hand and kept as plain
 * offsets (the model must not hold tree nodes: trees are freed when a document changes).
 *
 * Each attribute set literal is indexed once (its bindings by attrpath prefix), so finding the
 * insertion point of every unit of a module stays linear in the module's size.
 */
import type { Def, UnitAcc } from "./collect";
import {
  bindingAttrs,
  bindingSetOf,
  bindingsOf,
  field,
  indentAt,
  lineEndOf,
  lineStartOf,
  literalText,
  nextLineStart,
  startsLine,
  staticAttrName,
  textOf,
  type Node,
} from "./syntax";

/** A place to add bindings to an attribute set literal. */
export interface InsertPoint {
  /** Where the text goes. */
  offset: number;
  /** "lines": each binding on a new line (`eol + indent + binding`); "inline": ` binding` on the same line. */
  mode: "lines" | "inline";
  indent: string;
  /** One indentation step, for nested blocks. */
  step: string;
  /** Attrpath prefix each binding needs here ("", "serviceConfig.", "systemd.services.foo."). */
  prefix: string;
  /** First attr names (after the prefix) already bound in this set: adding them again would be a Nix error. */
  taken: string[];
  /** The full attrpaths (after the prefix) bound in this set. */
  paths: string[];
}

/** A list literal bound in a set, which a fix can extend. */
export interface ListSite {
  /** Where new elements go (after the last element, or after `[`). */
  offset: number;
  items: string[];
}

export interface UnitAnchors {
  /** Where new [Service] directives go: inside an existing serviceConfig set (prefix "") or beside dotted ones. */
  serviceConfig?: InsertPoint;
  /** Where unit-level options (after, confinement.enable, serviceConfig = {…}) go. */
  unit?: InsertPoint;
  /** Unit-level list options already written as list literals in the unit's set (after, wants, …). */
  unitLists: Record<string, ListSite>;
  /** An existing `confinement = { … }` set of the unit. */
  confinement?: InsertPoint;
}

const INDENT_STEP = "  ";

interface Entry {
  node: Node;
  /** Attr names (static names, or the source text for interpolated ones). */
  segs: string[];
  value?: Node;
}

/** One attribute set literal, its bindings indexed by attrpath. */
class SetIndex {
  readonly entries: Entry[] = [];
  /** Proper prefixes ("a", "a.b" for `a.b.c = …`) → the bindings under them. */
  readonly byPrefix = new Map<string, Entry[]>();
  /** Full attrpaths bound. */
  readonly exact = new Set<string>();
  readonly open?: Node;
  readonly close?: Node;
  /** The first binding that starts its own line (gives the indentation). */
  readonly lined?: Node;

  constructor(source: string, readonly set: Node) {
    for (let i = 0; i < set.childCount; i++) {
      const c = set.child(i)!;
      if (c.type === "{") this.open = c;
      else if (c.type === "}") this.close = c;
    }
    for (const b of bindingsOf(bindingSetOf(set))) {
      if (!this.lined && startsLine(source, b.startIndex)) this.lined = b;
      if (b.type === "binding") {
        const segs = bindingAttrs(b).map((a) => staticAttrName(source, a) ?? textOf(source, a));
        if (!segs.length) continue;
        this.add({ node: b, segs, value: field(b, "expression") ?? undefined });
      } else {
        for (const a of field(b, "attrs")?.childrenForFieldName("attr") ?? []) if (a) this.add({ node: b, segs: [textOf(source, a)] });
      }
    }
  }

  private add(e: Entry): void {
    this.entries.push(e);
    this.exact.add(e.segs.join("."));
    for (let k = 1; k < e.segs.length; k++) {
      const key = e.segs.slice(0, k).join(".");
      const list = this.byPrefix.get(key);
      if (list) list.push(e);
      else this.byPrefix.set(key, [e]);
    }
  }

  /** Bindings whose attrpath extends `prefix` (all of them for the empty prefix). */
  under(prefix: string[]): Entry[] {
    return prefix.length ? (this.byPrefix.get(prefix.join(".")) ?? []) : this.entries;
  }

  /** Whether some binding binds a part of `prefix` whole (`a = …;` blocks adding `a.b.c = …;`). */
  blocks(prefix: string[]): boolean {
    for (let k = 1; k <= prefix.length; k++) if (this.exact.has(prefix.slice(0, k).join("."))) return true;
    return false;
  }
}

/** Anchors for the units of one document; caches one index per attribute set. */
export class AnchorFinder {
  private readonly sets = new Map<number, SetIndex>();

  constructor(readonly source: string) {}

  index(set: Node): SetIndex {
    let idx = this.sets.get(set.id);
    if (!idx) {
      idx = new SetIndex(this.source, set);
      this.sets.set(set.id, idx);
    }
    return idx;
  }

  /**
   * The insertion point of an attrset literal, for bindings under `prefix` (attr names) written as
   * `prefixText` (source spelling, ending in "."). New bindings go after the last binding under the
   * prefix (keeping a dotted block together), or after the last binding.
   */
  insertPoint(attrset: Node, prefix: string[] = [], prefixText = ""): InsertPoint | undefined {
    const source = this.source;
    const idx = this.index(attrset);
    const { open, close } = idx;
    if (!close || !open || close.isMissing) return undefined;
    // `a = <anything>; a.b = …;` is a duplicate-attribute error unless `a` is a literal set (and even
    // then only one level deep): with a dotted prefix, any binding of a part of it blocks the insertion.
    if (prefix.length && idx.blocks(prefix)) return undefined;
    const matching = idx.under(prefix);
    const taken = new Set<string>();
    const paths = new Set<string>();
    for (const e of matching) {
      taken.add(e.segs[prefix.length]!);
      paths.add(e.segs.slice(prefix.length).join("."));
    }
    const openIndent = indentAt(source, open.startIndex);
    const lined = idx.lined;
    const indent = lined ? indentAt(source, lined.startIndex) : openIndent + INDENT_STEP;
    const step = indent.length > openIndent.length && indent.startsWith(openIndent) ? indent.slice(openIndent.length) : INDENT_STEP;
    const last = matching.length ? matching[matching.length - 1]!.node : idx.entries[idx.entries.length - 1]?.node;
    const base = { indent, step, prefix: prefixText, taken: [...taken], paths: [...paths] };
    if (!last) {
      // empty set: `{ }` on one line → inline; otherwise a new line after `{`
      if (lineStartOf(source, close.startIndex) === lineStartOf(source, open.startIndex)) {
        return { ...base, offset: open.endIndex, mode: "inline" };
      }
      return { ...base, offset: restOfLineIsBlank(source, open.endIndex) ? lineEndOf(source, open.endIndex) : open.endIndex, mode: "lines" };
    }
    const end = last.endIndex;
    const lineEnd = lineEndOf(source, end);
    if (!lined || close.startIndex <= lineEnd || !restOfLineIsBlank(source, end)) {
      return { ...base, offset: end, mode: "inline" };
    }
    return { ...base, offset: lineEnd, mode: "lines" };
  }

  /** Names bound beside binding `b` under the same dotted prefix (its first `depth` attrs). */
  siblings(b: Node, depth: number): string[] {
    const set = b.parent?.parent;
    if (!set || (set.type !== "attrset_expression" && set.type !== "rec_attrset_expression" && set.type !== "let_expression")) return [];
    const idx = this.index(set);
    const segs = bindingAttrs(b).map((a) => staticAttrName(this.source, a) ?? textOf(this.source, a));
    return idx.under(segs.slice(0, depth)).map((e) => e.segs[depth]!);
  }

  /** Finds where fixes may insert for one unit. */
  unitAnchors(unit: UnitAcc): UnitAnchors {
    const source = this.source;
    const anchors: UnitAnchors = { unitLists: {} };
    // the unit's own set: prefer a literal definition (`systemd.services.foo = { … }`)
    let unitSet: Node | undefined;
    let prefix: string[] = [];
    let prefixText = "";
    for (const n of unit.names) {
      const lit = unitLiteral(source, n);
      if (lit) {
        unitSet = lit;
        break;
      }
    }
    if (!unitSet) {
      for (const n of unit.names) {
        const sib = this.unitSibling(n);
        if (sib) {
          ({ set: unitSet, prefix, prefixText } = sib);
          break;
        }
      }
    }
    if (unitSet) {
      anchors.unit = this.insertPoint(unitSet, prefix, prefixText);
      if (anchors.unit) {
        for (const e of this.index(unitSet).under(prefix)) {
          if (e.segs.length !== prefix.length + 1 || !e.value) continue;
          const name = e.segs[prefix.length]!;
          if (e.value.type === "list_expression") {
            const elements = e.value.childrenForFieldName("element").filter((x): x is Node => x !== null);
            const lastEl = elements[elements.length - 1];
            const open = e.value.child(0);
            anchors.unitLists[name] = {
              offset: lastEl ? lastEl.endIndex : (open?.endIndex ?? e.value.startIndex + 1),
              items: elements.map((x) => literalText(source, x)?.text ?? textOf(source, x)),
            };
          }
          if (name === "confinement") {
            const lit = attrsetLiteral(source, e.value);
            if (lit) anchors.confinement = this.insertPoint(lit);
          }
        }
      }
    }
    anchors.serviceConfig = this.serviceConfigPoint(unit, unitSet, prefix);
    return anchors;
  }

  /** For a unit named in the middle of a dotted path (`systemd.services.foo.x = …`): the enclosing set and the prefix. */
  private unitSibling(d: { node?: Node; binding?: Node }): { set: Node; prefix: string[]; prefixText: string } | undefined {
    if (!d.node || !d.binding || d.binding.type !== "binding") return undefined;
    const set = d.binding.parent?.parent;
    if (!set || (set.type !== "attrset_expression" && set.type !== "rec_attrset_expression")) return undefined;
    const attrs = bindingAttrs(d.binding);
    const at = attrs.findIndex((a) => a.id === d.node!.id);
    if (at < 0) return undefined;
    const upto = attrs.slice(0, at + 1);
    return {
      set,
      prefix: upto.map((a) => staticAttrName(this.source, a) ?? textOf(this.source, a)),
      prefixText: upto.map((a) => textOf(this.source, a)).join(".") + ".",
    };
  }

  /** The serviceConfig set fixes should add to: the one in the unit's own definition with the most directives. */
  private serviceConfigPoint(unit: UnitAcc, unitSet: Node | undefined, unitPrefix: string[]): InsertPoint | undefined {
    const source = this.source;
    const scores = new Map<string, { count: number; set: Node; prefix: string[]; prefixText: string; first: number }>();
    for (const d of unit.defs) {
      if (d.section !== "serviceConfig" || d.synthetic || !d.binding || d.binding.type !== "binding" || d.conds.length || !isLocal(d)) continue;
      const set = d.binding.parent?.parent;
      if (!set || (set.type !== "attrset_expression" && set.type !== "rec_attrset_expression")) continue;
      const attrs = bindingAttrs(d.binding);
      const keyNode = attrs[attrs.length - 1];
      if (!keyNode || keyNode.id !== d.keyNode?.id) continue;
      const before = attrs.slice(0, -1);
      const id = `${set.id}:${before.map((a) => textOf(source, a)).join(".")}`;
      const entry = scores.get(id);
      if (entry) entry.count++;
      else {
        scores.set(id, {
          count: 1,
          set,
          prefix: before.map((a) => staticAttrName(source, a) ?? textOf(source, a)),
          prefixText: before.length ? before.map((a) => textOf(source, a)).join(".") + "." : "",
          first: d.binding.startIndex,
        });
      }
    }
    let best: { count: number; set: Node; prefix: string[]; prefixText: string; first: number } | undefined;
    for (const e of scores.values()) if (!best || e.count > best.count || (e.count === best.count && e.first < best.first)) best = e;
    if (best) return this.insertPoint(best.set, best.prefix, best.prefixText);
    // an empty `serviceConfig = { };` in the unit's own set
    if (unitSet) {
      for (const e of this.index(unitSet).under(unitPrefix)) {
        if (e.segs.length === unitPrefix.length + 1 && e.segs[unitPrefix.length] === "serviceConfig") {
          const lit = attrsetLiteral(source, e.value ?? null);
          if (lit) return this.insertPoint(lit);
        }
      }
    }
    return undefined;
  }
}

/** Unwraps `( … )`, `let … in`, `with …;`, `mkIf c { … }`, `x // { … }` to an attrset literal. */
function attrsetLiteral(source: string, node: Node | null): Node | undefined {
  for (let i = 0; node && i < 6; i++) {
    if (node.type === "attrset_expression" || node.type === "rec_attrset_expression") return node;
    if (node.type === "parenthesized_expression" || node.type === "let_expression" || node.type === "with_expression") {
      node = field(node, node.type === "parenthesized_expression" ? "expression" : "body");
      continue;
    }
    if (node.type === "apply_expression") {
      const fn = field(node, "function");
      const head = fn?.type === "apply_expression" ? field(fn, "function") : null;
      const name = head ? textOf(source, head) : "";
      if (/(^|\.)mkIf$/.test(name)) {
        node = field(node, "argument");
        continue;
      }
    }
    if (node.type === "binary_expression") {
      const op = field(node, "operator");
      if (op && textOf(source, op) === "//") {
        node = field(node, "right");
        continue;
      }
    }
    return undefined;
  }
  return undefined;
}

/** Whether only blanks or a comment follow `offset` on its line. */
function restOfLineIsBlank(source: string, offset: number): boolean {
  const rest = source.slice(offset, lineEndOf(source, offset));
  return /^\s*(#.*)?$/.test(rest);
}

/** Text that adds `bindings` (each a full `path = value;`) at an insertion point. */
export function insertionText(point: InsertPoint, bindings: string[], eol: string): string {
  if (point.mode === "inline") return bindings.map((b) => ` ${b}`).join("");
  return bindings.map((b) => `${eol}${point.indent}${b}`).join("");
}

/** The range that removes a binding: its whole line(s) when it stands alone, else just it and the blanks after it. */
export function deletionRange(source: string, binding: Node): { start: number; end: number } {
  if (startsLine(source, binding.startIndex) && restOfLineIsBlank(source, binding.endIndex)) {
    return { start: lineStartOf(source, binding.startIndex), end: nextLineStart(source, binding.endIndex) };
  }
  let end = binding.endIndex;
  while (end < source.length && (source[end] === " " || source[end] === "\t")) end++;
  return { start: binding.startIndex, end };
}

/** The attrset literal that defines the unit directly (`systemd.services.foo = { … }`), when there is one. */
function unitLiteral(source: string, d: { node?: Node; binding?: Node }): Node | undefined {
  if (!d.node || !d.binding || d.binding.type !== "binding") return undefined;
  const attrs = bindingAttrs(d.binding);
  if (!attrs.length || attrs[attrs.length - 1]!.id !== d.node.id) return undefined;
  return attrsetLiteral(source, field(d.binding, "expression"));
}

/** Whether a definition is written inside the unit's own definition (not in a shared let-bound set). */
export function isLocal(d: Def): boolean {
  if (!d.binding || !d.unitBinding) return false;
  return d.binding.startIndex >= d.unitBinding.startIndex && d.binding.endIndex <= d.unitBinding.endIndex;
}
