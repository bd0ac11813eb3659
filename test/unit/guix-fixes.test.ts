/**
 * Every fix pola offers on every Guix fixture goes through the shared checkFix oracle: applied, the
 * text still parses (our grammar and Guile's reader), the finding is gone, nothing outside the edits
 * changed, and the same fix is not offered again.
 *
 * Besides, each fixture with fixes has a `.fixed.scm` snapshot: the text after applying, from the top
 * and re-analysing in between, the preferred (or first) fix of each finding — of the case's rule for
 * test/fixtures/guix/<rule>/<case>.scm, of every rule for the service fixtures and examples (whose
 * snapshots live in test/fixtures/guix/_services/). POLA_UPDATE_SNAPSHOTS=1 regenerates them.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { applyEdits } from "../../server/src/model/edits";
import type { Finding } from "../../server/src/model/finding";
import { LineIndex } from "../../server/src/parsing/text";
import { analyzeText, checkFix, oracleAccepts, UPDATE } from "../helpers/fixtures";
import { FIXTURES, ROOT } from "../helpers/paths";
import { requireTool } from "../helpers/tools";

const GUIX = path.join(FIXTURES, "guix");
const SERVICE_SNAPSHOTS = path.join(GUIX, "_services");

interface Case {
  /** Display name. */
  name: string;
  file: string;
  /** Only this rule's fixes make up the .fixed.scm (undefined: every rule's). */
  rule?: string;
  fixedFile: string;
}

function cases(): Case[] {
  const result: Case[] = [];
  for (const dir of fs.readdirSync(GUIX).sort()) {
    if (dir.startsWith("_") || !fs.statSync(path.join(GUIX, dir)).isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(GUIX, dir)).sort()) {
      if (!f.endsWith(".scm") || f.endsWith(".fixed.scm")) continue;
      const file = path.join(GUIX, dir, f);
      result.push({ name: `guix/${dir}/${f}`, file, rule: `guix/${dir}`, fixedFile: file.replace(/\.scm$/, ".fixed.scm") });
    }
  }
  for (const dir of [path.join(FIXTURES, "services", "guix"), path.join(ROOT, "examples", "guix")]) {
    for (const f of fs.readdirSync(dir).sort()) {
      if (!f.endsWith(".scm")) continue;
      const file = path.join(dir, f);
      result.push({ name: path.relative(ROOT, file), file, fixedFile: path.join(SERVICE_SNAPSHOTS, f.replace(/\.scm$/, ".fixed.scm")) });
    }
  }
  return result;
}

const key = (f: Finding) => `${f.ruleId}\u0000${f.message}`;

/**
 * Applies the preferred (or first) fix of the top-most finding that has one, re-analyses, and goes
 * on until no finding with a fix is left. A finding whose fix did not make it go away is not tried
 * twice (the checkFix tests report that).
 */
async function applyAll(text: string, rule: string | undefined): Promise<{ text: string; applied: string[] }> {
  const tried = new Set<string>();
  const applied: string[] = [];
  for (let round = 0; round < 60; round++) {
    const analysis = await analyzeText(text, "guix");
    analysis.document.dispose();
    const next = analysis.findings.find((f) => !f.suppressed && f.fixes.length > 0 && (!rule || f.ruleId === rule) && !tried.has(key(f)));
    if (!next) return { text, applied };
    tried.add(key(next));
    const fix = next.fixes.find((x) => x.preferred) ?? next.fixes[0];
    const lines = new LineIndex(text);
    text = applyEdits(text, fix.edits, (p) => lines.offsetAt(p));
    applied.push(`${next.ruleId}: ${fix.title}`);
  }
  assert.fail("fixes did not converge in 60 rounds");
}

for (const c of cases()) {
  test(`every fix on ${c.name} passes checkFix`, async (t) => {
    if (!requireTool(t, "guile", "apt-get install guile-3.0")) return;
    const text = fs.readFileSync(c.file, "utf8");
    const analysis = await analyzeText(text, "guix");
    analysis.document.dispose();
    assert.equal(analysis.parseErrors, 0, "the fixture parses");
    let count = 0;
    for (const finding of analysis.findings) {
      if (finding.suppressed) continue;
      for (const fix of finding.fixes) {
        await t.test(`${finding.ruleId} L${finding.range.start.line + 1}: ${fix.title}`, async () => {
          await checkFix(text, "guix", finding, fix, "required");
        });
        count++;
      }
    }
    t.diagnostic(`${count} fixes checked`);
  });

  test(`${c.name}: applying the fixes from the top gives ${path.basename(c.fixedFile)}`, async (t) => {
    if (!requireTool(t, "guile", "apt-get install guile-3.0")) return;
    const text = fs.readFileSync(c.file, "utf8");
    const { text: fixed, applied } = await applyAll(text, c.rule);
    if (applied.length === 0) {
      assert.ok(!fs.existsSync(c.fixedFile), `${path.basename(c.fixedFile)} exists but no fix applies`);
      return;
    }
    const after = await analyzeText(fixed, "guix");
    after.document.dispose();
    assert.equal(after.parseErrors, 0, `the fully fixed text parses (${applied.join("; ")})`);
    const oracle = oracleAccepts(fixed, "guix");
    assert.ok(oracle?.ok, `Guile reads the fully fixed text: ${oracle?.message}`);
    if (UPDATE || !fs.existsSync(c.fixedFile)) {
      if (!UPDATE && process.env.CI) assert.fail(`missing snapshot ${c.fixedFile}`);
      fs.mkdirSync(path.dirname(c.fixedFile), { recursive: true });
      fs.writeFileSync(c.fixedFile, fixed);
      return;
    }
    assert.equal(fixed, fs.readFileSync(c.fixedFile, "utf8"), `${path.basename(c.fixedFile)} (POLA_UPDATE_SNAPSHOTS=1 to regenerate on purpose)`);
  });
}
