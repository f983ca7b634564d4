/**
 * @file Tree-sitter grammar for Fabric, the language of AI data-center specs
 * (shared/design/LANGUAGE.md; the compiler's grammar is compiler/syntax/src/grammar.lalrpop).
 * @license Apache-2.0
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

// The units the compiler's lexer knows (compiler/syntax/src/lexer.rs, UNIT_ATOMS). After a
// space only these make a quantity, so that `replicas = 16 placement = x` reads as two
// fields; written right after the digits (`132kW`) any letters do, as in the compiler.
const UNIT = '(TFLOPS|PFLOPS|EFLOPS|GFLOP|TFLOP|PFLOP|EFLOP|Gbps|Tbps|Mbps|FLOP|kWh|MWh|GWh|min|KiB|MiB|GiB|TiB|tok|req|kW|MW|GW|kJ|MJ|GJ|Wh|ps|ns|us|µs|ms|yr|mm|cm|km|Kb|Mb|Gb|Tb|Pb|KB|MB|GB|TB|PB|W|J|s|h|d|m|b|B|U|%)(/(TFLOPS|PFLOPS|EFLOPS|GFLOP|TFLOP|PFLOP|EFLOP|Gbps|Tbps|Mbps|FLOP|kWh|MWh|GWh|min|KiB|MiB|GiB|TiB|tok|req|kW|MW|GW|kJ|MJ|GJ|Wh|ps|ns|us|µs|ms|yr|mm|cm|km|Kb|Mb|Gb|Tb|Pb|KB|MB|GB|TB|PB|W|J|s|h|d|m|b|B|U|%))*';
const NUMBER = '[0-9][0-9_]*(\\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?';

const PREC = { or: 1, and: 2, not: 3, compare: 4, add: 5, mul: 6, unary: 7 };

module.exports = grammar({
  name: 'fabric',

  extras: $ => [/\s/, $.line_comment, $.doc_comment, $.block_comment],

  word: $ => $.identifier,

  rules: {
    source_file: $ => repeat($._entry),

    _entry: $ => choice($._member, ',', ';'),

    _member: $ => choice($.import, $.const, $.field, $.bound, $.block, $.assert),

    import: $ => seq(
      'import',
      choice(
        field('file', $.string),
        field('module', $.module_path),
      ),
    ),

    // `std.nvidia` or `std.nvidia.{H100, B200}`; the name list may only come last, which
    // the compiler checks (a grammar that said so here would need two tokens of lookahead).
    module_path: $ => seq($.identifier, repeat(seq('.', choice($.identifier, $.import_list)))),

    import_list: $ => seq('{', commaSep(field('name', $.identifier)), '}'),

    const: $ => seq('const', field('name', $.identifier), '=', field('value', $._expression)),

    field: $ => seq(field('name', $.identifier), '=', field('value', $._expression)),

    bound: $ => seq(field('name', $.identifier), field('operator', choice('<=', '<', '>=', '>')), field('value', $._expression)),

    block: $ => seq(
      field('kind', $.identifier),
      optional(field('name', $.identifier)),
      optional(field('array', $.array_range)),
      choice(
        field('body', $.body),
        seq(':', field('base', $.path), optional(field('body', $.body))),
      ),
    ),

    body: $ => seq('{', repeat($._entry), '}'),

    array_range: $ => seq('[', field('low', $._expression), '..', field('high', $._expression), ']'),

    assert: $ => prec.right(seq('assert', field('condition', $._expression), optional(seq(',', field('message', $.string))))),

    _expression: $ => choice(
      $.binary_expression,
      $.unary_expression,
      $.quantity,
      $.string,
      $.boolean,
      $.path,
      $.call,
      $.parenthesized,
      $.list,
    ),

    binary_expression: $ => choice(
      prec.left(PREC.or, seq(field('left', $._expression), field('operator', 'or'), field('right', $._expression))),
      prec.left(PREC.and, seq(field('left', $._expression), field('operator', 'and'), field('right', $._expression))),
      prec.left(PREC.compare, seq(field('left', $._expression), field('operator', choice('==', '!=', '<', '<=', '>', '>=')), field('right', $._expression))),
      prec.left(PREC.add, seq(field('left', $._expression), field('operator', choice('+', '-')), field('right', $._expression))),
      prec.left(PREC.mul, seq(field('left', $._expression), field('operator', choice('*', '/')), field('right', $._expression))),
    ),

    unary_expression: $ => choice(
      prec(PREC.not, seq(field('operator', 'not'), field('operand', $._expression))),
      prec(PREC.unary, seq(field('operator', '-'), field('operand', $._expression))),
    ),

    call: $ => seq(field('function', $.identifier), '(', commaSep($._expression), ')'),

    parenthesized: $ => seq('(', $._expression, ')'),

    list: $ => seq('[', commaSep($._expression), ']'),

    path: $ => prec.left(seq($._segment, repeat(seq('.', $._segment)))),

    _segment: $ => choice($.segment, $.wildcard),

    segment: $ => seq(
      field('name', $.identifier),
      optional(seq('[', field('index', $._expression), optional(seq('..', field('last', $._expression))), ']')),
    ),

    wildcard: _ => choice('*', '**'),

    quantity: $ => seq(field('value', $.number), optional(field('unit', $.unit))),

    number: _ => token(new RegExp(NUMBER)),

    unit: _ => choice(
      token.immediate(new RegExp('[ \\t]*' + UNIT)),
      token.immediate(/[A-Za-zµ%]+(\/[A-Za-zµ%]+)*/),
    ),

    boolean: _ => choice('true', 'false'),

    string: $ => seq('"', repeat(choice($.string_content, $.escape_sequence)), '"'),

    string_content: _ => token.immediate(prec(1, /[^"\\\n]+/)),

    escape_sequence: _ => token.immediate(/\\(["\\nt]|u\{[0-9A-Fa-f]{1,6}\})/),

    identifier: _ => /[A-Za-z_][A-Za-z0-9_]*/,

    doc_comment: _ => token(prec(2, seq('///', /[^/\n][^\n]*|/))),

    line_comment: _ => token(prec(1, seq('//', /[^\n]*/))),

    block_comment: $ => seq('/*', repeat(choice($.block_comment, /[^*/]+/, '*', '/')), '*/'),
  },
});

/**
 * @param {RuleOrLiteral} rule
 */
function commaSep(rule) {
  return optional(seq(rule, repeat(seq(',', rule)), optional(',')));
}
