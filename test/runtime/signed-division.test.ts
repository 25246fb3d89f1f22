// Signed / and % as cpu v4's sdiv/smod (CompileOptions.signedDivision, where the kernel has them) and as the
// emulation with unsigned division give the same answers, C's: truncation toward zero, the dividend's sign.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasmListing } from '../../compiler/index.ts';
import { hasSignedDivision, hostKernelInfo, Session, type TraceEvent } from '../../runtime/index.ts';
import { requireRoot, skipCheck } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

// map values, so neither the checker nor the optimizer knows them
const PROGRAM = `BEGIN {
  @n[0] = -7; @n[1] = 2; @n[2] = 7; @n[3] = -3; @n[4] = -9223372036854775807 - 1; @n[5] = -1;
  printf("%d %d %d %d %d %d\\n", @n[0] / @n[1], @n[0] % @n[1], @n[2] / @n[3], @n[2] % @n[3], @n[0] / @n[3], @n[0] % @n[3]);
  printf("%d %d %d %d\\n", @n[4] / @n[5] == @n[4], @n[4] % @n[5], @n[4] / @n[1] == -4611686018427387904, @n[4] % @n[3]);
  exit();
}`;
const EXPECTED = '-3 -1 -2 1 2 -1\n1 0 1 -2\n';

// `@m op= v` on a signed value computes as `@m = @m op v` does, in a scalar cell and in a hash (until 2026-12-07
// it divided unsigned: @a /= 2 of -7 was 9223372036854775804). `>>` and `>>=` shift logically whatever the sign,
// as bpftrace does (v0.26's codegen: LShr): -16 >> 2 is 4611686018427387900 (%d shows its low half, -4).
const COMPOUND = `BEGIN {
  @a = -7; @a /= 2; @b = -7; @b %= 2; @s = -16; @s >>= 2;
  @h[1] = 7; @h[1] /= -3; @m[1] = -7; @m[1] %= 3; @r[1] = -64; @r[1] >>= 3; @u = (uint64)20; @u /= 3;
  printf("%d %d %ld %d %d %ld %d\\n", @a, @b, @s, @h[1], @m[1], @r[1], @u);
  exit();
}`;
const COMPOUND_EXPECTED = '-3 -1 4611686018427387900 -2 -1 2305843009213693944 6\n';

test('with signedDivision, signed / and % are one instruction each; without, no sdiv/smod at all', () => {
  const text = 'BEGIN { @n = -7; $a = @n; printf("%d %d\\n", $a / 2, $a % 3); }';
  const listing = (signedDivision: boolean) =>
    compileText(text, undefined, { signedDivision, optimize: true })
      .programs.map((p) => disasmListing(p.bytecode))
      .join('');
  const v4 = listing(true);
  assert.match(v4, /r\d s\/= /);
  assert.match(v4, /r\d s%= /);
  assert.not.match(listing(false), / s[/%]= /);
});

// A literal divisor above zero: the operation with the divisor as an immediate, and no zero check (its warning
// record could never be sent); the unoptimized code says so, and the kernel gives the same answers as above.
const LITERAL =
  'BEGIN { @n = -7; $a = @n; printf("%d %d %lu %lu\\n", $a / 2, $a % 3, (uint64)$a / 1000, (uint64)$a % 7); exit(); }';
const LITERAL_EXPECTED = '-3 -1 18446744073709551 2\n';

test('a literal divisor above zero is an immediate, with no zero check; a literal 0 keeps the check', () => {
  const compiled = compileText(LITERAL, undefined, { signedDivision: true, optimize: false });
  const listing = compiled.programs.map((p) => disasmListing(p.bytecode)).join('');
  for (const op of [/r0 s\/= 2\n/, /r0 s%= 3\n/, /r0 \/= 1000\n/, /r0 %= 7\n/]) assert.match(listing, op);
  assert.not.ok(compiled.events.some((e) => e.kind === 'runtime-warning'));
  const byZero = compileText('BEGIN { @n = 7; $a = @n; print($a / 0); }', undefined, { optimize: false });
  assert.ok(byZero.events.some((e) => e.kind === 'runtime-warning'));
});

if (requireRoot('signed division')) {
  const run = async (signedDivision: boolean, text = PROGRAM): Promise<string> => {
    const events: TraceEvent[] = [];
    const prog = compileText(text, hostKernelInfo(), { signedDivision, optimize: true, settings: {} });
    const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
    assert.is(await s.done, 0);
    return events.map((e) => (e.kind === 'printf' ? e.text : '')).join('');
  };

  test('the emulation with unsigned division: truncation toward zero, the dividend sign, INT64_MIN / -1', async () => {
    assert.is(await run(false), EXPECTED);
    assert.is(await run(false, COMPOUND), COMPOUND_EXPECTED);
  });

  if (hasSignedDivision())
    test('sdiv/smod on this kernel answer the same, and with a literal divisor as an immediate', async () => {
      assert.is(await run(true), EXPECTED);
      assert.is(await run(true, COMPOUND), COMPOUND_EXPECTED);
      const events: TraceEvent[] = [];
      const prog = compileText(LITERAL, hostKernelInfo(), { signedDivision: true, optimize: false, settings: {} });
      const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
      assert.is(await s.done, 0);
      assert.is(events.map((e) => (e.kind === 'printf' ? e.text : '')).join(''), LITERAL_EXPECTED);
    });
  else
    skipCheck(
      'signed division sdiv/smod',
      'this kernel has no BPF_SDIV (cpu v4, Linux 6.6); only the emulation is run',
    );
}

test.run();
