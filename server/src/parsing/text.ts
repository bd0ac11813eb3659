import type { Position, Range } from "../model/range";

/**
 * Line table for LSP positions. LSP counts "\n", "\r\n" and a lone "\r" as line ends and measures
 * characters in UTF-16 code units, which is exactly how JavaScript strings index — so an offset here
 * is an index into the string.
 */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }

  /** End of the line's content, before its line break. */
  lineEnd(line: number): number {
    if (line + 1 >= this.starts.length) return this.text.length;
    let end = this.starts[line + 1];
    if (end > 0 && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > 0 && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  positionAt(offset: number): Position {
    offset = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: offset - this.starts[low] };
  }

  /** Clamps like LSP: a character past the line's end means the line's end. */
  offsetAt(position: Position): number {
    if (position.line >= this.starts.length) return this.text.length;
    if (position.line < 0) return 0;
    const start = this.starts[position.line];
    const end = this.lineEnd(position.line);
    return Math.max(start, Math.min(start + Math.max(0, position.character), end));
  }

  rangeOf(startOffset: number, endOffset: number): Range {
    return { start: this.positionAt(startOffset), end: this.positionAt(endOffset) };
  }

  /** The line break this text uses most, so inserted lines match the file. */
  get eol(): string {
    const crlf = this.text.indexOf("\r\n");
    if (crlf < 0) return "\n";
    const lf = this.text.indexOf("\n");
    return lf === crlf + 1 ? "\r\n" : "\n";
  }
}

/** tree-sitter's notion of a point: rows split on "\n" only, columns in UTF-16 code units (web-tree-sitter on JS strings). */
export interface TreePoint {
  row: number;
  column: number;
}

export function treePointAt(text: string, offset: number): TreePoint {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** The point reached after inserting `inserted` at `start`. */
export function advancePoint(start: TreePoint, inserted: string): TreePoint {
  const last = inserted.lastIndexOf("\n");
  if (last < 0) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf("\n"); i >= 0; i = inserted.indexOf("\n", i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - last - 1 };
}
