import type { Fix } from "../../model/finding";
import type { Rule, RawFinding } from "../rule";
import { accountFor, addAccountExtension, addKeywords, daemons } from "./constructor";
import { details, fix, rangeOf, schemeString } from "./util";

export const runsAsRoot: Rule = {
  id: "guix/runs-as-root",
  language: "guix",
  defaultSeverity: "warning",
  title: "A shepherd service starts its daemon as root",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const { info, service } of daemons(ctx, d)) {
      if (info.keywords.has("user") || info.wrapper?.keywords.has("user")) continue;
      const fixes: Fix[] = [];
      const account = accountFor(d, service);
      const kw = addKeywords(ctx, info, `#:user ${schemeString(account.name)} #:group ${schemeString(account.group)}`);
      if (kw) {
        if (account.declared) fixes.push(fix(`Run as the ${account.name} account (#:user/#:group)`, [kw], true));
        else {
          const accounts = addAccountExtension(ctx, d, service, account.name);
          if (accounts) fixes.push(fix(`Run as a new ${account.name} system account (#:user/#:group, user-account and user-group)`, [kw, ...accounts], true));
        }
      }
      findings.push({
        message: `${service.name} starts ${info.constructorName === "make-inetd-constructor" ? "its per-connection processes" : "its daemon"} with no #:user, so it runs as root with every capability.`,
        range: rangeOf(ctx, info.call!.items[0]),
        service: service.name,
        fixes,
      });
    }
    return findings;
  },
};
