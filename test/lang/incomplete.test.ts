// A parse that ran out of text says so on its diagnostic (`incomplete`), which is what the REPL waits on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, sourceFile } from '../../lang/index.ts';

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
  ])
    assert.ok(incomplete(text), text);
});

test('finished mistakes are not: a bare word, an unterminated string, a stray character, a closed block', () => {
  for (const text of ['x', 'BEGIN { "abc', 'BEGIN { @x = 1 } }', 'BEGIN { $x = ; }', 'BEGIN { ` }'])
    assert.not.ok(incomplete(text), text);
  assert.is(parse(sourceFile('stdin', 'BEGIN { exit(); }')).diagnostics.length, 0);
});

test.run();
