import type { Rule, RawFinding } from "../rule";
import { daemons, runAsAccountFix } from "./constructor";
import { details, rangeOf } from "./util";

export const namespacedRoot: Rule = {
  id: "guix/namespaced-root",
  language: "guix",
  defaultSeverity: "warning",
  title: "A wrapper drops the user namespace with no #:user: root in a container",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const { info, service } of daemons(ctx, d)) {
      const w = info.wrapper;
      if (!w) continue;
      const ns = service.authority.confinement.namespaces;
      if (ns.kind !== "known" || ns.value.includes("user")) continue;
      if (info.keywords.has("user") || w.keywords.has("user")) continue;
      const f = runAsAccountFix(ctx, d, info, service);
      findings.push({
        message: `${service.name}'s least-authority-wrapper drops the user namespace from #:namespaces and no #:user is given: the daemon is real root inside its container, with every capability over what it can see.`,
        range: rangeOf(ctx, w.keywords.get("namespaces")?.key ?? w.call.items[0]),
        service: service.name,
        fixes: f ? [f] : [],
      });
    }
    return findings;
  },
};
