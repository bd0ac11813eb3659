/**
 * Small helpers over the tree-sitter-nix syntax tree: fields, attribute names, string literals.
 * Nothing here evaluates anything; see eval.ts for that.
 */
import type { Node } from "web-tree-sitter";

export type { Node };

/** The source text of a node (offsets are UTF-16 code units into the JS string). */
export function textOf(source: string, node: Node): string {
  return source.slice(node.startIndex, node.endIndex);
}

/** Whitespace-collapsed, shortened source text, for naming an expression in a message. */
export function exprText(source: string, node: Node, max = 80): string {
  const t = textOf(source, node).replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function field(node: Node, name: string): Node | null {
  return node.childForFieldName(name);
}

/** Named children, without comments. */
export function namedKids(node: Node): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < node.namedChildCount; i++) {
    const c = node.namedChild(i);
    if (c && c.type !== "comment") out.push(c);
  }
  return out;
}

/** The attr nodes of an attrpath (`a.b."c"` → three nodes). */
export function attrsOfPath(attrpath: Node): Node[] {
  return attrpath.childrenForFieldName("attr").filter((n): n is Node => n !== null);
}

/** A binding's attr nodes (empty for inherit and malformed bindings). */
export function bindingAttrs(binding: Node): Node[] {
  const path = field(binding, "attrpath");
  return path ? attrsOfPath(path) : [];
}

/** The `binding`, `inherit` and `inherit_from` children of a binding_set. */
export function bindingsOf(bindingSet: Node | null): Node[] {
  if (!bindingSet) return [];
  return namedKids(bindingSet).filter((n) => n.type === "binding" || n.type === "inherit" || n.type === "inherit_from");
}

/** The binding_set of an attrset/rec attrset/let expression (null when empty). */
export function bindingSetOf(node: Node): Node | null {
  for (const c of namedKids(node)) if (c.type === "binding_set") return c;
  return null;
}

/** One piece of a string literal: literal text, or an interpolated expression. */
export type RawPart = { lit: string } | { interp: Node };

function decodeEscape(raw: string, indented: boolean): string {
  if (indented) {
    // '''  → ''    ''\n → newline   ''\t, ''\r   ''\x → x
    if (raw === "'''") return "''";
    if (raw.startsWith("''\\")) {
      const c = raw.slice(3);
      return c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c;
    }
    return raw;
  }
  if (raw.startsWith("\\")) {
    const c = raw.slice(1);
    return c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c;
  }
  return raw;
}

/**
 * The pieces of a `"…"` or `''…''` string, escapes decoded, with Nix's indentation stripping applied
 * to indented strings.
 */
export function stringParts(source: string, node: Node): RawPart[] {
  const indented = node.type === "indented_string_expression";
  type Tok = { kind: "text"; s: string } | { kind: "esc"; s: string } | { kind: "interp"; node: Node };
  const toks: Tok[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i)!;
    switch (c.type) {
      case "string_fragment":
        toks.push({ kind: "text", s: textOf(source, c) });
        break;
      case "escape_sequence":
        toks.push({ kind: "esc", s: decodeEscape(textOf(source, c), indented) });
        break;
      case "dollar_escape":
        break; // the `\` of `\$` or the `''` of `''$`; the `$` follows as a fragment
      case "interpolation": {
        const e = field(c, "expression");
        if (e) toks.push({ kind: "interp", node: e });
        break;
      }
      default:
        break;
    }
  }
  if (!indented) return merge(toks.map((t) => (t.kind === "interp" ? { interp: t.node } : { lit: t.s })));
  return merge(stripIndentation(toks));
}

function merge(parts: RawPart[]): RawPart[] {
  const out: RawPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if ("lit" in p && last && "lit" in last) last.lit += p.lit;
    else if (!("lit" in p && p.lit === "")) out.push("lit" in p ? { lit: p.lit } : p);
  }
  return out;
}

type IndTok = { kind: "text"; s: string } | { kind: "esc"; s: string } | { kind: "interp"; node: Node };

