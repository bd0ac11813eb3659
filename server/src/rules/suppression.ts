import type { Finding } from "../model/finding";
import type { Range } from "../model/range";
import type { LineIndex } from "../parsing/text";

export interface Suppression {
  ruleId: string;
  reason: string;
  /** The comment line. */
  line: number;
  range: Range;
}

const IGNORE = /^\s*(?:;+|#)\s*pola-ignore:\s*([\w./-]+)(?:\s+(.*?))?\s*$/;

/**
 * `;; pola-ignore: <rule-id> <reason>` (Scheme) or `# pola-ignore: <rule-id> <reason>` (Nix) on the
 * line above a finding silences it. The reason is kept and shown in reports and SARIF.
 */
export function findSuppressions(lines: LineIndex): Suppression[] {
  const result: Suppression[] = [];
  const text = lines.text;
  if (!text.includes("pola-ignore")) return result;
  for (let line = 0; line < lines.lineCount; line++) {
    const start = lines.lineStart(line);
    const end = lines.lineEnd(line);
    const content = text.slice(start, end);
    if (!content.includes("pola-ignore")) continue;
    const m = IGNORE.exec(content);
    if (!m) continue;
    result.push({ ruleId: m[1], reason: m[2] ?? "", line, range: lines.rangeOf(start, end) });
  }
  return result;
}

/** Marks findings whose first line is directly below a matching ignore comment. */
export function applySuppressions(findings: Finding[], suppressions: Suppression[]): void {
  if (suppressions.length === 0) return;
  const byLine = new Map<number, Suppression[]>();
  for (const s of suppressions) byLine.set(s.line, [...(byLine.get(s.line) ?? []), s]);
  for (const f of findings) {
    const candidates = byLine.get(f.range.start.line - 1) ?? [];
    const s = candidates.find((c) => c.ruleId === f.ruleId || c.ruleId === "all");
    if (s) f.suppressed = { reason: s.reason, range: s.range };
  }
}
