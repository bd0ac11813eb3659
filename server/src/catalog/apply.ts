import type { Finding } from "../model/finding";
import { SEVERITY_ORDER } from "../model/finding";
import type { SourceDocument } from "../parsing/document";
import type { Settings, WorkspaceFacts } from "../rules/rule";
import type { FileAnalysis } from "../rules/run";
import { applySuppressions, findSuppressions } from "../rules/suppression";
import { USED_RULES } from "../rules/used/index";
import { usageOf } from "./usage";

const applied = new WeakSet<object>();

/**
 * Adds what the catalog knows to a file's analysis: the services it uses (kind "used-service", with
 * the authority their definitions give them) and the findings of the used/ rules. Idempotent.
 */
export function applyCatalog(document: SourceDocument, analysis: FileAnalysis, settings: Settings, workspace: WorkspaceFacts): void {
  const catalog = workspace.catalog;
  if (!catalog || applied.has(analysis.model) || document.tooLarge) return;
  applied.add(analysis.model);
  const usage = usageOf(document, analysis.model, catalog);
  if (usage.services.length) {
    analysis.model.services.push(...usage.services);
    analysis.model.services.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  }
  const ctx = { document, file: analysis.model, workspace, settings };
  const found: Finding[] = [];
  for (const rule of USED_RULES) {
    const configured = settings.severities[rule.id];
    if (configured === "off") continue;
    try {
      for (const raw of rule.check(ctx)) found.push({ ...raw, ruleId: rule.id, severity: configured ?? raw.severity ?? rule.defaultSeverity });
    } catch (error) {
      found.push({ ruleId: "pola/internal-error", severity: "information", message: `pola could not apply ${rule.id}: ${(error as Error).message}`, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, fixes: [] });
    }
  }
  if (!found.length) return;
  applySuppressions(found, findSuppressions(document.lineIndex));
  analysis.findings.push(...found);
  analysis.findings.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] ||
      a.ruleId.localeCompare(b.ruleId),
  );
}
