import assert from "node:assert/strict";
import { test } from "node:test";
import { SourceDocument } from "../../server/src/parsing/document";
import { createParser, type LanguageId } from "../../server/src/parsing/languages";
import { LineIndex, treePointAt } from "../../server/src/parsing/text";

test("LineIndex counts \\n, \\r\\n and lone \\r as line ends and measures UTF-16 code units", () => {
  const text = "a\r\nbé😀c\rd\ne";
  const lines = new LineIndex(text);
  assert.equal(lines.lineCount, 4);
  assert.deepEqual(lines.positionAt(text.indexOf("c")), { line: 1, character: 4 }); // é = 1 unit, 😀 = 2 units
  assert.deepEqual(lines.positionAt(text.indexOf("d")), { line: 2, character: 0 });
  assert.equal(lines.offsetAt({ line: 1, character: 99 }), text.indexOf("\r", 3)); // clamped to the line's end, before its break
  assert.equal(lines.offsetAt({ line: 3, character: 1 }), text.length);
  for (let i = 0; i <= text.length; i++) {
    const p = lines.positionAt(i);
    // every offset that is not inside a \r\n pair round-trips
    if (!(text[i - 1] === "\r" && text[i] === "\n")) assert.equal(lines.offsetAt(p), i, `offset ${i}`);
  }
  assert.equal(new LineIndex("x\r\ny\r\n").eol, "\r\n");
  assert.equal(new LineIndex("x\ny\r\n").eol, "\n");
});

test("web-tree-sitter measures JS strings in UTF-16 code units, and rows split on \\n only", async () => {
  // Our position mapping relies on this; if a web-tree-sitter upgrade switches to UTF-8 bytes, this fails first.
  const parser = await createParser("nix");
  const text = '{ a = "é😀"; }\r\n{ b = "x"; }';
  const tree = parser.parse(text)!;
  const fragment = tree.rootNode.descendantsOfType("string_fragment")[0]!;
  assert.equal(fragment.startIndex, text.indexOf("é"));
  assert.equal(fragment.endIndex, text.indexOf("😀") + 2);
  const second = tree.rootNode.descendantsOfType("string_fragment")[1]!;
  assert.deepEqual({ row: second.startPosition.row, column: second.startPosition.column }, treePointAt(text, second.startIndex));
  tree.delete();
  parser.delete();
});

/** Deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const SAMPLES: Record<LanguageId, string> = {
  nix: [
    "{ config, lib, pkgs, ... }:\r\n",
    "let cfg = config.services.café; in {\r\n",
    '  systemd.services."naïve-😀" = {\r\n',
    '    description = "démon λ";\r\n',
    "    serviceConfig = { DynamicUser = true; ProtectSystem = \"strict\"; };\r\n",
    "  };\r\n",
    "}\r\n",
  ].join(""),
  guix: [
    ";; Service « café » — λ\r\n",
    "(define-module (gnu services café))\r\n",
    "(define (café-shepherd-service config)\r\n",
    "  (list (shepherd-service\r\n",
    "         (provision '(café))\r\n",
    '         (start #~(make-forkexec-constructor (list #$(file-append café "/bin/cafe") "😀")\r\n',
    '                                             #:user "café" #:group "café")))))\r\n',
  ].join(""),
};

const INSERTS = ["(", ")", " ", "é", "😀", "\r\n", "\n", '"', "x y", "#~(a #$b)", "{ c = 1; }", ";", "λ\r\nμ"];

for (const language of ["nix", "guix"] as const) {
  test(`incremental edits (${language}, non-ASCII and CRLF) give the same tree as a fresh parse`, async (t) => {
    let doc: SourceDocument;
    try {
      doc = await SourceDocument.create("file:///x", language, SAMPLES[language], 1);
    } catch (error) {
      if (language === "guix" && /cannot find tree-sitter-scheme.wasm/.test(String(error))) return t.skip("scheme grammar wasm not built yet");
      throw error;
    }
    const fresh = await createParser(language);
    const random = prng(language === "nix" ? 7 : 11);
    let text = SAMPLES[language];
    for (let step = 0; step < 300; step++) {
      const lines = new LineIndex(text);
      // pick offsets on UTF-16 boundaries that do not split a surrogate pair
      const pick = () => {
        let o = Math.floor(random() * (text.length + 1));
        if (o > 0 && o < text.length && /[\uDC00-\uDFFF]/.test(text[o])) o--;
        return o;
      };
      let a = pick();
      let b = pick();
      if (a > b) [a, b] = [b, a];
      if (random() < 0.3) b = a;
      if (b - a > 20) b = a + 20;
      if (b < text.length && /[\uDC00-\uDFFF]/.test(text[b])) b++;
      const insert = random() < 0.2 ? "" : INSERTS[Math.floor(random() * INSERTS.length)];
      const range = { start: lines.positionAt(a), end: lines.positionAt(b) };
      // positionAt inside "\r\n" maps to the line end before "\r"; recompute the offsets the LSP range denotes
      const start = lines.offsetAt(range.start);
      const end = lines.offsetAt(range.end);
      doc.applyChanges([{ range, text: insert }], step + 2);
      text = text.slice(0, start) + insert + text.slice(end);
      assert.equal(doc.text, text, `text after step ${step}`);
      if (step % 10 === 0 || step === 299) {
        const expected = fresh.parse(text)!;
        assert.equal(doc.tree.rootNode.toString(), expected.rootNode.toString(), `tree after step ${step}`);
        assert.equal(doc.tree.rootNode.endIndex, expected.rootNode.endIndex);
        expected.delete();
      }
    }
    // several changes in one notification apply in order
    const before = doc.text;
    doc.applyChanges(
      [
        { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "é\r\n" },
        { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: "😀" },
      ],
      1000,
    );
    assert.equal(doc.text, "é\r\n😀" + before);
    const expected = fresh.parse(doc.text)!;
    assert.equal(doc.tree.rootNode.toString(), expected.rootNode.toString());
    expected.delete();
    fresh.delete();
    doc.dispose();
  });
}
