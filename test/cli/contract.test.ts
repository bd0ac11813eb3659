import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers/paths";
import { runPola } from "../helpers/run";

function tempTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-cli-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const VALID_SCM = '(define-module (demo))\n(define greeting "héllo 😀")\n';
const VALID_NIX = '{ lib, ... }:\n{ networking.hostName = "démo"; }\n';
const BROKEN_SCM = '(define-module (demo))\n(define greeting "héllo 😀"\n';

test("pola check --format json prints the version-1 report with 1-based UTF-16 positions", () => {
  const dir = tempTree({
    "a/ok.scm": VALID_SCM,
    "a/ok.nix": VALID_NIX,
    "b/broken.scm": BROKEN_SCM,
    "node_modules/skip.scm": "(((",
    ".git/skip.nix": "{{{",
    "notes.txt": "not read",
  });
  const r = runPola(["check", "--format", "json", dir]);
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.version, 1);
  assert.equal(report.tool.name, "pola");
  assert.match(report.tool.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(
    report.files.map((f: { path: string }) => path.relative(dir, f.path)).sort(),
    ["a/ok.nix", "a/ok.scm", "b/broken.scm"],
  );
  for (const f of report.files) {
    assert.deepEqual(Object.keys(f).sort(), ["findings", "language", "parseErrors", "path", "services"]);
    assert.equal(f.language, f.path.endsWith(".nix") ? "nix" : "guix");
  }
  const broken = report.files.find((f: { path: string }) => f.path.endsWith("broken.scm"));
  assert.ok(broken.parseErrors >= 1);
  const finding = broken.findings[0];
  assert.deepEqual(Object.keys(finding).sort(), ["column", "endColumn", "endLine", "fixes", "line", "message", "ruleId", "service", "severity"]);
  assert.equal(finding.ruleId, "syntax/parse-error");
  assert.equal(finding.severity, "error");
  assert.ok(finding.line >= 1 && finding.column >= 1);
  assert.deepEqual(Object.keys(report.summary).sort(), ["durationMs", "files", "findings", "parseErrors", "services"]);
  assert.equal(report.summary.files, 3);
  assert.equal(report.summary.parseErrors, broken.parseErrors);
});

test("exit status: 0 when nothing reaches --fail-on, 1 when something does, 2 for usage and I/O errors", () => {
  const dir = tempTree({ "ok.scm": VALID_SCM, "broken.scm": BROKEN_SCM });
  assert.equal(runPola(["check", path.join(dir, "ok.scm")]).status, 0);
  assert.equal(runPola(["check", path.join(dir, "broken.scm")]).status, 1);
  assert.equal(runPola(["check", "--fail-on", "never", path.join(dir, "broken.scm")]).status, 0);
  const missing = runPola(["check", path.join(dir, "nope.scm")]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file or directory/);
  assert.equal(missing.stderr.trim().split("\n").length, 1, "one-line message");
  assert.equal(runPola(["check", "--format", "yaml", dir]).status, 2);
  assert.equal(runPola(["check", "--fail-on", "sometimes", dir]).status, 2);
  assert.equal(runPola(["check"]).status, 2);
  assert.equal(runPola(["frobnicate"]).status, 2);
  const txt = tempTree({ "a.txt": "x" });
  assert.equal(runPola(["check", path.join(txt, "a.txt")]).status, 2);
  assert.equal(runPola(["--version"]).status, 0);
});

test("text format: path:line:col severity ruleId message, then a summary", () => {
  const dir = tempTree({ "broken.scm": BROKEN_SCM });
  const r = runPola(["check", dir]);
  assert.equal(r.status, 1);
  const lines = r.stdout.trim().split("\n");
  assert.match(lines[0], new RegExp(`^${path.join(dir, "broken.scm").replace(/[/.]/g, "\\$&")}:\\d+:\\d+ error syntax/parse-error .+`));
  assert.match(lines[lines.length - 1], /^1 file, 0 services .*1 error.* in \d+ ms$/);
});

test("pola check on examples/ prints valid JSON", () => {
  const r = runPola(["check", "--format", "json", "--fail-on", "never", path.join(ROOT, "examples")]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.ok(report.files.length >= 2);
  assert.ok(report.files.some((f: { language: string }) => f.language === "guix"));
  assert.ok(report.files.some((f: { language: string }) => f.language === "nix"));
  assert.equal(report.summary.parseErrors, 0);
});

test("a file that is not valid UTF-8 is still analysed, with a clear warning", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-cli-"));
  const file = path.join(dir, "latin1.scm");
  // "café" in Latin-1 inside a comment, and a stray 0xFF byte: not UTF-8
  fs.writeFileSync(file, Buffer.concat([Buffer.from("; caf"), Buffer.from([0xe9, 0x0a, 0xff]), Buffer.from('\n(define x "ok")\n')]));
  const r = runPola(["check", "--format", "json", file]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const finding = report.files[0].findings[0];
  assert.equal(finding.ruleId, "syntax/encoding");
  assert.match(finding.message, /not valid UTF-8/);
});
