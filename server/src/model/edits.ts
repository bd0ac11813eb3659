import type { Position, TextEdit } from "./range";

/** Applies non-overlapping edits to a text (in any order given), as an editor would. */
export function applyEdits(text: string, edits: readonly TextEdit[], offsetAt: (p: Position) => number): string {
  const resolved = edits
    .map((e) => ({ start: offsetAt(e.range.start), end: offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const e of resolved) result = result.slice(0, e.start) + e.text + result.slice(e.end);
  return result;
}
