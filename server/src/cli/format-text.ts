import type { JsonReport } from "./report";

/** What a person reads in a terminal: `path:line:col severity ruleId message`, then a summary. */
export function formatText(report: JsonReport, color: boolean): string {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const severityColor = { error: "31", warning: "33", information: "36", hint: "2" } as const;
  const out: string[] = [];
  for (const file of report.files) {
    for (const f of file.findings) {
      if (f.suppressed) continue;
      out.push(`${file.path}:${f.line}:${f.column} ${paint(severityColor[f.severity], f.severity)} ${paint("1", f.ruleId)} ${f.message}`);
    }
  }
  const s = report.summary;
  const suppressed = report.files.reduce((n, f) => n + f.findings.filter((x) => x.suppressed).length, 0);
  const counts = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const file of report.files) for (const f of file.findings) if (!f.suppressed) counts[f.severity]++;
  const root = report.files.reduce((n, f) => n + f.services.filter((x) => x.runsAsRoot === true).length, 0);
  if (out.length > 0) out.push("");
  out.push(
    `${s.files} file${s.files === 1 ? "" : "s"}, ${s.services} service${s.services === 1 ? "" : "s"} (${root} running as root), ` +
      `${counts.error} error${counts.error === 1 ? "" : "s"}, ${counts.warning} warning${counts.warning === 1 ? "" : "s"}, ` +
      `${counts.information + counts.hint} note${counts.information + counts.hint === 1 ? "" : "s"}` +
      (suppressed ? `, ${suppressed} ignored with a reason` : "") +
      (s.parseErrors ? `, ${s.parseErrors} parse error${s.parseErrors === 1 ? "" : "s"}` : "") +
      ` in ${s.durationMs} ms`,
  );
  return out.join("\n") + "\n";
}
