/**
 * Files a module writes into the Nix store (world-readable): `pkgs.writeText`, `builtins.toFile`,
 * `pkgs.writeTextFile`. Found syntactically over the whole file (they can sit anywhere), with their
 * name and content as written (interpolations kept as `${…}`).
 */
import { bindingAttrs, bindingSetOf, bindingsOf, field, literalText, textOf, type Node } from "./syntax";

export interface StoreFile {
  /** writeText, toFile or writeTextFile. */
  fn: string;
  start: number;
  end: number;
  name?: string;
  content?: string;
}

const STORE_WRITERS = new Set(["writeText", "toFile", "writeTextFile"]);

/** Secret-looking words in a variable name, file name or key. */
export const SECRET_NAME = /(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|auth[_-]?key|access[_-]?key)/i;
/** Names that point at a secret rather than hold one. */
export const SECRET_REFERENCE_NAME = /(_|-)?(file|path|dir|directory|command|cmd)$/i;
/** Content that holds a secret: `password = …`, `token: …`, a PEM private key. */
export const SECRET_CONTENT =
  /(^|[\s"'{,;])["']?[\w.-]*(pass(word|wd|phrase)|secret|token|api[_-]?key|private[_-]?key)["']?\s*[:=]\s*["']?[^\s"'#;,}]|-----BEGIN [A-Z ]*PRIVATE KEY-----/im;

function headName(source: string, fn: Node): string | undefined {
  if (fn.type === "variable_expression") return textOf(source, fn);
  if (fn.type === "select_expression") {
    const path = field(fn, "attrpath");
    const attrs = path?.childrenForFieldName("attr") ?? [];
    const last = attrs[attrs.length - 1];
    return last ? textOf(source, last) : undefined;
  }
  return undefined;
}

/** Every store-writing call in the file. */
export function findStoreFiles(source: string, root: Node): StoreFile[] {
  if (!/writeText|toFile|writeTextFile/.test(source)) return [];
  const out: StoreFile[] = [];
  const cursor = root.walk();
  try {
    walk: for (;;) {
      if (cursor.nodeType === "apply_expression") {
        const found = storeFileCall(source, cursor.currentNode);
        if (found) out.push(found);
      }
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) break walk;
    }
  } finally {
    cursor.delete();
  }
  return out;
}

function storeFileCall(source: string, node: Node): StoreFile | undefined {
  const fn = field(node, "function");
  const arg = field(node, "argument");
  if (!fn || !arg) return undefined;
  // writeTextFile { name = …; text = …; }
  const direct = headName(source, fn);
  if (direct === "writeTextFile" && arg.type === "attrset_expression") {
    const result: StoreFile = { fn: direct, start: node.startIndex, end: node.endIndex };
    for (const b of bindingsOf(bindingSetOf(arg))) {
      if (b.type !== "binding") continue;
      const attrs = bindingAttrs(b);
      const key = attrs.length === 1 ? textOf(source, attrs[0]!) : "";
      const value = field(b, "expression");
      const lit = value ? literalText(source, value) : undefined;
      if (key === "name" && lit) result.name = lit.text;
      if (key === "text" && lit) result.content = lit.text;
    }
    return result;
  }
  // writeText name content / toFile name content: the outer application of a two-argument call
  if (fn.type !== "apply_expression") return undefined;
  const inner = field(fn, "function");
  const nameArg = field(fn, "argument");
  if (!inner || !nameArg) return undefined;
  const head = headName(source, inner);
  if (!head || !STORE_WRITERS.has(head) || head === "writeTextFile") return undefined;
  const result: StoreFile = { fn: head, start: node.startIndex, end: node.endIndex };
  const n = literalText(source, nameArg);
  if (n) result.name = n.text;
  const c = literalText(source, arg);
  if (c) result.content = c.text;
  return result;
}

/** Why a store file looks like it holds a secret, or undefined. */
export function storeFileSecret(f: StoreFile): string | undefined {
  if (f.content !== undefined && SECRET_CONTENT.test(f.content)) {
    const m = SECRET_CONTENT.exec(f.content)!;
    return /PRIVATE KEY/.test(m[0]) ? "its content is a private key" : `its content sets ${m[0].trim().replace(/\s*[:=].*$/, "").replace(/^["'{,;]+|["']+$/g, "")}`;
  }
  if (f.name !== undefined && SECRET_NAME.test(f.name) && !SECRET_REFERENCE_NAME.test(f.name)) return `its name "${f.name}" says it holds a secret`;
  return undefined;
}

/** Whether an environment variable assignment looks like a secret with its value in the unit file. */
export function secretEnvironment(name: string, value: string): boolean {
  if (!SECRET_NAME.test(name) || SECRET_REFERENCE_NAME.test(name)) return false;
  const v = value.trim();
  if (v === "") return false;
  // a path to a secret file, a systemd credential or a variable reference is fine
  // (a `${…}` is a Nix interpolation: its value is in the unit file too)
  if (/^(\/run\/|\/var\/|\/etc\/|%d\/|\$[A-Za-z_])/.test(v)) return false;
  return true;
}
