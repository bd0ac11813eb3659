import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import { ROOT } from "../helpers/paths";
import { runPola } from "../helpers/run";

const SCHEMA = path.join(ROOT, "node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

function validator() {
  const schema = JSON.parse(fs.readFileSync(SCHEMA, "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-ci-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const PASTEBIN = fs.readFileSync(path.join(ROOT, "examples/guix/pastebin.scm"), "utf8");

test("--format sarif is valid SARIF 2.1.0 with rules, docs, regions, fixes and suppressions", () => {
  const suppressed = PASTEBIN.replace("  (admin-token", "  ;; pola-ignore: guix/secret-in-store test token only\n  (admin-token");
  const dir = tempDir({ "svc/pastebin.scm": suppressed, "svc/broken.scm": "(define x" });
  const r = runPola(["check", "--format", "sarif", "svc"], { cwd: dir });
  assert.equal(r.status, 1, r.stderr);
  const data: unknown = JSON.parse(r.stdout);
  const validate = validator();
  assert.ok(validate(data), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const run = (data as { runs: any[] }).runs[0];
  assert.equal(run.columnKind, "utf16CodeUnits");
  const ids = run.tool.driver.rules.map((x: { id: string }) => x.id);
  assert.ok(ids.includes("guix/runs-as-root") && ids.includes("syntax/parse-error"));
  const rootRule = run.tool.driver.rules.find((x: { id: string }) => x.id === "guix/runs-as-root");
  assert.ok(rootRule.help.text.length > 0);
  const results = run.results as { ruleId: string; ruleIndex: number; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; fixes?: unknown[]; suppressions?: { kind: string; justification: string }[] }[];
  const runsAsRoot = results.find((x) => x.ruleId === "guix/runs-as-root")!;
  assert.equal(run.tool.driver.rules[runsAsRoot.ruleIndex].id, "guix/runs-as-root");
  assert.equal(runsAsRoot.locations[0].physicalLocation.artifactLocation.uri, "svc/pastebin.scm");
  assert.equal(runsAsRoot.locations[0].physicalLocation.region.startLine, suppressed.split("\n").findIndex((l) => l.includes("(start #~(make-forkexec-constructor")) + 1);
  assert.ok(runsAsRoot.fixes && runsAsRoot.fixes.length >= 1);
  const secret = results.find((x) => x.ruleId === "guix/secret-in-store")!;
  assert.deepEqual(secret.suppressions, [{ kind: "inSource", justification: "test token only" }]);
  assert.ok(results.some((x) => x.ruleId === "syntax/parse-error"));
});

test("--rule filters findings, --threshold fails on exposure, pola explain prints docs", () => {
  const dir = tempDir({ "pastebin.scm": PASTEBIN });
  const only = JSON.parse(runPola(["check", "--format", "json", "--rule", "guix/runs-as-root", "--fail-on", "warning", "pastebin.scm"], { cwd: dir }).stdout);
  assert.deepEqual([...new Set(only.files[0].findings.map((f: { ruleId: string }) => f.ruleId))], ["guix/runs-as-root"]);
  assert.equal(runPola(["check", "--rule", "guix/runs-as-root", "--fail-on", "error", "pastebin.scm"], { cwd: dir }).status, 0);
  assert.equal(runPola(["check", "--rule", "no/such-rule", "pastebin.scm"], { cwd: dir }).status, 2);
  assert.equal(runPola(["check", "--threshold", "eleven", "pastebin.scm"], { cwd: dir }).status, 2);
  const list = runPola(["explain"]);
  assert.equal(list.status, 0);
  assert.match(list.stdout, /^guix\/runs-as-root\s+warning\s+/m);
  assert.equal(runPola(["explain", "guix/nope"]).status, 2);
  const page = runPola(["explain", "guix/runs-as-root"]);
  assert.equal(page.status, 0);
  assert.match(page.stdout, /runs-as-root/);
});

test(".pola.json sets severities and ignored paths for the CLI", () => {
  const dir = tempDir({
    "services/pastebin.scm": PASTEBIN,
    "vendor/old.scm": "(define x",
    ".pola.json": JSON.stringify({ rules: { "guix/root-op-in-service-dir": "warning", "guix/log-file-in-service-dir": "off", "guix/secret-in-store": "off" }, ignore: ["vendor/**"] }),
  });
  const r = runPola(["check", "--format", "json", "."], { cwd: dir });
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.files.map((f: { path: string }) => f.path), ["services/pastebin.scm"]);
  const findings = report.files[0].findings as { ruleId: string; severity: string }[];
  assert.ok(!findings.some((f) => f.ruleId === "guix/log-file-in-service-dir" || f.ruleId === "guix/secret-in-store"));
  assert.ok(findings.filter((f) => f.ruleId === "guix/root-op-in-service-dir").every((f) => f.severity === "warning"));
  assert.equal(r.status, 0, "no error-level finding remains");
  assert.equal(runPola(["check", "--no-config", "."], { cwd: dir }).status, 1);
  fs.writeFileSync(path.join(dir, ".pola.json"), '{"rules": {"guix/runs-as-root": "loud"}}');
  const bad = runPola(["check", "."], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /severity must be one of/);
});

test("progress goes to stderr only when it is a terminal", () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 25; i++) files[`s${i}.scm`] = `(define x${i} "é")\n`;
  const dir = tempDir(files);
  const r = runPola(["check", "."], { cwd: dir });
  assert.equal(r.stderr, "");
});
