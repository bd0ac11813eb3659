import type { Node } from "web-tree-sitter";

/**
 * A walk over a Nix module's attribute definitions, as written: `a.b = { c = …; }` visits a.b and
 * a.b.c. It goes through what wraps definitions in modules (functions, let, with, parentheses,
 * mkIf/mkMerge/mkDefault/optionalAttrs, lists of mkMerge, `//`, if) and never evaluates anything.
 */
export interface NixDefinition {
  path: string[];
  binding: Node;
  /** The attr nodes of this binding's own attrpath. */
  attrs: Node[];
  value: Node;
  /** Conditions written around it (mkIf's condition, an if's), as source text. */
  conds: string[];
}

const WRAPPERS = new Set([
  "mkIf", "mkMerge", "mkDefault", "mkForce", "mkOverride", "mkOptionDefault", "mkBefore", "mkAfter", "mkOrder", "optionalAttrs", "mkVMOverride",
]);

function kids(node: Node): Node[] {
  const out: Node[] = [];
  for (let i = 0; i < node.namedChildCount; i++) {
    const c = node.namedChild(i);
    if (c && c.type !== "comment") out.push(c);
  }
  return out;
}

/** An attribute name as written: identifier, plain string; `${…}` names give undefined. */
export function attrName(source: string, attr: Node): string | undefined {
  if (attr.type === "identifier") return source.slice(attr.startIndex, attr.endIndex);
  if (attr.type === "string_expression") {
    if (kids(attr).some((k) => k.type === "interpolation")) return undefined;
    return source.slice(attr.startIndex + 1, attr.endIndex - 1);
  }
  return undefined;
}

/** The name a function application's head calls: `lib.mkIf c x` → mkIf. */
function appliedName(source: string, apply: Node): { name?: string; args: Node[] } {
  const args: Node[] = [];
  let f: Node | null = apply;
  while (f && f.type === "apply_expression") {
    const a = f.childForFieldName("argument");
    if (a) args.unshift(a);
    f = f.childForFieldName("function");
  }
  if (!f) return { args };
  if (f.type === "variable_expression") return { name: source.slice(f.startIndex, f.endIndex), args };
  if (f.type === "select_expression") {
    const path = f.childForFieldName("attrpath");
    const attrs = path ? path.childrenForFieldName("attr").filter((x): x is Node => x !== null) : [];
    const last = attrs[attrs.length - 1];
    return { name: last ? attrName(source, last) : undefined, args };
  }
  return { args };
}

export function walkDefinitions(source: string, root: Node, visit: (d: NixDefinition) => boolean, budget = 200000): void {
  let steps = 0;
  const text = (n: Node) => source.slice(n.startIndex, n.endIndex).replace(/\s+/g, " ").trim();
  const go = (node: Node | null, prefix: string[], conds: string[], depth: number): void => {
    if (!node || depth > 200 || ++steps > budget) return;
    switch (node.type) {
      case "source_code":
        for (const k of kids(node)) go(k, prefix, conds, depth + 1);
        return;
      case "function_expression":
        return go(node.childForFieldName("body"), prefix, conds, depth + 1);
      case "let_expression":
        return go(node.childForFieldName("body"), prefix, conds, depth + 1);
      case "with_expression":
        return go(node.childForFieldName("body"), prefix, conds, depth + 1);
      case "parenthesized_expression":
        return go(node.childForFieldName("expression"), prefix, conds, depth + 1);
      case "if_expression": {
        const c = node.childForFieldName("condition");
        const ct = c ? text(c) : "?";
        go(node.childForFieldName("consequence"), prefix, [...conds, ct], depth + 1);
        go(node.childForFieldName("alternative"), prefix, [...conds, `!(${ct})`], depth + 1);
        return;
      }
      case "binary_expression":
        for (const k of kids(node)) go(k, prefix, conds, depth + 1);
        return;
      case "list_expression":
        for (const k of node.childrenForFieldName("element")) go(k, prefix, conds, depth + 1);
        return;
      case "apply_expression": {
        const { name, args } = appliedName(source, node);
        if (!name || !WRAPPERS.has(name)) return;
        if ((name === "mkIf" || name === "optionalAttrs") && args.length >= 2) return go(args[1], prefix, [...conds, text(args[0])], depth + 1);
        for (const a of args) go(a, prefix, conds, depth + 1);
        return;
      }
      case "attrset_expression":
      case "rec_attrset_expression": {
        const set = kids(node).find((k) => k.type === "binding_set");
        if (!set) return;
        for (const b of kids(set)) {
          if (b.type !== "binding") continue;
          const attrpath = b.childForFieldName("attrpath");
          const value = b.childForFieldName("expression");
          if (!attrpath || !value) continue;
          const attrs = attrpath.childrenForFieldName("attr").filter((x): x is Node => x !== null);
          const names = attrs.map((a) => attrName(source, a) ?? "<name>");
          const path = [...prefix, ...names];
          if (visit({ path, binding: b, attrs, value, conds })) go(value, path, conds, depth + 1);
        }
        return;
      }
      default:
        return;
    }
  };
  go(root, [], [], 0);
}

/** A value's enable-ness as written: true, false, or the expression (a condition). */
export function enableValue(source: string, value: Node): { on: boolean | "maybe"; expr: string } {
  let v: Node | null = value;
  // mkDefault true, lib.mkForce true, (true)
  for (let i = 0; i < 4 && v; i++) {
    if (v.type === "parenthesized_expression") v = v.childForFieldName("expression");
    else if (v.type === "apply_expression") {
      const { name, args } = appliedName(source, v);
      if (name && /^mk(Default|Force|Override|OptionDefault)$/.test(name) && args.length) v = args[args.length - 1];
      else break;
    } else break;
  }
  const expr = v ? source.slice(v.startIndex, v.endIndex).replace(/\s+/g, " ").trim() : "?";
  if (expr === "true") return { on: true, expr };
  if (expr === "false" || expr === "null") return { on: false, expr };
  return { on: "maybe", expr };
}

/** The literal text of a string or indented string (interpolations shown as `${…}` as written). */
export function stringText(source: string, node: Node): string | undefined {
  if (node.type !== "string_expression" && node.type !== "indented_string_expression") return undefined;
  const open = node.type === "string_expression" ? 1 : 2;
  return source.slice(node.startIndex + open, node.endIndex - open);
}
