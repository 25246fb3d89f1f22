// Split DWARF (-gsplit-dwarf): the .dwp index reader on byte tables (DWARF 5's and the GNU version 2 for DWARF 4),
// where a skeleton unit's .dwo is looked for (libdw's order, which bpftrace v0.26 uses) and v0.26's warning when
// none is found; then DwarfInfo on programs gcc builds here with split DWARF 4 and 5, .dwo files and (with llvm-dwp
// or binutils' dwp) a .dwp: parameters, types and inlined frames as the same program built without splitting has.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DwarfError } from '../../../../runtime/kernel/elf/dwarf-cursor.ts';
import {
  dwoCandidates,
  missingSplitWarning,
  packagePath,
  readUnitIndex,
} from '../../../../runtime/kernel/elf/dwarf-split.ts';
import { DwarfInfo } from '../../../../runtime/kernel/elf/dwarf.ts';
import { ElfFile, SymbolTable } from '../../../../runtime/kernel/elf/index.ts';
import { hasGcc } from '../../../helpers/fixtures.ts';

const u16 = (v: number) => Buffer.from([v & 0xff, v >> 8]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};
const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};

/** An index: header, slots' ids and rows, column section ids, then offsets and sizes per unit row. */
function index(
  version: Buffer,
  columns: number[],
  slots: [bigint, number][],
  offsets: number[][],
  sizes: number[][],
): Buffer {
  return Buffer.concat([
    version,
    u32(columns.length),
    u32(offsets.length),
    u32(slots.length),
    ...slots.map(([id]) => u64(id)),
    ...slots.map(([, row]) => u32(row)),
    ...columns.map(u32),
    ...offsets.flat().map(u32),
    ...sizes.flat().map(u32),
  ]);
}

const idx = suite('kernel/elf/dwarf-split index');

idx('DWARF 5: every used slot read, its row placing the unit in .debug_info/abbrev/str_offsets/rnglists.dwo', () => {
  const buf = index(
    Buffer.concat([u16(5), u16(0)]),
    [1, 3, 4, 6, 8], // INFO ABBREV LINE STR_OFFSETS RNGLISTS
    [
      [0n, 0],
      [0xfedcba9876543210n, 2],
      [0x1122334455667788n, 1],
      [0n, 0],
    ],
    [
      [0, 0, 0, 0, 0],
      [0x40, 0x20, 0x30, 0x18, 0x10],
    ],
    [
      [0x40, 0x20, 0x30, 0x18, 0x10],
      [0x50, 0x22, 0x31, 0x1c, 0x14],
    ],
  );
  const got = readUnitIndex(buf);
  assert.is(got.version, 5);
  assert.equal(got.units, [
    {
      id: 0xfedcba9876543210n,
      info: { offset: 0x40, size: 0x50 },
      abbrev: { offset: 0x20, size: 0x22 },
      strOffsets: { offset: 0x18, size: 0x1c },
      rnglists: { offset: 0x10, size: 0x14 },
    },
    {
      id: 0x1122334455667788n,
      info: { offset: 0, size: 0x40 },
      abbrev: { offset: 0, size: 0x20 },
      strOffsets: { offset: 0, size: 0x18 },
      rnglists: { offset: 0, size: 0x10 },
    },
  ]);
});

idx('GNU version 2 (DWARF 4): a 4-byte version; its section 8 is .debug_macro, no range lists', () => {
  const buf = index(u32(2), [1, 3, 6, 8], [[0xabcn, 1]], [[0x10, 0x20, 0x30, 0x40]], [[1, 2, 3, 4]]);
  assert.equal(readUnitIndex(buf), {
    version: 2,
    units: [
      {
        id: 0xabcn,
        info: { offset: 0x10, size: 1 },
        abbrev: { offset: 0x20, size: 2 },
        strOffsets: { offset: 0x30, size: 3 },
      },
    ],
  });
});

