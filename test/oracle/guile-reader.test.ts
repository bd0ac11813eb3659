/**
 * Our Guile/Guix grammar against Guile's own reader (Debian's guile-3.0), on our fixtures only.
 *
 * Guile only *reads* the fixtures: a small script installs read-hash-extend handlers for the gexp
 * syntax (#~ #$ #$@ #+ #+@), calls `read` until end of file and prints the shape of every datum
 * (lists, vectors and the kind of every atom). Nothing is evaluated.
 *
 *  - test/fixtures/guile-reader/valid/*.scm and test/fixtures/services/guix/*.scm: Guile must read
 *    them, our grammar must produce no ERROR/MISSING node, and both must see the same datums.
 *  - test/fixtures/guile-reader/broken/*.scm: Guile must report a read error and our grammar must
 *    produce an ERROR or MISSING node.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test, type TestContext } from "node:test";
import type { Node, Parser } from "web-tree-sitter";
import { createParser } from "../../server/src/parsing/languages";

/** The repository root, from build/test/oracle. */
const ROOT = path.resolve(__dirname, "../../..");
const FIXTURES = path.join(ROOT, "test", "fixtures");
const VALID = path.join(FIXTURES, "guile-reader", "valid");
const BROKEN = path.join(FIXTURES, "guile-reader", "broken");
const SERVICES = path.join(FIXTURES, "services", "guix");
const GUILE_TIMEOUT_MS = 30_000;

/**
 * Reads every datum of the file named on the command line with `read` (never `eval`) and prints
 * one shape per datum: (…) for lists, " . " before an improper tail, #(…) vectors, #vu8(N)
 * bytevectors, and s str n c b k nil for atoms. Exit 1 with "read error" on stderr on a read error.
 */
const GUILE_SCRIPT = `
(use-modules (rnrs bytevectors))
(read-enable 'r7rs-symbols)
(define (prefixed plain splicing)
  (lambda (chr port)
    (if (eqv? (peek-char port) #\\@)
        (begin (read-char port) (list splicing (read port)))
        (list plain (read port)))))
(read-hash-extend #\\~ (prefixed 'gexp 'gexp-splicing))
(read-hash-extend #\\$ (prefixed 'ungexp 'ungexp-splicing))
(read-hash-extend #\\+ (prefixed 'ungexp-native 'ungexp-native-splicing))
(define (shape d)
  (cond ((eq? d #nil) "nil")
        ((null? d) "()")
        ((pair? d)
         (let loop ((d d) (acc '()))
           (cond ((pair? d) (loop (cdr d) (cons (shape (car d)) acc)))
                 ((null? d) (string-append "(" (string-join (reverse acc) " ") ")"))
                 (else (string-append "(" (string-join (reverse acc) " ") " . " (shape d) ")")))))
        ((vector? d) (string-append "#(" (string-join (map shape (vector->list d)) " ") ")"))
        ((bytevector? d) (string-append "#vu8(" (number->string (bytevector-length d)) ")"))
        ((symbol? d) "s")
        ((string? d) "str")
        ((number? d) "n")
        ((char? d) "c")
        ((boolean? d) "b")
        ((keyword? d) "k")
        (else "?")))
(define file (cadr (command-line)))
(define status
  (catch #t
    (lambda ()
      (call-with-input-file file
        (lambda (port)
          (let loop ()
            (let ((datum (read port)))
              (if (eof-object? datum)
                  0
                  (begin (display (shape datum)) (newline) (loop))))))
        #:encoding "UTF-8"))
    (lambda (key . args)
      (format (current-error-port) "read error (~a): ~s~%" key args)
      1)))
(exit status)
`;

function findGuile(): string | undefined {
  for (const command of ["guile-3.0", "guile"]) {
    if (spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).status === 0) return command;
  }
  return undefined;
}

const guile = findGuile();
let scriptDir: string | undefined;

function guileScript(): string {
  if (!scriptDir) scriptDir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-guile-reader-"));
  const script = path.join(scriptDir, "read-all.scm");
  if (!fs.existsSync(script)) fs.writeFileSync(script, GUILE_SCRIPT);
  return script;
}

after(() => {
  if (scriptDir) fs.rmSync(scriptDir, { recursive: true, force: true });
});

/** Skips loudly when Guile is absent (fails instead under POLA_REQUIRE_ORACLES=1). */
function requireGuile(t: TestContext): string | undefined {
  if (guile) return guile;
  const message = "guile-3.0 not installed (apt-get install guile-3.0)";
  if (process.env.POLA_REQUIRE_ORACLES === "1") throw new Error(`required oracle missing: ${message}`);
  process.stderr.write(`\n*** skipped: ${message} ***\n`);
  t.skip(`skipped: ${message}`);
  return undefined;
}

interface GuileResult {
  ok: boolean;
  shapes: string[];
  message: string;
}

function guileRead(command: string, file: string): GuileResult {
  const r = spawnSync(command, ["--no-auto-compile", "-s", guileScript(), file], {
    encoding: "utf8",
    timeout: GUILE_TIMEOUT_MS,
    env: { ...process.env, GUILE_AUTO_COMPILE: "0" },
  });
  if (r.error) throw new Error(`running ${command} on ${file}: ${r.error.message}`);
  if (r.status !== 0 && !/read error/.test(r.stderr)) {
    throw new Error(`${command} failed on ${file} without a read error (status ${r.status}):\n${r.stderr}`);
  }
  return {
    ok: r.status === 0,
    shapes: r.stdout.split("\n").filter((l) => l !== ""),
    message: r.stderr.trim(),
  };
}

