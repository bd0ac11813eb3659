/**
 * The options a module declares itself (`options.services.foo.user = mkOption { default = "foo"; … }`)
 * and their literal defaults, read from the syntax tree. The module's own `config` argument is then
 * given these defaults (`cfg.user` with `cfg = config.services.foo`), each marked as an option
 * default: the user's configuration may set something else.
 */
import { emptyAttrs, Env, Lazy, type AttrsAV, type AV, type Evaluator } from "./eval";
import { bindingAttrs, bindingSetOf, bindingsOf, field, staticAttrName, textOf, type Node } from "./syntax";

export interface OptionDefault {
  /** The option's path under `config` (`services.foo.user`). */
  path: string[];
  value: AV;
  /** The default as written (`"foo"`, `8080`, `false`). */
  shown: string;
}

const OPTION_FUNCTIONS = new Set(["mkOption", "mkEnableOption", "mkPackageOption"]);
const MAX_OPTIONS = 2000;

/** The options declared in the module (outside submodules) whose default is a literal. */
export function declaredOptionDefaults(ev: Evaluator, root: Node): OptionDefault[] {
  const out: OptionDefault[] = [];
  const visit = (node: Node, depth: number): void => {
    if (depth > 60 || out.length > MAX_OPTIONS) return;
    // options inside a function call (types.submodule { options = …; }) belong to something else
    if (node.type === "apply_expression" || node.type === "list_expression") return;
    if (node.type === "binding") {
      const attrs = bindingAttrs(node);
      const expr = field(node, "expression");
      const names = attrs.map((a) => staticAttrName(ev.source, a));
      if (expr && names[0] === "options" && names.every((n): n is string => n !== undefined)) {
        declarations(ev, expr, names.slice(1), out, 0);
        return;
      }
    }
    for (const c of node.namedChildren) if (c) visit(c, depth + 1);
  };
  visit(root, 0);
  return out;
}

function declarations(ev: Evaluator, expr: Node, path: string[], out: OptionDefault[], depth: number): void {
  if (depth > 30 || out.length > MAX_OPTIONS) return;
  while (expr.type === "parenthesized_expression") {
    const e = field(expr, "expression");
    if (!e) return;
    expr = e;
  }
  if (expr.type === "attrset_expression") {
    for (const b of bindingsOf(bindingSetOf(expr))) {
      if (b.type !== "binding") continue;
      const e = field(b, "expression");
      const names = bindingAttrs(b).map((a) => staticAttrName(ev.source, a));
      if (e && names.length && names.every((n): n is string => n !== undefined)) declarations(ev, e, [...path, ...names], out, depth + 1);
    }
    return;
  }
  if (expr.type !== "apply_expression" || path.length === 0) return;
  const fn = field(expr, "function");
  const arg = field(expr, "argument");
  if (!fn || !arg) return;
  const name = textOf(ev.source, fn).replace(/^lib\./, "");
  if (!OPTION_FUNCTIONS.has(name)) return;
  if (name === "mkEnableOption") {
    out.push({ path, value: { t: "bool", v: false }, shown: "false" });
    return;
  }
  if (name !== "mkOption") return; // mkPackageOption: a package, not known statically
  let set = arg;
  while (set.type === "parenthesized_expression") {
    const e = field(set, "expression");
    if (!e) return;
    set = e;
  }
  if (set.type !== "attrset_expression") return;
  for (const b of bindingsOf(bindingSetOf(set))) {
    if (b.type !== "binding") continue;
    const attrs = bindingAttrs(b);
    const e = field(b, "expression");
    if (!e || attrs.length !== 1 || staticAttrName(ev.source, attrs[0]!) !== "default") continue;
    // evaluated with nothing in scope: only literals (and constant arithmetic on them) come out known
    const value = ev.eval(e, new Env(null, null, null, null));
    if (isLiteral(value)) out.push({ path, value, shown: textOf(ev.source, e).replace(/\s+/g, " ").slice(0, 80) });
    return;
  }
}

function isLiteral(v: AV, depth = 0): boolean {
  switch (v.t) {
    case "str":
      return v.parts.every((p) => typeof p === "string");
    case "int":
    case "float":
    case "bool":
    case "null":
      return true;
    case "list":
      return depth === 0 && v.opaque.length === 0 && v.items.every((i) => i.when.length === 0 && isLiteral(i.lazy.get(), depth + 1));
    default:
      return false;
  }
}

/**
 * The module's `config` argument as far as its own options tell: a set holding the declared defaults
 * (each marked as an option default), open to anything else.
 */
export function configWithDefaults(options: readonly OptionDefault[]): AttrsAV | undefined {
  if (options.length === 0) return undefined;
  const root = emptyAttrs();
  root.opaque.push("config");
  for (const o of options) {
    let cur = root;
    let ok = true;
    for (let i = 0; i < o.path.length - 1 && ok; i++) {
      const k = o.path[i]!;
      const c = cur.fields.get(k);
      const next = c?.[0]?.lazy.get();
      if (next && next.t !== "attrs") ok = false;
      else if (next && next.t === "attrs") cur = next;
      else {
        const set = emptyAttrs();
        set.opaque.push(["config", ...o.path.slice(0, i + 1)].join("."));
        cur.fields.set(k, [{ lazy: Lazy.of(set) }]);
        cur = set;
      }
    }
    const leaf = o.path[o.path.length - 1]!;
    if (!ok || cur.fields.has(leaf)) continue;
    const option = o.path.join(".");
    const av: AV = { t: "optdef", option, value: o.value, note: `option ${option} (default ${o.shown})`, text: `config.${option}` };
    cur.fields.set(leaf, [{ lazy: Lazy.of(av) }]);
  }
  return root;
}
