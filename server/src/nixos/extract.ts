import type { SourceDocument } from "../parsing/document";
import type { FileModel } from "../model/file";

/** Finds the systemd units of a NixOS module and resolves their directives statically. */
export function extractNix(_document: SourceDocument): FileModel {
  return { services: [], claims: [] };
}
