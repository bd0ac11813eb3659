// npm run bench: every benchmark, one after the other. Figures go in the README by hand.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const name of ["throughput", "lsp-latency", "guix-analysis", "nixos-analysis", "exposure", "catalog-index"]) {
  if (only.length && !only.includes(name)) continue;
  const file = path.join(here, `${name}.mjs`);
  if (!fs.existsSync(file)) continue;
  console.log(`\n=== ${name}`);
  const r = spawnSync(process.execPath, [file], { stdio: "inherit" });
  if (r.status !== 0) process.exitCode = 1;
}
