// Integer operators compute in 64 bits, as bpftrace (0.17 and v0.26) does: scry used C's promotion and printed
// (uint32)65536 * (uint32)65536 as 0, (uint16)65535 squared as -131071 and two uint32 4e9 added as 3705032704.
// The result is signed as v0.26 types it (either operand signed, or `-`), and `$x op= v` and `$x++` widen the
// variable as `$x = $x op v` does (v0.26.1 tests/type_resolver.cpp unop; runtime intcast "Binop on 32bit int").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

async function out(prog: string): Promise<string> {
  const r = await runScry(['-q', '-e', prog]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout.replace(/\n+/g, '\n');
}

if (requireRoot('e2e integer width')) {
  test('narrow operands do not wrap at 32 bits', async () => {
    assert.is(
      await out(
        'BEGIN { $a = (uint32)65536; $b = (uint16)65535; $c = (uint32)4000000000; $d = (uint8)1; $e = (uint32)0x80000000; @m = $a * $a; @n = $b * $b; @p = $c + $c; @s = $d << 40; @t = $e << 1; exit(); }',
      ),
      '\n@m: 4294967296\n@n: 4294836225\n@p: 8000000000\n@s: 1099511627776\n@t: 4294967296\n',
    );
  });

  test('a difference is signed; an unsigned and a signed operand give a signed result', async () => {
    assert.is(
      await out(
        'BEGIN { $a = (uint32)3; $b = (uint32)5; $u = (uint64)1; $s = -5; @d = $a - $b; @e = (uint64)1 - (uint64)2; @f = $u + $s; exit(); }',
      ),
      '\n@d: -2\n@e: -1\n@f: -4\n',
    );
  });

  test('$x op= v and $x++ widen the variable; a declared one keeps its type', async () => {
    assert.is(
      await out(
        'BEGIN { $a = (int8)127; $a += 1; $b = (uint8)255; $b++; $c = (uint16)65535; ++$c; $d = (uint8)0; $d--; let $e: uint8 = 255; $e++; printf("%d %d %d %ld %d\\n", $a, $b, $c, $d, $e); exit(); }',
      ),
      '128 256 65536 -1 0\n',
    );
  });

  // v0.26 compares as it promotes (types.cpp get_promoted_int), not as C converts: a signed side narrower than
  // or as wide as the unsigned one makes both signed at twice the width (int64 at most), so a uint32 of all ones
  // is above an int32 -1 (C: equal) and a uint64 above -1 (C: below). Checked against v0.26.1's rules by hand;
  // bpftrace 0.17 printed `0 0 1` for the first line.
  test('comparisons of mixed signs promote as v0.26 does', async () => {
    assert.is(
      await out(
        'BEGIN { $a = (uint32)4294967295; $b = (int32)-1; $c = (int8)-1; $u = (uint64)3; $v = (uint8)200; $w = (int8)-56; printf("%d %d %d|%d %d|%d %d|%d %d\\n", $a == $b, $a > $b, $a < $b, (uint32)5 > $c, $a == (int16)-1, $u > -1, $u < $c, $v == $w, $v > $w); exit(); }',
      ),
      '0 1 0|1 0|1 0|0 1\n',
    );
    // a variable or map holding only non-negative literals takes the other side's sign, as the literal would
    // (v0.26 types it sign-flexible): u64 max is above $b = 1, unsigned; $c also took a u64, so it is no literal
    assert.is(
      await out(
        'BEGIN { $a = (uint64)-1; $b = 1; $c = 1; $c = $a; $d = -1; @m = 1; printf("%d %d %d %d %d\\n", $a > $b, $b < $a, $c > $b, $a > @m, $a > $d); exit(); }',
      ),
      '1 1 1 1 0\n@m: 1\n',
    );
    // and the branches of ?: (v0.26 type_resolver.cpp IfExpr: get_promoted_type of both): a u32 or u64 branch
    // against -1 is an int64 (C would make -1 unsigned)
    assert.is(
      await out(
        'BEGIN { $x = (uint32)7; $c = nsecs > 0; @a = $c ? $x : -1; @b = !$c ? $x : -1; @d = !$c ? (uint64)5 : -1; @f = !$c ? (uint8)200 : (int8)-1; exit(); }',
      ),
      '\n@a: 7\n@b: -1\n@d: -1\n@f: -1\n',
    );
    // the same in arithmetic: u64 + a variable holding 1 is unsigned (v0.26 get_binop_int), as u64 + 1 is
    assert.is(
      await out('BEGIN { $a = (uint64)-2; $b = 1; @x = $a + $b; @y = $a + 1; exit(); }'),
      '\n@x: 18446744073709551615\n@y: 18446744073709551615\n',
    );
  });

  // `>>` shifts logically whatever the sign (v0.26 codegen_llvm.cpp binop_int: CreateLShr; 0.17 the same), and
  // so does `>>=`; two literals fold as v0.26 folds them (arithmetic, in its C++: -16 >> 2 is -4).
  test('>> of a negative value shifts in zeros; literals fold arithmetically', async () => {
    assert.is(
      await out(
        'BEGIN { $a = -16; $b = (int32)-8; @m = -256; @m >>= 4; printf("%ld %ld %ld %ld\\n", $a >> 63, $a >> 2, $b >> 1, -16 >> 2); exit(); }',
      ),
      '1 4611686018427387900 9223372036854775804 -4\n@m: 1152921504606846960\n',
    );
  });

  // v0.26 negates and complements at the operand's width (codegen_llvm.cpp unop_int on the operand's own LLVM
  // type) and types the result (u)int64 by the operand's sign; bpftrace 0.17 printed the same `0 255` line.
  test('-x and ~x wrap at the operand width', async () => {
    assert.is(
      await out(
        'BEGIN { $x = (uint8)255; $y = (uint8)1; $z = (int8)-128; printf("%d %d %d %d %ld\\n", ~$x, -$y, ~(uint16)0, -$z, -(uint32)5); exit(); }',
      ),
      '0 255 65535 -128 4294967291\n',
    );
  });

  // a map first assigned a literal, then a u64, is a u64 map (v0.26 type_resolver map_value_promotion_integers):
  // scry stored it signed and printed -1, -2130706432, and a negative key for u64 max
  test('a map of a literal and a u64 holds u64 values and keys', async () => {
    assert.is(
      await out(
        'BEGIN { @a = 0; @a = (uint64)0xffffffff81000000; @b = 1; @b = (uint64)-2; @c = @b / 2; @d = @b > 5; @k[1] = 1; @k[(uint64)-1] = 2; exit(); }',
      ),
      '\n@a: 18446744071578845184\n@b: 18446744073709551614\n@c: 9223372036854775807\n@d: true\n@k[1]: 1\n@k[18446744073709551615]: 2\n',
    );
  });
}

test.run();
