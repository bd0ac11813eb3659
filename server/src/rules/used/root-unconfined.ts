import { usageOf } from "../../catalog/usage";
import type { UsedService } from "../../catalog/types";
import { runsAsRoot } from "../../model/service";
import type { RawFinding, Rule } from "../rule";
import { catalogOf, where } from "./util";

function remedies(used: UsedService, catalog: NonNullable<ReturnType<typeof catalogOf>>): string {
  const e = used.entry;
  const steps: string[] = [];
  if (e.settings.length) steps.push(`set ${e.settings.map((s) => `\`${s}\``).join(" or ")} to an unprivileged account, if the service allows it`);
  if (e.language === "nix") {
    const unit = e.service;
    steps.push(`confine it from your configuration — \`systemd.services.${unit}.confinement.enable = true;\` or \`systemd.services.${unit}.serviceConfig.DynamicUser = true;\` — then check that it still works`);
  }
  steps.push("use a different service that runs under its own account");
  steps.push(
    e.origin === "workspace"
      ? `change its definition (${where(catalog, e)})`
      : `ask upstream (${e.language === "guix" ? "bug-guix@gnu.org" : "nixpkgs"}) to run it under its own account, naming ${where(catalog, e)}`,
  );
  return `What you can do: ${steps.join("; or ")}.`;
}

/** A service the configuration uses whose definition runs its daemon as root with no confinement. */
export const usedRootUnconfined: Rule = {
  id: "used/root-unconfined",
  language: "any",
  defaultSeverity: "information",
  title: "A used service runs as root without confinement",
  check(ctx) {
    const catalog = catalogOf(ctx);
    if (!catalog) return [];
    const findings: RawFinding[] = [];
    for (const used of usageOf(ctx.document, ctx.file, catalog).services) {
      const c = used.entry.authority.confinement.confined;
      if (runsAsRoot(used) !== true || c.kind !== "known" || c.value) continue;
      const exposure = used.entry.authority.exposure;
      const how = used.language === "nix" ? `the unit ${used.entry.service}` : `its shepherd service${used.entry.units.length === 1 ? "" : "s"} ${used.entry.units.join(", ") || used.entry.service}`;
      findings.push({
        message: `${used.name} runs ${how} as root with no confinement${exposure ? ` (systemd exposure ${exposure.score.toFixed(1)} ${exposure.label})` : ""} — its definition: ${where(catalog, used.entry)}. ${remedies(used, catalog)}`,
        range: used.nameRange,
        service: used.name,
        fixes: [],
      });
    }
    return findings;
  },
};
