/**
 * The per-rule Guix fixtures: test/fixtures/guix/<rule-name>/<case>.scm, each a whole service module.
 *
 *  - `unsafe-*.scm`: the rule fires; `safe-*.scm`: it does not; `suppressed-*.scm`: it fires and every
 *    finding is silenced by a `pola-ignore` comment with a reason.
 *  - A comment `; expect: guix/<rule>` at the end of a line says a finding of that rule starts on that
 *    line; for every rule named in such markers (and always for the case's rule), the lines with
 *    findings are exactly the marked ones.
 *  - `<case>.expected.json` is the snapshot of services and findings as the CLI prints them
 *    (POLA_UPDATE_SNAPSHOTS=1 regenerates it; read the diff before committing it).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { GUIX_RULES } from "../../server/src/rules/guix/index";
import { analyzeText, assertSnapshot, snapshotOf } from "../helpers/fixtures";
import { FIXTURES, ROOT } from "../helpers/paths";

const GUIX = path.join(FIXTURES, "guix");
const MARKER = /;+\s*expect:\s*((?:guix\/[\w-]+[\s,]*)+)/g;

function ruleDirs(): string[] {
  return fs
    .readdirSync(GUIX)
    .filter((d) => !d.startsWith("_") && fs.statSync(path.join(GUIX, d)).isDirectory())
    .sort();
}

function casesOf(dir: string): string[] {
  return fs
    .readdirSync(path.join(GUIX, dir))
    .filter((f) => f.endsWith(".scm") && !f.endsWith(".fixed.scm"))
    .sort();
}

/** rule id → 1-based lines its findings are expected on. */
function markers(text: string): Map<string, number[]> {
  const result = new Map<string, number[]>();
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    for (const m of line.matchAll(MARKER)) {
      for (const id of m[1].split(/[\s,]+/).filter(Boolean)) {
        const lines = result.get(id) ?? [];
        lines.push(i + 1);
        result.set(id, lines);
      }
    }
  });
  return result;
}

test("every Guix rule has an unsafe and a safe fixture, and a doc page", () => {
  const dirs = new Set(ruleDirs());
  for (const rule of GUIX_RULES) {
    const name = rule.id.replace(/^guix\//, "");
    assert.ok(dirs.has(name), `test/fixtures/guix/${name}/ exists`);
    const cases = casesOf(name);
    assert.ok(cases.some((c) => c.startsWith("unsafe-")), `${rule.id} has an unsafe-*.scm fixture`);
    assert.ok(cases.some((c) => c.startsWith("safe-")), `${rule.id} has a safe-*.scm fixture`);
    assert.ok(fs.existsSync(path.join(ROOT, "docs", "rules", `${rule.id}.md`)), `docs/rules/${rule.id}.md exists`);
  }
  for (const dir of dirs) assert.ok(GUIX_RULES.some((r) => r.id === `guix/${dir}`), `test/fixtures/guix/${dir} names a rule`);
});

for (const dir of ruleDirs()) {
  const rule = `guix/${dir}`;
  for (const file of casesOf(dir)) {
    test(`${rule}: ${file}`, async () => {
      const full = path.join(GUIX, dir, file);
      const text = fs.readFileSync(full, "utf8");
      const lineCount = text.split("\n").length;
      assert.ok(lineCount >= 80 && lineCount <= 260, `${file} is a realistic service module (${lineCount} lines)`);
      assert.match(text, /\(define-module /, "has a define-module");
      const analysis = await analyzeText(text, "guix", `file://${full}`);
      analysis.document.dispose();
      assert.equal(analysis.parseErrors, 0, "parses without errors");
      assert.ok(!analysis.findings.some((f) => f.ruleId === "pola/internal-error"), "no internal error");

      const expected = markers(text);
      if (!expected.has(rule)) expected.set(rule, []);
      for (const [id, lines] of expected) {
        const actual = analysis.findings.filter((f) => f.ruleId === id).map((f) => f.range.start.line + 1);
        assert.deepEqual([...new Set(actual)].sort((a, b) => a - b), [...new Set(lines)].sort((a, b) => a - b), `lines of ${id} findings`);
      }
      const own = analysis.findings.filter((f) => f.ruleId === rule);
      if (file.startsWith("unsafe-")) {
        assert.ok(own.length > 0, `${rule} fires`);
        assert.ok(own.every((f) => !f.suppressed), "unsafe findings are not suppressed");
      } else if (file.startsWith("safe-")) {
        assert.equal(own.length, 0, `${rule} does not fire`);
      } else if (file.startsWith("suppressed-")) {
        assert.ok(own.length > 0, `${rule} fires`);
        for (const f of own) assert.ok(f.suppressed && f.suppressed.reason.length > 0, "silenced with a reason");
      } else {
        assert.fail(`${file}: name cases unsafe-*, safe-* or suppressed-*`);
      }
      assertSnapshot(full.replace(/\.scm$/, ".expected.json"), snapshotOf(analysis));
    });
  }
}

// The larger service fixtures and the examples: their analysis is pinned too (snapshots in _services/).
for (const dir of [path.join(FIXTURES, "services", "guix"), path.join(ROOT, "examples", "guix")]) {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".scm")).sort()) {
    test(`${path.relative(ROOT, path.join(dir, file))}: services and findings`, async () => {
      const text = fs.readFileSync(path.join(dir, file), "utf8");
      const analysis = await analyzeText(text, "guix", `file://${path.join(dir, file)}`);
      analysis.document.dispose();
      assert.equal(analysis.parseErrors, 0);
      assertSnapshot(path.join(GUIX, "_services", file.replace(/\.scm$/, ".expected.json")), snapshotOf(analysis));
    });
  }
}
