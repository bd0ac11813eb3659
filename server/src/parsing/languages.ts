import * as fs from "node:fs";
import * as path from "node:path";
import { Language, Parser } from "web-tree-sitter";

/** The two source languages pola reads: Guile Scheme as Guix uses it, and Nix. */
export type LanguageId = "guix" | "nix";

const WASM_FILES = {
  runtime: "web-tree-sitter.wasm",
  guix: "tree-sitter-scheme.wasm",
  nix: "tree-sitter-nix.wasm",
} as const;

/** Where each wasm lives in a source checkout (relative to the repository root). */
const CHECKOUT_LOCATIONS: Record<keyof typeof WASM_FILES, string> = {
  runtime: "node_modules/web-tree-sitter/web-tree-sitter.wasm",
  guix: "grammars/tree-sitter-scheme/tree-sitter-scheme.wasm",
  nix: "node_modules/@cursorless/tree-sitter-wasms/out/tree-sitter-nix.wasm",
};

/**
 * Finds a wasm file: next to the bundle (out/wasm, as shipped in the .vsix), or in the
 * checkout when running from compiled sources (tests). POLA_WASM_DIR overrides both.
 */
export function wasmPath(which: keyof typeof WASM_FILES): string {
  const candidates: string[] = [];
  if (process.env.POLA_WASM_DIR) candidates.push(path.join(process.env.POLA_WASM_DIR, WASM_FILES[which]));
  candidates.push(path.join(__dirname, "wasm", WASM_FILES[which]));
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, CHECKOUT_LOCATIONS[which]));
    if (path.dirname(dir) === dir) break;
  }
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`pola: cannot find ${WASM_FILES[which]} (looked in ${candidates.slice(0, 3).join(", ")}, …)`);
  return found;
}

let runtime: Promise<void> | undefined;
const loaded = new Map<LanguageId, Promise<Language>>();

/** Loads the tree-sitter runtime once per process, then each grammar on first use. */
export function loadLanguage(language: LanguageId): Promise<Language> {
  let promise = loaded.get(language);
  if (!promise) {
    runtime ??= (() => {
      const wasm = wasmPath("runtime");
      return Parser.init({ locateFile: () => wasm });
    })();
    promise = runtime.then(() => Language.load(wasmPath(language)));
    // a failed load (missing file) is retried next time rather than cached
    promise.catch(() => loaded.delete(language));
    loaded.set(language, promise);
  }
  return promise;
}

/** A parser for one language; each Document keeps its own. */
export async function createParser(language: LanguageId): Promise<Parser> {
  const lang = await loadLanguage(language);
  const parser = new Parser();
  parser.setLanguage(lang);
  return parser;
}

/** Which language a file name belongs to, or undefined when pola does not read it. */
export function languageOfPath(file: string): LanguageId | undefined {
  if (/\.(scm|ss|sls)$/i.test(file)) return "guix";
  if (/\.nix$/i.test(file)) return "nix";
  return undefined;
}

/** Which language an editor language id belongs to. */
export function languageOfEditorId(languageId: string): LanguageId | undefined {
  if (languageId === "scheme" || languageId === "guix" || languageId === "guile") return "guix";
  if (languageId === "nix") return "nix";
  return undefined;
}
