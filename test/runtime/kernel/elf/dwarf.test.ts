// The DWARF reader (source line and inlined functions of an address) against `addr2line -f -i` on every
// address of .text of a fixture with always_inline functions, built by gcc at -O0 and -O2, as DWARF 4 and
// 5, with zlib-compressed sections and as a shared object; then what a damaged file costs (nothing: no
// answer, no exception). Also show_debug_info's config handling and the frame text (bpftrace v0.26).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DwarfInfo, type SourceLocation } from '../../../../runtime/kernel/elf/dwarf.ts';
import { ElfFile, openDebugFile } from '../../../../runtime/kernel/elf/index.ts';
import { formatUserFrames } from '../../../../runtime/kernel/user-symbols.ts';
import { hasTool, tool } from '../../../helpers/fixtures.ts';
import { skipCheck } from '../../../helpers/kernel.ts';
import { compileText, diagnose } from '../../../helpers/pipeline.ts';

const source = fileURLToPath(new URL('../../../fixtures/dwarf-inline.c', import.meta.url));

// ---- frame text and config (no compiler needed)

const text = suite('kernel/elf/dwarf/text');

text('a frame with a source line and two inlined functions, as bpftrace v0.26 prints them', () => {
  const src: SourceLocation = {
    file: '/src/x.c',
    line: 24,
    inlined: [
      { name: 'myclock', file: '/src/x.c', line: 15 },
      { name: 'mywrapper_inlined', file: '/src/x.c', line: 19 },
    ],
  };
  const sym = { symbol: 'mywrapper', offset: 48n, module: '/bin/x', source: src };
  assert.equal(formatUserFrames(sym, 0x401166n, 'bpftrace'), [
    '[inlined] myclock@/src/x.c:15',
    '[inlined] mywrapper_inlined@/src/x.c:19',
    'mywrapper+48@/src/x.c:24',
  ]);
  // perf mode: the address on every line, no file and line (v0.26 prints them in bpftrace mode only)
  assert.equal(formatUserFrames(sym, 0x401166n, 'perf'), [
    '401166 myclock (inlined)',
    '401166 mywrapper_inlined (inlined)',
    '401166 mywrapper+48 (/bin/x)',
  ]);
  // without DWARF: the 0.17 text; a file name's control characters print as \xNN
  assert.equal(formatUserFrames({ symbol: 'f', offset: 2n, module: '/bin/x' }, 0x10n, 'bpftrace'), ['f+2']);
  const evil = { symbol: 'f', offset: 0n, source: { file: '/a\x1b[2J.c', line: 3, inlined: [] } };
  assert.equal(formatUserFrames(evil, 0x10n, 'bpftrace'), ['f+0@/a\\x1b[2J.c:3']);
  assert.equal(formatUserFrames({}, 0x10n, 'bpftrace'), ['0x10']);
});

text(
  'config show_debug_info: on by default, off with 0 or false (block or BPFTRACE_SHOW_DEBUG_INFO), no warning',
  () => {
    assert.is(compileText('BEGIN { }').showDebugInfo, undefined); // absent: on
    assert.is(compileText('config = { show_debug_info=0 } BEGIN { }').showDebugInfo, false);
    assert.is(compileText('config = { show_debug_info=false } BEGIN { }').showDebugInfo, false);
    assert.is(compileText('config = { show_debug_info=1 } BEGIN { }').showDebugInfo, undefined);
    assert.is(
      compileText('BEGIN { }', undefined, { settings: { BPFTRACE_SHOW_DEBUG_INFO: '0' } }).showDebugInfo,
      false,
    );
    assert.is(diagnose('config = { show_debug_info=0 } BEGIN { }'), '');
    assert.match(diagnose('config = { show_debug_info=2 } BEGIN { }'), 'show_debug_info: must be true or false');
  },
);

text.run();

// ---- the reader against addr2line

const gcc = spawnSync('gcc', ['--version']);
const haveTools = !gcc.error && gcc.status === 0 && hasTool('addr2line') && hasTool('nm') && hasTool('readelf');
if (!haveTools) process.stderr.write('SKIP kernel/elf/dwarf: gcc, addr2line, nm or readelf not installed\n');

const reader = suite('kernel/elf/dwarf/reader');
let dir = '';
reader.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scry-dwarf-'));
});
reader.after(() => rmSync(dir, { recursive: true, force: true }));

function build(name: string, flags: string[]): string {
  const out = join(dir, name);
  tool('gcc', ['-g', '-fno-omit-frame-pointer', ...flags, '-o', out, source]);
  return out;
}

