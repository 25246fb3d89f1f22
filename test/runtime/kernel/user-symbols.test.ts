// Symbolising addresses of a running fixture: expected addresses come from the process's own printout and
// from /proc/PID/maps + readelf/nm, computed here independently of the code under test.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cxxfilt } from '../../../runtime/kernel/elf/index.ts';
import {
  formatPerfFrame,
  formatStackFrame,
  formatUsym,
  parseMaps,
  UserSymbolizer,
  type MapEntry,
} from '../../../runtime/kernel/user-symbols.ts';
import { fixtures, hasTool, runTarget, tool, type TargetProcess } from '../../helpers/fixtures.ts';

const fmt = suite('kernel/user-symbols/format');

fmt('bpftrace 0.17 text for usym and ustack frames', () => {
  const known = { symbol: 'leaf', offset: 0n, module: '/tmp/fx/target' };
  const addr = 0x564c322c71bdn;
  assert.is(formatUsym(known, addr), 'leaf');
  assert.is(formatUsym({}, addr), '0x564c322c71bd');
  assert.is(formatUsym({}, 0n), '0');
  assert.is(formatStackFrame({ symbol: 'recurse', offset: 16n, module: '/x' }, addr), 'recurse+16');
  assert.is(formatStackFrame({ module: '/x' }, addr), '0x564c322c71bd');
  assert.is(formatPerfFrame(known, addr), '564c322c71bd leaf+0 (/tmp/fx/target)');
  assert.is(formatPerfFrame({}, addr), '564c322c71bd 0x564c322c71bd ([unknown])');
  assert.is(formatPerfFrame({ module: '/x' }, addr), '564c322c71bd 0x564c322c71bd ([unknown])');
});

fmt('maps lines', () => {
  const maps = parseMaps(
    [
      '55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1835 /tmp/x/uprobe-target',
      '55d0c0a01000-55d0c0a02000 r-xp 00001000 fd:01 1835 /tmp/x/uprobe-target',
      '7ffc8a3d0000-7ffc8a3f1000 rw-p 00000000 00:00 0                          [stack]',
      '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ',
      'garbage',
    ].join('\n'),
  );
  assert.is(maps.length, 4);
  assert.equal(maps[1], {
    start: 0x55d0c0a01000n,
    end: 0x55d0c0a02000n,
    perms: 'r-xp',
    offset: 0x1000n,
    dev: 'fd:01',
    inode: 1835,
    path: '/tmp/x/uprobe-target',
  });
  assert.is(maps[2]!.path, '[stack]');
  assert.is(maps[3]!.path, '');
});

fmt.run();

const fx = fixtures('kernel/user-symbols');
const binutils = hasTool('nm') && hasTool('readelf');
if (!binutils) process.stderr.write('SKIP kernel/user-symbols: nm/readelf not installed\n');

/** `nm -S --defined-only` text symbols (T/t/W/w/i) with their sizes; add -D for .dynsym. */
function nmFunctions(path: string, dynamic = false): Map<string, { value: bigint; size: bigint }> {
  const out = tool('nm', [...(dynamic ? ['-D'] : []), '-S', '--defined-only', '--without-symbol-versions', path]);
  const m = new Map<string, { value: bigint; size: bigint }>();
  for (const line of out.split('\n')) {
    const r = /^([0-9a-f]+) (?:([0-9a-f]+) )?([TtWwi]) (\S+)$/.exec(line);
    if (r && !m.has(r[4]!)) m.set(r[4]!, { value: BigInt(`0x${r[1]}`), size: BigInt(`0x${r[2] ?? '0'}`) });
  }
  return m;
}

/** PT_LOAD (vaddr, offset) pairs from readelf -l. */
function loads(path: string): { vaddr: bigint; offset: bigint; filesz: bigint; exec: boolean }[] {
  return tool('readelf', ['-lW', path])
    .split('\n')
    .map((l) =>
      /^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(.+?)\s+0x/.exec(l),
    )
    .filter((m) => m !== null)
    .map((m) => ({ offset: BigInt(m[1]!), vaddr: BigInt(m[2]!), filesz: BigInt(m[3]!), exec: m[4]!.includes('E') }));
}

