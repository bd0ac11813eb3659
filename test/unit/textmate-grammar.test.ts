// The TextMate grammars of syntaxes/ (what VS Code uses to colour .scm and .nix files): every
// regex compiles with Oniguruma (VS Code's regex engine), and key samples get the intended scopes.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, test } from "node:test";
import * as oniguruma from "vscode-oniguruma";
import * as vsctm from "vscode-textmate";
import { ROOT } from "../helpers/paths";

const GRAMMARS: Record<string, string> = {
  "source.scheme.guix": path.join(ROOT, "syntaxes", "guix-scheme.tmLanguage.json"),
  "source.nix": path.join(ROOT, "syntaxes", "nix.tmLanguage.json"),
};

let registry: vsctm.Registry;
const grammars = new Map<string, vsctm.IGrammar>();

before(async () => {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => {
      const file = GRAMMARS[scopeName];
      return file ? vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file) : null;
    },
  });
  for (const scope of Object.keys(GRAMMARS)) {
    const grammar = await registry.loadGrammar(scope);
    assert.ok(grammar, `grammar ${scope} did not load`);
    grammars.set(scope, grammar);
  }
});

interface Token {
  text: string;
  scopes: string[];
  line: number;
  start: number;
}

function tokenize(scope: string, text: string): { tokens: Token[]; end: vsctm.StateStack } {
  const grammar = grammars.get(scope)!;
  let stack = vsctm.INITIAL;
  const tokens: Token[] = [];
  text.split("\n").forEach((line, lineNo) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) tokens.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: lineNo, start: t.startIndex });
    stack = r.ruleStack;
  });
  return { tokens, end: stack };
}

/** The scopes of the token that is exactly `word` (the `nth` such token). */
function scopesOf(tokens: Token[], word: string, nth = 0): string[] {
  const found = tokens.filter((t) => t.text === word);
  assert.ok(found[nth], `no token "${word}" (#${nth}); tokens: ${JSON.stringify(tokens.map((t) => t.text))}`);
  return found[nth].scopes;
}

/** The scopes at the first character of `needle` in the sample. */
function scopesAt(tokens: Token[], text: string, needle: string): string[] {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `"${needle}" not in the sample`);
  const before = text.slice(0, offset).split("\n");
  const line = before.length - 1;
  const character = before[line].length;
  const t = tokens.find((x) => x.line === line && x.start <= character && character < x.start + x.text.length);
  assert.ok(t, `no token at "${needle}"`);
  return t.scopes;
}

function has(scopes: string[], scope: string, what: string): void {
  assert.ok(scopes.includes(scope), `${what}: expected ${scope} in ${JSON.stringify(scopes)}`);
}
function lacks(scopes: string[], prefix: string, what: string): void {
  assert.ok(!scopes.some((s) => s.startsWith(prefix)), `${what}: expected no ${prefix}* in ${JSON.stringify(scopes)}`);
}

/** Every match/begin/end/while regex of a grammar, with where it is. */
function regexes(node: unknown, where = "$"): { where: string; source: string }[] {
  const out: { where: string; source: string }[] = [];
  if (Array.isArray(node)) node.forEach((x, i) => out.push(...regexes(x, `${where}[${i}]`)));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if ((k === "match" || k === "begin" || k === "end" || k === "while") && typeof v === "string") out.push({ where: `${where}.${k}`, source: v });
      else out.push(...regexes(v, `${where}.${k}`));
    }
  }
  return out;
}

test("every regex of both grammars compiles with Oniguruma, and every include resolves", () => {
  for (const [scope, file] of Object.entries(GRAMMARS)) {
    const raw = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.equal(raw.scopeName, scope);
    const all = regexes(raw);
    assert.ok(all.length > 20, `${file}: only ${all.length} regexes`);
    for (const { where, source } of all) {
      assert.doesNotThrow(() => new oniguruma.OnigScanner([source]).dispose(), `${path.basename(file)} ${where}: ${source}`);
    }
    const repository = new Set(Object.keys(raw.repository ?? {}));
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          if (k === "include" && typeof v === "string" && v.startsWith("#")) assert.ok(repository.has(v.slice(1)), `${path.basename(file)}: include ${v} has no repository entry`);
          else walk(v);
        }
      }
    };
    walk(raw);
  }
});

