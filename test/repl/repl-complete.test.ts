// REPL completion and prompt input, without a terminal: what Tab offers where, and the map reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mapRead, unknownCommand } from '../../repl/commands.ts';
import { blockDepth, complete, tabCompletes, type CompletionContext } from '../../repl/complete.ts';
import { promptInput } from '../../repl/prompt-input.ts';
import { requireTracepoint } from '../helpers/kernel.ts';

const ctx = (over: Partial<CompletionContext> = {}): CompletionContext => ({
  pending: '',
  mapNames: () => ['@opens', '@latency'],
  programIds: () => [1, 3],
  commands: ['.list', '.load', '.stop', '.clear', '.help'],
  ...over,
});

test('where a probe goes: provider names (BEGIN and END without a colon)', () => {
  assert.equal(complete('tracep', ctx()), [['tracepoint:'], 'tracep']);
  assert.equal(complete('BEGIN { exit(); } E', ctx()), [['END'], 'E']);
  assert.equal(complete('interval:', ctx()), [['hz:', 'ms:', 's:', 'us:'], '']);
});

test('inside a block: builtins, functions (with their paren), keywords, maps, scratch variables', () => {
  assert.equal(complete('BEGIN { @x = nse', ctx()), [['nsecs', 'nsecs('], 'nse']);
  assert.equal(complete('BEGIN { prin', ctx()), [['print(', 'printf('], 'prin']);
  assert.equal(complete('BEGIN { @l', ctx()), [['@latency'], '@l']);
  assert.equal(complete('BEGIN { @mine = 1; @m', ctx()), [['@mine'], '@m']);
  assert.equal(complete('BEGIN { $count = 1; @x = $c', ctx()), [['$count'], '$c']);
  // a block opened on an earlier line still counts
  assert.equal(complete('  whi', ctx({ pending: 'BEGIN {' })), [['while'], 'whi']);
});

test('dot commands and their arguments', () => {
  assert.equal(complete('.l', ctx()), [['.list', '.load'], '.l']);
  assert.equal(complete('.stop ', ctx()), [['1', '3', 'all'], '']);
  assert.equal(complete('.clear @o', ctx()), [['@opens'], '@o']);
});

test('blockDepth skips braces in strings and comments', () => {
  assert.is(blockDepth('BEGIN { printf("}"); // }\n /* } */'), 1);
  assert.is(blockDepth('BEGIN { if (1) { } }'), 0);
});

test('map reads at the prompt: @x, @, print(@x[, top[, div]])', () => {
  assert.equal(mapRead('@x'), { name: '@x', top: 0, div: 0 });
  assert.equal(mapRead(' @ ;'), { name: '@', top: 0, div: 0 });
  assert.equal(mapRead('print(@lat, 5, 1000)'), { name: '@lat', top: 5, div: 1000 });
  assert.is(mapRead('@x = 1'), undefined);
  assert.is(mapRead('BEGIN { print(@x); }'), undefined);
});

test('a Tab among keys read together completes after a word, and stays text in indentation or a string', () => {
  assert.ok(tabCompletes('tracepoint:syscalls:sys_enter_mkd'));
  assert.ok(tabCompletes('BEGIN { printf("%d", nse'));
  assert.not.ok(tabCompletes(''));
  assert.not.ok(tabCompletes('BEGIN { '));
  assert.not.ok(tabCompletes('BEGIN { printf("a'));
  assert.not.ok(tabCompletes('BEGIN { printf("a\\"b'));
});

test('what a line at the prompt is, from tokens and the parse tree', () => {
  const kind = (t: string) => promptInput(t).kind;
  // more lines to come: an open block, bracket, predicate or comment, or a probe header without its block
  for (const t of [
    'BEGIN {',
    'BEGIN',
    'tracepoint:syscalls:sys_enter_openat',
    'kprobe:f,',
    't:a:b /pid == 1/',
    'BEGIN { @x[1',
    'BEGIN {} /* c',
  ])
    assert.is(kind(t), 'incomplete', t);
  // complete, or wrong now: the program path reports its errors
  for (const t of ['BEGIN { exit(); }', 'BEGIN { printf("a); }', 'BEGIN { 1 + ; }', 'BEGIN { exit(); } foo'])
    assert.is(kind(t), 'program', t);
  for (const t of ['', '  ', '// c', '#!/usr/bin/env scry']) assert.is(kind(t), 'nothing', t);
  assert.equal(promptInput('zero(@a); clear(@b); print(@c, 3, 1000); delete(@d[-1, "x"]); delete(@e, 2);'), {
    kind: 'statements',
    statements: [
      { op: 'zero', map: '@a' },
      { op: 'clear', map: '@b' },
      { op: 'print', map: '@c', top: 3, div: 1000 },
      { op: 'delete', map: '@d', keys: [-1n, 'x'], text: 'delete(@d[-1, "x"])' },
      { op: 'delete', map: '@e', keys: [2n], text: 'delete(@e, 2)' },
    ],
  });
  assert.equal(promptInput('foo'), {
    kind: 'refused',
    reason: 'foo: not a probe, a command or a map statement (.help lists what runs here)',
  });
  assert.match(
    (promptInput('exit()') as { reason: string }).reason,
    /^exit\(\): exit\(\) runs inside a probe, e\.g\. BEGIN \{ … \}/,
  );
  assert.match((promptInput('clear(@x[1])') as { reason: string }).reason, 'clear() takes a whole map: clear(@x)');
});

test('an unknown dot command names the nearest known one', () => {
  const known = ['list', 'stop', 'clear', 'probes', 'args', 'type', 'help', 'exit', 'break'];
  assert.is(
    unknownCommand('frob', known),
    'unknown command .frob (the nearest is .probes); .help lists the commands\n',
  );
  assert.is(unknownCommand('lsit', known), 'unknown command .lsit (the nearest is .list); .help lists the commands\n');
  assert.is(unknownCommand('', known), 'unknown command .; .help lists the commands\n');
});

if (requireTracepoint('repl completion of tracepoints', 'syscalls/sys_enter_mkdir')) {
  test('tracepoint groups (with their colon), events, and the fields of args', () => {
    assert.equal(complete('tracepoint:syscall', ctx()), [['syscalls:'], 'syscall']);
    assert.equal(complete('t:syscalls:sys_enter_mkd', ctx()), [
      ['sys_enter_mkdir', 'sys_enter_mkdirat'],
      'sys_enter_mkd',
    ]);
    assert.equal(complete('tracepoint:syscalls:sys_enter_mkdir { printf("%s", str(args->pa', ctx()), [
      ['pathname'],
      'pa',
    ]);
    assert.equal(complete('tracepoint:syscalls:sys_enter_mkdir /pid > 0/ { @[args.m', ctx()), [['mode'], 'm']);
  });
}

test.run();
