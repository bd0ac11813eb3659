import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Sarif from "sarif";
import { ruleDocsText, ruleDocsUri } from "../features/docs";
import { RULES } from "../rules/index";
import { INTERNAL_ERROR_RULE, PARSE_ERROR_RULE, TOO_LARGE_RULE } from "../rules/run";
import type { JsonReport, JsonSpan } from "./report";

const LEVEL = { error: "error", warning: "warning", information: "note", hint: "note" } as const;

const BUILT_IN: Record<string, string> = {
  [PARSE_ERROR_RULE]: "The file cannot be read (a syntax error)",
  [TOO_LARGE_RULE]: "The file is too large for analysis",
  [INTERNAL_ERROR_RULE]: "pola could not analyse the file",
  "syntax/encoding": "The file is not valid UTF-8",
};

function region(s: JsonSpan): Sarif.Region {
  return { startLine: s.line, startColumn: s.column, endLine: s.endLine, endColumn: s.endColumn };
}

/**
 * SARIF 2.1.0 as GitHub code scanning reads it: one run, every rule with help text and its docs
 * page, results with regions in UTF-16 columns (SARIF's default column kind, and ours), fixes, and
 * `pola-ignore` comments as in-source suppressions with their reason.
 */
export function formatSarif(report: JsonReport, cwd = process.cwd()): Sarif.Log {
  const ruleIds = [...RULES.map((r) => r.id), ...Object.keys(BUILT_IN)];
  const rules: Sarif.ReportingDescriptor[] = ruleIds.map((id) => {
    const rule = RULES.find((r) => r.id === id);
    const docs = ruleDocsText(id);
    const descriptor: Sarif.ReportingDescriptor = {
      id,
      name: id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
      shortDescription: { text: rule?.title ?? BUILT_IN[id] },
      defaultConfiguration: { level: LEVEL[rule?.defaultSeverity ?? "error"] },
      help: { text: docs ?? rule?.title ?? BUILT_IN[id], ...(docs ? { markdown: docs } : {}) },
      properties: { tags: ["security", id.split("/")[0]] },
    };
    const uri = ruleDocsUri(id);
    if (uri) descriptor.helpUri = uri;
    return descriptor;
  });
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results: Sarif.Result[] = [];
  const artifactUri = (file: string) => {
    const relative = path.relative(cwd, path.resolve(file));
    return relative.startsWith("..") || path.isAbsolute(relative) ? { uri: pathToFileURL(path.resolve(file)).href } : { uri: relative.split(path.sep).join("/"), uriBaseId: "%SRCROOT%" };
  };
  for (const file of report.files) {
    const location = artifactUri(file.path);
    for (const f of file.findings) {
      const result: Sarif.Result = {
        ruleId: f.ruleId,
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: location, region: region(f) } }],
      };
      const i = index.get(f.ruleId);
      if (i !== undefined) result.ruleIndex = i;
      if (f.fixes.length) {
        result.fixes = f.fixes.map((fix) => ({
          description: { text: fix.title },
          artifactChanges: [{ artifactLocation: location, replacements: fix.edits.map((e) => ({ deletedRegion: region(e), insertedContent: { text: e.newText } })) }],
        }));
      }
      if (f.suppressed) result.suppressions = [{ kind: "inSource", justification: f.suppressed.reason || "pola-ignore comment without a reason" }];
      if (f.service) result.properties = { service: f.service };
      results.push(result);
    }
  }
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "pola", version: report.tool.version, semanticVersion: report.tool.version, rules } },
        originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileURL(cwd + path.sep).href } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}
