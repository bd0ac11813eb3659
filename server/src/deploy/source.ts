import { resolveString, type ResolveContext } from "../guix/resolve";
import type { Env, TopLevel } from "../guix/scope";
import { type Datum, head, isList, isSymbol, type List, recordFields, unquoted } from "../guix/sexp";

/** A `;; pola: guards NAME…` comment. */
export interface GuardComment {
  start: number;
  end: number;
  names: string[];
}

/** One Guile file as the deploy analysis reads it. */
export interface Source {
  text: string;
  data: Datum[];
  top: TopLevel;
  ctx: ResolveContext;
  /** local-file contents, by the string written in the file. */
  readLocal(name: string): string | undefined;
  guardComments: GuardComment[];
  /** Whether a service-type (by its define name) runs its daemon as root, when this file defines it. */
  rootOf(serviceType: string): boolean | null | undefined;
  module?: string;
}

const GUARDS = /;+[ \t]*pola:[ \t]*guards[ \t]+([^\r\n]*)/g;

/** Every `;; pola: guards a b` comment of a text (a plain scan: comments are not in the tree). */
export function guardComments(text: string): GuardComment[] {
  const result: GuardComment[] = [];
  if (!text.includes("pola:")) return result;
  GUARDS.lastIndex = 0;
  for (let m = GUARDS.exec(text); m; m = GUARDS.exec(text)) {
    // a `;` inside a string is not a comment: check the line has no quote before the semicolon
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    if (text.slice(lineStart, m.index).includes('"')) continue;
    const names = m[1]
      .split(/[\s,]+/)
      .map((n) => n.trim().toLowerCase())
      .filter((n) => n && !n.startsWith(";"));
    if (names.length) result.push({ start: m.index, end: m.index + m[0].length, names });
  }
  return result;
}

/**
 * The guards comments that belong to a form: inside it, or in the comment lines directly above it
 * (only blanks and comments between the comment and the form).
 */
export function commentsOn(src: Source, span: { start: number; end: number }): string[] {
  const names: string[] = [];
  for (const c of src.guardComments) {
    if (c.start >= span.start && c.start < span.end) names.push(...c.names);
    else if (c.end <= span.start && span.start - c.end < 4000 && /^(?:\s|;[^\n]*)*$/.test(src.text.slice(c.end, span.start))) names.push(...c.names);
  }
  return names;
}

/** Follows symbols to the datum they are bound to (lexically, then at top level). */
export function deref(d: Datum | undefined, env: Env, steps = 0): { datum: Datum | undefined; env: Env; names: string[] } {
  const names: string[] = [];
  let cur = d;
  let curEnv = env;
  for (let i = steps; i < 32 && cur && isSymbol(cur); i++) {
    const b = curEnv.lookup(cur.value);
    if (!b || b.kind !== "value") break;
    names.push(cur.value);
    cur = b.datum;
    curEnv = b.env;
  }
  return { datum: cur, env: curEnv, names };
}

/**
 * What an expression evaluates to, statically: symbols followed to their definitions, and calls of
 * the file's own procedures replaced by their last body form, parameters bound to the arguments
 * (`(backend-os "shop")` with `(define (backend-os name) (operating-system (host-name name) …))`).
 */
export function evaluate(d: Datum | undefined, env: Env, top: TopLevel | undefined, steps = 0): { datum: Datum | undefined; env: Env; names: string[] } {
  const names: string[] = [];
  let cur = { datum: d, env };
  for (let i = steps; i < 16; i++) {
    const r = deref(cur.datum, cur.env);
    names.push(...r.names);
    cur = { datum: r.datum, env: r.env };
    const h = head(cur.datum);
    const proc = h && top ? top.procedures.get(h) : undefined;
    if (!proc || !isList(cur.datum) || cur.env.lookup(h!) !== top!.env.lookup(h!)) break;
    const body = proc.body[proc.body.length - 1];
    if (!body || proc.body.some((x) => head(x)?.startsWith("define"))) break;
    const inner = top!.env.child();
    const args = cur.datum.items.slice(1);
    const positional = args.filter((x, k) => x.t !== "keyword" && !(k > 0 && args[k - 1].t === "keyword"));
    const callerEnv = cur.env;
    proc.params.forEach((p, k) => {
      const arg = positional[k];
      inner.set(p, arg ? { kind: "value", datum: arg, env: callerEnv } : { kind: "opaque", why: `${p} is not given` });
    });
    for (const [k, { fallback }] of proc.keywords) {
      const at = args.findIndex((x) => x.t === "keyword" && x.value === k);
      const arg = at >= 0 ? args[at + 1] : fallback;
      inner.set(k, arg ? { kind: "value", datum: arg, env: at >= 0 ? callerEnv : inner } : { kind: "opaque", why: `${k} is not given` });
    }
    cur = { datum: body, env: inner };
  }
  return { ...cur, names };
}

