import type { DeploymentAnalysis } from "../../deploy/deployment";
import type { Datum } from "../../guix/sexp";
import { walk } from "../../guix/sexp";
import type { Fix } from "../../model/finding";
import type { TextEdit } from "../../model/range";
import type { RuleContext } from "../rule";

interface Chunk {
  /** From its leading comment lines (if it starts a line) to its end (with a comment on its last line). */
  start: number;
  end: number;
  /** Column of `start` on its line. */
  column: number;
  element: Datum;
}

/**
 * The list's elements as movable chunks: an element with the comment lines directly above it
 * (a `;; pola: guards …` belongs to its machine) and a comment ending its last line.
 */
function chunks(ctx: RuleContext, a: DeploymentAnalysis): Chunk[] {
  const text = ctx.document.text;
  const lines = ctx.document.lineIndex;
  const list = a.deployment.list;
  const result: Chunk[] = [];
  let previousEnd = list.items[0]?.end ?? list.start + 1;
  for (const site of a.deployment.machines) {
    const el = site.element;
    let start = el.start;
    let line = lines.positionAt(start).line;
    const lineStart = lines.lineStart(line);
    if (/^[ \t]*$/.test(text.slice(lineStart, start))) {
      // comment lines directly above, not reaching back into the previous element's lines
      while (line > 0) {
        const s = lines.lineStart(line - 1);
        const e = lines.lineEnd(line - 1);
        if (s < previousEnd) break;
        const content = text.slice(s, e);
        if (!/^[ \t]*;/.test(content)) break;
        start = s + (/^[ \t]*/.exec(content)?.[0].length ?? 0);
        line--;
      }
    }
    let end = el.end;
    const lineEnd = lines.lineEnd(lines.positionAt(end).line);
    const rest = text.slice(end, lineEnd);
    const comment = /^[ \t]*;[^\r\n]*$/.exec(rest);
    if (comment) end = lineEnd;
    result.push({ start, end, column: lines.positionAt(start).character, element: el });
    previousEnd = end;
  }
  return result;
}

/** Moves a chunk's text to another column: its continuation lines shift with it (never inside a string). */
function reindent(ctx: RuleContext, chunk: Chunk, column: number): string {
  const text = ctx.document.text.slice(chunk.start, chunk.end);
  const delta = column - chunk.column;
  if (delta === 0 || !/[\r\n]/.test(text)) return text;
  const strings: { start: number; end: number }[] = [];
  walk([chunk.element], (d) => {
    if (d.t === "string") strings.push(d);
    return true;
  });
  // strings come in source order (a pre-order walk): one pointer walks them along the lines
  let k = 0;
  const inString = (offset: number) => {
    while (k < strings.length && strings[k].end <= offset) k++;
    return k < strings.length && offset > strings[k].start && offset < strings[k].end;
  };
  let out = "";
  let i = 0;
  const eol = /\r\n|\r|\n/g;
  for (;;) {
    eol.lastIndex = i;
    const m = eol.exec(text);
    if (!m) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, m.index + m[0].length);
    i = m.index + m[0].length;
    if (i >= text.length || inString(chunk.start + i)) continue;
    if (delta > 0) out += " ".repeat(delta);
    else {
      const lead = /^[ \t]*/.exec(text.slice(i, i + 200))![0].length;
      i += Math.min(lead, -delta);
    }
  }
  return out;
}

/** Rewrites the list's elements in the safe order: only the elements move, the layout stays. */
export function reorderFix(ctx: RuleContext, a: DeploymentAnalysis): Fix | undefined {
  const order = a.order.order;
  if (!order || order.every((m, i) => m === i)) return undefined;
  const all = chunks(ctx, a);
  const edits: TextEdit[] = [];
  order.forEach((from, slot) => {
    if (from === slot) return;
    const target = all[slot];
    const newText = reindent(ctx, all[from], target.column);
    edits.push({ range: ctx.document.lineIndex.rangeOf(target.start, target.end), newText });
  });
  const names = order.map((i) => a.machines[i].name).join(", ");
  return { title: `Deploy in the safe order: ${names}`, edits, preferred: true };
}

/** Writes (or updates) the split plan above the list, as a comment block. */
export function planFix(ctx: RuleContext, a: DeploymentAnalysis): Fix | undefined {
  const plan = a.plan;
  if (!plan) return undefined;
  const lines = ctx.document.lineIndex;
  const eol = lines.eol;
  const listLine = lines.positionAt(a.deployment.list.start).line;
  const at = plan.existing ? plan.existing.start : lines.lineStart(listLine);
  const indentLine = plan.existing ? lines.positionAt(plan.existing.start).line : listLine;
  const indent = /^[ \t]*/.exec(ctx.document.text.slice(lines.lineStart(indentLine), lines.lineEnd(indentLine)))![0];
  const block = plan.lines.map((l) => `${indent}${l}${eol}`).join("");
  const end = plan.existing ? plan.existing.end : at;
  const start = plan.existing ? lines.lineStart(indentLine) : at;
  return {
    title: plan.existing ? "Update the two-deployment plan above the list" : "Write the two-deployment plan above the list (a comment)",
    edits: [{ range: lines.rangeOf(start, end), newText: block }],
    preferred: true,
  };
}
