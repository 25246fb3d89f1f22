// Script types on top of the running kernel's BTF (read with the runtime's reader, test only): ids after
// vmlinux's, references to kernel types, kernel typedefs and enumerators, shadowing as bpftrace does it,
// and definition() round trips: a kernel struct printed by the BTF printer, parsed back as a script
// struct and laid out by scry, prints the same text with the same offsets.
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderDiagnostics } from '../../../lang/diagnostics.ts';
import { sourceFile } from '../../../lang/source.ts';
import type { BtfTypes } from '../../../lang/btf.ts';
import { parseCDeclarations } from '../../../lang/c/declarations.ts';
import { withScriptTypes } from '../../../lang/c/script-btf.ts';
import { vmlinuxBtf } from '../../../runtime/kernel/btf/index.ts';

const kernel = suite('script types over vmlinux BTF');

function load(base: BtfTypes, text: string) {
  const parsed = parseCDeclarations(sourceFile('stdin', text), {
    isTypedefName: (n) => base.find(n, 'typedef') !== undefined,
  });
  const { types, diagnostics } = withScriptTypes(base, parsed.declarations);
  return { types, errors: renderDiagnostics([...parsed.diagnostics, ...diagnostics]) };
}

const vmlinux = existsSync('/sys/kernel/btf/vmlinux') ? vmlinuxBtf() : undefined;
if (vmlinux === undefined) process.stderr.write('SKIP script types over vmlinux BTF: no /sys/kernel/btf/vmlinux\n');
else {
  const base = vmlinux;

  kernel('ids continue after vmlinux; base ids answer as the base does', () => {
    const { types, errors } = load(base, 'struct Foo { struct task_struct *t; int x; }');
    assert.is(errors, '');
    const foo = types.lookup('struct Foo')!;
    assert.ok(foo >= base.typeCount, `${foo} < ${base.typeCount}`);
    assert.is(types.firstId, base.typeCount);
    const task = base.lookup('struct task_struct')!;
    assert.is(types.lookup('struct task_struct'), task);
    assert.is(types.definition(task), base.definition(task));
    assert.is(types.findMember(task, 'pid')?.offset, base.findMember(task, 'pid')?.offset);
    assert.is(types.funcProto('do_sys_openat2')?.id, base.funcProto('do_sys_openat2')?.id);
    const t = types.members(foo)![0]!;
    assert.is(types.typeName(t.type), 'struct task_struct *');
    assert.is((types.type(t.type) as { target: number }).target, task);
  });

  kernel(
    'a kernel struct by value: its BTF size, a pointer-sized alignment (as bpftrace 0.17 prints: sizeof 192 for file here)',
    () => {
      const { types, errors } = load(base, 'struct Foo { struct task_struct *t; struct file f; }');
      assert.is(errors, '');
      const file = base.lookup('struct file')!;
      assert.is(types.sizeOf(types.lookup('struct Foo')!), 8 + Math.ceil(base.sizeOf(file)! / 8) * 8);
    },
  );

  kernel('kernel typedefs and enumerators: u32, pid_t, TASK_COMM_LEN', () => {
    const { types, errors } = load(base, 'struct ev { u32 a; pid_t pid; char comm[TASK_COMM_LEN]; bool ok; u64 ts; }');
    assert.is(errors, '');
    const ev = types.lookup('struct ev')!;
    const m = types.members(ev)!;
    assert.is(m[0]!.type, base.lookup('u32'));
    assert.is(m[1]!.type, base.lookup('pid_t'));
    assert.is(types.sizeOf(m[2]!.type), Number(base.enumerator('TASK_COMM_LEN')!.value));
    assert.is(m[3]!.type, base.lookup('bool'));
    assert.is(
      types.definition(ev, { offsets: true }).split('\n')[3],
      `\tchar comm[${base.enumerator('TASK_COMM_LEN')!.value}]; /* 8 16 */`,
    );
  });

  kernel(
    'a script struct named like a kernel struct shadows it (bpftrace: sizeof(struct task_struct) is 8 then)',
    () => {
      const { types, errors } = load(base, 'struct task_struct { int x; int y; }');
      assert.is(errors, '');
      const mine = types.lookup('struct task_struct')!;
      assert.is(types.sizeOf(mine), 8);
      assert.is(types.find('task_struct', 'struct'), mine);
      assert.equal(
        types.shadowed.map((s) => [s.id, s.baseId]),
        [[mine, base.lookup('struct task_struct')!]],
      );
      assert.ok(types.findAll('task_struct', 'struct').includes(base.lookup('struct task_struct')!));
    },
  );

  // bpftrace v0.26 (tests/runtime/btf redefine_btf_type_missing_def): once a script redefines a kernel type,
  // clang sees no kernel type at all, so another kernel struct used by value is incomplete.
  kernel('a script that redefines a kernel type takes no other kernel types; one that does not, does', () => {
    const redefined = load(base, 'struct task_struct { struct thread_info x; }');
    assert.ok(redefined.errors.includes("member 'x' has incomplete type 'struct thread_info'"), redefined.errors);
    assert.ok(redefined.errors.includes("defines the kernel's struct task_struct again"), redefined.errors);
    const typedefToo = load(base, 'typedef int pid_t; struct mine { atomic_t a; }');
    assert.ok(typedefToo.errors.includes("unknown type name 'atomic_t'"), typedefToo.errors);
    assert.is(load(base, 'struct foo { struct task_struct t; struct thread_info x; atomic_t a; }').errors, '');
  });

  kernel('kernel enumerators in a script enum, and an unknown kernel type is an error', () => {
    const { types, errors } = load(
      base,
      'enum mine { FIRST = BPF_MAP_TYPE_HASH + 100 }; struct s { struct no_such_kernel_struct x; }',
    );
    assert.is(types.enumerator('FIRST')?.value, base.enumerator('BPF_MAP_TYPE_HASH')!.value + 100n);
    assert.ok(errors.includes("member 'x' has incomplete type 'struct no_such_kernel_struct'"), errors);
  });

  // Kernel structs whose layout BTF fully describes. Not here: task_struct, rq, mm_struct, super_block,
  // net_device — their ____cacheline_aligned members and aligned typedefs (call_single_data_t) leave no
  // trace in BTF, so no C compiler given the printed text would place them where the kernel did.
  for (const name of ['list_head', 'sk_buff', 'file', 'inode', 'dentry', 'page', 'sock', 'bpf_prog']) {
    kernel(`definition() round trip: struct ${name}`, () => {
      const id = base.lookup(`struct ${name}`);
      if (id === undefined) {
        process.stderr.write(`SKIP round trip struct ${name}: not in this kernel's BTF\n`);
        return;
      }
      const printed = base.definition(id, { offsets: true }).replace(`struct ${name} {`, `struct my_${name} {`);
      const { types, errors } = load(base, printed);
      assert.is(errors, '');
      const mine = types.lookup(`struct my_${name}`)!;
      assert.is(types.sizeOf(mine), base.sizeOf(id));
      assert.fixture(types.definition(mine, { offsets: true }), printed);
    });
  }
}

kernel.run();