/** Where a file's vaddr lives in a process: through the executable mapping of that file. */
function runtimeAddress(pid: number, path: string, vaddr: bigint): bigint {
  const seg = loads(path).find((l) => l.exec && vaddr >= l.vaddr && vaddr < l.vaddr + l.filesz)!;
  const fileOff = vaddr - seg.vaddr + seg.offset;
  const map = parseMaps(readFileSync(`/proc/${pid}/maps`, 'utf8')).find(
    (m: MapEntry) =>
      m.path === path && m.perms.includes('x') && fileOff >= m.offset && fileOff < m.offset + (m.end - m.start),
  )!;
  return map.start + fileOff - map.offset;
}

async function printedAddresses(proc: TargetProcess, names: string[]): Promise<Record<string, bigint>> {
  const out: Record<string, bigint> = {};
  for (const n of names) out[n] = BigInt(`0x${(await proc.line(`addr ${n} `)).split(' ')[2]}`);
  return out;
}

if (fx && binutils) {
  const t = suite('kernel/user-symbols');

  const withProcess = async (bin: string, fn: (proc: TargetProcess) => Promise<void> | void) => {
    const proc = runTarget(bin, ['addrs', 'wait']);
    try {
      await proc.line('addr main');
      await fn(proc);
    } finally {
      proc.send();
      await proc.finished;
    }
  };

  t('PIE: the addresses the process prints resolve to add+0, leaf+0 …', () =>
    withProcess(fx.pie, async (proc) => {
      const addrs = await printedAddresses(proc, ['add', 'recurse', 'leaf', 'main']);
      const s = new UserSymbolizer();
      for (const [name, addr] of Object.entries(addrs)) {
        assert.equal(s.symbolize(proc.pid, addr), { symbol: name, offset: 0n, module: fx.pie }, name);
        assert.equal(s.symbolize(proc.pid, addr + 3n), { symbol: name, offset: 3n, module: fx.pie }, `${name}+3`);
      }
      // and they are where nm + maps say
      const nm = nmFunctions(fx.pie);
      for (const [name, addr] of Object.entries(addrs))
        assert.is(runtimeAddress(proc.pid, fx.pie, nm.get(name)!.value), addr, name);
      // a static function nobody printed
      const dtors = nm.get('__do_global_dtors_aux')!;
      // size 0 in the symbol table: no symbol covers it, but the module is known
      assert.equal(s.symbolize(proc.pid, runtimeAddress(proc.pid, fx.pie, dtors.value)), { module: fx.pie });
    }),
  );

  t("-no-pie: runtime addresses are the file's addresses", () =>
    withProcess(fx.nopie, async (proc) => {
      const addrs = await printedAddresses(proc, ['add', 'leaf']);
      const nm = nmFunctions(fx.nopie);
      assert.is(addrs['add'], nm.get('add')!.value);
      const s = new UserSymbolizer();
      assert.equal(s.symbolize(proc.pid, addrs['leaf']! + 5n), { symbol: 'leaf', offset: 5n, module: fx.nopie });
    }),
  );

  t('shared library: exported and static functions', () =>
    withProcess(fx.withLib, async (proc) => {
      const addrs = await printedAddresses(proc, ['lib_mul', 'add']);
      const s = new UserSymbolizer();
      assert.equal(s.symbolize(proc.pid, addrs['lib_mul']!), { symbol: 'lib_mul', offset: 0n, module: fx.lib });
      assert.equal(s.symbolize(proc.pid, addrs['add']! + 1n), { symbol: 'add', offset: 1n, module: fx.withLib });
      const nm = nmFunctions(fx.lib);
      const helper = nm.get('lib_helper')!;
      const at = runtimeAddress(proc.pid, fx.lib, helper.value + 2n);
      assert.equal(s.symbolize(proc.pid, at), { symbol: 'lib_helper', offset: 2n, module: fx.lib });
      // libc: where the process is blocked (read, in fgets), from /proc/PID/syscall's user pc
      const pc = BigInt(readFileSync(`/proc/${proc.pid}/syscall`, 'utf8').trim().split(' ').at(-1)!);
      const r = s.symbolize(proc.pid, pc);
      const show = (x: object) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
      assert.ok(r.module && /\/libc\.so\.6$/.test(r.module) && r.symbol !== undefined, show(r));
      const libc = nmFunctions(r.module!, true);
      const any = [...libc.values()].find((v) => v.size > 0n)!;
      const bias = runtimeAddress(proc.pid, r.module!, any.value) - any.value;
      const vaddr = pc - bias;
      const around = [...libc.values()].find((v) => v.value <= vaddr && vaddr < v.value + v.size);
      assert.ok(around, 'nm -D names a function around the pc');
      assert.is(libc.get(r.symbol!)?.value, around.value, `${r.symbol} starts where nm says`);
      assert.is(r.offset, vaddr - around.value);
    }),
  );

  t('outside any file: the mapping name, or nothing', () =>
    withProcess(fx.pie, async (proc) => {
      const maps = parseMaps(readFileSync(`/proc/${proc.pid}/maps`, 'utf8'));
      const stack = maps.find((m) => m.path === '[stack]')!;
      const s = new UserSymbolizer();
      assert.equal(s.symbolize(proc.pid, stack.start + 8n), { module: '[stack]' });
      assert.equal(s.symbolize(proc.pid, 0n), {});
      assert.equal(s.symbolize(proc.pid, 0x10n), {});
      // the vDSO is read from our own copy of it
      const vdso = maps.find((m) => m.path === '[vdso]');
      if (vdso) {
        const inside = (() => {
          for (let a = vdso.start; a < vdso.end; a += 16n) {
            const r = s.symbolize(proc.pid, a);
            if (r.symbol) return r;
          }
          return undefined;
        })();
        assert.ok(inside, 'some vDSO function resolves');
        assert.is(inside.module, '[vdso]');
        assert.match(inside.symbol!, /clock_gettime|gettimeofday|time|getcpu|clock_getres/);
      }
    }),
  );

  t('a process that is gone: cached maps still answer; after refresh, nothing', async () => {
    const proc = runTarget(fx.pie, ['addrs', 'wait']);
    const { add } = await printedAddresses(proc, ['add']);
    const s = new UserSymbolizer();
    assert.is(s.symbolize(proc.pid, add!).symbol, 'add');
    proc.send();
    await proc.finished;
    assert.is(s.symbolize(proc.pid, add!).symbol, 'add', 'maps read while it ran');
    s.refresh(proc.pid);
    assert.equal(s.symbolize(proc.pid, add!), {});
    assert.equal(new UserSymbolizer().symbolize(proc.pid, add!), {});
  });

  t('an unreadable file: the module but no symbol', () =>
    withProcess(fx.pie, async (proc) => {
      const { add } = await printedAddresses(proc, ['add']);
      // a fake /proc whose maps name a file that is not there
      const fake = `${fx.dir}/fakeproc`;
      const { mkdirSync, writeFileSync } = await import('node:fs');
      mkdirSync(`${fake}/${proc.pid}`, { recursive: true });
      writeFileSync(
        `${fake}/${proc.pid}/maps`,
        readFileSync(`/proc/${proc.pid}/maps`, 'utf8').replaceAll(fx.pie, `${fx.dir}/missing-binary`),
      );
      const s = new UserSymbolizer({ procRoot: fake });
      assert.equal(s.symbolize(proc.pid, add!), { module: `${fx.dir}/missing-binary` });
    }),
  );

  t('a library loaded after the maps were read is found on a miss', () =>
    withProcess(fx.pie, async (proc) => {
      const s = new UserSymbolizer({ rereadAfterMs: 0 });
      const { add } = await printedAddresses(proc, ['add']);
      assert.is(s.symbolize(proc.pid, add!).symbol, 'add');
      // an address past every mapping triggers a re-read, which must not break anything
      assert.equal(s.symbolize(proc.pid, 0x7fff_ffff_f000n), {});
      assert.is(s.symbolize(proc.pid, add!).symbol, 'add');
    }),
  );

  t('C++ names are demangled as bpftrace prints them (c++filt), or kept with demangle: false', async () => {
    if (!fx.cxx) {
      process.stderr.write('SKIP kernel/user-symbols C++: g++ not installed\n');
      return;
    }
    if (!cxxfilt()) {
      process.stderr.write('SKIP kernel/user-symbols C++: c++filt not installed\n');
      return;
    }
    const proc = runTarget(fx.cxx, ['addrs', 'wait']);
    try {
      const go = BigInt(`0x${(await proc.line('addr go ')).split(' ')[2]}`);
      assert.equal(new UserSymbolizer().symbolize(proc.pid, go + 1n), {
        symbol: 'ns::K::go(int)',
        offset: 1n,
        module: fx.cxx,
      });
      assert.equal(new UserSymbolizer({ demangle: false }).symbolize(proc.pid, go), {
        symbol: '_ZN2ns1K2goEi',
        offset: 0n,
        module: fx.cxx,
      });
      const calls: string[][] = [];
      const s = new UserSymbolizer({ demangle: (names) => (calls.push([...names]), names.map((n) => `<${n}>`)) });
      const frames = s.symbolizeAll(proc.pid, [go, go + 1n, go + 2n]);
      assert.equal(
        frames.map((f) => f.symbol),
        ['<_ZN2ns1K2goEi>', '<_ZN2ns1K2goEi>', '<_ZN2ns1K2goEi>'],
      );
      s.symbolize(proc.pid, go);
      assert.equal(calls, [['_ZN2ns1K2goEi']], 'one batch, then cached');
    } finally {
      proc.send();
      await proc.finished;
    }
  });

  t('frames match what bpftrace 0.17 prints for ustack(perf) and ustack', async () => {
    if (process.env.SCRY_TEST_QUICK === '1') {
      // `npm run test:unit`: bpftrace takes seconds to start; `npm test` compares
      process.stderr.write('SKIP kernel/user-symbols bpftrace comparison: SCRY_TEST_QUICK=1 (npm test runs it)\n');
      return;
    }
    const bt = spawnSync('bpftrace', ['--version'], { encoding: 'utf8' });
    if (bt.error || bt.status !== 0 || process.getuid?.() !== 0) {
      process.stderr.write('SKIP kernel/user-symbols bpftrace comparison: bpftrace not installed or not root\n');
      return;
    }
    await compareWithBpftrace(
      fx.withLib,
      ['recurse', '2', 'lib', '1'],
      `uprobe:${fx.withLib}:leaf { print(ustack(perf)); print(ustack); } uprobe:${fx.lib}:lib_mul { print(ustack(perf)); print(ustack); exit(); }`,
      'lib ',
      (blocks) => {
        assert.is(blocks.length, 4, blocks.join('\n--\n'));
        assert.match(blocks[0]!, / leaf\+0 \(/);
        assert.match(blocks[0]!, / recurse\+\d+ \(/);
        assert.match(blocks[2]!, / lib_mul\+0 \(/);
      },
    );
    if (fx.cxx) {
      await compareWithBpftrace(
        fx.cxx,
        ['go', '1'],
        `uprobe:${fx.cxx}:_ZN2ns1K2goEi { print(ustack(perf)); print(ustack); exit(); }`,
        'go ',
        (blocks) => {
          assert.is(blocks.length, 2, blocks.join('\n--\n'));
          assert.match(blocks[1]!, /^ {8}ns::K::go\(int\)\+0$/m);
        },
      );
    }
  });

  /** Runs the fixture under a bpftrace program that prints stacks; each printed frame must equal ours. */
  async function compareWithBpftrace(
    bin: string,
    args: string[],
    program: string,
    doneLine: string,
    check: (blocks: string[]) => void,
  ): Promise<void> {
    const proc = runTarget(bin, ['wait', ...args, 'wait']);
    // BEGIN runs once every probe is attached
    const tracer = spawn('bpftrace', ['-e', `BEGIN { printf("ready\\n\\n"); } ${program}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let closed = false;
    tracer.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    tracer.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const ended = new Promise((resolve) => tracer.on('close', () => resolve((closed = true))));
    try {
      while (!out.includes('ready')) {
        if (closed) throw new Error(`bpftrace ended before attaching:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      proc.send();
      await proc.line(doneLine);
      await ended;
      const blocks = out
        .split('\n\n')
        .map((b) => b.replace(/^\n+/, ''))
        .filter((b) => b.trim() && !b.startsWith('Attaching') && b !== 'ready');
      check(blocks);
      const s = new UserSymbolizer();
      for (let i = 0; i + 1 < blocks.length; i += 2) {
        const lines = blocks[i]!.split('\n').filter((l) => l);
        const addrs = lines.map((l) => BigInt(`0x${/^\t([0-9a-f]+) /.exec(l)![1]}`));
        const ours = s.symbolizeAll(proc.pid, addrs);
        assert.equal(
          lines,
          addrs.map((a, k) => `\t${formatPerfFrame(ours[k]!, a)}`),
        );
        assert.equal(
          blocks[i + 1]!.split('\n').filter((l) => l),
          addrs.map((a, k) => `        ${formatStackFrame(ours[k]!, a)}`),
        );
      }
    } finally {
      tracer.kill();
      proc.send();
      await proc.finished;
    }
  }

  t.run();
}