test("the grammars are registered in package.json with their language configurations", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const contributed = pkg.contributes.grammars as { language: string; scopeName: string; path: string }[];
  assert.deepEqual(contributed.map((g) => [g.language, g.scopeName]).sort(), [["nix", "source.nix"], ["scheme", "source.scheme.guix"]]);
  for (const g of contributed) assert.equal(path.resolve(ROOT, g.path), GRAMMARS[g.scopeName]);
  for (const language of pkg.contributes.languages as { id: string; configuration?: string }[]) {
    assert.ok(language.configuration, `language ${language.id} has no configuration`);
    const config = JSON.parse(fs.readFileSync(path.resolve(ROOT, language.configuration), "utf8"));
    assert.ok(config.comments?.lineComment, `${language.id}: no line comment`);
    assert.ok(config.brackets?.length > 0 && config.autoClosingPairs?.length > 0, `${language.id}: no brackets/auto-closing pairs`);
    if (config.wordPattern) assert.doesNotThrow(() => new RegExp(config.wordPattern, "u"));
  }
});

test("Scheme: gexp syntax, keywords, strings, characters, numbers", () => {
  const text = [
    "(define (pastebin-activation config)",
    '  #~(begin (mkdir-p/perms #$state-dir user #o750)',
    "           (list #$@args #+coreutils #+@more 'sym `(a ,b ,@c))",
    '           (display "tab\\there \\"quoted\\"")',
    "           (list #\\a #\\space #\\( #\\x41 #t #false 42 -7 3.14 1/2 #xFF #b101 1+ foo42)",
    '           (make-forkexec-constructor cmd #:user "pastebin" #:log-file "/var/log/x.log")))',
  ].join("\n");
  const { tokens, end } = tokenize("source.scheme.guix", text);
  has(scopesOf(tokens, "#~"), "keyword.operator.gexp.guix", "#~");
  has(scopesOf(tokens, "#$"), "keyword.operator.ungexp.guix", "#$");
  has(scopesOf(tokens, "#$@"), "keyword.operator.ungexp-splicing.guix", "#$@");
  has(scopesOf(tokens, "#+"), "keyword.operator.ungexp-native.guix", "#+");
  has(scopesOf(tokens, "#+@"), "keyword.operator.ungexp-native-splicing.guix", "#+@");
  lacks(scopesAt(tokens, text, "state-dir"), "keyword", "the ungexp'd variable");
  has(scopesOf(tokens, "#:user"), "constant.other.keyword.guile", "#:user");
  has(scopesOf(tokens, "#:log-file"), "constant.other.keyword.guile", "#:log-file");
  has(scopesAt(tokens, text, '"pastebin"'), "string.quoted.double.scheme", "string");
  has(scopesOf(tokens, "\\t"), "constant.character.escape.scheme", "escape");
  has(scopesOf(tokens, '\\"'), "constant.character.escape.scheme", "escaped quote");
  has(scopesAt(tokens, text, 'quoted\\""'), "string.quoted.double.scheme", "after an escaped quote");
  for (const c of ["#\\a", "#\\space", "#\\(", "#\\x41"]) has(scopesOf(tokens, c), "constant.character.scheme", c);
  has(scopesOf(tokens, "#t"), "constant.language.boolean.scheme", "#t");
  has(scopesOf(tokens, "#false"), "constant.language.boolean.scheme", "#false");
  has(scopesOf(tokens, "#o750"), "constant.numeric.octal.scheme", "#o750");
  has(scopesOf(tokens, "#xFF"), "constant.numeric.hex.scheme", "#xFF");
  has(scopesOf(tokens, "#b101"), "constant.numeric.binary.scheme", "#b101");
  for (const n of ["42", "-7", "3.14", "1/2"]) has(scopesOf(tokens, n), "constant.numeric.decimal.scheme", n);
  lacks(scopesAt(tokens, text, "1+ "), "constant.numeric", "the identifier 1+");
  lacks(scopesAt(tokens, text, "foo42"), "constant.numeric", "the identifier foo42");
  has(scopesOf(tokens, "'"), "keyword.operator.quote.scheme", "quote");
  has(scopesOf(tokens, ",@"), "keyword.operator.unquote-splicing.scheme", ",@");
  has(scopesOf(tokens, "pastebin-activation"), "entity.name.function.scheme", "defined procedure");
  has(scopesOf(tokens, "begin"), "keyword.control.scheme", "begin");
  // the sample is balanced: nothing (string, comment) is left open at its end
  assert.equal(tokenize("source.scheme.guix", text + "\nafter").tokens.at(-1)!.scopes.join(" "), "source.scheme.guix");
  assert.ok(end);
});

