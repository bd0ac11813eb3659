import { spawnSync } from "node:child_process";
import { POLA_BIN, ROOT } from "./paths";

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `pola` binary (bin/pola → out/cli.js) as CI would. */
export function runPola(args: string[], options: { cwd?: string; input?: string } = {}): RunResult {
  const r = spawnSync(process.execPath, [POLA_BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: "utf8",
    input: options.input,
    env: { ...process.env, NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