// ---- the same shapes, from our tree ---------------------------------------------------------

const ATOMS: Record<string, string> = {
  symbol: "s",
  string: "str",
  number: "n",
  character: "c",
  boolean: "b",
  keyword: "k",
  nil: "nil",
};

const PREFIX_FORMS = new Set([
  "quote", "quasiquote", "unquote", "unquote_splicing",
  "gexp", "gexp_splicing", "ungexp", "ungexp_splicing", "ungexp_native", "ungexp_native_splicing",
  "syntax", "quasisyntax", "unsyntax", "unsyntax_splicing",
]);

type Datum =
  | { kind: "atom"; tag: string }
  | { kind: "list"; items: Datum[]; tail: Datum | null }
  | { kind: "vector"; items: Datum[] }
  | { kind: "bytevector"; length: number };

function datumOf(node: Node): Datum {
  const atom = ATOMS[node.type];
  if (atom) return { kind: "atom", tag: atom };
  if (PREFIX_FORMS.has(node.type)) {
    const value = node.childForFieldName("value");
    assert.ok(value, `${node.type} without a value at ${node.startPosition.row + 1}:${node.startPosition.column}`);
    return { kind: "list", items: [{ kind: "atom", tag: "s" }, datumOf(value)], tail: null };
  }
  const elements = node.namedChildren.filter((c) => !c.isExtra);
  switch (node.type) {
    case "list": {
      const dot = elements.findIndex((c) => c.type === "dot");
      if (dot < 0) return { kind: "list", items: elements.map(datumOf), tail: null };
      const items = elements.slice(0, dot).map(datumOf);
      const tail = datumOf(elements[dot + 1]);
      // (a . (b c)) is the list (a b c), as the reader sees it.
      if (tail.kind === "list") return { kind: "list", items: [...items, ...tail.items], tail: tail.tail };
      return { kind: "list", items, tail };
    }
    case "vector":
      return { kind: "vector", items: elements.map(datumOf) };
    case "bytevector":
      return { kind: "bytevector", length: elements.length };
    default:
      throw new Error(`unexpected node ${node.type} at ${node.startPosition.row + 1}:${node.startPosition.column}`);
  }
}

function printDatum(d: Datum): string {
  switch (d.kind) {
    case "atom":
      return d.tag;
    case "list":
      return `(${d.items.map(printDatum).join(" ")}${d.tail ? " . " + printDatum(d.tail) : ""})`;
    case "vector":
      return `#(${d.items.map(printDatum).join(" ")})`;
    case "bytevector":
      return `#vu8(${d.length})`;
  }
}

/** ERROR and MISSING nodes of a tree, as "type@line:column". */
function problems(node: Node, out: string[] = []): string[] {
  if (node.isError || node.isMissing) {
    out.push(`${node.isMissing ? `MISSING ${node.type}` : "ERROR"}@${node.startPosition.row + 1}:${node.startPosition.column + 1}`);
  } else if (node.hasError) {
    for (const child of node.children) problems(child, out);
  }
  return out;
}

let parserPromise: Promise<Parser> | undefined;
function parse(text: string) {
  parserPromise ??= createParser("guix");
  return parserPromise.then((parser) => {
    const tree = parser.parse(text);
    assert.ok(tree, "tree-sitter returned no tree");
    return tree;
  });
}

function fixtures(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".scm"))
    .sort()
    .map((f) => path.join(dir, f));
}

const relative = (file: string) => path.relative(ROOT, file);

// ---- the tests ------------------------------------------------------------------------------

test("guile-reader fixtures are present", () => {
  assert.ok(fixtures(VALID).length >= 10, "expected at least 10 valid reader fixtures");
  assert.ok(fixtures(BROKEN).length >= 8, "expected at least 8 broken reader fixtures");
  assert.ok(fixtures(SERVICES).length >= 5, "expected at least 5 Guix service fixtures");
});

for (const file of [...fixtures(VALID), ...fixtures(SERVICES)]) {
  test(`Guile and the grammar both read ${relative(file)} (same datums)`, async (t) => {
    const text = fs.readFileSync(file, "utf8");
    const tree = await parse(text);
    try {
      assert.deepEqual(problems(tree.rootNode), [], `grammar: ERROR/MISSING nodes in ${relative(file)}`);
      const command = requireGuile(t);
      if (!command) return;
      const guileResult = guileRead(command, file);
      assert.ok(guileResult.ok, `Guile cannot read ${relative(file)}: ${guileResult.message}`);
      const ours = tree.rootNode.namedChildren.filter((c) => !c.isExtra).map((c) => printDatum(datumOf(c)));
      assert.deepEqual(ours, guileResult.shapes, `the grammar and Guile see different datums in ${relative(file)}`);
    } finally {
      tree.delete();
    }
  });
}

for (const file of fixtures(BROKEN)) {
  test(`Guile and the grammar both reject ${relative(file)}`, async (t) => {
    const text = fs.readFileSync(file, "utf8");
    const tree = await parse(text);
    try {
      assert.ok(tree.rootNode.hasError, `grammar accepts ${relative(file)}: ${tree.rootNode.toString()}`);
      assert.ok(problems(tree.rootNode).length > 0);
      const command = requireGuile(t);
      if (!command) return;
      const guileResult = guileRead(command, file);
      assert.ok(!guileResult.ok, `Guile reads ${relative(file)} without error`);
    } finally {
      tree.delete();
    }
  });
}
