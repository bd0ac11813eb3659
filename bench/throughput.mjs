// Throughput of `pola check` over a generated tree (Guix + NixOS), against parsing alone and the
// outside readers (Guile, nix-instantiate --parse) on the same files, in one run.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { generateTree } from "./generate.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const FILES = Number(process.env.BENCH_FILES ?? 200);
const LINES = Number(process.env.BENCH_LINES ?? 100000);
const tree = path.join(root, ".bench-tmp", "tree");

const files = generateTree(tree, FILES, LINES);
const lines = files.reduce((n, f) => n + fs.readFileSync(f, "utf8").split("\n").length, 0);
const scm = files.filter((f) => f.endsWith(".scm"));
const nix = files.filter((f) => f.endsWith(".nix"));
const rows = [];
const row = (what, ms, count = files.length, n = lines, peak) =>
  rows.push({ what, ms: Math.round(ms), "files/s": Math.round((1000 * count) / ms), "lines/s": Math.round((1000 * n) / ms), "peak MB": peak ?? "" });

// 1. pola check, the real CLI process, with its peak memory
{
  const script = `require(${JSON.stringify(path.join(root, "out/cli.js"))}).main(["check","--format","json","--fail-on","never",${JSON.stringify(tree)}], { write() { return true; } }).then(() => process.stderr.write("maxrss " + process.resourceUsage().maxRSS + "\\n"))`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  const ms = performance.now() - t0;
  const rss = Number(/maxrss (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  if (r.status !== 0) throw new Error(r.stderr);
  row("pola check (parse + analysis, one process)", ms, files.length, lines, Math.round(rss));
}

// 2. tree-sitter parsing only, in this process
{
  const { createParser } = require(path.join(root, "build/server/src/parsing/languages.js"));
  const parsers = { guix: await createParser("guix"), nix: await createParser("nix") };
  const texts = files.map((f) => [f.endsWith(".nix") ? "nix" : "guix", fs.readFileSync(f, "utf8")]);
  const t0 = performance.now();
  for (const [language, text] of texts) parsers[language].parse(text).delete();
  row("tree-sitter parse only (both grammars)", performance.now() - t0);
}

// 3. Guile reading every datum of the .scm files (one process), when installed
if (spawnSync("sh", ["-c", "command -v guile"]).status === 0) {
  const script = path.join(root, ".bench-tmp", "read-all.scm");
  fs.writeFileSync(
    script,
    `(define (g c p) (let ((n (peek-char p))) (when (and (char? n) (char=? n #\\@)) (read-char p)) (list 'g (read p))))
(read-hash-extend #\\~ g) (read-hash-extend #\\$ g) (read-hash-extend #\\+ g)
(for-each (lambda (f) (call-with-input-file f (lambda (p) (let loop () (unless (eof-object? (read p)) (loop)))))) (cdr (command-line)))`,
  );
  const t0 = performance.now();
  const r = spawnSync("guile", ["--no-auto-compile", "-s", script, ...scm], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const n = scm.reduce((k, f) => k + fs.readFileSync(f, "utf8").split("\n").length, 0);
  row("Guile read, .scm files only (one process)", performance.now() - t0, scm.length, n);
} else rows.push({ what: "Guile read: skipped (guile-3.0 not installed)" });

// 4. nix-instantiate --parse on the .nix files (one process per file, as it takes one file)
if (spawnSync("sh", ["-c", "command -v nix-instantiate"]).status === 0) {
  const t0 = performance.now();
  for (const f of nix) {
    const r = spawnSync("nix-instantiate", ["--parse", f], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${f}: ${r.stderr}`);
  }
  const n = nix.reduce((k, f) => k + fs.readFileSync(f, "utf8").split("\n").length, 0);
  row("nix-instantiate --parse, .nix files only (process per file)", performance.now() - t0, nix.length, n);
} else rows.push({ what: "nix-instantiate: skipped (nix-bin not installed)" });

console.log(`\nTree: ${files.length} files (${scm.length} Guix, ${nix.length} NixOS), ${lines} lines`);
console.table(rows);
const check = rows[0].ms;
const parse = rows[1].ms;
console.log(`analysis/parse ratio: pola check takes ${(check / parse).toFixed(1)}× the bare parse (the rest is reading files, extraction, rules, JSON)`);
