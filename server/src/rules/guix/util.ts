import type { Fix } from "../../model/finding";
import type { Range, TextEdit } from "../../model/range";
import type { GuixDetails } from "../../guix/model";
import type { Datum } from "../../guix/sexp";
import type { RuleContext } from "../rule";

export function details(ctx: RuleContext): GuixDetails | undefined {
  const d = ctx.file.details as GuixDetails | undefined;
  return d && "ops" in d ? d : undefined;
}

export function rangeOf(ctx: RuleContext, d: { start: number; end: number }): Range {
  return ctx.document.lineIndex.rangeOf(d.start, d.end);
}

export function textOf(ctx: RuleContext, d: { start: number; end: number }): string {
  return ctx.document.text.slice(d.start, d.end);
}

export function replace(ctx: RuleContext, start: number, end: number, newText: string): TextEdit {
  return { range: ctx.document.lineIndex.rangeOf(start, end), newText };
}

export function insert(ctx: RuleContext, at: number, newText: string): TextEdit {
  return { range: ctx.document.lineIndex.rangeOf(at, at), newText };
}

/** The column (in UTF-16 units) of an offset on its line. */
export function columnOf(ctx: RuleContext, offset: number): number {
  return ctx.document.lineIndex.positionAt(offset).character;
}

/** The whitespace that starts the line holding `offset`. */
export function lineIndent(ctx: RuleContext, offset: number): string {
  const line = ctx.document.lineIndex.positionAt(offset).line;
  const start = ctx.document.lineIndex.lineStart(line);
  return /^[ \t]*/.exec(ctx.document.text.slice(start, start + 200))![0];
}

const EOLS = new WeakMap<object, string>();

/** The file's line break (computed once per text: the getter scans it). */
export function eol(ctx: RuleContext): string {
  const lines = ctx.document.lineIndex;
  let e = EOLS.get(lines);
  if (e === undefined) EOLS.set(lines, (e = lines.eol));
  return e;
}

/**
 * Deletes a form. Alone on its lines: the lines go too. Last in its list (followed by `)`): the
 * whitespace before it goes too, so the closing parentheses move up to the previous form — unless
 * that line ends in a comment, which would swallow them.
 */
export function deleteForm(ctx: RuleContext, form: Datum, withLeadingComments = false): TextEdit {
  const text = ctx.document.text;
  const lines = ctx.document.lineIndex;
  let start = form.start;
  let end = form.end;
  let s = start;
  while (s > 0 && (text[s - 1] === " " || text[s - 1] === "\t")) s--;
  let e = end;
  while (e < text.length && (text[e] === " " || text[e] === "\t")) e++;
  const atLineStart = s === 0 || text[s - 1] === "\n" || text[s - 1] === "\r";
  if (atLineStart && (text.startsWith("\r\n", e) || text[e] === "\n" || text[e] === "\r" || e === text.length)) {
    start = s;
    end = e + (text.startsWith("\r\n", e) ? 2 : e < text.length ? 1 : 0);
    // the comment lines right above it describe it: they go too
    if (withLeadingComments) {
      for (let line = lines.positionAt(start).line - 1; line >= 0; line--) {
        const content = text.slice(lines.lineStart(line), lines.lineEnd(line));
        if (!/^\s*;/.test(content)) break;
        start = lines.lineStart(line);
      }
    }
    // between two blank lines: one of them goes too
    const blankBefore = /(^|\n)[ \t]*\r?\n$/.test(text.slice(Math.max(0, start - 200), start));
    const after = /^[ \t]*\r?\n/.exec(text.slice(end, end + 200));
    if (blankBefore && after) end += after[0].length;
  } else if (text[e] === ";") {
    // a comment follows on the line: it keeps its place, the form and the blanks after it go
    end = e;
  } else if (text[e] === ")") {
    let p = start;
    while (p > 0 && /\s/.test(text[p - 1])) p--;
    const line = lines.positionAt(p).line;
    const before = text.slice(lines.lineStart(line), p);
    if (!before.includes(";") && !before.includes("#|")) start = p;
  }
  return replace(ctx, start, end, "");
}

/** Shifts the lines after the first by `delta` columns (fewer spaces when negative). */
export function reindent(text: string, delta: number, nl: string): string {
  return text
    .split(/\r?\n/)
    .map((line, i) => (i === 0 || delta === 0 ? line : delta > 0 ? " ".repeat(delta) + line : line.replace(new RegExp(`^ {0,${-delta}}`), "")))
    .join(nl);
}

/**
 * A name usable for accounts, store items and log files: accents dropped (é → e), anything else
 * outside [A-Za-z0-9_.-] replaced by "-".
 */
export function asciiName(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\w.-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "") || "service";
}

/** A Scheme string literal. */
export function schemeString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Adds `#:use-module (MODULE)` to define-module when absent (edit after the last #:use-module). */
export function ensureModule(ctx: RuleContext, module: string): TextEdit[] {
  const d = details(ctx);
  const form = d?.moduleForm;
  if (!form) return [];
  const text = textOf(ctx, form);
  if (text.replace(/\s+/g, " ").includes(`(${module})`)) return [];
  let last: Datum | undefined;
  for (let i = 0; i < form.items.length; i++) {
    const item = form.items[i];
    if (item.t === "keyword" && item.value === "use-module" && form.items[i + 1]) last = form.items[i + 1];
  }
  if (!last) {
    const name = form.items[1];
    if (!name) return [];
    return [insert(ctx, name.end, `${eol(ctx)}  #:use-module (${module})`)];
  }
  // the keyword before `last`
  const keyword = form.items[form.items.indexOf(last) - 1];
  return [insert(ctx, last.end, `${eol(ctx)}${" ".repeat(columnOf(ctx, keyword.start))}#:use-module (${module})`)];
}

/** The service (and phase) code at this span runs for, from the innermost region holding it. */
export function serviceAt(d: GuixDetails, span: { start: number; end: number }): { service: string; phase: "activation" | "start" } | undefined {
  return d.regions.find((r) => span.start >= r.start && span.end <= r.end);
}

export function fix(title: string, edits: TextEdit[], preferred = false): Fix {
  return preferred ? { title, edits, preferred } : { title, edits };
}

