// The BTF reader against the running kernel's /sys/kernel/btf/vmlinux (and module BTF when there is
// some). Expectations are what this kernel (6.18, x86_64) really has, checked with
// `bpftool btf dump file /sys/kernel/btf/vmlinux format raw`; uapi layouts are pinned exactly.
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  btfModuleNames,
  findKernelFunc,
  moduleBtf,
  resetBtfCache,
  vmlinuxBtf,
  type Btf,
} from '../../../../runtime/kernel/btf/index.ts';
import { MAP_PRIVATE, PROT_READ } from '../../../../runtime/sys/constants.ts';
import { mmap, munmap } from '../../../../runtime/sys/io.ts';
import { skipCheck } from '../../../helpers/kernel.ts';

const VMLINUX = '/sys/kernel/btf/vmlinux';

function kernel(): Btf {
  const btf = vmlinuxBtf();
  assert.ok(btf, 'vmlinux BTF');
  return btf;
}

function struct(btf: Btf, name: string): number {
  const id = btf.find(name, 'struct');
  assert.ok(id, `struct ${name}`);
  return id;
}

const vm = suite('kernel/btf vmlinux');

vm('is mapped from the kernel, not copied, where the kernel lets the file be mapped', () => {
  const mapped = () => readFileSync('/proc/self/maps', 'utf8').includes(VMLINUX);
  const fd = openSync(VMLINUX, 'r');
  try {
    munmap(mmap(fd, fstatSync(fd).size, PROT_READ, MAP_PRIVATE, 0));
  } catch (e) {
    return skipCheck('kernel/btf vmlinux mapping', `${VMLINUX} cannot be mapped here (Linux 6.16+): ${String(e)}`);
  } finally {
    closeSync(fd);
  }
  resetBtfCache();
  assert.ok(kernel().typeCount > 50_000);
  assert.ok(mapped(), `${VMLINUX} is not in /proc/self/maps: read and copied`);
});

vm('loads whole, cached until reset', () => {
  resetBtfCache();
  const a = kernel();
  assert.is(vmlinuxBtf(), a);
  assert.ok(a.typeCount > 50_000, `${a.typeCount} types`);
  assert.is(a.firstId, 1);
  resetBtfCache();
  assert.is.not(vmlinuxBtf(), a);
});

vm('struct list_head is exactly { next; prev; } at 0 and 8', () => {
  const btf = kernel();
  const id = struct(btf, 'list_head');
  assert.is(btf.sizeOf(id), 16);
  const ptr = btf.type(btf.members(id)![0]!.type);
  assert.equal(ptr, { kind: 'ptr', id: ptr.id, name: '', target: id });
  assert.equal(btf.members(id), [
    { name: 'next', type: ptr.id, offset: 0, bitOffset: 0, bitSize: 0 },
    { name: 'prev', type: ptr.id, offset: 8, bitOffset: 64, bitSize: 0 },
  ]);
  assert.is(btf.definition(id), 'struct list_head {\n\tstruct list_head *next;\n\tstruct list_head *prev;\n};');
  assert.is(
    btf.definition(id, { offsets: true }),
    'struct list_head {\n\tstruct list_head *next; /* 0 8 */\n\tstruct list_head *prev; /* 8 8 */\n};',
  );
  assert.is(btf.lookup('struct list_head'), id);
  assert.is(btf.lookup('list_head'), id);
});

