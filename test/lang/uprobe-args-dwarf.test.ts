// uprobe `args` typed from the probed binary's DWARF (bpftrace v0.26; its tests/runtime/dwarf "uprobe arg by name"):
// the runtime hands a function's parameter types over as BTF rows numbered from 1 (KernelInfo.userFunctionTypes),
// the checker places them after the kernel's and the script's and reads each parameter from the argument register
// argN reads, in user memory. Parameters that no single integer register holds are refused where they are read.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasm } from '../../compiler/asm/disasm.ts';
import type { BtfType } from '../../lang/btf.ts';
import type { KernelInfo, UserFunctionTypes } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';
import { compileText, diagnose } from '../helpers/pipeline.ts';

const int = (id: number, name: string, size: number, signed: boolean, char = false): BtfType => ({
  kind: 'int',
  id,
  name,
  size,
  signed,
  char,
  bool: false,
  bits: size * 8,
  bitOffset: 0,
});

// uprobe_test.c's: int uprobeFunction1(int *n, char c); struct Foo *uprobeFunction2(struct Foo *foo1, ...)
const fn1: UserFunctionTypes = {
  params: [
    { name: 'n', type: 1 },
    { name: 'c', type: 3 },
  ],
  types: [{ kind: 'ptr', id: 1, name: '', target: 2 }, int(2, 'int', 4, true), int(3, 'char', 1, true, true)],
  variadic: false,
};
const fooRows: BtfType[] = [
  { kind: 'ptr', id: 1, name: '', target: 2 },
  {
    kind: 'struct',
    id: 2,
    name: 'Foo',
    size: 48,
    members: [
      { name: 'a', type: 3, offset: 0, bitOffset: 0, bitSize: 0 },
      { name: 'b', type: 4, offset: 4, bitOffset: 32, bitSize: 0 },
      { name: 'c', type: 7, offset: 16, bitOffset: 128, bitSize: 0 },
      { name: 'd', type: 8, offset: 32, bitOffset: 256, bitSize: 0 },
    ],
  },
  int(3, 'int', 4, true),
  { kind: 'array', id: 4, name: '', elem: 5, index: 6, count: 10 },
  int(5, 'char', 1, true, true),
  int(6, '__ARRAY_SIZE_TYPE__', 4, false),
  { kind: 'array', id: 7, name: '', elem: 3, index: 6, count: 3 },
  int(8, '__int128', 16, true),
];
const fn2: UserFunctionTypes = {
  params: [
    { name: 'foo1', type: 1 },
    { name: 'foo2', type: 1 },
  ],
  types: fooRows,
  variadic: false,
};
// int ff(double d, int x); int fs(struct Foo s, int x); int f7(int a … int g)
const dbl: BtfType = { kind: 'float', id: 3, name: 'double', size: 8 };
const ff: UserFunctionTypes = {
  params: [
    { name: 'd', type: 3 },
    { name: 'x', type: 1 },
  ],
  types: [int(1, 'int', 4, true), int(2, 'char', 1, true, true), dbl],
  variadic: false,
};
const fs: UserFunctionTypes = {
  params: [
    { name: 's', type: 2 },
    { name: 'x', type: 3 },
  ],
  types: fooRows,
  variadic: false,
};
const f7: UserFunctionTypes = {
  params: 'abcdefg'.split('').map((name) => ({ name, type: 1 })),
  types: [int(1, 'int', 4, true)],
  variadic: false,
};
// struct Bar *uprobeFunctionBar(struct Bar *bar), struct Bar { int x; struct Foo *foos[2]; }: rows after Foo's
const barRows: BtfType[] = [
  ...fooRows,
  { kind: 'ptr', id: 9, name: '', target: 10 },
  {
    kind: 'struct',
    id: 10,
    name: 'Bar',
    size: 24,
    members: [
      { name: 'x', type: 3, offset: 0, bitOffset: 0, bitSize: 0 },
      { name: 'foos', type: 11, offset: 8, bitOffset: 64, bitSize: 0 },
    ],
  },
  { kind: 'array', id: 11, name: '', elem: 1, index: 6, count: 2 },
];
const bar: UserFunctionTypes = { params: [{ name: 'bar', type: 9 }], types: barRows, variadic: false };
const functions: Record<string, UserFunctionTypes> = {
  uprobeFunctionBar: bar,
  uprobeFunction1: fn1,
  uprobeFunction2: fn2,
  ff,
  fs,
  f7,
};

