import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { MAX_ANALYSED_BYTES, SourceDocument } from "../parsing/document";
import { VERSION } from "../version";
import { indexGuixDocument, mayDefineGuixServices } from "./guix-index";
import { cacheDirectory } from "./locate";
import { indexNixDocument, mayDeclareNixServices } from "./nix-index";
import type { CatalogEntry, FileIndex, GuixVersionInfo, ServiceList } from "./types";

/** Bump when what a FileIndex holds changes: old caches are then read again from the sources. */
const CACHE_SCHEMA = 1;
/** The most entries kept (a whole nixpkgs has about 1,500 service modules). */
export const MAX_ENTRIES = 20000;
const MAX_FILES = 20000;
const SKIPPED = new Set(["node_modules", ".git", ".hg", ".svn", ".direnv", "result", "out", "build", "tests", "test", "doc"]);

export type TreeKind = "guix" | "nix" | "workspace";

/** One source tree to read: the installed Guix, nixpkgs, or a workspace folder. */
export interface TreeSpec {
  kind: TreeKind;
  root: string;
  origin: CatalogEntry["origin"];
}

export interface CatalogProgress {
  begin(title: string, total: number): void;
  report(done: number, total: number, file: string): void;
  end(): void;
}

export interface TreeStats {
  root: string;
  kind: TreeKind;
  files: number;
  indexed: number;
  fromCache: number;
  entries: number;
  ms: number;
  cacheFile?: string;
}

/**
 * The catalog: service type or option path → the authority summary of its definition. Built once in
 * the background from the trees given, file by file, with a disk cache keyed by the tree's path (and
 * each file's mtime and size) so the next start reads only what changed.
 */
export class Catalog {
  readonly guix = new Map<string, CatalogEntry>();
  readonly nix = new Map<string, CatalogEntry>();
  readonly lists = new Map<string, ServiceList>();
  guixVersion?: GuixVersionInfo;
  readonly trees: TreeStats[] = [];
  /** Bumped on every change; analyses cache on it. */
  generation = 0;
  private readonly perTree = new Map<string, Map<string, FileIndex>>();

  get size(): number {
    return this.guix.size + this.nix.size;
  }

  lookupGuix(name: string): CatalogEntry | undefined {
    return this.guix.get(name);
  }

  lookupNix(optionPath: string): CatalogEntry | undefined {
    return this.nix.get(optionPath);
  }

  /** A definition's file as people name it: relative to the tree it was read from (`gnu/services/networking.scm`). */
  displayPath(file: string): string {
    let best: string | undefined;
    for (const t of this.trees) {
      const rel = path.relative(t.root, file);
      if (!rel.startsWith("..") && !path.isAbsolute(rel) && (best === undefined || rel.length < best.length)) best = rel;
    }
    return (best ?? file).split(path.sep).join("/");
  }

  /** Expands a list (`%base-services`) with the lists it includes, once each. */
  expandList(name: string, seen = new Set<string>()): string[] {
    const list = this.lists.get(name);
    if (!list || seen.has(name)) return [];
    seen.add(name);
    const out = [...list.types];
    for (const inc of list.includes) for (const t of this.expandList(inc, seen)) if (!out.includes(t)) out.push(t);
    return out;
  }

  /** Reads the trees (in order: later ones win, so list the workspace last). Yields between files. */
  async build(trees: readonly TreeSpec[], options: { progress?: CatalogProgress; cache?: boolean; cancelled?: () => boolean; yieldEvery?: number } = {}): Promise<void> {
    for (const tree of trees) {
      if (options.cancelled?.()) return;
      await this.indexTree(tree, options);
    }
    this.rebuild(trees);
  }

  private rebuild(trees: readonly TreeSpec[]): void {
    this.guix.clear();
    this.nix.clear();
    this.lists.clear();
    this.guixVersion = undefined;
    let count = 0;
    for (const tree of trees) {
      const files = this.perTree.get(treeKey(tree));
      if (!files) continue;
      for (const index of files.values()) {
        for (const e of index.entries) {
          if (count >= MAX_ENTRIES) break;
          const map = e.language === "guix" ? this.guix : this.nix;
          // a workspace definition wins over the installed one; within a tree, the first one
          const old = map.get(e.key);
          if (old && (old.origin === e.origin || old.origin === "workspace")) continue;
          if (!old) count++;
          map.set(e.key, e);
        }
        for (const l of index.lists ?? []) if (!this.lists.has(l.name) || tree.origin === "workspace") this.lists.set(l.name, l);
        if (index.activation && (tree.kind === "guix" || !this.guixVersion)) this.guixVersion = index.activation;
      }
    }
    this.generation++;
  }

