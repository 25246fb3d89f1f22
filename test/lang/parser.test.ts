// Source text → AST: the shape of every construct, and spans on a representative sample.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr, Node } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { at, expr, program, stmts, sx, text } from './parser-helpers.ts';

// ---- the compact form, as typed ------------------------------------------------------------------------

for (const src of ['kprobe:vfs_mkdir < count[pid]++ >', 'tracepoint:syscalls:sys_enter_mkdir < count[pid]++ >']) {
  test(`one-liner '${src}' is an angle probe counting into the bare map @count`, () => {
    const p = program(src);
    assert.is(p.probes.length, 1);
    const probe = p.probes[0]!;
    assert.is(probe.angle, true);
    assert.is(probe.predicate, undefined);
    assert.is(probe.body.statements.length, 1);
    const s = probe.body.statements[0]!;
    assert.is(s.kind, 'expr-stmt');
    if (s.kind !== 'expr-stmt') return;
    const e = s.expr;
    assert.is(e.kind, 'incdec');
    if (e.kind !== 'incdec') return;
    assert.equal([e.op, e.prefix], ['++', false]);
    assert.equal(
      { kind: e.target.kind, name: e.target.name, bare: e.target.kind === 'map' && e.target.bare },
      { kind: 'map', name: '@count', bare: true },
    );
    assert.is(e.target.kind === 'map' && sx(e.target.keys[0]), 'pid');
    assert.is(e.target.kind === 'map' && e.target.keys[0]!.kind, 'ident');
  });
}

test('angle blocks: statements, semicolons, and comparisons in parentheses or brackets', () => {
  assert.is(sx(program('kprobe:f < @x = (1 > 2) >')), '(probe kprobe:f <> {(= @x (> 1 2))})');
  assert.is(sx(program('kprobe:f < @x[a > b] = 1; @y++; >')), '(probe kprobe:f <> {(= @x[(> a b)] 1) (x++ @y)})');
  assert.is(sx(program('kprobe:f < printf("%d\\n", a > b) >')), '(probe kprobe:f <> {(printf() "%d\\n" (> a b))})');
  assert.is(
    sx(program('kprobe:f < if (pid > 1) { @x = 2 > 1; } >')),
    '(probe kprobe:f <> {(if (> pid 1) {(= @x (> 2 1))})})',
  );
  assert.is(
    sx(program('kprobe:f < @x = @y >> 1; @z = $a->b >')),
    '(probe kprobe:f <> {(= @x (>> @y 1)) (= @z (-> $a b))})',
  );
  assert.is(sx(program('kprobe:f /pid == 1/ < @x = 1 >')), '(probe kprobe:f /(== pid 1)/ <> {(= @x 1)})');
  assert.is(sx(program('BEGIN<@x=1>END<@y=2>')), '(probe BEGIN <> {(= @x 1)})\n(probe END <> {(= @y 2)})');
  assert.is(sx(program('kprobe:f < >')), '(probe kprobe:f <> {})');
});

test('a bare name indexed is a map in brace blocks too; unindexed it stays an identifier', () => {
  assert.equal(stmts('BEGIN { count[comm, pid] = 1; @x = count[pid]; @y = count; }'), [
    '(= bare:@count[comm, pid] 1)',
    '(= @x bare:@count[pid])',
    '(= @y count)',
  ]);
});

// ---- program structure ---------------------------------------------------------------------------------

test('shebang, comments, includes and config before the probes', () => {
  const p = program(`#!/usr/bin/env bpftrace
#include <linux/sched.h>
  #include "my header.h" // why not
/* block
   comment */ config = { max_strlen = 1024; stack_mode = perf; license = "GPL"; on = true }
// line comment
BEGIN { /* inline */ @x = 1; } // trailing
`);
  assert.is(
    sx(p),
    [
      '(include linux/sched.h)',
      '(include my header.h)',
      '(config max_strlen 1024)',
      '(config stack_mode "perf")',
      '(config license "GPL")',
      '(config on "true")',
      '(probe BEGIN {(= @x 1)})',
    ].join('\n'),
  );
  assert.is(at(p.includes[0]!.span), '2:1-2:25');
  assert.is(at(p.config[0]!.span), '5:26-5:43');
  assert.is(at(p.span), `1:1-${p.span.file.lineStarts.length}:1`);
});

