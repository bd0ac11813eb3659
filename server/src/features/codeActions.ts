import { CodeActionKind, type CodeAction, type Diagnostic } from "vscode-languageserver";
import type { Finding } from "../model/finding";
import type { Range } from "../model/range";
import type { LineIndex } from "../parsing/text";
import type { DiagnosticData } from "./diagnostics";

function overlaps(a: Range, b: Range): boolean {
  const before = (p: Range["start"], q: Range["start"]) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

/**
 * Quick fixes for the findings under the cursor: each finding's own fixes, "ignore with a reason",
 * and "fix all of this kind in this file" when several findings of one rule carry fixes.
 */
export function codeActions(
  uri: string,
  findings: readonly Finding[],
  range: Range,
  contextDiagnostics: readonly Diagnostic[],
  lines: LineIndex,
  commentPrefix: string,
): CodeAction[] {
  const actions: CodeAction[] = [];
  const seenRules = new Set<string>();
  findings.forEach((finding, index) => {
    if (finding.suppressed || !overlaps(finding.range, range)) return;
    const diagnostic = contextDiagnostics.find((d) => (d.data as DiagnosticData | undefined)?.index === index && d.code === finding.ruleId);
    const diagnostics = diagnostic ? [diagnostic] : undefined;
    for (const fix of finding.fixes) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics,
        isPreferred: fix.preferred,
        edit: { changes: { [uri]: fix.edits } },
      });
    }
    if (finding.ruleId.startsWith("syntax/")) return;
    const line = finding.range.start.line;
    const lineStart = lines.lineStart(line);
    const indent = /^[ \t]*/.exec(lines.text.slice(lineStart, lines.lineEnd(line)))![0];
    actions.push({
      title: `Ignore ${finding.ruleId} here (with a reason)`,
      kind: CodeActionKind.QuickFix,
      diagnostics,
      edit: {
        changes: {
          [uri]: [
            {
              range: { start: { line, character: 0 }, end: { line, character: 0 } },
              newText: `${indent}${commentPrefix} pola-ignore: ${finding.ruleId} REASON${lines.eol}`,
            },
          ],
        },
      },
    });
    if (seenRules.has(finding.ruleId)) return;
    seenRules.add(finding.ruleId);
    const sameRule = findings.filter((f) => f.ruleId === finding.ruleId && !f.suppressed && f.fixes.length > 0);
    if (sameRule.length > 1) {
      actions.push({
        title: `Fix all ${finding.ruleId} findings in this file (${sameRule.length})`,
        kind: CodeActionKind.QuickFix,
        edit: { changes: { [uri]: mergeEdits(sameRule.map((f) => f.fixes.find((x) => x.preferred) ?? f.fixes[0])) } },
      });
    }
  });
  return actions;
}

/** Combines the preferred fix of several findings, dropping any edit that overlaps one already taken. */
export function mergeEdits(fixes: readonly Finding["fixes"][number][]): Finding["fixes"][number]["edits"] {
  const taken: Finding["fixes"][number]["edits"] = [];
  for (const fix of fixes) {
    if (fix.edits.some((e) => taken.some((t) => overlaps(e.range, t.range) && !(isEmpty(e.range) && isEmpty(t.range) && !same(e.range, t.range))))) continue;
    taken.push(...fix.edits);
  }
  return taken;
}

function isEmpty(r: Range): boolean {
  return r.start.line === r.end.line && r.start.character === r.end.character;
}
function same(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
