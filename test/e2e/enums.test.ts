// Enum values print as their enumerator's name, as in bpftrace v0.26: enumerators of the script's enums and
// the kernel's (BTF), values cast to an enum, enum-typed tracepoint fields; arithmetic gives a plain number, and
// a value no enumerator has prints as the number. `-f json` keeps numbers except in printf's %s and map keys (v0.26 too).
// bpftrace 0.17 printed every one of these as a number and refused %s of an enum.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint } from '../helpers/kernel.ts';
import { scriptFile } from '../helpers/script-file.ts';

const ENUM = 'enum Foo { ONE = 1, TWO = 2, OTHER = 99999 }; enum { A, B, C };';

async function lines(prog: string, ...flags: string[]): Promise<string[]> {
  const r = await runScry(['-q', ...flags, '-e', `${ENUM} ${prog}`]);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

if (requireRoot('e2e enums')) {
  test('map keys, values, tuples and variables keep the enum; arithmetic and mixing with numbers drop it', async () => {
    assert.equal(
      await lines('BEGIN { @k[ONE] = 11; @k[TWO] = 22; @v = OTHER; @t = (ONE, TWO); @m[ONE, B] = 1; exit(); }'),
      ['@k[ONE]: 11', '@k[TWO]: 22', '@m[ONE, B]: 1', '@t: (ONE, TWO)', '@v: OTHER'],
    );
    assert.equal(await lines('BEGIN { $x = TWO; $t = (A, C); print($x); print($t); print(ONE + 1); exit(); }'), [
      'TWO',
      '(A, C)',
      '2',
    ]);
    // one map keyed by both an enumerator and a computed number is a map of numbers
    assert.equal(await lines('BEGIN { @[ONE + 1] = TWO + 1; @[ONE] = ONE; exit(); }'), ['@[1]: 1', '@[2]: 3']);
  });

  test('casts to an enum name the value when an enumerator has it, else print the number', async () => {
    assert.equal(await lines('BEGIN { $x = 99999; $y = 5; print((enum Foo)$x); print((enum Foo)$y); exit(); }'), [
      'OTHER',
      '5',
    ]);
  });

  // (a literal no enumerator has is refused, as v0.26 refuses (enum Foo)7: a computed one prints as its number)
  test('printf %s names an enum value (widths apply to the name), %d prints its number', async () => {
    assert.equal(
      await lines('BEGIN { $v = 7; printf("%d %s|%-5s|%5s|%s\\n", TWO, TWO, A, B, (enum Foo)$v); exit(); }'),
      ['2 TWO|A    |    B|7'],
    );
  });

  test('-f json: enum values are numbers, as bpftrace v0.26 writes them, except printf %s and map keys', async () => {
    // v0.26 writes a key as its text: the enumerator's name
    assert.equal(
      await lines('BEGIN { @v = ONE; print(TWO); printf("%s\\n", OTHER); @k[TWO, 1] = ONE; exit(); }', '-f', 'json'),
      [
        '{"type": "value", "data": 2}',
        '{"type": "printf", "data": "OTHER\\n"}',
        '{"type": "map", "data": {"@k": {"TWO,1": 1}}}',
        '{"type": "map", "data": {"@v": 1}}',
      ],
    );
  });

  test('kernel enumerators from BTF print by name too (enum btf_func_linkage)', async () => {
    assert.equal(
      await lines('BEGIN { @l = BTF_FUNC_GLOBAL; printf("%s %d\\n", BTF_FUNC_STATIC, BTF_FUNC_STATIC); exit(); }'),
      ['BTF_FUNC_STATIC 0', '@l: BTF_FUNC_GLOBAL'],
    );
  });
}

// A UDP datagram to a closed port is dropped with SKB_DROP_REASON_NO_SOCKET (enum skb_drop_reason in BTF)
if (requireTracepoint('e2e enums tracepoint', 'skb/kfree_skb')) {
  test('an enum-typed tracepoint field prints by name (args.reason of skb:kfree_skb)', async () => {
    const r = await runScry([
      '-q',
      '-c',
      scriptFile('echo x > /dev/udp/127.0.0.1/9', '/bin/bash'),
      '-e',
      // no pid filter: the drop may be processed in a softirq on another task's time
      'tracepoint:skb:kfree_skb { @[args.reason] = count(); @n[args.reason] = (uint64)args.reason; }',
    ]);
    assert.is(r.stderr, '');
    assert.match(r.stdout, /\n@\[SKB_DROP_REASON_NO_SOCKET\]: \d+\n/);
    assert.match(r.stdout, /\n@n\[SKB_DROP_REASON_NO_SOCKET\]: \d+\n/);
  });
}

test.run();
