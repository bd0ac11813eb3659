import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";
import type { CodeAction, CodeLens, Diagnostic, Hover, TextEdit } from "vscode-languageserver-protocol";
import { LspTestClient } from "../helpers/lsp-client";
import { ROOT } from "../helpers/paths";
import { LineIndex } from "../../server/src/parsing/text";
import { applyEdits } from "../../server/src/model/edits";

let client: LspTestClient;
const uri = "file:///tmp/pola-test/pastebin.scm";
const text = fs.readFileSync(path.join(ROOT, "examples/guix/pastebin.scm"), "utf8");

before(async () => {
  client = new LspTestClient();
  await client.initialize();
  await client.open(uri, "scheme", text, 1);
});

after(async () => {
  await client.shutdown();
});

const lineOf = (needle: string) => text.split("\n").findIndex((l) => l.includes(needle));

test("diagnostics carry rule ids, docs links and precise ranges", async () => {
  const diagnostics = await client.waitForDiagnostics(uri, (p) => p.version === 1);
  const codes = diagnostics.map((d) => d.code).sort();
  assert.deepEqual(codes, [
    "guix/log-file-in-service-dir",
    "guix/root-op-in-service-dir",
    "guix/root-op-in-service-dir",
    "guix/root-op-in-service-dir",
    "guix/runs-as-root",
    "guix/secret-in-store",
    "guix/unconfined",
  ]);
  const root = diagnostics.find((d) => d.code === "guix/runs-as-root")!;
  const line = lineOf("(start #~(make-forkexec-constructor");
  assert.equal(root.range.start.line, line);
  assert.equal(text.split("\n")[line].slice(root.range.start.character, root.range.end.character), "make-forkexec-constructor");
  for (const d of diagnostics) {
    if (d.codeDescription) assert.match(d.codeDescription.href, /^file:\/\/.*docs\/rules\/guix\/.+\.md$/);
  }
});

test("code lenses show each service's computed authority", async () => {
  const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri } });
  const titles = lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`);
  assert.ok(titles.includes(`${lineOf("(list (shepherd-service")}: runs as root · unconfined`), titles.join("\n"));
  assert.ok(titles.includes(`${lineOf("(service-type")}: runs as root · unconfined · 5 root ops (5 unsafe)`), titles.join("\n"));
  assert.equal(lenses[0].command?.command, "pola.showServiceReport");
});

test("hover on a service shows its authority table", async () => {
  const line = lineOf("(list (shepherd-service");
  const hover = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: { line, character: text.split("\n")[line].indexOf("shepherd-service") + 2 } });
  const value = (hover.contents as { value: string }).value;
  assert.match(value, /\*\*shepherd-service `pastebin`\*\*/);
  assert.match(value, /\| Principal \| runs as root \|/);
  assert.match(value, /\| Capabilities \| all \(root\) \|/);
  assert.match(value, /guix\/runs-as-root/);
});

test("hover on a root-run operation explains that operation, then its service", async () => {
  const line = lineOf("(chown pastes uid gid)");
  const hover = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: { line, character: text.split("\n")[line].indexOf("chown") + 1 } });
  const value = (hover.contents as { value: string }).value;
  assert.match(value, /^\*\*Root-run `chown`\*\* on `\/var\/lib\/pastebin\/pastes` at activation/);
  assert.match(value, /\*\*unsafe\*\*: `\/var\/lib\/pastebin` belongs to the `pastebin` account/);
  assert.match(value, /\*\*service-type `pastebin`\*\*/);
  assert.equal(hover.range?.start.line, line);
});


test("a quick fix applied through the server removes its finding; ignore-with-a-reason silences one", async () => {
  const diagnostics: Diagnostic[] = await client.waitForDiagnostics(uri, (p) => p.version === 1);
  const root = diagnostics.find((d) => d.code === "guix/runs-as-root")!;
  const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: root.range, context: { diagnostics: [root] } });
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes("Run as the pastebin account (#:user/#:group)"), titles.join("\n"));
  assert.ok(titles.includes("Ignore guix/runs-as-root here (with a reason)"));
  const fix = actions.find((a) => a.title === "Run as the pastebin account (#:user/#:group)")!;
  const edits = fix.edit!.changes![uri] as TextEdit[];
  // send the edits as incremental changes, as an editor applying the workspace edit would
  const sorted = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character);
  await client.change(uri, 2, sorted.map((e) => ({ range: e.range, text: e.newText })));
  const lines = new LineIndex(text);
  const fixed = applyEdits(text, edits, (p) => lines.offsetAt(p));
  assert.match(fixed, /#:user "pastebin" #:group "pastebin"/);
  const after = await client.waitForDiagnostics(uri, (p) => p.version === 2);
  assert.ok(!after.some((d) => d.code === "guix/runs-as-root"), JSON.stringify(after.map((d) => d.code)));

  const secret = after.find((d) => d.code === "guix/secret-in-store")!;
  const ignore = (await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: secret.range, context: { diagnostics: [secret] } })).find((a) =>
    a.title.startsWith("Ignore guix/secret-in-store"),
  )!;
  const ignoreEdit = (ignore.edit!.changes![uri] as TextEdit[])[0];
  assert.match(ignoreEdit.newText, /^\s*;; pola-ignore: guix\/secret-in-store REASON\n$/);
  await client.change(uri, 3, [{ range: ignoreEdit.range, text: ignoreEdit.newText.replace("REASON", "demo token, rotated daily") }]);
  const third = await client.waitForDiagnostics(uri, (p) => p.version === 3);
  assert.ok(!third.some((d) => d.code === "guix/secret-in-store"));
  assert.equal(third.length, after.length - 1);
});
