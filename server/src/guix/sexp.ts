import type { Node, TreeCursor } from "web-tree-sitter";

/**
 * A light S-expression view of a Guile file: the tree-sitter tree converted once into plain objects
 * (offsets are UTF-16 code units into the document text). Every Guix analysis walks this, not the
 * wasm tree, which keeps the analysis fast and free of tree-sitter details.
 */
export type Datum = List | Atom | Prefixed;

interface Span {
  start: number;
  end: number;
}

export interface List extends Span {
  t: "list";
  items: Datum[];
  /** `#(…)` and `#vu8(…)` are kept as lists with this flag. */
  vector?: boolean;
  /** Index in items after which a dotted tail follows. */
  dotted?: boolean;
}

export interface Atom extends Span {
  t: "symbol" | "string" | "number" | "keyword" | "boolean" | "character" | "other";
  /** symbol/keyword name (keyword without `#:`), string contents unescaped, raw text otherwise. */
  value: string;
}

export type PrefixKind =
  | "quote"
  | "quasiquote"
  | "unquote"
  | "unquote_splicing"
  | "gexp"
  | "gexp_splicing"
  | "ungexp"
  | "ungexp_splicing"
  | "ungexp_native"
  | "ungexp_native_splicing"
  | "syntax"
  | "quasisyntax"
  | "unsyntax"
  | "unsyntax_splicing";

export interface Prefixed extends Span {
  t: "prefix";
  kind: PrefixKind;
  value?: Datum;
}

const PREFIXES = new Set<string>([
  "quote",
  "quasiquote",
  "unquote",
  "unquote_splicing",
  "gexp",
  "gexp_splicing",
  "ungexp",
  "ungexp_splicing",
  "ungexp_native",
  "ungexp_native_splicing",
  "syntax",
  "quasisyntax",
  "unsyntax",
  "unsyntax_splicing",
]);

const SKIPPED = new Set(["comment", "block_comment", "datum_comment", "directive"]);

/** Converts a whole tree, iteratively (files may nest thousands deep). */
export function toData(root: Node): Datum[] {
  const out: Datum[] = [];
  for (let i = 0, n = root.childCount; i < n; i++) {
    const child = root.child(i);
    if (child?.isNamed) out.push(...convertNode(child));
  }
  return out;
}

/** Converts one node and its subtree (a top-level form): zero datums for a comment, several for an ERROR. */
function convertNode(node: Node): Datum[] {
  const top: Datum[] = [];
  const cursor = node.walk();
  const stack: { items: Datum[]; node: List | Prefixed | null }[] = [{ items: top, node: null }];
  let depth = 0;
  for (;;) {
    if (visit(cursor, stack)) {
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      stack.pop();
    }
    for (;;) {
      if (depth === 0) {
        cursor.delete();
        return top;
      }
      if (cursor.gotoNextSibling()) break;
      cursor.gotoParent();
      depth--;
      stack.pop();
    }
  }
}

function shifted(d: Datum, delta: number): Datum {
  switch (d.t) {
    case "list": {
      const copy: List = { ...d, start: d.start + delta, end: d.end + delta, items: d.items.map((x) => shifted(x, delta)) };
      return copy;
    }
    case "prefix":
      return { ...d, start: d.start + delta, end: d.end + delta, value: d.value && shifted(d.value, delta) };
    default:
      return { ...d, start: d.start + delta, end: d.end + delta };
  }
}

const FORMS = new WeakMap<object, Map<string, { start: number; data: Datum[] }>>();

/**
 * toData for a document that is edited again and again: top-level forms whose text did not change
 * are taken from the previous conversion (moved to their new offset) instead of being walked again
 * through the wasm tree, which is most of the cost of an edit.
 */
export function toDataIncremental(document: { text: string; tree: { rootNode: Node } }): Datum[] {
  const root = document.tree.rootNode;
  const previous = FORMS.get(document);
  const next = new Map<string, { start: number; data: Datum[] }>();
  const out: Datum[] = [];
  for (let i = 0, n = root.childCount; i < n; i++) {
    const child = root.child(i);
    if (!child || !child.isNamed) continue;
    const start = child.startIndex;
    if (child.hasError || child.isError || child.isMissing) {
      out.push(...convertNode(child)); // broken forms are never reused
      continue;
    }
    const text = document.text.slice(start, child.endIndex);
    const hit = previous?.get(text) ?? next.get(text);
    let data: Datum[];
    if (hit) data = hit.start === start ? hit.data : hit.data.map((d) => shifted(d, start - hit.start));
    else data = convertNode(child);
    if (!next.has(text)) next.set(text, { start, data });
    out.push(...data);
  }
  FORMS.set(document, next);
  return out;
}

