import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { toData, toDataIncremental } from "../../server/src/guix/sexp";
import { SourceDocument } from "../../server/src/parsing/document";
import { LineIndex } from "../../server/src/parsing/text";
import { ROOT } from "../helpers/paths";

test("reusing unchanged top-level forms gives exactly what a full conversion gives, edit after edit", async () => {
  const text = fs.readFileSync(path.join(ROOT, "test/fixtures/services/guix/quux-daemon.scm"), "utf8");
  const doc = await SourceDocument.create("file:///sexp.scm", "guix", text);
  let seed = 3;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const inserts = [" ", "é", "😀", "(", ")", "\n", '"', "x", "#~(a #$b)", ";; c\n"];
  assert.deepEqual(toDataIncremental(doc), toData(doc.tree.rootNode));
  for (let step = 0; step < 150; step++) {
    const lines = new LineIndex(doc.text);
    const at = Math.floor(random() * doc.text.length);
    const end = random() < 0.3 ? Math.min(doc.text.length, at + Math.floor(random() * 5)) : at;
    // keep surrogate pairs whole
    const ok = (o: number) => o <= 0 || o >= doc.text.length || !/[\uDC00-\uDFFF]/.test(doc.text[o]);
    if (!ok(at) || !ok(end)) continue;
    doc.applyChanges([{ range: lines.rangeOf(at, end), text: inserts[Math.floor(random() * inserts.length)] }], step + 2);
    assert.deepEqual(toDataIncremental(doc), toData(doc.tree.rootNode), `after edit ${step}`);
  }
  doc.dispose();
});
