import type { ClaimIndex } from "../../model/claims";
import type { PathOp } from "../../guix/model";
import type { Range } from "../../model/range";
import type { PathClaim } from "../../model/service";
import type { Fix } from "../../model/finding";
import type { Rule, RawFinding, RuleContext } from "../rule";
import { mkdirPermsFix } from "./mkdir-chown";
import { deleteForm, details, eol, fix, lineIndent, rangeOf, reindent, replace, schemeString, textOf } from "./util";

/** When the op runs again, so the planted link takes effect. */
function when(op: PathOp): string {
  return op.phase === "start" ? "the next time the service starts" : "on the next reconfigure or boot";
}

/** What an attacker gains when root's operation follows their symlink. */
function gain(op: PathOp): string {
  const account = op.under!.account;
  switch (op.op) {
    case "chown":
      return `${when(op)}, this chown makes the target ${account}'s`;
    case "chmod":
      return `${when(op)}, this chmod changes the target's mode`;
    case "delete-file":
      return `${when(op)}, root deletes that name in whatever directory the link points to`;
    case "delete-file-recursively":
      return `${when(op)}, root deletes the target`;
    case "rename-file":
    case "symlink":
      return `${when(op)}, root creates that name in whatever directory the link points to`;
    case "mkdir-p":
    case "mkdir":
      return "root creates directories wherever the link points";
    default:
      return `${when(op)}, root writes the target`;
  }
}

export function describe(op: PathOp): string {
  const claim = op.under!;
  const path = op.path.kind === "known" ? op.path.value : "?";
  // the entry right below the account's directory: the file itself, or a directory on the way
  const rest = path.slice(claim.path.replace(/\/$/, "").length + 1).split("/");
  const entry = rest[0] || path;
  const target = rest.length > 1 ? "a directory such as /etc" : "/etc/shadow or a store file";
  const who = op.phase === "start" ? "Root-run start code" : op.phase === "activation" ? "Root-run activation code" : "Code in this gexp (root-run when used for activation)";
  return `${who} does ${op.op} on ${path}, below ${claim.path} which the ${claim.account} account ${claim.how === "writable-mapping" ? "can write" : "owns"}: ${claim.account} can replace ${entry} with a symlink to ${target}; ${gain(op)}.`;
}

/** Ops that replace or create a file: made safe by doing them as the service's account. */
const AS_USER_OPS = new Set(["copy-file", "install-file", "call-with-output-file", "with-output-to-file", "open-output-file", "open-file", "symlink", "rename-file", "delete-file", "utime", "make-file-writable", "truncate-file", "copy-recursively"]);

/**
 * Root does the write as the account: fork, drop supplementary groups, setgid, setuid, write. The
 * child exits on failure too, so the rest of the activation never runs as the account.
 */
function asUserFix(ctx: RuleContext, op: PathOp, ops: PathOp[]): Fix | undefined {
  const account = op.under!.account;
  if (account === "root" || account.startsWith("unknown")) return undefined;
  // forking inside Shepherd (PID 1) to drop privileges is not something to suggest
  if (op.phase === "start") return undefined;
  const form = op.site.form;
  const indent = " ".repeat(ctx.document.lineIndex.positionAt(form.start).character);
  const nl = eol(ctx);
  // the form moves 10 columns to the right, into the child's body
  const original = textOf(ctx, form);
  const body = reindent(original, 10, nl);
  // names that do not capture a variable the moved form uses
  const uses = (name: string) => new RegExp(`(^|[\\s()'])${name.replace(/[-?]/g, "\\$&")}($|[\\s()])`).test(original);
  const pw = ["pw", "account-pw", "pola-pw"].find((n) => !uses(n))!;
  const pid = ["pid", "child", "pola-child"].find((n) => !uses(n))!;
  const lines = [
    `(let ((${pw} (getpwnam ${schemeString(account)}))  ; ${op.op} as ${account}, so a planted symlink gains nothing`,
    `      (${pid} (primitive-fork)))`,
    `  (if (zero? ${pid})`,
    `      (catch #t`,
    `        (lambda ()`,
    `          (setgroups #())`,
    `          (setgid (passwd:gid ${pw}))`,
    `          (setuid (passwd:uid ${pw}))`,
    `          ${body}`,
    `          (primitive-_exit 0))`,
    `        (lambda _ (primitive-_exit 1)))`,
    `      (unless (zero? (status:exit-val (cdr (waitpid ${pid}))))`,
    `        (error ${schemeString(`${op.op} as ${account} failed`)}))))`,
  ];
  const edits = [replace(ctx, form.start, form.end, lines.join(nl + indent))];
  // a following chown of the same path to the same account is now redundant (and itself unsafe)
  const follower = ops.find(
    (o) => o.op === "chown" && o.site.parent === op.site.parent && o.site.index > op.site.index && o.site.index - op.site.index <= 2 && o.account === account && o.path.kind === "known" && op.path.kind === "known" && o.path.value === op.path.value,
  );
  if (follower) edits.push(deleteForm(ctx, follower.site.form));
  return fix(`Do the ${op.op} as ${account} (fork, setuid), not as root${follower ? ", and drop the chown" : ""}`, edits, true);
}