test('config items may leave out the last semicolon, and the block may be empty', () => {
  assert.is(sx(program('config = { a = 1; b = x } BEGIN {}')), '(config a 1)\n(config b "x")\n(probe BEGIN {})');
  assert.is(sx(program('config = {} BEGIN {}')), '(probe BEGIN {})');
});

test('several probes, several attach points, trailing comma, BEGIN/END in both spellings', () => {
  assert.is(
    sx(program('BEGIN, begin { } END,end,{ } kprobe:a,kprobe:b\n{ }')),
    '(probe BEGIN begin {})\n(probe END end {})\n(probe kprobe:a kprobe:b {})',
  );
});

test('an empty program or one with only comments parses to no probes', () => {
  assert.is(program('').probes.length, 0);
  assert.is(program('// nothing\n/* here */\n').probes.length, 0);
});

// ---- attach points ------------------------------------------------------------------------------------

const attachForms: [string, string, string[]][] = [
  ['BEGIN', 'BEGIN', []],
  ['end', 'end', []],
  ['tracepoint:syscalls:sys_enter_openat', 'tracepoint', ['syscalls', 'sys_enter_openat']],
  ['t:syscalls:sys_enter_*', 't', ['syscalls', 'sys_enter_*']],
  ['kprobe:vfs_read', 'kprobe', ['vfs_read']],
  ['kprobe:vfs_read+16', 'kprobe', ['vfs_read+16']],
  ['kprobe:f+0x10', 'kprobe', ['f+0x10']],
  ['kprobe:mod:fn', 'kprobe', ['mod', 'fn']],
  ['kretprobe:tcp_*', 'kretprobe', ['tcp_*']],
  ['uprobe:/bin/bash:readline', 'uprobe', ['/bin/bash', 'readline']],
  ['uprobe:/usr/lib/libc.so.6:malloc', 'uprobe', ['/usr/lib/libc.so.6', 'malloc']],
  ['u:libc:malloc', 'u', ['libc', 'malloc']],
  ['uprobe:/bin/x:0x1234', 'uprobe', ['/bin/x', '0x1234']],
  ['uprobe:/usr/lib/*.so:mal*', 'uprobe', ['/usr/lib/*.so', 'mal*']],
  ['usdt:/path/bin:provider:probe', 'usdt', ['/path/bin', 'provider', 'probe']],
  ['profile:hz:99', 'profile', ['hz', '99']],
  ['interval:s:1', 'interval', ['s', '1']],
  ['interval:ms:100', 'interval', ['ms', '100']],
  ['software:page-faults:100', 'software', ['page-faults', '100']],
  ['hardware:cache-misses:1000000', 'hardware', ['cache-misses', '1000000']],
  ['watchpoint:0x1234:8:rw', 'watchpoint', ['0x1234', '8', 'rw']],
  ['iter:task', 'iter', ['task']],
  ['fentry:vfs_read', 'fentry', ['vfs_read']],
  ['rawtracepoint:sched_switch', 'rawtracepoint', ['sched_switch']],
  ['k:f?o*', 'k', ['f?o*']],
  ['*:f', '*', ['f']],
  ['uprobe:"/path with space":fn', 'uprobe', ['/path with space', 'fn']],
  ['uprobe:./test:cpp:"Foo::bar()"', 'uprobe', ['./test', 'cpp', 'Foo::bar()']],
  ['kprobe:f/pid/', 'kprobe', ['f/pid/']],
];
for (const [raw, provider, parts] of attachForms) {
  test(`attach point ${raw} → ${provider} ${JSON.stringify(parts)}`, () => {
    const ap = program(`${raw} { }`).probes[0]!.attachPoints[0]!;
    assert.equal({ raw: ap.raw, provider: ap.provider, parts: ap.parts }, { raw, provider, parts });
    assert.is(text(ap.span), raw);
  });
}

