// Syntax errors: the exact text the user sees (renderDiagnostic), in bpftrace's wording where it has one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errors } from './parser-helpers.ts';

/** [what it pins, program, rendered diagnostics (lines joined with \n, trailing newline added)] */
const cases: [string, string, string[]][] = [
  [
    'an operator without its right operand underlines the run ending at the token, as bpftrace does',
    'BEGIN { @x = 1 +; }',
    ['stdin:1:16-18: ERROR: syntax error, unexpected ;', 'BEGIN { @x = 1 +; }', '               ~~'],
  ],
  [
    'a missing } at the end of the input',
    'BEGIN { @x = 1;',
    ['stdin:1:14-16: ERROR: syntax error, unexpected end of file, expecting }', 'BEGIN { @x = 1;', '             ~~'],
  ],
  [
    'a missing } notes where the unclosed block opened when that is on another line',
    'BEGIN {\n  @x = 1;\n',
    [
      'stdin:2:8-10: ERROR: syntax error, unexpected end of file, expecting }',
      '  @x = 1;',
      '       ~~',
      'stdin:1:7-8: NOTE: the block opened here is not closed',
      'BEGIN {',
      '      ~',
    ],
  ],
  [
    'a missing } before the next probe is pointed out',
    'BEGIN { @x = 1;\nEND { @y = 2; }',
    [
      'stdin:2:5-6: ERROR: syntax error, unexpected {, expecting ; or }',
      'END { @y = 2; }',
      '    ~',
      "HINT: is a } missing before 'END'?",
    ],
  ],
  [
    'an unterminated string',
    'BEGIN { @x = "abc; }',
    ['stdin:1:14-21: ERROR: unterminated string', 'BEGIN { @x = "abc; }', '             ~~~~~~~'],
  ],
  [
    'an unterminated quoted part of an attach point',
    'uprobe:"/bin/x:f { }',
    ['stdin:1:8-21: ERROR: unterminated string', 'uprobe:"/bin/x:f { }', '       ~~~~~~~~~~~~~'],
  ],
  [
    'an unterminated comment',
    'BEGIN { /* x }',
    ['stdin:1:9-11: ERROR: unterminated comment', 'BEGIN { /* x }', '        ~~'],
  ],
  [
    'an unknown character',
    'BEGIN { @x = 1 ` }',
    ["stdin:1:16-17: ERROR: invalid character '`'", 'BEGIN { @x = 1 ` }', '               ~'],
  ],
  [
    'a character literal is an invalid character, as in bpftrace',
    "BEGIN { @x = 'a'; }",
    ["stdin:1:14-15: ERROR: invalid character '''", "BEGIN { @x = 'a'; }", '             ~'],
  ],
  [
    'a non-ASCII character',
    'BEGIN { @x = é; }',
    ["stdin:1:14-15: ERROR: invalid character 'é'", 'BEGIN { @x = é; }', '             ~'],
  ],
  ['a lone $', 'BEGIN { $ = 1; }', ["stdin:1:9-10: ERROR: invalid character '$'", 'BEGIN { $ = 1; }', '        ~']],
  [
    'inside < … > a bare > closes the block, so a comparison after it is an error with a hint',
    'kprobe:f < @x = 1 > 2 >',
    [
      'stdin:1:21-22: ERROR: syntax error, unexpected integer',
      'kprobe:f < @x = 1 > 2 >',
      '                    ~',
      'HINT: inside < … > a comparison needs parentheses: (a > b)',
    ],
  ],
  [
    'a stray > after a < … > block gets the same hint',
    'kprobe:f < @x = 1 > pid >',
    [
      'stdin:1:25-26: ERROR: syntax error, unexpected >, expecting {',
      'kprobe:f < @x = 1 > pid >',
      '                        ~',
      'HINT: inside < … > a comparison needs parentheses: (a > b)',
    ],
  ],
  [
    'two statements without a ; in a brace block',
    'BEGIN { @x = 1 2 }',
    [
      'stdin:1:16-17: ERROR: syntax error, unexpected integer, expecting ; or }',
      'BEGIN { @x = 1 2 }',
      '               ~',
    ],
  ],
  [
    'two statements without a ; in an angle block',
    'kprobe:f < @x = 1 2 >',
    [
      'stdin:1:19-20: ERROR: syntax error, unexpected integer, expecting ; or >',
      'kprobe:f < @x = 1 2 >',
      '                  ~',
    ],
  ],
  [
    'an angle block that is never closed',
    'kprobe:f < @x++',
    ['stdin:1:12-16: ERROR: syntax error, unexpected end of file, expecting >', 'kprobe:f < @x++', '           ~~~~'],
  ],
  [
    'a predicate glued to a path attach point is part of it; the hint says to add a space',
    'uprobe:/bin/bash:readline/pid == 1/ { @x = 1; }',
    [
      'stdin:1:31-33: ERROR: syntax error, unexpected ==, expecting {',
      'uprobe:/bin/bash:readline/pid == 1/ { @x = 1; }',
      '                              ~~',
      'HINT: put a space before the predicate: uprobe:/bin/bash:readline /pid…',
    ],
  ],
  [
    'a predicate without its closing /',
    'kprobe:f /pid == 1 { @x = 1; }',
    [
      'stdin:1:20-21: ERROR: syntax error, unexpected {, expecting /',
      'kprobe:f /pid == 1 { @x = 1; }',
      '                   ~',
    ],
  ],
  [
    'an attach point without a block',
    'BEGIN',
    ['stdin:1:1-6: ERROR: syntax error, unexpected end of file, expecting {', 'BEGIN', '~~~~~'],
  ],
  [
    'an attach point followed by something else than a block',
    'kprobe:f 1',
    ['stdin:1:10-11: ERROR: syntax error, unexpected integer, expecting {', 'kprobe:f 1', '         ~'],
  ],
  [
    'an attach point followed by another without a comma',
    'BEGIN END { }',
    ['stdin:1:7-10: ERROR: syntax error, unexpected attach point, expecting {', 'BEGIN END { }', '      ~~~'],
  ],
  [
    'one } too many',
    'BEGIN { @x = 1; } }',
    ['stdin:1:19-20: ERROR: syntax error, unexpected }', 'BEGIN { @x = 1; } }', '                  ~'],
  ],
  [
    'a statement outside any probe',
    '@x = 1;',
    [
      'stdin:1:1-3: ERROR: syntax error, unexpected map',
      '@x = 1;',
      '~~',
      'HINT: statements go inside a probe, e.g. BEGIN { … }',
    ],
  ],
  [
    'if needs a block',
    'BEGIN { if (1) @x = 1; }',
    [
      'stdin:1:16-18: ERROR: syntax error, unexpected map, expecting {',
      'BEGIN { if (1) @x = 1; }',
      '               ~~',
    ],
  ],
  [
    // `{ }` could be the condition (a block expression, bpftrace v0.26): the block after it is what is missing
    'if without a condition',
    'BEGIN { if { } }',
    ['stdin:1:16-17: ERROR: syntax error, unexpected }, expecting {', 'BEGIN { if { } }', '               ~'],
  ],
  [
    'an unparenthesised condition is a single operand',
    'BEGIN { while $i < 5 { } }',
    [
      'stdin:1:18-19: ERROR: syntax error, unexpected <, expecting {',
      'BEGIN { while $i < 5 { } }',
      '                 ~',
      'HINT: without parentheses the condition is a single operand: write (a > b) for more',
    ],
  ],
  [
    'for with an unclosed parenthesis',
    'BEGIN { for ($i : @m { } }',
    [
      'stdin:1:22-23: ERROR: syntax error, unexpected {, expecting )',
      'BEGIN { for ($i : @m { } }',
      '                     ~',
    ],
  ],
  [
    'a ternary without its else part',
    'BEGIN { @x = a ? b; }',
    ['stdin:1:18-20: ERROR: syntax error, unexpected ;, expecting :', 'BEGIN { @x = a ? b; }', '                 ~~'],
  ],
  [
    'an unclosed parenthesis',
    'BEGIN { @x = (1 + 2; }',
    ['stdin:1:19-21: ERROR: syntax error, unexpected ;, expecting )', 'BEGIN { @x = (1 + 2; }', '                  ~~'],
  ],
  [
    'an unclosed map key',
    'BEGIN { @x[1 = 2; }',
    ['stdin:1:14-15: ERROR: syntax error, unexpected =, expecting ]', 'BEGIN { @x[1 = 2; }', '             ~'],
  ],
  [
    'a field access without a name',
    'BEGIN { @x = $a->; }',
    [
      'stdin:1:14-19: ERROR: syntax error, unexpected ;, expecting field name',
      'BEGIN { @x = $a->; }',
      '             ~~~~~',
    ],
  ],
  [
    'let needs a $variable',
    'BEGIN { let x = 1; }',
    [
      'stdin:1:13-14: ERROR: syntax error, unexpected identifier, expecting variable',
      'BEGIN { let x = 1; }',
      '            ~',
    ],
  ],
  [
    'for uses a colon, not in',
    'BEGIN { for ($x in @m) { } }',
    [
      'stdin:1:17-19: ERROR: syntax error, unexpected identifier, expecting :',
      'BEGIN { for ($x in @m) { } }',
      '                ~~',
    ],
  ],
  [
    'config items need ; between them',
    'config = { a = 1 b = 2 } BEGIN { }',
    [
      'stdin:1:18-19: ERROR: syntax error, unexpected identifier, expecting ; or }',
      'config = { a = 1 b = 2 } BEGIN { }',
      '                 ~',
    ],
  ],
  [
    'a keyword where a statement should start',
    'BEGIN { else { } }',
    ['stdin:1:9-13: ERROR: syntax error, unexpected else, expecting }', 'BEGIN { else { } }', '        ~~~~'],
  ],
  // mistakes the AST builder reports
  [
    'assigning to something that is neither a $variable nor a @map',
    'BEGIN { x = 1; }',
    [
      'stdin:1:9-10: ERROR: cannot assign to this expression',
      'BEGIN { x = 1; }',
      '        ~',
      'HINT: only a $variable or a @map can be assigned to',
      'HINT: did you mean $x or @x?',
    ],
  ],
  [
    'assigning to an index of a map value',
    'BEGIN { @x[1][2] = 1; }',
    [
      'stdin:1:9-17: ERROR: cannot assign to this expression',
      'BEGIN { @x[1][2] = 1; }',
      '        ~~~~~~~~',
      'HINT: only a $variable or a @map can be assigned to',
    ],
  ],
  [
    'incrementing a builtin',
    'BEGIN { pid++; }',
    ['stdin:1:9-12: ERROR: ++ needs a $variable or a @map', 'BEGIN { pid++; }', '        ~~~'],
  ],
  [
    'a floating-point number',
    'BEGIN { @x = 1.5; }',
    [
      'stdin:1:14-17: ERROR: floating-point numbers are not supported',
      'BEGIN { @x = 1.5; }',
      '             ~~~',
      'HINT: use an integer, scaled if needed: 15 tenths instead of 1.5',
    ],
  ],
  [
    'an octal literal with an 8',
    'BEGIN { @x = 08; }',
    ["stdin:1:14-16: ERROR: invalid digit '8' in octal literal '08'", 'BEGIN { @x = 08; }', '             ~~'],
  ],
  [
    'a scientific literal with a coefficient above 9',
    'BEGIN { @x = 12e3; }',
    [
      "stdin:1:14-18: ERROR: the coefficient of a scientific literal must be 1-9: '12e3'",
      'BEGIN { @x = 12e3; }',
      '             ~~~~',
    ],
  ],
  [
    'an unknown integer suffix',
    'BEGIN { @x = 1q; }',
    ["stdin:1:14-16: ERROR: invalid suffix 'q' on integer literal '1q'", 'BEGIN { @x = 1q; }', '             ~~'],
  ],
  [
    'an integer beyond 64 bits',
    'BEGIN { @x = 99999999999999999999; }',
    [
      "stdin:1:14-34: ERROR: integer literal '99999999999999999999' is too large (the maximum is 18446744073709551615)",
      'BEGIN { @x = 99999999999999999999; }',
      '             ~~~~~~~~~~~~~~~~~~~~',
    ],
  ],
  [
    'a trailing underscore in an integer literal (bpftrace v0.26: 1_1_, 1e1_1_, 0x1_)',
    'BEGIN { @x = 1_1_ + 1e1_1_ + 0x1_; }',
    [
      "stdin:1:14-18: ERROR: trailing underscore in integer literal '1_1_'",
      'BEGIN { @x = 1_1_ + 1e1_1_ + 0x1_; }',
      '             ~~~~',
      "stdin:1:21-27: ERROR: trailing underscore in integer literal '1e1_1_'",
      'BEGIN { @x = 1_1_ + 1e1_1_ + 0x1_; }',
      '                    ~~~~~~',
      "stdin:1:30-34: ERROR: trailing underscore in integer literal '0x1_'",
      'BEGIN { @x = 1_1_ + 1e1_1_ + 0x1_; }',
      '                             ~~~~',
    ],
  ],
  [
    'an exponent of 0 or with a leading 0 (bpftrace v0.26 reads it as a suffix)',
    'BEGIN { @x = 1e0; }',
    [
      "stdin:1:14-17: ERROR: invalid suffix 'e0' on integer literal '1e0'",
      'BEGIN { @x = 1e0; }',
      '             ~~~',
      'HINT: an exponent starts with 1-9, as bpftrace v0.26 reads one: write 5 for 5e0',
    ],
  ],
  [
    'a literal beyond its suffix type (u is a C unsigned int, l a long)',
    'BEGIN { @x = 4294967296u; }',
    [
      "stdin:1:14-25: ERROR: integer literal '4294967296u' is too large (the maximum is 4294967295)",
      'BEGIN { @x = 4294967296u; }',
      '             ~~~~~~~~~~~',
    ],
  ],
  [
    'an unknown escape in a string',
    'BEGIN { @x = "a\\qb"; }',
    ["stdin:1:16-18: ERROR: invalid escape character '\\q'", 'BEGIN { @x = "a\\qb"; }', '               ~~'],
  ],
  [
    'a hex escape without a hex digit (bpftrace v0.26)',
    'BEGIN { @x = "a\\xg"; }',
    ['stdin:1:16-18: ERROR: invalid hex escape sequence', 'BEGIN { @x = "a\\xg"; }', '               ~~'],
  ],
  [
    'an octal escape above 255',
    'BEGIN { @x = "\\777"; }',
    [
      "stdin:1:15-19: ERROR: octal escape sequence out of range '\\777'",
      'BEGIN { @x = "\\777"; }',
      '              ~~~~',
    ],
  ],
  [
    'a tuple with an empty element',
    'BEGIN { @x = (1,,2); }',
    ['stdin:1:17-18: ERROR: syntax error, unexpected ,', 'BEGIN { @x = (1,,2); }', '                ~'],
  ],
  [
    'for over something that is neither a map nor a range',
    'BEGIN { for ($x : count) { } }',
    [
      'stdin:1:19-24: ERROR: for loops iterate over a map or a range',
      'BEGIN { for ($x : count) { } }',
      '                  ~~~~~',
      'HINT: write for ($kv : @map) { … } or for ($i : 0..10) { … }',
    ],
  ],
  [
    'an array of arrays',
    'BEGIN { @x = (int8[8][2])1; }',
    [
      'stdin:1:22-25: ERROR: arrays of arrays are not supported',
      'BEGIN { @x = (int8[8][2])1; }',
      '                     ~~~',
    ],
  ],
  [
    'a config block after a probe',
    'BEGIN { } config = { a = 1 }',
    [
      'stdin:1:11-17: ERROR: the config block must come before the probes',
      'BEGIN { } config = { a = 1 }',
      '          ~~~~~~',
      'HINT: move `config = { … }` to the top of the program',
    ],
  ],
  [
    'a #define after a probe (bpftrace v0.26: the C definitions come first)',
    'BEGIN { }\n#define FOO 1',
    [
      'stdin:2:1-14: ERROR: C definitions must appear before probes and functions',
      '#define FOO 1',
      '~~~~~~~~~~~~~',
      'HINT: move #include, #define and struct/union/enum definitions to the top of the script',
    ],
  ],
  [
    'a struct definition after a probe',
    'BEGIN { } struct Foo { int x; } END { }',
    [
      'stdin:1:11-32: ERROR: C definitions must appear before probes and functions',
      'BEGIN { } struct Foo { int x; } END { }',
      '          ~~~~~~~~~~~~~~~~~~~~~',
      'HINT: move #include, #define and struct/union/enum definitions to the top of the script',
    ],
  ],
];

