import type { Rule, RawFinding } from "../rule";
import { details, rangeOf } from "./util";

export const removedContainerApi: Rule = {
  id: "guix/removed-container-api",
  language: "guix",
  defaultSeverity: "error",
  title: "make-forkexec-constructor/container was removed in 2023",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const site of d.walk.callsByName.get("make-forkexec-constructor/container") ?? []) {
      findings.push({
        message: "make-forkexec-constructor/container was removed from Guix in November 2023; this service no longer builds. Wrap the program in least-authority-wrapper and use make-forkexec-constructor.",
        range: rangeOf(ctx, site.form.items[0]),
        fixes: [],
      });
    }
    return findings;
  },
};