idx('a damaged index is a DwarfError: unknown version, a row past the units, truncated tables', () => {
  const good = index(u32(2), [1], [[1n, 1]], [[0]], [[8]]);
  assert.throws(
    () => readUnitIndex(Buffer.concat([u32(3), good.subarray(4)])),
    (e: unknown) => e instanceof DwarfError,
  );
  assert.throws(
    () => readUnitIndex(index(u32(2), [1], [[1n, 2]], [[0]], [[8]])),
    (e: unknown) => e instanceof DwarfError,
  );
  assert.throws(
    () => readUnitIndex(good.subarray(0, good.length - 2)),
    (e: unknown) => e instanceof DwarfError,
  );
  assert.throws(
    () => readUnitIndex(good.subarray(0, 10)),
    (e: unknown) => e instanceof DwarfError,
  );
  // slot and column counts no real index has, refused before anything is read for them
  assert.throws(
    () => readUnitIndex(Buffer.concat([u32(2), u32(1000), u32(1), u32(1)])),
    (e: unknown) => e instanceof DwarfError,
  );
  assert.throws(
    () => readUnitIndex(Buffer.concat([u32(2), u32(1), u32(9), u32(4)])),
    (e: unknown) => e instanceof DwarfError,
  );
});

idx('libdw looks beside the file, then under the comp_dir; the package beside the file', () => {
  assert.equal(dwoCandidates('/b/bin/prog', 'out/prog-prog.dwo', '/src'), [
    '/b/bin/out/prog-prog.dwo',
    '/src/out/prog-prog.dwo',
  ]);
  assert.equal(dwoCandidates('/b/bin/prog', 'x.dwo', 'rel'), ['/b/bin/x.dwo', '/b/bin/rel/x.dwo']);
  assert.equal(dwoCandidates('/b/bin/prog', '/abs/x.dwo', '/src'), ['/abs/x.dwo']);
  assert.equal(dwoCandidates('/b/prog', 'x.dwo', undefined), ['/b/x.dwo']);
  assert.is(packagePath('/b/bin/prog'), '/b/bin/prog.dwp');
});

idx("v0.26's warning: the .dwo's file name (else BIN.dwo) and BIN.dwp, BIN without its extension", () => {
  assert.is(
    missingSplitWarning('./dir/prog', 'out/prog-prog.dwo'),
    "Unable to find split debug file 'prog-prog.dwo' or 'prog.dwp' for './dir/prog', debugging information may be incomplete!",
  );
  assert.is(
    missingSplitWarning('/lib/libx.so', undefined),
    "Unable to find split debug file 'libx.dwo' or 'libx.dwp' for '/lib/libx.so', debugging information may be incomplete!",
  );
});

idx.run();

// ---- real split DWARF from gcc

const SOURCE = `
struct Pt { int x; int y; char tag[8]; };
typedef struct Pt pt_t;
static inline __attribute__((always_inline)) int twice(int v) { volatile int k = v; return k * 2; }
__attribute__((noinline)) int splitfn(int n, char c, pt_t *p) { return twice(n) + c + p->x; }
int other(const char *s) { return s[0]; }
int main(void) { struct Pt p = { 7, 9, "split" }; return splitfn(42, 'q', &p) + other("a"); }
`;
// llvm-dwp 14 never ends on gcc 12's DWARF 5 .dwo with an inlined call in it: the package is of the program without
const PACKED = SOURCE.replace('twice(n) +', 'n +');

/** The .dwo files gcc wrote in a directory (named from the output and source names: prog.dwo here). */
const dwoFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.dwo'));

/** A tool that answers --version. */
function tool(name: string): boolean {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

const real = suite('kernel/elf/dwarf-split gcc');
let dir = '';
const versions: number[] = [];
/** llvm-dwp packs both versions; binutils' dwp only DWARF 4 (it crashes on DWARF 5 here) */
const packer = (v: number) => (tool('llvm-dwp') ? 'llvm-dwp' : v === 4 && tool('dwp') ? 'dwp' : undefined);

// (uvu drops what a before hook throws without a word: the tests then do not run, so it throws nothing)
real.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scry-dwarf-split-'));
  writeFileSync(join(dir, 'prog.c'), SOURCE);
  writeFileSync(join(dir, 'packed.c'), PACKED);
  for (const v of [5, 4]) {
    const cc = (out: string, split: boolean, src = 'prog.c') =>
      spawnSync('gcc', ['-g', `-gdwarf-${v}`, ...(split ? ['-gsplit-dwarf'] : []), '-O2', '-o', out, src], {
        cwd: dir,
        encoding: 'utf8',
      });
    for (const sub of ['plain', 'dwo', 'dwp', 'none']) mkdirSync(join(dir, `${sub}${v}`));
    if (cc(`plain${v}/prog`, false).status !== 0) continue;
    // the .dwo's name is relative (dwoN/prog.dwo): found under the comp_dir, not beside the binary
    if (cc(`dwo${v}/prog`, true).status !== 0) continue;
    versions.push(v);
    cc(`none${v}/prog`, true);
    for (const f of dwoFiles(join(dir, `none${v}`))) rmSync(join(dir, `none${v}`, f));
    const pack = packer(v);
    if (pack && cc(`dwp${v}/prog`, true, 'packed.c').status === 0) {
      const r = spawnSync(pack, ['-e', 'prog', '-o', 'prog.dwp'], {
        cwd: join(dir, `dwp${v}`),
        encoding: 'utf8',
        timeout: 20_000,
      });
      if (r.status !== 0) rmSync(join(dir, `dwp${v}`, 'prog.dwp'), { force: true });
      for (const f of dwoFiles(join(dir, `dwp${v}`))) rmSync(join(dir, `dwp${v}`, f));
    }
  }
});
real.after(() => rmSync(dir, { recursive: true, force: true }));

