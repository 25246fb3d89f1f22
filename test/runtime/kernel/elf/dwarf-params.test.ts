// `-lv uprobe:BIN:FUNC`: each function's parameters from DWARF, as bpftrace v0.26 lists them (its
// Dwarf::get_function_params: `TYPE NAME`, `int*`, `char* const`, `struct S*`), for DWARF 4 and 5, -O0 and -O2,
// compressed sections and a shared object; a file without DWARF lists the names and warns once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DwarfInfo } from '../../../../runtime/kernel/elf/dwarf.ts';
import { ElfFile } from '../../../../runtime/kernel/elf/index.ts';
import { probeListing } from '../../../../runtime/listing.ts';
import { hasGcc } from '../../../helpers/fixtures.ts';

const source = `
struct S { int a; };
union U { int i; float f; };
enum E { E0, E1 };
typedef unsigned long ulong_t;
struct S gs;
__attribute__((noinline)) int scalars(int a, unsigned char b, long long c, ulong_t d, enum E e) { return a + b + (int)c + (int)d + e; }
__attribute__((noinline)) int pointers(int *p, const char *s, char *const cp, struct S *sp, union U *u, void *v,
                                       const void *cv, char **argv) { return p != 0; }
__attribute__((noinline)) int byvalue(struct S s, union U u) { return s.a + u.i; }
__attribute__((noinline)) int noparams(void) { return 7; }
int unnamed(int, char *);
__attribute__((noinline)) int unnamed(int x, char *y) { return x; }
int main(int argc, char **argv) {
  union U u = {0}; int x = 0;
  return scalars(1, 2, 3, 4, E1) + pointers(&x, "", 0, &gs, &u, 0, 0, argv) + byvalue(gs, u) + noparams() + unnamed(1, 0);
}
`;

const expected: Record<string, string[]> = {
  scalars: ['int a', 'unsigned char b', 'long long int c', 'ulong_t d', 'enum E e'],
  // bpftrace writes `const <unknown type>*` for const void* (it follows a DW_AT_type that is not there)
  pointers: [
    'int* p',
    'const char* s',
    'char* const cp',
    'struct S* sp',
    'union U* u',
    'void* v',
    'const void* cv',
    'char** argv',
  ],
  byvalue: ['struct S s', 'union U u'],
  noparams: [],
  unnamed: ['int x', 'char* y'],
  main: ['int argc', 'char** argv'],
  nosuch: [],
};

const params = suite('kernel/elf/dwarf-params');
let dir = '';
params.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scry-dwarf-params-'));
  writeFileSync(join(dir, 'params.c'), source);
});
params.after(() => rmSync(dir, { recursive: true, force: true }));

function build(name: string, flags: string[]): string {
  const out = join(dir, name);
  const r = spawnSync('gcc', [...flags, '-o', out, join(dir, 'params.c')], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return out;
}

const builds: [string, string[]][] = [
  ['dwarf4-O0', ['-gdwarf-4', '-O0']],
  ['dwarf5-O2', ['-gdwarf-5', '-O2']],
  ['dwarf5-zlib', ['-gdwarf-5', '-O0', '-gz=zlib']],
  ['dwarf4-shared.so', ['-gdwarf-4', '-O0', '-fPIC', '-shared']],
];

params('each function: its parameters as bpftrace v0.26 writes them, in every build', () => {
  for (const [name, flags] of builds) {
    const dwarf = DwarfInfo.read(ElfFile.open(build(name, flags)));
    assert.ok(dwarf, name);
    for (const [fn, want] of Object.entries(expected)) assert.equal(dwarf.functionParams(fn), want, `${name} ${fn}`);
  }
});

params('-lv lists them under each function; a file without DWARF lists names and warns once, as v0.26', () => {
  const bin = build('withdwarf', ['-g', '-O0']);
  assert.equal(probeListing(`uprobe:${bin}:unnamed`, { verbose: true }), {
    lines: [`uprobe:${bin}:unnamed`, '    int x', '    char* y'],
  });
  // without -v: the names alone, and no DWARF read
  assert.equal(probeListing(`uprobe:${bin}:unnamed`), { lines: [`uprobe:${bin}:unnamed`] });
  const bare = build('nodwarf', ['-g0', '-O0']);
  assert.equal(probeListing(`uprobe:${bare}:*params`, { verbose: true }), {
    lines: [`uprobe:${bare}:noparams`],
    warnings: [`No DWARF found for "${bare}", cannot show parameter info`],
  });
  assert.equal(probeListing(`uprobe:${bare}:*a*,uprobe:${bare}:main`, { verbose: true }).warnings, [
    `No DWARF found for "${bare}", cannot show parameter info`,
  ]);
});

if (hasGcc()) params.run();
else process.stderr.write('SKIP kernel/elf/dwarf-params: gcc is not installed\n');
