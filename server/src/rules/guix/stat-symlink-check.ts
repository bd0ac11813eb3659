import { type Datum, head, isList, isSymbol, walk } from "../../guix/sexp";
import { callsAround, callsWithin } from "../../guix/walk";
import type { Rule, RawFinding } from "../rule";
import { details, fix, rangeOf, replace, serviceAt, textOf } from "./util";

function mentionsSymlink(d: Datum): boolean {
  let found = false;
  walk([d], (x) => {
    if (found) return false;
    if (x.t === "prefix" && x.kind === "quote" && x.value?.t === "symbol" && x.value.value === "symlink") found = true;
    // (case (stat:type (stat f)) ((symlink) …) …): the clause data are not quoted
    if (isList(x) && head(x) === "case") {
      for (const clause of x.items.slice(2)) {
        const data = isList(clause) ? clause.items[0] : undefined;
        if (isList(data) && data.items.some((y) => isSymbol(y, "symlink"))) found = true;
      }
    }
    return true;
  });
  return found;
}

function mentions(d: Datum, name: string): boolean {
  let found = false;
  walk([d], (x) => {
    if (found) return false;
    if (isSymbol(x, name)) found = true;
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
    const COMPARE = new Set(["eq?", "eqv?", "equal?", "memq", "memv"]);
    const within = (inner: Datum, outer: Datum) => inner.start >= outer.start && inner.end <= outer.end;
    for (const site of d.walk.callsByName.get("stat") ?? []) {
      const enclosing = callsAround(d.walk, site.form);
      // (eq? 'symlink (stat:type (stat f))), or (case (stat:type (stat f)) ((symlink) …))
      let check = enclosing.find(
        (c) => (COMPARE.has(c.name) && c.form.end - c.form.start < 400 && mentionsSymlink(c.form)) || (c.name === "case" && c.form.items[1] !== undefined && within(site.form, c.form.items[1]) && mentionsSymlink(c.form)),
      );
      // (let ((st (stat f))) … (eq? (stat:type st) 'symlink) …)
      const binding = site.parent;
      if (!check && binding && binding.items.length === 2 && isSymbol(binding.items[0]) && site.index === 1) {
        const variable = binding.items[0].value;
        const scope = enclosing.find((c) => (c.name === "let" || c.name === "let*") && c.form.items.some((x) => isList(x) && x.items.includes(binding)));
        if (scope) {
          check = callsWithin(d.walk, scope.form).find(
            (c) => (COMPARE.has(c.name) || c.name === "case") && mentionsSymlink(c.form) && c.form.end - c.form.start < 400 && mentions(c.form, variable),
          );
        }
      }
      if (!check || seen.has(site.form.start)) continue;
      seen.add(site.form.start);
      const name = site.form.items[0];
      // name the procedure the check sits in, so two such checks read differently
      const definer = enclosing
        .filter((c) => c.name === "define" || c.name === "define*")
        .sort((a, b) => b.form.start - a.form.start)[0];
      const target = definer?.form.items[1];
      const where = isSymbol(target) ? target.value : isList(target) && isSymbol(target.items[0]) ? target.items[0].value : undefined;
      findings.push({
        message: `${textOf(ctx, site.form)}${where ? ` in ${where}` : ""} follows symlinks, so its type is never 'symlink and this check never fires; use lstat (checking and then acting by path is still a race).`,
        range: rangeOf(ctx, name),
        service: serviceAt(d, site.form)?.service,
        fixes: [fix("Use lstat, which does not follow the link", [replace(ctx, name.start, name.end, "lstat")], true)],
      });
    }
    return findings;
  },
};
