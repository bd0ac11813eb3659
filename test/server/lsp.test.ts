import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { LspTestClient } from "../helpers/lsp-client";

let client: LspTestClient;

before(async () => {
  client = new LspTestClient(["--stdio"]);
  const init = (await client.initialize()) as { capabilities: Record<string, unknown>; serverInfo: { name: string } };
  assert.equal(init.serverInfo.name, "pola");
  assert.deepEqual(init.capabilities.textDocumentSync, { openClose: true, change: 2 });
});

after(async () => {
  await client.shutdown();
});

const cases = [
  {
    language: "nix",
    uri: "file:///tmp/pola-test/broken.nix",
    // the error is the unexpected "]" after "b ="
    text: '{ config, ... }:\r\n{\r\n  a = "é😀";\r\n  c = "é"; b = ];\r\n}\r\n',
    errorLine: 3,
    insertAt: 7, // inside the string "é", so error recovery sees the same tokens
  },
  {
    language: "scheme",
    uri: "file:///tmp/pola-test/broken.scm",
    // the stray ")" on line 3 closes nothing
    text: '(define-module (café))\r\n;; λ 😀\r\n(define x "é")\r\n  (foo "😀" x))\r\n',
    errorLine: 3,
    insertAt: 0,
  },
];

for (const c of cases) {
  test(`syntax diagnostics follow incremental edits with non-ASCII text and CRLF (${c.language})`, async () => {
    await client.open(c.uri, c.language, c.text, 1);
    const first = await client.waitForDiagnostics(c.uri, (p) => p.version === 1);
    assert.ok(first.length >= 1, "a syntax error is reported");
    const d0 = first.find((d) => d.range.start.line === c.errorLine);
    assert.ok(d0, `an error on line ${c.errorLine}: ${JSON.stringify(first)}`);
    assert.equal(d0.source, "pola");
    assert.equal(d0.code, "syntax/parse-error");

    // Insert 😀 (2 UTF-16 code units) before the error on its line: the error moves right by 2.
    const at = { line: c.errorLine, character: c.insertAt };
    await client.change(c.uri, 2, [{ range: { start: at, end: at }, text: "😀" }]);
    const second = await client.waitForDiagnostics(c.uri, (p) => p.version === 2);
    const d1 = second.find((d) => d.range.start.line === c.errorLine);
    assert.ok(d1, JSON.stringify(second));
    assert.equal(d1.range.start.character, d0.range.start.character + 2);
    assert.equal(d1.range.end.character - d1.range.start.character, d0.range.end.character - d0.range.start.character);

    // Remove it again and insert two CRLF lines with non-ASCII text above: the error moves down by 2 lines.
    await client.change(c.uri, 3, [
      { range: { start: at, end: { line: c.errorLine, character: c.insertAt + 2 } }, text: "" },
      { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: c.language === "nix" ? "# é\r\n# 😀\r\n" : ";; é\r\n;; 😀\r\n" },
    ]);
    const third = await client.waitForDiagnostics(c.uri, (p) => p.version === 3);
    const d2 = third.find((d) => d.range.start.line === c.errorLine + 2);
    assert.ok(d2, JSON.stringify(third));
    assert.deepEqual(d2.range.start, { line: d0.range.start.line + 2, character: d0.range.start.character });

    // Replace the broken line with valid code using a range that ends mid-line in UTF-16: no errors remain.
    const fixedLine = c.language === "nix" ? '  b = "ok";' : '  (display "😀")';
    await client.change(c.uri, 4, [{ range: { start: { line: c.errorLine + 2, character: 0 }, end: { line: c.errorLine + 2, character: 10000 } }, text: fixedLine }]);
    const fourth = await client.waitForDiagnostics(c.uri, (p) => p.version === 4);
    assert.deepEqual(fourth.filter((d) => d.code === "syntax/parse-error"), []);
  });
}

test("requests for documents the server does not know answer empty, and the server stays up", async () => {
  const uri = "file:///tmp/pola-test/never-opened.scm";
  assert.equal(await client.request("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 0 } }), null);
  assert.deepEqual(await client.request("textDocument/codeLens", { textDocument: { uri } }), []);
  assert.deepEqual(
    await client.request("textDocument/codeAction", {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [] },
    }),
    [],
  );
  // an edit for a closed document is ignored
  await client.change(uri, 5, [{ text: "(x" }]);
  await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: cases[0].uri } });
  assert.deepEqual(await client.waitForDiagnostics(cases[0].uri, (p) => p.diagnostics.length === 0), []);
  assert.equal(client.process.exitCode, null, "server still running");
});
