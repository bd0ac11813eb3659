import type { PathClaim } from "../model/service";

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
