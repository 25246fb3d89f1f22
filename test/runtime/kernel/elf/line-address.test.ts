// FILE:LINE[:COL] → an address (uprobe:BIN@FILE:LINE, bpftrace v0.26): FILE matched as a path suffix of whole
// components; the lowest address of the line's rows, checked against objdump's decoded line table on a program
// built here at -O2 (DWARF 4 and 5) whose header function is inlined twice and its loop unrolled, so one line
// has many copies; two files of one name are ambiguous until more of the path is given; a line without code
// says which lines have some.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DwarfInfo } from '../../../../runtime/kernel/elf/dwarf.ts';
import { ElfFile, lineAddress, pathEndsWith } from '../../../../runtime/kernel/elf/index.ts';
import { hasGcc } from '../../../helpers/fixtures.ts';

const paths = suite('kernel/elf/line-address: pathEndsWith');

paths('whole components from the end; a leading / is one of them', () => {
  const yes: [string, string][] = [
    ['/src/app/main.c', 'main.c'],
    ['/src/app/main.c', 'app/main.c'],
    ['/src/app/main.c', '/src/app/main.c'],
    ['/src//app/main.c', 'app/main.c'],
    ['rel/main.c', 'rel/main.c'],
    ['/x/./y.c', './y.c'],
    ['/', '/'],
    ['', ''],
  ];
  const no: [string, string][] = [
    ['/src/app/main.c', 'ain.c'],
    ['/src/app/main.c', 'pp/main.c'],
    ['/src/app/main.c', 'other/main.c'],
    ['/src/app/main.c', '/app/main.c'],
    ['app/main.c', '/app/main.c'],
    ['/src/app/main.c', ''],
    ['', 'main.c'],
    ['/', ''],
    ['/src/main.c', '/src/main.c/..'],
  ];
  for (const [p, s] of yes) assert.ok(pathEndsWith(p, s), `${p} ends with ${s}`);
  for (const [p, s] of no) assert.not.ok(pathEndsWith(p, s), `${p} does not end with ${s}`);
});

paths.run();

const helper = `extern volatile int sink;
static inline void twice(int x) {
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++)
    sink += x * i;
}
`;
const main = `#include "helper.h"
volatile int sink;
int util(int);
__attribute__((noinline)) int f(int a) {
  twice(a);
  twice(a + 1);
  return sink;
}
int main(int argc, char **argv) {
  return f(argc) + util(argc);
}

/* nothing here */
`;

/** objdump's decoded rows: the lowest address of each `file:line` (file by its base name, as objdump shows it). */
function objdumpLowest(bin: string): Map<string, number> {
  const r = spawnSync('objdump', ['--dwarf=decodedline', bin], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`objdump: ${r.stderr}`);
  const lowest = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(\d+)\s+(0x[0-9a-f]+)/.exec(line);
    if (!m) continue;
    const key = `${m[1]}:${m[2]}`;
    const addr = Number(m[3]);
    if (addr !== 0 && addr < (lowest.get(key) ?? Infinity)) lowest.set(key, addr);
  }
  return lowest;
}

const built = suite('kernel/elf/line-address: a program built here');
let dir = '';
const hasObjdump = () => !spawnSync('objdump', ['--version']).error;
const why = !hasGcc() ? 'gcc is not installed' : !hasObjdump() ? 'objdump is not installed' : undefined;
if (why) process.stderr.write(`SKIP kernel/elf/line-address on a built program: ${why}\n`);

built.before(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), 'scry-line-address-'));
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  writeFileSync(join(dir, 'helper.h'), helper);
  writeFileSync(join(dir, 'main.c'), main);
  writeFileSync(join(dir, 'a', 'util.c'), 'int util(int x) { return x + 1; }\n');
  writeFileSync(join(dir, 'b', 'util.c'), 'int util2(int x) { return x + 2; }\n');
});
built.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const builds = new Map<number, { dwarf: DwarfInfo; bin: string }>();
function build(version: number): { dwarf: DwarfInfo; bin: string } {
  const done = builds.get(version);
  if (done) return done;
  const bin = join(dir, `prog${version}`);
  const cc = spawnSync('gcc', [`-gdwarf-${version}`, '-O2', '-o', bin, 'main.c', 'a/util.c', 'b/util.c'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (cc.status !== 0) throw new Error(`gcc: ${cc.stderr}`);
  const out = { dwarf: DwarfInfo.read(ElfFile.open(bin))!, bin };
  builds.set(version, out);
  return out;
}

for (const version of [4, 5]) {
  built(`DWARF ${version}: every line of main.c and helper.h at its lowest address, as objdump decodes it`, () => {
    if (why) return;
    const { dwarf, bin } = build(version);
    const lowest = objdumpLowest(bin);
    let checked = 0;
    for (const [key, addr] of lowest) {
      const [file, line] = key.split(':') as [string, string];
      if (file !== 'main.c' && file !== 'helper.h') continue;
      const found = lineAddress(dwarf.lineTables(), file, Number(line), 0);
      assert.equal(found, { kind: 'found', address: addr, path: join(dir, file) }, key);
      checked++;
    }
    // the unrolled, twice-inlined loop body is one line with many rows: still one address
    assert.ok(lowest.has('helper.h:5'));
    assert.ok(checked >= 6, `${checked} lines checked`);
  });

  built(`DWARF ${version}: a column picks among a line's rows; one it lacks lists those it has`, () => {
    if (why) return;
    const { dwarf } = build(version);
    const all = lineAddress(dwarf.lineTables(), 'helper.h', 5, 0);
    assert.is(all.kind, 'found');
    const none = lineAddress(dwarf.lineTables(), 'helper.h', 5, 999);
    if (none.kind !== 'no-line') return assert.unreachable(none.kind);
    assert.ok(none.columns.length >= 1);
    for (const c of none.columns) {
      const one = lineAddress(dwarf.lineTables(), 'helper.h', 5, c);
      if (one.kind !== 'found' || all.kind !== 'found') return assert.unreachable(one.kind);
      assert.ok(one.address >= all.address);
    }
  });

  built(`DWARF ${version}: two util.c are ambiguous, a/util.c is not; no file; no code at a line`, () => {
    if (why) return;
    const { dwarf } = build(version);
    const tables = () => dwarf.lineTables();
    assert.equal(lineAddress(tables(), 'util.c', 1, 0), {
      kind: 'ambiguous',
      paths: [join(dir, 'a/util.c'), join(dir, 'b/util.c')],
    });
    assert.is(lineAddress(tables(), 'a/util.c', 1, 0).kind, 'found');
    assert.is(lineAddress(tables(), `${dir}/b/util.c`, 1, 0).kind, 'found');
    assert.is(lineAddress(tables(), '/util.c', 1, 0).kind, 'no-file');
    const nothing = lineAddress(tables(), 'main.c', 13, 0);
    if (nothing.kind !== 'no-line') return assert.unreachable(nothing.kind);
    assert.is(nothing.path, join(dir, 'main.c'));
    assert.is(nothing.lines.at(-1), 11);
    // helper.h's line 2 has code, main.c's (a declaration) has none
    assert.not.ok(nothing.lines.includes(2));
    const missing = lineAddress(tables(), 'nothing.c', 1, 0);
    if (missing.kind !== 'no-file') return assert.unreachable(missing.kind);
    assert.ok(missing.paths.includes(join(dir, 'helper.h')));
  });
}

built.run();
