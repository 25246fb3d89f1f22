// A function's parameters typed from DWARF as BTF rows (uprobe `args`, bpftrace v0.26 types them so): base types,
// pointers and qualifiers, structs and unions with their members' offsets (bitfields too), enums, arrays (many
// dimensions), typedefs, function pointers and a struct that points at itself, for DWARF 4 and 5, -O0 and -O2;
// the rows placed after other types (lang's withForeignTypes) print as C as gcc laid the types out.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withForeignTypes } from '../../../../lang/c/script-btf.ts';
import { DwarfInfo } from '../../../../runtime/kernel/elf/dwarf.ts';
import { ElfFile } from '../../../../runtime/kernel/elf/index.ts';
import { hasGcc } from '../../../helpers/fixtures.ts';

const source = `
struct Node { struct Node *next; int v; };
struct Foo { int a; char b[10]; int c[3]; __int128 d; };
struct Bits { unsigned int lo : 3, mid : 7; int after; };
union U { int i; float f; char s[6]; };
enum Color { RED = -1, GREEN = 5 };
typedef unsigned long ulong_t;
typedef int (*cb_t)(const char *, ...);
__attribute__((noinline)) int f(int *n, char c, struct Foo *foo, struct Node *node, struct Bits *bits, union U *u,
                                enum Color color, ulong_t big, const volatile short *cv, int (*grid)[2][3], cb_t cb,
                                _Bool flag, double d, unsigned char uc) { return *n + c + (foo != 0) + color; }
__attribute__((noinline)) void none(void) {}
int main(void) { int n = 0; f(&n, 'x', 0, 0, 0, 0, GREEN, 1, 0, 0, 0, 1, 2.0, 3); none(); return 0; }
`;

const types = suite('kernel/elf/dwarf-types');
let dir = '';
types.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scry-dwarf-types-'));
  writeFileSync(join(dir, 'types.c'), source);
});
types.after(() => rmSync(dir, { recursive: true, force: true }));

function build(name: string, flags: string[]): DwarfInfo {
  const out = join(dir, name);
  const r = spawnSync('gcc', [...flags, '-o', out, join(dir, 'types.c')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const dwarf = DwarfInfo.read(ElfFile.open(out));
  assert.ok(dwarf, name);
  return dwarf;
}

const declarations = [
  'int *n',
  'char c',
  'struct Foo *foo',
  'struct Node *node',
  'struct Bits *bits',
  'union U *u',
  'enum Color color',
  'ulong_t big',
  'volatile const short int *cv', // the order gcc chains the qualifiers in
  'int (*grid)[2][3]',
  'cb_t cb',
  '_Bool flag',
  'double d',
  'unsigned char uc',
];

for (const [name, flags] of [
  ['dwarf4-O0', ['-gdwarf-4', '-O0']],
  ['dwarf5-O2', ['-gdwarf-5', '-O2']],
] as const)
  types(`${name}: each parameter's type, as C declares it, with gcc's layout`, () => {
    const fn = build(name, [...flags]).functionTypes('f');
    assert.ok(fn?.params);
    assert.is(fn.variadic, false);
    // ids count from 1, and rows refer to nothing outside themselves
    fn.types.forEach((t, i) => assert.is(t.id, i + 1));
    const { types: btf, firstIds } = withForeignTypes(undefined, [fn.types]);
    const at = (id: number) => (id === 0 ? 0 : firstIds[0]! + id - 1);
    assert.equal(
      fn.params!.map((p) => btf.declaration(at(p.type), p.name)),
      declarations,
    );
    const def = (c: string) => btf.definition(btf.lookup(c)!, { offsets: true });
    assert.is(
      def('struct Foo'),
      [
        'struct Foo {',
        '\tint a; /* 0 4 */',
        '\tchar b[10]; /* 4 10 */',
        '\tint c[3]; /* 16 12 */',
        '\t__int128 d; /* 32 16 */',
        '};',
      ].join('\n'),
    );
    assert.is(btf.sizeOf(btf.lookup('struct Foo')!), 48);
    assert.is(btf.alignOf(btf.lookup('struct Foo')!), 16);
    const bits = btf.members(btf.lookup('struct Bits')!)!;
    assert.equal(
      bits.map((m) => [m.name, m.bitOffset, m.bitSize]),
      [
        ['lo', 0, 3],
        ['mid', 3, 7],
        ['after', 32, 0],
      ],
    );
    const node = btf.lookup('struct Node')!;
    const next = btf.findMember(node, 'next')!;
    const ptr = btf.type(btf.resolve(next.member.type));
    assert.ok(ptr.kind === 'ptr' && btf.resolve(ptr.target) === node, 'next points back at struct Node');
    const u = btf.lookup('union U')!;
    assert.is(btf.sizeOf(u), 8);
    assert.equal(
      btf.members(u)!.map((m) => m.offset),
      [0, 0, 0],
    );
    const color = btf.type(btf.lookup('enum Color')!);
    assert.ok(color.kind === 'enum' && color.size === 4);
    if (color.kind === 'enum')
      assert.equal(
        color.values.map((v) => [v.name, v.value]),
        [
          ['RED', -1n],
          ['GREEN', 5n],
        ],
      );
    // char arrays are the script-like kind: text only when their element is char (lang's typeFromBtf)
    assert.ok(btf.isScriptType?.(btf.lookup('struct Foo')!));
  });

types('a function without parameters has none; one DWARF does not describe has no types', () => {
  const dwarf = build('plain', ['-g', '-O0']);
  assert.equal(dwarf.functionTypes('none'), { params: [], types: [], variadic: false });
  assert.is(dwarf.functionTypes('nosuch'), undefined);
  // the callback's prototype: a variadic function pointer
  const fn = dwarf.functionTypes('f')!;
  const cb = fn.types[fn.params![10]!.type - 1]!;
  assert.is(cb.kind, 'typedef');
  const proto = fn.types.find((t) => t.kind === 'func_proto');
  assert.ok(proto && proto.kind === 'func_proto' && proto.variadic && proto.params.length === 1);
});

types('types a script names, found anywhere in the file, with or without a function', () => {
  const dwarf = build('named', ['-g', '-O0']);
  const only = dwarf.functionTypes(undefined, ['struct Node', 'ulong_t', 'struct Nope', 'enum Color'])!;
  assert.is(only.params, undefined);
  const { types: btf } = withForeignTypes(undefined, [only.types]);
  assert.is(btf.sizeOf(btf.lookup('struct Node')!), 16);
  assert.is(btf.typeName(btf.lookup('ulong_t')!), 'ulong_t');
  assert.is(btf.sizeOf(btf.lookup('ulong_t')!), 8);
  assert.ok(btf.lookup('enum Color') !== undefined);
  assert.is(btf.lookup('struct Nope'), undefined);
  assert.is(dwarf.functionTypes(undefined, ['struct Nope']), undefined);
  // with the function: its parameters, and the named types besides
  const both = dwarf.functionTypes('none', ['struct Bits'])!;
  assert.equal(both.params, []);
  assert.ok(both.types.some((t) => t.kind === 'struct' && t.name === 'Bits'));
});

if (hasGcc()) types.run();
else process.stderr.write('SKIP kernel/elf/dwarf-types: gcc is not installed\n');
