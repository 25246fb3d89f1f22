// How a bpftrace script meets the preprocessor. Pinned behaviour is bpftrace v0.26's (read from its parser
// and its C-macro expansion pass): the C definitions at the top are preprocessed as C; in probes an
// identifier that names an object-like macro stands for the macro's value parsed as one expression, so
// `#define X 1 + 2` makes `X * 2` 6 (bpftrace 0.17 pasted the text and printed 5); a call `F(3)` of a
// function-like macro is not expanded; an empty macro is not a value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preprocess } from '../../../lang/c/preprocess.ts';
import { predefinedMacros } from '../../../lang/c/preprocess-predefined.ts';
import {
  expandScriptIdentifier,
  scriptDefinitionsEnd,
  startsWithoutC,
  unclosedDefinition,
} from '../../../lang/c/preprocess-script.ts';
import { lexFile } from '../../../lang/c/preprocess-lexer.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDiagnostics } from '../../../lang/diagnostics.ts';
import { sourceFile } from '../../../lang/source.ts';

// every script at hand, and variants with what may come first: the shortcut agrees with the C lexer's tokens
test('a script that starts with a probe, config or import is seen to have no C part without lexing it', () => {
  const root = join(import.meta.dirname, '../../..');
  const texts = ['test/corpus/run', 'examples', 'examples/tools'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.bt'))
      .map((f) => readFileSync(join(root, dir, f), 'utf8')),
  );
  const variants = (t: string) => [t, `#!/usr/bin/env scry\n${t}`, `/* a\n b */ // c\n\t${t}`, `\r\n${t}`];
  let fast = 0;
  for (const text of [...texts.flatMap(variants), 'structure:x { }', 'struct S { int a; } BEGIN { }', '/* open']) {
    const file = sourceFile('t.bt', text);
    // the C lexer's answer: the first token after a shebang line is a name other than struct, union, enum
    const ts = lexFile(file).tokens;
    const from =
      ts[0]?.text === '#' && ts[1]?.text === '!' && ts[0].start === 0 ? ts.findIndex((t, i) => i > 0 && t.bol) : 0;
    const first = from < 0 ? undefined : ts[from];
    const noC = first?.kind === 'ident' && !['struct', 'union', 'enum'].includes(first.text);
    if (startsWithoutC(text)) {
      fast++;
      assert.ok(noC, text.slice(0, 80));
      assert.is(scriptDefinitionsEnd(file), 0);
      assert.is(unclosedDefinition(file), undefined);
    }
  }
  assert.ok(fast > texts.length * 3, `${fast} of ${texts.length * 4}`);
  assert.not.ok(startsWithoutC('struct S { int a; } BEGIN { }'));
  assert.not.ok(startsWithoutC('#include <linux/sched.h>\nBEGIN { }'));
  assert.not.ok(startsWithoutC('/* open'));
  assert.ok(startsWithoutC('structure:x { }'));
});

test('the C definitions end at the first config, import, probe or anything else', () => {
  const end = (text: string) => text.slice(scriptDefinitionsEnd(sourceFile('t.bt', text)));
  assert.equal(
    end('#!/usr/bin/env bpftrace\n#include <linux/types.h>\n#define N 3\nBEGIN { print(N); }\n'),
    'BEGIN { print(N); }\n',
  );
  assert.equal(
    end(
      '#ifdef X\nstruct S { int a; struct { int b; } in; } __attribute__((packed));\n#endif\nenum E { A, B }\nunion U { int x; };\nconfig = { stack_mode = perf }\n',
    ),
    'config = { stack_mode = perf }\n',
  );
  assert.equal(
    end('struct Foo { int m; } u:./prog:func { @s = *((struct Foo *)arg0); }'),
    'u:./prog:func { @s = *((struct Foo *)arg0); }',
  );
  assert.equal(
    end('kprobe:f { $t = (struct task_struct *)curtask; }'),
    'kprobe:f { $t = (struct task_struct *)curtask; }',
  );
  assert.equal(end('/* comment */ #define A 1\n// more\n'), '');
});

test('only the C definitions are preprocessed; probes keep their text', () => {
  const text = '#define N 4\nstruct S { char buf[N]; };\nBEGIN { printf("%d\\n", N); }\n';
  const r = preprocess(sourceFile('t.bt', text), {
    range: { start: 0, end: scriptDefinitionsEnd(sourceFile('t.bt', text)) },
  });
  assert.equal(renderDiagnostics(r.diagnostics), '');
  assert.equal(r.text, '\nstruct S { char buf[4]; };\n');
  assert.ok(r.macros.has('N'));
});

test('identifiers in probes: an object-like macro stands for its value, expanded through other macros', () => {
  const file = sourceFile(
    't.bt',
    '#define X 1 + 2\n#define A B\n#define B 7\n#define SQ(x) ((x) * (x))\n#define AREA SQ(3)\n#define E\n#define RED "\\033[31m"\n#define GONE 1\n#undef GONE\n#define SELF SELF + 1\n',
  );
  const { macros, diagnostics } = preprocess(file);
  assert.equal(diagnostics, []);
  const use = { file, start: 0, end: 1 };
  const at = (name: string) => expandScriptIdentifier(macros, name, use);
  assert.equal(at('X'), '1 + 2'); // the caller parses it as one expression: X * 2 is (1 + 2) * 2
  assert.equal(at('A'), '7');
  assert.equal(at('AREA'), '((3) * (3))');
  assert.equal(at('RED'), '"\\033[31m"');
  assert.equal(at('SQ'), undefined); // a function-like macro is no value (bpftrace: F(3) is an unknown function)
  assert.equal(at('E'), undefined); // empty: bpftrace keeps no such macro
  assert.equal(at('GONE'), undefined); // C semantics: #undef removes it (bpftrace's clang walk keeps every #define it saw)
  assert.equal(at('SELF'), 'SELF + 1'); // never expands inside itself
  assert.equal(at('pid'), undefined);
});

test('predefined and command-line macros are values in probes too; __LINE__ and __FILE__ are not', () => {
  // bpftrace 0.17 here: `__x86_64__` and `linux` print 1, BPFTRACE_HAVE_BTF (its -D) prints 1, __LINE__ is an unknown identifier
  const file = sourceFile('t.bt', '#define N 3\n');
  const { macros } = preprocess(file, { defines: { ...predefinedMacros('x86_64'), BPFTRACE_HAVE_BTF: '1' } });
  const use = { file, start: 0, end: 1 };
  assert.equal(
    ['__x86_64__', 'linux', 'BPFTRACE_HAVE_BTF', '__LINE__', '__FILE__'].map((n) =>
      expandScriptIdentifier(macros, n, use),
    ),
    ['1', '1', '1', undefined, undefined],
  );
});

test.run();