test('predicates: after whitespace, right after a provider with no colon, divisions inside', () => {
  assert.is(sx(program('kprobe:f /pid/{ @x = 1; }')), '(probe kprobe:f /pid/ {(= @x 1)})');
  assert.is(sx(program('BEGIN/1/{ }')), '(probe BEGIN /1/ {})');
  assert.is(
    sx(program('uprobe:/bin/bash:readline /pid == 1/ { }')),
    '(probe uprobe:/bin/bash:readline /(== pid 1)/ {})',
  );
  assert.is(sx(program('BEGIN /4/2/ { }')), '(probe BEGIN /(/ 4 2)/ {})');
  assert.is(sx(program('BEGIN /(4/2)/ { }')), '(probe BEGIN /(/ 4 2)/ {})');
  assert.is(
    sx(program('kprobe:vfs_read /comm == "bash" && arg2 < 16/\n{ }')),
    '(probe kprobe:vfs_read /(&& (== comm "bash") (< arg2 16))/ {})',
  );
  assert.is(sx(program('BEGIN /1/ /* c */ { }')), '(probe BEGIN /1/ {})');
});

// ---- statements ---------------------------------------------------------------------------------------

test('assignments: plain, compound, to variables, maps with keys and the anonymous map', () => {
  assert.equal(
    stmts(
      'BEGIN { $x = 1; @ = 1; @m[1, "a"] = 3; @[comm] = count(); @x += 1; @x -= 1; @x *= 2; @x /= 2; @x %= 2; @x &= 1; @x |= 1; @x ^= 1; @x <<= 2; @x >>= 1 }',
    ),
    [
      '(= $x 1)',
      '(= @ 1)',
      '(= @m[1, "a"] 3)',
      '(= @[comm] (count()))',
      '(+= @x 1)',
      '(-= @x 1)',
      '(*= @x 2)',
      '(/= @x 2)',
      '(%= @x 2)',
      '(&= @x 1)',
      '(|= @x 1)',
      '(^= @x 1)',
      '(<<= @x 2)',
      '(>>= @x 1)',
    ],
  );
});

test('let with and without a type and a value', () => {
  assert.equal(
    stmts('BEGIN { let $a; let $b = 2; let $c: uint32 = 1; let $d: struct task_struct *; let $e: uint8[4] }'),
    ['(let $a)', '(let $b 2)', '(let $c <uint32> 1)', '(let $d <struct task_struct*>)', '(let $e <uint8[4]>)'],
  );
});

test('if / else if / else, while, unroll, for over maps and ranges, jumps', () => {
  assert.equal(
    stmts(`BEGIN {
      if ($x == 1) { @a = 1 } else if ($x == 2) { @a = 2 } else { @a = 3 }
      while ($i < 5) { $i++; if ($i == 3) { break; } continue; }
      unroll (3) { @x++ }
      for ($kv : @map) { print($kv.0) }
      for ($i : 0..10) { }
      for ($i : $a..$b + 1) { return }
    }`),
    [
      '(if (== $x 1) {(= @a 1)} (if (== $x 2) {(= @a 2)} {(= @a 3)}))',
      '(while (< $i 5) {(x++ $i) (if (== $i 3) {break}) continue})',
      '(unroll 3 {(x++ @x)})',
      '(for $kv @map {(print() (. $kv 0))})',
      '(for $i 0..10 {})',
      '(for $i $a..(+ $b 1) {return})',
    ],
  );
});

test('as in current bpftrace, if / while / unroll / for may leave out the parentheses', () => {
  assert.equal(
    stmts('BEGIN { if $x { @a = 1 } else if !$y { } while $i { } unroll 3 { } for $kv : @m { } for $i : 0..10 { } }'),
    ['(if $x {(= @a 1)} (if (! $y) {}))', '(while $i {})', '(unroll 3 {})', '(for $kv @m {})', '(for $i 0..10 {})'],
  );
});

test('empty statements, nested blocks, and no semicolon needed after a block statement', () => {
  assert.equal(stmts('BEGIN { ;; { @x = 1; ; } ; if (1) { } @y = 2 }'), ['{(= @x 1)}', '(if 1 {})', '(= @y 2)']);
  assert.equal(stmts('BEGIN {;}'), []);
});

