import { reasons } from "../../deploy/analysis";
import type { Rule } from "../rule";
import { planFix } from "./fixes";
import { deployment, listHead, rangeOf } from "./util";

/**
 * deploy/conflicting-update: the update needs one machine before another and the reverse (a guard
 * narrows for one change and widens for another): no single order is safe, the update must be
 * split into two deployments.
 */
export const conflictingUpdate: Rule = {
  id: "deploy/conflicting-update",
  language: "guix",
  defaultSeverity: "error",
  title: "An update that opens and closes access in conflicting directions: no order of the machine list is safe",
  check(ctx) {
    const a = deployment(ctx);
    if (!a || a.order.cycle.length === 0 || a.plan?.existing?.current) return [];
    const names = (i: number) => a.machines[i].name;
    const needs = reasons(a.machines, a.order.cycle);
    const pass1 = new Map<number, string[]>();
    for (const c of a.order.constraints) pass1.set(c.narrowing.machine, [...new Set([...(pass1.get(c.narrowing.machine) ?? []), c.narrowing.text])]);
    const first = [...pass1.entries()].sort((x, y) => x[0] - y[0]).map(([m, changes]) => `${names(m)}: ${changes.join(", ")}`);
    let message =
      `No order of this machine list is safe in one deployment: ${needs.join(", but ")}. ` +
      `Split it in two: first deploy only the changes that narrow access (${first.join("; ")}), then this file.`;
    if (a.plan?.existing) message += " The split plan above the list is out of date.";
    const fix = planFix(ctx, a);
    return [{ message, range: rangeOf(ctx, listHead(a)), fixes: fix ? [fix] : [] }];
  },
};
