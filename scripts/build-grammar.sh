#!/bin/sh
# Regenerates pola's Guile/Guix tree-sitter grammar (grammars/tree-sitter-scheme):
#   1. installs or locates the tree-sitter CLI 0.22.6 (scripts/install-tree-sitter-cli.sh,
#      or $TREE_SITTER if set),
#   2. runs `tree-sitter generate` (ABI 14) -> src/parser.c, src/grammar.json, src/node-types.json,
#   3. runs the corpus tests (`tree-sitter test`),
#   4. builds tree-sitter-scheme.wasm with emcc (Debian's emscripten; `build --wasm` is not
#      compiled into Debian's CLI).
# The generated files and the wasm are committed; run this after editing grammar.js or
# src/scanner.c, then commit the results.  Usage: npm run build:grammar
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
grammar="$root/grammars/tree-sitter-scheme"

command -v node >/dev/null 2>&1 || { echo "build-grammar: node must be on PATH (tree-sitter generate runs grammar.js)" >&2; exit 1; }
command -v emcc >/dev/null 2>&1 || { echo "build-grammar: emcc not found (apt-get install emscripten)" >&2; exit 1; }

if [ -n "${TREE_SITTER:-}" ]; then
  ts=$TREE_SITTER
else
  ts=$(sh "$root/scripts/install-tree-sitter-cli.sh")
fi
echo "build-grammar: using $("$ts" --version)" >&2

cd "$grammar"

echo "build-grammar: generating parser" >&2
"$ts" generate --abi 14 --no-bindings

echo "build-grammar: running corpus tests" >&2
"$ts" test

echo "build-grammar: building tree-sitter-scheme.wasm" >&2
emcc -o tree-sitter-scheme.wasm.tmp -Os -s WASM=1 -s SIDE_MODULE=2 -s TOTAL_MEMORY=33554432 \
  -s NODEJS_CATCH_EXIT=0 -s 'EXPORTED_FUNCTIONS=["_tree_sitter_scheme"]' \
  -fno-exceptions -fvisibility=hidden -I src src/parser.c src/scanner.c
chmod 644 tree-sitter-scheme.wasm.tmp
mv tree-sitter-scheme.wasm.tmp tree-sitter-scheme.wasm

echo "build-grammar: done ($(wc -c < tree-sitter-scheme.wasm) bytes wasm, $(wc -c < src/parser.c) bytes parser.c)" >&2
