// REPL completion and prompt input, without a terminal: what Tab offers where, and the map reads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mapRead } from '../../repl/commands.ts';
import { blockDepth, complete, type CompletionContext } from '../../repl/complete.ts';
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
  assert.equal(complete('BEGIN { @x = nse', ctx()), [['nsecs'], 'nse']);
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

if (requireTracepoint('repl completion of tracepoints', 'syscalls/sys_enter_mkdir')) {
  test('tracepoint groups (with their colon), events, and the fields of args', () => {
    assert.equal(complete('tracepoint:syscall', ctx()), [['syscalls:'], 'syscall']);
    assert.equal(complete('t:syscalls:sys_enter_mkd', ctx()), [['sys_enter_mkdir', 'sys_enter_mkdirat'], 'sys_enter_mkd']);
    assert.equal(complete('tracepoint:syscalls:sys_enter_mkdir { printf("%s", str(args->pa', ctx()), [['pathname'], 'pa']);
    assert.equal(complete('tracepoint:syscalls:sys_enter_mkdir /pid > 0/ { @[args.m', ctx()), [['mode'], 'm']);
  });
}

test.run();
