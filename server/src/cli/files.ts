import * as fs from "node:fs";
import * as path from "node:path";
import { languageOfPath } from "../parsing/languages";

const SKIPPED_DIRECTORIES = new Set(["node_modules", ".git", ".hg", ".svn", ".direnv", "result"]);

export class UsageError extends Error {}

/**
 * Expands the command-line paths: files as given (whatever their extension, when named explicitly
 * and pola reads their language), directories walked for .scm and .nix files in a stable order.
 */
export function collectFiles(inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      throw new UsageError(`no such file or directory: ${input}`);
    }
    if (stat.isDirectory()) walk(input, files);
    else if (languageOfPath(input)) files.push(input);
    else throw new UsageError(`not a Guix (.scm) or Nix (.nix) file: ${input}`);
  }
  return [...new Set(files)];
}

function walk(dir: string, into: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw new UsageError(`cannot read directory ${dir}: ${(error as Error).message}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(full, into);
    } else if (entry.isFile() && languageOfPath(entry.name)) {
      into.push(full);
    }
  }
}

/** Reads a file as UTF-8; invalid sequences become U+FFFD (reported), a BOM is dropped. */
export function readSource(file: string): { text: string; invalidUtf8: boolean } {
  const bytes = fs.readFileSync(file);
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(bytes);
  return { text, invalidUtf8: text.includes("\uFFFD") && !bytes.includes(Buffer.from("\uFFFD")) };
}
