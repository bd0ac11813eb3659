import { execFile } from "node:child_process";
import * as path from "node:path";

/**
 * The last committed text of a file, from git. Only the transports (language server, CLI) call
 * this — never a rule. git runs with no pager, no system configuration, no fsmonitor hook and no
 * textconv filter, in the file's directory, with a timeout: reading a blob runs no code of the
 * workspace.
 */
export type Committed = { kind: "ok"; text: string; ref: string } | { kind: "absent"; why: string } | { kind: "unavailable"; why: string };

export const GIT_TIMEOUT_MS = 5000;

export function committedText(file: string, timeoutMs = GIT_TIMEOUT_MS): Promise<Committed> {
  const dir = path.dirname(file);
  const name = path.basename(file);
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C", LANGUAGE: "C", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };
  for (const k of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "PAGER"]) delete env[k];
  return new Promise((resolve) => {
    execFile(
      "git",
      ["--no-pager", "-c", "core.fsmonitor=false", "-c", "core.pager=cat", "show", "--no-textconv", "--no-ext-diff", `HEAD:./${name}`],
      { cwd: dir, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8", windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) return resolve({ kind: "ok", text: stdout, ref: "HEAD" });
        const e = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
        if (e.code === "ENOENT" && !stderr) return resolve({ kind: "unavailable", why: "git is not installed" });
        if (e.killed || e.signal === "SIGTERM") return resolve({ kind: "unavailable", why: `git did not answer within ${timeoutMs / 1000} s` });
        const message = String(stderr ?? "").trim();
        if (/not a git repository/i.test(message)) return resolve({ kind: "unavailable", why: "the file is not in a git repository" });
        if (/dubious ownership/i.test(message)) return resolve({ kind: "unavailable", why: "git refuses the repository (dubious ownership: safe.directory)" });
        if (/invalid object name 'HEAD'|unknown revision|ambiguous argument 'HEAD/i.test(message)) return resolve({ kind: "absent", why: "the repository has no commit yet" });
        if (/exists on disk, but not in|does not exist in 'HEAD'/i.test(message)) return resolve({ kind: "absent", why: `${name} is not in the last commit` });
        resolve({ kind: "unavailable", why: `git show failed: ${message.split("\n")[0] || e.message}` });
      },
    );
  });
}

/** Committed texts, remembered for a few seconds so that typing does not start git on every key. */
export class CommittedCache {
  private readonly entries = new Map<string, { at: number; value: Promise<Committed> }>();
  constructor(
    private readonly ttlMs = 3000,
    private readonly read: (file: string) => Promise<Committed> = committedText,
  ) {}

  get(file: string): Promise<Committed> {
    const now = Date.now();
    const e = this.entries.get(file);
    if (e && now - e.at < this.ttlMs) return e.value;
    const value = this.read(file);
    this.entries.set(file, { at: now, value });
    if (this.entries.size > 500) {
      for (const [k, v] of this.entries) if (now - v.at >= this.ttlMs) this.entries.delete(k);
    }
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