vm('task_struct: pid is pid_t -> int (4 bytes, signed); comm is char[16]', () => {
  const btf = kernel();
  const ts = struct(btf, 'task_struct');
  assert.is(btf.lookup('struct task_struct'), ts);
  const pid = btf.findMember(ts, 'pid');
  assert.ok(pid);
  assert.equal(pid.path, [pid.member]);
  assert.is(btf.typeName(pid.member.type), 'pid_t');
  const pidT = btf.type(pid.member.type);
  assert.equal([pidT.kind, pidT.name], ['typedef', 'pid_t']);
  assert.is(btf.lookup('pid_t'), pid.member.type);
  const int = btf.type(btf.resolve(pid.member.type));
  assert.equal(int, {
    kind: 'int',
    id: int.id,
    name: 'int',
    size: 4,
    signed: true,
    char: false,
    bool: false,
    bits: 32,
    bitOffset: 0,
  });
  assert.is(btf.sizeOf(pid.member.type), 4);
  assert.is(pid.offset % 4, 0);
  assert.ok(pid.offset > 0 && pid.offset < btf.sizeOf(ts)!);
  const tgid = btf.findMember(ts, 'tgid')!;
  assert.is(tgid.offset, pid.offset + 4); // declared right after pid
  const comm = btf.findMember(ts, 'comm')!;
  assert.is(btf.typeName(comm.member.type), 'char[16]');
  assert.is(btf.sizeOf(comm.member.type), 16);
  assert.is(btf.declaration(comm.member.type, 'comm'), 'char comm[16]');
  assert.match(btf.definition(ts), /^struct task_struct \{\n\tstruct thread_info thread_info;\n/);
  assert.match(btf.definition(ts), /\n\tpid_t pid;\n\tpid_t tgid;\n/);
});

vm('perf_event_attr (uapi): anonymous unions and bitfields with exact offsets', () => {
  const btf = kernel();
  const attr = struct(btf, 'perf_event_attr');
  const at = (name: string) => {
    const hit = btf.findMember(attr, name);
    assert.ok(hit, name);
    return [hit.offset, hit.bitOffset, hit.member.bitSize, hit.path.map((m) => m.name)];
  };
  assert.equal(at('type'), [0, 0, 0, ['type']]);
  assert.equal(at('config'), [8, 64, 0, ['config']]);
  assert.equal(at('sample_period'), [16, 128, 0, ['', 'sample_period']]);
  assert.equal(at('sample_freq'), [16, 128, 0, ['', 'sample_freq']]);
  assert.equal(at('disabled'), [40, 320, 1, ['disabled']]);
  assert.equal(at('exclude_kernel'), [40, 325, 1, ['exclude_kernel']]);
  assert.equal(at('precise_ip'), [41, 335, 2, ['precise_ip']]);
  assert.equal(at('__reserved_1'), [44, 358, 26, ['__reserved_1']]);
  assert.equal(at('wakeup_watermark'), [48, 384, 0, ['', 'wakeup_watermark']]);
  assert.equal(at('bp_type'), [52, 416, 0, ['bp_type']]);
  assert.equal(at('kprobe_func'), [56, 448, 0, ['', 'kprobe_func']]);
  assert.equal(at('config1'), [56, 448, 0, ['', 'config1']]);
  assert.equal(at('config2'), [64, 512, 0, ['', 'config2']]);
  assert.equal(at('branch_sample_type'), [72, 576, 0, ['branch_sample_type']]);
  const disabled = btf.findMember(attr, 'disabled')!.member;
  assert.is(btf.typeName(disabled.type), '__u64');
  assert.is(btf.type(btf.resolve(disabled.type)).name, 'long long unsigned int');
  assert.ok(btf.sizeOf(attr)! >= 128);
  assert.match(btf.definition(attr), /\n\t__u64 exclude_kernel: 1;\n/);
  assert.match(btf.definition(attr), /\n\tunion \{\n\t\t__u64 sample_period;\n\t\t__u64 sample_freq;\n\t\};\n/);
  assert.match(btf.definition(attr, { offsets: true }), /\n\t__u64 precise_ip: 2; \/\* 41:7 \*\/\n/);
  // struct page nests anonymous unions and structs four deep
  const lru = btf.findMember(struct(btf, 'page'), 'lru')!;
  assert.equal([lru.offset, lru.path.map((m) => m.name)], [8, ['', '', '', 'lru']]);
});

vm('enum values: enum, signed enum, enum64, enumerator lookup', () => {
  const btf = kernel();
  const pidType = btf.type(btf.lookup('enum pid_type')!);
  assert.is(pidType.kind, 'enum');
  if (pidType.kind !== 'enum') return;
  assert.equal(pidType.values.slice(0, 4), [
    { name: 'PIDTYPE_PID', value: 0n },
    { name: 'PIDTYPE_TGID', value: 1n },
    { name: 'PIDTYPE_PGID', value: 2n },
    { name: 'PIDTYPE_SID', value: 3n },
  ]);
  assert.equal([pidType.size, pidType.wide], [4, false]);
  const rpm = btf.type(btf.find('rpm_status', 'enum')!);
  assert.equal(rpm.kind === 'enum' && [rpm.signed, rpm.values[0]], [true, { name: 'RPM_INVALID', value: -1n }]);
  const cc = btf.type(btf.find('perf_callchain_context', 'enum')!);
  assert.equal(cc.kind === 'enum' && [cc.wide, cc.signed, cc.size], [true, false, 8]);
  assert.equal(btf.enumerator('PERF_CONTEXT_USER'), { enumId: cc.id, value: 2n ** 64n - 512n });
  assert.equal(btf.enumerator('PIDTYPE_SID'), { enumId: pidType.id, value: 3n });
  assert.is(btf.typeName(cc.id), 'enum perf_callchain_context');
});

vm('names shared by a struct and a typedef are told apart by kind', () => {
  const btf = kernel();
  const s = btf.find('deflate_state', 'struct')!;
  const t = btf.find('deflate_state', 'typedef')!;
  assert.ok(s && t && s !== t);
  assert.equal(btf.findAll('deflate_state', ['struct', 'typedef']).slice().sort(), [s, t].sort());
  assert.is(btf.lookup('deflate_state'), t);
  assert.is(btf.lookup('struct deflate_state'), s);
  assert.is(btf.resolve(t), s);
  assert.is(btf.lookup('unsigned long'), btf.find('long unsigned int', 'int'));
  assert.is(btf.lookup('u64'), btf.find('u64', 'typedef'));
  assert.is(btf.find('task_struct', 'union'), undefined);
  assert.is(btf.find('no_such_type_anywhere'), undefined);
});

vm('vfs_read: FUNC id, prototype, ssize_t return', () => {
  const btf = kernel();
  const f = btf.funcProto('vfs_read');
  assert.ok(f);
  assert.equal(btf.type(f.id), { kind: 'func', id: f.id, name: 'vfs_read', proto: f.proto, linkage: f.linkage });
  assert.equal(
    f.params.map((p) => [p.name, btf.typeName(p.type)]),
    [
      ['file', 'struct file *'],
      ['buf', 'char *'],
      ['count', 'size_t'],
      ['pos', 'loff_t *'],
    ],
  );
  assert.is(btf.typeName(f.ret), 'ssize_t');
  const ret = btf.type(btf.resolve(f.ret));
  assert.equal(ret.kind === 'int' && [ret.size, ret.signed], [8, true]);
  assert.is(f.variadic, false);
  assert.is(btf.definition(f.id), 'ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos);');
  assert.is(btf.declaration(btf.funcProto('getname_kernel')!.params[0]!.type, 'filename'), 'const char *filename');
  const cb = btf.findMember(struct(btf, 'callback_head'), 'func')!;
  assert.is(btf.typeName(cb.member.type), 'void (*)(struct callback_head *)');
  assert.is(btf.typeName(btf.lookup('initcall_t')!), 'initcall_t');
  assert.is(btf.definition(btf.lookup('initcall_t')!), 'typedef int (*initcall_t)(void);');
  const printk = btf.funcProto('_printk');
  assert.ok(printk);
  assert.is(printk.variadic, true);
  assert.is(btf.typeName(printk.proto), 'int (const char *fmt, ...)');
});

vm('function names by glob', () => {
  const btf = kernel();
  const tcp = btf.funcNames('tcp_*');
  assert.ok(tcp.length > 100, `${tcp.length} tcp_* functions`);
  assert.ok(tcp.every((n) => n.startsWith('tcp_')));
  assert.ok(tcp.includes('tcp_sendmsg'));
  assert.equal(tcp, [...tcp].sort());
  assert.equal(btf.funcNames('vfs_rea?'), ['vfs_read']);
  assert.ok(btf.funcNames('*_sendmsg').includes('tcp_sendmsg'));
  const all = btf.funcNames();
  assert.ok(all.length > 10_000);
  assert.is(new Set(all).size, all.length);
});

vm('raw tracepoints: sched_switch args without the leading void *', () => {
  const btf = kernel();
  const tp = btf.rawTracepoint('sched_switch');
  assert.ok(tp);
  assert.is(btf.name(tp.id), 'btf_trace_sched_switch');
  assert.is(btf.kind(tp.id), 'typedef');
  assert.equal(
    tp.params.map((p) => btf.declaration(p.type, p.name)),
    ['bool preempt', 'struct task_struct *prev', 'struct task_struct *next', 'unsigned int prev_state'],
  );
  assert.equal(btf.rawTracepointArgs('sched_switch'), tp.params);
  const names = btf.rawTracepointNames();
  assert.ok(names.length > 500, `${names.length} raw tracepoints`);
  assert.ok(names.includes('sched_switch') && names.includes('sys_enter'));
  assert.equal(btf.rawTracepointNames('sched_switch'), ['sched_switch']);
  assert.ok(btf.rawTracepointNames('sched_*').every((n) => n.startsWith('sched_')));
  // every listed tracepoint resolves
  for (const n of names) assert.ok(btf.rawTracepoint(n), n);
  assert.equal(
    btf.rawTracepointArgs('sys_enter')!.map((p) => btf.declaration(p.type, p.name)),
    ['struct pt_regs *regs', 'long int id'],
  );
  assert.is(btf.rawTracepoint('no_such_tracepoint'), undefined);
});

vm('findKernelFunc: vmlinux functions come from vmlinux', () => {
  const hit = findKernelFunc('vfs_read');
  assert.ok(hit);
  assert.is(hit.module, 'vmlinux');
  assert.is(hit.func.name, 'vfs_read');
  assert.is(findKernelFunc('no_such_function_anywhere'), undefined);
  assert.is(moduleBtf('vmlinux'), undefined);
  assert.is(moduleBtf('../etc'), undefined);
});

const modules = suite('kernel/btf modules');

modules('each module BTF loads split on vmlinux; its functions are found in it', () => {
  const base = kernel();
  for (const name of btfModuleNames().slice(0, 20)) {
    const mod = moduleBtf(name);
    assert.ok(mod, name);
    assert.is(mod.base, base);
    assert.is(mod.firstId, base.typeCount);
    assert.ok(mod.typeCount >= mod.firstId);
    const funcs = mod.funcNames();
    if (funcs.length === 0) continue;
    const f = funcs[0]!;
    const hit = findKernelFunc(f);
    assert.ok(hit, f);
    // a module may define a function named like a vmlinux one: vmlinux wins
    if (base.funcProto(f) === undefined) {
      assert.is(hit.module, name);
      assert.ok(hit.func.id >= mod.firstId);
      assert.ok(mod.typeName(hit.func.id).includes(f));
    }
  }
});

if (!existsSync(VMLINUX)) {
  process.stderr.write(`SKIP kernel/btf vmlinux: no ${VMLINUX} (kernel without CONFIG_DEBUG_INFO_BTF)\n`);
} else {
  vm.run();
  if (btfModuleNames().length === 0)
    process.stderr.write('SKIP kernel/btf modules: no module BTF in /sys/kernel/btf\n');
  else modules.run();
}
