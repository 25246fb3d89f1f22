// Builtins whose meaning depends on the probe type, read from the provider rows (probeContext), not from
// provider names: argN in USDT probes, uaddr() in uprobes only, override() in kprobes only, fexit's typed
// retval. Messages pinned as scry printed them before the builtin table.
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, renderDiagnostics, sourceFile, type KernelInfo } from '../../lang/index.ts';
import type { UsdtSite } from '../../lang/kernel.ts';
import { typeName } from '../../lang/types.ts';
import { hostKernelInfo } from '../../runtime/kernel/kernel-info.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { diagnose } from '../helpers/pipeline.ts';

const site = (name: string, args: UsdtSite['args'], argsError?: string): UsdtSite => ({
  path: '/bin/app',
  provider: 'app',
  name,
  offset: 0x1000n,
  ...(args ? { args } : {}),
  ...(argsError ? { argsError } : {}),
});
const int32 = { size: 4, signed: true, operand: { kind: 'imm', value: 7n }, text: '-4@$7' } as const;
const int64 = { size: 8, signed: true, operand: { kind: 'imm', value: 7n }, text: '-8@$7' } as const;
const sites: Record<string, UsdtSite> = {
  one: site('one', [int32]),
  wide: site('wide', [int64]),
  none: site('none', undefined, 'the note has a bad argument'),
};
const userKernel: KernelInfo = {
  ...fixedKernel,
  userProbeSites: (path, where) =>
    where === 'main' || where === 'other'
      ? [{ path, offset: 0x1130n, vaddr: 0x401130n, func: where }]
      : { error: `no symbol ${where} in ${path}` },
  usdtSites: (_target, _provider, name) => (sites[name] ? [sites[name]!] : { error: `no USDT probe ${name}` }),
};
const first = (text: string, kernel: KernelInfo = userKernel) => diagnose(text, kernel).split('\n')[0] ?? '';

test('argN in a USDT probe has the width of its note argument, which must exist; int64 where sites disagree', () => {
  assert.is(first('usdt:/bin/app:app:one { @x = arg0; }'), '');
  assert.is(
    first('usdt:/bin/app:app:one { @x = arg1; }'),
    'stdin:1:30-34: ERROR: usdt:/bin/app:app:one has 1 argument, so there is no arg1',
  );
  assert.is(
    first('usdt:/bin/app:app:none { @x = arg0; }'),
    'stdin:1:31-35: ERROR: cannot read the arguments of usdt:/bin/app:app:none: the note has a bad argument',
  );
  // sites whose sizes differ read theirs into 64 bits each: int64 (bpftrace v0.26 usdt.usdt reg arguments)
  assert.is(first('usdt:/bin/app:app:one, usdt:/bin/app:app:wide { @x = arg0; }'), '');
  assert.is(
    first('usdt:/bin/app:app:one { $x = arg0; $x = "s"; }'),
    'stdin:1:41-44: ERROR: $x holds int32, cannot assign string[2]',
  );
  assert.is(
    first('usdt:/bin/app:app:one, usdt:/bin/app:app:wide { $x = arg0; $x = "s"; }'),
    'stdin:1:65-68: ERROR: $x holds int64, cannot assign string[2]',
  );
});

test('args in a uprobe without DWARF is refused (not "only in tracepoints"), pointing at argN and -lv', () => {
  assert.is(
    diagnose('uprobe:/bin/app:main { @ = args.argc; }', userKernel),
    [
      'stdin:1:28-32: ERROR: args is not available here: no DWARF found for "/bin/app" describing main',
      'uprobe:/bin/app:main { @ = args.argc; }',
      '                           ~~~~',
      'HINT: arg0, arg1, … read its arguments as integers',
      "HINT: scry -lv 'uprobe:/bin/app:main' lists them in order",
      '',
    ].join('\n'),
  );
  // at return the arguments are gone: no argN hint
  const ret = diagnose('uretprobe:/bin/app:main { print(args); }', userKernel);
  assert.match(ret, 'ERROR: args is not available in uretprobe probes');
  assert.not.match(ret, 'arg0');
});

test('uaddr() works in uprobes on one binary; override() only in kprobes (and with --unsafe)', () => {
  assert.is(first('uprobe:/bin/app:main { @a = uaddr("main"); }'), '');
  assert.is(
    first('tracepoint:syscalls:sys_enter_openat { @a = uaddr("main"); }'),
    'stdin:1:45-58: ERROR: uaddr() looks the symbol up in the binary of a uprobe, so it works only in uprobe and uretprobe probes',
  );
  assert.is(
    first('uprobe:/bin/app:main, uprobe:/bin/lib:other { @a = uaddr("main"); }'),
    'stdin:1:52-65: ERROR: uaddr() in a probe on several binaries is ambiguous',
  );
  const parsed = parse(sourceFile('stdin', 'uprobe:/bin/app:main { override(1); }'));
  const out = check(parsed.program!, userKernel, { unsafe: true });
  assert.is(
    renderDiagnostics(out.diagnostics).split('\n')[0],
    'stdin:1:24-35: ERROR: override() works only in kprobe probes, not in uprobe probes',
  );
});

