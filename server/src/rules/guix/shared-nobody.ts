import type { ConstructorInfo, GuixDetails } from "../../guix/model";
import { resolveString } from "../../guix/resolve";
import type { Fix } from "../../model/finding";
import type { Service } from "../../model/service";
import type { TextEdit } from "../../model/range";
import type { Rule, RawFinding, RuleContext } from "../rule";
import { accountFor, addAccountExtension, addKeywordsTo, daemons } from "./constructor";
import { details, fix, rangeOf, replace, schemeString } from "./util";

const SHARED_GROUPS = new Set(["nogroup", "nobody", "nogroups"]);

/** #:user "nobody" → an account of its own (declared in the file, or a new one); the shared group too. */
function ownAccountFix(ctx: RuleContext, d: GuixDetails, info: ConstructorInfo, service: Service): Fix | undefined {
  const owner = info.keywords.has("user") ? info.keywordOwner : info.wrapper?.call;
  const keywords = info.keywords.has("user") ? info.keywords : info.wrapper?.keywords;
  const user = keywords?.get("user");
  if (!owner || !keywords || !user?.value) return undefined;
  const account = accountFor(d, service);
  const edits: TextEdit[] = [replace(ctx, user.value.start, user.value.end, schemeString(account.name))];
  const group = keywords.get("group");
  if (group?.value) {
    const g = resolveString(group.value, info.env, d.ctx);
    if (g.kind === "known" && SHARED_GROUPS.has(g.value)) edits.push(replace(ctx, group.value.start, group.value.end, schemeString(account.group)));
  } else {
    const kw = addKeywordsTo(ctx, owner, `#:group ${schemeString(account.group)}`);
    if (!kw) return undefined;
    edits.push(kw);
  }
  if (account.declared) return fix(`Run as the ${account.name} account instead of nobody`, edits, true);
  const accounts = addAccountExtension(ctx, d, service, account.name);
  if (!accounts) return undefined;
  return fix(`Run as a new ${account.name} system account instead of nobody (user-account and user-group)`, [...edits, ...accounts], true);
}

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
      const f = ownAccountFix(ctx, d, info, service);
      findings.push({
        message: `${service.name} runs as nobody, an account other daemons share: each can signal, ptrace and read the files of the others. Give it an account of its own.`,
        range: rangeOf(ctx, key ? { start: key.key.start, end: key.value?.end ?? key.key.end } : info.call!.items[0]),
        service: service.name,
        fixes: f ? [f] : [],
      });
    }
    return findings;
  },
};
