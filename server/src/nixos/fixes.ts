/**
 * Text edits for NixOS fixes: add directives to a unit's serviceConfig (in the style it already uses),
 * add unit-level options, extend a list, remove or rename a binding. Every edit is minimal, keeps the
 * file's indentation and line endings, and never adds a key the set already binds (a Nix error).
 */
import type { TextEdit } from "../model/range";
import type { SourceDocument } from "../parsing/document";
import { insertionText, type InsertPoint } from "./anchors";
import type { KeySite, NixUnit } from "./extract";

/** A Nix string literal for `s`. */
export function nixString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${").replace(/\n/g, "\\n")}"`;
}

export function nixList(items: string[]): string {
  return items.length ? `[ ${items.map(nixString).join(" ")} ]` : "[ ]";
}

function edit(document: SourceDocument, start: number, end: number, newText: string): TextEdit {
  return { range: document.lineIndex.rangeOf(start, end), newText };
}

function firstAttr(path: string): string {
  return path.split(".")[0]!;
}

/** Bindings `Name = value;` to add to the unit's [Service] directives; undefined when there is no safe place. */
export function addDirectives(document: SourceDocument, unit: NixUnit, entries: [string, string][]): TextEdit[] | undefined {
  const eol = document.lineIndex.eol;
  const sc = unit.anchors.serviceConfig;
  if (sc) {
    const fresh = entries.filter(([k]) => !sc.taken.includes(k));
    if (!fresh.length) return undefined;
    const text = insertionText(sc, fresh.map(([k, v]) => `${sc.prefix}${k} = ${v};`), eol);
    return [edit(document, sc.offset, sc.offset, text)];
  }
  const u = unit.anchors.unit;
  if (!u || u.taken.includes("serviceConfig")) return undefined;
  return [edit(document, u.offset, u.offset, blockText(u, `${u.prefix}serviceConfig`, entries, eol))];
}

/** A new `path = { k = v; … };` block at an insertion point. */
function blockText(p: InsertPoint, path: string, entries: [string, string][], eol: string): string {
  if (p.mode === "inline") return ` ${path} = { ${entries.map(([k, v]) => `${k} = ${v};`).join(" ")} };`;
  const inner = entries.map(([k, v]) => `${eol}${p.indent}${p.step}${k} = ${v};`).join("");
  return `${eol}${p.indent}${path} = {${inner}${eol}${p.indent}};`;
}

/** Adds a unit-level option (`confinement.enable = true;`, `after = [ … ];`); undefined when it cannot be added cleanly. */
export function addUnitOption(document: SourceDocument, unit: NixUnit, path: string, value: string): TextEdit[] | undefined {
  const eol = document.lineIndex.eol;
  const [head, ...rest] = path.split(".");
  if (head === "confinement" && rest.length && unit.anchors.confinement) {
    const c = unit.anchors.confinement;
    if (c.taken.includes(rest[0]!)) return undefined;
    return [edit(document, c.offset, c.offset, insertionText(c, [`${rest.join(".")} = ${value};`], eol))];
  }
  const u = unit.anchors.unit;
  if (!u || !canAdd(u, path)) return undefined;
  return [edit(document, u.offset, u.offset, insertionText(u, [`${u.prefix}${path} = ${value};`], eol))];
}

/**
 * Whether `path` can be bound in the set without a duplicate-attribute error: a dotted `a.b` may sit
 * beside other dotted `a.c` bindings, but not beside `a = …` (unless that is a literal set, which
 * Nix merges — we do not rely on it) nor another `a.b`.
 */
export function canAdd(p: InsertPoint, path: string): boolean {
  const head = firstAttr(path);
  if (!p.taken.includes(head)) return true;
  if (!path.includes(".")) return false;
  return !p.paths.some((x) => x === head || x === path || path.startsWith(x + ".") || x.startsWith(path + "."));
}

/** Replaces the value of a written definition. */
export function replaceValue(document: SourceDocument, site: { valueStart?: number; valueEnd?: number }, value: string): TextEdit[] | undefined {
  if (site.valueStart === undefined || site.valueEnd === undefined) return undefined;
  return [edit(document, site.valueStart, site.valueEnd, value)];
}

/** Removes a binding (its whole line when it stands alone). */
export function removeBinding(document: SourceDocument, site: KeySite): TextEdit[] | undefined {
  if (site.deleteStart === undefined || site.deleteEnd === undefined) return undefined;
  return [edit(document, site.deleteStart, site.deleteEnd, "")];
}

/** Renames a key in place (keeping quotes if it was quoted). */
export function renameKey(document: SourceDocument, site: KeySite, name: string): TextEdit[] {
  const quoted = document.text.charAt(site.start) === '"';
  return [edit(document, site.start, site.end, quoted ? nixString(name) : name)];
}

/**
 * Removes a binding from serviceConfig and adds `binding` (a full `path = value;`) at the unit level,
 * or extends an existing list literal with `listItems`. One edit when the two would touch.
 */
export function moveToUnit(
  document: SourceDocument,
  unit: NixUnit,
  site: KeySite,
  add: { path: string; value: string } | { list: string; items: string[] },
): TextEdit[] | undefined {
  if (site.deleteStart === undefined || site.deleteEnd === undefined) return undefined;
  const source = document.text;
  const eol = document.lineIndex.eol;
  const del = { start: site.deleteStart, end: site.deleteEnd };
  let insertAt: number;
  let text: string;
  let point: InsertPoint | undefined;
  if ("list" in add) {
    const l = unit.anchors.unitLists[add.list];
    if (!l) return undefined;
    const norm = (s: string) => s.replace(/\s+/g, " ").trim();
    const fresh = add.items.filter((i) => !l.items.some((x) => norm(x) === norm(i) || nixString(x) === norm(i)));
    if (!fresh.length) return [edit(document, del.start, del.end, "")];
    insertAt = l.offset;
    text = fresh.map((i) => ` ${i}`).join("");
  } else {
    point = unit.anchors.unit;
    if (!point || !canAdd(point, add.path)) return undefined;
    insertAt = point.offset;
    text = insertionText(point, [`${point.prefix}${add.path} = ${add.value};`], eol);
  }
  if (insertAt >= del.start && insertAt <= del.end) {
    // the insertion point is the line being removed: put the new binding in its place
    if (!point) return undefined;
    const binding = `${point.prefix}${"path" in add ? add.path : ""} = ${"value" in add ? add.value : ""};`;
    const wholeLines = del.end > del.start && /[\r\n]$/.test(source.slice(del.start, del.end));
    return [edit(document, del.start, del.end, wholeLines ? `${point.indent}${binding}${eol}` : `${binding} `)];
  }
  return [edit(document, del.start, del.end, ""), edit(document, insertAt, insertAt, text)];
}
