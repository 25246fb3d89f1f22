// bpftrace v0.26 syntax that 0.17 lacks (0.17 refuses each of these with a syntax error): block expressions
// `{ …; value }`, the discard `_ = e`, and records `(a = 1, b = 2)` reached by field name. Parsed by both
// parsers (parser-helpers.ts), then checked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, renderDiagnostics } from '../../lang/index.ts';
import { typeName } from '../../lang/types.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';
import { program, stmts } from './parser-helpers.ts';

test('a block in value position is a block expression; at the start of a statement it stays a block', () => {
  assert.equal(stmts('BEGIN { $x = { $y = 1; $y + 1 }; { $z = 2; } }'), ['(= $x ({(= $y 1) (+ $y 1)}))', '{(= $z 2)}']);
  assert.equal(stmts('BEGIN { if ({ let $a = 1; $a }) { print(1); } }'), ['(if ({(let $a 1) $a}) {(print() 1)})']);
  assert.match(diagnose('BEGIN { $x = { $y = 1; }; }'), 'ERROR: a block used as a value must end with an expression');
});

test('_ = e evaluates e and drops its value; _ is no variable', () => {
  assert.equal(stmts('BEGIN { _ = { print(1); 1 } }'), ['({(print() 1) 1})']);
  assert.match(diagnose('BEGIN { _ += 1; }'), 'cannot assign to this expression');
});