test("Scheme: line, nested block and datum comments", () => {
  const text = [
    ";; a line comment (chown x)",
    "#| outer #| inner |# still-outer (chown y) |# after-block",
    "#;(chown z (f \"a)\" #\\)) (g)) after-datum",
    "#; 42 after-number",
    "#;  lonely-symbol after-symbol",
  ].join("\n");
  const { tokens } = tokenize("source.scheme.guix", text);
  has(scopesAt(tokens, text, "a line comment"), "comment.line.semicolon.scheme", "line comment");
  has(scopesAt(tokens, text, "inner"), "comment.block.scheme", "inner block");
  has(scopesAt(tokens, text, "still-outer"), "comment.block.scheme", "after a nested block ends, the outer block continues");
  lacks(scopesAt(tokens, text, "after-block"), "comment", "after the block comment");
  has(scopesAt(tokens, text, "chown z"), "comment.block.datum.scheme", "#;(…)");
  has(scopesAt(tokens, text, "(g)"), "comment.block.datum.scheme", "a nested list inside #;(…)");
  lacks(scopesAt(tokens, text, "after-datum"), "comment", "after the datum comment");
  has(scopesAt(tokens, text, "42"), "comment.block.datum.scheme", "#; 42");
  lacks(scopesAt(tokens, text, "after-number"), "comment", "after #; 42");
  has(scopesAt(tokens, text, "lonely-symbol"), "comment.block.datum.scheme", "#; symbol");
  lacks(scopesAt(tokens, text, "after-symbol"), "comment", "after #; symbol");
});

test("Scheme: Guix service records and safe vs unsafe root-run procedures get their own scopes", () => {
  const text = [
    "(service-type (name 'x) (extensions (list (service-extension shepherd-root-service-type f))))",
    "(shepherd-service (provision '(x)))",
    "(user-account (name \"x\")) (user-group (name \"x\"))",
    "(mkdir-p/perms dir user #o750) (least-authority-wrapper prog) (lstat file)",
    "(chown dir uid gid) (copy-file a b) (mkdir-p dir) (chmod dir #o755)",
    "(chown-like x) (my-mkdir-p x) (lstat* x)",
  ].join("\n");
  const { tokens } = tokenize("source.scheme.guix", text);
  for (const r of ["service-type", "service-extension", "shepherd-service", "user-account", "user-group"]) has(scopesOf(tokens, r), "support.type.record.guix", r);
  has(scopesOf(tokens, "shepherd-root-service-type"), "support.type.service-type.guix", "a *-service-type");
  for (const s of ["mkdir-p/perms", "least-authority-wrapper", "lstat"]) {
    has(scopesOf(tokens, s), "support.function.safe.guix", s);
    lacks(scopesOf(tokens, s), "support.function.unsafe", s);
  }
  for (const u of ["chown", "copy-file", "mkdir-p", "chmod"]) {
    has(scopesOf(tokens, u), "support.function.unsafe.guix", u);
    lacks(scopesOf(tokens, u), "support.function.safe", u);
  }
  for (const other of ["chown-like", "my-mkdir-p", "lstat*"]) {
    lacks(scopesAt(tokens, text, other), "support.function", other);
  }
});

test("Scheme: the example services tokenize and end outside any string or comment", () => {
  for (const file of ["examples/guix/pastebin.scm", "examples/guix/pastebin-least-authority.scm"]) {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const { tokens } = tokenize("source.scheme.guix", `${text.trimEnd()}\nend-marker`);
    assert.equal(tokens.at(-1)!.text, "end-marker");
    assert.deepEqual(tokens.at(-1)!.scopes, ["source.scheme.guix"], file);
    has(scopesOf(tokens, "#:use-module"), "constant.other.keyword.guile", `${file}: #:use-module`);
  }
});

