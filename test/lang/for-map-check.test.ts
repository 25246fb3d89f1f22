// The checker's side of for ($kv : @map): what the loop variable is, and the mistakes it reports.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile } from '../../lang/index.ts';
import { typeName } from '../../lang/types.ts';
import type { ForMapStmt } from '../../lang/ast.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';

function loops(text: string) {
  const p = parse(sourceFile('stdin', text));
  const c = check(p.program!, fixedKernel);
  assert.ok(c.program, c.diagnostics.map((d) => d.message).join('\n'));
  return [...c.program!.forMaps.entries()].map(([s, info]) => ({
    stmt: s as ForMapStmt,
    kv: typeName(info.kvType),
    locals: [...info.locals.keys()],
  }));
}

test('$kv is (key, value); several keys make the key a tuple', () => {
  const [a, b, c] = loops(`BEGIN {
    @m[1] = "s"; @k["a", 2] = -3; @c[comm] = count();
    for ($x : @m) { } for ($y : @k) { } for ($z : @c) { } }`);
  assert.is(
    a!.kv,
    typeName({
      kind: 'tuple',
      elements: [
        { kind: 'int', bits: 64, signed: true },
        { kind: 'string', size: 2 },
      ],
    }),
  );
  assert.match(b!.kv, /^\(\(string\[2\], int64\), int64\)$/);
  assert.match(c!.kv, /, uint64\)$/);
});

test("avg() maps can be iterated: $kv.1 is the average, an integer signed like avg()'s values (bpftrace v0.26)", () => {
  const [a, b] = loops('BEGIN { @a[1] = avg(-3); @u[1] = avg((uint32)3); for ($x : @a) { } for ($y : @u) { } }');
  assert.is(a!.kv, '(int64, int64)');
  assert.is(b!.kv, '(int64, uint64)');
});

test('the body keeps its own variables; outer ones are not its locals', () => {
  const [l] = loops('BEGIN { @m[1] = 1; $out = 2; for ($kv : @m) { $in = $kv.1 + $out; } }');
  assert.equal(l!.locals, ['$kv', '$in']);
});

function varTypes(text: string): Record<string, string> {
  const c = check(parse(sourceFile('stdin', text)).program!, fixedKernel);
  assert.ok(c.program, c.diagnostics.map((d) => d.message).join('\n'));
  const [types] = [...c.program!.varTypes.values()];
  return Object.fromEntries([...types!].map(([n, t]) => [n, typeName(t)]));
}

// bpftrace v0.26 passes the loop body the outer variables' addresses (0.17 has no for loops over maps)
test('the body may assign outer variables; they stay outer variables, not locals', () => {
  const [l] = loops('BEGIN { @m[1] = 1; $n = 0; $s = "a"; for ($kv : @m) { $n += $kv.1; $s = "longer"; $n++; } }');
  assert.equal(l!.locals, ['$kv']);
});

test('a string the body assigns widens the outer variable for the code after the loop', () => {
  const t = varTypes('BEGIN { @m[1] = 1; $s = "a"; for ($kv : @m) { $s = "longer"; } print($s); }');
  assert.is(t['$s'], 'string[7]');
});

test('`let $x;` before the loop and first assigned inside it is the outer $x (bpftrace v0.26)', () => {
  const [l] = loops('BEGIN { @m[1] = 1; let $x; for ($kv : @m) { $x = $kv.0; break; } print($x); }');
  assert.equal(l!.locals, ['$kv']);
  assert.is(varTypes('BEGIN { @m[1] = 1; let $x; for ($kv : @m) { $x = "s"; } print($x); }')['$x'], 'string[2]');
});

test('a loop over a map the program first assigns later takes its final types (bpftrace v0.26)', () => {
  const [l] = loops('BEGIN { for ($kv : @m) { print($kv.1); } @m["k"] = "value"; }');
  assert.is(l!.kv, '(string[2], string[6])');
});

const errors: [string, string, string][] = [
  [
    'a map nothing assigns',
    'BEGIN { for ($kv : @m) { } }',
    'stdin:1:20-22: ERROR: @m is never assigned a value\nBEGIN { for ($kv : @m) { } }\n                   ~~\nHINT: assign to @m somewhere, e.g. @m[1] = 0\n',
  ],
  [
    'a map without keys',
    'BEGIN { @m = 1; for ($kv : @m) { } }',
    'stdin:1:28-30: ERROR: @m has no keys: for loops iterate over maps with keys\nBEGIN { @m = 1; for ($kv : @m) { } }\n                           ~~\nHINT: read it directly: @m\n',
  ],
  [
    'a histogram',
    'BEGIN { @m[1] = hist(5); for ($kv : @m) { } }',
    'stdin:1:37-39: ERROR: cannot iterate over @m: it holds hist() values\nBEGIN { @m[1] = hist(5); for ($kv : @m) { } }\n                                    ~~\nHINT: for loops work on maps of plain values and on count(), sum(), min(), max() and avg() maps\n',
  ],
  [
    'a stats() map (bpftrace v0.26 refuses it too: its entries combine only in user space)',
    'BEGIN { @m[1] = stats(5); for ($kv : @m) { } }',
    'stdin:1:38-40: ERROR: cannot iterate over @m: it holds stats() values\nBEGIN { @m[1] = stats(5); for ($kv : @m) { } }\n                                     ~~\nHINT: for loops work on maps of plain values and on count(), sum(), min(), max() and avg() maps\n',
  ],
  [
    'a loop variable that already exists',
    'BEGIN { $kv = 1; @m[1] = 1; for ($kv : @m) { } }',
    'stdin:1:29-47: ERROR: Loop declaration shadows existing variable: $kv\nBEGIN { $kv = 1; @m[1] = 1; for ($kv : @m) { } }\n                            ~~~~~~~~~~~~~~~~~~\n' +
      'stdin:1:9-16: NOTE: This is the initial assignment.\nBEGIN { $kv = 1; @m[1] = 1; for ($kv : @m) { } }\n        ~~~~~~~\n' +
      'HINT: give the loop variable a name of its own\n',
  ],
  [
    'a body variable used after the loop',
    'BEGIN { @m[1] = 1; for ($kv : @m) { $y = 1; } @z = $y; }',
    'stdin:1:52-54: ERROR: Undefined or undeclared variable: $y\nBEGIN { @m[1] = 1; for ($kv : @m) { $y = 1; } @z = $y; }\n                                                   ~~\n' +
      'stdin:1:37-43: NOTE: $y was declared here\nBEGIN { @m[1] = 1; for ($kv : @m) { $y = 1; } @z = $y; }\n                                    ~~~~~~\n' +
      'HINT: $y ended with the block it was declared in: to use it here, declare it before that block with `let $y;`\n',
  ],
  [
    'a map widened after the loop',
    'BEGIN { @m["a"] = 1; for ($kv : @m) { } @m["longer"] = 2; }',
    'stdin:1:33-35: ERROR: @m is used with wider keys or values after this loop\nBEGIN { @m["a"] = 1; for ($kv : @m) { } @m["longer"] = 2; }\n                                ~~\nHINT: use the map with its final types (its longest strings, say) before the loop\n',
  ],
];

for (const [name, text, want] of errors) test(`error: ${name}`, () => assert.is(diagnose(text), want));

test('break and continue belong to the loop; reads of outer variables and maps are fine', () => {
  assert.is(
    diagnose(
      'BEGIN { @m[1] = 1; $o = 3; for ($kv : @m) { if ($kv.0 == $o) { break; } @n[$kv.0] = $kv.1 + @m[2]; continue; } }',
    ),
    '',
  );
});

test.run();