/**
 * chown/chmod on a port instead of by path. When only the last component lies in the account's
 * directory, opening it with O_NOFOLLOW is enough (a symlink makes the open fail). When a directory
 * on the way is the account's too, the path is opened one component at a time from `/`, each with
 * O_NOFOLLOW, as mkdir-p/perms does.
 */
function noFollowFix(ctx: RuleContext, op: PathOp, ops: PathOp[], claims: ClaimIndex): Fix | undefined {
  const form = op.site.form;
  if (!op.pathArg || form.items.length < 3 || op.path.kind !== "known") return undefined;
  const indent = " ".repeat(ctx.document.lineIndex.positionAt(form.start).character);
  const nl = eol(ctx);
  const path = textOf(ctx, op.pathArg);
  // a chmod right after a chown of the same path (or the reverse) shares the port
  const next = ops.find(
    (o) =>
      (o.op === "chown" || o.op === "chmod") && o !== op && o.site.parent === op.site.parent && o.site.index === op.site.index + 1 && o.pathArg && textOf(ctx, o.pathArg) === path && o.site.form.items.length >= 3 &&
      /^\s*$/.test(ctx.document.text.slice(form.end, o.site.form.start)),
  );
  const calls = [op, ...(next ? [next] : [])].map((o) => `  (${o.op} port ${o.site.form.items.slice(2).map((x) => textOf(ctx, x)).join(" ")})`);
  const end = next ? next.site.form.end : form.end;
  const verbs = next ? `${op.op} and ${next.op}` : op.op;
  if (!intermediateRedirectable(op.path.value, claims)) {
    const lines = [`(let ((port (open ${path} (logior O_RDONLY O_NOFOLLOW O_NONBLOCK O_CLOEXEC))))  ; fails on a symlink`, ...calls, `  (close-port port))`];
    return fix(`${verbs} through an O_NOFOLLOW port instead of by path`, [replace(ctx, form.start, end, lines.join(nl + indent))], true);
  }
  const lines = [
    `(let ((port (let walk ((dir (open "/" (logior O_RDONLY O_DIRECTORY O_CLOEXEC)))  ; one component at a time, never following a symlink`,
    `                       (names (string-tokenize ${path} (char-set-complement (char-set #\\/)))))`,
    `              (let ((next (openat dir (car names)`,
    `                                  (logior O_RDONLY O_NOFOLLOW O_CLOEXEC`,
    `                                          (if (null? (cdr names)) O_NONBLOCK O_DIRECTORY)))))`,
    `                (close-port dir)`,
    `                (if (null? (cdr names)) next (walk next (cdr names)))))))`,
    ...calls,
    `  (close-port port))`,
  ];
  return fix(`${verbs} through a port opened component by component with O_NOFOLLOW`, [replace(ctx, form.start, end, lines.join(nl + indent))], true);
}

/** Whether a directory on the way to `path` (not its last component) is one an account can replace. */
export function intermediateRedirectable(path: string, claims: ClaimIndex): boolean {
  return claims.above(path.slice(0, path.lastIndexOf("/"))) !== undefined;
}

/**
 * Where the finding sits: the whole call when it fits on one line or ends with its path; otherwise
 * the call up to its path argument (`(call-with-output-file path`), or, for a program's output option, the option and the path.
 */
function opRange(ctx: RuleContext, op: PathOp): Range {
  const form = op.site.form;
  const lines = ctx.document.lineIndex;
  if (lines.positionAt(form.start).line === lines.positionAt(form.end).line || !op.pathArg) return rangeOf(ctx, form);
  if (op.op.startsWith("invoke") || op.op.startsWith("system*")) {
    const i = form.items.indexOf(op.pathArg);
    const option = form.items[i - 1];
    if (option) return rangeOf(ctx, { start: option.start, end: op.pathArg.end });
  }
  // the path is the last argument: the whole call, closing paren included
  if (form.items[form.items.length - 1] === op.pathArg) return rangeOf(ctx, form);
  return rangeOf(ctx, { start: form.start, end: op.pathArg.end });
}

export const rootOpInServiceDir: Rule = {
  id: "guix/root-op-in-service-dir",
  language: "guix",
  defaultSeverity: "error",
  title: "Root-run code follows paths below a directory a service account can write",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    const grouped = new Set<PathOp>();
    for (const g of d.groups) {
      if (!g.chown.under) continue;
      grouped.add(g.mkdir).add(g.chown);
      if (g.chmod) grouped.add(g.chmod);
      const f = mkdirPermsFix(ctx, g);
      findings.push({ message: describe(g.chown), range: opRange(ctx, g.chown), service: g.chown.service, fixes: f ? [f] : [] });
    }
    for (const op of d.ops) {
      if (!op.under || !op.followsSymlinks || grouped.has(op) || op.recursive) continue;
      if (op.op === "mkdir-p" || op.op === "mkdir") continue; // creating directories alone is reported with the chown that follows
      const fixes: Fix[] = [];
      const f = op.op === "chown" || op.op === "chmod" ? noFollowFix(ctx, op, d.ops, d.claimIndex) : AS_USER_OPS.has(op.op) ? asUserFix(ctx, op, d.ops) : undefined;
      if (f) fixes.push(f);
      findings.push({ message: describe(op), range: opRange(ctx, op), service: op.service, fixes });
    }
    return findings;
  },
};

export { lineIndent };
