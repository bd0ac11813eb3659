import type { ConstructorInfo, GuixDetails } from "../../guix/model";
import { type Datum, isSymbol, walk } from "../../guix/sexp";
import type { Fix } from "../../model/finding";
import type { TextEdit } from "../../model/range";
import type { Rule, RawFinding, RuleContext } from "../rule";
import { asciiName, columnOf, details, ensureModule, eol, fix, rangeOf, reindent, replace, schemeString, textOf } from "./util";

/** Names a mapping may use once it moves out of the gexp into host code. */
const HOST_NAMES = new Set(["list", "cons", "cons*", "append", "file-system-mapping", "source", "target", "writable?", "string-append", "in-vicinity", "%namespaces", "delq", "delete", "fold"]);

/**
 * The text of an expression of the gexp as host code: `#$x` becomes `x`. undefined when it uses
 * anything only the gexp's run time can see (its own variables, splicing, nested gexps).
 */
function asHostCode(ctx: RuleContext, d: GuixDetails, datum: Datum): string | undefined {
  const cuts: { start: number; end: number; text: string }[] = [];
  let ok = true;
  walk([datum], (x) => {
    if (!ok) return false;
    if (x.t === "prefix") {
      if (x.kind === "ungexp" && x.value) {
        cuts.push({ start: x.start, end: x.end, text: textOf(ctx, x.value) });
        return false;
      }
      if (x.kind === "quote") return false;
      ok = false;
      return false;
    }
    if (isSymbol(x) && !HOST_NAMES.has(x.value) && !d.top.defines.has(x.value)) ok = false;
    return true;
  });
  if (!ok) return undefined;
  let text = textOf(ctx, datum);
  for (const c of cuts.sort((a, b) => b.start - a.start)) text = text.slice(0, c.start - datum.start) + c.text + text.slice(c.end - datum.start);
  return text;
}

/** Removes `#:key value` from a call, with the whitespace before it. */
function dropKeyword(ctx: RuleContext, info: ConstructorInfo, key: string): TextEdit | undefined {
  const entry = info.keywords.get(key);
  const owner = info.keywordOwner;
  if (!entry?.value || !owner) return undefined;
  const index = owner.items.indexOf(entry.key);
  const previous = owner.items[index - 1];
  const gap = previous ? ctx.document.text.slice(previous.end, entry.key.start) : "";
  const start = previous && /^\s*$/.test(gap) ? previous.end : entry.key.start;
  return replace(ctx, start, entry.value.end, "");
}

/**
 * make-forkexec-constructor/container PROGRAM… #:mappings M → make-forkexec-constructor with the
 * program wrapped: `#$(least-authority-wrapper PROGRAM #:name … #:mappings M)`.
 */
function migrationFix(ctx: RuleContext, d: GuixDetails, info: ConstructorInfo): Fix | undefined {
  const call = info.call;
  const program = info.program;
  if (!call || !program || program.t !== "prefix" || program.kind !== "ungexp" || !program.value) return undefined;
  const nl = eol(ctx);
  const column = columnOf(ctx, program.value.start) + 1;
  const pad = " ".repeat(column);
  const name = asciiName(info.service);
  const lines = [`(least-authority-wrapper`, `${pad}${textOf(ctx, program.value)}`, `${pad}#:name ${schemeString(name)}`];
  const edits: TextEdit[] = [replace(ctx, call.items[0].start, call.items[0].end, "make-forkexec-constructor")];
  for (const key of ["mappings", "namespaces"]) {
    const entry = info.keywords.get(key);
    if (!entry?.value) continue;
    const host = asHostCode(ctx, d, entry.value);
    if (host === undefined) return undefined;
    // a container without its own user namespace needs #:user on the wrapper: not a mechanical move
    if (key === "namespaces" && /\buser\b/.test(host)) return undefined;
    const prefix = `#:${key} `;
    lines.push(`${pad}${prefix}${reindent(host, column + prefix.length - columnOf(ctx, entry.value.start), nl)}`);
    edits.push(dropKeyword(ctx, info, key)!);
  }
  lines[lines.length - 1] += ")";
  edits.push(replace(ctx, program.value.start, program.value.end, lines.join(nl)));
  edits.push(...ensureModule(ctx, "guix least-authority"), ...ensureModule(ctx, "gnu system file-systems"));
  return fix(`Use make-forkexec-constructor with the program in least-authority-wrapper (#:mappings${info.keywords.has("namespaces") ? " and #:namespaces" : ""} move to the wrapper)`, edits, true);
}

export const removedContainerApi: Rule = {
  id: "guix/removed-container-api",
  language: "guix",
  defaultSeverity: "error",
  title: "make-forkexec-constructor/container was removed in 2023",
  check(ctx) {
    const d = details(ctx);
    if (!d) return [];
    const findings: RawFinding[] = [];
    for (const site of d.walk.callsByName.get("make-forkexec-constructor/container") ?? []) {
      const info = d.constructors.find((c) => c.call === site.form);
      const f = info ? migrationFix(ctx, d, info) : undefined;
      findings.push({
        message: `${info ? `${info.service}: ` : ""}make-forkexec-constructor/container was removed from Guix in November 2023; this service no longer builds. Wrap the program in least-authority-wrapper and use make-forkexec-constructor.`,
        range: rangeOf(ctx, site.form.items[0]),
        service: info?.service,
        fixes: f ? [f] : [],
      });
    }
    return findings;
  },
};