/** Nix's rule for `''` strings: drop the smallest indentation of the non-blank lines, the first line if blank, trailing spaces of the last line. */
function stripIndentation(toks: IndTok[]): RawPart[] {
  let min = Infinity;
  let atStart = true;
  let cur = 0;
  for (const t of toks) {
    if (t.kind === "text") {
      for (const ch of t.s) {
        if (atStart) {
          if (ch === " ") cur++;
          else if (ch === "\n") cur = 0;
          else {
            atStart = false;
            min = Math.min(min, cur);
          }
        } else if (ch === "\n") {
          atStart = true;
          cur = 0;
        }
      }
    } else if (atStart) {
      atStart = false;
      min = Math.min(min, cur);
    }
  }
  if (min === Infinity) min = 0;
  const out: RawPart[] = [];
  atStart = true;
  let skipped = 0;
  for (const t of toks) {
    if (t.kind === "text") {
      let s = "";
      for (const ch of t.s) {
        if (atStart && ch === " " && skipped < min) {
          skipped++;
          continue;
        }
        if (ch === "\n") {
          atStart = true;
          skipped = 0;
        } else atStart = false;
        s += ch;
      }
      out.push({ lit: s });
    } else {
      atStart = false;
      out.push(t.kind === "esc" ? { lit: t.s } : { interp: t.node });
    }
  }
  // first line blank → dropped; last line only spaces → dropped
  const first = out[0];
  if (first && "lit" in first) {
    const m = /^ *\n/.exec(first.lit);
    if (m) first.lit = first.lit.slice(m[0].length);
  }
  const last = out[out.length - 1];
  if (last && "lit" in last) {
    const m = /\n *$/.exec(last.lit);
    if (m) last.lit = last.lit.slice(0, last.lit.length - m[0].length + 1);
    else if (out.length === 1 && /^ *$/.test(last.lit)) last.lit = "";
  }
  return out;
}

/** The name an attr node spells statically (identifier, or a string without interpolation). */
export function staticAttrName(source: string, attr: Node): string | undefined {
  if (attr.type === "identifier") return textOf(source, attr);
  if (attr.type === "string_expression") {
    const parts = stringParts(source, attr);
    if (parts.every((p) => "lit" in p)) return parts.map((p) => (p as { lit: string }).lit).join("");
  }
  return undefined;
}

/** Text of a string literal with interpolations shown as `${…}` source text (no evaluation). */
export function literalText(source: string, node: Node): { text: string; interpolated: boolean } | undefined {
  for (let i = 0; node.type === "parenthesized_expression"; i++) {
    const inner = field(node, "expression");
    if (!inner || i > 50) return undefined;
    node = inner;
  }
  if (node.type !== "string_expression" && node.type !== "indented_string_expression") return undefined;
  let interpolated = false;
  const text = stringParts(source, node)
    .map((p) => {
      if ("lit" in p) return p.lit;
      interpolated = true;
      return "${" + exprText(source, p.interp, 200) + "}";
    })
    .join("");
  return { text, interpolated };
}

/** Whether only whitespace precedes `offset` on its line. */
export function startsLine(source: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** Offset of the start of the line containing `offset`. */
export function lineStartOf(source: string, offset: number): number {
  let i = offset;
  while (i > 0) {
    const c = source.charCodeAt(i - 1);
    if (c === 10 || c === 13) break;
    i--;
  }
  return i;
}

/** Offset of the end of the line containing `offset` (before its line break). */
export function lineEndOf(source: string, offset: number): number {
  let i = offset;
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 13) break;
    i++;
  }
  return i;
}

/** Offset just after the line break ending the line containing `offset` (or the text's end). */
export function nextLineStart(source: string, offset: number): number {
  let i = lineEndOf(source, offset);
  if (source.charCodeAt(i) === 13) i++;
  if (source.charCodeAt(i) === 10) i++;
  return i;
}

/** The indentation (leading blanks) of the line containing `offset`. */
export function indentAt(source: string, offset: number): string {
  const start = lineStartOf(source, offset);
  let i = start;
  while (i < source.length && (source[i] === " " || source[i] === "\t")) i++;
  return source.slice(start, i);
}
