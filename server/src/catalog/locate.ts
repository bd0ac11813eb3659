import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Where the installed sources are: read-only look-ups of well-known paths and of files (NIX_PATH,
 * flake.lock). Nothing is run or evaluated.
 */

const GUILE_SITE = path.join("share", "guile", "site", "3.0");

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A Guix source tree from a path the user gave: a profile (its share/guile/site/3.0), that folder
 * itself, or a checkout (has gnu/services). undefined when it is none of these.
 */
export function guixTreeOf(given: string): string | undefined {
  const expanded = expandHome(given);
  const site = path.join(expanded, GUILE_SITE);
  if (isDir(path.join(site, "gnu"))) return site;
  if (isDir(path.join(expanded, "gnu"))) return expanded;
  return undefined;
}

/** The user's current Guix: the setting, else the usual profile locations, in order. */
export function locateGuixSource(setting?: string, env: NodeJS.ProcessEnv = process.env): { path: string; how: string } | undefined {
  if (setting) {
    const tree = guixTreeOf(setting);
    return tree ? { path: tree, how: "pola.guix.sourcePath" } : undefined;
  }
  const user = env.USER ?? env.LOGNAME ?? safeUser();
  const home = env.HOME ?? os.homedir();
  const candidates = [
    path.join(home, ".config", "guix", "current"),
    ...(user ? [path.join("/var/guix/profiles/per-user", user, "current-guix")] : []),
    "/run/current-system/profile",
  ];
  for (const c of candidates) {
    const site = path.join(c, GUILE_SITE);
    if (isDir(path.join(site, "gnu", "services"))) return { path: site, how: c };
  }
  return undefined;
}

function safeUser(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

/** A nixpkgs tree: has nixos/modules (a nixpkgs checkout or channel). */
export function nixpkgsTreeOf(given: string): string | undefined {
  const expanded = expandHome(given);
  if (isDir(path.join(expanded, "nixos", "modules"))) return expanded;
  return undefined;
}

/**
 * The nixpkgs the system uses: the setting; NIX_PATH's `nixpkgs=` (or an entry holding a nixpkgs
 * folder); a workspace flake's locked nixpkgs input, only when that store path exists; the usual
 * channel locations.
 */
export function locateNixpkgs(setting: string | undefined, workspaceRoots: readonly string[], env: NodeJS.ProcessEnv = process.env): { path: string; how: string } | undefined {
  if (setting) {
    const tree = nixpkgsTreeOf(setting);
    return tree ? { path: tree, how: "pola.nixos.nixpkgsPath" } : undefined;
  }
  for (const entry of (env.NIX_PATH ?? "").split(":").filter(Boolean)) {
    const eq = entry.indexOf("=");
    if (eq > 0) {
      if (entry.slice(0, eq) !== "nixpkgs") continue;
      const tree = nixpkgsTreeOf(entry.slice(eq + 1));
      if (tree) return { path: tree, how: "NIX_PATH" };
    } else if (!/^[a-z]+:\/\//.test(entry)) {
      const tree = nixpkgsTreeOf(path.join(entry, "nixpkgs"));
      if (tree) return { path: tree, how: "NIX_PATH" };
    }
  }
  for (const root of workspaceRoots) {
    const store = flakeNixpkgsPath(path.join(root, "flake.lock"));
    if (store) {
      const tree = nixpkgsTreeOf(store);
      if (tree) return { path: tree, how: "flake.lock" };
    }
  }
  const home = env.HOME ?? os.homedir();
  for (const c of [path.join(home, ".nix-defexpr", "channels", "nixpkgs"), "/nix/var/nix/profiles/per-user/root/channels/nixos", "/nix/var/nix/profiles/per-user/root/channels/nixpkgs"]) {
    const tree = nixpkgsTreeOf(c);
    if (tree) return { path: tree, how: c };
  }
  return undefined;
}

/**
 * The store path of a flake.lock's nixpkgs input (`/nix/store/<hash>-source`), computed from its
 * narHash as Nix computes fixed-output paths, or undefined when the lock has none or the path does
 * not exist (nothing is fetched).
 */
export function flakeNixpkgsPath(lockFile: string, mustExist = true): string | undefined {
  let lock: { nodes?: Record<string, { inputs?: Record<string, unknown>; locked?: { narHash?: unknown } }>; root?: string };
  try {
    lock = JSON.parse(fs.readFileSync(lockFile, "utf8"));
  } catch {
    return undefined;
  }
  const nodes = lock.nodes ?? {};
  const root = nodes[lock.root ?? "root"];
  const ref = root?.inputs?.["nixpkgs"];
  const name = typeof ref === "string" ? ref : Object.keys(nodes).find((n) => n === "nixpkgs" || n.startsWith("nixpkgs_"));
  const narHash = name ? nodes[name]?.locked?.narHash : undefined;
  if (typeof narHash !== "string") return undefined;
  const store = fixedOutputSourcePath(narHash);
  if (!store) return undefined;
  if (mustExist && !isDir(store)) return undefined;
  return store;
}

const NIX_BASE32 = "0123456789abcdfghijklmnpqrsvwxyz";

/** Nix's base-32 (its own alphabet, least significant digit last). */
export function nixBase32(bytes: Uint8Array): string {
  const length = Math.ceil((bytes.length * 8) / 5);
  let out = "";
  for (let n = length - 1; n >= 0; n--) {
    const b = n * 5;
    const i = Math.floor(b / 8);
    const j = b % 8;
    const c = (bytes[i] >> j) | (i >= bytes.length - 1 ? 0 : (bytes[i + 1] << (8 - j)) & 0xff);
    out += NIX_BASE32[c & 0x1f];
  }
  return out;
}

/** `/nix/store/<hash>-source` for a recursive sha256 (SRI `sha256-…` or hex) fixed-output source. */
export function fixedOutputSourcePath(narHash: string, storeDir = "/nix/store", name = "source"): string | undefined {
  let hex: string;
  if (narHash.startsWith("sha256-")) hex = Buffer.from(narHash.slice(7), "base64").toString("hex");
  else if (/^sha256:[0-9a-f]{64}$/.test(narHash)) hex = narHash.slice(7);
  else return undefined;
  if (hex.length !== 64) return undefined;
  const inner = createHash("sha256").update(`source:sha256:${hex}:${storeDir}:${name}`).digest();
  const compressed = new Uint8Array(20);
  for (let i = 0; i < inner.length; i++) compressed[i % 20] ^= inner[i];
  return `${storeDir}/${nixBase32(compressed)}-${name}`;
}

/** The OS cache folder for pola (POLA_CACHE_DIR overrides). */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POLA_CACHE_DIR) return env.POLA_CACHE_DIR;
  const home = env.HOME ?? os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "pola");
  if (process.platform === "win32") return path.join(env.LOCALAPPDATA ?? path.join(home, "AppData", "Local"), "pola", "Cache");
  return path.join(env.XDG_CACHE_HOME || path.join(home, ".cache"), "pola");
}
