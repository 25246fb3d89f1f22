// scry's C preprocessor, root-free: each directive, the output layout, the source map, and every mistake a
// user can make, with the exact rendered message (file:line:col, the line, the underline, hints).
// Headers come from an in-memory resolver here; test/runtime/include-files.test.ts covers the file side.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preprocess, macroBodyText, type IncludeResolver, type PreprocessOptions } from '../../../lang/c/preprocess.ts';
import { evaluateCondition, parseCharConstant, parseIntegerConstant } from '../../../lang/c/cexpr.ts';
import { lexFile } from '../../../lang/c/preprocess-lexer.ts';
import { renderDiagnostics } from '../../../lang/diagnostics.ts';
import { lineCol, sourceFile } from '../../../lang/source.ts';

/** Headers by name, found in "/inc" (angled or quoted), with the list of tried paths when missing. */
function memoryHeaders(headers: Record<string, string>): IncludeResolver {
  return (name, _angled, _from) => {
    const path = `/inc/${name}`;
    return path in headers || name in headers
      ? { path, text: headers[name] ?? headers[path]! }
      : { tried: [`/here/${name}`, path] };
  };
}

function pp(text: string, options: PreprocessOptions = {}) {
  const r = preprocess(sourceFile('t.bt', text), options);
  return { ...r, rendered: renderDiagnostics(r.diagnostics) };
}

/** Output tokens, whitespace-normalised. */
const toks = (text: string) =>
  lexFile(sourceFile('', text))
    .tokens.map((t) => t.text)
    .join(' ');

test('directive lines become empty lines: code keeps its line numbers and indentation', () => {
  const r = pp('#define N 3\n#if N > 2\n  int a = N;\n#endif\n\tint b;\n');
  assert.equal(r.text, '\n\n  int a = 3;\n\n\tint b;\n');
  assert.equal(r.rendered, '');
});

test('object-like and function-like macros, # and ##, __VA_ARGS__, nested calls', () => {
  const r = pp(
    [
      '#define N 3',
      '#define SQ(x) ((x) * (x))',
      '#define STR(x) #x',
      '#define CAT(a, b) a ## b',
      '#define LOG(fmt, ...) printf(fmt, ##__VA_ARGS__)',
      'SQ(SQ(N)) STR(a "b" c) CAT(x, N) LOG("a") LOG("b", 1, 2)',
    ].join('\n'),
  );
  assert.equal(toks(r.text), toks('((((3) * (3))) * (((3) * (3)))) "a \\"b\\" c" xN printf("a") printf("b", 1, 2)'));
});

test('a macro call may span lines; the tokens after it stay on their lines', () => {
  const r = pp('#define F(a, b) a + b\nint x = F(1,\n  2);\nint y;\n');
  assert.equal(r.text, '\nint x = 1 + 2\n;\nint y;\n');
});

test('conditionals: defined, #elif chains, nesting, skipped groups are not checked', () => {
  const r = pp(
    [
      '#define A 1',
      '#if defined A && !defined(B)',
      'one',
      '#elif 1',
      'two',
      '#endif',
      '#ifndef A',
      '#error skipped, never reported',
      '#bogus directive in a skipped group',
      '#elif A == 1',
      '# if 0',
      'three',
      '# else',
      'four',
      '# endif',
      '#else',
      'five',
      '#endif',
      "#if 0\ndon't care\n#endif",
    ].join('\n'),
  );
  assert.equal(toks(r.text), 'one four');
  assert.equal(r.rendered, '');
});

test('#if arithmetic: unsigned promotion, shifts, ternary, char constants, suffixes, unknown names are 0', () => {
  const yes = (expr: string) => {
    const r = pp(`#if ${expr}\nyes\n#else\nno\n#endif\n`);
    assert.equal(r.rendered, '', expr);
    return toks(r.text);
  };
  for (const e of [
    '-1 > 0u',
    '-1 < 0',
    '0xffffffffffffffff == -1',
    '(1 << 63) < 0',
    '(1u << 63) > 0',
    '1 ? 2 : 1/0',
    '1 || 1/0',
    "'a' == 97",
    "'\\n' == 10",
    "'\\xff' == -1",
    "'ab' == 24930",
    'UNDEFINED == 0',
    'true == 0',
    '10 / 3 == 3 && -7 / 2 == -3 && -7 % 2 == -1',
    '~0u == 18446744073709551615u',
    '(2 > 1) + (2 < 1) == 1',
    '0b101 == 5 && 017 == 15',
    '1 ? -1 : 0u',
    '18446744073709551615 == -1',
  ])
    assert.equal(yes(e), 'yes', e);
  for (const e of ['0', '1 - 1', '(-1 >> 63) + 1', 'defined N', '0 && 1/0']) assert.equal(yes(e), 'no', e);
});

