import type { Range } from "./range";
import type { Value } from "./value";

export type ServiceKind = "service-type" | "shepherd-service" | "simple-service" | "systemd-service" | "used-service" | "machine";
export type SourceLanguage = "guix" | "nix";

/** A directory some account owns or can write, and how pola learned it. */
export interface PathClaim {
  path: string;
  account: string;
  how: "chown" | "mkdir-p/perms" | "home-directory" | "writable-mapping" | "state-directory" | "log-file";
  at: Range;
  uri?: string;
}

/** A path operation done as root on a service's behalf (activation, `start` code). */
export interface RootOp {
  op: string;
  path: Value<string>;
  followsSymlinks: boolean;
  /** The claim whose directory the path lies strictly below, when there is one. */
  under?: PathClaim;
  phase: "activation" | "start";
  at: Range;
}

export interface Mapping {
  source: Value<string>;
  target: Value<string>;
  writable: boolean;
  at: Range;
}

export interface Confinement {
  /** Wrapped at all (least-authority-wrapper, systemd confinement, a namespace sandbox). */
  confined: Value<boolean>;
  /** Namespaces the service gets of its own (Guix) or "file system confined" style notes (systemd). */
  namespaces: Value<string[]>;
  mappings: Mapping[];
  network: Value<"host" | "private">;
  fileSystemView: Value<"full" | "read-only" | "confined">;
}

export interface Account {
  kind: "user" | "group";
  name: string;
  group?: string;
  home?: string;
  system?: boolean;
  at: Range;
}

export interface ExposureSummary {
  /** Score as systemd-analyze prints it (0.0–10.0). A range when values are not known statically. */
  score: number;
  worst: number;
  label: string;
  worstLabel: string;
  top: { setting: string; description: string; part: number }[];
  /** Every check's contribution (best case), for the full breakdown in the report. */
  checks?: { setting: string; description: string; part: number; badness: number | null }[];
}

export interface Authority {
  /** null = root. */
  user: Value<string | null>;
  group: Value<string | null>;
  supplementaryGroups: Value<string[]>;
  capabilities: Value<string[] | "all">;
  confinement: Confinement;
  writable: PathClaim[];
  rootOps: RootOp[];
  accounts: Account[];
  logFile?: Value<string>;
  exposure?: ExposureSummary;
}

export interface Service {
  name: string;
  kind: ServiceKind;
  language: SourceLanguage;
  /** Where the lens sits: the whole definition. */
  range: Range;
  /** The name token or head of the definition, for hovers. */
  nameRange: Range;
  authority: Authority;
  /** systemd spelling → values, for NixOS units (resolved statically). */
  directives?: Record<string, unknown>;
  /** The service-type this shepherd service belongs to, when known. */
  parent?: string;
}

/** Whether the service runs as root: true/false when known, null when it depends on something pola cannot see. */
export function runsAsRoot(service: Service): boolean | null {
  const u = service.authority.user;
  if (u.kind === "known") return u.value === null || u.value === "root" || u.value === "0";
  if (u.kind === "conditional") {
    const roots = u.cases.map((c) => c.value === null || c.value === "root");
    return roots.every(Boolean) ? true : roots.some(Boolean) ? null : false;
  }
  return null;
}

/**
 * What the status bar counts as unsafe: a daemon (not the service-type around it, not a used
 * service from the catalog) that runs as root or has a root-run step an account can redirect.
 */
export function countsAsUnsafe(service: Service): boolean {
  if (service.kind === "service-type" || service.kind === "used-service") return false;
  return runsAsRoot(service) === true || service.authority.rootOps.some((o) => o.under);
}
