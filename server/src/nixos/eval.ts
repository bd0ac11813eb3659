/**
 * A small static evaluator for the Nix that NixOS modules are written in. It never runs Nix: it reads
 * the syntax tree and computes what it can (literals, attribute sets, lists, `let`, `rec`, `with`,
 * `//`, `++`, string interpolation, lambdas defined in the file) and keeps what it cannot as an
 * "unknown" naming the expression as written. The module system's wrappers (mkIf, mkMerge,
 * mkOverride and friends, optionalAttrs, `if`) stay visible as values so that the collector can turn
 * them into conditions and priorities.
 *
 * Everything is lazy (like Nix): a binding is evaluated only when something asks for it, once.
 * A step budget and a call-depth limit keep the work bounded on any input.
 */
import {
  attrsOfPath,
  bindingAttrs,
  bindingSetOf,
  bindingsOf,
  exprText,
  field,
  namedKids,
  stringParts,
  textOf,
  type Node,
} from "./syntax";

/** A condition as written (`cfg.enable`), possibly negated (the `else` of an `if`). */
export interface Cond {
  text: string;
  negated: boolean;
}

export function negate(c: Cond): Cond {
  return { text: c.text, negated: !c.negated };
}

export function condText(c: Cond): string {
  if (!c.negated) return c.text;
  return /^[\w.'"-]+$/.test(c.text) ? `!${c.text}` : `!(${c.text})`;
}

export function condsText(cs: readonly Cond[]): string {
  if (cs.length < 2) return cs.map(condText).join(" && ");
  // `||` and `->` bind looser than `&&` (and if/let/with/assert reach to the end): keep each condition's own meaning
  return cs.map((c) => (!c.negated && /\|\||->|^(?:if|let|with|assert)\b/.test(c.text) ? `(${c.text})` : condText(c))).join(" && ");
}

export function sameCond(a: Cond, b: Cond): boolean {
  return a.text === b.text && a.negated === b.negated;
}

/** A value computed on demand, once. Re-entrance (a value defined in terms of itself) gives unknown. */
export class Lazy {
  private value: AV | undefined;
  private busy = false;
  constructor(
    private fn: (() => AV) | null,
    value?: AV,
    readonly node?: Node,
  ) {
    this.value = value;
  }
  static of(av: AV, node?: Node): Lazy {
    return new Lazy(null, av, node);
  }
  get(): AV {
    if (this.value) return this.value;
    if (this.busy) return { t: "unknown", why: "a value defined in terms of itself" };
    this.busy = true;
    try {
      this.value = this.fn ? this.fn() : { t: "unknown", why: "no value" };
    } finally {
      this.busy = false;
      this.fn = null;
    }
    return this.value;
  }
}

/** One definition of an attribute inside an attribute set literal (dotted paths give several). */
export interface Contribution {
  lazy: Lazy;
  /** The attr node naming this key where it was written. */
  keyNode?: Node;
  /** The binding (or inherit) it was written in. */
  binding?: Node;
  /** The value expression, when written directly (`key = <valueNode>;`). */
  valueNode?: Node;
  /** For `a.b = …`: the implicit set `a` stands for. */
  implicit?: AttrsAV;
  /** Conditions under which this contribution applies (from `x // optionalAttrs c {…}`). */
  when?: Cond[];
}

export interface AttrsAV {
  t: "attrs";
  fields: Map<string, Contribution[]>;
  /** Keys whose names are only known as a pattern (`"foo-${name}"`), by pattern text. */
  dyn: Map<string, Contribution[]>;
  /** Unknown sets merged in (`cfg.extraConfig // {…}`): any key may come from them. */
  opaque: string[];
  node?: Node;
}

export interface ListItem {
  lazy: Lazy;
  when: Cond[];
}

export interface ListAV {
  t: "list";
  items: ListItem[];
  /** Unknown lists concatenated in. */
  opaque: string[];
}

export type StrPart = string | { expr: string };

export type AV =
  | AttrsAV
  | ListAV
  | { t: "str"; parts: StrPart[] }
  | { t: "int"; v: number }
  | { t: "float"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "null" }
  | { t: "path"; text: string }
  | { t: "lambda"; node: Node; env: Env }
  | { t: "builtin"; name: string; args: Arg[] }
  | { t: "mkIf"; cond: Cond; body: Lazy }
  | { t: "override"; prio: number; body: Lazy }
  | { t: "merge"; list: Lazy }
  | { t: "cond"; cond: Cond; then: Lazy; else: Lazy }
  | { t: "absent" }
  /** The module's own option read through `config`, standing for its declared literal default (overridable). */
  | { t: "optdef"; option: string; value: AV; note: string; text: string }
  | { t: "unknown"; why: string };

export interface Arg {
  lazy: Lazy;
  node?: Node;
}

export function unknownAV(why: string): AV {
  return { t: "unknown", why };
}

export function emptyAttrs(node?: Node): AttrsAV {
  return { t: "attrs", fields: new Map(), dyn: new Map(), opaque: [], node };
}

export function strAV(s: string): AV {
  return { t: "str", parts: [s] };
}

/** A string's text with unknown parts shown as `${…}`, and whether it is fully known. */
export function strText(parts: readonly StrPart[]): { text: string; known: boolean; unknowns: string[] } {
  let text = "";
  const unknowns: string[] = [];
  for (const p of parts) {
    if (typeof p === "string") text += p;
    else {
      text += "${" + p.expr + "}";
      unknowns.push(p.expr);
    }
  }
  return { text, known: unknowns.length === 0, unknowns };
}

/** A lexical scope: `let`/function arguments (vars), a `rec` set or let block (rec), or a `with` (withScope). */
export class Env {
  constructor(
    readonly parent: Env | null,
    readonly vars: Map<string, Lazy> | null,
    readonly rec: AttrsAV | null,
    readonly withScope: Lazy | null,
  ) {}
}

/** Nix's global constants and functions that are in scope without `builtins.`. */
const GLOBALS = new Set(["map", "toString", "import", "baseNameOf", "dirOf", "isNull", "removeAttrs", "throw", "abort", "derivation"]);

/** Functions the evaluator understands, with their arity. */
export const BUILTIN_ARITY: Readonly<Record<string, number>> = {
  mkIf: 2, mkMerge: 1, mkDefault: 1, mkForce: 1, mkOverride: 2, mkOptionDefault: 1, mkVMOverride: 1,
  mkImageMediaOverride: 1, mkBefore: 1, mkAfter: 1, mkOrder: 2, mkRenamedOptionModule: 2,
  optionalAttrs: 2, optionals: 2, optional: 2, optionalString: 2,
  toString: 1, concatStringsSep: 2, concatStrings: 1, escapeShellArg: 1, escapeShellArgs: 1, getExe: 1, "getExe'": 2,
  makeBinPath: 1, nameValuePair: 2, listToAttrs: 1, "mapAttrs'": 2, mapAttrs: 2, genAttrs: 2, mapAttrsToList: 2,
  map: 2, concatMap: 2, concatMapAttrs: 2, recursiveUpdate: 2, filterAttrs: 2, flatten: 1, concatLists: 1,
  singleton: 1, toList: 1, writeText: 2, toFile: 2, writeTextFile: 1, writeShellScript: 2, writeScript: 2,
  writeShellScriptBin: 2, writeShellApplication: 1, mkEnableOption: 1, mkOption: 1, mkPackageOption: 3,
  elem: 2, hasAttr: 2, attrValues: 1, attrNames: 1, head: 1, length: 1, import: 1, isNull: 1,
};

const OVERRIDE_PRIORITY: Readonly<Record<string, number>> = {
  mkDefault: 1000,
  mkForce: 50,
  mkOptionDefault: 1500,
  mkVMOverride: 10,
  mkImageMediaOverride: 60,
};

/** Normal definitions have priority 100; mkDefault 1000; mkForce 50 (lower wins). */
export const NORMAL_PRIORITY = 100;

const MAX_CALL_DEPTH = 24;
const MAX_NESTING = 400;
/** Lists and strings built by `++`/`+` beyond these sizes are cut off (`a1 = a0 ++ a0; a2 = a1 ++ a1; …`). */
const MAX_LIST_ITEMS = 20_000;
const MAX_STRING_LENGTH = 1 << 20;

export class Evaluator {
  private steps = 0;
  private callDepth = 0;
  private nesting = 0;

  constructor(
    readonly source: string,
    private readonly maxSteps = 400_000,
  ) {}

  text(node: Node): string {
    return exprText(this.source, node);
  }

  /** Counts work done outside `eval` (copying sets and lists) against the budget. */
  charge(n: number): void {
    this.steps += n;
  }

  get exhausted(): boolean {
    return this.steps > this.maxSteps;
  }

  lazy(node: Node, env: Env): Lazy {
    return new Lazy(() => this.eval(node, env), undefined, node);
  }

  eval(node: Node, env: Env): AV {
    if (++this.steps > this.maxSteps) return unknownAV("analysis budget exceeded");
    if (this.nesting > MAX_NESTING) return unknownAV(this.text(node));
    this.nesting++;
    try {
      return this.evalNode(node, env);
    } finally {
      this.nesting--;
    }
  }

  private evalNode(node: Node, env: Env): AV {
    switch (node.type) {
      case "source_code": {
        const e = field(node, "expression") ?? namedKids(node)[0];
        return e ? this.eval(e, env) : { t: "null" };
      }
      case "parenthesized_expression": {
        const e = field(node, "expression");
        return e ? this.eval(e, env) : unknownAV(this.text(node));
      }
      case "integer_expression":
        return { t: "int", v: Number.parseInt(textOf(this.source, node), 10) };
      case "float_expression":
        return { t: "float", v: Number.parseFloat(textOf(this.source, node)) };
      case "string_expression":
      case "indented_string_expression":
        return this.evalString(node, env);
      case "path_expression":
      case "hpath_expression":
      case "spath_expression":
        return { t: "path", text: textOf(this.source, node) };
      case "uri_expression":
        return strAV(textOf(this.source, node));
      case "variable_expression": {
        const name = field(node, "name");
        if (!name) return unknownAV(this.text(node));
        const v = this.lookup(textOf(this.source, name), env).get();
        return v.t === "optdef" ? { ...v, text: this.text(node) } : v;
      }
      case "select_expression":
        return this.evalSelect(node, env);
      case "unary_expression":
        return this.evalUnary(node, env);
      case "binary_expression":
        return this.evalBinary(node, env);
      case "if_expression": {
        const c = field(node, "condition");
        const a = field(node, "consequence");
        const b = field(node, "alternative");
        if (!c || !a || !b) return unknownAV(this.text(node));
        const cond = this.condOf(this.eval(c, env), c);
        if (cond === true) return this.eval(a, env);
        if (cond === false) return this.eval(b, env);
        return { t: "cond", cond, then: this.lazy(a, env), else: this.lazy(b, env) };
      }
      case "let_expression": {
        const body = field(node, "body");
        if (!body) return unknownAV(this.text(node));
        const { scope } = this.buildAttrs(bindingSetOf(node), env, true, node);
        return this.eval(body, scope);
      }
      case "with_expression": {
        const envNode = field(node, "environment");
        const body = field(node, "body");
        if (!envNode || !body) return unknownAV(this.text(node));
        return this.eval(body, new Env(env, null, null, this.lazy(envNode, env)));
      }
      case "assert_expression": {
        const body = field(node, "body");
        return body ? this.eval(body, env) : unknownAV(this.text(node));
      }
      case "function_expression":
        return { t: "lambda", node, env };
      case "apply_expression": {
        const f = field(node, "function");
        const a = field(node, "argument");
        if (!f || !a) return unknownAV(this.text(node));
        return this.apply(this.eval(f, env), { lazy: this.lazy(a, env), node: a }, node);
      }
      case "attrset_expression":
        return this.buildAttrs(bindingSetOf(node), env, false, node).attrs;
      case "rec_attrset_expression":
        return this.buildAttrs(bindingSetOf(node), env, true, node).attrs;
      case "list_expression": {
        const items: ListItem[] = [];
        for (const c of node.childrenForFieldName("element")) if (c) items.push({ lazy: this.lazy(c, env), when: [] });
        return { t: "list", items, opaque: [] };
      }
      default:
        return unknownAV(this.text(node));
    }
  }

  /** A condition's value: a boolean when known, otherwise the condition as written. */
  condOf(av: AV, node: Node | undefined): boolean | Cond {
    if (av.t === "bool") return av.v;
    while (node && node.type === "parenthesized_expression") node = field(node, "expression") ?? undefined;
    return { text: node ? this.text(node) : av.t === "unknown" ? av.why : av.t === "optdef" ? av.text : "?", negated: false };
  }

  // ------------------------------------------------------------------------------------------
  // Strings

  private evalString(node: Node, env: Env): AV {
    const parts: StrPart[] = [];
    for (const p of stringParts(this.source, node)) {
      if ("lit" in p) parts.push(p.lit);
      else parts.push(...this.coerceToParts(this.eval(p.interp, env), p.interp));
    }
    return { t: "str", parts: mergeParts(parts) };
  }

  /** What `"${x}"` contributes: the string when known, otherwise the expression as written. */
  coerceToParts(av: AV, node: Node | undefined, why?: string): StrPart[] {
    if (av.t === "str") return av.parts;
    const name = node ? this.text(node) : (why ?? (av.t === "unknown" ? av.why : "?"));
    return [{ expr: name }];
  }

  // ------------------------------------------------------------------------------------------
  // Attribute sets

  /** Builds the set of a binding_set; for `rec` and `let`, also the scope its bindings see. */
  buildAttrs(bindingSet: Node | null, env: Env, rec: boolean, node?: Node): { attrs: AttrsAV; scope: Env } {
    const attrs = emptyAttrs(node);
    const scope = rec ? new Env(env, null, attrs, null) : env;
    for (const b of bindingsOf(bindingSet)) {
      if (b.type === "binding") {
        const attrNodes = bindingAttrs(b);
        const expr = field(b, "expression");
        if (!expr || attrNodes.length === 0 || attrNodes.some((a) => a.isMissing)) continue;
        this.insertPath(attrs, attrNodes, this.lazy(expr, scope), b, expr, scope);
      } else if (b.type === "inherit") {
        for (const a of inheritedAttrs(b)) {
          const name = this.staticName(a);
          if (name === undefined) continue;
          // `inherit x;` reads x from the enclosing scope, even in a rec set
          addContribution(attrs.fields, name, { lazy: new Lazy(() => this.lookup(name, env).get(), undefined, a), keyNode: a, binding: b, valueNode: a });
        }
      } else if (b.type === "inherit_from") {
        const from = field(b, "expression");
        if (!from) continue;
        const src = this.lazy(from, scope);
        for (const a of inheritedAttrs(b)) {
          const name = this.staticName(a);
          if (name === undefined) continue;
          addContribution(attrs.fields, name, {
            lazy: new Lazy(() => this.selectName(src.get(), name, a), undefined, a),
            keyNode: a,
            binding: b,
            valueNode: a,
          });
        }
      }
    }
    return { attrs, scope };
  }

  private staticName(attr: Node): string | undefined {
    const k = this.attrKey(attr, new Env(null, null, null, null));
    return "name" in k ? k.name : undefined;
  }

  private insertPath(attrs: AttrsAV, attrNodes: Node[], value: Lazy, binding: Node, valueNode: Node, env: Env): void {
    let cur = attrs;
    for (let i = 0; i < attrNodes.length; i++) {
      const key = this.attrKey(attrNodes[i]!, env);
      const map = "name" in key ? cur.fields : cur.dyn;
      const k = "name" in key ? key.name : key.pattern;
      if (i === attrNodes.length - 1) {
        addContribution(map, k, { lazy: value, keyNode: attrNodes[i], binding, valueNode });
        return;
      }
      // each binding gets its own implicit chain (merged when read), so every definition keeps the
      // binding it was written in
      const next = emptyAttrs();
      addContribution(map, k, { lazy: Lazy.of(next), keyNode: attrNodes[i], binding, implicit: next });
      cur = next;
    }
  }

  /** The key an attr spells: a name, or a pattern when it interpolates something unknown. */
  attrKey(attr: Node, env: Env): { name: string } | { pattern: string } {
    if (attr.type === "identifier") return { name: textOf(this.source, attr) };
    if (attr.type === "string_expression") {
      const av = this.evalString(attr, env) as { t: "str"; parts: StrPart[] };
      const s = strText(av.parts);
      return s.known ? { name: s.text } : { pattern: s.text };
    }
    if (attr.type === "interpolation") {
      const e = field(attr, "expression");
      if (!e) return { pattern: "${?}" };
      const av = this.eval(e, env);
      if (av.t === "str") {
        const s = strText(av.parts);
        if (s.known) return { name: s.text };
      }
      return { pattern: "${" + this.text(e) + "}" };
    }
    return { pattern: textOf(this.source, attr) };
  }

  /** The value of a set's key: one definition, or several merged (`a = {…}; a.b = …;`). */
  fieldLazy(contribs: readonly Contribution[]): Lazy {
    if (contribs.length === 1 && !contribs[0]!.when) return contribs[0]!.lazy;
    return new Lazy(() => this.mergeContributions(contribs));
  }

  private mergeContributions(contribs: readonly Contribution[]): AV {
    let acc: AV | undefined;
    for (const c of contribs) {
      if (c.when && c.when.length > 0) {
        const prev = acc ?? { t: "absent" };
        acc = { t: "cond", cond: conjunction(c.when), then: c.lazy, else: Lazy.of(prev) };
        continue;
      }
      const v = c.lazy.get();
      if (acc && acc.t === "attrs" && v.t === "attrs") {
        this.charge(acc.fields.size + v.fields.size);
        acc = mergeAttrs(acc, v);
      }
      else acc = v;
    }
    return acc ?? { t: "absent" };
  }

  selectName(base: AV, name: string, node?: Node): AV {
    if (base.t === "attrs") {
      const c = base.fields.get(name);
      if (c) return this.fieldLazy(c).get();
      return unknownAV(node ? this.text(node) : name);
    }
    if (base.t === "unknown" && name in BUILTIN_ARITY) return { t: "builtin", name, args: [] };
    return unknownAV(node ? this.text(node) : name);
  }

  private evalSelect(node: Node, env: Env): AV {
    const e = field(node, "expression");
    const path = field(node, "attrpath");
    const dflt = field(node, "default");
    if (!e || !path) return unknownAV(this.text(node));
    let base = this.eval(e, env);
    const attrs = attrsOfPath(path);
    for (let i = 0; i < attrs.length; i++) {
      const key = this.attrKey(attrs[i]!, env);
      if (base.t === "attrs") {
        if ("name" in key) {
          const c = base.fields.get(key.name);
          if (c) {
            base = this.fieldLazy(c).get();
            continue;
          }
          if (base.dyn.size === 0 && base.opaque.length === 0) return dflt ? this.eval(dflt, env) : unknownAV(this.text(node));
        }
        return unknownAV(this.text(node));
      }
      if (base.t === "unknown" && i === attrs.length - 1 && "name" in key && key.name in BUILTIN_ARITY && !dflt) {
        return { t: "builtin", name: key.name, args: [] };
      }
      return unknownAV(this.text(node));
    }
    return base.t === "optdef" ? { ...base, text: this.text(node) } : base;
  }

  // ------------------------------------------------------------------------------------------
  // Variables

  lookup(name: string, env: Env): Lazy {
    for (let e: Env | null = env; e; e = e.parent) {
      const v = e.vars?.get(name);
      if (v) return v;
      if (e.rec) {
        const c = e.rec.fields.get(name);
        if (c) return this.fieldLazy(c);
      }
    }
    if (name === "true") return Lazy.of({ t: "bool", v: true });
    if (name === "false") return Lazy.of({ t: "bool", v: false });
    if (name === "null") return Lazy.of({ t: "null" });
    if (GLOBALS.has(name) && name in BUILTIN_ARITY) return Lazy.of({ t: "builtin", name, args: [] });
    if (name === "builtins") return Lazy.of(unknownAV("builtins"));
    for (let e: Env | null = env; e; e = e.parent) {
      if (!e.withScope) continue;
      const s = e.withScope.get();
      if (s.t === "attrs") {
        const c = s.fields.get(name);
        if (c) return this.fieldLazy(c);
        if (s.dyn.size === 0 && s.opaque.length === 0) continue;
      }
      if (name in BUILTIN_ARITY) return Lazy.of({ t: "builtin", name, args: [] });
      return Lazy.of(unknownAV(name));
    }
    // not bound anywhere: lib functions written bare (snippets, or `with lib;` we could not see)
    if (name in BUILTIN_ARITY) return Lazy.of({ t: "builtin", name, args: [] });
    return Lazy.of(unknownAV(name));
  }

  // ------------------------------------------------------------------------------------------
  // Operators

  private evalUnary(node: Node, env: Env): AV {
    const op = field(node, "operator");
    const arg = field(node, "argument");
    if (!op || !arg) return unknownAV(this.text(node));
    const v = this.eval(arg, env);
    const o = textOf(this.source, op);
    if (o === "!" && v.t === "bool") return { t: "bool", v: !v.v };
    if (o === "-" && (v.t === "int" || v.t === "float")) return { t: v.t, v: -v.v };
    return unknownAV(this.text(node));
  }

  private evalBinary(node: Node, env: Env): AV {
    const l = field(node, "left");
    const r = field(node, "right");
    const opNode = field(node, "operator");
    if (!l || !r || !opNode) return unknownAV(this.text(node));
    const op = textOf(this.source, opNode);
    switch (op) {
      case "//":
        return this.update(this.eval(l, env), this.eval(r, env), node);
      case "++":
        return concatListAVs(this, this.eval(l, env), this.eval(r, env));
      case "&&": {
        const a = this.eval(l, env);
        if (a.t === "bool" && !a.v) return a;
        const b = this.eval(r, env);
        if (a.t === "bool" && b.t === "bool") return { t: "bool", v: b.v };
        if (b.t === "bool" && !b.v) return b;
        return unknownAV(this.text(node));
      }
      case "||": {
        const a = this.eval(l, env);
        if (a.t === "bool" && a.v) return a;
        const b = this.eval(r, env);
        if (a.t === "bool" && b.t === "bool") return { t: "bool", v: b.v };
        if (b.t === "bool" && b.v) return b;
        return unknownAV(this.text(node));
      }
      case "==":
      case "!=": {
        const a = scalarKey(this.eval(l, env));
        const b = scalarKey(this.eval(r, env));
        if (a === undefined || b === undefined) return unknownAV(this.text(node));
        return { t: "bool", v: op === "==" ? a === b : a !== b };
      }
      case "+": {
        const a = this.eval(l, env);
        const b = this.eval(r, env);
        if ((a.t === "int" || a.t === "float") && (b.t === "int" || b.t === "float")) return { t: a.t === "float" || b.t === "float" ? "float" : "int", v: a.v + b.v };
        if (a.t === "str" || b.t === "str") {
          const parts = mergeParts([...this.coerceToParts(a, a.t === "str" ? undefined : l), ...this.coerceToParts(b, b.t === "str" ? undefined : r)]);
          const size = parts.reduce((n, p) => n + (typeof p === "string" ? p.length : p.expr.length), 0);
          this.charge(parts.length);
          if (size > MAX_STRING_LENGTH) return unknownAV(this.text(node));
          return { t: "str", parts };
        }
        return unknownAV(this.text(node));
      }
      case "-":
      case "*":
      case "/":
      case "<":
      case ">":
      case "<=":
      case ">=": {
        const a = this.eval(l, env);
        const b = this.eval(r, env);
        if ((a.t === "int" || a.t === "float") && (b.t === "int" || b.t === "float")) {
          switch (op) {
            case "-": return { t: "int", v: a.v - b.v };
            case "*": return { t: "int", v: a.v * b.v };
            case "/": return b.v === 0 ? unknownAV(this.text(node)) : { t: "int", v: Math.trunc(a.v / b.v) };
            case "<": return { t: "bool", v: a.v < b.v };
            case ">": return { t: "bool", v: a.v > b.v };
            case "<=": return { t: "bool", v: a.v <= b.v };
            default: return { t: "bool", v: a.v >= b.v };
          }
        }
        return unknownAV(this.text(node));
      }
      default:
        return unknownAV(this.text(node));
    }
  }

  /** `l // r`: r's keys replace l's; a conditional r (optionalAttrs) replaces them under its condition. */
  update(l: AV, r: AV, node?: Node): AV {
    const why = (v: AV, fallback: string) => (v.t === "unknown" ? v.why : fallback);
    if (l.t === "absent") l = emptyAttrs();
    if (r.t === "absent") r = emptyAttrs();
    if (l.t === "attrs" && r.t === "attrs") {
      this.charge(l.fields.size + r.fields.size);
      if (this.exhausted) return unknownAV("analysis budget exceeded");
      const out = emptyAttrs(r.node ?? l.node);
      for (const [k, c] of l.fields) out.fields.set(k, c);
      for (const [k, c] of r.fields) {
        const prev = out.fields.get(k);
        if (prev && c.every((x) => x.when && x.when.length)) {
          // r only defines k under conditions (`// optionalAttrs c {…}`): l's value stays otherwise
          const otherwise = c.length === 1 && c[0]!.when!.length === 1 ? [negate(c[0]!.when![0]!)] : c.map((x) => negate(conjunction(x.when!)));
          out.fields.set(k, [...prev.map((x) => ({ ...x, when: [...(x.when ?? []), ...otherwise] })), ...c]);
        } else out.fields.set(k, c);
      }
      for (const [k, c] of l.dyn) out.dyn.set(k, [...c]);
      for (const [k, c] of r.dyn) out.dyn.set(k, [...(out.dyn.get(k) ?? []), ...c]);
      out.opaque = [...l.opaque, ...r.opaque];
      return out;
    }
    if (l.t === "attrs" && (r.t === "cond" || r.t === "mkIf")) {
      const cond = r.cond;
      const then = r.t === "cond" ? r.then.get() : r.body.get();
      const other = r.t === "cond" ? r.else.get() : emptyAttrs();
      if ((then.t === "attrs" || then.t === "absent") && (other.t === "attrs" || other.t === "absent")) {
        const t = then.t === "attrs" ? then : emptyAttrs();
        const e = other.t === "attrs" ? other : emptyAttrs();
        const out = emptyAttrs(l.node);
        const keys = new Set([...l.fields.keys(), ...t.fields.keys(), ...e.fields.keys()]);
        for (const k of keys) {
          const inT = t.fields.has(k);
          const inE = e.fields.has(k);
          const cs: Contribution[] = [];
          if (!(inT && inE)) {
            const extra = inT ? [negate(cond)] : inE ? [cond] : [];
            for (const c of l.fields.get(k) ?? []) cs.push(extra.length ? { ...c, when: [...(c.when ?? []), ...extra] } : c);
          }
          for (const c of t.fields.get(k) ?? []) cs.push({ ...c, when: [...(c.when ?? []), cond] });
          for (const c of e.fields.get(k) ?? []) cs.push({ ...c, when: [...(c.when ?? []), negate(cond)] });
          if (cs.length) out.fields.set(k, cs);
        }
        for (const [k, c] of l.dyn) out.dyn.set(k, [...c]);
        for (const [k, c] of t.dyn) out.dyn.set(k, [...(out.dyn.get(k) ?? []), ...c.map((x) => ({ ...x, when: [...(x.when ?? []), cond] }))]);
        out.opaque = [...l.opaque, ...t.opaque, ...e.opaque];
        return out;
      }
      return { ...l, opaque: [...l.opaque, node ? this.text(node) : "?"] };
    }
    if (l.t === "cond") {
      const lc = l;
      return {
        t: "cond",
        cond: lc.cond,
        then: new Lazy(() => this.update(lc.then.get(), r)),
        else: new Lazy(() => this.update(lc.else.get(), r)),
      };
    }
    if (l.t === "attrs") return { ...l, opaque: [...l.opaque, why(r, node ? this.text(node) : "?")] };
    if (r.t === "attrs") return { ...r, opaque: [why(l, node ? this.text(node) : "?"), ...r.opaque] };
    return unknownAV(node ? this.text(node) : why(l, "?"));
  }

  // ------------------------------------------------------------------------------------------
  // Functions

  apply(f: AV, arg: Arg, callNode?: Node): AV {
    const callText = () => (callNode ? this.text(callNode) : "a function call");
    if (f.t === "builtin") {
      const args = [...f.args, arg];
      const arity = BUILTIN_ARITY[f.name] ?? 1;
      if (args.length < arity) return { t: "builtin", name: f.name, args };
      return this.callBuiltin(f.name, args, callText);
    }
    if (f.t === "lambda") return this.callLambda(f, arg.lazy, callText);
    return unknownAV(callText());
  }

  private callLambda(f: { node: Node; env: Env }, arg: Lazy, callText: () => string): AV {
    if (this.callDepth >= MAX_CALL_DEPTH) return unknownAV(callText());
    const body = field(f.node, "body");
    if (!body) return unknownAV(callText());
    const vars = new Map<string, Lazy>();
    const env = new Env(f.env, vars, null, null);
    const universal = field(f.node, "universal");
    if (universal) vars.set(textOf(this.source, universal), arg);
    const formals = field(f.node, "formals");
    if (formals) {
      for (const formal of formals.childrenForFieldName("formal")) {
        if (!formal) continue;
        const nameNode = field(formal, "name");
        if (!nameNode || nameNode.isMissing) continue;
        const name = textOf(this.source, nameNode);
        const dflt = field(formal, "default");
        vars.set(
          name,
          new Lazy(() => {
            const a = arg.get();
            if (a.t === "attrs") {
              const c = a.fields.get(name);
              if (c) return this.fieldLazy(c).get();
              if (dflt && a.dyn.size === 0 && a.opaque.length === 0) return this.eval(dflt, env);
            }
            return unknownAV(name);
          }),
        );
      }
    }
    this.callDepth++;
    try {
      return this.eval(body, env);
    } finally {
      this.callDepth--;
    }
  }

  /** Applies a function to "any value" arguments named after its parameters (for generated units). */
  applyToUnknowns(f: AV, count: number): { result: AV; names: string[] } {
    const names: string[] = [];
    let cur = f;
    for (let i = 0; i < count; i++) {
      const name = paramName(this.source, cur) ?? (i === 0 ? "name" : "value");
      names.push(name);
      cur = this.apply(cur, { lazy: Lazy.of(unknownAV(name)) });
    }
    return { result: cur, names };
  }

  private callBuiltin(name: string, args: Arg[], callText: () => string): AV {
    const a0 = args[0]!;
    const a1 = args[1];
    switch (name) {
      case "mkIf": {
        const c = this.condOf(a0.lazy.get(), a0.node);
        if (c === true) return a1!.lazy.get();
        if (c === false) return { t: "absent" };
        return { t: "mkIf", cond: c, body: a1!.lazy };
      }
      case "mkMerge":
        return { t: "merge", list: a0.lazy };
      case "mkDefault":
      case "mkForce":
      case "mkOptionDefault":
      case "mkVMOverride":
      case "mkImageMediaOverride":
        return { t: "override", prio: OVERRIDE_PRIORITY[name]!, body: a0.lazy };
      case "mkOverride": {
        const p = a0.lazy.get();
        return { t: "override", prio: p.t === "int" ? p.v : NORMAL_PRIORITY, body: a1!.lazy };
      }
      case "mkBefore":
      case "mkAfter":
        return a0.lazy.get();
      case "mkOrder":
        return a1!.lazy.get();
      case "optionalAttrs":
      case "optionalString": {
        const c = this.condOf(a0.lazy.get(), a0.node);
        const none: AV = name === "optionalAttrs" ? emptyAttrs() : strAV("");
        if (c === true) return a1!.lazy.get();
        if (c === false) return none;
        return { t: "cond", cond: c, then: a1!.lazy, else: Lazy.of(none) };
      }
      case "optionals":
      case "optional": {
        const c = this.condOf(a0.lazy.get(), a0.node);
        if (c === false) return { t: "list", items: [], opaque: [] };
        const when = c === true ? [] : [c];
        if (name === "optional") return { t: "list", items: [{ lazy: a1!.lazy, when }], opaque: [] };
        const l = toListAV(this, a1!.lazy.get());
        return { t: "list", items: l.items.map((i) => ({ lazy: i.lazy, when: [...when, ...i.when] })), opaque: l.opaque };
      }
      case "toString": {
        const v = a0.lazy.get();
        if (v.t === "str") return v;
        if (v.t === "int" || v.t === "float") return strAV(String(v.v));
        if (v.t === "bool") return strAV(v.v ? "1" : "");
        if (v.t === "null") return strAV("");
        if (v.t === "optdef") {
          const inner = this.callBuiltin("toString", [{ lazy: Lazy.of(v.value) }], callText);
          if (inner.t === "str" && strText(inner.parts).known) return { ...v, value: inner, text: callText() };
        }
        return { t: "str", parts: [{ expr: callText() }] };
      }
      case "concatStringsSep":
      case "concatStrings": {
        const sepAV = name === "concatStrings" ? strAV("") : a0.lazy.get();
        const listAV = (name === "concatStrings" ? a0 : a1!).lazy.get();
        const sep = sepAV.t === "str" ? strText(sepAV.parts) : undefined;
        if (!sep?.known || listAV.t !== "list" || listAV.opaque.length) return { t: "str", parts: [{ expr: callText() }] };
        const parts: StrPart[] = [];
        for (const [i, it] of listAV.items.entries()) {
          if (it.when.length) return { t: "str", parts: [{ expr: callText() }] };
          if (i > 0) parts.push(sep.text);
          parts.push(...this.coerceToParts(it.lazy.get(), it.lazy.node));
        }
        return { t: "str", parts: mergeParts(parts) };
      }
      case "escapeShellArg": {
        const v = a0.lazy.get();
        if (v.t === "str" && strText(v.parts).known) return strAV(escapeShellArg(strText(v.parts).text));
        return { t: "str", parts: [{ expr: callText() }] };
      }
      case "escapeShellArgs": {
        const v = a0.lazy.get();
        if (v.t === "list" && !v.opaque.length && v.items.every((i) => !i.when.length)) {
          const words: string[] = [];
          for (const it of v.items) {
            const x = it.lazy.get();
            if (x.t !== "str" || !strText(x.parts).known) return { t: "str", parts: [{ expr: callText() }] };
            words.push(escapeShellArg(strText(x.parts).text));
          }
          return strAV(words.join(" "));
        }
        return { t: "str", parts: [{ expr: callText() }] };
      }
      case "nameValuePair": {
        const out = emptyAttrs();
        out.fields.set("name", [{ lazy: a0.lazy, valueNode: a0.node }]);
        out.fields.set("value", [{ lazy: a1!.lazy, valueNode: a1!.node }]);
        return out;
      }
      case "listToAttrs":
        return this.listToAttrs(a0.lazy.get());
      case "mapAttrs'":
      case "mapAttrs":
      case "concatMapAttrs":
      case "mapAttrsToList":
        return this.mapAttrsLike(name, a0.lazy.get(), a1!.lazy.get());
      case "genAttrs": {
        const names = a0.lazy.get();
        const f = a1!.lazy.get();
        const known = knownStrings(names);
        const out = emptyAttrs();
        if (known) {
          for (const n of known) addContribution(out.fields, n, { lazy: new Lazy(() => this.apply(f, { lazy: Lazy.of(strAV(n)) })) });
          return out;
        }
        const { result, names: ps } = this.applyToUnknowns(f, 1);
        addContribution(out.dyn, "${" + ps[0] + "}", { lazy: Lazy.of(result) });
        return out;
      }
      case "map":
      case "concatMap": {
        const f = a0.lazy.get();
        const l = a1!.lazy.get();
        const items: ListItem[] = [];
        const opaque: string[] = [];
        if (l.t === "list") {
          for (const it of l.items) items.push({ lazy: new Lazy(() => this.apply(f, { lazy: it.lazy })), when: it.when });
          opaque.push(...l.opaque);
        } else {
          items.push({ lazy: Lazy.of(this.applyToUnknowns(f, 1).result), when: [] });
        }
        const mapped: ListAV = { t: "list", items, opaque };
        return name === "concatMap" ? flattenList(this, mapped) : mapped;
      }
      case "flatten":
      case "concatLists":
        return flattenList(this, toListAV(this, a0.lazy.get()));
      case "singleton":
      case "toList": {
        const v = a0.lazy.get();
        if (name === "toList" && v.t === "list") return v;
        return { t: "list", items: [{ lazy: a0.lazy, when: [] }], opaque: [] };
      }
      case "recursiveUpdate":
        return this.recursiveUpdate(a0.lazy.get(), a1!.lazy.get());
      case "filterAttrs": {
        const s = a1!.lazy.get();
        return s.t === "attrs" ? s : unknownAV(callText());
      }
      default:
        return unknownAV(callText());
    }
  }

  private listToAttrs(l: AV): AV {
    const list = toListAV(this, l);
    const out = emptyAttrs();
    for (const it of list.items) {
      const v = it.lazy.get();
      if (v.t !== "attrs") {
        out.opaque.push(v.t === "unknown" ? v.why : "listToAttrs element");
        continue;
      }
      const nameC = v.fields.get("name");
      const valueC = v.fields.get("value");
      if (!nameC || !valueC) continue;
      const nameAV = this.fieldLazy(nameC).get();
      const c: Contribution = { lazy: this.fieldLazy(valueC), keyNode: nameC[0]?.valueNode, when: it.when.length ? it.when : undefined };
      if (nameAV.t === "str") {
        const s = strText(nameAV.parts);
        addContribution(s.known ? out.fields : out.dyn, s.text, c);
      } else {
        addContribution(out.dyn, "${" + (nameAV.t === "unknown" ? nameAV.why : "name") + "}", c);
      }
    }
    out.opaque.push(...list.opaque);
    return out;
  }

  private mapAttrsLike(name: string, f: AV, set: AV): AV {
    const apply2 = (k: AV, v: Lazy) => this.apply(this.apply(f, { lazy: Lazy.of(k) }), { lazy: v });
    const staticSet = set.t === "attrs" && set.dyn.size === 0 && set.opaque.length === 0 ? set : undefined;
    const results: { key?: string; value: Lazy }[] = [];
    let pattern: string | undefined;
    if (staticSet) {
      for (const [k, c] of staticSet.fields) {
        const v = this.fieldLazy(c);
        results.push({ key: k, value: new Lazy(() => apply2(strAV(k), v)) });
      }
    } else {
      const { result, names } = this.applyToUnknowns(f, 2);
      pattern = "${" + names[0] + "}";
      results.push({ value: Lazy.of(result) });
    }
    switch (name) {
      case "mapAttrs": {
        const out = emptyAttrs();
        for (const r of results) addContribution(r.key !== undefined ? out.fields : out.dyn, r.key ?? pattern!, { lazy: r.value });
        return out;
      }
      case "mapAttrsToList":
        return { t: "list", items: results.map((r) => ({ lazy: r.value, when: [] })), opaque: [] };
      case "concatMapAttrs": {
        let out: AV = emptyAttrs();
        for (const r of results) out = this.update(out, r.value.get());
        return out;
      }
      default:
        // mapAttrs': each result is a nameValuePair
        return this.listToAttrs({ t: "list", items: results.map((r) => ({ lazy: r.value, when: [] })), opaque: [] });
    }
  }

  private recursiveUpdate(a: AV, b: AV): AV {
    if (a.t !== "attrs" || b.t !== "attrs") return this.update(a, b);
    const out = emptyAttrs(b.node ?? a.node);
    for (const [k, c] of a.fields) out.fields.set(k, c);
    for (const [k, c] of b.fields) {
      const prev = out.fields.get(k);
      if (!prev) {
        out.fields.set(k, c);
        continue;
      }
      const pl = this.fieldLazy(prev);
      const bl = this.fieldLazy(c);
      out.fields.set(k, [
        {
          ...c[c.length - 1]!,
          implicit: undefined,
          lazy: new Lazy(() => {
            const x = pl.get();
            const y = bl.get();
            return x.t === "attrs" && y.t === "attrs" ? this.recursiveUpdate(x, y) : y;
          }),
        },
      ]);
    }
    for (const [k, c] of a.dyn) out.dyn.set(k, [...c]);
    for (const [k, c] of b.dyn) out.dyn.set(k, [...(out.dyn.get(k) ?? []), ...c]);
    out.opaque = [...a.opaque, ...b.opaque];
    return out;
  }
}

// --------------------------------------------------------------------------------------------
// Helpers

function inheritedAttrs(b: Node): Node[] {
  const attrs = field(b, "attrs");
  return attrs ? attrs.childrenForFieldName("attr").filter((n): n is Node => n !== null && !n.isMissing) : [];
}

function addContribution(map: Map<string, Contribution[]>, key: string, c: Contribution): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

export function mergeAttrs(a: AttrsAV, b: AttrsAV): AttrsAV {
  // (callers charge the evaluator; this stays a plain function for the collector)
  const out = emptyAttrs(a.node);
  for (const [k, c] of a.fields) out.fields.set(k, [...c]);
  for (const [k, c] of b.fields) out.fields.set(k, [...(out.fields.get(k) ?? []), ...c]);
  for (const [k, c] of a.dyn) out.dyn.set(k, [...c]);
  for (const [k, c] of b.dyn) out.dyn.set(k, [...(out.dyn.get(k) ?? []), ...c]);
  out.opaque = [...a.opaque, ...b.opaque];
  return out;
}

function conjunction(cs: readonly Cond[]): Cond {
  if (cs.length === 1) return cs[0]!;
  return { text: condsText(cs), negated: false };
}

function mergeParts(parts: StrPart[]): StrPart[] {
  const out: StrPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (typeof p === "string" && typeof last === "string") out[out.length - 1] = last + p;
    else if (!(typeof p === "string" && p === "")) out.push(p);
  }
  return out;
}

