/**
 * Guix findings and fixes against the text itself: suppression comments, non-ASCII text (positions in
 * UTF-16 code units) and CRLF line ends (fixes keep them).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyEdits } from "../../server/src/model/edits";
import { LineIndex } from "../../server/src/parsing/text";
import { analyzeText, checkFix } from "../helpers/fixtures";

const SERVICE = (above: string) => `(define-module (gnu services demo)
  #:use-module (gnu services)
  #:use-module (gnu services shepherd))

(define (demo-shepherd-service config)
  (list (shepherd-service
         (provision '(demo))
${above}         (start #~(make-forkexec-constructor
                   (list #$(file-append demo "/bin/demo"))
                   #:log-file "/var/log/demo.log")))))

(define demo-service-type
  (service-type
   (name 'demo)
   (extensions
    (list (service-extension shepherd-root-service-type demo-shepherd-service)))
   (description "Demo.")))
`;

async function findings(text: string) {
  const a = await analyzeText(text, "guix");
  a.document.dispose();
  return a.findings;
}

test("a pola-ignore comment on the line above silences the finding and records the reason", async () => {
  const plain = await findings(SERVICE(""));
  const root = plain.find((f) => f.ruleId === "guix/runs-as-root");
  assert.ok(root && !root.suppressed);

  const silenced = await findings(SERVICE("         ;; pola-ignore: guix/runs-as-root binds raw sockets; reviewed\n"));
  const s = silenced.find((f) => f.ruleId === "guix/runs-as-root");
  assert.ok(s?.suppressed, "suppressed");
  assert.equal(s.suppressed.reason, "binds raw sockets; reviewed");
  // only that rule: the other finding on the same line stays
  const other = silenced.find((f) => f.ruleId === "guix/unconfined");
  assert.ok(other && !other.suppressed, "guix/unconfined is not silenced by a guix/runs-as-root comment");
});

test("a pola-ignore comment elsewhere, or for another rule, does not silence", async () => {
  const far = await findings(SERVICE("         ;; pola-ignore: guix/runs-as-root too far\n\n"));
  assert.ok(!far.find((f) => f.ruleId === "guix/runs-as-root")?.suppressed, "two lines above");
  const wrong = await findings(SERVICE("         ;; pola-ignore: guix/unconfined not this one\n"));
  assert.ok(!wrong.find((f) => f.ruleId === "guix/runs-as-root")?.suppressed);
  assert.ok(wrong.find((f) => f.ruleId === "guix/unconfined")?.suppressed);
  const inString = await findings(SERVICE(`         (documentation ";; pola-ignore: guix/runs-as-root no")\n`));
  assert.ok(!inString.find((f) => f.ruleId === "guix/runs-as-root")?.suppressed, "not a comment");
});

test("the reason may be empty, and `all` silences every rule", async () => {
  const empty = await findings(SERVICE("         ;; pola-ignore: guix/runs-as-root\n"));
  assert.equal(empty.find((f) => f.ruleId === "guix/runs-as-root")?.suppressed?.reason, "");
  const all = await findings(SERVICE("         ; pola-ignore: all legacy service, being rewritten\n"));
  for (const f of all.filter((x) => x.range.start.line === 8)) assert.ok(f.suppressed, f.ruleId);
});

test("ranges count UTF-16 code units on lines with non-ASCII text", async () => {
  // é is one unit, 😀 two: the constructor starts after `#|é😀|# ` on its line
  const text = SERVICE("").replace("(start #~(make-forkexec-constructor", "(start #~(#|é😀|# make-forkexec-constructor");
  const f = (await findings(text)).find((x) => x.ruleId === "guix/runs-as-root")!;
  const line = text.split("\n")[f.range.start.line];
  assert.equal(line.slice(f.range.start.character, f.range.end.character), "make-forkexec-constructor");
  assert.equal(f.range.start.character, line.indexOf("make-forkexec-constructor"));
  assert.equal(f.range.start.character, 27, "UTF-16 column: 9 spaces + `(start ` 7 + `#~(` 3 + `#|é😀|#` 7 (😀 counts 2) + 1 space");
});

test("fixes on a CRLF file keep CRLF line ends, and pass checkFix", async () => {
  const text = SERVICE("").replace(/\n/g, "\r\n");
  const a = await analyzeText(text, "guix");
  a.document.dispose();
  let checked = 0;
  for (const f of a.findings) {
    for (const fix of f.fixes) {
      const fixed = await checkFix(text, "guix", f, fix);
      assert.ok(!/[^\r]\n/.test(fixed), `${fix.title}: no lone LF`);
      for (const e of fix.edits) assert.ok(!/(^|[^\r])\n/.test(e.newText), `${fix.title}: edit text uses CRLF`);
      checked++;
    }
  }
  assert.ok(checked >= 2, `fixes checked: ${checked}`);
});

test("fix edits on non-ASCII lines land where the finding is", async () => {
  const text = SERVICE("").replace('"/var/log/demo.log"', '"/var/log/démo-😀.log"');
  const a = await analyzeText(text, "guix");
  a.document.dispose();
  const f = a.findings.find((x) => x.ruleId === "guix/runs-as-root")!;
  const lines = new LineIndex(text);
  const fixed = applyEdits(text, f.fixes[0].edits, (p) => lines.offsetAt(p));
  assert.match(fixed, /#:log-file "\/var\/log\/démo-😀\.log"\n\s+#:user "demo" #:group "demo"\)/);
});
