/*
 * External scanner for tree-sitter-scheme-guile (pola).
 *
 * Recognises the two comment forms a regular expression cannot:
 *   - nestable block comments  #| ... #| ... |# ... |#
 *   - the #! form, which Guile reads either as a reader directive (#!fold-case,
 *     #!no-fold-case, #!r6rs, #!curly-infix, #!curly-infix-and-bracket-lists) or,
 *     for anything else (#!/usr/bin/guile ...), as a block comment ending at the
 *     first !#.
 * Both are extras. The scanner keeps no state.
 */
#include "tree_sitter/parser.h"


enum TokenType { BLOCK_COMMENT, DIRECTIVE };

void *tree_sitter_scheme_external_scanner_create(void) { return NULL; }
void tree_sitter_scheme_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_scheme_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}
void tree_sitter_scheme_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static void advance(TSLexer *lexer) { lexer->advance(lexer, false); }

static bool is_guile_whitespace(int32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* After "#|": consume up to and including the matching "|#". */
static bool scan_nested_comment(TSLexer *lexer) {
  unsigned depth = 1;
  while (depth > 0) {
    if (lexer->eof(lexer)) return false;
    int32_t c = lexer->lookahead;
    advance(lexer);
    if (c == '|' && lexer->lookahead == '#') {
      advance(lexer);
      depth--;
    } else if (c == '#' && lexer->lookahead == '|') {
      advance(lexer);
      depth++;
    }
  }
  return true;
}

/* After "#!" and an optional name: consume up to and including the first "!#". */
static bool scan_bang_comment(TSLexer *lexer) {
  for (;;) {
    if (lexer->eof(lexer)) return false;
    int32_t c = lexer->lookahead;
    advance(lexer);
    while (c == '!') {
      if (lexer->eof(lexer)) return false;
      if (lexer->lookahead == '#') {
        advance(lexer);
        return true;
      }
      c = lexer->lookahead;
      advance(lexer);
    }
  }
}

static const char *const DIRECTIVES[] = {
    "fold-case", "no-fold-case", "r6rs", "curly-infix", "curly-infix-and-bracket-lists",
};

/* Guile accepts '-' and any alphabetic or numeric character; non-ASCII characters never
 * form a known directive, so they are simply treated as name characters here. */
static bool is_directive_char(int32_t c) {
  return c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c > 127;
}

/* No libc in the wasm side module: a small strcmp. */
static bool same_name(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

bool tree_sitter_scheme_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid_symbols) {
  (void)payload;
  if (!valid_symbols[BLOCK_COMMENT] && !valid_symbols[DIRECTIVE]) return false;

  while (is_guile_whitespace(lexer->lookahead)) lexer->advance(lexer, true);

  if (lexer->lookahead != '#') return false;
  advance(lexer);

  if (lexer->lookahead == '|') {
    if (!valid_symbols[BLOCK_COMMENT]) return false;
    advance(lexer);
    if (!scan_nested_comment(lexer)) return false;
    lexer->mark_end(lexer);
    lexer->result_symbol = BLOCK_COMMENT;
    return true;
  }

  if (lexer->lookahead != '!') return false;
  advance(lexer);

  /* Read a directive name, as Guile does: letters, digits and '-'. */
  char name[40];
  unsigned length = 0;
  bool too_long = false;
  while (is_directive_char(lexer->lookahead)) {
    if (length + 1 < sizeof name && lexer->lookahead < 128) {
      name[length++] = (char)lexer->lookahead;
    } else {
      too_long = true;
    }
    advance(lexer);
  }
  name[length] = '\0';

  if (!too_long && length > 0) {
    for (unsigned i = 0; i < sizeof DIRECTIVES / sizeof DIRECTIVES[0]; i++) {
      if (same_name(name, DIRECTIVES[i])) {
        if (!valid_symbols[DIRECTIVE]) return false;
        lexer->mark_end(lexer);
        lexer->result_symbol = DIRECTIVE;
        return true;
      }
    }
  }

  if (!valid_symbols[BLOCK_COMMENT]) return false;
  if (!scan_bang_comment(lexer)) return false;
  lexer->mark_end(lexer);
  lexer->result_symbol = BLOCK_COMMENT;
  return true;
}
