import { claimAbove } from "../../model/claims";
import { usageOf } from "../../catalog/usage";
import type { GuixDetails, PathOp } from "../../guix/model";
import { isList } from "../../guix/sexp";
import type { RawFinding, Rule, RuleContext } from "../rule";
import { columnOf, eol, fix, rangeOf, reindent, replace, textOf } from "../guix/util";
import { catalogOf, plural, where } from "./util";

/** The helper the fix puts in place of a call: mkdir-p/perms that never follows a symlink, in Guile 3.0 alone. */
export const SAFE_HELPER = [
  "(let ()",
  "  ;; mkdir-p/perms that follows no symlink (added by pola): each component is opened",
  "  ;; with O_NOFOLLOW below its already-open parent, through /proc/self/fd, and the",
  "  ;; last one is changed through its descriptor.",
  "  (define (mkdir-p/perms/nofollow directory owner bits)",
  "    (let loop ((parent (open-fdes \"/\" (logior O_RDONLY O_DIRECTORY O_CLOEXEC)))",
  "               (components (filter (lambda (c) (not (string-null? c)))",
  "                                   (string-split directory #\\/))))",
  "      (if (null? components)",
  "          (begin",
  "            (chown parent (passwd:uid owner) (passwd:gid owner))",
  "            (chmod parent bits)",
  "            (close-fdes parent))",
  "          (let ((name (string-append \"/proc/self/fd/\" (number->string parent)",
  "                                     \"/\" (car components))))",
  "            (catch 'system-error",
  "              (lambda () (mkdir name #o755))",
  "              (lambda args",
  "                (unless (= EEXIST (system-error-errno args))",
  "                  (apply throw args))))",
  "            (let ((child (open-fdes name (logior O_RDONLY O_DIRECTORY",
  "                                                 O_NOFOLLOW O_CLOEXEC))))",
  "              (close-fdes parent)",
  "              (loop child (cdr components)))))))",
  "  (mkdir-p/perms/nofollow ARGS))",
];

function helperFix(ctx: RuleContext, op: PathOp) {
  const form = op.site.form;
  if (!isList(form) || form.items.length !== 4) return [];
  const args = form.items.slice(1).map((a) => textOf(ctx, a)).join(" ");
  const nl = eol(ctx);
  const text = reindent(SAFE_HELPER.join("\n").replace("ARGS", args), columnOf(ctx, form.start), nl);
  return [fix("Use a self-contained mkdir-p/perms that follows no symlink (this Guix's follows them)", [replace(ctx, form.start, form.end, text)], true)];
}

/**
 * With a Guix whose mkdir-p/perms is the path-based one (before late 2024), a call below a directory
 * an account owns can be redirected between its check and its chown. Flags such calls in the file
 * (with a fix: a self-contained helper) and used services whose definitions make them.
 */
export const usedRacyMkdirPPerms: Rule = {
  id: "used/racy-mkdir-p-perms",
  language: "any",
  defaultSeverity: "warning",
  title: "mkdir-p/perms below an account's directory, with a Guix whose mkdir-p/perms follows symlinks",
  check(ctx) {
    const catalog = catalogOf(ctx);
    const version = catalog?.guixVersion;
    if (!catalog || !version || version.mkdirPPerms !== "racy" || ctx.document.language !== "guix") return [];
    const activation = `${catalog.displayPath(version.file)}:${version.line + 1}`;
    const findings: RawFinding[] = [];
    const d = ctx.file.details as GuixDetails | undefined;
    if (d && "ops" in d) {
      const claims = [...d.claims, ...ctx.workspace.claims];
      for (const op of d.ops) {
        if (op.op !== "mkdir-p/perms" || op.path.kind !== "known") continue;
        const c = claimAbove(op.path.value, claims);
        if (!c) continue;
        findings.push({
          message: `mkdir-p/perms on ${op.path.value}, below ${c.path} (writable by ${c.account}): the installed Guix's mkdir-p/perms (${activation}) checks each component with lstat and then acts by path, so ${c.account} can swap in a symlink between the check and the chown and take any file. Run \`guix pull\` (the openat-based version, late 2024, is safe), or use a helper that follows no symlink.`,
          range: rangeOf(ctx, op.site.form.items[0] ?? op.site.form),
          service: op.service,
          fixes: helperFix(ctx, op),
        });
      }
    }
    for (const used of usageOf(ctx.document, ctx.file, catalog).services) {
      const below = used.entry.mkdirPPermsBelow ?? [];
      if (!below.length) continue;
      findings.push({
        message: `${used.name}'s activation calls mkdir-p/perms ${below.length === 1 ? "once" : plural(below.length, "time")} below a directory its account can write (${below.slice(0, 3).map((b) => `${b.path} below ${b.under}`).join(", ")}; ${where(catalog, used.entry, below[0].line)}), and the installed Guix's mkdir-p/perms (${activation}) is the path-based, racy one. What you can do: run \`guix pull\` to get the openat-based mkdir-p/perms (late 2024), then reconfigure.`,
        range: used.nameRange,
        service: used.name,
        severity: "information",
        fixes: [],
      });
    }
    return findings;
  },
};
