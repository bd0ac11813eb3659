import * as fs from "node:fs";
import * as path from "node:path";
import { CommittedCache, committedText } from "./git";
import type { DeployIO } from "./inputs";

/** local-files pola reads for rulesets and server configurations (never keys or certificates). */
const READABLE = /\.(nft|nftables|conf|rules|v4|v6|iptables|ruleset|txt)$|^[^.]+$/i;
const MAX_READ = 1024 * 1024;

/**
 * The transports' file access for the deploy analysis: the disk (or an editor's buffer), git for
 * the committed versions, and only files below the given roots.
 */
export function nodeDeployIO(roots: readonly string[], options: { buffer?: (file: string) => string | undefined; cache?: CommittedCache } = {}): { io: DeployIO; exists: (f: string) => boolean } {
  const bases = roots.map((r) => path.resolve(r));
  const allowed = (file: string) => {
    const full = path.resolve(file);
    return bases.some((b) => full === b || full.startsWith(b.endsWith(path.sep) ? b : b + path.sep));
  };
  const readable = (file: string) => file.endsWith(".scm") || READABLE.test(path.basename(file));
  const io: DeployIO = {
    allowed: (file) => allowed(file) && readable(file),
    async read(file) {
      const open = options.buffer?.(file);
      if (open !== undefined) return open;
      try {
        const stat = fs.statSync(file);
        if (!stat.isFile() || stat.size > MAX_READ * 4) return undefined;
        return fs.readFileSync(file, "utf8");
      } catch {
        return undefined;
      }
    },
    committed: (file) => (options.cache ? options.cache.get(file) : committedText(file)),
  };
  const exists = (file: string) => {
    try {
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  return { io, exists };
}
