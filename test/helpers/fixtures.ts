import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { applyEdits } from "../../server/src/model/edits";
import type { Finding, Fix } from "../../server/src/model/finding";
import { SourceDocument } from "../../server/src/parsing/document";
import type { LanguageId } from "../../server/src/parsing/languages";
import { LineIndex } from "../../server/src/parsing/text";
import { analyzeFile, type FileAnalysis } from "../../server/src/rules/run";
import { jsonFinding, jsonService } from "../../server/src/cli/report";
import { hasTool } from "./tools";

/** Regenerate snapshot files on purpose: POLA_UPDATE_SNAPSHOTS=1 npm test. */
export const UPDATE = process.env.POLA_UPDATE_SNAPSHOTS === "1";

export async function analyzeText(text: string, language: LanguageId, uri = "file:///fixture"): Promise<FileAnalysis & { document: SourceDocument }> {
  const document = await SourceDocument.create(uri, language, text);
  return { ...analyzeFile(document), document };
}

/** Compares `actual` with the snapshot file, or writes it when updating. */
export function assertSnapshot(file: string, actual: unknown): void {
  const text = JSON.stringify(actual, null, 2) + "\n";
  if (UPDATE || !fs.existsSync(file)) {
    if (!UPDATE && process.env.CI) assert.fail(`missing snapshot ${file}`);
    fs.writeFileSync(file, text);
    return;
  }
  assert.deepEqual(JSON.parse(text), JSON.parse(fs.readFileSync(file, "utf8")), `snapshot ${path.basename(file)} (POLA_UPDATE_SNAPSHOTS=1 to regenerate on purpose)`);
}

/** The snapshot form of an analysis: services and findings as the CLI prints them. */
export function snapshotOf(analysis: FileAnalysis): unknown {
  return {
    services: analysis.model.services.map(jsonService),
    findings: analysis.findings.map(jsonFinding),
  };
}

/** Whether the outside parser accepts the text: Guile's reader for Scheme, nix-instantiate --parse for Nix. */
export function oracleAccepts(text: string, language: LanguageId): { ok: boolean; message: string } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-oracle-"));
  try {
    if (language === "nix") {
      if (!hasTool("nix-instantiate")) return undefined;
      const file = path.join(dir, "fixed.nix");
      fs.writeFileSync(file, text);
      const r = spawnSync("nix-instantiate", ["--parse", file], { encoding: "utf8", timeout: 30000 });
      return { ok: r.status === 0, message: r.stderr };
    }
    if (!hasTool("guile")) return undefined;
    const file = path.join(dir, "fixed.scm");
    fs.writeFileSync(file, text);
    const script = path.join(dir, "read.scm");
    fs.writeFileSync(script, GUILE_READ_ALL);
    const r = spawnSync("guile", ["--no-auto-compile", "-s", script, file], { encoding: "utf8", timeout: 30000 });
    return { ok: r.status === 0, message: r.stderr + r.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads every datum of a file with gexp reader syntax installed; evaluates nothing. */
const GUILE_READ_ALL = `
(define (read-gexp-like chr port)
  (let ((next (peek-char port)))
    (when (and (char? next) (char=? next #\\@)) (read-char port))
    (list 'gexp-syntax (read port))))
(read-hash-extend #\\~ read-gexp-like)
(read-hash-extend #\\$ read-gexp-like)
(read-hash-extend #\\+ read-gexp-like)
(define file (cadr (command-line)))
(call-with-input-file file
  (lambda (port)
    (let loop ()
      (let ((datum (read port)))
        (unless (eof-object? datum) (loop))))))
(exit 0)
`;

function sameFinding(a: Finding, b: Finding): boolean {
  return a.ruleId === b.ruleId && a.message === b.message;
}

/**
 * The checks every fix must pass: applied, the text still parses (our grammar, and the outside
 * oracle when installed), the finding is gone, nothing outside the edits changed, and applying the
 * fix's result again offers no further change for that finding (idempotent).
 */
export async function checkFix(text: string, language: LanguageId, finding: Finding, fix: Fix, oracle: "required" | "optional" = "optional"): Promise<string> {
  const lines = new LineIndex(text);
  const fixed = applyEdits(text, fix.edits, (p) => lines.offsetAt(p));
  // nothing outside the edits changed: the text before the first edit and after the last is identical
  const starts = fix.edits.map((e) => lines.offsetAt(e.range.start));
  const ends = fix.edits.map((e) => lines.offsetAt(e.range.end));
  const first = Math.min(...starts);
  const last = Math.max(...ends);
  assert.equal(fixed.slice(0, first), text.slice(0, first), `${fix.title}: text before the edits is unchanged`);
  assert.equal(fixed.slice(fixed.length - (text.length - last)), text.slice(last), `${fix.title}: text after the edits is unchanged`);
  const after = await analyzeText(fixed, language);
  assert.equal(after.parseErrors, 0, `${fix.title}: the fixed text parses without errors:\n${fixed}`);
  assert.ok(
    !after.findings.some((f) => sameFinding(f, finding) && !f.suppressed),
    `${fix.title}: the finding ${finding.ruleId} is gone after the fix`,
  );
  const check = oracleAccepts(fixed, language);
  if (check) assert.ok(check.ok, `${fix.title}: ${language === "nix" ? "nix-instantiate --parse" : "Guile's reader"} accepts the fixed text: ${check.message}`);
  else if (oracle === "required") assert.fail(`oracle for ${language} not installed`);
  // Idempotent: fixes are only offered with their finding, and the finding is gone, so a second
  // application has nothing to apply. What remains to check is that no *other* finding of this rule
  // now offers the very same edit text at the same place (a fix that re-creates its own trigger).
  for (const f of after.findings.filter((x) => x.ruleId === finding.ruleId)) {
    for (const x of f.fixes) {
      assert.ok(
        !(x.title === fix.title && JSON.stringify(x.edits) === JSON.stringify(fix.edits)),
        `${fix.title}: the same fix is offered again after applying it`,
      );
    }
  }
  after.document.dispose();
  return fixed;
}