/** addr2line -f -i for many addresses: per address, (function, file:line) innermost first. */
function addr2line(path: string, addrs: readonly number[]): string[][] {
  const r = spawnSync('addr2line', ['-f', '-i', '-a', '-e', path], {
    input: addrs.map((a) => `0x${a.toString(16)}\n`).join(''),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return r.stdout
    .split(/^0x[0-9a-f]+\n/m)
    .slice(1)
    .map((block) => {
      const lines = block.trimEnd().split('\n');
      const out: string[] = [];
      for (let i = 0; i + 1 < lines.length; i += 2)
        out.push(`${lines[i]} ${lines[i + 1]!.replace(/ \(discriminator \d+\)$/, '')}`);
      return out;
    });
}

/**
 * Our answer in addr2line's shape: the inlined functions, then the function itself. Its name comes from the
 * symbol table in scry (the caller's), so it is taken from addr2line's last line; no answer is `?? ??:0`.
 */
function ours(loc: SourceLocation | undefined, theirs: readonly string[]): string[] {
  if (!loc) return ['?? ??:0'];
  const outerName = theirs.at(-1)?.split(' ')[0] ?? '??';
  return [
    ...loc.inlined.map((f) => `${f.name} ${f.file ?? '??'}:${f.line ?? 0}`),
    `${outerName} ${loc.file ?? '??'}:${loc.line ?? 0}`,
  ];
}

/** No source line: the tools still name a function from the symbol table; scry's caller does that. */
const norm = (l: string[]) => (l.length === 1 && l[0]!.endsWith(' ??:0') ? ['?? ??:0'] : l);

function textAddresses(path: string): number[] {
  const elf = ElfFile.open(path);
  const t = elf.section('.text')!;
  const addrs: number[] = [];
  for (let a = Number(t.addr); a < Number(t.addr + t.size); a++) addrs.push(a);
  return addrs;
}

/** Compares every .text address; returns how many had inlined functions, and how many two deep. */
function compare(path: string): { inlined: number; twoDeep: number } {
  const addrs = textAddresses(path);
  const dwarf = DwarfInfo.read(ElfFile.open(path));
  assert.ok(dwarf, `${path} has DWARF`);
  const expected = addr2line(path, addrs);
  assert.is(expected.length, addrs.length);
  let inlined = 0;
  let twoDeep = 0;
  const wrong: string[] = [];
  addrs.forEach((a, i) => {
    // addr2line names a function without DWARF from its symbol and a file from crtstuff's STT_FILE: `f file.c:?`
    const theirs = expected[i]!.map((l) => l.replace(/ [^ ]*:\?$/, ' ??:0'));
    const got = dwarf!.locate(a);
    const mine = ours(got, theirs);
    if (JSON.stringify(norm(mine)) !== JSON.stringify(norm(theirs)) && wrong.length < 5)
      wrong.push(`0x${a.toString(16)}: addr2line ${JSON.stringify(theirs)}, scry ${JSON.stringify(mine)}`);
    if (got?.inlined.length) inlined++;
    if ((got?.inlined.length ?? 0) >= 2) twoDeep++;
  });
  assert.equal(wrong, [], wrong.join('\n'));
  return { inlined, twoDeep };
}

function dwarfVersion(path: string): number {
  return Number(/^\s+Version:\s+(\d+)/m.exec(tool('readelf', ['--debug-dump=info', path]))![1]);
}

if (haveTools) {
  for (const version of [4, 5]) {
    for (const opt of ['-O0', '-O2']) {
      reader(
        `every .text address of the fixture at ${opt}, DWARF ${version}: file, line and inlined functions as addr2line -f -i`,
        () => {
          const bin = build(`fx${opt}-${version}`, [opt, `-gdwarf-${version}`]);
          assert.is(dwarfVersion(bin), version);
          const { inlined, twoDeep } = compare(bin);
          // always_inline inlines at -O0 too: middle() and inner() in caller(), each at two call sites
          assert.ok(inlined > 10, `${inlined} addresses in inlined code`);
          assert.ok(twoDeep > 4, `${twoDeep} addresses two inlined functions deep`);
        },
      );
    }
  }

  reader('compressed debug sections (gcc -gz=zlib, SHF_COMPRESSED) read as the plain ones', () => {
    const bin = build('fx-z', ['-O2', '-gz=zlib']);
    assert.match(tool('readelf', ['-SW', bin]), /\.debug_info\s+PROGBITS(?:\s+\S+){3}\s+00\s+C\s/);
    assert.ok(compare(bin).twoDeep > 4);
  });

  reader('a shared object (addresses from 0, the code placed at a bias when loaded)', () => {
    const bin = build('fx.so', ['-O2', '-fPIC', '-shared']);
    assert.ok(compare(bin).inlined > 10);
  });

  reader('the return address in inlined code (leaf called from inner, inlined in middle, inlined in caller)', () => {
    const bin = build('fx-ret', ['-O0']);
    // the instruction after each call of leaf in caller, from objdump, named by addr2line
    const dis = tool('objdump', ['-d', '--no-show-raw-insn', bin]);
    const body = dis.slice(dis.indexOf('<caller>:'));
    const calls = [...body.slice(0, body.indexOf('\n\n')).matchAll(/^\s*([0-9a-f]+):\s+call\s+[0-9a-f]+ <leaf>$/gm)];
    assert.is(calls.length, 2, 'two inlined calls of leaf in caller');
    const lines = body.split('\n');
    for (const c of calls) {
      const at = lines.findIndex((l) => l.trimStart().startsWith(`${c[1]}:`));
      const ret = parseInt(/^\s*([0-9a-f]+):/.exec(lines[at + 1]!)![1]!, 16);
      const loc = DwarfInfo.read(ElfFile.open(bin))!.locate(ret)!;
      assert.equal(
        loc.inlined.map((f) => f.name),
        ['inner', 'middle'],
      );
      assert.equal(ours(loc, addr2line(bin, [ret])[0]!), addr2line(bin, [ret])[0]);
    }
  });

  reader('a damaged .debug_info or .debug_line costs the answers, never an exception or a hang', () => {
    const bin = build('fx-bad', ['-O2', '-gdwarf-5']);
    const elf = ElfFile.open(bin);
    const addrs = textAddresses(bin).filter((_, i) => i % 7 === 0);
    const original = readFileSync(bin);
    let seed = 12345;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (const name of ['.debug_info', '.debug_line', '.debug_abbrev', '.debug_rnglists']) {
      const s = elf.section(name);
      if (!s) continue;
      for (let round = 0; round < 8; round++) {
        const bytes = Buffer.from(original);
        for (let k = 0; k < 6; k++) bytes[Number(s.offset) + rand(Number(s.size))] = rand(256);
        const path = join(dir, 'damaged');
        writeFileSync(path, bytes);
        const started = Date.now();
        const d = DwarfInfo.read(ElfFile.open(path));
        for (const a of addrs) d?.locate(a); // no throw
        assert.ok(Date.now() - started < 2000, `${name} round ${round}: ${Date.now() - started} ms`);
      }
    }
  });

  // binutils 2.40's addr2line names the wrong file for some of libc's DWARF 5 lines; llvm-symbolizer does not
  reader("libc's separate debug file (DWARF 5, compressed, ~1000 units) against llvm-symbolizer", () => {
    const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    const debug = existsSync(libc) ? openDebugFile(ElfFile.open(libc), libc) : undefined;
    if (!debug || !hasTool('llvm-symbolizer'))
      return skipCheck('libc DWARF', 'no libc debug file (libc6-dbg) or no llvm-symbolizer');
    const t = debug.section('.text')!;
    const addrs: number[] = [];
    for (let a = Number(t.addr); a < Number(t.addr + t.size); a += 4999) addrs.push(a);
    const r = spawnSync('llvm-symbolizer', [`--obj=${debug.path}`, '-f', '-i', '-a'], {
      input: addrs.map((a) => `0x${a.toString(16)}\n`).join(''),
      encoding: 'utf8',
    });
    const expected = r.stdout
      .split(/^0x[0-9a-f]+\n/m)
      .slice(1)
      .map((block) => {
        const lines = block.trimEnd().split('\n');
        const out: string[] = [];
        for (let i = 0; i + 1 < lines.length; i += 2)
          out.push(`${lines[i]} ${lines[i + 1]!.replace(/:(\d+):\d+$/, ':$1')}`);
        return out;
      });
    assert.is(expected.length, addrs.length);
    const dwarf = DwarfInfo.read(debug)!;
    let inlined = 0;
    addrs.forEach((a, i) => {
      const loc = dwarf.locate(a);
      if (loc?.inlined.length) inlined++;
      assert.equal(norm(ours(loc, expected[i]!)), norm(expected[i]!), `0x${a.toString(16)}`);
    });
    assert.ok(inlined > 20, `${inlined} of ${addrs.length} addresses in inlined code`);
  });

  reader('a file without DWARF has none', () => {
    const bin = join(dir, 'nodebug');
    tool('gcc', ['-O2', '-o', bin, source]);
    assert.is(DwarfInfo.read(ElfFile.open(bin)), undefined);
  });
}

reader.run();