  private async indexTree(tree: TreeSpec, options: { progress?: CatalogProgress; cache?: boolean; cancelled?: () => boolean; yieldEvery?: number }): Promise<void> {
    const started = performance.now();
    const files = listTreeFiles(tree);
    const cacheFile = options.cache === false ? undefined : cachePath(tree);
    const cached = cacheFile ? readCache(cacheFile, tree) : undefined;
    const result = new Map<string, FileIndex>();
    const stats: TreeStats = { root: tree.root, kind: tree.kind, files: files.length, indexed: 0, fromCache: 0, entries: 0, ms: 0 };
    if (cacheFile) stats.cacheFile = cacheFile;
    options.progress?.begin(`pola: indexing ${tree.kind === "workspace" ? "workspace" : tree.kind === "guix" ? "Guix" : "nixpkgs"} services`, files.length);
    let changed = !cached || cached.size !== files.length;
    try {
      for (const [i, file] of files.entries()) {
        if (options.cancelled?.()) return;
        let stat: fs.Stats;
        try {
          stat = fs.statSync(file);
        } catch {
          changed = true;
          continue;
        }
        const rel = path.relative(tree.root, file);
        const old = cached?.get(rel);
        if (old && old.mtimeMs === stat.mtimeMs && old.size === stat.size) {
          result.set(rel, old);
          stats.fromCache++;
        } else {
          changed = true;
          const index = await indexFile(file, tree, stat);
          stats.indexed++;
          if (index) result.set(rel, index);
          // parsing is the slow part: let requests in after each file parsed
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (i % 10 === 0) options.progress?.report(i + 1, files.length, rel);
        if ((options.yieldEvery ?? 25) > 0 && i % (options.yieldEvery ?? 25) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      options.progress?.end();
    }
    this.perTree.set(treeKey(tree), result);
    for (const f of result.values()) stats.entries += f.entries.length;
    stats.ms = Math.round(performance.now() - started);
    const existing = this.trees.findIndex((t) => t.root === tree.root && t.kind === tree.kind);
    if (existing >= 0) this.trees.splice(existing, 1, stats);
    else this.trees.push(stats);
    if (cacheFile && changed) writeCache(cacheFile, tree, result);
  }

  /** Re-reads one file of a tree already read (a watched workspace file changed); true when its entries changed. */
  async refreshFile(file: string, trees: readonly TreeSpec[]): Promise<boolean> {
    const tree = trees.find((t) => !path.relative(t.root, file).startsWith("..") && !path.isAbsolute(path.relative(t.root, file)));
    if (!tree) return false;
    const files = this.perTree.get(treeKey(tree));
    if (!files) return false;
    const rel = path.relative(tree.root, file);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(file);
    } catch {
      stat = undefined;
    }
    const before = JSON.stringify(files.get(rel)?.entries.map((e) => [e.key, e.definedIn.line]) ?? []);
    const index = stat && wanted(tree, file) ? await indexFile(file, tree, stat) : undefined;
    if (index) files.set(rel, index);
    else files.delete(rel);
    const after = JSON.stringify(index?.entries.map((e) => [e.key, e.definedIn.line]) ?? []);
    const changed = before !== after || Boolean(index?.entries.length);
    if (changed) this.rebuild(trees);
    return changed;
  }
}

function treeKey(tree: TreeSpec): string {
  return `${tree.kind}:${path.resolve(tree.root)}`;
}

function wanted(tree: TreeSpec, file: string): boolean {
  if (tree.kind === "guix") return file.endsWith(".scm");
  if (tree.kind === "nix") return file.endsWith(".nix");
  return file.endsWith(".scm") || file.endsWith(".nix");
}

/** The files of a tree worth reading: Guix's service and system modules, nixpkgs' NixOS modules, a workspace's .scm/.nix. */
export function listTreeFiles(tree: TreeSpec): string[] {
  const out: string[] = [];
  // an installed Guix profile is a tree of symlinks into the store: follow them, once each
  const visited = new Set<string>();
  const walk = (dir: string, ext: (name: string) => boolean) => {
    if (out.length >= MAX_FILES) return;
    try {
      const real = fs.realpathSync(dir);
      if (visited.has(real)) return;
      visited.add(real);
    } catch {
      return;
    }
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue;
        }
      }
      if (isDir) {
        if (!e.name.startsWith(".") && !SKIPPED.has(e.name)) walk(full, ext);
      } else if (isFile && ext(e.name)) {
        out.push(full);
        if (out.length >= MAX_FILES) return;
      }
    }
  };
  try {
    if (fs.statSync(tree.root).isFile()) return wanted(tree, tree.root) ? [tree.root] : [];
  } catch {
    return [];
  }
  const scm = (n: string) => n.endsWith(".scm");
  const nix = (n: string) => n.endsWith(".nix");
  if (tree.kind === "guix") {
    const gnu = path.join(tree.root, "gnu");
    if (fs.existsSync(path.join(gnu, "services"))) {
      if (fs.existsSync(path.join(gnu, "services.scm"))) out.push(path.join(gnu, "services.scm"));
      for (const sub of ["services", "system", path.join("home", "services")]) walk(path.join(gnu, sub), scm);
      const activation = path.join(gnu, "build", "activation.scm");
      if (fs.existsSync(activation)) out.push(activation);
    } else walk(tree.root, scm);
  } else if (tree.kind === "nix") {
    const modules = path.join(tree.root, "nixos", "modules");
    walk(fs.existsSync(modules) ? modules : tree.root, nix);
  } else {
    walk(tree.root, (n) => scm(n) || nix(n));
  }
  return out;
}

