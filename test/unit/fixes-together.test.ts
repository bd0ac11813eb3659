import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { mergeEdits } from "../../server/src/features/codeActions";
import { applyEdits } from "../../server/src/model/edits";
import type { LanguageId } from "../../server/src/parsing/languages";
import { analyzeText, oracleAccepts } from "../helpers/fixtures";
import { ROOT } from "../helpers/paths";
import { requireTool } from "../helpers/tools";

function fixtureFiles(): string[] {
  const result: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(scm|nix)$/.test(e.name) && !/\.fixed\.(scm|nix)$/.test(e.name)) result.push(full);
    }
  };
  for (const d of ["examples", "test/fixtures/guix", "test/fixtures/nixos", "test/fixtures/services"]) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return result;
}

/**
 * Every fixture with all its fixes applied at once (the preferred fix of each finding, merged the way
 * "Fix all" merges them): the result parses (our grammar and the outside reader), each fixed finding
 * is gone, and nothing is offered again for the same place (applying twice equals applying once).
 */
for (const file of fixtureFiles()) {
  const language: LanguageId = file.endsWith(".nix") ? "nix" : "guix";
  test(`all fixes together: ${path.relative(ROOT, file)}`, async (t) => {
    if (!requireTool(t, language === "nix" ? "nix-instantiate" : "guile", language === "nix" ? "apt-get install nix-bin" : "apt-get install guile-3.0")) return;
    const text = fs.readFileSync(file, "utf8");
    const before = await analyzeText(text, language);
    const withFixes = before.findings.filter((f) => !f.suppressed && f.fixes.length > 0);
    if (withFixes.length === 0) {
      before.document.dispose();
      return;
    }
    const chosen = withFixes.map((f) => ({ finding: f, fix: f.fixes.find((x) => x.preferred) ?? f.fixes[0] }));
    const edits = mergeEdits(chosen.map((c) => c.fix));
    const taken = chosen.filter((c) => c.fix.edits.every((e) => edits.includes(e)));
    assert.ok(taken.length > 0);
    const fixed = applyEdits(text, edits, (p) => before.document.lineIndex.offsetAt(p));
    const parseErrorsBefore = before.parseErrors; // a few fixtures hold a known grammar gap on purpose
    before.document.dispose();
    const after = await analyzeText(fixed, language);
    assert.ok(after.parseErrors <= parseErrorsBefore, `the fixes add no parse error:\n${fixed}`);
    const oracle = oracleAccepts(fixed, language);
    assert.ok(oracle?.ok, `${language === "nix" ? "nix-instantiate --parse" : "Guile"} reads the text with all fixes: ${oracle?.message}`);
    for (const { finding } of taken) {
      assert.ok(
        !after.findings.some((f) => f.ruleId === finding.ruleId && f.message === finding.message && !f.suppressed),
        `${finding.ruleId} "${finding.message.slice(0, 80)}…" is gone after fixing everything`,
      );
    }
    // applying the same fixes again finds less to apply: each taken fix is offered once fewer
    // (several units can be offered the very same edit text at different places)
    const key = (x: { title: string; edits: { newText: string }[] }) => `${x.title}\u0000${x.edits.map((e) => e.newText).join("\u0001")}`;
    const count = (fs: typeof after.findings) => {
      const m = new Map<string, number>();
      for (const f of fs) for (const x of f.fixes) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
      return m;
    };
    const offeredBefore = count(withFixes);
    const offeredAfter = count(after.findings);
    const takenCount = new Map<string, number>();
    for (const { fix } of taken) takenCount.set(key(fix), (takenCount.get(key(fix)) ?? 0) + 1);
    for (const [k, n] of takenCount) {
      assert.ok((offeredAfter.get(k) ?? 0) <= (offeredBefore.get(k) ?? 0) - n, `"${k.split("\u0000")[0]}" is offered again after being applied`);
    }
    after.document.dispose();
  });
}
