// A script's C part through the whole front end (parse → lang/c → check), root-free, against the fixed kernel
// (no kernel BTF: the script's types stand alone). Pinned behaviour is bpftrace v0.26's: the C definitions
// come first; object-like macros and enumerators are values in probes, a macro's value parsed as one
// expression (`#define X 1 + 2`: `X * 2` is 6; bpftrace 0.17 pasted text and printed 5); sizes and offsets
// are gcc's (test/lang/c/layout-gcc.test.ts compares the layout code with gcc itself).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import type { Expr } from '../../lang/ast.ts';
import { check } from '../../lang/check/index.ts';
import { scriptC } from '../../lang/c/script-c.ts';
import { renderDiagnostics } from '../../lang/diagnostics.ts';
import { parse } from '../../lang/parse.ts';
import { sourceFile } from '../../lang/source.ts';
import { includeResolver } from '../../runtime/include-files.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const dir = mkdtempSync(join(tmpdir(), 'scry-script-c-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const resolveInclude = includeResolver({ includeDirs: [dir], systemDirs: [], currentDir: dir });

/** Checks `text`; the values assigned to maps in its first probe, as s-expressions, or the diagnostics. */
function values(text: string, includeFiles: string[] = []): string[] | string {
  const file = sourceFile('t.bt', text);
  const parsed = parse(file);
  const c = scriptC(file, parsed.definitionsEnd, { base: undefined, resolveInclude, includeFiles });
  if (!parsed.program || c.diagnostics.length || parsed.diagnostics.length)
    return renderDiagnostics([...c.diagnostics, ...parsed.diagnostics]);
  const checked = check(parsed.program, fixedKernel, { c });
  if (!checked.program) return renderDiagnostics(checked.diagnostics);
  const { constants } = checked.program;
  const sx = (e: Expr): string => {
    const known = constants.get(e);
    if (known !== undefined) return known.toString();
    switch (e.kind) {
      case 'int':
        return e.value.toString();
      case 'string':
        return JSON.stringify(e.value);
      case 'binary':
        return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
      case 'ident':
        return e.name;
      default:
        return e.kind;
    }
  };
  return checked.program.ast.probes[0]!.body.statements.map((s) => (s.kind === 'assign' ? sx(s.value) : s.kind));
}

/** Every diagnostic compileSource gives, rendered. */
function diagnose(text: string, includeFiles: string[] = []): string {
  return renderDiagnostics(
    compileSource(text, fixedKernel, { name: 't.bt', resolveInclude, includeFiles }).diagnostics,
  );
}

test('a header of comments and a shebang is no C part (compiler/pipeline.ts reads no kernel types for it)', () => {
  const header = '#!/usr/bin/env scry\n// what this tool shows\n/* the usage */\n\n';
  for (const text of [`${header}BEGIN { exit(); }`, '  BEGIN { exit(); }', 'BEGIN { exit(); }']) {
    assert.is(parse(sourceFile('t.bt', text)).definitionsEnd, 0, text);
    assert.ok(compileSource(text, fixedKernel, { name: 't.bt' }).program, text);
  }
  // a definition or a directive is one, ending where the probes begin
  for (const c of ['struct S { int a; };\n', '#define N 3\n']) {
    const text = `${header}${c}BEGIN { exit(); }`;
    assert.is(parse(sourceFile('t.bt', text)).definitionsEnd, text.indexOf('BEGIN'), c);
    assert.ok(compileSource(text, fixedKernel, { name: 't.bt' }).program, c);
  }
});

test('struct, union and enum definitions before the probes: sizeof and offsetof as gcc lays them out', () => {
  const text = `#!/usr/bin/env bpftrace
// a comment
struct Inner { short a; char tag[3]; };
struct Foo {
  int m;
  unsigned int lo : 4, mid : 8, hi : 20;
  long grid[2][3];
  struct Inner in;
  union { int i; char c[6]; } u;
  struct { char x; long y; };
  int *ptrs[2];
} __attribute__((aligned(16)))
union U { char c; long l; }
enum E { A, B = 10, C } __attribute__((packed));
BEGIN {
  @a = sizeof(struct Foo); @b = offsetof(struct Foo, grid); @c = offsetof(struct Foo, in);
  @d = offsetof(struct Foo, u); @e = offsetof(struct Foo, y); @f = offsetof(struct Foo, ptrs);
  @g = sizeof(union U); @h = sizeof(enum E); @i = sizeof(struct Inner);
}`;
  // gcc -O0 on the same declarations prints: 112 8 56 64 80 88 8 1 6
  assert.equal(values(text), ['112', '8', '56', '64', '80', '88', '8', '1', '6']);
});

test('#define constants and enumerators are values in probes; a macro is one expression', () => {
  const text = `#define N 4
#define X 1 + 2
#define NAME "scry"
#define TWICE(x) ((x) * 2)
#define SIX TWICE(3)
#if N > 3 && defined(X)
#define BIG 1
#else
#define BIG 0
#endif
enum color { RED, GREEN = 5, BLUE };
enum { ANON = 7 };
struct S { char buf[N]; };
BEGIN { @a = N; @b = X * 2; @c = NAME; @d = SIX; @e = BIG; @f = BLUE; @g = ANON + RED; @h = sizeof(struct S); @i = __x86_64__; @j = BPFTRACE_HAVE_BTF; }`;
  // (X * 2 is 6, not 1 + 2 * 2: the macro is one expression; literals fold)
  assert.equal(values(text), ['4', '6', '"scry"', '6', '1', '6', '(+ 7 0)', '4', '1', '1']);
});

