import { conditional, known, unknown, type Value } from "../model/value";
import type { Binding, Env, Procedure, TopLevel } from "./scope";
import { type Datum, head, isList, isSymbol, type List } from "./sexp";
import type { WalkResult } from "./walk";

/** Stand-in for a store path: read-only, never below a service's directory. */
export const STORE = "/gnu/store/…";

export interface ResolveContext {
  top: TopLevel;
  walk: WalkResult;
  text: string;
  /** Parameters being resolved right now (recursion guard for recursive helpers). */
  active?: Set<unknown>;
}

const MAX_STEPS = 64;

function source(ctx: ResolveContext, d: Datum): string {
  const s = ctx.text.slice(d.start, d.end);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * The string a path expression evaluates to, statically: literals, string-append, in-vicinity,
 * let bindings, top-level defines, configuration-record defaults, parameters through call sites,
 * ungexp of any of these. Anything else is "unknown", with the expression named.
 */
export function resolveString(d: Datum | undefined, env: Env, ctx: ResolveContext, steps = 0): Value<string> {
  if (!d) return unknown("missing");
  if (steps > MAX_STEPS) return unknown("too deep to resolve");
  switch (d.t) {
    case "string":
      return known(d.value);
    case "symbol":
      return resolveSymbol(d.value, env, ctx, steps + 1);
    case "prefix":
      if (d.kind.startsWith("ungexp") || d.kind === "unquote") return resolveString(d.value, env, ctx, steps + 1);
      if (d.kind === "quote" && d.value?.t === "symbol") return known(d.value.value);
      return unknown(`cannot read ${source(ctx, d)}`);
    case "list":
      return resolveCall(d, env, ctx, steps + 1);
    default:
      return unknown(`${source(ctx, d)} is not a string`);
  }
}

function resolveSymbol(name: string, env: Env, ctx: ResolveContext, steps: number): Value<string> {
  const b = env.lookup(name);
  if (!b) return unknown(`depends on ${name}`);
  if (b.kind === "value") return b.datum ? resolveString(b.datum, b.env, ctx, steps) : unknown(`${name} has no value`);
  if (b.kind === "opaque") return unknown(b.why);
  // a parameter: every call site's argument
  ctx.active ??= new Set();
  if (ctx.active.has(b)) return unknown(`${name} is a parameter of the recursive ${b.procedure}`);
  ctx.active.add(b);
  try {
    return resolveParam(name, b, ctx, steps);
  } finally {
    ctx.active.delete(b);
  }
}

function resolveParam(name: string, b: Extract<Binding, { kind: "param" }>, ctx: ResolveContext, steps: number): Value<string> {
  const sites = (ctx.walk.callsByName.get(b.procedure) ?? []).slice(0, 32);
  const values: { when: string; value: string }[] = [];
  for (const site of sites) {
    let arg: Datum | undefined;
    if (b.keyword) {
      const i = site.form.items.findIndex((x) => x.t === "keyword" && x.value === b.keyword);
      arg = i >= 0 ? site.form.items[i + 1] : b.fallback;
    } else arg = site.form.items[b.index + 1];
    if (!arg) continue;
    const v = resolveString(arg, site.env, ctx, steps);
    if (v.kind !== "known") return unknown(`${name} depends on a call of ${b.procedure}: ${v.kind === "unknown" ? v.why : "conditional"}`);
    if (!values.some((x) => x.value === v.value)) values.push({ when: `${b.procedure} is called with it`, value: v.value });
  }
  if (values.length === 0) return b.fallback ? resolveString(b.fallback, b.env, ctx, steps) : unknown(`${name} is a parameter of ${b.procedure}`);
  if (values.length === 1) return known(values[0].value);
  return conditional(values);
}

function concat(parts: Value<string>[]): Value<string> {
  let acc = "";
  for (const p of parts) {
    if (p.kind !== "known") return p.kind === "unknown" ? unknown(p.why) : unknown("one part is conditional");
    acc += p.value;
  }
  return known(acc);
}

function resolveCall(d: List, env: Env, ctx: ResolveContext, steps: number): Value<string> {
  const h = head(d);
  if (!h) return unknown(`cannot read ${source(ctx, d)}`);
  const args = d.items.slice(1);
  switch (h) {
    case "string-append":
    case "string-append/shared":
      return concat(args.map((a) => resolveString(a, env, ctx, steps)));
    case "in-vicinity": {
      const [dir, name] = args.map((a) => resolveString(a, env, ctx, steps));
      if (!dir || !name) return unknown("in-vicinity needs two arguments");
      if (dir.kind === "known" && name.kind === "known") return known(dir.value.endsWith("/") ? dir.value + name.value : `${dir.value}/${name.value}`);
      return concat([dir, known("/"), name]);
    }
    case "file-append":
    case "local-file":
    case "plain-file":
    case "mixed-text-file":
    case "computed-file":
    case "program-file":
    case "scheme-file":
    case "serialize-configuration":
      return known(STORE);
    case "symbol->string":
    case "string->symbol":
      return resolveString(args[0], env, ctx, steps);
    case "symbol-append":
      return concat(args.map((a) => resolveString(a, env, ctx, steps)));
    case "let":
    case "let*":
    case "letrec":
    case "letrec*":
      return resolveLet(d, h, env, ctx, steps);
    case "match-record":
      return resolveMatchRecord(d, env, ctx, steps);
    case "string-join":
    case "format":
    case "passwd:dir":
    case "getenv":
      return unknown(`${source(ctx, d)} is computed at run time`);
  }
  const field = ctx.top.accessors.get(h);
  if (field) {
    if (!field.defaultValue) return unknown(`${field.field} has no default`);
    const v = resolveString(field.defaultValue, ctx.top.env, ctx, steps);
    return v.kind === "known" ? known(v.value) : v;
  }
  const proc = ctx.top.procedures.get(h);
  if (proc && env.lookup(h) === ctx.top.env.lookup(h)) return resolveInline(d, proc, env, ctx, steps);
  return unknown(`depends on ${source(ctx, d)}`);
}

/**
 * A call of a top-level procedure of the file, evaluated by substitution: its parameters are bound
 * to the call's arguments (in the caller's environment) and its last body form is resolved.
 * `(define (foo-log-file config) (in-vicinity (foo-configuration-log-directory config) "foo.log"))`.
 */
function resolveInline(call: List, proc: Procedure, env: Env, ctx: ResolveContext, steps: number): Value<string> {
  const body = proc.body[proc.body.length - 1];
  if (!body || proc.body.some((x) => head(x)?.startsWith("define"))) return unknown(`depends on ${source(ctx, call)}`);
  const inner = ctx.top.env.child();
  const args = call.items.slice(1);
  const positional = args.filter((x, i) => x.t !== "keyword" && !(i > 0 && args[i - 1].t === "keyword"));
  proc.params.forEach((p, i) => {
    const arg = positional[i];
    inner.set(p, arg ? { kind: "value", datum: arg, env } : { kind: "opaque", why: `${p} is not given to ${proc.name}` });
  });
  for (const [k, { fallback }] of proc.keywords) {
    const i = args.findIndex((x) => x.t === "keyword" && x.value === k);
    const arg = i >= 0 ? args[i + 1] : undefined;
    inner.set(k, arg ? { kind: "value", datum: arg, env } : fallback ? { kind: "value", datum: fallback, env: inner } : { kind: "opaque", why: `${k} is not given to ${proc.name}` });
  }
  return resolveString(body, inner, ctx, steps + 1);
}

/** `(let ((a x) …) … body)`: the last body form with the bindings visible. */
function resolveLet(d: List, h: string, env: Env, ctx: ResolveContext, steps: number): Value<string> {
  if (isSymbol(d.items[1])) return unknown(`${source(ctx, d)} is a loop`);
  const bindings = d.items[1];
  const inner = env.child();
  if (isList(bindings)) {
    for (const b of bindings.items) {
      if (isList(b) && isSymbol(b.items[0])) inner.set(b.items[0].value, { kind: "value", datum: b.items[1], env: h === "let" ? env : inner });
    }
  }
  return resolveString(d.items[d.items.length - 1], inner, ctx, steps + 1);
}

/** `(match-record config <type> (field (field var) …) body…)`: fields are their record defaults. */
function resolveMatchRecord(d: List, env: Env, ctx: ResolveContext, steps: number): Value<string> {
  const record = isSymbol(d.items[2]) ? d.items[2].value : undefined;
  const fields = record ? ctx.top.records.get(record) : undefined;
  const inner = env.child();
  const names = d.items[3];
  if (isList(names)) {
    for (const n of names.items) {
      const field = isSymbol(n) ? n.value : isList(n) && isSymbol(n.items[0]) ? n.items[0].value : undefined;
      const variable = isSymbol(n) ? n.value : isList(n) && isSymbol(n.items[1]) ? n.items[1].value : field;
      if (!field || !variable) continue;
      const f = fields?.get(field);
      inner.set(variable, f ? { kind: "value", datum: f.defaultValue, env: ctx.top.env } : { kind: "opaque", why: `field ${field} of ${record ?? "a record"}` });
    }
  }
  return resolveString(d.items[d.items.length - 1], inner, ctx, steps + 1);
}

/**
 * The account a uid/passwd expression names: `(getpwnam "foo")`, `(passwd:uid pw)` with pw bound to
 * it, `(user-account-uid …)`; "root" for 0. undefined when not known.
 */
export function resolveAccount(d: Datum | undefined, env: Env, ctx: ResolveContext, steps = 0): string | undefined {
  if (!d || steps > MAX_STEPS) return undefined;
  if (d.t === "number") return d.value === "0" ? "root" : undefined;
  if (d.t === "prefix" && d.value) return resolveAccount(d.value, env, ctx, steps + 1);
  if (d.t === "symbol") {
    const b = env.lookup(d.value);
    if (b?.kind === "value") return resolveAccount(b.datum, b.env, ctx, steps + 1);
    return undefined;
  }
  if (!isList(d)) return undefined;
  const h = head(d);
  if (h === "getpwnam" || h === "getgrnam" || h === "getpw" || h === "getgr") {
    const v = resolveString(d.items[1], env, ctx, steps + 1);
    return v.kind === "known" ? v.value : undefined;
  }
  if (h === "passwd:uid" || h === "passwd:gid" || h === "group:gid" || h === "car" || h === "cdr") return resolveAccount(d.items[1], env, ctx, steps + 1);
  if (h === "user-account-uid" || h === "user-group-id") return undefined;
  return undefined;
}


export function isSymbolNamed(d: Datum | undefined, ...names: string[]): boolean {
  return isSymbol(d) && names.includes(d.value);
}
