import type { Rule, RawFinding } from "../rule";
import { daemons } from "./constructor";
import { details, rangeOf } from "./util";

export const sharedNobody: Rule = {
  id: "guix/shared-nobody",
  language: "guix",
  defaultSeverity: "warning",
  title: "A daemon running as the shared nobody account",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const { info, service } of daemons(ctx, d)) {
      const u = service.authority.user;
      if (u.kind !== "known" || u.value !== "nobody") continue;
      const key = info.keywords.get("user") ?? info.wrapper?.keywords.get("user");
      findings.push({
        message: `${service.name} runs as nobody, an account other daemons share: each can signal, ptrace and read the files of the others. Give it an account of its own.`,
        range: rangeOf(ctx, key ? { start: key.key.start, end: key.value?.end ?? key.key.end } : info.call!.items[0]),
        service: service.name,
        fixes: [],
      });
    }
    return findings;
  },
};