test('records: named elements, reached by name or position; their types name the fields', () => {
  assert.equal(stmts('BEGIN { $r = (a = 1, b = "s", c = (x = 2)) }'), ['(= $r (record a=1 b="s" c=(record x=2)))']);
  const p = program('BEGIN { $r = (a = 1, b = "s"); @x = $r.a; @y = $r.1; @z = $r; }');
  const out = check(p, fixedKernel, { params: [] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  const vars = out.program!.varTypes.values().next().value!;
  assert.is(typeName(vars.get('$r')!), '(a=int8, b=string[2])');
  assert.match(diagnose('BEGIN { $r = (a = 1, b = 2); @x = $r.c; }'), 'this record has no field c');
  assert.match(diagnose('BEGIN { $r = (a = 1, 2); }'), 'every element of a record needs a name');
  assert.match(diagnose('BEGIN { $r = (a = 1, a = 2); }'), 'the record names a twice');
});

test('interval:1s, i:500ms, interval:1000000000 (ns) are named in microseconds as v0.26 names them; profile:99hz stays hz', () => {
  const out = check(
    program('interval:1s { } i:500ms { } interval:1000000000 { } i:1e6 { } profile:1ms { } profile:99hz { } i:s:2 { }'),
    fixedKernel,
    { params: [] },
  );
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  assert.equal(
    out.program!.probes.map((p) => p.attach.map((a) => a.text)),
    [
      ['interval:us:1000000'],
      ['interval:us:500000'],
      ['interval:us:1000000'],
      ['interval:us:1000'],
      ['profile:us:1000'],
      ['profile:hz:99'],
      ['interval:s:2'],
    ],
  );
  // a number alone is nanoseconds, at least a microsecond of them (v0.26's minimum)
  assert.match(diagnose('interval:5 { }'), 'interval:5 is 5 nanoseconds, and the shortest interval is 1000 (1us)');
  assert.match(diagnose('interval:ms:5s { }'), "invalid interval rate '5s'");
});

test('name=provider:…: the probe named by the user (bpftrace v0.26), what `probe` is at each of its points', () => {
  const out = check(
    program('tick=interval:s:1 { } sc=tracepoint:syscalls:sys_enter_* { @[probe] = count(); }'),
    fixedKernel,
    {
      params: [],
    },
  );
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  const [tick, sc] = out.program!.probes.map((p) => p.attach.map((a) => a.text));
  assert.equal(tick, ['tick']);
  assert.ok(sc!.length > 1 && sc!.every((t) => t === 'sc'), String(sc));
  assert.match(diagnose('x=nosuch:a { }'), "unknown probe type 'nosuch'");
});

test('let @m = hash(N) before the probes declares a map; unknown kinds and sizes are refused, an unused one warned', () => {
  const p = program('let @a = lruhash(2); let @b = percpuhash(10) BEGIN { @a[1] = 1; @b[1] = count(); }');
  assert.equal(
    p.mapDecls?.map((d) => [d.name, d.mapKind, d.maxEntries]),
    [
      ['@a', 'lruhash', 2],
      ['@b', 'percpuhash', 10],
    ],
  );
  assert.match(diagnose('let @a = tree(2); BEGIN { @a = 1; }'), 'unknown map type tree');
  assert.match(diagnose('let @a = hash(0); BEGIN { @a = 1; }'), 'hash() needs its number of entries');
  assert.match(diagnose('let @a = hash(5); BEGIN { @b = 1; }'), 'WARNING: Unused map: @a');
});

test('tuples: a tuple key is the multi-key of its elements; == compares element-wise; $t[i] by a constant', () => {
  const out = check(
    program('BEGIN { @m[(1, "a")] = 1; @m[2, "bc"] = 2; $t = (1, 2, 3); @x = $t[1 + 1]; }'),
    fixedKernel,
    {
      params: [],
    },
  );
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  assert.equal(out.program!.maps.get('@m')!.keys.map(typeName), ['int64', 'string[3]']);
  const x = out.program!.maps.get('@x')!.value;
  assert.is(x.kind === 'value' && typeName(x.type), 'int64');
  assert.is(diagnose('BEGIN { $a = (1, "x"); if ($a == (2, "yz")) { } }'), '');
  assert.match(
    diagnose('BEGIN { $a = (1, 2); if ($a == (1, "x")) { } }'),
    'cannot compare (int8, int8) with (int8, string[2])',
  );
  assert.match(diagnose('BEGIN { $t = (1, 2); $i = 0; @x = $t[$i]; }'), 'a tuple is indexed by a constant');
  assert.match(diagnose('BEGIN { $t = (1, 2); @x = $t[2]; }'), 'tuple index 2 is out of range');
});

test('?: without a value takes the condition; if/else as a value; ?: of two statements; tuple branches unify', () => {
  assert.equal(stmts('BEGIN { $a = $x ?: 10; }'), ['(= $a (? $x $x 10))']);
  assert.equal(stmts('BEGIN { print(if ($x) { 1 } else if ($y) { 2 } else { $z = 3; $z }); }'), [
    '(print() (? $x ({1}) (? $y ({2}) ({(= $z 3) $z}))))',
  ]);
  assert.is(diagnose('BEGIN { $x = 1; $y = $x ? { if ($x) { 1 } else { 2 } } : 0; }'), '');
  assert.is(diagnose('BEGIN { 1 ? printf("a") : printf("b"); }'), '');
  assert.is(diagnose('BEGIN { $t = 1 ? ("long string", 1) : ("s", 2); }'), '');
  assert.match(diagnose('BEGIN { $v = 1 ? printf("x") : 2; }'), 'the branches of ?: must both be');
});

test('printf %s of a bool prints true/false (bpftrace v0.26 takes any value for %s); %d its 0/1', () => {
  assert.is(diagnose('BEGIN { printf("%s %d\\n", 1 == 1, 2 > 3); }'), '');
});

test('config={…} without spaces is the config block (other.valid license writes it so)', () => {
  assert.equal(
    program('config={max_strlen=10} BEGIN { }').config.map((c) => c.name),
    ['max_strlen'],
  );
});

test('buffers compare with == and != by length and bytes (bpftrace v0.26)', () => {
  assert.is(diagnose('BEGIN { $a = buf("hi", 2); $b = buf("bye", 3); @x = ($a == $b, $a != $a); }'), '');
  assert.match(diagnose('BEGIN { $a = buf("hi", 2); @x = $a < $a; }'), 'needs an integer, got buffer[2]');
});

test('positional parameters in attach points stand for their text (i:ms:$1, BEG$1)', () => {
  const out = check(program('i:ms:$1 { } BEG$2 { }'), fixedKernel, { params: ['5', 'IN'] });
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  assert.equal(
    out.program!.probes.map((p) => p.attach.map((a) => a.text)),
    [['interval:ms:5'], ['BEGIN']],
  );
});

test.run();
