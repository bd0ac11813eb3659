import type { ConstructorInfo, GuixDetails, PathOp } from "../../guix/model";
import { head, isList, type List, recordFields } from "../../guix/sexp";
import type { TextEdit } from "../../model/range";
import type { RuleContext } from "../rule";
import { columnOf, ensureModule, eol, insert, replace, textOf } from "./util";

const MODULE = "(gnu build activation)";

/** The shepherd service whose `start` code an op runs in (phase "start"). */
export function startOwner(d: GuixDetails, op: PathOp): ConstructorInfo | undefined {
  if (op.phase !== "start" || !op.service) return undefined;
  return d.constructors.find((c) => c.service === op.service && c.start && op.site.form.start >= c.start.start && op.site.form.end <= c.start.end) ?? d.constructors.find((c) => c.service === op.service && c.start);
}

/** Adds `(gnu build activation)` to a quoted module list `'((a b) …)`, in its layout. */
function addToQuotedList(ctx: RuleContext, quoted: List): TextEdit {
  const last = quoted.items[quoted.items.length - 1];
  if (!last) return replace(ctx, quoted.start, quoted.end, `(${MODULE})`);
  const lines = ctx.document.lineIndex;
  const first = quoted.items[0];
  const ownLines = quoted.items.length > 1 && lines.positionAt(first.start).line !== lines.positionAt(last.start).line;
  return insert(ctx, last.end, ownLines ? `${eol(ctx)}${" ".repeat(columnOf(ctx, first.start))}${MODULE}` : ` ${MODULE}`);
}

function quotedList(d: import("../../guix/sexp").Datum | undefined): List | undefined {
  if (d && d.t === "prefix" && d.kind === "quote" && isList(d.value)) return d.value;
  return undefined;
}

/**
 * Start code runs inside Shepherd, where only the service's `modules` are visible, and the gexp
 * carries only the modules it imports: using mkdir-p/perms there needs `(gnu build activation)` in
 * both. Returns the edits (none when both are there), or undefined when the shape is not one pola
 * can extend safely.
 */
export function activationModuleInStart(ctx: RuleContext, info: ConstructorInfo): TextEdit[] | undefined {
  const start = info.start;
  const value = start?.items[1];
  if (!start || !value) return undefined;
  const edits: TextEdit[] = [];
  const nl = eol(ctx);
  // 1. the gexp imports the module (with its closure)
  if (head(value) === "with-imported-modules" && isList(value)) {
    const spec = value.items[1];
    if (!spec) return undefined;
    if (!textOf(ctx, spec).replace(/\s+/g, " ").includes(MODULE)) {
      const q = quotedList(spec) ?? (head(spec) === "source-module-closure" && isList(spec) ? quotedList(spec.items[1]) : undefined);
      if (!q) return undefined;
      edits.push(addToQuotedList(ctx, q));
    }
  } else {
    const column = columnOf(ctx, value.start);
    edits.push(insert(ctx, value.start, `(with-imported-modules (source-module-closure '(${MODULE}))${nl}${" ".repeat(column)}`));
    edits.push(insert(ctx, value.end, ")"));
    edits.push(...ensureModule(ctx, "guix modules"));
  }
  // 2. Shepherd loads it for the service
  const modules = recordFields(info.record).get("modules");
  if (modules) {
    const v = modules.items[1];
    if (!v) return undefined;
    if (!textOf(ctx, v).replace(/\s+/g, " ").includes(MODULE)) {
      const q = quotedList(v);
      if (q) edits.push(addToQuotedList(ctx, q));
      else edits.push(replace(ctx, v.start, v.end, `(cons '${MODULE} ${textOf(ctx, v)})`));
    }
  } else {
    edits.push(insert(ctx, start.end, `${nl}${" ".repeat(columnOf(ctx, start.start))}(modules (cons '${MODULE} %default-modules))`));
  }
  return edits;
}
