import { Env, parseParams, readDefine, type TopLevel } from "./scope";
import { type Atom, type Datum, head, isList, isSymbol, type List } from "./sexp";

/** One call form met while walking code, with what is lexically visible there. */
export interface CallSite {
  form: List;
  name: string;
  env: Env;
  /** Inside a gexp (code that runs later, on the target) and not inside an ungexp of it. */
  inGexp: boolean;
  /** The top-level define the call sits in, if any. */
  topDefine?: string;
  /** The list this form is an element of, and its index there (for "followed by" patterns). */
  parent?: List;
  index: number;
}

export interface WalkResult {
  calls: CallSite[];
  /** Procedure name → its call sites (for resolving parameters). */
  callsByName: Map<string, CallSite[]>;
  /** Internal procedure definitions (inside bodies and gexps), by name. */
  localProcedures: Map<string, { params: string[]; body: Datum[]; form: List; env: Env; topDefine?: string; inGexp: boolean }[]>;
}

const LET_FORMS = new Set(["let", "let*", "letrec", "letrec*"]);
const LAMBDA_FORMS = new Set(["lambda", "lambda*"]);
const DEFINE_FORMS = new Set(["define", "define*", "define-public"]);
// real service code nests a few dozen levels; beyond this the file is pathological and the rest is skipped
const MAX_DEPTH = 300;

/**
 * Walks all code of the file once, building lexical environments, and records every call. The
 * analysis afterwards only looks things up; nothing here is quadratic in file size.
 */