/**
 * A record constructor's fields, with `(inherit other)` followed: fields the form does not give
 * come from the record it inherits from.
 */
export function fieldsOf(form: List, env: Env, top?: TopLevel, depth = 0): Map<string, { field: List; env: Env }> {
  const result = new Map<string, { field: List; env: Env }>();
  for (const [name, field] of recordFields(form)) if (name !== "inherit") result.set(name, { field, env });
  const inherit = recordFields(form).get("inherit");
  if (inherit && depth < 8) {
    const base = evaluate(inherit.items[1], env, top);
    if (isList(base.datum) && head(base.datum) === head(form)) {
      for (const [name, value] of fieldsOf(base.datum, base.env, top, depth + 1)) if (!result.has(name)) result.set(name, value);
    }
  }
  return result;
}

/** A field's value: the datum after the field name, symbols followed. */
export function fieldValue(fields: Map<string, { field: List; env: Env }>, name: string): { datum: Datum | undefined; env: Env } | undefined {
  const f = fields.get(name);
  if (!f) return undefined;
  const r = deref(f.field.items[1], f.env);
  return { datum: r.datum, env: r.env };
}

export function asString(v: { datum: Datum | undefined; env: Env } | undefined, src: Source): string | undefined {
  if (!v?.datum) return undefined;
  const r = resolveString(v.datum, v.env, src.ctx);
  return r.kind === "known" ? r.value : undefined;
}

/** `#t`/`#true` → true, `#f`/`#false` → false, a quoted symbol → its name, a number → number. */
export function asScalar(v: { datum: Datum | undefined; env: Env } | undefined): boolean | string | number | undefined {
  const d = unquoted(v?.datum);
  if (!d) return undefined;
  if (d.t === "boolean") return d.value.startsWith("#t");
  if (d.t === "symbol") return d.value;
  if (d.t === "number") return /^\d+$/.test(d.value) ? Number(d.value) : undefined;
  if (d.t === "string") return d.value;
  return undefined;
}

/** The strings of a list written `'("a" "b")`, `(list "a" "b")` or `` `("a" ,b) ``. */
export function stringList(v: { datum: Datum | undefined; env: Env } | undefined, src: Source): string[] | undefined {
  const list = listItems(v);
  if (!list) return undefined;
  const result: string[] = [];
  for (const item of list.items) {
    const s = resolveString(item, list.env, src.ctx);
    if (s.kind === "known") result.push(s.value);
  }
  return result;
}

/** The elements of a list expression (`(list …)`, `'(…)`, `` `(…) ``), symbols followed; undefined when it is computed. */
export function listItems(v: { datum: Datum | undefined; env: Env } | undefined): { items: Datum[]; env: Env; quoted: boolean } | undefined {
  if (!v?.datum) return undefined;
  let d = v.datum;
  let quoted = false;
  if (d.t === "prefix" && (d.kind === "quote" || d.kind === "quasiquote") && d.value) {
    d = d.value;
    quoted = true;
  }
  if (!isList(d)) return undefined;
  if (quoted) return { items: d.items.map((x) => (x.t === "prefix" && x.kind === "unquote" && x.value ? x.value : x)), env: v.env, quoted };
  if (head(d) === "list") return { items: d.items.slice(1), env: v.env, quoted };
  return undefined;
}
