// USDT arguments past arg5 (a note may carry up to 12) and sites of different sizes. Pinned: bpftrace v0.26
// (usdt.usdt multi arguments; usdt constant/reg/addr arguments); bpftrace 0.17 stops at arg5 too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KernelInfo, UsdtSite } from '../../lang/kernel.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';

const site = (name: string, count: number): UsdtSite => ({
  path: '/bin/app',
  provider: 'app',
  name,
  offset: 0x1000n,
  args: Array.from({ length: count }, (_, i) => ({
    size: 8,
    signed: false,
    operand: { kind: 'imm' as const, value: BigInt(i) },
    text: `8@$${i}`,
  })),
});
const kernel: KernelInfo = {
  ...fixedKernel,
  usdtSites: (_t, _p, name) => [site(name, Number(name.replace('n', '')))],
};
const first = (text: string) => diagnose(text, kernel).split('\n')[0] ?? '';

test('arg6 … arg11 read a USDT note with that many arguments', () => {
  assert.is(first('usdt:/bin/app:app:n12 { @ = arg6 + arg11; }'), '');
  assert.match(
    first('usdt:/bin/app:app:n8 { @ = arg8; }'),
    /^stdin:1:28\S*: ERROR: usdt:\/bin\/app:app:n8 has 8 arguments, so there is no arg8$/,
  );
});

test('arg6 exists only in usdt probes', () => {
  assert.match(diagnose('tracepoint:syscalls:sys_enter_openat { @ = arg6; }'), 'ERROR: arg6 is not available');
});

test.run();