export function walkFile(data: readonly Datum[], top: TopLevel): WalkResult {
  const result: WalkResult = { calls: [], callsByName: new Map(), localProcedures: new Map() };

  function record(site: CallSite): void {
    result.calls.push(site);
    let list = result.callsByName.get(site.name);
    if (!list) result.callsByName.set(site.name, (list = []));
    list.push(site);
  }

  function body(items: readonly Datum[], env: Env, inGexp: boolean, topDefine: string | undefined, parent: List | undefined, offset: number, depth: number): void {
    // internal defines are visible to the whole body (letrec* semantics)
    for (const item of items) {
      if (isList(item) && DEFINE_FORMS.has(head(item) ?? "")) {
        const def = readDefine(item);
        if (!def) continue;
        if (def.procedure) {
          env.set(def.name, { kind: "opaque", why: `${def.name} is a procedure` });
          let list = result.localProcedures.get(def.name);
          if (!list) result.localProcedures.set(def.name, (list = []));
          list.push({ params: def.procedure.params, body: def.procedure.body, form: item, env, topDefine, inGexp });
        } else env.set(def.name, { kind: "value", datum: def.value, env });
      }
    }
    items.forEach((item, i) => code(item, env, inGexp, topDefine, parent, offset + i, depth));
  }

  function code(d: Datum, env: Env, inGexp: boolean, topDefine: string | undefined, parent: List | undefined, index: number, depth: number): void {
    if (depth > MAX_DEPTH) return;
    if (d.t === "prefix") {
      if (!d.value) return;
      switch (d.kind) {
        case "quote":
        case "syntax":
          return; // data, not code
        case "quasiquote":
        case "quasisyntax":
          return quasi(d.value, env, inGexp, topDefine, depth + 1);
        case "gexp":
        case "gexp_splicing":
          return code(d.value, env, true, topDefine, undefined, 0, depth + 1);
        case "ungexp":
        case "ungexp_splicing":
        case "ungexp_native":
        case "ungexp_native_splicing":
          return code(d.value, env, false, topDefine, undefined, 0, depth + 1);
        default:
          return code(d.value, env, inGexp, topDefine, undefined, 0, depth + 1);
      }
    }
    if (!isList(d) || d.items.length === 0 || d.vector) return;
    const first = d.items[0];
    const name = isSymbol(first) ? first.value : undefined;
    if (!name) {
      // ((lambda …) args) or a computed operator: walk everything as code
      body(d.items, env, inGexp, topDefine, d, 0, depth + 1);
      return;
    }
    record({ form: d, name, env, inGexp, topDefine, parent, index });
    if (DEFINE_FORMS.has(name)) {
      const target = d.items[1];
      const inner = env.child();
      if (isList(target)) {
        const { params, keywords } = parseParams({ ...target, items: target.items.slice(1) });
        const procName = isSymbol(target.items[0]) ? target.items[0].value : "?";
        bindParams(inner, procName, params, keywords);
        body(d.items.slice(2), inner, inGexp, topDefine ?? procName, d, 2, depth + 1);
      } else {
        const procName = isSymbol(target) ? target.value : "?";
        const value = d.items[2];
        if (isList(value) && LAMBDA_FORMS.has(head(value) ?? "")) {
          const { params, keywords } = parseParams(value.items[1]);
          bindParams(inner, procName, params, keywords);
          body(value.items.slice(2), inner, inGexp, topDefine ?? procName, value, 2, depth + 1);
        } else if (value) code(value, env, inGexp, topDefine ?? procName, d, 2, depth + 1);
      }
      return;
    }
    if (LET_FORMS.has(name)) {
      let at = 1;
      let loopName: string | undefined;
      if (isSymbol(d.items[1])) {
        loopName = (d.items[1] as Atom).value; // named let
        at = 2;
      }
      const bindings = d.items[at];
      const inner = env.child();
      if (isList(bindings)) {
        for (const b of bindings.items) {
          if (!isList(b) || !isSymbol(b.items[0])) continue;
          const value = b.items[1];
          if (value) code(value, name === "let" ? env : inner, inGexp, topDefine, b, 1, depth + 1);
          inner.set((b.items[0] as Atom).value, loopName ? { kind: "opaque", why: "loop variable" } : { kind: "value", datum: value, env: name === "let" ? env : inner });
        }
      }
      if (loopName) inner.set(loopName, { kind: "opaque", why: `${loopName} is a loop` });
      body(d.items.slice(at + 1), inner, inGexp, topDefine, d, at + 1, depth + 1);
      return;
    }
    if (LAMBDA_FORMS.has(name)) {
      const inner = env.child();
      const { params, keywords } = parseParams(d.items[1]);
      for (const p of params) inner.set(p, { kind: "opaque", why: `${p} is a lambda parameter` });
      for (const k of keywords.keys()) inner.set(k, { kind: "opaque", why: `${k} is a lambda parameter` });
      body(d.items.slice(2), inner, inGexp, topDefine, d, 2, depth + 1);
      return;
    }
    if (name === "match-record" || name === "match-record-lambda") {
      // (match-record config <type> (field (field var) …) body…)
      const inner = env.child();
      const record = isSymbol(d.items[2]) ? d.items[2].value : undefined;
      const fields = record ? top.records.get(record) : undefined;
      const names = d.items[3];
      if (isList(names)) {
        for (const n of names.items) {
          const field = isSymbol(n) ? n.value : isList(n) && isSymbol(n.items[0]) ? (n.items[0] as Atom).value : undefined;
          const variable = isSymbol(n) ? n.value : isList(n) && isSymbol(n.items[1]) ? (n.items[1] as Atom).value : field;
          if (!field || !variable) continue;
          const f = fields?.get(field);
          inner.set(variable, f ? { kind: "value", datum: f.defaultValue, env: top.env } : { kind: "opaque", why: `field ${field} of ${record ?? "a record"}` });
        }
      }
      if (d.items[1]) code(d.items[1], env, inGexp, topDefine, d, 1, depth + 1);
      body(d.items.slice(4), inner, inGexp, topDefine, d, 4, depth + 1);
      return;
    }
    if (name === "match" || name === "match-lambda" || name === "match-lambda*") {
      const from = name === "match" ? 2 : 1;
      if (name === "match" && d.items[1]) code(d.items[1], env, inGexp, topDefine, d, 1, depth + 1);
      for (const clause of d.items.slice(from)) {
        if (!isList(clause)) continue;
        const inner = env.child();
        bindPattern(clause.items[0], inner, top);
        body(clause.items.slice(1), inner, inGexp, topDefine, clause, 1, depth + 1);
      }
      return;
    }
    if (name === "quote") return;
    // an ordinary call (or a special form we need not model): its operands are code
    body(d.items.slice(1), env, inGexp, topDefine, d, 1, depth + 1);
  }

  function quasi(d: Datum, env: Env, inGexp: boolean, topDefine: string | undefined, depth: number): void {
    if (depth > MAX_DEPTH) return;
    if (d.t === "prefix" && (d.kind === "unquote" || d.kind === "unquote_splicing" || d.kind === "unsyntax" || d.kind === "unsyntax_splicing")) {
      if (d.value) code(d.value, env, inGexp, topDefine, undefined, 0, depth + 1);
      return;
    }
    if (d.t === "prefix" && d.value) return quasi(d.value, env, inGexp, topDefine, depth + 1);
    if (isList(d)) for (const item of d.items) quasi(item, env, inGexp, topDefine, depth + 1);
  }

  for (const form of data) {
    const h = head(form);
    if (h && isList(form) && (DEFINE_FORMS.has(h) || h === "define*-public")) {
      const def = readDefine(form);
      const proc = def ? top.procedures.get(def.name) : undefined;
      if (def && proc) {
        const inner = top.env.child();
        bindParams(inner, def.name, proc.params, proc.keywords);
        body(proc.body, inner, false, def.name, isList(form.items[2]) && head(form.items[2])?.startsWith("lambda") ? (form.items[2] as List) : form, 2, 1);
      } else if (def?.value) code(def.value, top.env, false, def.name, form, 2, 1);
    } else {
      code(form, top.env, false, undefined, undefined, 0, 0);
    }
  }
  // pre-order in source order already; sorting is cheap insurance for the binary searches below
  result.calls.sort((a, b) => a.form.start - b.form.start);
  return result;
}

