import type { Fix } from "../../model/finding";
import { nixDetails } from "../../nixos/extract";
import { renameKey } from "../../nixos/fixes";
import { isKnownServiceDirective, isUnitSectionDirective, suggestDirective } from "../../nixos/names";
import type { RawFinding, Rule } from "../rule";

/** A serviceConfig key systemd does not know: written to [Service], ignored with a log line. */
export const unknownDirectiveRule: Rule = {
  id: "nixos/unknown-directive",
  language: "nix",
  defaultSeverity: "error",
  title: "serviceConfig key that systemd does not know (ignored)",
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<number>();
    for (const u of nixDetails(ctx.file).units) {
      for (const k of u.keys) {
        if (isKnownServiceDirective(k.name) || isUnitSectionDirective(k.name) || seen.has(k.start)) continue;
        seen.add(k.start);
        const suggestion = suggestDirective(k.name);
        const fixes: Fix[] = [];
        if (suggestion && !k.siblings.includes(suggestion)) {
          fixes.push({ title: `Change to ${suggestion}`, edits: renameKey(ctx.document, k, suggestion), preferred: true });
        }
        out.push({
          message: `"${k.name}" is not a systemd [Service] directive: systemd ignores it with only a log line, so it has no effect.${suggestion ? ` Did you mean ${suggestion}?` : ""}`,
          range: k.range,
          service: u.name,
          fixes,
        });
      }
    }
    return out;
  },
};
