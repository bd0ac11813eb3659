import { Edit, type Node, type Parser, type Tree } from "web-tree-sitter";
import type { Range } from "../model/range";
import { createParser, type LanguageId } from "./languages";
import { advancePoint, LineIndex, treePointAt } from "./text";

/** Files above this size get a "too large" diagnostic instead of analysis (tree-sitter itself copes; our analysis budget does not). */
export const MAX_ANALYSED_BYTES = 4 * 1024 * 1024;

/** An LSP content change: a full replacement, or a range replacement. */
export type ContentChange = { text: string } | { range: Range; text: string };

export interface SyntaxProblem {
  range: Range;
  message: string;
}

/**
 * A source file with its syntax tree. Edits are applied incrementally: each LSP change becomes a
 * tree.edit, and the file is reparsed once with the edited old tree, so tree-sitter reuses what
 * did not change.
 */
export class SourceDocument {
  private lines: LineIndex;

  private constructor(
    readonly uri: string,
    readonly language: LanguageId,
    public version: number,
    private content: string,
    private readonly parser: Parser,
    private syntaxTree: Tree,
  ) {
    this.lines = new LineIndex(content);
  }

  static async create(uri: string, language: LanguageId, text: string, version = 0): Promise<SourceDocument> {
    const parser = await createParser(language);
    // an oversize file keeps its text (never lost) but gets an empty tree: no analysis, no hang
    const tree = parseOrThrow(parser, text.length > MAX_ANALYSED_BYTES ? "" : text);
    return new SourceDocument(uri, language, version, text, parser, tree);
  }

  /** Over the analysis limit: the tree is empty and the file gets a "too large" diagnostic. */
  get tooLarge(): boolean {
    return this.content.length > MAX_ANALYSED_BYTES;
  }

  get text(): string {
    return this.content;
  }

  get tree(): Tree {
    return this.syntaxTree;
  }

  get lineIndex(): LineIndex {
    return this.lines;
  }

  applyChanges(changes: readonly ContentChange[], version: number): void {
    let text = this.content;
    let tree: Tree | undefined = this.tooLarge ? undefined : this.syntaxTree;
    for (const change of changes) {
      if (!("range" in change)) {
        text = change.text;
        tree = undefined; // a full replacement shares nothing worth reusing
        continue;
      }
      const index = text === this.content ? this.lines : new LineIndex(text);
      const start = index.offsetAt(change.range.start);
      const oldEnd = Math.max(start, index.offsetAt(change.range.end));
      if (tree) {
        const startPosition = treePointAt(text, start);
        tree.edit(
          new Edit({
          startIndex: start,
          oldEndIndex: oldEnd,
          newEndIndex: start + change.text.length,
          startPosition,
          oldEndPosition: treePointAt(text, oldEnd),
          newEndPosition: advancePoint(startPosition, change.text),
          }),
        );
      }
      text = text.slice(0, start) + change.text + text.slice(oldEnd);
    }
    const old = this.syntaxTree;
    const wasTooLarge = this.tooLarge;
    if (text.length > MAX_ANALYSED_BYTES) this.syntaxTree = parseOrThrow(this.parser, "");
    else this.syntaxTree = parseOrThrow(this.parser, text, wasTooLarge ? undefined : tree);
    if (old !== this.syntaxTree) old.delete();
    this.content = text;
    this.lines = new LineIndex(text);
    this.version = version;
  }

  rangeOf(node: Node): Range {
    return this.lines.rangeOf(node.startIndex, node.endIndex);
  }

  /** ERROR and MISSING nodes, as messages a person can act on. */
  syntaxProblems(limit = 100): SyntaxProblem[] {
    const problems: SyntaxProblem[] = [];
    if (!this.syntaxTree.rootNode.hasError) return problems;
    const stack: Node[] = [this.syntaxTree.rootNode];
    while (stack.length > 0 && problems.length < limit) {
      const node = stack.pop()!;
      if (!node.hasError && !node.isMissing) continue;
      if (node.isMissing) {
        problems.push({ range: this.rangeOf(node), message: `Syntax error: missing ${describeMissing(node.type)}` });
        continue;
      }
      if (node.isError) {
        // an ERROR node can span many lines; point at its first line, where reading went wrong
        const range = this.rangeOf(node);
        if (range.end.line > range.start.line) range.end = { line: range.start.line, character: this.lines.lineEnd(range.start.line) - this.lines.lineStart(range.start.line) };
        problems.push({ range, message: describeError(node, this.language) });
        continue;
      }
      for (let i = node.childCount - 1; i >= 0; i--) stack.push(node.child(i)!);
    }
    return problems;
  }

  dispose(): void {
    this.syntaxTree.delete();
    this.parser.delete();
  }
}

function parseOrThrow(parser: Parser, text: string, old?: Tree): Tree {
  const tree = parser.parse(text, old);
  if (!tree) throw new Error("tree-sitter returned no tree (parse cancelled)");
  return tree;
}

function describeMissing(type: string): string {
  if (type === ")" || type === "]") return `closing "${type}"`;
  return `"${type}"`;
}

function describeError(node: Node, language: LanguageId): string {
  const text = node.text;
  const first = text.trimStart().charAt(0);
  if (language === "guix") {
    if (first === ")" || first === "]") return `Syntax error: unexpected "${first}" with no open list to close`;
    if (first === '"') return "Syntax error: unterminated string";
    if (/^\(|^\[/.test(text.trimStart())) return "Syntax error: list is never closed";
  }
  // the first token that could not be placed
  let leaf: Node | null = node;
  while (leaf && leaf.childCount > 0) leaf = leaf.child(0);
  const token = (leaf?.text ?? text).split(/\r?\n/)[0];
  const shown = token.length > 40 ? `${token.slice(0, 37)}…` : token;
  return `Syntax error: unexpected ${JSON.stringify(shown)}`;
}
