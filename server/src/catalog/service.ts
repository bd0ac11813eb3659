import * as path from "node:path";
import { Catalog, type CatalogProgress, type TreeSpec } from "./catalog";
import { locateGuixSource, locateNixpkgs } from "./locate";

export interface CatalogSettings {
  guixSourcePath?: string;
  nixpkgsPath?: string;
}

/** The settings from the editor's `pola` section: `pola.guix.sourcePath`, `pola.nixos.nixpkgsPath`. */
export function readCatalogSettings(raw: unknown): CatalogSettings {
  const r = (raw ?? {}) as { guix?: { sourcePath?: unknown }; nixos?: { nixpkgsPath?: unknown } };
  const out: CatalogSettings = {};
  if (typeof r.guix?.sourcePath === "string" && r.guix.sourcePath.trim()) out.guixSourcePath = r.guix.sourcePath.trim();
  if (typeof r.nixos?.nixpkgsPath === "string" && r.nixos.nixpkgsPath.trim()) out.nixpkgsPath = r.nixos.nixpkgsPath.trim();
  return out;
}

interface WorkDone {
  begin(title: string, percentage?: number, message?: string, cancellable?: boolean): void;
  report(percentage: number, message?: string): void;
  done(): void;
}

export interface CatalogServiceHost {
  log(message: string): void;
  /** LSP work-done progress (server-initiated), or undefined when the client has none. */
  createProgress(): Promise<WorkDone | undefined>;
  /** Called when a new catalog is in place (re-analyse open files, refresh lenses). */
  changed(): void;
}

/**
 * The language server's catalog: finds the installed sources, indexes them and the workspace in the
 * background (work-done progress, disk cache), and swaps the finished catalog in.
 */
export class CatalogService {
  catalog = new Catalog();
  trees: TreeSpec[] = [];
  status: "idle" | "indexing" | "ready" = "idle";
  sources: { guix?: { path: string; how: string }; nixpkgs?: { path: string; how: string } } = {};
  private key = "";
  private run = 0;
  private building?: Promise<void>;

  constructor(private readonly host: CatalogServiceHost) {}

  /** Locates the sources for these settings and (re)indexes when they changed. */
  configure(settings: CatalogSettings, workspaceRoots: readonly string[]): Promise<void> {
    const guix = locateGuixSource(settings.guixSourcePath);
    const nixpkgs = locateNixpkgs(settings.nixpkgsPath, workspaceRoots);
    if (settings.guixSourcePath && !guix) this.host.log(`pola.guix.sourcePath: no Guix source at ${settings.guixSourcePath} (expected a profile with share/guile/site/3.0, or a folder with gnu/)`);
    if (settings.nixpkgsPath && !nixpkgs) this.host.log(`pola.nixos.nixpkgsPath: no nixpkgs at ${settings.nixpkgsPath} (expected a folder with nixos/modules)`);
    const trees: TreeSpec[] = [];
    if (guix) trees.push({ kind: "guix", root: guix.path, origin: "installed" });
    if (nixpkgs) trees.push({ kind: "nix", root: nixpkgs.path, origin: "installed" });
    for (const root of workspaceRoots) {
      // the installed trees themselves may be open as the workspace: read them once
      if (trees.some((t) => path.resolve(t.root) === path.resolve(root))) continue;
      trees.push({ kind: "workspace", root, origin: "workspace" });
    }
    const key = JSON.stringify(trees);
    if (key === this.key && this.building) return this.building;
    this.key = key;
    this.sources = { guix, nixpkgs };
    this.trees = trees;
    const run = ++this.run;
    this.status = "indexing";
    this.host.log(`catalog: Guix source ${guix ? `${guix.path} (from ${guix.how})` : "not found"}; nixpkgs ${nixpkgs ? `${nixpkgs.path} (from ${nixpkgs.how})` : "not found"}`);
    this.building = this.build(trees, run);
    return this.building;
  }

  private async build(trees: TreeSpec[], run: number): Promise<void> {
    const next = new Catalog();
    let reporter: Promise<WorkDone | undefined> | undefined;
    let total = 0;
    const progress: CatalogProgress = {
      begin: (title, n) => {
        total = n;
        reporter = this.host.createProgress().then((p) => {
          p?.begin(title, 0, `${n} files`, false);
          return p;
        }, () => undefined);
      },
      report: (done, _n, file) => void reporter?.then((p) => p?.report(Math.round((100 * done) / Math.max(1, total)), file)),
      end: () => void reporter?.then((p) => p?.done()),
    };
    const started = performance.now();
    try {
      await next.build(trees, { progress, cancelled: () => run !== this.run });
    } catch (error) {
      this.host.log(`catalog: indexing failed: ${(error as Error).message}`);
    }
    if (run !== this.run) return;
    this.catalog = next;
    this.status = "ready";
    const t = next.trees.map((x) => `${x.kind} ${x.root}: ${x.files} files (${x.indexed} read, ${x.fromCache} from cache), ${x.entries} services, ${x.ms} ms`).join("; ");
    this.host.log(`catalog ready in ${Math.round(performance.now() - started)} ms: ${next.guix.size} Guix service types, ${next.nix.size} NixOS options, ${next.lists.size} service lists${next.guixVersion ? `, mkdir-p/perms ${next.guixVersion.mkdirPPerms}` : ""} — ${t}`);
    this.host.changed();
  }

  /** A watched workspace file changed on disk. */
  async fileChanged(file: string): Promise<void> {
    if (this.status !== "ready") return;
    if (await this.catalog.refreshFile(file, this.trees)) this.host.changed();
  }

  /** For `pola/catalog`: what was found and read. */
  describe(): unknown {
    const c = this.catalog;
    return {
      status: this.status,
      sources: this.sources,
      trees: c.trees,
      guix: c.guix.size,
      nix: c.nix.size,
      lists: [...c.lists.keys()],
      guixVersion: c.guixVersion ?? null,
      keys: [...c.guix.keys(), ...c.nix.keys()].sort(),
    };
  }
}
