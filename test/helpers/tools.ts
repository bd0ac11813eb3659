import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";

/** Whether a command is on PATH. */
export function hasTool(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).status === 0;
}

/**
 * For tests that need an outside tool (an oracle): skip loudly, naming the tool, when it is absent —
 * except under CI (POLA_REQUIRE_ORACLES=1, set by .ci/run), where a missing tool is a failure.
 * Returns true when the test may go on.
 */
export function requireTool(t: TestContext, command: string, install: string): boolean {
  if (hasTool(command)) return true;
  const message = `${command} not installed (${install})`;
  if (process.env.POLA_REQUIRE_ORACLES === "1") throw new Error(`required oracle missing: ${message}`);
  process.stderr.write(`\n*** skipped: ${message} ***\n`);
  t.skip(`skipped: ${message}`);
  return false;
}
