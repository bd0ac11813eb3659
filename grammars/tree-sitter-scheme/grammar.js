/**
 * tree-sitter grammar for Guile Scheme as GNU Guix writes it.
 *
 * Written for pola from the Guile reader's documented behaviour (ice-9 read) and the
 * gexp read syntax Guix installs with read-hash-extend. It models the *reader*, not any
 * special form: every datum is a list, vector, bytevector, atom or a prefix form.
 *
 * Delimiters follow Guile's default reader: whitespace (space, tab, newline, return,
 * form feed), ( ) [ ] " ;. Everything else may be part of a symbol, including ' ` , # { } |
 * after the first character. A token that reads as a number is a number, otherwise a
 * symbol (so `1+`, `-`, `...`, `->x` are symbols). Numbers are listed before symbols in
 * this file on purpose: for equally long matches tree-sitter prefers the earlier token.
 */

// Characters that end a token in Guile's reader.
const DELIMS = ' \\t\\n\\r\\f()\\[\\]";';

// ---- numbers ----------------------------------------------------------------------------
// What Guile's string->number accepts, so that the number/symbol split matches Guile's reader:
// integers, decimals with exponent markers e s f d l, rationals (a zero denominator makes a
// symbol), +inf.0 / -nan.0, rectangular (1+2i, -i) and polar (1@2) complex numbers, and the
// #x #o #b #d radix and #e #i exactness prefixes.
const SIGN = '[+-]';
const DIGITS = '[0-9]+';
const RATIONAL = DIGITS + '/0*[1-9][0-9]*';
const DECIMAL = '(' + DIGITS + '(\\.[0-9]*)?|\\.[0-9]+)([eEsSfFdDlL][+-]?[0-9]+)?';
const UREAL = '(' + RATIONAL + '|' + DECIMAL + ')';
const INF_NAN = '(inf|nan)\\.0';
const REAL = '(' + SIGN + '?' + UREAL + '|' + SIGN + INF_NAN + ')';
const IMAGINARY = SIGN + '(' + UREAL + '|' + INF_NAN + ')?i';
const DEC_NUMBER = '(' + REAL + '(' + IMAGINARY + '|@' + REAL + ')?|' + IMAGINARY + ')';
// Digits of a radix, and the same without 0 (a denominator needs a non-zero digit).
const radixBody = (digits, nonZero) => SIGN + '?' + digits + '+(/0*' + nonZero + digits + '*)?';
const EXACTNESS = '#[eEiI]';
const prefixed = (radix, body) =>
  '(' + radix + '(' + EXACTNESS + ')?' + '|' + EXACTNESS + radix + ')' + body;
const NUMBER = new RegExp(
  [
    DEC_NUMBER,
    prefixed('#[xX]', radixBody('[0-9a-fA-F]', '[1-9a-fA-F]')),
    prefixed('#[oO]', radixBody('[0-7]', '[1-7]')),
    prefixed('#[bB]', radixBody('[01]', '1')),
    prefixed('#[dD]', DEC_NUMBER),
    EXACTNESS + DEC_NUMBER,
  ].join('|'),
);

// ---- symbols ----------------------------------------------------------------------------
// Plain: may not start with # ' ` , | (those start other syntax); later characters may be
// anything but a delimiter. A lone `.` is never a symbol here (it is the dotted-pair dot).
const PLAIN_SYMBOL = '[^' + DELIMS + "#'`,|.][^" + DELIMS + ']*|\\.[^' + DELIMS + ']+';
// Any character, newline included (tree-sitter does not understand [\s\S]).
const ANY = '(.|\\n)';
// R7RS |...| symbols, with \-escapes.
const PIPE_SYMBOL = '\\|([^|\\\\]|\\\\' + ANY + ')*\\|';
// Guile's #{...}# extended symbols: ends at the first }# ; \ escapes the next character.
const BRACE_SYMBOL = '#\\{([^}\\\\]|\\\\' + ANY + '|\\}+([^}#\\\\]|\\\\' + ANY + '))*\\}+#';
const SYMBOL = new RegExp([PLAIN_SYMBOL, PIPE_SYMBOL, BRACE_SYMBOL].join('|'));

// ---- other atoms ------------------------------------------------------------------------
const STRING = new RegExp(
  '"(' +
    '[^"\\\\]' +
    '|\\\\([\\\\"|(0fnrtavb]|\\r?\\n|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6})' +
    ')*"',
);
// #\ followed by one delimiter character (#\( #\; #\space-as-a-space) or by a token
// (#\a #\λ #\space #\x41 #\101).
const CHARACTER = new RegExp('#\\\\([' + DELIMS + ']|[^' + DELIMS + ']+)');
const KEYWORD = new RegExp('#:[^' + DELIMS + ']+');
const BOOLEAN = /#[tT]([rR][uU][eE])?|#[fF]([aA][lL][sS][eE])?/;

const prefix = (token) => ($) => seq(token, field('value', $._datum));

module.exports = grammar({
  name: 'scheme',

  externals: ($) => [$.block_comment, $.directive],

  extras: ($) => [/[ \t\n\r\f]/, $.comment, $.block_comment, $.datum_comment, $.directive],

  rules: {
    program: ($) => repeat($._datum),

    _datum: ($) =>
      choice(
        $.number,
        $.symbol,
        $.string,
        $.character,
        $.boolean,
        $.nil,
        $.keyword,
        $.list,
        $.vector,
        $.bytevector,
        $.quote,
        $.quasiquote,
        $.unquote,
        $.unquote_splicing,
        $.gexp,
        $.gexp_splicing,
        $.ungexp,
        $.ungexp_splicing,
        $.ungexp_native,
        $.ungexp_native_splicing,
        $.syntax,
        $.quasisyntax,
        $.unsyntax,
        $.unsyntax_splicing,
      ),

    // Must stay before `symbol` (token order decides `1` number vs symbol).
    number: (_) => token(NUMBER),
    symbol: (_) => token(SYMBOL),
    string: (_) => token(STRING),
    character: (_) => token(CHARACTER),
    boolean: (_) => token(BOOLEAN),
    nil: (_) => token('#nil'),
    keyword: (_) => token(KEYWORD),

    list: ($) => choice(seq('(', optional($._list_body), ')'), seq('[', optional($._list_body), ']')),
    _list_body: ($) => seq(repeat1($._datum), optional(seq($.dot, $._datum))),
    dot: (_) => '.',

    vector: ($) => seq('#(', repeat($._datum), ')'),
    bytevector: ($) => seq(choice('#vu8(', '#u8('), repeat($.number), ')'),

    quote: prefix("'"),
    quasiquote: prefix('`'),
    unquote: prefix(','),
    unquote_splicing: prefix(',@'),
    gexp: prefix('#~'),
    gexp_splicing: prefix('#~@'),
    ungexp: prefix('#$'),
    ungexp_splicing: prefix('#$@'),
    ungexp_native: prefix('#+'),
    ungexp_native_splicing: prefix('#+@'),
    syntax: prefix("#'"),
    quasisyntax: prefix('#`'),
    unsyntax: prefix('#,'),
    unsyntax_splicing: prefix('#,@'),

    comment: (_) => token(/;[^\n]*/),
    datum_comment: ($) => seq('#;', $._datum),
  },
});
