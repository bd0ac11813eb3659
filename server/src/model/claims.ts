import type { PathClaim } from "./service";

/** Whether `path` lies strictly below `dir` (the directory itself is not redirectable when its parent is root's). */
export function isStrictlyBelow(path: string, dir: string): boolean {
  if (!dir.startsWith("/") || dir === "/") return false;
  const base = dir.endsWith("/") ? dir.slice(0, -1) : dir;
  return path.startsWith(base + "/") && path.length > base.length + 1;
}

/**
 * The innermost claim of a non-root account on a directory strictly above `path` (with
 * `lastFollowed` false: above its parent, for operations that do not follow the last component).
 */
export function claimAbove(path: string, claims: readonly PathClaim[], lastFollowed = true): PathClaim | undefined {
  return new ClaimIndex(claims).above(lastFollowed ? path : path.slice(0, path.lastIndexOf("/")));
}

/**
 * Non-root ownership claims by directory, so "which claim lies above this path" costs a lookup per
 * path component instead of a scan of every claim (the workspace can hold thousands).
 */
export class ClaimIndex {
  private readonly byPath = new Map<string, PathClaim[]>();
  private readonly byAccount = new Map<string, PathClaim[]>();

  constructor(readonly all: readonly PathClaim[]) {
    for (const c of all) {
      let mine = this.byAccount.get(c.account);
      if (!mine) this.byAccount.set(c.account, (mine = []));
      mine.push(c);
      if (c.account === "root" || !c.path.startsWith("/")) continue;
      const key = c.path.length > 1 ? c.path.replace(/\/+$/, "") : c.path;
      let list = this.byPath.get(key);
      if (!list) this.byPath.set(key, (list = []));
      list.push(c);
    }
  }

  /** Every claim of one account. */
  of(account: string): readonly PathClaim[] {
    return this.byAccount.get(account) ?? [];
  }

  /** The innermost non-root claim on a directory strictly above `path` (never `/` itself). */
  above(path: string): PathClaim | undefined {
    for (let dir = parentOf(path); dir && dir !== "/"; dir = parentOf(dir)) {
      const found = this.byPath.get(dir);
      if (found) return found[0];
    }
    return undefined;
  }

  /** The innermost non-root claim on `path` itself or a directory above it. */
  atOrAbove(path: string): PathClaim | undefined {
    const key = path.length > 1 ? path.replace(/\/+$/, "") : path;
    return this.byPath.get(key)?.[0] ?? this.above(key);
  }
}

function parentOf(path: string): string | undefined {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return undefined;
  return i === 0 ? "/" : trimmed.slice(0, i);
}