test("a script with C types keeps the kernel's answers on kprobes and user symbols (checker's withTypes)", () => {
  const kernel: KernelInfo = {
    ...userKernel,
    kprobesAttach: () => false,
    kernelFunctions: () => [{ name: 'vfs_read' }],
    userSymbol: (_target, name) =>
      name === 'counter' ? { vaddr: 0x4010n, size: 4, relocatable: false } : { error: `no symbol ${name}` },
  };
  for (const c of ['', 'struct S { int a; };\n']) {
    assert.match(diagnose(`${c}kprobe:no_such_fn { }`, kernel), /no kprobe attaches on this kernel/, c);
    // a data symbol: a pointer to an integer of its size (without userSymbol, a plain user pointer: 8 bytes read)
    assert.match(
      diagnose(`${c}uprobe:/bin/app:main { $x = *uaddr("counter"); $x = "s"; }`, kernel),
      /\$x holds uint32/,
      c,
    );
  }
});

test('reg() needs a pt_regs context: a tracepoint has none, a profile probe has one', () => {
  assert.is(first('profile:hz:99 { @r = reg("ip"); }'), '');
  assert.is(
    first('tracepoint:syscalls:sys_enter_openat { @r = reg("ip"); }'),
    'stdin:1:45-54: ERROR: reg() reads saved registers, which tracepoint probes do not have',
  );
});

// fexit reads retval from the context, typed by the function's BTF (vfs_fsync returns int).
if (!existsSync('/sys/kernel/btf/vmlinux'))
  process.stderr.write('SKIP fexit retval type: no /sys/kernel/btf/vmlinux\n');
else
  test('fexit retval has the BTF return type of the function; kretprobe retval is int64', () => {
    const kernel = hostKernelInfo();
    const typeOfRetval = (text: string) => {
      const out = check(parse(sourceFile('stdin', text)).program!, kernel);
      assert.ok(out.program, renderDiagnostics(out.diagnostics));
      const [e] = [...out.program!.typeOf].find(([x]) => x.kind === 'ident' && x.name === 'retval') ?? [];
      return typeName(out.program!.typeOf.get(e!)!);
    };
    assert.is(typeOfRetval('fexit:vfs_fsync { @r = retval; }'), 'int32');
    assert.is(typeOfRetval('kretprobe:vfs_fsync { @r = retval; }'), 'int64');
  });

// __sys_bpf(int cmd, bpfptr_t uattr, unsigned int size): bpfptr_t is a 16-byte struct passed by value, which the
// trampoline saves as two u64s, so size is the fourth u64 and fexit's return value the fifth (bpftrace v0.26's
// probe.fexit large args); they were read from the third and fourth.
const kernelBtf = existsSync('/sys/kernel/btf/vmlinux') ? hostKernelInfo().btf() : undefined;
if (!kernelBtf?.funcProto('__sys_bpf')) process.stderr.write('SKIP fentry argument slots: no __sys_bpf in BTF\n');
else
  test('fentry/fexit arguments after a struct passed by value: two slots for it, as the trampoline saves them', () => {
    const out = check(
      parse(sourceFile('stdin', 'fexit:__sys_bpf { @c = args.cmd; @s = args.size; @r = retval; }')).program!,
      hostKernelInfo(),
    );
    assert.ok(out.program, renderDiagnostics(out.diagnostics));
    const slots = [...out.program!.argFields.values()].map((f) => [
      f.field,
      f.access.kind === 'context' && f.access.index,
    ]);
    assert.equal(slots, [
      ['cmd', 0],
      ['size', 3],
    ]);
    const context = [...out.program!.contexts.values()][0]!;
    assert.is(context.retSlot, 4);
  });