// ---- expressions --------------------------------------------------------------------------------------

test('binary operators follow C precedence and are left-associative', () => {
  assert.is(expr('1 + 2 * 3 - 4'), '(- (+ 1 (* 2 3)) 4)');
  assert.is(expr('a - b - c'), '(- (- a b) c)');
  assert.is(expr('a / b % c * d'), '(* (% (/ a b) c) d)');
  assert.is(expr('1 << 2 + 3'), '(<< 1 (+ 2 3))');
  assert.is(expr('a < b == c > d'), '(== (< a b) (> c d))');
  assert.is(expr('a <= b != c >= d'), '(!= (<= a b) (>= c d))');
  assert.is(expr('a & b ^ c | d'), '(| (^ (& a b) c) d)');
  assert.is(expr('a == b & c'), '(& (== a b) c)');
  assert.is(expr('a || b && c | d'), '(|| a (&& b (| c d)))');
  assert.is(expr('a >> 1 < b'), '(< (>> a 1) b)');
});

test('the ternary operator is right-associative and binds loosest', () => {
  assert.is(expr('@x = a ? b : c ? d : e'), '(= @x (? a b (? c d e)))');
  assert.is(expr('@x = a || b ? c + 1 : d'), '(= @x (? (|| a b) (+ c 1) d))');
  assert.is(expr('@x = a ? b ? c : d : e'), '(= @x (? a (? b c d) e))');
});

test('unary operators, prefix and postfix increments', () => {
  assert.is(expr('-$x + !$y'), '(+ (- $x) (! $y))');
  assert.is(expr('~$x'), '(~ $x)');
  assert.is(expr('*$p'), '(* $p)');
  assert.is(expr('&$a'), '(& $a)');
  assert.is(expr('- -1'), '(- (- 1))');
  assert.is(expr('!!$x'), '(! (! $x))');
  assert.is(expr('++@x'), '(++x @x)');
  assert.is(expr('--$y'), '(--x $y)');
  assert.is(expr('$y--'), '(x-- $y)');
  assert.is(expr('@m[1]++'), '(x++ @m[1])');
  assert.is(expr('@++'), '(x++ @)');
  assert.is(expr('$x = -*$p'), '(= $x (- (* $p)))');
});

test('calls, field access, arrows, tuple indexes, indexing', () => {
  assert.is(expr('printf("%d %s\\n", pid, comm)'), '(printf() "%d %s\\n" pid comm)');
  assert.is(expr('exit()'), '(exit())');
  assert.is(expr('delete(@m[1])'), '(delete() @m[1])');
  assert.is(expr('delete(@m, 1)'), '(delete() @m 1)');
  assert.is(expr('args->filename'), '(-> args filename)');
  assert.is(expr('curtask->mm->owner'), '(-> (-> curtask mm) owner)');
  assert.is(expr('args.x.y'), '(. (. args x) y)');
  assert.is(expr('$t.0.1'), '(. (. $t 0) 1)');
  assert.is(expr('$x.if'), '(. $x if)');
  assert.is(expr('$x[1]'), '(index $x 1)');
  assert.is(expr('@m[1][2]'), '(index @m[1] 2)');
  assert.is(expr('@x[1].a'), '(. @x[1] a)');
  assert.is(expr('str(args->filename)[0]'), '(index (str() (-> args filename)) 0)');
});

