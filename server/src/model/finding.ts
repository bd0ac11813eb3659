import type { Range, TextEdit } from "./range";

export type Severity = "error" | "warning" | "information" | "hint";

export const SEVERITY_ORDER: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

export interface Fix {
  title: string;
  edits: TextEdit[];
  preferred?: boolean;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  message: string;
  range: Range;
  service?: string;
  fixes: Fix[];
  /** Set when a `pola-ignore` comment silences the finding; the reason given. */
  suppressed?: { reason: string; range: Range };
}