if (kernelBtf?.funcProto('vfs_read') && kernelBtf.funcProto('do_mkdirat'))
  test('fentry points whose arguments differ in what the block reads are checked per layout (args-layout.ts)', () => {
    const probes = (text: string) => {
      const out = check(parse(sourceFile('stdin', text)).program!, hostKernelInfo());
      return out.program
        ? out.program.probes.map((p) => p.attach.map((a) => a.text).join(' '))
        : renderDiagnostics(out.diagnostics);
    };
    // the same slot and type for what is read: one probe
    assert.equal(probes('fentry:vfs_read, fentry:vfs_write { @ = args.count; }'), [
      'fentry:vmlinux:vfs_read fentry:vmlinux:vfs_write',
    ]);
    // the records differ, or the field's type: one probe per layout
    assert.equal(probes('fentry:vfs_read, fentry:do_mkdirat, fentry:vfs_write { print(args); }'), [
      'fentry:vmlinux:vfs_read',
      'fentry:vmlinux:do_mkdirat',
      'fentry:vmlinux:vfs_write',
    ]);
    assert.equal(probes('fentry:vfs_read, fexit:vfs_read { print(args); }'), [
      'fentry:vmlinux:vfs_read fexit:vmlinux:vfs_read',
    ]);
    // (iterators cannot share a probe: one iter attach point per probe, as bpftrace v0.26 has it)
    if (kernelBtf.funcProto('bpf_iter_netlink') && kernelBtf.funcProto('bpf_iter_bpf_sk_storage_map'))
      assert.match(
        String(probes('iter:netlink, iter:bpf_sk_storage_map { @[ctx->sk] = count(); }')),
        'ERROR: iter probe only supports one attach point',
      );
    // a function without parameters has no record to make (v0.26's words)
    if (kernelBtf.funcProto('schedule')?.params.length === 0)
      assert.match(String(probes('fentry:schedule { print(args); }')), 'ERROR: Cannot read function parameters');
  });

if (kernelBtf?.funcProto('vfs_read'))
  test("fentry module wildcards: the kernel's own functions where the glob matches vmlinux (bpftrace v0.26)", () => {
    const points = (text: string) => {
      const out = check(parse(sourceFile('stdin', text)).program!, hostKernelInfo());
      return out.program ? [...out.program.contexts.keys()].map((a) => a.text) : renderDiagnostics(out.diagnostics);
    };
    // named with the module, as bpftrace v0.26 names fentry points (`probe`), even where it was left out
    assert.equal(points('fentry:vmlinu*:vfs_read { }'), ['fentry:vmlinux:vfs_read']);
    assert.equal(points('fentry:vmlinux:vfs_read { }'), ['fentry:vmlinux:vfs_read']);
    assert.equal(points('fentry:vfs_read { }'), ['fentry:vmlinux:vfs_read']);
    assert.match(
      String(points('fentry:overl*:ovl_mkdir { }')),
      "a module wildcard matches the kernel's own functions (vmlinux) only: name the module instead of overl*",
    );
  });

test("fentry:bpf[:ID]:NAME: the loaded programs' functions, named with the program id as bpftrace v0.26 names them", () => {
  const kernel: KernelInfo = {
    ...fixedKernel,
    bpfProgramFunctions: () => [
      { progId: 12, name: 'handle_exec', btfId: 3 },
      { progId: 12, name: 'helper_sub', btfId: 5 },
      { progId: 40, name: 'handle_exec', btfId: 9 },
    ],
  };
  const points = (text: string) => {
    const out = check(parse(sourceFile('stdin', text)).program!, kernel);
    return out.program
      ? [...out.program.contexts.entries()].map(([a, c]) => `${a.text} ${c.retSlot ?? '-'}`)
      : renderDiagnostics(out.diagnostics);
  };
  // a name alone is every program's function of that name; an id picks one program; wildcards in the name
  assert.equal(points('fentry:bpf:handle_exec { }'), ['fentry:bpf:12:handle_exec -', 'fentry:bpf:40:handle_exec -']);
  assert.equal(points('fexit:bpf:12:* { }'), ['fexit:bpf:12:handle_exec -', 'fexit:bpf:12:helper_sub -']);
  assert.equal(points('fentry:bpf:*:helper_* { }'), ['fentry:bpf:12:helper_sub -']);
  // fexit's retval an integer (the program's BTF types are not the kernel's), found where the trampoline put it
  assert.is(diagnose('fexit:bpf:12:helper_sub { @ = retval + arg1; }', kernel), '');
  // no `args`, in v0.26's words
  assert.match(
    diagnose('fentry:bpf:12:helper_sub { @ = args.x; }', kernel),
    "ERROR: The args builtin cannot be used for 'fentry:bpf' probes",
  );
  assert.match(diagnose('fexit:bpf:40:handle_exec { print(args); }', kernel), "cannot be used for 'fexit:bpf' probes");
  assert.match(diagnose('fentry:bpf:nope { }', kernel), 'no loaded BPF program has a function nope');
  assert.match(diagnose('fentry:bpf:13:handle_exec { }', kernel), 'no loaded BPF program with id 13 has a function');
  assert.match(diagnose('fentry:bpf:x:handle_exec { }', kernel), "a BPF program id must be a number or '*', not 'x'");
  assert.match(diagnose('fentry:bpf { }', kernel), "the 'bpf' variant of fentry needs a BPF program's function");
});

test.run();