const open = (path: string) => DwarfInfo.read(ElfFile.open(path))!;
const hasPackage = (v: number) => existsSync(join(dir, `dwp${v}`, 'prog.dwp'));

if (!hasGcc()) process.stderr.write('SKIP kernel/elf/dwarf-split gcc: gcc is not installed\n');
else {
  real('parameters and their types from the .dwo and the .dwp, as without -gsplit-dwarf', () => {
    if (!versions.length)
      return void process.stderr.write('SKIP kernel/elf/dwarf-split gcc: gcc -gsplit-dwarf fails\n');
    for (const v of versions) {
      const plain = open(join(dir, `plain${v}`, 'prog'));
      const kinds = ['dwo', ...(hasPackage(v) ? ['dwp'] : [])];
      if (!hasPackage(v))
        process.stderr.write(
          `SKIP kernel/elf/dwarf-split gcc .dwp (DWARF ${v}): no llvm-dwp (nor dwp for DWARF 4), or it failed\n`,
        );
      for (const kind of kinds) {
        const split = open(join(dir, `${kind}${v}`, 'prog'));
        const what = `DWARF ${v} ${kind}`;
        assert.equal(split.functionParams('splitfn'), ['int n', 'char c', 'pt_t* p'], what);
        assert.equal(split.functionParams('other'), ['const char* s'], what);
        assert.equal(
          split.functionTypes('splitfn', ['struct Pt']),
          plain.functionTypes('splitfn', ['struct Pt']),
          what,
        );
        assert.equal(split.splitWarnings('prog'), [], what);
      }
    }
  });

  real('inlined frames of a split unit come from its .dwo, its lines from the skeleton', () => {
    for (const v of versions) {
      const path = join(dir, `plain${v}`, 'prog');
      const fn = SymbolTable.read(ElfFile.open(path)).lookup('splitfn');
      assert.ok(fn, 'splitfn');
      const plain = open(path);
      for (const kind of ['dwo']) {
        const split = open(join(dir, `${kind}${v}`, 'prog'));
        // the same code at the same addresses: every address of splitfn places the same
        for (let a = Number(fn.value); a < Number(fn.value + fn.size); a++)
          assert.equal(split.locate(a), plain.locate(a), `DWARF ${v} ${kind} at ${a.toString(16)}`);
        assert.ok(
          Array.from({ length: Number(fn.size) }, (_, i) => split.locate(Number(fn.value) + i)).some(
            (l) => l?.inlined[0]?.name === 'twice',
          ),
          `DWARF ${v} ${kind}: twice inlined somewhere`,
        );
      }
    }
  });

  real('a .dwo nowhere: no parameters, and the warning naming it (once, however many searches)', () => {
    for (const v of versions) {
      const split = open(join(dir, `none${v}`, 'prog'));
      assert.equal(split.functionParams('splitfn'), []);
      assert.is(split.functionTypes('splitfn'), undefined);
      assert.equal(split.functionParams('other'), []);
      const [dwo] = dwoFiles(join(dir, `dwo${v}`));
      assert.equal(split.splitWarnings('./none/prog'), [missingSplitWarning('./none/prog', dwo)]);
    }
  });
}

real.run();