const kernel: KernelInfo = {
  ...fixedKernel,
  userProbeSites: (path, where) => [{ path, offset: 0x1130n, vaddr: 0x401130n, func: where.replace(/\+.*/, '') }],
  // a function's parameters where `args` is read; the types a script names, which here only struct Foo can be
  userFunctionTypes: (path, func, names = []) =>
    path !== '/bin/app'
      ? undefined
      : func !== undefined
        ? functions[func]
        : names.includes('struct Foo')
          ? { types: fooRows, variadic: false }
          : undefined,
};

/** The probe's instructions, as llvm-objdump writes them. */
const code = (text: string) => disasm(compileText(text, kernel).programs[0]!.bytecode).join('\n');

test('args.c and *(args.n): the registers arg1 and arg0 read (pt_regs si, di), the int behind n in user memory', () => {
  assert.is(diagnose('uprobe:/bin/app:uprobeFunction1 { printf("c = %c n = %d\\n", args.c, *(args.n)); }', kernel), '');
  const c = code('uprobe:/bin/app:uprobeFunction1 { @ = args.c; }');
  assert.match(c, '+ 104)'); // rsi
  assert.not.match(c, '+ 112)');
  const n = code('uprobe:/bin/app:uprobeFunction1 { @ = *(args.n); }');
  assert.match(n, '+ 112)'); // rdi
  assert.match(n, 'call 112'); // probe_read_user
  // the -> spelling of bpftrace 0.17 and earlier
  assert.is(diagnose('uprobe:/bin/app:uprobeFunction1 { @ = args->c; }', kernel), '');
});

test("args.foo1.a, .b (text), .c (int[3]): members of the binary's struct, read from user memory", () => {
  assert.is(
    diagnose(
      'uprobe:/bin/app:uprobeFunction2 { printf("%d %s\\n", args.foo1.a, args.foo1.b); print(args.foo1.c); }',
      kernel,
    ),
    '',
  );
  assert.match(code('uprobe:/bin/app:uprobeFunction2 { @ = args.foo1.a; }'), 'call 112');
  // the binary's rows travel with the program, for printing records (int[3] prints [1,2,3])
  const p = compileText('uprobe:/bin/app:uprobeFunction2 { print(args.foo1.c); }', kernel);
  assert.ok(p.scriptTypes?.types.some((t) => t.kind === 'struct' && t.name === 'Foo'));
});

test('(struct Foo *)arg0 finds the binary\'s struct Foo; a script\'s own struct Foo wins (v0.26 "struct override")', () => {
  assert.is(diagnose('uprobe:/bin/app:uprobeFunction2 { @ = ((struct Foo *)arg0).a; }', kernel), '');
  // named anywhere in the binary, not only among the function's parameters; at an offset and at return too
  assert.is(diagnose('uprobe:/bin/app:uprobeFunction1 { @ = ((struct Foo *)arg0).a; }', kernel), '');
  assert.is(diagnose('uretprobe:/bin/app:uprobeFunction2 { @ = ((struct Foo *)retval).a; }', kernel), '');
  assert.is(
    diagnose('struct Foo { int b; } uprobe:/bin/app:uprobeFunction2 { @ = ((struct Foo *)arg0).b; }', kernel),
    '',
  );
  // the script's b is an int at offset 0, not the binary's char[10] at 4
  const own = code('struct Foo { int b; } uprobe:/bin/app:uprobeFunction2 { @ = ((struct Foo *)arg0).b; }');
  assert.match(own, 'r0 = *(u64 *)(r1 + 112)\nr3 = r0\n'); // arg0 itself, no offset added
  assert.match(own, 'r2 = 4\ncall 112'); // 4 bytes of user memory
  // the binary's c is at 16
  assert.match(code('uprobe:/bin/app:uprobeFunction2 { @ = ((struct Foo *)arg0).c[0]; }'), 'r0 += 16');
});