async function indexFile(file: string, tree: TreeSpec, stat: fs.Stats): Promise<FileIndex | undefined> {
  if (stat.size > MAX_ANALYSED_BYTES) return { mtimeMs: stat.mtimeMs, size: stat.size, entries: [] };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const language = file.endsWith(".nix") ? "nix" : "guix";
  const empty: FileIndex = { mtimeMs: stat.mtimeMs, size: stat.size, entries: [] };
  if (language === "guix" ? !mayDefineGuixServices(text) : !mayDeclareNixServices(text)) return empty;
  let document: SourceDocument | undefined;
  try {
    document = await SourceDocument.create(pathToFileURL(file).href, language, text);
    const index = language === "guix" ? indexGuixDocument(document, file, tree.origin) : indexNixDocument(document, file, tree.origin);
    return { mtimeMs: stat.mtimeMs, size: stat.size, ...index };
  } catch {
    return empty;
  } finally {
    document?.dispose();
  }
}

export function cachePath(tree: TreeSpec): string {
  const hash = createHash("sha256").update(`${tree.kind}\0${path.resolve(tree.root)}\0${tree.origin}`).digest("hex").slice(0, 16);
  return path.join(cacheDirectory(), `catalog-${hash}.json`);
}

interface CacheFile {
  schema: number;
  version: string;
  root: string;
  /** The root's real path: a `guix pull` points the profile at a new store item, whose files all have the same mtime. */
  real: string;
  kind: TreeKind;
  files: Record<string, FileIndex>;
}

function realRoot(tree: TreeSpec): string {
  try {
    return fs.realpathSync(tree.root);
  } catch {
    return path.resolve(tree.root);
  }
}

function readCache(file: string, tree: TreeSpec): Map<string, FileIndex> | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(file, "utf8")) as CacheFile;
    if (raw.schema !== CACHE_SCHEMA || raw.version !== VERSION || raw.root !== path.resolve(tree.root) || raw.real !== realRoot(tree) || raw.kind !== tree.kind) return undefined;
    return new Map(Object.entries(raw.files));
  } catch {
    return undefined;
  }
}

function writeCache(file: string, tree: TreeSpec, files: Map<string, FileIndex>): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const data: CacheFile = { schema: CACHE_SCHEMA, version: VERSION, root: path.resolve(tree.root), real: realRoot(tree), kind: tree.kind, files: Object.fromEntries(files) };
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data));
    fs.renameSync(tmp, file);
  } catch {
    // a cache that cannot be written only costs time next start
  }
}
