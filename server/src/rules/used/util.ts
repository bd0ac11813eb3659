import type { CatalogEntry, UsedService } from "../../catalog/types";
import type { Catalog } from "../../catalog/catalog";
import type { RuleContext } from "../rule";

export function catalogOf(ctx: RuleContext): Catalog | undefined {
  return ctx.workspace.catalog;
}

/** `gnu/services/networking.scm:57` (1-based line). */
export function where(catalog: Catalog, entry: CatalogEntry, line = entry.definedIn.line): string {
  return `${catalog.displayPath(entry.definedIn.file)}:${line + 1}`;
}

/** The name as the user wrote it, and what it is. */
export function subject(used: UsedService): string {
  return used.language === "guix" ? `\`${used.name}\`` : `\`${used.name}\``;
}

/** Who to tell, and how, when the definition itself is at fault. */
export function upstream(catalog: Catalog, entry: CatalogEntry, line?: number): string {
  const at = where(catalog, entry, line);
  if (entry.origin === "workspace") return `fix it where it is defined (${at}), where pola reports it too`;
  return entry.language === "guix"
    ? `report it to Guix (bug-guix@gnu.org), naming ${at}; a newer \`guix pull\` may already have fixed it`
    : `report it to nixpkgs, naming ${at}; a newer nixpkgs may already have fixed it`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