test('let $x: struct Foo *[2] names the binary\'s array of pointers (v0.26 "complex type declaration")', () => {
  const prog = 'uprobe:/bin/app:uprobeFunctionBar { let $x: struct Foo *[2] = args.bar->foos; @ = $x[0]->a; }';
  assert.is(diagnose(prog, kernel), '');
  // the element is a pointer into user memory: its struct is read with probe_read_user (the copy in $x is the
  // program's own, read with probe_read_kernel)
  const reads = code(prog).match(/call 11[23]/g);
  assert.equal(reads, ['call 112', 'call 113', 'call 112']);
});

test("let $w: struct W[10] still names the script's own array type where the binary's types are placed too", () => {
  // v0.26's complex_types "struct-array with declared variables" (runtime/scripts/struct_let.bt), args read
  const prog = `struct W { int a; } struct C { int a; struct W w[10]; }
    uprobe:/bin/app:uprobeFunction2 { let $c: struct C *; let $w: struct W[10];
      $c = (struct C *)args.foo1; $w = $c->w; @ = $w[2].a; }`;
  assert.is(diagnose(prog, kernel), '');
});

test('what no single register holds is refused where it is read, never read from another', () => {
  const at = (text: string) => diagnose(text, kernel).split('\n')[0];
  assert.is(
    at('uprobe:/bin/app:ff { @ = args.d; }'),
    'stdin:1:31-32: ERROR: args.d (double d) is a floating-point value, passed in a vector register, which scry cannot read',
  );
  assert.is(
    at('uprobe:/bin/app:ff { @ = args.x; }'),
    'stdin:1:31-32: ERROR: args.x follows double d, which is a floating-point value, passed in a vector register, so scry cannot tell which register holds it',
  );
  assert.is(
    at('uprobe:/bin/app:fs { @ = args.x; }'),
    'stdin:1:31-32: ERROR: args.x follows struct Foo s, which is passed by value, in several registers or on the stack, so scry cannot tell which register holds it',
  );
  assert.is(
    at('uprobe:/bin/app:f7 { @ = args.g; }'),
    'stdin:1:31-32: ERROR: args.g is parameter 7 of f7: only the first 6 are passed in registers, which scry can read',
  );
  assert.is(diagnose('uprobe:/bin/app:f7 { @ = args.f; }', kernel), '');
  assert.is(
    at('uprobe:/bin/app:uprobeFunction2 { @ = args.foo1.d; }'),
    'stdin:1:49-50: ERROR: d is a 128-bit integer (__int128), which scry cannot hold yet',
  );
  assert.is(
    at('uprobe:/bin/app:uprobeFunction1 { @ = args.m; }'),
    "stdin:1:44-45: ERROR: uprobe:/bin/app:uprobeFunction1 has no argument 'm'",
  );
  assert.is(
    at('uprobe:/bin/other:uprobeFunction1 { @ = args.c; }'),
    'stdin:1:41-45: ERROR: args is not available here: no DWARF found for "/bin/other" describing uprobeFunction1',
  );
  assert.is(
    at('uprobe:/bin/app:uprobeFunction1+4 { @ = args.c; }'),
    "stdin:1:41-45: ERROR: args is not available in a uprobe on an address or offset: only a function's entry has its parameters",
  );
  assert.is(
    at('uretprobe:/bin/app:uprobeFunction1 { @ = args.c; }'),
    "stdin:1:42-46: ERROR: args is not available in uretprobe probes: a function's parameters are gone when it returns",
  );
});

test.run();