/** Adds the cursor's node to the current container; returns true when its children must be visited (and pushes it). */
function visit(cursor: TreeCursor, stack: { items: Datum[]; node: List | Prefixed | null }[]): boolean {
  const type = cursor.nodeType;
  const current = stack[stack.length - 1];
  if (!cursor.nodeIsNamed) {
    return false;
  }
  if (SKIPPED.has(type)) return false;
  if (type === "ERROR") {
    // analyse what can be read of a broken file: an ERROR node's children join the enclosing list
    stack.push({ items: current.items, node: current.node });
    return true;
  }
  const start = cursor.startIndex;
  const end = cursor.endIndex;
  const add = (d: Datum) => {
    if (current.node && current.node.t === "prefix") current.node.value ??= d;
    else current.items.push(d);
  };
  switch (type) {
    case "list":
    case "vector":
    case "bytevector": {
      const list: List = { t: "list", items: [], start, end };
      if (type !== "list") list.vector = true;
      add(list);
      stack.push({ items: list.items, node: list });
      return true;
    }
    case "dot":
      if (current.node && current.node.t === "list") current.node.dotted = true;
      return false;
    case "symbol": {
      const text = cursor.nodeText;
      add({ t: "symbol", value: text.startsWith("|") ? text.slice(1, -1) : text.startsWith("#{") ? text.slice(2, -2) : text, start, end });
      return false;
    }
    case "string":
      add({ t: "string", value: unescapeString(cursor.nodeText), start, end });
      return false;
    case "keyword":
      add({ t: "keyword", value: cursor.nodeText.slice(2), start, end });
      return false;
    case "number":
    case "boolean":
    case "character":
      add({ t: type, value: cursor.nodeText, start, end });
      return false;
    default:
      if (PREFIXES.has(type)) {
        const p: Prefixed = { t: "prefix", kind: type as PrefixKind, start, end };
        add(p);
        stack.push({ items: [], node: p });
        return true;
      }
      add({ t: "other", value: cursor.nodeText, start, end });
      return false;
  }
}

/** Guile string escapes: \n \t \\ \" \xHH; \uHHHH \UHHHHHH and line continuations. */
export function unescapeString(raw: string): string {
  const body = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined);
  if (!body.includes("\\")) return body;
  return body.replace(/\\(x[0-9a-fA-F]+;?|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|\r?\n[ \t]*|.)/g, (_, e: string) => {
    switch (e[0]) {
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "a":
        return "\x07";
      case "0":
        return "\0";
      case "x":
      case "u":
      case "U":
        return String.fromCodePoint(parseInt(e.slice(1).replace(";", ""), 16));
      case "\n":
      case "\r":
        return "";
      default:
        return e;
    }
  });
}

// ---- small accessors used everywhere ----

export function isList(d: Datum | undefined): d is List {
  return d !== undefined && d.t === "list";
}

export function isSymbol(d: Datum | undefined, name?: string): d is Atom {
  return d !== undefined && d.t === "symbol" && (name === undefined || d.value === name);
}

/** The head symbol of a list form: `(foo …)` → "foo". */
export function head(d: Datum | undefined): string | undefined {
  return isList(d) && !d.vector && d.items[0]?.t === "symbol" ? (d.items[0] as Atom).value : undefined;
}

/** `#:name value` pairs of a call, from `from` on. */
export function keywordArgs(list: List, from = 1): Map<string, { key: Atom; value: Datum | undefined }> {
  const result = new Map<string, { key: Atom; value: Datum | undefined }>();
  for (let i = from; i < list.items.length; i++) {
    const item = list.items[i];
    if (item.t === "keyword") {
      result.set(item.value, { key: item, value: list.items[i + 1] });
      i++;
    }
  }
  return result;
}

/** Record-constructor fields: `(record (field value…) …)` → field name → the field form. */
export function recordFields(list: List): Map<string, List> {
  const result = new Map<string, List>();
  for (const item of list.items.slice(1)) {
    const name = head(item);
    if (name && isList(item) && !result.has(name)) result.set(name, item);
  }
  return result;
}

/** Strips quoting: `'foo` → foo. */
export function unquoted(d: Datum | undefined): Datum | undefined {
  while (d && d.t === "prefix" && (d.kind === "quote" || d.kind === "quasiquote" || d.kind === "syntax")) d = d.value;
  return d;
}

/** Visits every datum depth-first, iteratively; `enter` returns false to skip a subtree. */
export function walk(roots: readonly Datum[], enter: (d: Datum, parents: readonly Datum[]) => boolean | void): void {
  const stack: { d: Datum; depth: number }[] = [];
  const parents: Datum[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ d: roots[i], depth: 0 });
  while (stack.length) {
    const { d, depth } = stack.pop()!;
    parents.length = depth;
    if (enter(d, parents) === false) continue;
    parents.push(d);
    if (d.t === "list") {
      for (let i = d.items.length - 1; i >= 0; i--) stack.push({ d: d.items[i], depth: depth + 1 });
    } else if (d.t === "prefix" && d.value) {
      stack.push({ d: d.value, depth: depth + 1 });
    }
  }
}
