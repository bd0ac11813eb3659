import type { Rule } from "../rule";
import { deployment, listHead, rangeOf } from "./util";

/**
 * deploy/no-baseline: the deployment cannot be compared with its last commit (no git, not in a
 * repository, a new file), so pola shows the relations between machines but does not check the order.
 */
export const noBaseline: Rule = {
  id: "deploy/no-baseline",
  language: "guix",
  defaultSeverity: "information",
  title: "A deployment file pola cannot compare with its last commit: the machine order is not checked",
  check(ctx) {
    const inputs = ctx.workspace.deploy;
    if (!inputs) return [];
    const a = deployment(ctx);
    if (!a) return [];
    const b = inputs.baseline;
    let why: string;
    if (b.kind === "ok") {
      if (b.machines) return [];
      why = b.why ?? "the committed version cannot be read";
    } else why = b.why;
    const relations = a.order.relations.length;
    return [
      {
        message:
          `pola cannot compare this deployment with its last commit (${why}), so the order of the machine list is not checked: ` +
          `only the current relations are shown (${relations ? `${relations} guard relation${relations === 1 ? "" : "s"}` : "no machine guards another"}).`,
        range: rangeOf(ctx, listHead(a)),
        fixes: [],
      },
    ];
  },
};