/** Index of the first call starting at or after `offset` (calls are sorted by start). */
function firstAt(calls: readonly CallSite[], offset: number): number {
  let low = 0;
  let high = calls.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (calls[mid].form.start < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The calls lying inside a span, in source order, found by binary search (no scan of the file). */
export function callsWithin(walked: WalkResult, span: { start: number; end: number }): CallSite[] {
  const result: CallSite[] = [];
  for (let i = firstAt(walked.calls, span.start); i < walked.calls.length && walked.calls[i].form.start < span.end; i++) {
    if (walked.calls[i].form.end <= span.end) result.push(walked.calls[i]);
  }
  return result;
}

/** The call site of exactly this form, if it is one. */
export function callOf(walked: WalkResult, form: List): CallSite | undefined {
  for (let i = firstAt(walked.calls, form.start); i < walked.calls.length && walked.calls[i].form.start === form.start; i++) {
    if (walked.calls[i].form === form) return walked.calls[i];
  }
  return undefined;
}

/**
 * The calls whose form encloses the span (innermost last), looking back at most `window` characters:
 * enough for the checks that use it, which care about forms close to the span.
 */
export function callsAround(walked: WalkResult, span: { start: number; end: number }, window = 4000): CallSite[] {
  const result: CallSite[] = [];
  for (let i = firstAt(walked.calls, span.start + 1) - 1; i >= 0 && walked.calls[i].form.start >= span.start - window; i--) {
    const c = walked.calls[i];
    if (c.form.end >= span.end && !(c.form.start === span.start && c.form.end === span.end)) result.push(c);
  }
  return result.reverse();
}

function bindParams(env: Env, procedure: string, params: string[], keywords: Map<string, { name: string; fallback?: Datum }>): void {
  params.forEach((p, index) => env.set(p, { kind: "param", procedure, index, env }));
  for (const [k, { fallback }] of keywords) env.set(k, { kind: "param", procedure, index: -1, keyword: k, fallback, env });
}

/**
 * match patterns bind their variables to values pola cannot know, except `($ <record> a b …)` on a
 * define-record-type* / define-configuration of this file: a, b, … are its fields in order, read (as
 * match-record does) as their defaults.
 */
function bindPattern(pattern: Datum | undefined, env: Env, top: TopLevel): void {
  if (!pattern) return;
  if (isSymbol(pattern)) {
    if (pattern.value !== "_" && pattern.value !== "..." && pattern.value !== "else") env.set(pattern.value, { kind: "opaque", why: `${pattern.value} comes from a match pattern` });
    return;
  }
  if (pattern.t === "prefix" && pattern.value) return bindPattern(pattern.value, env, top);
  if (isList(pattern)) {
    const h = head(pattern);
    const items = h === "$" || h === "=" || h === "?" ? pattern.items.slice(2) : pattern.items;
    const record = h === "$" && isSymbol(pattern.items[1]) ? (pattern.items[1] as Atom).value : undefined;
    const fields = record ? [...(top.records.get(record)?.values() ?? [])] : [];
    items.forEach((item, i) => {
      const f = fields[i];
      if (f && isSymbol(item) && item.value !== "_" && item.value !== "...") {
        env.set(item.value, f.defaultValue ? { kind: "value", datum: f.defaultValue, env: top.env } : { kind: "opaque", why: `field ${f.field} of ${record}` });
      } else bindPattern(item, env, top);
    });
  }
}
