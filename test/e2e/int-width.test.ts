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
}

test.run();