test('cexpr: integer and character constants', () => {
  assert.equal(parseIntegerConstant('42'), { value: 42n, unsigned: false });
  assert.equal(parseIntegerConstant('42ULL'), { value: 42n, unsigned: true });
  assert.equal(parseIntegerConstant('0x8000000000000000'), { value: 1n << 63n, unsigned: true });
  assert.equal(parseIntegerConstant('1lL'), 'invalid suffix "lL" on integer constant 1lL');
  assert.equal(parseIntegerConstant('1.0'), 'floating constant in preprocessor expression');
  assert.equal(
    parseIntegerConstant('99999999999999999999'),
    'integer constant 99999999999999999999 is too large for its type',
  );
  assert.equal(parseCharConstant("'\\0'"), { value: 0n, unsigned: false });
  assert.equal(parseCharConstant("L'\\xff'"), { value: 255n, unsigned: false });
  assert.equal(parseCharConstant("''"), 'empty character constant');
  assert.equal(evaluateCondition([]), { message: '#if with no expression', hint: 'write a condition, e.g. #if N > 2' });
});

test('#include "…" and <…>, include guards, #pragma once, and the lines of the includer', () => {
  const headers = {
    'g.h': '#ifndef G_H\n#define G_H\nint g;\n#endif\n',
    'o.h': '#pragma once\nint o;\n',
    'n.h': '#include "o.h"\n#define FROM_N 1\n',
  };
  const r = pp('#include "g.h"\n#include <g.h>\n#include "o.h"\n#include "o.h"\n#include <n.h>\nint x = FROM_N;\n', {
    resolveInclude: memoryHeaders(headers),
  });
  assert.equal(r.rendered, '');
  assert.equal(toks(r.text), 'int g ; int o ; int x = 1 ;');
  assert.equal(
    r.files.map((f) => f.name),
    ['t.bt', '/inc/g.h', '/inc/o.h', '/inc/n.h'],
  );
});

test('#include of a macro that names a header; __has_include', () => {
  const r = pp('#define H <a.h>\n#include H\n#if __has_include(<a.h>) && !__has_include("nope.h")\nok\n#endif\n', {
    resolveInclude: memoryHeaders({ 'a.h': 'int a;\n' }),
  });
  assert.equal(r.rendered, '');
  assert.equal(toks(r.text), 'int a ; ok');
});

test('defines and --include files come before the main file', () => {
  const r = pp('int a = N + F(2) + FROM_INC;\n', {
    defines: { N: '3', 'F(x)': '(x * 10)' },
    includeFiles: ['pre.h'],
    resolveInclude: memoryHeaders({ 'pre.h': '#define FROM_INC 7\n' }),
  });
  assert.equal(r.rendered, '');
  assert.equal(toks(r.text), toks('int a = 3 + (2 * 10) + 7;'));
  assert.equal(macroBodyText(r.macros.get('FROM_INC')!), '7');
});

test('__FILE__, __LINE__ (the line of the use), __COUNTER__, _Pragma dropped, a shebang line skipped', () => {
  const r = pp('#!/usr/bin/env bpftrace\n#define L __LINE__\nL __FILE__\n__COUNTER__ __COUNTER__ _Pragma("once") x\n');
  assert.equal(r.rendered, '');
  assert.equal(r.text, '\n\n3 "t.bt"\n0 1 x\n');
});

test("range: only the script's C definitions are preprocessed, offsets stay the file's", () => {
  const text = '#define N 3\nstruct S { int a[N]; };\nBEGIN { print(N); }\n';
  const end = text.indexOf('BEGIN');
  const r = pp(text, { range: { start: 0, end } });
  assert.equal(r.text, '\nstruct S { int a[3]; };\n');
  const o = r.originOf(r.text.indexOf('3'))!;
  assert.equal([o.offset, o.expanded], [text.indexOf('N]'), true]);
});

test('source map: copied tokens map char by char, expansions to the macro use, headers to their file', () => {
  const main = '#define TWO (1 + 1)\n#include "h.h"\nint x = TWO; int y;\n';
  const r = pp(main, { resolveInclude: memoryHeaders({ 'h.h': '\nint in_header;\n' }) });
  const at = (needle: string, k = 0) => {
    const o = r.originOf(r.text.indexOf(needle) + k)!;
    const { line, col } = lineCol(o.file, o.offset);
    return `${o.file.name}:${line}:${col}${o.expanded ? ' (expanded)' : ''}`;
  };
  assert.equal(at('in_header', 3), '/inc/h.h:2:8');
  assert.equal(at('int x'), 't.bt:3:1');
  assert.equal(at('(1 + 1)', 3), 't.bt:3:9 (expanded)');
  assert.equal(at('int y', 4), 't.bt:3:18');
  assert.equal(r.originOf(0), undefined); // before the first token: nothing
  const s = r.map.spanOf(r.text.indexOf('(1 + 1)'), r.text.indexOf('(1 + 1)') + 7)!;
  assert.equal(main.slice(s.start, s.end), 'TWO');
});

