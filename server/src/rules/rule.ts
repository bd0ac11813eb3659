import type { Finding, Severity } from "../model/finding";
import type { FileModel } from "../model/file";
import type { PathClaim } from "../model/service";
import type { SourceDocument } from "../parsing/document";
import type { Catalog } from "../catalog/catalog";
import type { DeployInputs } from "../deploy/model";

export type { FileModel };

export interface Settings {
  /** Per rule: a severity, or "off". */
  severities: Record<string, Severity | "off">;
  /** nixos/exposure fires above this score (systemd's 0–10 scale). */
  exposureThreshold: number;
  codeLens: boolean;
}

export const DEFAULT_SETTINGS: Settings = { severities: {}, exposureThreshold: 7.5, codeLens: true };

/** Facts learned from other files of the workspace (ownership claims). */
export interface WorkspaceFacts {
  claims: PathClaim[];
  /** The service definitions of the installed Guix / nixpkgs and the workspace, when indexed. */
  catalog?: Catalog;
  /**
   * For a `guix deploy` file: its committed version and the operating systems of the modules it
   * uses, gathered by the transport (server or CLI run git and read files; rules never do).
   */
  deploy?: DeployInputs;
}

export interface RuleContext {
  document: SourceDocument;
  file: FileModel;
  workspace: WorkspaceFacts;
  settings: Settings;
}

/** A finding as a rule reports it; the registry adds the configured severity. */
export type RawFinding = Omit<Finding, "severity" | "ruleId"> & { severity?: Severity };

export interface Rule {
  id: string;
  /** "any": a rule about used services, run by catalog/apply.ts with the catalog (not by analyzeFile). */
  language: "guix" | "nix" | "any";
  defaultSeverity: Severity;
  /** One line, shown in `pola explain` listings and SARIF. */
  title: string;
  check(ctx: RuleContext): RawFinding[];
}
