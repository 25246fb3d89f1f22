// The kernel functions kprobes list from /proc/kallsyms or available_filter_functions (runtime/kernel/functions.ts),
// walked as bytes: the same list as the plain reading (a regular expression a line), on fixtures and on this
// machine's own kallsyms; and the lines found by searching for a plain part of a name give the same functions.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KernelFunction } from '../../../lang/index.ts';
import {
  filterFunctions,
  functionsOnLinesWith,
  kallsymsFunctions,
  kernelFunctions,
  kernelFunctionsWith,
} from '../../../runtime/kernel/functions.ts';
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

/** available_filter_functions read the plain way: `name` or `name [module]`. */
function filterReference(text: string): KernelFunction[] {
  const out: KernelFunction[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)(?:\s+\[(\S+)\])?/.exec(line);
    if (m) out.push(m[2] ? { name: m[1]!, module: m[2] } : { name: m[1]! });
  }
  return out;
}

const FILTER_FIXTURE = [
  'vfs_read',
  'vfs_readv',
  'cleanup',
  'cleanup',
  'xfs_iread [xfs]',
  'cleanup [xfs]',
  'odd [a]b]',
  'spaced\t [mod]  ',
  'bare [',
  ' leading_space',
  '',
  'no_newline_at_end [ext4]',
].join('\n');

test('available_filter_functions: the same functions as the plain reading, duplicates kept', () => {
  const got = filterFunctions(Buffer.from(FILTER_FIXTURE, 'latin1'));
  assert.equal(got, filterReference(FILTER_FIXTURE));
  assert.equal(got.slice(4, 8), [
    { name: 'xfs_iread', module: 'xfs' },
    { name: 'cleanup', module: 'xfs' },
    { name: 'odd', module: 'a]b' },
    { name: 'spaced', module: 'mod' },
  ]);
});

/** The lines with `literal` give every function whose name has it, in order, as the whole list does. */
function sameNamesWith(kind: 'filter' | 'kallsyms', text: Buffer, literal: string): void {
  const whole = kind === 'filter' ? filterFunctions(text) : kallsymsFunctions(text);
  const found = functionsOnLinesWith(kind, text, literal);
  const named = (list: KernelFunction[]) => list.filter((f) => f.name.includes(literal));
  assert.equal(named(found), named(whole), `${kind} ${literal}`);
  // nothing the whole list lacks, and in its order
  let i = 0;
  for (const f of found) {
    while (i < whole.length && JSON.stringify(whole[i]) !== JSON.stringify(f)) i++;
    assert.ok(i < whole.length, `${kind} ${literal}: ${JSON.stringify(f)} is not in the whole list, in order`);
    i++;
  }
}

test('the lines with a plain part of a name: the same functions as the whole list has', () => {
  for (const literal of ['vfs_read', 'read', 'cleanup', 'xfs', 'a]b', 'mod', 'end', 'nothing', 'e'])
    sameNamesWith('filter', Buffer.from(FILTER_FIXTURE, 'latin1'), literal);
  for (const literal of ['vfs_read', 'cleanup', 'xfs', 'part', '__pfx_', 'ff', 'weak', 'no_such', 'e'])
    sameNamesWith('kallsyms', Buffer.from(FIXTURE, 'latin1'), literal);
  assert.equal(functionsOnLinesWith('kallsyms', Buffer.from(FIXTURE, 'latin1'), 'cleanup'), [
    { name: 'cleanup' },
    { name: 'cleanup', module: 'xfs' },
    { name: 'cleanup', module: 'ext4' },
  ]);
});

if (requireRoot('kallsyms functions')) {
  test("this machine's /proc/kallsyms: the same list as the plain reading", () => {
    const bytes = readFileSync('/proc/kallsyms');
    const got = kallsymsFunctions(bytes);
    assert.ok(got.length > 1000, `${got.length} functions`);
    assert.equal(got, reference(bytes.toString('latin1')));
    for (const literal of ['vfs_read', 'open', 'do_sys_', 'x', 'kmalloc', 'bpf_prog_', 'no_such_function'])
      sameNamesWith('kallsyms', bytes, literal);
  });

  test('kprobes are never offered the functions that hang a machine: rcu_*, the idle loop (bpftrace v0.26 too)', () => {
    const unsafe = (f: KernelFunction) =>
      f.name.startsWith('rcu_') || ['arch_cpu_idle', 'default_idle', 'bpf_dispatcher_xdp_func'].includes(f.name);
    const all = kernelFunctions();
    assert.ok(all.length > 1000, `${all.length} functions`);
    assert.ok(all.some((f) => f.name === 'vfs_read'));
    assert.equal(all.filter(unsafe), []);
    // found by a plain part as by the whole list
    assert.equal(kernelFunctionsWith('rcu_')?.filter(unsafe), []);
    assert.not.ok(
      kernelFunctionsWith('rcu_read')?.some((f) => f.name.startsWith('rcu_read')),
      'rcu_read_lock and friends are left out',
    );
    assert.equal(kernelFunctionsWith('idle')?.filter(unsafe), []);
    // the kernel lists them: the filter is what leaves them out
    const listed = kallsymsFunctions(readFileSync('/proc/kallsyms'));
    assert.ok(listed.some((f) => f.name === 'rcu_read_unlock_strict' || f.name.startsWith('rcu_')));
  });
}

test.run();
