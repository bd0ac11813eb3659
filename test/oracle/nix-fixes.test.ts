/**
 * Every fix pola offers on every NixOS fixture, applied and checked by the shared fix checker
 * (our grammar and `nix-instantiate --parse` accept the result, the finding is gone, nothing outside
 * the edits changed, the fix does not re-offer itself). For fixtures in a rule's folder, applying that
 * rule's fixes one after another must give the `<case>.fixed.nix` beside it. And systemd-analyze,
 * given the unit file pola reads out of each module, computes pola's score.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { applyEdits } from "../../server/src/model/edits";
import { SCORED_SERVICE_DIRECTIVES } from "../../server/src/exposure/unit";
import { extractNix, nixDetails, type NixUnit } from "../../server/src/nixos/extract";
import { SourceDocument } from "../../server/src/parsing/document";
import { LineIndex } from "../../server/src/parsing/text";
import { analyzeText, checkFix, oracleAccepts, UPDATE } from "../helpers/fixtures";
import { FIXTURES } from "../helpers/paths";
import { requireTool } from "../helpers/tools";

const DIR = path.join(FIXTURES, "nixos");

function fixtures(dir = DIR): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...fixtures(p));
    else if (e.name.endsWith(".nix") && !e.name.endsWith(".fixed.nix")) out.push(p);
  }
  return out.sort();
}

for (const file of fixtures()) {
  const rel = path.relative(DIR, file);
  const folder = path.dirname(rel);
  test(`nixos fixes on ${rel}`, async (t) => {
    if (!requireTool(t, "nix-instantiate", "apt-get install nix-bin")) return;
    const text = fs.readFileSync(file, "utf8");
    const original = oracleAccepts(text, "nix");
    assert.ok(original?.ok, `${rel} itself is valid Nix: ${original?.message}`);
    const analysis = await analyzeText(text, "nix");
    analysis.document.dispose();
    if (analysis.parseErrors > 0) return; // a grammar gap (see shapes/trailing-comma.nix): fixes cannot be checked by reparsing
    let count = 0;
    for (const finding of analysis.findings) {
      for (const fix of finding.fixes) {
        await checkFix(text, "nix", finding, fix, "required");
        count++;
      }
    }
    // the rule's own fixes, applied one after another, give the .fixed.nix
    const ruleId = `nixos/${folder}`;
    const fixedFile = file.replace(/\.nix$/, ".fixed.nix");
    let current = text;
    for (let round = 0; round < 20; round++) {
      const a = await analyzeText(current, "nix");
      a.document.dispose();
      const next = a.findings.find((f) => f.ruleId === ruleId && f.fixes.length > 0 && !f.suppressed);
      if (!next) break;
      const lines = new LineIndex(current);
      current = applyEdits(current, next.fixes[0]!.edits, (p) => lines.offsetAt(p));
    }
    if (current === text) {
      assert.ok(!fs.existsSync(fixedFile), `${rel}: no ${ruleId} fix applies, but ${path.basename(fixedFile)} exists`);
      return;
    }
    if (UPDATE || !fs.existsSync(fixedFile)) {
      if (!UPDATE && process.env.CI) assert.fail(`missing ${fixedFile}`);
      fs.writeFileSync(fixedFile, current);
    }
    assert.equal(current, fs.readFileSync(fixedFile, "utf8"), `${rel}: applying the ${ruleId} fixes gives ${path.basename(fixedFile)}`);
    assert.ok(count > 0);
  });
}

// ------------------------------------------------------------------------------------------------
// The unit files pola reads out of each module, scored by systemd-analyze itself: pola's score (and
// the B of "Harden (A → B)", on the fixed module) must be what systemd computes for that unit.

function unitFileText(u: NixUnit): string | undefined {
  const lines: string[] = [];
  const section = (name: string, directives: Record<string, string[]>) => {
    lines.push(`[${name}]`);
    for (const [k, values] of Object.entries(directives)) {
      if (k.startsWith("Exec")) continue;
      for (const v of values) {
        if (v.includes("${") || v.includes("\n")) return false;
        lines.push(`${k}=${v}`);
      }
    }
    return true;
  };
  if (!section("Unit", u.score.unit.unit ?? {})) return undefined;
  if (!section("Service", u.score.unit.service)) return undefined;
  lines.push("ExecStart=/bin/true");
  return lines.join("\n") + "\n";
}

function systemdScore(dir: string, name: string, text: string): number {
  const file = path.join(dir, `${name}.service`);
  fs.writeFileSync(file, text);
  const r = spawnSync("systemd-analyze", ["security", "--offline=true", "--no-pager", file], { encoding: "utf8", timeout: 60000 });
  const m = /Overall exposure level for .*: (\d+\.\d)/.exec(r.stdout);
  assert.ok(m, `systemd-analyze scored ${name}: ${r.stdout}${r.stderr}`);
  return Number(m[1]);
}

async function unitsOfText(text: string): Promise<NixUnit[]> {
  const doc = await SourceDocument.create("file:///x.nix", "nix", text);
  try {
    return nixDetails(extractNix(doc)).units;
  } finally {
    doc.dispose();
  }
}

let totalCompared = 0;
let analyzeAvailable = false;

for (const file of fixtures()) {
  const rel = path.relative(DIR, file);
  test(`systemd-analyze agrees with pola's score for the units of ${rel}`, async (t) => {
    if (!requireTool(t, "systemd-analyze", "apt-get install systemd")) return;
    analyzeAvailable = true;
    const text = fs.readFileSync(file, "utf8");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-units-"));
    try {
      let compared = 0;
      for (const u of await unitsOfText(text)) {
        if (u.pattern || u.score.unknownKeys.some((k) => SCORED_SERVICE_DIRECTIVES.has(k)) || u.opaque.length) continue;
        const unitText = unitFileText(u);
        if (!unitText) continue;
        assert.equal(systemdScore(dir, u.name, unitText), u.score.best.score, `${u.name}: pola's score\n${unitText}`);
        compared++;
      }
      // after "Harden (A → B)", systemd-analyze gives B
      const analysis = await analyzeText(text, "nix");
      analysis.document.dispose();
      for (const f of analysis.findings.filter((x) => x.ruleId === "nixos/exposure")) {
        const fix = f.fixes.find((x) => x.title.startsWith("Harden"));
        if (!fix) continue;
        const b = Number(/→ (\d+\.\d)\)/.exec(fix.title)![1]);
        const lines = new LineIndex(text);
        const fixed = applyEdits(text, fix.edits, (p) => lines.offsetAt(p));
        const u = (await unitsOfText(fixed)).find((x) => x.name === f.service);
        assert.ok(u, `${f.service} still found after hardening`);
        assert.equal(u.score.best.score, b, `${f.service}: the fixed module scores B`);
        if (u.pattern || u.score.unknownKeys.some((k) => SCORED_SERVICE_DIRECTIVES.has(k)) || u.opaque.length) continue;
        const unitText = unitFileText(u);
        if (!unitText) continue;
        assert.equal(systemdScore(dir, u.name, unitText), b, `${f.service}: systemd-analyze on the hardened unit\n${unitText}`);
        compared++;
      }
      totalCompared += compared;
      if (compared === 0) t.diagnostic("no fully known unit to compare");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("systemd-analyze compared a good number of units", (t) => {
  if (!analyzeAvailable) return t.skip("systemd-analyze not installed");
  assert.ok(totalCompared >= 30, `compared ${totalCompared} units`);
  t.diagnostic(`${totalCompared} units compared with systemd-analyze`);
});
