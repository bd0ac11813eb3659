import { resolveString } from "../../guix/resolve";
import type { Rule, RawFinding } from "../rule";
import { daemons } from "./constructor";
import { details, fix, insert, rangeOf, schemeString, textOf } from "./util";

export const userWithoutGroup: Rule = {
  id: "guix/user-without-group",
  language: "guix",
  defaultSeverity: "warning",
  title: "#:user without #:group keeps group root",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const { info, service } of daemons(ctx, d)) {
      const user = info.keywords.get("user");
      if (!user || info.keywords.has("group") || !user.value) continue;
      const name = resolveString(user.value, info.env, d.ctx);
      const account = name.kind === "known" ? d.accounts.find((a) => a.kind === "user" && a.name === name.value) : undefined;
      const group = account?.group ?? (name.kind === "known" ? name.value : undefined);
      const groupText = group ? schemeString(group) : user.value.t === "string" ? textOf(ctx, user.value) : undefined;
      const fixes = groupText ? [fix(`Add #:group ${groupText}`, [insert(ctx, user.value.end, ` #:group ${groupText}`)], true)] : [];
      findings.push({
        message: `${service.name} sets #:user but not #:group: the daemon keeps gid 0 and root's supplementary groups.`,
        range: rangeOf(ctx, { start: user.key.start, end: user.value.end }),
        service: service.name,
        fixes,
      });
    }
    return findings;
  },
};
