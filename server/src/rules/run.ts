import type { Finding } from "../model/finding";
import { SEVERITY_ORDER } from "../model/finding";
import type { SourceDocument } from "../parsing/document";
import { MAX_ANALYSED_BYTES } from "../parsing/document";
import { extractGuix } from "../guix/extract";
import { extractNix } from "../nixos/extract";
import { RULES } from "./index";
import type { FileModel, Settings, WorkspaceFacts } from "./rule";
import { DEFAULT_SETTINGS } from "./rule";
import { applySuppressions, findSuppressions } from "./suppression";

export const PARSE_ERROR_RULE = "syntax/parse-error";
export const TOO_LARGE_RULE = "syntax/too-large";
export const INTERNAL_ERROR_RULE = "pola/internal-error";

export interface FileAnalysis {
  model: FileModel;
  findings: Finding[];
  parseErrors: number;
}

/** Extraction only: the file's services and claims, no rules. Used by the workspace index. */
export function extractModel(document: SourceDocument, workspace: WorkspaceFacts = { claims: [] }): FileModel {
  return document.language === "guix" ? extractGuix(document, workspace.claims) : extractNix(document);
}

/**
 * The whole pipeline for one file: syntax problems, extraction into the shared model, every enabled
 * rule, suppression comments. Never throws: an internal failure becomes a finding naming it, so one
 * odd file cannot take the server down.
 */
export function analyzeFile(
  document: SourceDocument,
  settings: Settings = DEFAULT_SETTINGS,
  workspace: WorkspaceFacts = { claims: [] },
): FileAnalysis {
  const findings: Finding[] = [];
  const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  if (document.text.length > MAX_ANALYSED_BYTES) {
    findings.push({
      ruleId: TOO_LARGE_RULE,
      severity: "warning",
      message: `File too large for analysis (${(document.text.length / 1048576).toFixed(1)} MB; pola analyses files up to ${MAX_ANALYSED_BYTES / 1048576} MB).`,
      range: top,
      fixes: [],
    });
    return { model: { services: [], claims: [] }, findings, parseErrors: 0 };
  }
  const problems = document.syntaxProblems();
  for (const p of problems) {
    findings.push({ ruleId: PARSE_ERROR_RULE, severity: "error", message: p.message, range: p.range, fixes: [] });
  }
  let model: FileModel = { services: [], claims: [] };
  try {
    model = extractModel(document, workspace);
    const ctx = { document, file: model, workspace, settings };
    for (const rule of RULES) {
      if (rule.language !== document.language) continue;
      const configured = settings.severities[rule.id];
      if (configured === "off") continue;
      for (const raw of rule.check(ctx)) {
        findings.push({ ...raw, ruleId: rule.id, severity: configured ?? raw.severity ?? rule.defaultSeverity });
      }
    }
  } catch (error) {
    findings.push({
      ruleId: INTERNAL_ERROR_RULE,
      severity: "information",
      message: `pola could not analyse this file: ${error instanceof Error ? error.message : String(error)}`,
      range: top,
      fixes: [],
    });
  }
  applySuppressions(findings, findSuppressions(document.lineIndex));
  findings.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] ||
      a.ruleId.localeCompare(b.ruleId),
  );
  return { model, findings, parseErrors: problems.length };
}