test("Nix: comments, strings with interpolation, indented strings, numbers, keywords, paths, attribute names", () => {
  const text = [
    "# a line comment",
    "/* a block",
    "   comment */ let",
    "  port = 8088;",
    '  greeting = "hello ${name} \\"x\\" ${ { a = 1; }.a } done";',
    "  script = ''",
    "    echo ${pkgs.hello}/bin/hello ''${not-interpolated} '''",
    "  '';",
    "  systemd.services.pastebin.serviceConfig = { inherit port; };",
    '  "quoted-attr" = 1;',
    "  f = x: if x == null then ./foo/bar.nix else /etc/passwd;",
    "  g = rec { p = <nixpkgs/lib>; h = ~/home; u = https://example.org/x; };",
    "  h = with lib; assert true; [ a.b or false ];",
    "in port",
  ].join("\n");
  const { tokens } = tokenize("source.nix", text);
  has(scopesAt(tokens, text, "a line comment"), "comment.line.number-sign.nix", "line comment");
  has(scopesAt(tokens, text, "comment */"), "comment.block.nix", "block comment");
  has(scopesOf(tokens, "let"), "keyword.other.nix", "let");
  has(scopesOf(tokens, "8088"), "constant.numeric.nix", "number");
  has(scopesAt(tokens, text, "hello ${"), "string.quoted.double.nix", "string");
  has(scopesOf(tokens, "name"), "meta.embedded.interpolation.nix", "interpolation");
  has(scopesOf(tokens, "name"), "source.nix", "an interpolated expression is Nix again (themes reset meta.embedded)");
  has(scopesAt(tokens, text, "\\\"x"), "constant.character.escape.nix", "escape");
  has(scopesAt(tokens, text, " done"), "string.quoted.double.nix", "after an interpolation holding braces, the string continues");
  has(scopesAt(tokens, text, "echo"), "string.quoted.other.indented.nix", "indented string");
  has(scopesOf(tokens, "pkgs"), "meta.embedded.interpolation.nix", "interpolation in an indented string");
  has(scopesOf(tokens, "''$"), "constant.character.escape.nix", "''$ escape");
  has(scopesAt(tokens, text, "{not-interpolated}"), "string.quoted.other.indented.nix", "an escaped ${ stays string");
  lacks(scopesAt(tokens, text, "{not-interpolated}"), "meta.embedded", "an escaped ${ is no interpolation");
  lacks(scopesAt(tokens, text, ";\n  systemd"), "string", "the indented string ends at ''");
  for (const a of ["systemd", "services", "pastebin", "serviceConfig", "port", "greeting", "script"]) has(scopesOf(tokens, a), "entity.other.attribute-name.nix", a);
  has(scopesOf(tokens, "inherit"), "keyword.other.nix", "inherit");
  for (const k of ["if", "then", "else"]) has(scopesOf(tokens, k), "keyword.control.conditional.nix", k);
  for (const k of ["rec", "with", "assert", "in", "or"]) has(scopesOf(tokens, k), "keyword.other.nix", k);
  has(scopesOf(tokens, "null"), "constant.language.nix", "null");
  has(scopesOf(tokens, "./foo/bar.nix"), "string.unquoted.path.nix", "relative path");
  has(scopesOf(tokens, "/etc/passwd"), "string.unquoted.path.nix", "absolute path");
  has(scopesOf(tokens, "~/home"), "string.unquoted.path.nix", "home path");
  has(scopesOf(tokens, "<nixpkgs/lib>"), "string.unquoted.path.search.nix", "search path");
  has(scopesOf(tokens, "https://example.org/x"), "string.unquoted.url.nix", "url");
  lacks(scopesAt(tokens, text, "x == null"), "entity.other.attribute-name", "x in x == null");
  has(scopesAt(tokens, text, "x: if"), "variable.parameter.nix", "lambda parameter");
});

test("Nix: the example modules tokenize and end outside any string or comment", () => {
  for (const file of ["examples/nixos/pastebin.nix", "examples/nixos/pastebin-hardened.nix"]) {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const { tokens } = tokenize("source.nix", `${text.trimEnd()}\nendMarker`);
    assert.equal(tokens.at(-1)!.text, "endMarker");
    assert.deepEqual(tokens.at(-1)!.scopes, ["source.nix"], file);
    has(scopesOf(tokens, "ExecStart"), "entity.other.attribute-name.nix", `${file}: ExecStart`);
  }
});