test('errors: a missing header names every path tried', () => {
  const r = pp('\n#include <missing.h>\n', { resolveInclude: memoryHeaders({}) });
  assert.equal(
    r.rendered,
    `t.bt:2:1-21: ERROR: cannot find header <missing.h>
#include <missing.h>
~~~~~~~~~~~~~~~~~~~~
HINT: looked for it in: /here/missing.h, /inc/missing.h
HINT: install the header, or add its directory with -I DIR
`,
  );
  const q = pp('#include "mine.h"\n', {
    resolveInclude: () => ({ tried: ['/a/mine.h'], problems: ['/a/mine.h is not a regular file'] }),
  });
  assert.equal(
    q.rendered,
    `t.bt:1:1-18: ERROR: cannot find header "mine.h"
#include "mine.h"
~~~~~~~~~~~~~~~~~
HINT: looked for it in: /a/mine.h
HINT: /a/mine.h is not a regular file
HINT: add the directory that holds it with -I DIR
`,
  );
});

test('errors: malformed #include, include depth bounded with a located error', () => {
  assert.equal(
    pp('#include\n').rendered,
    `t.bt:1:1-9: ERROR: #include expects "FILE" or <FILE>
#include
~~~~~~~~
HINT: write #include <linux/types.h> or #include "file.h"
`,
  );
  const r = pp('#include "self.h"\n', {
    resolveInclude: memoryHeaders({ 'self.h': 'x\n#include "self.h"\n' }),
    maxIncludeDepth: 3,
  });
  assert.equal(
    r.rendered,
    `/inc/self.h:2:1-18: ERROR: #include nested more than 3 levels deep (at "self.h")
#include "self.h"
~~~~~~~~~~~~~~~~~
/inc/self.h:2:1-18: NOTE: in the file included from here
#include "self.h"
~~~~~~~~~~~~~~~~~
/inc/self.h:2:1-18: NOTE: in the file included from here
#include "self.h"
~~~~~~~~~~~~~~~~~
t.bt:1:1-18: NOTE: in the file included from here
#include "self.h"
~~~~~~~~~~~~~~~~~
HINT: a header probably includes itself: guard it with #pragma once or #ifndef/#define/#endif
`,
  );
  assert.equal(toks(r.text), 'x x x');
});

test('errors: #error and #warning, with the text as written', () => {
  assert.equal(
    pp('#warning careful now\n#if 1\n#error no "BTF" here\n#endif\n').rendered,
    `t.bt:1:1-21: WARNING: #warning careful now
#warning careful now
~~~~~~~~~~~~~~~~~~~~
t.bt:3:1-21: ERROR: #error no "BTF" here
#error no "BTF" here
~~~~~~~~~~~~~~~~~~~~
`,
  );
});

test('errors: conditionals out of order, unterminated', () => {
  assert.equal(
    pp('#if 1\n#else\n#else\n#endif\n#endif\n#elif 1\n#ifdef X\n').rendered,
    `t.bt:3:1-6: ERROR: #else after #else
#else
~~~~~
HINT: a conditional has at most one #else; did you miss an #endif?
t.bt:5:1-7: ERROR: #endif without #if
#endif
~~~~~~
HINT: remove this line, or add the #if it closes
t.bt:6:1-8: ERROR: #elif without #if
#elif 1
~~~~~~~
HINT: start the conditional with #if, or remove this line
t.bt:7:1-7: ERROR: unterminated #ifdef
#ifdef X
~~~~~~
HINT: add #endif before the end of t.bt
`,
  );
});

test('errors: bad #if expressions point at the token', () => {
  assert.equal(
    pp('#if 1 +\n#endif\n#if N / 0\n#endif\n#if "s"\n#endif\n#if 2 3\n#endif\n#if 1.5\n#endif\n#if defined(\n#endif\n')
      .rendered,
    `t.bt:1:1-8: ERROR: #if expression ends too early
#if 1 +
~~~~~~~
HINT: complete the expression after the last operator
t.bt:3:7-8: ERROR: division by zero in #if
#if N / 0
      ~
t.bt:5:5-8: ERROR: a string ("s") is not valid in a #if expression
#if "s"
    ~~~
HINT: compare integers; strings cannot be compared by the preprocessor
t.bt:7:7-8: ERROR: missing binary operator before '3'
#if 2 3
      ~
t.bt:9:5-8: ERROR: floating constant in preprocessor expression
#if 1.5
    ~~~
t.bt:11:5-12: ERROR: operator "defined" requires an identifier
#if defined(
    ~~~~~~~
HINT: write defined(NAME) or defined NAME
`,
  );
});