for (const [what, source, expected] of cases) {
  test(what, () => {
    assert.fixture(errors(source), expected.join('\n') + '\n');
  });
}

test('one error per broken probe, and the probes after it are still checked', () => {
  assert.fixture(
    errors('BEGIN { @x = 1 +; }\nEND { @y = ; }\nkprobe:f { @z = 1; }\ninterval:s:1 { @w = 08 }'),
    [
      'stdin:1:16-18: ERROR: syntax error, unexpected ;',
      'BEGIN { @x = 1 +; }',
      '               ~~',
      'stdin:2:12-13: ERROR: syntax error, unexpected ;',
      'END { @y = ; }',
      '           ~',
      "stdin:4:21-23: ERROR: invalid digit '8' in octal literal '08'",
      'interval:s:1 { @w = 08 }',
      '                    ~~',
      '',
    ].join('\n'),
  );
});

test('errors name the file they are in, with line and column', () => {
  assert.fixture(
    errors('// count\nkprobe:vfs_read {\n  @bytes = sum(arg2\n}\n', 'read.bt'),
    ['read.bt:4:1-2: ERROR: syntax error, unexpected }, expecting )', '}', '~', ''].join('\n'),
  );
});

test('an unexpected token keeps its spelling for keywords and punctuation', () => {
  assert.match(errors('BEGIN { @x = while; }'), 'unexpected while');
  assert.match(errors('BEGIN { @x = ]; }'), 'unexpected ]');
  assert.match(errors('BEGIN { @x = $1 $2; }'), 'unexpected positional parameter');
  assert.match(errors('BEGIN { @x = 1 "a"; }'), 'unexpected string');
  assert.match(errors('BEGIN { @x = 1 $y; }'), 'unexpected variable');
});

test.run();
