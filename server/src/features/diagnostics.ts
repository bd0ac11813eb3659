import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from "vscode-languageserver";
import type { Finding, Severity } from "../model/finding";
import { ruleDocsUri } from "./docs";

const LSP_SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Data carried on each diagnostic so code actions can find the finding again. */
export interface DiagnosticData {
  ruleId: string;
  index: number;
}

/** Findings → LSP diagnostics. Suppressed findings are not shown. */
export function toDiagnostics(findings: readonly Finding[]): Diagnostic[] {
  const result: Diagnostic[] = [];
  findings.forEach((finding, index) => {
    if (finding.suppressed) return;
    const docs = ruleDocsUri(finding.ruleId);
    const diagnostic: Diagnostic = {
      range: finding.range,
      severity: LSP_SEVERITY[finding.severity],
      source: "pola",
      code: finding.ruleId,
      message: finding.message,
      data: { ruleId: finding.ruleId, index } satisfies DiagnosticData,
    };
    if (docs) diagnostic.codeDescription = { href: docs };
    if (finding.ruleId === "guix/removed-container-api") diagnostic.tags = [DiagnosticTag.Deprecated];
    result.push(diagnostic);
  });
  return result;
}