test('builtins keep their meaning; a function-like macro is no value; an unknown name stays unknown', () => {
  assert.equal(values('#define pid 5\nBEGIN { @a = pid; }'), ['pid']); // the builtin, not the macro
  assert.is(
    diagnose('#define F(x) x\nBEGIN { @a = F; @b = NOPE; }'),
    [
      "t.bt:2:14-15: ERROR: unknown identifier 'F'",
      'BEGIN { @a = F; @b = NOPE; }',
      '             ~',
      "t.bt:2:22-26: ERROR: unknown identifier 'NOPE'",
      'BEGIN { @a = F; @b = NOPE; }',
      '                     ~~~~',
      '',
    ].join('\n'),
  );
});

test('a macro whose value is no expression is an error at its use', () => {
  assert.is(
    diagnose('#define BAD 1 +\nBEGIN { @a = BAD; }'),
    [
      "t.bt:2:14-17: ERROR: the macro BAD stands for '1 +', which is not an expression",
      'BEGIN { @a = BAD; }',
      '             ~~~',
      'HINT: a macro used in a probe must expand to one expression, e.g. #define LIMIT (1 << 10)',
      '',
    ].join('\n'),
  );
});

test('#include of a header: its macros, typedefs and structs; --include; mistakes in it name the #include', () => {
  writeFileSync(
    join(dir, 'pair.h'),
    '#pragma once\n#define MAGIC (40 + 2)\ntypedef struct { long a; short b; } pair_t;\nstruct Box { pair_t p; int tail; };\n',
  );
  writeFileSync(join(dir, 'outer.h'), '\n#include "gone.h"\n');
  assert.equal(
    values(
      '#include "pair.h"\n#include <pair.h>\nBEGIN { @a = MAGIC; @b = sizeof(pair_t); @c = offsetof(struct Box, tail); }',
    ),
    ['42', '16', '16'],
  );
  assert.equal(values('BEGIN { @a = sizeof(struct Box); }', ['pair.h']), ['24']);
  // what a header declares but scry cannot parse is skipped quietly (headers hold much scry needs not);
  // a preprocessor error in one says which #include led there
  assert.is(
    diagnose('#include "outer.h"\nBEGIN { }'),
    [
      `${join(dir, 'outer.h')}:2:1-18: ERROR: cannot find header "gone.h"`,
      '#include "gone.h"',
      '~~~~~~~~~~~~~~~~~',
      't.bt:1:1-19: NOTE: in the file included from here',
      '#include "outer.h"',
      '~~~~~~~~~~~~~~~~~~',
      `HINT: looked for it in: ${join(dir, 'gone.h')}`,
      'HINT: add the directory that holds it with -I DIR',
      '',
    ].join('\n'),
  );
});

test("a malformed #include is the preprocessor's error (it was the parser's before the C part was wired in)", () => {
  assert.is(
    diagnose('#include linux/sched.h\nBEGIN { }'),
    [
      't.bt:1:1-23: ERROR: #include expects "FILE" or <FILE>',
      '#include linux/sched.h',
      '~~~~~~~~~~~~~~~~~~~~~~',
      'HINT: write #include <linux/types.h> or #include "file.h"',
      '',
    ].join('\n'),
  );
});

test('a missing header is an error naming every path tried', () => {
  assert.is(
    diagnose('#include <nosuch/x.h>\nBEGIN { }'),
    [
      't.bt:1:1-22: ERROR: cannot find header <nosuch/x.h>',
      '#include <nosuch/x.h>',
      '~~~~~~~~~~~~~~~~~~~~~',
      `HINT: looked for it in: ${join(dir, 'nosuch/x.h')}`,
      'HINT: install the header, or add its directory with -I DIR',
      '',
    ].join('\n'),
  );
});

test("the C part keeps the probes' lines and columns; C after a probe is refused", () => {
  assert.is(
    diagnose('struct A {\n  int x;\n};\n#define N 1\nBEGIN { @a = nope; }'),
    ["t.bt:5:14-18: ERROR: unknown identifier 'nope'", 'BEGIN { @a = nope; }', '             ~~~~', ''].join('\n'),
  );
  assert.match(
    diagnose('BEGIN { }\nenum E { A };'),
    /^t\.bt:2:1-\d+: ERROR: C definitions must appear before probes and functions\n/,
  );
});

test('mistakes in a script struct are reported where they are', () => {
  assert.is(
    diagnose('struct A { int x; struct Nope n; };\nBEGIN { }'),
    diagnose('struct A { int x; struct Nope n; };\nBEGIN { }'), // deterministic
  );
  assert.match(diagnose('struct A { int x; struct Nope n; };\nBEGIN { }'), /^t\.bt:1:\d+-\d+: ERROR: .*Nope/);
});

// bpftrace v0.26 type_checker enum_casts: a literal no enumerator has is refused; a computed value cannot be known
test('(enum E)N of a literal N that no enumerator of E has is refused', () => {
  const diagnose = (text: string) => renderDiagnostics(compileSource(text, fixedKernel).diagnostics);
  assert.is(diagnose('enum named { a = 1, b } BEGIN { print((enum named)1); $x = 3; print((enum named)$x); }'), '');
  assert.is(
    diagnose('enum named { a = 1, b } BEGIN { print((enum named)3); }'),
    "stdin:1:39-52: ERROR: Enum: named doesn't contain a variant value of 3\n" +
      'enum named { a = 1, b } BEGIN { print((enum named)3); }\n' +
      '                                      ~~~~~~~~~~~~~\n' +
      'HINT: its values: a = 1, b = 2\n',
  );
});

test.run();