function scalarKey(v: AV): string | undefined {
  switch (v.t) {
    case "str": {
      const s = strText(v.parts);
      return s.known ? `s:${s.text}` : undefined;
    }
    case "int":
    case "float":
      return `n:${v.v}`;
    case "bool":
      return `b:${v.v}`;
    case "null":
      return "null";
    default:
      return undefined;
  }
}

/** A value seen as a list: its items, with conditional branches turned into conditional items. */
export function toListAV(ev: Evaluator, v: AV, depth = 0): ListAV {
  if (depth > 100) return { t: "list", items: [], opaque: ["a value nested too deeply"] };
  switch (v.t) {
    case "list":
      return v;
    case "absent":
      return { t: "list", items: [], opaque: [] };
    case "cond": {
      const a = toListAV(ev, v.then.get(), depth + 1);
      const b = toListAV(ev, v.else.get(), depth + 1);
      return {
        t: "list",
        items: [...a.items.map((i) => ({ lazy: i.lazy, when: [v.cond, ...i.when] })), ...b.items.map((i) => ({ lazy: i.lazy, when: [negate(v.cond), ...i.when] }))],
        opaque: [...a.opaque, ...b.opaque],
      };
    }
    case "mkIf": {
      const a = toListAV(ev, v.body.get(), depth + 1);
      return { t: "list", items: a.items.map((i) => ({ lazy: i.lazy, when: [v.cond, ...i.when] })), opaque: a.opaque };
    }
    case "override":
      return toListAV(ev, v.body.get(), depth + 1);
    case "unknown":
      return { t: "list", items: [], opaque: [v.why] };
    case "optdef":
      return { t: "list", items: [], opaque: [v.text] };
    default:
      return { t: "list", items: [], opaque: ["not a list"] };
  }
}

