import type { Finding } from "../model/finding";
import type { Range } from "../model/range";
import type { Service } from "../model/service";
import { runsAsRoot } from "../model/service";
import { knownValue } from "../model/value";

/** The CLI's JSON contract, version 1. Lines and columns are 1-based; columns count UTF-16 code units. */
export interface JsonReport {
  version: 1;
  tool: { name: "pola"; version: string };
  files: JsonFile[];
  summary: { files: number; services: number; findings: number; parseErrors: number; durationMs: number };
}

export interface JsonFile {
  path: string;
  language: "guix" | "nix";
  parseErrors: number;
  services: JsonService[];
  findings: JsonFinding[];
}

export interface JsonService {
  name: string;
  kind: string;
  line: number;
  endLine: number;
  runsAsRoot: boolean | null;
  user: string | null;
  group: string | null;
  confined: boolean | null;
  exposure: number | null;
  exposureLabel: string | null;
  directives: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface JsonSpan {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface JsonFinding extends JsonSpan {
  ruleId: string;
  severity: Finding["severity"];
  message: string;
  service: string | null;
  fixes: { title: string; edits: (JsonSpan & { newText: string })[] }[];
  suppressed?: { reason: string };
}

export function span(range: Range): JsonSpan {
  return {
    line: range.start.line + 1,
    column: range.start.character + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.character + 1,
  };
}

export function jsonService(service: Service): JsonService {
  const user = service.authority.user;
  const userName = user.kind === "known" ? (user.value ?? "root") : null;
  const group = service.authority.group;
  const groupName = group.kind === "known" ? (group.value ?? (userName === "root" ? "root" : null)) : null;
  const exposure = service.authority.exposure;
  return {
    name: service.name,
    kind: service.kind,
    line: service.range.start.line + 1,
    endLine: service.range.end.line + 1,
    runsAsRoot: runsAsRoot(service),
    user: userName,
    group: groupName,
    confined: knownValue(service.authority.confinement.confined) ?? null,
    exposure: exposure ? exposure.score : null,
    exposureLabel: exposure ? exposure.label : null,
    directives: service.directives ?? {},
  };
}

export function jsonFinding(finding: Finding): JsonFinding {
  const result: JsonFinding = {
    ruleId: finding.ruleId,
    severity: finding.severity,
    message: finding.message,
    ...span(finding.range),
    service: finding.service ?? null,
    fixes: finding.fixes.map((fix) => ({
      title: fix.title,
      edits: fix.edits.map((e) => ({ ...span(e.range), newText: e.newText })),
    })),
  };
  if (finding.suppressed) result.suppressed = { reason: finding.suppressed.reason };
  return result;
}
