import assert from "node:assert/strict";
import { test } from "node:test";
import { LspTestClient } from "../helpers/lsp-client";

/** A liveness bound, not a performance goal: the server must answer, however odd the input. */
const BOUND_MS = 20000;

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${BOUND_MS} ms`)), BOUND_MS))]);
}

test("the server survives odd input, answers every request within a bound, and restarts cleanly", async () => {
  const client = new LspTestClient();
  await client.initialize();
  const inputs: [string, string, string][] = [
    ["file:///odd/deep.scm", "scheme", "(".repeat(100000) + ")".repeat(100000)],
    ["file:///odd/deep.nix", "nix", "[".repeat(100000) + "]".repeat(100000)],
    ["file:///odd/line.scm", "scheme", `(define x "${"é😀".repeat(350000)}")`],
    ["file:///odd/big.nix", "nix", "{ a = 1; }\n".repeat(1000000)],
    ["file:///odd/nul.scm", "scheme", "(define x \u0000 \uFFFD \uD800)\r\r\n(((\u2028"],
  ];
  for (const [uri, language, text] of inputs) await client.open(uri, language, text, 1);
  const big = await within(client.waitForDiagnostics("file:///odd/big.nix", (p) => p.version === 1, BOUND_MS), "diagnostics of big.nix");
  assert.equal(big[0].code, "syntax/too-large");
  for (const [uri] of inputs) {
    await within(client.waitForDiagnostics(uri, (p) => p.version === 1, BOUND_MS), `diagnostics of ${uri}`);
    const position = { line: 0, character: 5 };
    await within(client.request("textDocument/hover", { textDocument: { uri }, position }), `hover on ${uri}`);
    await within(client.request("textDocument/codeLens", { textDocument: { uri } }), `lenses of ${uri}`);
    await within(client.request("textDocument/codeAction", { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } }), `code actions of ${uri}`);
  }
  // an edit with a range past the end of the document is clamped, not fatal
  await client.change("file:///odd/nul.scm", 2, [{ range: { start: { line: 99, character: 99 }, end: { line: 120, character: 0 } }, text: ")" }]);
  await within(client.waitForDiagnostics("file:///odd/nul.scm", (p) => p.version === 2), "diagnostics after a clamped edit");
  assert.equal(client.process.exitCode, null, "still running");
  await client.shutdown();
  if (client.process.exitCode === null && client.process.signalCode === null) await new Promise((resolve) => client.process.once("exit", resolve));

  // a new server starts cleanly after the old one is gone
  const second = new LspTestClient();
  await within(second.initialize(), "initialize of a restarted server");
  await second.open("file:///odd/again.scm", "scheme", "(define x", 1);
  const d = await within(second.waitForDiagnostics("file:///odd/again.scm", (p) => p.version === 1), "diagnostics after restart");
  assert.equal(d[0].code, "syntax/parse-error");
  await second.shutdown();
});
