import { type Constraint, itemText, itemVerb, reasons } from "../../deploy/analysis";
import type { DeploymentAnalysis } from "../../deploy/deployment";
import type { RawFinding, Rule } from "../rule";
import { reorderFix } from "./fixes";
import { deployment, rangeOf } from "./util";

/** The window one pair of machines in the wrong order opens (its constraints share guard and protected machine). */
function describe(a: DeploymentAnalysis, group: Constraint[]): string {
  const c = group[0];
  const G = a.machines[c.guard].name;
  const P = a.machines[c.protected].name;
  const same = group.filter((x) => x.kind === c.kind && x.from.how === c.from.how && x.to.how === c.to.how);
  const exposed = [...new Set(same.map((x) => x.item.label))].join(" and ");
  if (c.kind === "guard-first") {
    const opens = [...new Set(same.map((x) => `${itemVerb(x.item, 1)} ${itemText(x.item)}`))].join(" and ");
    return (
      `${P} is deployed before ${G}, which guards it. From ${P}'s update until ${G}'s, ${exposed} on ${P} ${same.length > 1 ? "are" : "is"} exposed: ` +
      `${P}'s update ${opens} while ${G} still ${c.from.how} (${G}'s update: ${c.to.how}).`
    );
  }
  const closes = [...new Set(same.map((x) => itemVerb(x.item, -1)))];
  return (
    `${G} is deployed before ${P}, which it guards. From ${G}'s update until ${P}'s, ${exposed} on ${P} ${same.length > 1 ? "are" : "is"} exposed: ` +
    `${G}'s update ${c.to.how} (it ${c.from.how} until then) while ${P} has not yet applied its own update, which ${closes.join(" and ")} ${same.length > 1 ? "them" : "it"}.`
  );
}

/**
 * deploy/sniping-window: the list order updates a protected machine before the guard that
 * compensates for what it opens — or a guard before the machine whose access it stops covering.
 */
export const snipingWindow: Rule = {
  id: "deploy/sniping-window",
  language: "guix",
  defaultSeverity: "error",
  title: "The machine list deploys a machine and its guard in an order that exposes it between the two updates",
  check(ctx) {
    const a = deployment(ctx);
    if (!a || a.order.cycle.length || a.order.violated.length === 0) return [];
    const fix = reorderFix(ctx, a);
    const safe = (a.order.order ?? []).map((i) => a.machines[i].name).join(" → ");
    // one finding per pair of machines in the wrong order, on the one deployed too early
    const pairs = new Map<string, Constraint[]>();
    for (const c of a.order.violated) {
      const key = `${c.before}:${c.after}`;
      pairs.set(key, [...(pairs.get(key) ?? []), c]);
    }
    const findings: RawFinding[] = [];
    for (const group of pairs.values()) {
      const first = group[0];
      const early = a.deployment.machines[first.after];
      let message = describe(a, group);
      const rest = group.filter((c) => !(c.kind === first.kind && c.from.how === first.from.how && c.to.how === first.to.how));
      if (rest.length) message += ` Also: ${reasons(a.machines, rest).join("; ")}.`;
      message += ` Deploy ${a.machines[first.before].name} first (safe order: ${safe}).`;
      findings.push({ message, range: rangeOf(ctx, early.element), service: a.machines[first.after].name, fixes: fix ? [fix] : [] });
    }
    return findings;
  },
};
