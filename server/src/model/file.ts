import type { PathClaim, Service } from "./service";

/** What one file is, after extraction: its services plus the language-specific facts rules read. */
export interface FileModel {
  services: Service[];
  /** Directories this file makes owned/writable by an account (chown targets, homes, mappings…). */
  claims: PathClaim[];
  /** Language-specific extraction result (guix/ or nixos/), opaque to the shared code. */
  details?: unknown;
}
