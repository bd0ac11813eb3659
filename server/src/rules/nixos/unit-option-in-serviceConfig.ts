import type { Fix } from "../../model/finding";
import { nixDetails, type KeySite, type NixUnit } from "../../nixos/extract";
import { moveToUnit, nixString } from "../../nixos/fixes";
import { isInstallDirective, isUnitSectionDirective, unitOptionFor } from "../../nixos/names";
import type { SourceDocument } from "../../parsing/document";
import type { RawFinding, Rule } from "../rule";

function moveFix(document: SourceDocument, u: NixUnit, k: KeySite): Fix | undefined {
  const target = unitOptionFor(k.name);
  if (!target || k.shared || k.when || k.bindingStart === undefined) return undefined;
  let edits;
  if (target.list) {
    const items = k.valueKind === "list" ? k.valueItems! : k.valueKind === "string" ? k.valueItems!.map(nixString) : undefined;
    if (!items) return undefined;
    edits = u.anchors.unitLists[target.option]
      ? moveToUnit(document, u, k, { list: target.option, items })
      : moveToUnit(document, u, k, { path: target.option, value: `[ ${items.join(" ")} ]` });
  } else {
    if (!k.valueText) return undefined;
    edits = moveToUnit(document, u, k, { path: target.option, value: k.valueText });
  }
  return edits ? { title: `Move to the unit: ${target.option}`, edits, preferred: true } : undefined;
}

/** [Unit]/[Install] options (After, Wants, Description, WantedBy, …) written inside serviceConfig. */
export const unitOptionInServiceConfigRule: Rule = {
  id: "nixos/unit-option-in-serviceConfig",
  language: "nix",
  defaultSeverity: "error",
  title: "[Unit] or [Install] option inside serviceConfig (ignored)",
  check(ctx) {
    const out: RawFinding[] = [];
    const seen = new Set<number>();
    for (const u of nixDetails(ctx.file).units) {
      for (const k of u.keys) {
        if (!isUnitSectionDirective(k.name) || seen.has(k.start)) continue;
        seen.add(k.start);
        const section = isInstallDirective(k.name) ? "[Install]" : "[Unit]";
        const target = unitOptionFor(k.name);
        const fix = moveFix(ctx.document, u, k);
        out.push({
          message: `"${k.name}" is ${section === "[Install]" ? "an" : "a"} ${section} option: inside serviceConfig it is written to [Service], where systemd ignores it.${target ? ` Set the unit's ${target.option} instead.` : ""}`,
          range: k.range,
          service: u.name,
          fixes: fix ? [fix] : [],
        });
      }
    }
    return out;
  },
};
