// The ELF reader and symbol tables against what binutils print for the fixtures, /bin/bash and /usr/bin/node.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildId,
  debugLink,
  ElfError,
  ElfFile,
  ET_DYN,
  ET_EXEC,
  globRegExp,
  openDebugFile,
  SymbolTable,
} from '../../../../runtime/kernel/elf/index.ts';
import { fixtures, hasTool, tool } from '../../../helpers/fixtures.ts';
import { skipCheck } from '../../../helpers/kernel.ts';

const fx = fixtures('kernel/elf');
/** `npm run test:unit` (SCRY_TEST_QUICK=1) leaves /usr/bin/node (~100 MB, 185k symbols) to `npm test`. */
const quick = process.env.SCRY_TEST_QUICK === '1';
const binutils = hasTool('readelf') && hasTool('objdump');
if (!binutils) process.stderr.write('SKIP kernel/elf: readelf/objdump not installed\n');

interface ReadelfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  type: string;
  bind: string;
  ndx: string;
}

const readelfCache = new Map<string, ReadelfSymbol[]>();

/** `readelf -sW` (.symtab and .dynsym), names without the @VERSION readelf appends. */
function readelfSymbols(path: string): ReadelfSymbol[] {
  const hit = readelfCache.get(path);
  if (hit) return hit;
  const out: ReadelfSymbol[] = [];
  readelfCache.set(path, out);
  for (const line of tool('readelf', ['-sW', '--dyn-syms', path]).split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    out.push({
      value: BigInt(`0x${m[1]}`),
      size: BigInt(m[2]!),
      type: m[3]!,
      bind: m[4]!,
      ndx: m[6]!,
      name: m[7]!.replace(/@.*$/, ''),
    });
  }
  return out;
}

const definedFunctions = (syms: ReadelfSymbol[]) =>
  syms.filter((s) => (s.type === 'FUNC' || s.type === 'IFUNC') && s.ndx !== 'UND');

/** PT_LOAD rows of `readelf -lW`. */
function readelfLoads(path: string): { offset: bigint; vaddr: bigint; filesz: bigint; memsz: bigint; flags: string }[] {
  return tool('readelf', ['-lW', path])
    .split('\n')
    .map((l) =>
      /^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(.+?)\s+0x[0-9a-f]+$/.exec(
        l,
      ),
    )
    .filter((m) => m !== null)
    .map((m) => ({
      offset: BigInt(m[1]!),
      vaddr: BigInt(m[2]!),
      filesz: BigInt(m[3]!),
      memsz: BigInt(m[4]!),
      flags: m[5]!.replace(/\s+/g, ''),
    }));
}

/** The instruction bytes objdump disassembles at a virtual address (first instruction). */
function objdumpBytes(path: string, vaddr: bigint): number[] {
  const out = tool('objdump', [
    '-d',
    `--start-address=0x${vaddr.toString(16)}`,
    `--stop-address=0x${(vaddr + 1n).toString(16)}`,
    path,
  ]);
  const m = new RegExp(`^\\s*${vaddr.toString(16)}:\\s+((?:[0-9a-f]{2} )+)`, 'm').exec(out);
  assert.ok(m, `objdump printed no bytes at 0x${vaddr.toString(16)}:\n${out}`);
  return m[1]!
    .trim()
    .split(' ')
    .map((h) => parseInt(h, 16));
}

function fileBytes(path: string, offset: bigint, n: number): number[] {
  return [...readFileSync(path).subarray(Number(offset), Number(offset) + n)];
}

