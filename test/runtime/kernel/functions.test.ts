// The kernel functions kprobes list from /proc/kallsyms (runtime/kernel/functions.ts), walked as bytes: the same
// list as the plain reading (a regular expression a line), on a fixture and on this machine's own file.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kallsymsFunctions } from '../../../runtime/kernel/functions.ts';
import { requireRoot } from '../../helpers/kernel.ts';

/** The plain reading: text symbols, no compiler-made parts or padding, each name once per module. */
function reference(text: string) {
  const out: { name: string; module?: string }[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^[0-9a-f]+ [tT] (\S+)(?:\s+\[(\S+)\])?/.exec(line);
    if (!m || m[1]!.includes('.') || m[1]!.startsWith('__pfx_')) continue;
    const key = `${m[1]}\0${m[2] ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m[2] ? { name: m[1]!, module: m[2] } : { name: m[1]! });
  }
  return out;
}

const FIXTURE = [
  'ffffffff81000000 T _text',
  'ffffffff81001000 t __pfx_vfs_read',
  'ffffffff81001010 T vfs_read',
  'ffffffff81002000 t cleanup',
  'ffffffff81003000 t cleanup',
  'ffffffff81004000 t helper.cold',
  'ffffffff81005000 d some_data',
  'ffffffff81006000 W weak_fn',
  '0000000000000000 T hidden_but_listed',
  'ffffffffc0001000 t xfs_iread\t[xfs]',
  'ffffffffc0002000 t cleanup\t[xfs]',
  'ffffffffc0003000 t cleanup\t[xfs]',
  'ffffffffc0004000 t cleanup\t[ext4]',
  'ffffffffc0005000 t xfs_part.isra.0\t[xfs]',
  'ffffffffc0006000 T __pfx_xfs_x\t[xfs]',
  'ffffffffc0007000 b xfs_bss\t[xfs]',
  '',
].join('\n');

test('text symbols, each name once per module, no parts or padding', () => {
  const got = kallsymsFunctions(Buffer.from(FIXTURE));
  assert.equal(got, reference(FIXTURE));
  assert.equal(got, [
    { name: '_text' },
    { name: 'vfs_read' },
    { name: 'cleanup' },
    { name: 'hidden_but_listed' },
    { name: 'xfs_iread', module: 'xfs' },
    { name: 'cleanup', module: 'xfs' },
    { name: 'cleanup', module: 'ext4' },
  ]);
  assert.equal(kallsymsFunctions(Buffer.from('ffffffff81001010 T last_line_without_newline')), [
    { name: 'last_line_without_newline' },
  ]);
});

if (requireRoot('kallsyms functions')) {
  test("this machine's /proc/kallsyms: the same list as the plain reading", () => {
    const bytes = readFileSync('/proc/kallsyms');
    const got = kallsymsFunctions(bytes);
    assert.ok(got.length > 1000, `${got.length} functions`);
    assert.equal(got, reference(bytes.toString('latin1')));
  });
}

test.run();
