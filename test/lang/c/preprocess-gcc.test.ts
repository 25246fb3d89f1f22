// Differential tests: scry's preprocessor against gcc's (`gcc -E -P -x c`) on the same inputs, compared as
// token sequences (whitespace differs by design), and on real system headers by the macros they define
// (`gcc -dM -E`). Both sides start from gcc's own predefined macros, so only the engines are compared.
// Gated on gcc being installed (a SKIP line otherwise).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preprocess, macroBodyText } from '../../../lang/c/preprocess.ts';
import { lexFile } from '../../../lang/c/preprocess-lexer.ts';
import { renderDiagnostics } from '../../../lang/diagnostics.ts';
import { sourceFile } from '../../../lang/source.ts';
import { includeResolver, systemIncludeDirs } from '../../../runtime/include-files.ts';

function haveGcc(): boolean {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    process.stderr.write('SKIP preprocess-gcc: gcc is not installed\n');
    return false;
  }
}

if (haveGcc()) {
  const dir = mkdtempSync(path.join(tmpdir(), 'scry-pp-'));
  /** gcc's predefined macros, given to scry as -D, so both preprocessors start alike */
  const gccPredefined: Record<string, string> = {};
  for (const line of execFileSync('gcc', ['-dM', '-E', '-x', 'c', '/dev/null'], { encoding: 'utf8' }).split('\n')) {
    const m = /^#define (\S+) ?(.*)$/.exec(line);
    if (m) gccPredefined[m[1]!] = m[2]!;
  }

  const tokens = (text: string) => lexFile(sourceFile('', text)).tokens.map((t) => t.text);

  function gccE(file: string, includeDirs: string[] = []): string {
    return execFileSync('gcc', ['-E', '-P', '-x', 'c', ...includeDirs.flatMap((d) => ['-I', d]), file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  function scryE(file: string, text: string, includeDirs: string[] = []) {
    return preprocess(sourceFile(file, text), {
      defines: gccPredefined,
      resolveInclude: includeResolver({ includeDirs, systemDirs: systemIncludeDirs() }),
    });
  }

  let n = 0;
  function same(name: string, text: string, extra: Record<string, string> = {}, includeDirs: string[] = []) {
    test(`same tokens as gcc -E: ${name}`, () => {
      const sub = path.join(dir, `case${n++}`);
      mkdirSync(sub);
      for (const [f, t] of Object.entries(extra)) {
        mkdirSync(path.dirname(path.join(sub, f)), { recursive: true });
        writeFileSync(path.join(sub, f), t);
      }
      const main = path.join(sub, 'main.c');
      writeFileSync(main, text);
      const dirs = includeDirs.map((d) => path.join(sub, d));
      const ours = scryE(main, text, dirs);
      assert.equal(renderDiagnostics(ours.diagnostics), '');
      assert.equal(tokens(ours.text), tokens(gccE(main, dirs)));
    });
  }

  same(
    'object-like macros, rescanning, self-reference',
    `#define N 3
#define M (N * 2)
#define SELF SELF + 1
#define A B
#define B A
int x = M; int y = SELF; int a = A; int b = B;
#undef N
int z = M;
`,
  );
  same(
    'function-like macros nested in arguments and bodies',
    `#define SQ(x) ((x) * (x))
#define ADD(a, b) ((a) + (b))
#define APPLY(f, v) f(v)
#define NOARGS() 42
int a = SQ(ADD(1, 2)); int b = APPLY(SQ, 3); int c = NOARGS(); int d = SQ (4);
int e = SQ; int f = ADD((1, 2), [3]);
#define f(x) x g
#define g(y) [y]
int h = f(1)(2);
`,
  );
  // The C11 standard's own example of rescanning (6.10.3.5 EXAMPLE 3), slightly trimmed.
  same(
    'the standard example of rescanning',
    `#define x 3
#define f(a) f(x * (a))
#undef x
#define x 2
#define g f
#define z z[0]
#define h g(~
#define m(a) a(w)
#define w 0,1
#define t(a) a
#define p() int
#define q(x) x
#define r(x,y) x ## y
f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
g(x+(3,4)-w) | h 5) & m
(f)^m(m);
p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
`,
  );
  same(
    'stringize and paste',
    `#define S(x) #x
#define XS(x) S(x)
#define CAT(a, b) a ## b
#define XCAT(a, b) CAT(a, b)
#define V 7
char *s1 = S(a  +   b), *s2 = S("q\\n" 'c'), *s3 = XS(V), *s4 = S(V);
int CAT(var, 1) = CAT(0x, 1f) + XCAT(V, V) + CAT(, 2) + CAT(3, );
int u = CAT(<, <) 1;
`,
  );
  same(
    'variadic macros and the GNU comma',
    `#define P(fmt, ...) printf(fmt, __VA_ARGS__)
#define Q(fmt, ...) printf(fmt, ##__VA_ARGS__)
#define N(args...) f(args)
#define COUNT(...) g(__VA_ARGS__)
P("a", 1, 2); Q("b"); Q("c", 3); N(1, 2); COUNT(); COUNT(x, (y, z));
`,
  );
  same(
    'conditionals with integer expressions',
    `#define V 5
#if V > 3 && defined(V) && !defined UNDEF
ok1
#endif
#if -1 > 0u
ok2_unsigned
#else
bad2
#endif
#if (1 ? 2 : (1/0)) == 2 && 'A' == 65 && '\\377' < 0 && 0x10 == 16 && 010 == 8
ok3
#endif
#if UNDEFINED_NAME == 0 && (3 << 2) == 12 && (-8 >> 1) == -4 && (7 % 3) == 1 && ~0 == -1
ok4
#elif 1
bad4
#endif
#ifdef V
# if V == 4
bad5
# elif V == 5
ok5
# else
bad5b
# endif
#endif
#if 0
#error not here
#garbage directive
don't care
#endif
#if 18446744073709551615u == -1 && 1 == 1L && 2ULL > 1
ok6
#endif
#ifndef V
bad7
#else
ok7
#endif
`,
  );
  same(
    'includes: quoted relative to the includer, then -I; guards and #pragma once',
    `#include "a.h"
#include "a.h"
#include <b.h>
#include <b.h>
#include "sub/c.h"
#define HDR "a.h"
#include HDR
int main_end = A + B + C;
`,
    {
      'a.h': '#ifndef A_H\n#define A_H\n#define A 1\nint in_a;\n#endif\n',
      'inc/b.h': '#pragma once\n#define B 2\nint in_b;\n',
      'sub/c.h': '#include "d.h"\n#define C D\n',
      'sub/d.h': '#define D 4\nint in_d;\n',
    },
    ['inc'],
  );
  // More of the standard's examples (6.10.3.5), stringizing corner cases, avoiding accidental pastes.
  same(
    'the standard examples of # and ##, variadic macros, redefinition, spacing',
    `#define EMPTY
#define f(x) [x]
#define str(s) # s
#define xstr(s) str(s)
#define INCFILE(n) vers ## n
#define glue(a, b) a ## b
#define xglue(a, b) glue(a, b)
#define HIGHLOW "hello"
#define LOW LOW ", world"
f
(1) f EMPTY (2) f
EMPTY # define X 1
str( strncmp("abc\\0d", "abc", '\\4') // this goes away
 == 0) str(  a   /* c */  b  ) str() str(@) str('"') str("\\\\" "\\n")
xstr(INCFILE(2).h) glue(HIGH, LOW); xglue(HIGH, LOW)
#define hash_hash # ## #
#define mkstr(a) # a
#define in_between(a) mkstr(a)
#define join(c, d) in_between(c hash_hash d)
char p[] = join(x, y);
#define t(x,y,z) x ## y ## z
int j[] = { t(1,2,3), t(,4,5), t(6,,7), t(8,9,),
 t(10,,), t(,11,), t(,,12), t(,,) };
#define OBJ_LIKE (1-1)
#define OBJ_LIKE /* white space */ (1-1) /* other */
#define FUNC_LIKE(a) ( a )
#define FUNC_LIKE( a )( /* note the white space */ \\
 a /* other stuff on this line
 */ )
#define debug(...) fprintf(stderr, __VA_ARGS__)
#define showlist(...) puts(#__VA_ARGS__)
#define report(test, ...) ((test)?puts(#test):\\
 printf(__VA_ARGS__))
debug("Flag");
debug("X = %d\\n", x);
showlist(The first, second, and third items.);
report(x>y, "x is %d but y is %d", x, y);
#define a a b
#define b a
a b
-EMPTY-
+f(+)
__LINE__ __FILE__
`,
  );
  same(
    'line splices and comments',
    `#define LONG(a, \\
  b) (a \\
  + b) /* comment
spanning */ // and a line one
int x = LONG(1, /* inner */ 2);
int y = 1 /* a */ + /**/ 2;
`,
  );

  const systemHeaders = ['stdint.h', 'linux/types.h', 'stddef.h', 'linux/limits.h'];
  test('system headers: <stdint.h>, <linux/types.h>, <stddef.h>, <linux/limits.h> define what gcc defines', () => {
    const names = [
      'INT64_MAX',
      'UINT32_MAX',
      'INT8_MIN',
      'SIZE_MAX',
      'UINTPTR_MAX',
      '__WORDSIZE',
      'INT64_C',
      'UINT64_C',
      'offsetof',
      'NULL',
      'PATH_MAX',
      'NAME_MAX',
      '__bitwise',
      '_LINUX_TYPES_H',
      '__aligned_u64',
    ];
    const text = systemHeaders.map((h) => `#include <${h}>\n`).join('');
    const main = path.join(dir, 'sys.c');
    writeFileSync(main, text);
    const gccMacros = new Map<string, string>();
    for (const line of execFileSync('gcc', ['-dM', '-E', '-x', 'c', main], { encoding: 'utf8' }).split('\n')) {
      const m = /^#define (\w+)(\([^)]*\))? ?(.*)$/.exec(line);
      if (m) gccMacros.set(m[1]!, m[3]!);
    }
    const ours = scryE(main, text);
    assert.equal(renderDiagnostics(ours.diagnostics), '');
    let compared = 0;
    for (const name of names) {
      const theirs = gccMacros.get(name);
      const mine = ours.macros.get(name);
      assert.equal(mine === undefined, theirs === undefined, `${name} defined by one only`);
      if (mine && theirs !== undefined) {
        assert.equal(tokens(macroBodyText(mine)), tokens(theirs), name);
        compared++;
      }
    }
    assert.ok(compared >= 10, `compared ${compared} macros`);
    // and every macro gcc defines, we define too (the same set of names)
    const missing = [...gccMacros.keys()].filter((k) => !ours.macros.has(k));
    assert.equal(missing, []);
  });

  test('system headers: the declarations expand to the same tokens as gcc -E', () => {
    const text =
      '#include <stdint.h>\n#include <linux/types.h>\nuint64_t x = UINT64_C(1) << 40; __u32 y = INT32_MAX;\n';
    const main = path.join(dir, 'decl.c');
    writeFileSync(main, text);
    const ours = scryE(main, text);
    assert.equal(renderDiagnostics(ours.diagnostics), '');
    assert.equal(tokens(ours.text), tokens(gccE(main)));
  });

  test('system headers: <linux/bpf.h>, <sys/socket.h>, <stdio.h>, <signal.h>, <linux/perf_event.h> give the tokens gcc -E gives', () => {
    for (const h of ['linux/bpf.h', 'sys/socket.h', 'stdio.h', 'signal.h', 'linux/perf_event.h']) {
      const text = `#include <${h}>\n`;
      const main = path.join(dir, 'one.c');
      writeFileSync(main, text);
      const ours = scryE(main, text);
      assert.equal(renderDiagnostics(ours.diagnostics), '', h);
      const mine = tokens(ours.text);
      assert.ok(mine.length > 100, h);
      assert.equal(mine, tokens(gccE(main)), h);
    }
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
}

test.run();
