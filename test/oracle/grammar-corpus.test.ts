/**
 * The committed Guile/Guix grammar (grammars/tree-sitter-scheme) against its corpus.
 *
 * (a) With the tree-sitter CLI installed (scripts/install-tree-sitter-cli.sh): regenerate the
 *     parser from grammar.js in a temporary copy, require the generated files to equal the
 *     committed ones, and run `tree-sitter test` there.
 * (b) Always: parse every corpus input with the committed wasm through pola's own loader and
 *     compare the S-expression with the corpus expectation (tests marked `:error` must produce
 *     an ERROR or MISSING node). So the wasm, the corpus and grammar.js agree even without the CLI.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { createParser } from "../../server/src/parsing/languages";

/** The repository root, from build/test/oracle. */
const ROOT = path.resolve(__dirname, "../../..");
const GRAMMAR = path.join(ROOT, "grammars", "tree-sitter-scheme");
const CORPUS = path.join(GRAMMAR, "test", "corpus");
const GENERATED = ["src/parser.c", "src/grammar.json", "src/node-types.json"];

interface CorpusCase {
  file: string;
  name: string;
  input: string;
  expected: string;
  expectError: boolean;
}

const isHeaderLine = (line: string): boolean => /^={3,}\S*\s*$/.test(line);
const isDividerLine = (line: string): boolean => /^-{3,}\S*\s*$/.test(line);

/** Reads a tree-sitter corpus file (LF or CRLF): header, input, `---` divider, expected tree. */
function parseCorpus(file: string, text: string): CorpusCase[] {
  const raw = text.split(/(?<=\n)/); // lines with their endings
  const bare = raw.map((line) => line.replace(/\r?\n$/, ""));
  const cases: CorpusCase[] = [];
  let i = 0;
  while (i < bare.length) {
    if (!isHeaderLine(bare[i])) {
      i++;
      continue;
    }
    let j = i + 1;
    const header: string[] = [];
    while (j < bare.length && !isHeaderLine(bare[j])) header.push(bare[j++]);
    if (j >= bare.length) throw new Error(`${file}: unterminated test header at line ${i + 1}`);
    j++;
    let input = "";
    while (j < bare.length && !isDividerLine(bare[j])) input += raw[j++];
    if (j >= bare.length) throw new Error(`${file}: test "${header[0]}" has no --- divider`);
    j++;
    let expected = "";
    while (j < bare.length && !(isHeaderLine(bare[j]) && j + 1 < bare.length && !isHeaderLine(bare[j + 1]))) expected += bare[j++] + "\n";
    cases.push({
      file,
      name: header.filter((l) => !l.startsWith(":")).join(" ").trim(),
      input: input.replace(/\n$/, "").replace(/\r$/, ""),
      expected,
      expectError: header.some((l) => l.trim() === ":error"),
    });
    i = j;
  }
  return cases;
}

/** Whitespace-insensitive S-expression, as `tree-sitter test` compares them. */
function normalizeSexp(s: string): string {
  return s.replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")").trim();
}

function corpusCases(): CorpusCase[] {
  return fs
    .readdirSync(CORPUS)
    .filter((f) => f.endsWith(".txt"))
    .sort()
    .flatMap((f) => parseCorpus(f, fs.readFileSync(path.join(CORPUS, f), "utf8")));
}

/** Where scripts/install-tree-sitter-cli.sh puts its wrapper ($TREE_SITTER overrides). */
function treeSitterCli(): string | undefined {
  if (process.env.TREE_SITTER) return process.env.TREE_SITTER;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const wrapper = path.join(cache, "tree-sitter-0.22.6", "tree-sitter");
  try {
    fs.accessSync(wrapper, fs.constants.X_OK);
    return wrapper;
  } catch {
    return undefined;
  }
}

test("grammar corpus: every construct has a corpus test and the corpus is well formed", () => {
  const cases = corpusCases();
  assert.ok(cases.length >= 60, `expected at least 60 corpus tests, found ${cases.length}`);
  const names = new Set<string>();
  for (const c of cases) {
    assert.ok(c.name, `${c.file}: a test without a name`);
    assert.ok(!names.has(c.name), `duplicate corpus test name: ${c.name}`);
    names.add(c.name);
    if (!c.expectError) assert.ok(c.expected.trim().startsWith("(program"), `${c.file}: "${c.name}" has no expected tree`);
  }
  // Every named node type of the grammar shows up in some expectation.
  const nodeTypes = JSON.parse(fs.readFileSync(path.join(GRAMMAR, "src", "node-types.json"), "utf8")) as { type: string; named: boolean }[];
  const expectations = cases.map((c) => c.expected).join("\n");
  for (const { type, named } of nodeTypes) {
    if (!named) continue;
    assert.match(expectations, new RegExp(`\\(${type}[\\s)]`), `node type ${type} is not covered by the corpus`);
  }
  assert.match(expectations, /value: \(/, "the corpus checks the `value` field");
});

test("grammar corpus: the committed wasm parses every corpus input as expected", async () => {
  const parser = await createParser("guix");
  const failures: string[] = [];
  for (const c of corpusCases()) {
    const tree = parser.parse(c.input);
    assert.ok(tree, `no tree for ${c.name}`);
    const root = tree.rootNode;
    if (c.expectError) {
      if (!root.hasError) failures.push(`${c.file}: "${c.name}" should contain an ERROR or MISSING node but parsed as ${root.toString()}`);
    } else {
      const actual = normalizeSexp(root.toString());
      const expected = normalizeSexp(c.expected);
      if (actual !== expected) failures.push(`${c.file}: "${c.name}"\n  expected: ${expected}\n  actual:   ${actual}`);
    }
    tree.delete();
  }
  parser.delete();
  assert.equal(failures.length, 0, failures.join("\n"));
});

test("grammar corpus: grammar.js regenerates the committed parser and `tree-sitter test` passes", (t) => {
  const cli = treeSitterCli();
  if (!cli) {
    const message = "skipped: tree-sitter CLI not installed (run scripts/install-tree-sitter-cli.sh)";
    process.stderr.write(`\n*** ${message} ***\n`);
    t.skip(message);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pola-grammar-"));
  try {
    for (const entry of ["grammar.js", "package.json", "src/scanner.c", "test"]) {
      fs.cpSync(path.join(GRAMMAR, entry), path.join(dir, entry), { recursive: true });
    }
    const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`, NO_COLOR: "1" };
    const generate = spawnSync(cli, ["generate", "--abi", "14", "--no-bindings"], { cwd: dir, env, encoding: "utf8", timeout: 300_000 });
    assert.equal(generate.status, 0, `tree-sitter generate failed:\n${generate.stdout}\n${generate.stderr}\n${generate.error ?? ""}`);
    for (const file of GENERATED) {
      const committed = fs.readFileSync(path.join(GRAMMAR, file), "utf8");
      const fresh = fs.readFileSync(path.join(dir, file), "utf8");
      assert.ok(committed === fresh, `${file} is out of date with grammar.js: run \`npm run build:grammar\` and commit the result`);
    }
    const run = spawnSync(cli, ["test"], { cwd: dir, env, encoding: "utf8", timeout: 300_000 });
    assert.equal(run.status, 0, `tree-sitter test failed:\n${run.stdout}\n${run.stderr}\n${run.error ?? ""}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
