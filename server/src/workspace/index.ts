import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { PathClaim } from "../model/service";
import { countsAsUnsafe } from "../model/service";
import { SourceDocument, MAX_ANALYSED_BYTES } from "../parsing/document";
import { languageOfPath } from "../parsing/languages";
import { extractModel } from "../rules/run";

const SKIPPED = new Set(["node_modules", ".git", ".hg", ".svn", ".direnv", "result", "out", "build"]);
const MAX_FILES = 20000;

/** What the index keeps of a file: its claims and a count, never its tree or text. */
export interface IndexedFile {
  uri: string;
  claims: PathClaim[];
  unsafeServices: number;
  mtimeMs: number;
}

export interface IndexProgress {
  begin(total: number): void;
  report(done: number, total: number, file: string): void;
  end(): void;
}

/**
 * The workspace's .scm and .nix files, read in the background: ownership learned in one file (a
 * directory chowned to an account) informs findings in another. Only claims and counts stay in
 * memory; trees are dropped as soon as a file is read.
 */
export class WorkspaceIndex {
  private readonly files = new Map<string, IndexedFile>();
  private generation = 0;

  get size(): number {
    return this.files.size;
  }

  /** Lists the files below the roots (stable order, capped). */
  static listFiles(roots: string[], ignore: (file: string) => boolean = () => false): string[] {
    const result: string[] = [];
    const walk = (dir: string) => {
      if (result.length >= MAX_FILES) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIPPED.has(e.name) && !e.name.startsWith(".")) walk(full);
        } else if (e.isFile() && languageOfPath(e.name) && !ignore(full)) {
          result.push(full);
          if (result.length >= MAX_FILES) return;
        }
      }
    };
    for (const root of roots) walk(root);
    return result;
  }

  /**
   * Indexes the files, yielding to the event loop between files so requests are answered while
   * indexing runs. A newer call cancels an older one.
   */
  async indexAll(files: string[], progress?: IndexProgress): Promise<void> {
    const generation = ++this.generation;
    progress?.begin(files.length);
    try {
      for (const [i, file] of files.entries()) {
        if (generation !== this.generation) return;
        await this.indexFile(file);
        if (i % 10 === 0) progress?.report(i + 1, files.length, file);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      progress?.end();
    }
  }

  /** (Re)reads one file from disk; returns whether its claims changed. */
  async indexFile(file: string): Promise<boolean> {
    const uri = pathToFileURL(file).href;
    const language = languageOfPath(file);
    if (!language) return false;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return this.remove(uri);
    }
    const previous = this.files.get(uri);
    if (previous && previous.mtimeMs === stat.mtimeMs) return false;
    if (stat.size > MAX_ANALYSED_BYTES) return this.remove(uri);
    const text = fs.readFileSync(file, "utf8");
    return this.update(uri, language, text, stat.mtimeMs);
  }

  /** Takes a file's claims from its text (open documents report through here too). */
  async update(uri: string, language: "guix" | "nix", text: string, mtimeMs = Date.now()): Promise<boolean> {
    let document: SourceDocument | undefined;
    try {
      document = await SourceDocument.create(uri, language, text);
      const model = extractModel(document);
      return this.set({ uri, claims: model.claims.map((c) => ({ ...c, uri })), unsafeServices: model.services.filter(countsAsUnsafe).length, mtimeMs });
    } catch {
      return this.remove(uri);
    } finally {
      document?.dispose();
    }
  }

  /** Records a file's facts computed elsewhere (an open document's analysis). */
  set(entry: IndexedFile): boolean {
    const previous = this.files.get(entry.uri);
    this.files.set(entry.uri, entry);
    return !previous || JSON.stringify(previous.claims.map((c) => [c.path, c.account])) !== JSON.stringify(entry.claims.map((c) => [c.path, c.account]));
  }

  remove(uri: string): boolean {
    return this.files.delete(uri);
  }

  /** Claims made by every file but `uri`. */
  claimsExcept(uri: string): PathClaim[] {
    const result: PathClaim[] = [];
    for (const [u, f] of this.files) if (u !== uri) result.push(...f.claims);
    return result;
  }

  unsafeServices(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.unsafeServices;
    return n;
  }

  static uriToPath(uri: string): string | undefined {
    return uri.startsWith("file:") ? fileURLToPath(uri) : undefined;
  }
}
