import { type Datum, head, isList, walk } from "../../guix/sexp";
import type { Rule, RawFinding } from "../rule";
import { details, fix, rangeOf, replace } from "./util";

function mentionsSymlink(d: Datum): boolean {
  let found = false;
  walk([d], (x) => {
    if (found) return false;
    if (x.t === "prefix" && x.kind === "quote" && x.value?.t === "symbol" && x.value.value === "symlink") found = true;
    return true;
  });
  return found;
}

export const statSymlinkCheck: Rule = {
  id: "guix/stat-symlink-check",
  language: "guix",
  defaultSeverity: "warning",
  title: "stat used to detect a symlink (stat follows links)",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    const seen = new Set<number>();
    for (const site of d.walk.callsByName.get("stat") ?? []) {
      // a comparison with 'symlink around the stat call (parent or grandparent forms)
      const candidates = d.walk.calls.filter((c) => c.form.start <= site.form.start && c.form.end >= site.form.end && c.form !== site.form && c.form.end - c.form.start < 400);
      const check = candidates.find((c) => mentionsSymlink(c.form) && (head(c.form) === "eq?" || head(c.form) === "eqv?" || head(c.form) === "equal?" || head(c.form) === "case" || head(c.form) === "memq"));
      if (!check || seen.has(site.form.start)) continue;
      seen.add(site.form.start);
      const name = site.form.items[0];
      if (!isList(site.form)) continue;
      findings.push({
        message: "stat follows symlinks, so its type is never 'symlink and this check never fires; use lstat (and note that acting on the path after checking is still a race).",
        range: rangeOf(ctx, name),
        fixes: [fix("Use lstat, which does not follow the link", [replace(ctx, name.start, name.end, "lstat")], true)],
      });
    }
    return findings;
  },
};
