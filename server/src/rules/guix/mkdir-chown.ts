import type { MkdirChownGroup } from "../../guix/model";
import type { Fix } from "../../model/finding";
import type { Rule, RuleContext } from "../rule";
import { activationModuleInStart, startOwner } from "./imports";
import { details, eol, fix, rangeOf, replace, textOf } from "./util";

/** The mode mkdir-p gives when none is set afterwards (0777 less the usual umask 022). */
const DEFAULT_MODE = "#o755";

/** `(mkdir-p P)` `(chown P …)` [`(chmod P M)`] → `(mkdir-p/perms P OWNER M)`. */
export function mkdirPermsFix(ctx: RuleContext, g: MkdirChownGroup): Fix | undefined {
  if (!g.owner || !g.mkdir.pathArg) return undefined;
  // the three forms must be consecutive in their body, so one replacement covers them
  const forms = [g.mkdir, g.chown, ...(g.chmod ? [g.chmod] : [])].map((o) => o.site);
  const indices = forms.map((s) => s.index).sort((a, b) => a - b);
  if (indices[indices.length - 1] - indices[0] !== indices.length - 1) return undefined;
  const first = forms.reduce((a, b) => (a.form.start < b.form.start ? a : b)).form;
  const last = forms.reduce((a, b) => (a.form.end > b.form.end ? a : b)).form;
  // comments that sit between the forms are kept, on their own lines above the new call
  const between = textOf(ctx, { start: first.start, end: last.end });
  if (/"|#\\;|#\|/.test(between.replace(/"[^"\\]*"/g, ""))) return undefined;
  const comments = between.replace(/"[^"\\]*"/g, "").match(/;[^\r\n]*/g) ?? [];
  const indent = " ".repeat(ctx.document.lineIndex.positionAt(first.start).character);
  const mode = g.mode ?? DEFAULT_MODE;
  const replacement = comments.map((c) => `${c.trimEnd()}${eol(ctx)}${indent}`).join("") + `(mkdir-p/perms ${textOf(ctx, g.mkdir.pathArg)} ${g.owner} ${mode})`;
  const note = g.mode ? "" : ` (mode ${DEFAULT_MODE}, what mkdir-p gave; tighten it if the directory is private)`;
  const edits = [replace(ctx, first.start, last.end, replacement)];
  // in start code the procedure is not in scope by itself: import it into the gexp and the service
  if (g.mkdir.phase === "start") {
    const d = details(ctx);
    const info = d ? startOwner(d, g.mkdir) : undefined;
    const imports = info ? activationModuleInStart(ctx, info) : undefined;
    if (!imports) return undefined;
    edits.push(...imports);
  }
  return fix(`Use mkdir-p/perms, which never follows symlinks${note}`, edits, true);
}

export const mkdirChown: Rule = {
  id: "guix/mkdir-chown",
  language: "guix",
  defaultSeverity: "warning",
  title: "mkdir-p followed by chown (and chmod) instead of mkdir-p/perms",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    return d.groups
      // a directory handed to root stays root's: no account gains it (below an account's directory,
      // guix/root-op-in-service-dir reports the chown instead)
      .filter((g) => !g.chown.under && g.chown.account !== "root")
      // inside a local mkdir-p/perms: guix/shadowed-mkdir-p-perms reports the definition
      .filter((g) => !d.shadows.some((s) => g.mkdir.site.form.start >= s.form.start && g.mkdir.site.form.end <= s.form.end))
      .map((g) => {
        const f = mkdirPermsFix(ctx, g);
        const path = g.mkdir.path.kind === "known" ? g.mkdir.path.value : textOf(ctx, g.mkdir.pathArg ?? g.mkdir.site.form);
        return {
          message: `mkdir-p then chown${g.chmod ? " and chmod" : ""} of ${path} act by path and follow symlinks; mkdir-p/perms creates the directory and sets owner and mode without following any.`,
          range: rangeOf(ctx, g.mkdir.site.form),
          service: g.mkdir.service,
          fixes: f ? [f] : [],
        };
      });
  },
};
