import { resolveAccount, resolveString } from "../../guix/resolve";
import { type Datum, head, isList, isSymbol, type List, walk } from "../../guix/sexp";
import { callOf } from "../../guix/walk";
import type { Rule, RawFinding } from "../rule";
import { intermediateRedirectable } from "./root-op-in-service-dir";
import { details, fix, serviceAt, rangeOf, replace, schemeString, textOf, ensureModule } from "./util";

const ITERATORS = new Set(["for-each", "map", "par-for-each", "n-par-for-each"]);
const WALKERS = new Set(["find-files", "file-system-fold", "file-system-tree", "nftw", "scandir"]);

export const recursiveChown: Rule = {
  id: "guix/recursive-chown",
  language: "guix",
  defaultSeverity: "error",
  title: "chown/chmod over a tree a service account can write",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const site of d.walk.calls) {
      if (!site.inGexp || !ITERATORS.has(site.name)) continue;
      const walker = site.form.items.slice(2).find((x): x is List => isList(x) && WALKERS.has(head(x) ?? ""));
      if (!walker) continue;
      // the procedure applied to each entry: chown or chmod in it
      const proc = site.form.items[1];
      let changer: List | undefined;
      walk(proc ? [proc] : [], (x: Datum) => {
        if (changer) return false;
        if (isList(x) && (head(x) === "chown" || head(x) === "chmod")) changer = x;
        // (cut chown <> uid gid), (cut chmod <> #o640)
        else if (isList(x) && head(x) === "cut" && (isSymbol(x.items[1], "chown") || isSymbol(x.items[1], "chmod"))) changer = x;
        return true;
      });
      if (!changer) continue;
      const root = resolveString(walker.items[1], site.env, d.ctx);
      if (root.kind !== "known") continue;
      const claim = d.claimIndex.atOrAbove(root.value);
      if (!claim) continue;
      for (const op of d.ops) if (op.site.form.start >= site.form.start && op.site.form.end <= site.form.end) op.recursive = true;
      const verb = head(changer) === "cut" ? (changer.items[1] as { value: string }).value : head(changer)!;
      const fixes = [];
      const changerSite = callOf(d.walk, changer);
      const account = verb === "chown" ? resolveAccount(changer.items[head(changer) === "cut" ? 3 : 2], changerSite?.env ?? site.env, d.ctx) : undefined;
      const group = account && account !== "root" ? (d.accounts.find((a) => a.kind === "user" && a.name === account)?.group ?? account) : undefined;
      // chown -R -P never follows a symlink it meets, the starting point included; but the directories
      // leading to the starting point are resolved normally, so none of them may be the account's
      if (verb === "chown" && account && account !== "root" && group && !intermediateRedirectable(root.value, d.claimIndex)) {
        // coreutils walks the tree with openat and never follows symlinks it meets (-P)
        const replacement = `(invoke #$(file-append coreutils "/bin/chown") "--recursive" "--no-dereference" "-P" ${schemeString(`${account}:${group}`)} ${textOf(ctx, walker.items[1])})`;
        fixes.push(fix("Use chown --recursive --no-dereference -P, which never follows symlinks", [replace(ctx, site.form.start, site.form.end, replacement), ...ensureModule(ctx, "gnu packages base")], true));
      }
      findings.push({
        message: `${verb} applied over (${head(walker)} ${root.value}) by root: the ${claim.account} account can write that tree and plant symlinks in it, and ${verb} follows them (${head(walker)} returns symlink entries).`,
        // the chown (or chmod) that follows the links, not the whole loop
        range: rangeOf(ctx, changer),
        service: serviceAt(d, site.form)?.service,
        fixes,
      });
    }
    return findings;
  },
};