if (fx && binutils) {
  const t = suite('kernel/elf');
  const big = ['/bin/bash', ...(quick ? [] : ['/usr/bin/node'])].filter((p) => existsSync(p));
  if (quick) skipCheck('kernel/elf /usr/bin/node', 'SCRY_TEST_QUICK=1 (npm test reads it)');
  const files = () => [fx.pie, fx.nopie, fx.lib, fx.withLib, ...big];

  t('header: PIE and shared objects are ET_DYN, -no-pie is ET_EXEC', () => {
    assert.is(ElfFile.open(fx.pie).header.type, ET_DYN);
    assert.is(ElfFile.open(fx.lib).header.type, ET_DYN);
    assert.is(ElfFile.open(fx.nopie).header.type, ET_EXEC);
    assert.ok(ElfFile.open(fx.pie).isDyn);
    assert.not.ok(ElfFile.open(fx.nopie).isDyn);
    const entry = /Entry point address:\s+(0x[0-9a-f]+)/.exec(tool('readelf', ['-hW', fx.nopie]))![1]!;
    assert.is(ElfFile.open(fx.nopie).header.entry, BigInt(entry));
  });

  t('PT_LOAD segments equal readelf -l', () => {
    for (const path of files()) {
      const want = readelfLoads(path);
      const got = ElfFile.open(path).loadSegments.map((s) => ({
        offset: s.offset,
        vaddr: s.vaddr,
        filesz: s.filesz,
        memsz: s.memsz,
        flags: `${s.flags & 4 ? 'R' : ''}${s.flags & 2 ? 'W' : ''}${s.flags & 1 ? 'E' : ''}`,
      }));
      assert.equal(got, want, path);
    }
  });

  t('section headers equal readelf -S', () => {
    for (const path of [fx.pie, fx.lib, ...big]) {
      const want = tool('readelf', ['-SW', path])
        .split('\n')
        .map((l) => /^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(l))
        .filter((m) => m !== null && m[1] !== '0')
        .map((m) => ({
          index: Number(m![1]),
          name: m![2]!,
          addr: BigInt(`0x${m![4]}`),
          offset: BigInt(`0x${m![5]}`),
          size: BigInt(`0x${m![6]}`),
        }));
      const got = ElfFile.open(path)
        .sections.slice(1)
        .map((s) => ({ index: s.index, name: s.name, addr: s.addr, offset: s.offset, size: s.size }));
      assert.equal(got, want, path);
    }
  });

  t('every defined function is found by name, at the address readelf prints', () => {
    for (const path of files()) {
      const want = definedFunctions(readelfSymbols(path));
      const table = SymbolTable.read(ElfFile.open(path));
      const byName = new Map<string, ReadelfSymbol[]>();
      for (const s of want) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
      let checked = 0;
      let n = 0;
      const every = Math.max(1, Math.floor(byName.size / 3000)); // a sample of the big binaries
      for (const [name, same] of byName) {
        if (n++ % every) continue;
        if (new Set(same.map((s) => s.value)).size !== 1) continue; // two different local functions share the name
        const got = table.lookup(name);
        assert.ok(got, `${path}: ${name} not found`);
        assert.is(got.value, same[0]!.value, `${path}: ${name}`);
        checked++;
      }
      assert.ok(checked > 5, `${path}: only ${checked} functions checked`);
    }
  });

  t("the function list equals readelf's defined FUNC/IFUNC names", () => {
    for (const path of files()) {
      const want = [...new Set(definedFunctions(readelfSymbols(path)).map((s) => s.name))].filter((n) => n).sort();
      const got = SymbolTable.read(ElfFile.open(path)).functionNames();
      assert.equal(
        [...got],
        want.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        path,
      );
    }
  });

  t('fixture symbols: names, sizes, binding, section', () => {
    const table = SymbolTable.read(ElfFile.open(fx.pie));
    const add = table.lookup('add')!;
    const ref = readelfSymbols(fx.pie).find((s) => s.name === 'add' && s.type === 'FUNC')!;
    assert.equal(
      { ...add, table: undefined },
      {
        name: 'add',
        value: ref.value,
        size: ref.size,
        type: 'func',
        binding: 'global',
        section: Number(ref.ndx),
        table: undefined,
      },
    );
    assert.is(table.lookup('leaf_calls'), undefined, 'objects are not functions');
    assert.is(table.lookup('leaf_calls', { anyType: true })?.type, 'object');
    assert.is(table.lookup('scry_tick_semaphore', { anyType: true })?.size, 2n);
    assert.is(table.lookup('strlen'), undefined, 'imports are not defined here');
    assert.is(table.lookup('deregister_tm_clones')?.binding, 'local');
    const lib = SymbolTable.read(ElfFile.open(fx.lib));
    assert.is(lib.lookup('lib_mul')?.table, 'dynsym');
  });

  t("a function's file offset holds the bytes objdump shows at its address", () => {
    const cases: [string, string][] = [
      [fx.pie, 'add'],
      [fx.pie, 'main'],
      [fx.nopie, 'add'],
      [fx.nopie, 'recurse'],
      [fx.lib, 'lib_mul'],
      [fx.withLib, 'leaf'],
    ];
    if (existsSync('/bin/bash')) cases.push(['/bin/bash', 'readline']);
    for (const [path, name] of cases) {
      const elf = ElfFile.open(path);
      const sym = SymbolTable.read(elf).lookup(name)!;
      const off = elf.vaddrToOffset(sym.value)!;
      const want = objdumpBytes(path, sym.value);
      assert.equal(fileBytes(path, off, want.length), want, `${path}:${name} at file offset 0x${off.toString(16)}`);
      assert.is(elf.offsetToVaddr(off), sym.value);
    }
    // -no-pie: file offset = vaddr - p_vaddr + p_offset, far from the vaddr itself
    const elf = ElfFile.open(fx.nopie);
    const add = SymbolTable.read(elf).lookup('add')!;
    const text = readelfLoads(fx.nopie).find((l) => l.flags === 'RE')!;
    assert.is(elf.vaddrToOffset(add.value), add.value - text.vaddr + text.offset);
    assert.ok(add.value > 0x400000n);
    // .bss is in memory but not in the file
    const bss = elf.section('.bss')!;
    assert.is(elf.vaddrToOffset(bss.addr + bss.size - 1n), undefined);
  });

  t('address lookup: every function and its offsets', () => {
    for (const path of [fx.pie, fx.nopie, fx.lib, ...big]) {
      const table = SymbolTable.read(ElfFile.open(path));
      const funcs = definedFunctions(readelfSymbols(path)).filter((s) => s.size > 0n && s.value !== 0n);
      const every = Math.max(1, Math.floor(funcs.length / 3000)); // a sample of the big binaries
      for (const [n, s] of funcs.entries()) {
        if (n % every) continue;
        for (const off of [0n, s.size - 1n]) {
          const hit = table.lookupAddress(s.value + off);
          assert.ok(hit, `${path}: nothing at ${s.name}+${off}`);
          // an alias may win, but it must start at the same address and cover it
          assert.is(hit.symbol.value, s.value, `${path}: ${s.name}+${off} → ${hit.symbol.name}`);
          assert.is(hit.offset, off);
        }
      }
    }
    const table = SymbolTable.read(ElfFile.open(fx.pie));
    const add = table.lookup('add')!;
    assert.equal(table.lookupAddress(add.value + 2n), { symbol: add, offset: 2n });
    assert.is(table.lookupAddress(0n), undefined);
    assert.is(table.lookupAddress(0x100n), undefined, 'ELF header: no function');
    // size-0 symbols (_init, frame_dummy) never contain an address
    const init = table.lookup('_init')!;
    assert.is(init.size, 0n);
    assert.not.ok(table.lookupAddress(init.value)?.symbol.name === '_init');
  });

  t('aliases: the GLOBAL sized function wins over WEAK and LOCAL ones', () => {
    const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    if (!existsSync(libc)) return skipCheck('kernel/elf aliases', `no ${libc}`);
    const table = SymbolTable.read(ElfFile.open(libc));
    const syms = readelfSymbols(libc);
    const fgets = table.lookup('fgets')!; // WEAK fgets and GLOBAL _IO_fgets share an address
    const atAddr = syms
      .filter((s) => s.value === fgets.value && s.type === 'FUNC')
      .map((s) => s.bind)
      .sort();
    assert.ok(atAddr.includes('GLOBAL') && atAddr.includes('WEAK'), atAddr.join());
    assert.is(table.lookupAddress(fgets.value)!.symbol.binding, 'global');
    assert.is(fgets.binding, 'weak', 'lookup by name still finds the weak fgets');
  });

  t('big binaries are read in pieces, quickly', () => {
    if (!existsSync('/usr/bin/node')) return skipCheck('kernel/elf big binaries', 'no /usr/bin/node');
    const t0 = performance.now();
    const elf = ElfFile.open('/usr/bin/node');
    const table = SymbolTable.read(elf);
    const uvRun = table.lookup('uv_run')!;
    const hit = table.lookupAddress(uvRun.value + 5n)!;
    const ms = performance.now() - t0;
    assert.is(hit.symbol.name, 'uv_run');
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
    if (quick) return skipCheck('kernel/elf uv_run against readelf', 'SCRY_TEST_QUICK=1 (npm test compares it)');
    const want = readelfSymbols('/usr/bin/node').find((s) => s.name === 'uv_run' && s.type === 'FUNC')!;
    assert.is(uvRun.value, want.value);
  });

  t('errors: not an ELF file, missing file, wrong class', () => {
    assert.throws(
      () => ElfFile.open('/etc/passwd'),
      (e: unknown) => e instanceof ElfError && e.reason === 'not-elf' && e.message === '/etc/passwd: not an ELF file',
    );
    assert.throws(
      () => ElfFile.open('/nonexistent/x'),
      (e: unknown) => e instanceof ElfError && e.reason === 'io' && /ENOENT/.test(e.message),
    );
    const img = Buffer.from(readFileSync(fx.pie));
    img[4] = 1; // ELFCLASS32
    assert.throws(
      () => ElfFile.fromBuffer(img),
      (e: unknown) => e instanceof ElfError && e.reason === 'unsupported',
    );
    const cut = Buffer.from(readFileSync(fx.pie)).subarray(0, 200);
    assert.throws(
      () => ElfFile.fromBuffer(cut),
      (e: unknown) => e instanceof ElfError && e.reason === 'corrupt',
    );
  });

  t('a stripped binary keeps its .dynsym functions', () => {
    const stripped = `${fx.dir}/stripped-lib.so`;
    tool('objcopy', ['--strip-all', fx.lib, stripped]);
    const elf = ElfFile.open(stripped);
    assert.is(elf.section('.symtab'), undefined);
    const table = SymbolTable.read(elf);
    assert.is(table.lookup('lib_mul')?.value, SymbolTable.read(ElfFile.open(fx.lib)).lookup('lib_mul')?.value);
    assert.is(table.lookup('lib_helper'), undefined, 'a static function lives only in .symtab');
    assert.ok(SymbolTable.read(ElfFile.open(fx.lib)).lookup('lib_helper'));
  });

  t('separate debug files: by build ID, by .gnu_debuglink, never a mismatched one', () => {
    const dir = `${fx.dir}/dbg`;
    mkdirSync(`${dir}/sub`, { recursive: true });
    const debug = `${dir}/libscrytest.so.debug`;
    const stripped = `${dir}/libscrytest.so`;
    tool('objcopy', ['--only-keep-debug', fx.lib, debug]);
    tool('objcopy', ['--strip-all', `--add-gnu-debuglink=${debug}`, fx.lib, stripped]);
    const elf = ElfFile.open(stripped);
    const id = /Build ID: ([0-9a-f]+)/.exec(tool('readelf', ['-n', fx.lib]))![1]!;
    assert.is(buildId(elf), id);
    assert.is(debugLink(elf), 'libscrytest.so.debug');
    // by debuglink, next to the file (no build-id directory under this root)
    const viaLink = openDebugFile(elf, stripped, `${dir}/no-root`);
    assert.is(viaLink?.path, debug);
    const table = SymbolTable.read(elf, { debug: viaLink });
    const want = readelfSymbols(fx.lib).find((x) => x.name === 'lib_helper')!;
    assert.is(table.lookup('lib_helper')?.value, want.value);
    assert.is(table.lookupAddress(want.value + 1n)?.symbol.name, 'lib_helper');
    // opened only when needed: not for a global sized function of the file's own .dynsym (nothing ranks above it)
    let opened = 0;
    const lazy = SymbolTable.read(elf, { debug: () => (opened++, viaLink) });
    assert.is(lazy.lookup('lib_mul')?.value, table.lookup('lib_mul')?.value);
    assert.is(opened, 0);
    assert.is(lazy.lookup('lib_helper')?.value, want.value);
    assert.is(opened, 1);
    assert.is(lazy.lookup('lib_mul')?.value, table.lookup('lib_mul')?.value);
    assert.equal(lazy.functionNames(), table.functionNames());
    assert.is(opened, 1);
    const byAddress = SymbolTable.read(elf, { debug: () => (opened++, viaLink) });
    assert.is(byAddress.lookupAddress(want.value + 1n)?.symbol.name, 'lib_helper');
    assert.equal([...byAddress.all()].length, [...table.all()].length);
    assert.is(opened, 2);
    assert.is(SymbolTable.read(elf, { debug: () => undefined }).lookup('lib_helper'), undefined);
    // by build ID under a debug root
    mkdirSync(`${dir}/root/.build-id/${id.slice(0, 2)}`, { recursive: true });
    copyFileSync(debug, `${dir}/root/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`);
    const noLink = `${dir}/sub/libscrytest.so`;
    tool('objcopy', ['--strip-all', fx.lib, noLink]);
    assert.is(
      openDebugFile(ElfFile.open(noLink), noLink, `${dir}/root`)?.path,
      `${dir}/root/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`,
    );
    // a debug file of another build is not used
    copyFileSync(fx.pie, `${dir}/sub/libscrytest.so.debug`);
    tool('objcopy', [
      '--strip-all',
      '--add-gnu-debuglink=' + `${dir}/sub/libscrytest.so.debug`,
      fx.lib,
      `${dir}/sub/linked.so`,
    ]);
    assert.is(openDebugFile(ElfFile.open(`${dir}/sub/linked.so`), `${dir}/sub/linked.so`, `${dir}/no-root`), undefined);
    // the system's libc, when its debug package is installed, gains its static functions
    const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    const libcElf = existsSync(libc) ? ElfFile.open(libc) : undefined;
    const dbg = libcElf && openDebugFile(libcElf, libc);
    if (libcElf && dbg) {
      assert.is(SymbolTable.read(libcElf).lookup('__libc_start_call_main'), undefined);
      assert.ok(SymbolTable.read(libcElf, { debug: dbg }).lookup('__libc_start_call_main'));
    }
  });

  t('wildcards', () => {
    const table = SymbolTable.read(ElfFile.open(fx.pie));
    assert.equal(table.matchFunctions('re*'), ['recurse', 'register_tm_clones']);
    assert.equal(table.matchFunctions('?dd'), ['add']);
    assert.equal(table.matchFunctions('add'), ['add']);
    assert.equal(table.matchFunctions('nope'), []);
    assert.ok(globRegExp('a.b*').test('a.bc'));
    assert.not.ok(globRegExp('a.b*').test('axbc'));
  });

  t.run();
}