test('errors: an error inside a macro used in #if points at the macro use', () => {
  assert.equal(
    pp('#define D (1 / 0)\n#if D\n#endif\n').rendered,
    `t.bt:2:5-6: ERROR: division by zero in #if
#if D
    ~
`,
  );
});

test('errors: bad #define lines, redefinition, #undef, unknown directives', () => {
  assert.equal(
    pp(
      '#define 3 x\n#define F(a,a) a\n#define G(a) #b\n#define X ## y\n#define N 1\n#define N 2\n#define N 2\n#undef\n#foo bar\n#define\n',
    ).rendered,
    `t.bt:1:9-10: ERROR: macro names must be identifiers, not '3'
#define 3 x
        ~
HINT: write #define NAME value
t.bt:2:13-14: ERROR: duplicate macro parameter "a"
#define F(a,a) a
            ~
t.bt:3:14-15: ERROR: '#' is not followed by a macro parameter
#define G(a) #b
             ~
HINT: # makes a string of an argument: #a
t.bt:4:11-13: ERROR: '##' cannot appear at either end of a macro expansion
#define X ## y
          ~~
HINT: put a token on both sides of ##
t.bt:6:9-10: WARNING: "N" redefined
#define N 2
        ~
t.bt:5:9-10: NOTE: the previous definition
#define N 1
        ~
t.bt:8:1-7: ERROR: #undef needs a macro name
#undef
~~~~~~
HINT: write #undef NAME
t.bt:9:1-9: ERROR: invalid preprocessing directive #foo
#foo bar
~~~~~~~~
HINT: directives are #define, #undef, #include, #if, #ifdef, #ifndef, #elif, #else, #endif, #error, #warning, #pragma, #line
t.bt:10:1-8: ERROR: #define needs a macro name
#define
~~~~~~~
HINT: write #define NAME value
`,
  );
});

test('errors: macro calls with the wrong number of arguments or no closing parenthesis', () => {
  assert.equal(
    pp('#define F(a, b) a + b\nint x = F(1);\nint y = F(1, 2, 3);\nint z = F(1,\n').rendered,
    `t.bt:2:9-10: ERROR: macro "F" requires 2 arguments, but only 1 given
int x = F(1);
        ~
HINT: F is defined as F(a, b) a + b
t.bt:3:9-10: ERROR: macro "F" passed 3 arguments, but takes just 2
int y = F(1, 2, 3);
        ~
HINT: F is defined as F(a, b) a + b
t.bt:4:9-10: ERROR: unterminated argument list invoking macro "F"
int z = F(1,
        ~
HINT: close the macro's argument list with ')'
`,
  );
});

test('errors: pasting that makes no token; an unterminated comment', () => {
  assert.equal(
    pp('#define P(a, b) a ## b\nP(+, /)\nint x; /* open\n').rendered,
    `t.bt:2:1-2: ERROR: pasting "+" and "/" does not give a valid preprocessing token
P(+, /)
~
HINT: ## must make one token, such as a name or a number
t.bt:3:8-10: ERROR: unterminated comment
int x; /* open
       ~~
HINT: close it with */
`,
  );
});

test('errors: an expansion that explodes stops with an error instead of exhausting memory', () => {
  const defs = Array.from({ length: 30 }, (_, i) => `#define M${i} M${i + 1} M${i + 1}`).join('\n');
  const r = pp(`${defs}\nint x = M0;\n`);
  assert.equal(
    r.rendered,
    `t.bt:31:9-11: ERROR: macro expansion makes more than 500000 tokens
int x = M0;
        ~~
HINT: a macro probably uses another several times, recursively; simplify the definitions
`,
  );
});

test('errors in a header say which #include led there', () => {
  const r = pp('\n#include "bad.h"\n', { resolveInclude: memoryHeaders({ 'bad.h': '#if\n#endif\n' }) });
  assert.equal(
    r.rendered,
    `/inc/bad.h:1:1-4: ERROR: #if with no expression
#if
~~~
t.bt:2:1-17: NOTE: in the file included from here
#include "bad.h"
~~~~~~~~~~~~~~~~
HINT: write a condition, e.g. #if N > 2
`,
  );
});

test.run();
