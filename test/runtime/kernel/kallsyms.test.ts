// /proc/kallsyms read by hand (runtime/kernel/kallsyms.ts): the same answers as splitting it into lines, on a
// text with modules out of order, hidden addresses and data symbols, and on this machine's own file.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  parseKernelSymbols,
  readKallsyms,
  symbolAddress,
  symbolAt,
  symbolResolver,
} from '../../../runtime/kernel/kallsyms.ts';
import { checkAgainstReading, reference } from '../../helpers/kallsyms-reference.ts';
import { requireRoot, skipCheck } from '../../helpers/kernel.ts';

const FIXTURE = [
  '0000000000000000 A fixed_percpu_data',
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T startup_64',
  'ffffffff81000100 t secondary_startup',
  'ffffffff81000200 D some_data',
  'ffffffff81000300 W weak_fn',
  'ffffffff81000400 T vfs_read',
  'ffffffffc0002000 t mod_b_fn\t[mod_b]',
  'ffffffffc0001000 t mod_a_fn\t[mod_a]',
  'ffffffffc0001000 T mod_a_alias\t[mod_a]',
  'ffffffff81000400 t vfs_read.cold',
  'ffffffff81000500 b vfs_read',
  '',
].join('\n');

test('a fixture: functions by address, the last of equal addresses, modules sorted in; names of any type', () => {
  const t = parseKernelSymbols(Buffer.from(FIXTURE, 'latin1'));
  const ref = reference(FIXTURE);
  assert.is(t.addrs.length, ref.rows.length);
  for (const addr of [0n, 0xffffffff80ffffffn, 0xffffffff81000000n, 0xffffffff81000050n, 0xffffffff81000200n]) {
    assert.equal(symbolAt(t, addr), ref.at(addr), `0x${addr.toString(16)}`);
  }
  for (const addr of [0xffffffff81000400n, 0xffffffff81000450n, 0xffffffffc0001000n, 0xffffffffc0001008n]) {
    assert.equal(symbolAt(t, addr), ref.at(addr), `0x${addr.toString(16)}`);
  }
  assert.equal(symbolAt(t, 0xffffffff81000008n), { name: 'startup_64', offset: 8n });
  assert.equal(symbolAt(t, 0xffffffff81000210n), { name: 'secondary_startup', offset: 0x110n }, 'data skipped');
  assert.equal(symbolAt(t, 0xffffffffc0001004n), { name: 'mod_a_alias', offset: 4n });
  assert.equal(symbolAt(t, 0xffffffffc0002001n), { name: 'mod_b_fn', offset: 1n });
  assert.is(symbolAt(t, 0x1000n), undefined);
  const text = Buffer.from(FIXTURE, 'latin1');
  for (const name of ['vfs_read', 'some_data', 'mod_a_fn', 'mod_b_fn', '_stext', 'weak_fn', 'vfs_read.cold'])
    assert.is(symbolAddress(text, name), ref.byName.get(name), name);
  assert.is(symbolAddress(text, 'vfs_read'), 0xffffffff81000400n, 'the first of two');
  assert.is(symbolAddress(text, 'fixed_percpu_data'), undefined, 'a zero address is hidden');
  for (const name of ['vfs', 'read', 'mod_a', 'no_such', '', 'vfs_read extra'])
    assert.is(symbolAddress(text, name), undefined);
});

/** Each symbol's address and the addresses around it, and some between. */
function probeAddresses(text: string): bigint[] {
  const out = [0n, 1n, 0xffffffffffffffffn];
  for (const line of text.split('\n')) {
    const digits = /^[0-9a-f]+/.exec(line)?.[0];
    if (!digits) continue;
    const a = BigInt(`0x${digits}`);
    out.push(a, a + 1n, a - 1n, a + 0x7fn);
  }
  return out.filter((a) => a >= 0n);
}

/** The binary search over the text answers as the whole table does. */
function sameAsTable(text: string, why: string): void {
  const bytes = Buffer.from(text, 'latin1');
  const table = parseKernelSymbols(bytes);
  const resolve = symbolResolver(bytes);
  for (const addr of probeAddresses(text)) {
    // twice: the second answer is the remembered one
    assert.equal(resolve(addr), symbolAt(table, addr), `${why}: 0x${addr.toString(16)}`);
    assert.equal(resolve(addr), symbolAt(table, addr), `${why} again: 0x${addr.toString(16)}`);
  }
}

test('the binary search over the text: the same answers as the table', () => {
  sameAsTable(FIXTURE, 'the fixture');
  sameAsTable(FIXTURE.split('\n').slice(1).join('\n'), 'no hidden first line');
  const core = ['ffffffff81000000 T _stext', 'ffffffff81000010 t a', 'ffffffff81000010 T a_alias'];
  // more data symbols between two functions than the search steps back over: the table answers
  for (let i = 0; i < 100; i++) core.push(`ffffffff81001${i.toString(16).padStart(3, '0')} d data_${i}`);
  core.push('ffffffff81002000 T after_data', 'ffffffff81002000 w after_data_weak', 'ffffffff81003000 T last');
  sameAsTable(`${core.join('\n')}\n`, 'data between');
  sameAsTable(`${core.join('\n')}`, 'no newline at the end');
  sameAsTable(`${core.join('\n')}\nffffffffc0000000 t m\t[mod]\nffffffff81002000 t in_mod\t[mod]\n`, 'a module');
  const broken = [...core.slice(0, 50), 'not a symbol line', ...core.slice(50)];
  sameAsTable(`${broken.join('\n')}\n`, 'a malformed line');
  sameAsTable('', 'empty');
  sameAsTable('0000000000000000 T _stext\n0000000000000000 t vfs_read\n', 'hidden');
});

test('hidden addresses (kptr_restrict): nothing resolves', () => {
  const text = Buffer.from('0000000000000000 T _stext\n0000000000000000 t vfs_read\n', 'latin1');
  assert.is(parseKernelSymbols(text).addrs.length, 0);
  assert.is(symbolAt(parseKernelSymbols(text), 0xffffffff81000000n), undefined);
  assert.is(symbolAddress(text, 'vfs_read'), undefined);
});

if (requireRoot('kallsyms')) {
  const text = readFileSync('/proc/kallsyms');
  if (!reference(text.toString('latin1')).rows.length)
    skipCheck('kallsyms', 'this machine hides kernel addresses from /proc/kallsyms');
  else
    test('this machine: 3,000 addresses and 500 names answered as the plain reading answers them', () => {
      assert.ok(checkAgainstReading(text));
      // read again, into one buffer: the kernel's own symbols (before the first module's) are the same bytes
      const again = readKallsyms();
      const core = (b: Buffer) => b.subarray(0, b.indexOf('\t[') < 0 ? b.length : b.indexOf('\t['));
      assert.ok(core(again).equals(core(text)), 'readKallsyms reads what readFileSync reads');
    });
}

test.run();
