import type { TextEdit } from "../../model/range";
import { isList } from "../../guix/sexp";
import type { Rule, RawFinding } from "../rule";
import { deleteForm, details, fix, insert, rangeOf, schemeString, serviceAt, textOf } from "./util";

export const shadowedMkdirPPerms: Rule = {
  id: "guix/shadowed-mkdir-p-perms",
  language: "guix",
  defaultSeverity: "error",
  title: "A local mkdir-p/perms shadows the symlink-safe procedure",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const s of d.shadows) {
      const calls = (d.walk.callsByName.get(s.name) ?? []).filter((c) => c.form !== s.form && !(c.form.start >= s.form.start && c.form.end <= s.form.end));
      const edits: TextEdit[] = [deleteForm(ctx, s.form, true)];
      let rewritten = 0;
      let fixable = true;
      if (s.params.length === 2) {
        // (mkdir-p/perms dir perms) → (mkdir-p/perms dir (getpwnam "owner") perms)
        // the owner as the definition wrote it, when every call sees the same variables; else by name
        const inScope = s.scope && calls.every((c) => c.form.start >= s.scope!.start && c.form.end <= s.scope!.end);
        const owner = s.ownerExpression && inScope ? s.ownerExpression : s.owner ? `(getpwnam ${schemeString(s.owner)})` : undefined;
        if (!owner || s.owner === "root") fixable = false;
        else
          for (const c of calls) {
            if (isList(c.form) && c.form.items.length === 3) {
              edits.push(insert(ctx, c.form.items[1].end, ` ${owner}`));
              rewritten++;
            }
          }
      } else if (s.params.length !== 3) fixable = false;
      findings.push({
        message: `This local ${s.name} (${s.params.length} arguments) shadows the safe one from (gnu build activation): it works by path (${/chown|chmod|mkdir-p\b/.test(textOf(ctx, s.form)) ? "mkdir-p, chown, chmod" : "by path"}) and follows symlinks an account may plant.`,
        range: rangeOf(ctx, s.form.items[1] ?? s.form),
        service: serviceAt(d, s.form)?.service,
        fixes: fixable ? [fix(`Delete the local ${s.name} and call the safe one${rewritten ? ` (${rewritten} call${rewritten === 1 ? "" : "s"} given an owner)` : ""}`, edits, true)] : [],
      });
    }
    return findings;
  },
};
