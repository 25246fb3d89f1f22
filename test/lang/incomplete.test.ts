// A parse that ran out of text says so on its diagnostic (`incomplete`), which is what the REPL waits on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import { parse, renderDiagnostics, sourceFile } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

const incomplete = (text: string) => parse(sourceFile('stdin', text)).diagnostics.some((d) => d.incomplete === true);

test('open blocks, brackets, predicates and comments, and attach points without a block, are incomplete', () => {
  for (const text of [
    'BEGIN {',
    'BEGIN',
    'END',
    'tracepoint:syscalls:sys_enter_openat,',
    'kprobe:f /pid == 1/',
    'BEGIN { printf("%d", (1 +',
    '/* a comment',
    'foo:bar',
    'struct Foo {',
    '#include <linux/sched.h>\nstruct Foo { int a;\n  struct { char c; } in;',
  ])
    assert.ok(incomplete(text), text);
});

test('finished mistakes are not: a bare word, an unterminated string, a stray character, a closed block', () => {
  for (const text of ['x', 'BEGIN { "abc', 'BEGIN { @x = 1 } }', 'BEGIN { $x = ; }', 'BEGIN { ` }'])
    assert.not.ok(incomplete(text), text);
  assert.is(parse(sourceFile('stdin', 'BEGIN { exit(); }')).diagnostics.length, 0);
});

test('an unclosed struct body is one error, at its keyword, whatever follows in the C part', () => {
  const text = 'struct Foo { int a;\n';
  const r = compileSource(text, fixedKernel);
  assert.is(
    renderDiagnostics(r.diagnostics),
    "stdin:1:1-7: ERROR: the definition of struct Foo is not closed\nstruct Foo { int a;\n~~~~~~\nHINT: end its body with '};'\n",
  );
  assert.not.ok(incomplete('struct Foo { int a; };\nBEGIN { exit(); }'));
});

test.run();
