import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { codeActions } from "../../server/src/features/codeActions";
import { toDiagnostics } from "../../server/src/features/diagnostics";
import { reportHtml } from "../../server/src/features/report";
import { authorityMarkdown, lensTitle } from "../../server/src/features/summary";
import { applyEdits } from "../../server/src/model/edits";
import { SourceDocument } from "../../server/src/parsing/document";
import type { LanguageId } from "../../server/src/parsing/languages";
import { analyzeFile, INTERNAL_ERROR_RULE } from "../../server/src/rules/run";
import { ROOT } from "../helpers/paths";

/** Fixed seed: a failure reproduces. POLA_FUZZ_COUNT raises the count locally. */
const COUNT = Number(process.env.POLA_FUZZ_COUNT ?? 2000);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function corpus(): { text: string; language: LanguageId; name: string }[] {
  const dirs = ["examples/guix", "examples/nixos", "test/fixtures/services/guix", "test/fixtures/guile-reader/valid"];
  const result: { text: string; language: LanguageId; name: string }[] = [];
  const add = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) add(full);
      else if (/\.(scm|nix)$/.test(e.name)) result.push({ text: fs.readFileSync(full, "utf8"), language: e.name.endsWith(".nix") ? "nix" : "guix", name: path.relative(ROOT, full) });
    }
  };
  for (const d of dirs) add(path.join(ROOT, d));
  add(path.join(ROOT, "test/fixtures/nixos"));
  add(path.join(ROOT, "test/fixtures/guix"));
  return result;
}

const MUTATIONS = [
  "delete-paren",
  "duplicate-paren",
  "random-bytes",
  "truncate",
  "swap-lines",
  "duplicate-block",
  "insert-gexp",
  "insert-nix",
] as const;

function mutate(text: string, random: () => number): { text: string; kind: string } {
  const kind = MUTATIONS[Math.floor(random() * MUTATIONS.length)];
  const at = Math.floor(random() * (text.length + 1));
  switch (kind) {
    case "delete-paren": {
      const i = text.indexOf(random() < 0.5 ? "(" : ")", at);
      return { text: i < 0 ? text.slice(1) : text.slice(0, i) + text.slice(i + 1), kind };
    }
    case "duplicate-paren":
      return { text: text.slice(0, at) + (random() < 0.5 ? "((" : "))") + text.slice(at), kind };
    case "random-bytes": {
      let noise = "";
      for (let i = 0; i < 1 + Math.floor(random() * 12); i++) noise += String.fromCharCode(Math.floor(random() * 0x3000));
      return { text: text.slice(0, at) + noise + text.slice(at), kind };
    }
    case "truncate":
      return { text: text.slice(0, at), kind };
    case "swap-lines": {
      const lines = text.split("\n");
      const a = Math.floor(random() * lines.length);
      const b = Math.floor(random() * lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return { text: lines.join("\n"), kind };
    }
    case "duplicate-block": {
      const end = Math.min(text.length, at + Math.floor(random() * 400));
      return { text: text.slice(0, end) + text.slice(at, end) + text.slice(end), kind };
    }
    case "insert-gexp":
      return { text: text.slice(0, at) + " #~(begin (chown #$x 0 0) #$@(list (mkdir-p \"/var/lib/x/y\"))) " + text.slice(at), kind };
    case "insert-nix":
      return { text: text.slice(0, at) + ' systemd.services."a-${b}".serviceConfig = mkIf c { User = "nobody"; }; ' + text.slice(at), kind };
  }
}

test(`fuzz: ${COUNT} mutated fixtures through the parser, the analysis, every feature and every fix`, async () => {
  const inputs = corpus();
  assert.ok(inputs.length >= 10, "enough seed files");
  const random = prng(20261122);
  const range = { start: { line: 0, character: 0 }, end: { line: 100000, character: 0 } };
  for (let i = 0; i < COUNT; i++) {
    const seed = inputs[Math.floor(random() * inputs.length)];
    let { text, kind } = mutate(seed.text, random);
    if (random() < 0.3) ({ text, kind } = mutate(text, random));
    const where = `#${i} ${seed.name} (${kind})`;
    const document = await SourceDocument.create(`file:///fuzz/${i}`, seed.language, text);
    try {
      const analysis = analyzeFile(document);
      const internal = analysis.findings.find((f) => f.ruleId === INTERNAL_ERROR_RULE);
      assert.equal(internal, undefined, `${where}: ${internal?.message}`);
      toDiagnostics(analysis.findings);
      codeActions(document.uri, analysis.findings, range, [], document.lineIndex, seed.language === "guix" ? ";;" : "#");
      for (const s of analysis.model.services) {
        lensTitle(s);
        authorityMarkdown(s, analysis.findings);
      }
      reportHtml(document.uri, analysis.model.services, analysis.findings);
      for (const f of analysis.findings) {
        for (const fix of f.fixes) {
          const fixed = applyEdits(text, fix.edits, (p) => document.lineIndex.offsetAt(p));
          const again = await SourceDocument.create("file:///fuzz/fixed", seed.language, fixed);
          const reanalysed = analyzeFile(again);
          assert.ok(!reanalysed.findings.some((x) => x.ruleId === INTERNAL_ERROR_RULE), `${where}: fix "${fix.title}" leads to an internal error`);
          again.dispose();
        }
      }
    } finally {
      document.dispose();
    }
  }
});

test("deep nesting, a 1 MB line and an oversize file are handled without throwing", async () => {
  const depth = 100000;
  for (const [language, open, close] of [["guix", "(", ")"], ["nix", "[", "]"]] as const) {
    const deep = await SourceDocument.create("file:///deep", language, open.repeat(depth) + close.repeat(depth));
    const analysis = analyzeFile(deep);
    assert.ok(!analysis.findings.some((f) => f.ruleId === INTERNAL_ERROR_RULE), analysis.findings.map((f) => f.message).join("; "));
    deep.dispose();
  }
  const line = await SourceDocument.create("file:///line", "guix", `(define x "${"é".repeat(1 << 20)}")`);
  assert.equal(analyzeFile(line).parseErrors, 0);
  line.dispose();
  const big = await SourceDocument.create("file:///big", "nix", "{ a = 1; }\n".repeat(1_000_000));
  const bigAnalysis = analyzeFile(big);
  assert.equal(bigAnalysis.findings[0].ruleId, "syntax/too-large");
  assert.match(bigAnalysis.findings[0].message, /File too large for analysis/);
  // editing it down below the limit brings analysis back
  big.applyChanges([{ text: "{ a = 1; }\n" }], 2);
  assert.equal(analyzeFile(big).findings.length, 0);
  big.dispose();
});