test('casts: int types, struct pointers, arrays, typedef names, and builtins in parentheses', () => {
  assert.is(expr('(uint32)-1'), '(cast <uint32> (- 1))');
  assert.is(expr('(int8)*$p'), '(cast <int8> (* $p))');
  assert.is(expr('(struct task_struct *)curtask'), '(cast <struct task_struct*> curtask)');
  assert.is(expr('(union u **)arg0'), '(cast <union u**> arg0)');
  assert.is(expr('(enum e)1'), '(cast <enum e> 1)');
  assert.is(expr('(uint8[8])12345'), '(cast <uint8[8]> 12345)');
  assert.is(expr('(uint8[])$x'), '(cast <uint8[0]> $x)');
  assert.is(expr('(char[16])"abc"'), '(cast <char[16]> "abc")');
  assert.is(expr('(bool)$x'), '(cast <bool> $x)');
  assert.is(expr('(myident)$a'), '(cast <myident> $a)');
  assert.is(expr('(myident *)$a'), '(cast <myident*> $a)');
  assert.is(expr('(pid)*2'), '(* pid 2)');
  assert.is(expr('(pid) - 1'), '(- pid 1)');
  assert.is(expr('(x)'), 'x');
  assert.is(expr('(a[1])'), 'bare:@a[1]');
  assert.is(expr('(a * b)'), '(* a b)');
  assert.is(expr('(uint32)(int8)1'), '(cast <uint32> (cast <int8> 1))');
  assert.is(expr('(uint64)$x + 1'), '(+ (cast <uint64> $x) 1)');
});

test('tuples: (1, "a"), nested, single with a trailing comma, empty; a parenthesised expression is not one', () => {
  assert.is(expr('(1, "a", (2, 3))'), '(tuple 1 "a" (tuple 2 3))');
  assert.is(expr('(1,)'), '(tuple 1)');
  assert.is(expr('(1, 2,)'), '(tuple 1 2)');
  assert.is(expr('()'), '(tuple)');
  assert.is(expr('(1)'), '1');
  assert.is(expr('((1 + 2))'), '(+ 1 2)');
});

test('sizeof and offsetof take a type or an expression', () => {
  assert.is(expr('sizeof(struct task_struct)'), '(sizeof <struct task_struct>)');
  assert.is(expr('sizeof(uint32*)'), '(sizeof <uint32*>)');
  assert.is(expr('sizeof(uint32*[10])'), '(sizeof <uint32*[10]>)');
  assert.is(expr('sizeof(foo)'), '(sizeof <foo>)');
  assert.is(expr('sizeof(pid)'), '(sizeof pid)');
  assert.is(expr('sizeof($x)'), '(sizeof $x)');
  assert.is(expr('sizeof(1 + 2)'), '(sizeof (+ 1 2))');
  assert.is(expr('offsetof(struct task_struct, pid)'), '(offsetof <struct task_struct> pid)');
  assert.is(expr('offsetof(struct a, b.c.d)'), '(offsetof <struct a> b.c.d)');
  assert.is(expr('offsetof($x, f)'), '(offsetof $x f)');
});

test('variables, positional parameters and $#, booleans', () => {
  assert.is(expr('$1 + $# + $10'), '(+ (+ $1 $#) $10)');
  assert.is(expr('@x = true && false'), '(= @x (&& true false))');
  const e = program('BEGIN { $#; $2 }').probes[0]!.body.statements.map((s) =>
    s.kind === 'expr-stmt' ? s.expr : undefined,
  );
  assert.equal(
    e.map((x) => x?.kind === 'positional' && { index: x.index, count: x.count }),
    [
      { index: 0, count: true },
      { index: 2, count: false },
    ],
  );
});

// ---- literals -----------------------------------------------------------------------------------------

function literal(src: string): Expr {
  const s = program(`BEGIN { ${src} }`).probes[0]!.body.statements[0]!;
  if (s.kind !== 'expr-stmt') throw new Error('not an expression');
  return s.expr;
}
const intCases: [string, bigint][] = [
  ['0', 0n],
  ['42', 42n],
  ['0x1f', 31n],
  ['0X1F', 31n],
  ['0777', 511n],
  ['1_000_000', 1_000_000n],
  ['1e6', 1_000_000n],
  ['2e3', 2000n],
  ['0b101', 5n],
  ['0x1_f', 31n],
  ['123UL', 123n],
  ['5u', 5n],
  ['7ll', 7n],
  ['4294967295u', 4294967295n],
  ['9223372036854775807l', 9223372036854775807n],
  ['18446744073709551615ull', 18446744073709551615n],
  ['1e1_0', 10_000_000_000n],
  ['1e3ms', 1_000_000_000n],
  ['1_0_0_0', 1000n],
  ['10ms', 10_000_000n],
  ['1s', 1_000_000_000n],
  ['2m', 120_000_000_000n],
  ['18446744073709551615', 18446744073709551615n],
  ['0xffffffffffffffff', 18446744073709551615n],
];
for (const [raw, value] of intCases) {
  test(`integer literal ${raw} = ${value}`, () => {
    const e = literal(raw);
    assert.equal(e.kind === 'int' && { value: e.value, raw: e.raw }, { value, raw });
  });
}

