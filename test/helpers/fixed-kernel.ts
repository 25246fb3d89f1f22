// A fixed KernelInfo for checker tests that must not depend on the machine's tracepoints.
import type { KernelInfo, TracepointFormat } from '../../lang/kernel.ts';

const common = [
  { name: 'common_type', type: 'unsigned short', offset: 0, size: 2, signed: false, common: true },
  { name: 'common_flags', type: 'unsigned char', offset: 2, size: 1, signed: false, common: true },
  { name: 'common_preempt_count', type: 'unsigned char', offset: 3, size: 1, signed: false, common: true },
  { name: 'common_pid', type: 'int', offset: 4, size: 4, signed: true, common: true },
];

const formats: TracepointFormat[] = [
  {
    group: 'syscalls',
    event: 'sys_enter_mkdir',
    id: 1,
    fields: [
      ...common,
      { name: '__syscall_nr', type: 'int', offset: 8, size: 4, signed: true, common: false },
      { name: 'pathname', type: 'const char *', offset: 16, size: 8, signed: false, common: false },
      { name: 'mode', type: 'umode_t', offset: 24, size: 8, signed: false, common: false },
    ],
  },
  { group: 'syscalls', event: 'sys_enter_mkdirat', id: 2, fields: common },
  { group: 'syscalls', event: 'sys_enter_openat', id: 3, fields: common },
  { group: 'sched', event: 'sched_switch', id: 4, fields: common },
];

export const fixedKernel: KernelInfo = {
  arch: 'x86_64',
  tracepoints: () => formats.map(({ group, event }) => ({ group, event })),
  tracepointFormat: (group, event) => formats.find((f) => f.group === group && f.event === event),
  btf: () => undefined,
  functionBtf: () => undefined,
  moduleBtf: () => undefined,
  userProbeSites: (target) => ({ error: `no user-space files in the fixed kernel (${target})` }),
  usdtSites: (target) => ({ error: `no user-space files in the fixed kernel (${target})` }),
  kernelFunctions: () => [
    { name: 'vfs_read' },
    { name: 'vfs_write' },
    { name: 'vfs_mkdir' },
    { name: 'do_mkdirat' },
    { name: 'dummy_xmit', module: 'dummy' },
  ],
  kernelSymbolAddress: (name) => (name === 'vfs_read' ? 0xffffffff81400000n : undefined),
  cgroupId: (path) => (path === '/sys/fs/cgroup' ? 1n : undefined),
};
