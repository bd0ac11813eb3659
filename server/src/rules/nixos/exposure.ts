import { topContributors } from "../../exposure/score";
import { SCORED_SERVICE_DIRECTIVES } from "../../exposure/unit";
import type { Fix } from "../../model/finding";
import { nixDetails } from "../../nixos/extract";
import { addDirectives } from "../../nixos/fixes";
import { hardeningPlan } from "../../nixos/harden";
import type { RawFinding, Rule } from "../rule";

function scoredUnknowns(keys: string[]): string {
  const scored = keys.filter((k) => SCORED_SERVICE_DIRECTIVES.has(k) || k === "DefaultDependencies");
  return scored.length ? `${scored.join(", ")} depend${scored.length === 1 ? "s" : ""}` : "some settings depend";
}

/** The unit's `systemd-analyze security` exposure is above the configured threshold. */
export const exposureRule: Rule = {
  id: "nixos/exposure",
  language: "nix",
  defaultSeverity: "warning",
  title: "systemd exposure score above the threshold",
  check(ctx) {
    const out: RawFinding[] = [];
    const threshold = ctx.settings.exposureThreshold;
    for (const u of nixDetails(ctx.file).units) {
      const { best, worst, unknownKeys } = u.score;
      if (best.score <= threshold) continue;
      const top = topContributors(best, 3)
        .map((c) => `${c.setting} — ${c.description.charAt(0).toLowerCase()}${c.description.slice(1)}`)
        .join("; ");
      const scoring = "systemd-analyze security, systemd 252";
      const message =
        worst.score !== best.score
          ? `Unit "${u.name}" has exposure ${best.score.toFixed(1)}–${worst.score.toFixed(1)} (${scoring}): ${scoredUnknowns(unknownKeys)} on options, and even the best case, ${best.score.toFixed(1)} ${best.label}, is above the threshold ${threshold.toFixed(1)}. Top contributors: ${top}.`
          : `Unit "${u.name}" has exposure ${best.score.toFixed(1)} ${best.label} (${scoring}), above the threshold ${threshold.toFixed(1)}. Top contributors: ${top}.`;
      const fixes: Fix[] = [];
      const plan = hardeningPlan(u);
      if (plan) {
        const edits = addDirectives(ctx.document, u, plan.entries);
        if (edits) fixes.push({ title: `Harden (score ${plan.before.score.toFixed(1)} → ${plan.after.score.toFixed(1)})`, edits });
      }
      out.push({ message, range: u.nameRange, service: u.name, fixes });
    }
    return out;
  },
};