function concatListAVs(ev: Evaluator, a: AV, b: AV): AV {
  const x = toListAV(ev, a);
  const y = toListAV(ev, b);
  return capList(ev, [...x.items, ...y.items], [...x.opaque, ...y.opaque]);
}

function capList(ev: Evaluator, items: ListItem[], opaque: string[]): ListAV {
  ev.charge(items.length);
  if (items.length <= MAX_LIST_ITEMS) return { t: "list", items, opaque };
  return { t: "list", items: items.slice(0, MAX_LIST_ITEMS), opaque: [...opaque, "a list too long to follow"] };
}

function flattenList(ev: Evaluator, l: ListAV): ListAV {
  const items: ListItem[] = [];
  const opaque = [...l.opaque];
  for (const it of l.items) {
    const inner = toListAV(ev, it.lazy.get());
    for (const i of inner.items) items.push({ lazy: i.lazy, when: [...it.when, ...i.when] });
    opaque.push(...inner.opaque);
    if (items.length > MAX_LIST_ITEMS) break;
  }
  return capList(ev, items, opaque);
}

function knownStrings(v: AV): string[] | undefined {
  if (v.t !== "list" || v.opaque.length) return undefined;
  const out: string[] = [];
  for (const it of v.items) {
    if (it.when.length) return undefined;
    const x = it.lazy.get();
    if (x.t !== "str") return undefined;
    const s = strText(x.parts);
    if (!s.known) return undefined;
    out.push(s.text);
  }
  return out;
}

function paramName(source: string, f: AV): string | undefined {
  if (f.t !== "lambda") return undefined;
  const u = field(f.node, "universal");
  if (u) return textOf(source, u);
  const formals = field(f.node, "formals");
  const first = formals?.childrenForFieldName("formal")[0];
  const n = first ? field(first, "name") : null;
  return n ? textOf(source, n) : undefined;
}

export function escapeShellArg(s: string): string {
  if (/^[A-Za-z0-9,._+:@%/-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