test('string escapes are decoded: \\n \\t \\r \\\\ \\" \\xNN \\NNN', () => {
  const e = literal('"a\\n\\t\\r\\\\\\"\\x41\\x4\\101\\0z"');
  assert.is(e.kind === 'string' && e.value, 'a\n\t\r\\"A\x04A\0z');
});

test('true and false are booleans, not identifiers', () => {
  assert.equal(
    [literal('true'), literal('false')].map((e) => e.kind === 'bool' && e.value),
    [true, false],
  );
});

// ---- spans --------------------------------------------------------------------------------------------

test('spans: probe, attach point, block, statements and expressions', () => {
  const src = 'BEGIN {\n  @x[pid] = 1 + 2;\n}\nkprobe:vfs_read /pid > 1/ < @y++ >';
  const p = program(src);
  const [a, b] = p.probes;
  assert.is(at(a!.span), '1:1-3:2');
  assert.is(at(a!.attachPoints[0]!.span), '1:1-1:6');
  assert.is(at(a!.body.span), '1:7-3:2');
  const s = a!.body.statements[0]!;
  assert.is(at(s.span), '2:3-2:18');
  assert.is(s.kind, 'assign');
  if (s.kind !== 'assign') return;
  assert.is(text(s.target.span), '@x[pid]');
  assert.is(text(s.value.span), '1 + 2');
  assert.is(s.value.kind === 'binary' && at(s.value.opSpan), '2:15-2:16');
  assert.is(at(b!.span), '4:1-4:35');
  assert.is(b!.predicate && text(b!.predicate.span), 'pid > 1');
  assert.is(text(b!.body.span), '< @y++ >');
  assert.is(text(b!.body.statements[0]!.span), '@y++');
});

test('spans: calls, fields, casts, tuples, sizeof and types', () => {
  const pick = (src: string) => {
    const s = program(`BEGIN { ${src}; }`).probes[0]!.body.statements[0]!;
    return s.kind === 'expr-stmt' ? s.expr : (undefined as never);
  };
  const call = pick('printf("%d", pid)');
  assert.is(call.kind === 'call' && [text(call.span), text(call.nameSpan)].join('|'), 'printf("%d", pid)|printf');
  const field = pick('curtask->mm');
  assert.is(field.kind === 'field' && [text(field.span), text(field.nameSpan)].join('|'), 'curtask->mm|mm');
  const cast = pick('(struct task_struct *)curtask');
  assert.is(
    cast.kind === 'cast' && [text(cast.span), text(cast.type.span)].join('|'),
    '(struct task_struct *)curtask|struct task_struct *',
  );
  assert.is(text(pick('(1, 2)').span), '(1, 2)');
  assert.is(text(pick('sizeof(int32)').span), 'sizeof(int32)');
  assert.is(text(pick('-$x').span), '-$x');
  assert.is(text(pick('a ? b : c').span), 'a ? b : c');
  assert.is(text(pick('count[pid]').span), 'count[pid]');
  assert.is(text(pick('++$x').span), '++$x');
});

test('every node has a span inside the source', () => {
  const src =
    'config = { a = 1 } kprobe:f, kprobe:g /pid/ { let $x: uint8 = (uint8)1; for ($i : 0..3) { @m[$i, comm] += sizeof(struct s) } if ($x) { } else { @t = (1, "a").0 } }';
  const p = program(src);
  let count = 0;
  walk(p, (n: Node) => {
    count++;
    const s = (n as { span: { start: number; end: number } }).span;
    assert.ok(s.start >= 0 && s.end <= src.length && s.start <= s.end, `${n.kind} has a bad span`);
  });
  assert.ok(count > 30);
});

test.run();
