// uprobes on the real kernel: a hand-assembled kprobe-type program counts hits (or sums a register) in an
// array map while the fixture calls its functions a known number of times.
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  alu64Imm,
  atomic,
  BPF_FUNC,
  call,
  encode,
  exit,
  jmpImm,
  label,
  ldMapFd,
  ldx,
  mov64Imm,
  mov64Reg,
  patchMapFd,
  st,
  R0,
  R1,
  R10,
  R2,
  R6,
  type AsmItem,
} from '../../../compiler/asm/index.ts';
import type { ProgramSpec } from '../../../compiler/program.ts';
import { sourceFile, span } from '../../../lang/source.ts';
import { attachUprobe, uprobeConfig } from '../../../runtime/attach/uprobe.ts';
import { canHandOff, linksHandedOff } from '../../../runtime/attach/hand-off.ts';
import { releaseAll, type Attachment } from '../../../runtime/attach/types.ts';
import { ScryRuntimeError } from '../../../runtime/errors.ts';
import { openTarget, resolveUprobe, resolveUsdt } from '../../../runtime/kernel/elf/index.ts';
import type { LoadedProgram } from '../../../runtime/loader.ts';
import { loadProgram, mapCreate, mapLookup, MapType, OwnedFd, pmuType, ProgType } from '../../../runtime/sys/index.ts';
import { fixtures, runTarget } from '../../helpers/fixtures.ts';
import { checkFdLeaks, requireRoot, skipCheck } from '../../helpers/kernel.ts';

function uprobePmu(): boolean {
  if (pmuType('uprobe') !== undefined) return true;
  process.stderr.write('SKIP attach/uprobe: no uprobe PMU (/sys/bus/event_source/devices/uprobe, Linux 4.17+)\n');
  return false;
}

const fx = requireRoot('attach/uprobe') && uprobePmu() ? fixtures('attach/uprobe') : undefined;

if (fx) {
  const t = suite('attach/uprobe');
  const open: { close(): void }[] = [];
  checkFdLeaks(t, {
    teardown() {
      for (const o of open.splice(0).reverse()) o.close();
    },
  });
  const keep = <T extends { close(): void }>(o: T): T => {
    open.push(o);
    return o;
  };

  const file = sourceFile('test.bt', 'uprobe:x:y { }');
  const where = span(file, 0, 10);

  /** An array map with one u64 slot, and a program that adds 1 (or, with `reg`, that pt_regs slot) to it. */
  function counter(reg?: number): { prog: LoadedProgram; read(): bigint } {
    const map = keep(
      new OwnedFd(
        mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name: 'count' }),
        'map count',
      ),
    );
    const items: AsmItem[] = [
      ...(reg === undefined ? [mov64Imm(R6, 1)] : [ldx(8, R6, R1, reg)]), // r6 = 1, or *(u64 *)(ctx + reg)
      st(4, R10, -4, 0),
      ldMapFd(R1, 'count'),
      mov64Reg(R2, R10),
      alu64Imm('add', R2, -4),
      call(BPF_FUNC.map_lookup_elem),
      jmpImm('jeq', R0, 0, 'out'),
      atomic('add', 8, R0, R6, 0),
      label('out'),
      mov64Imm(R0, 0),
      exit(),
    ];
    const enc = encode(items);
    for (const r of enc.relocations) patchMapFd(enc.bytes, r.insn, map.fd);
    const fd = keep(loadProgram({ type: ProgType.KPROBE, insns: enc.bytes, license: 'GPL', name: 'count_uprobe' }));
    const spec: ProgramSpec = {
      name: 'count_uprobe',
      progType: 'kprobe',
      attach: { provider: 'BEGIN', span: where, text: 'uprobe:x:y' },
      bytecode: enc.bytes,
      relocations: [],
      sourceMap: [],
    };
    return {
      prog: { spec, fd },
      read() {
        const v = new Uint8Array(8);
        assert.ok(mapLookup(map.fd, new Uint8Array(4), v));
        return new DataView(v.buffer).getBigUint64(0, true);
      },
    };
  }

  const attach = (
    prog: LoadedProgram,
    spec: Omit<Parameters<typeof attachUprobe>[1], 'description'> & { description?: string },
  ): Attachment => keep(attachUprobe(prog, { description: `uprobe:${spec.path}:${spec.offset}`, ...spec }));

  const uprobeAt = (path: string, func: string) => resolveUprobe(openTarget(path), { func });

  /** Runs the fixture released after attaching; resolves with its stdout. */
  async function run(bin: string, args: string[], opts: { prefix?: string[] } = {}): Promise<string> {
    const proc = runTarget(opts.prefix ? opts.prefix[0]! : bin, [
      ...(opts.prefix ? [...opts.prefix.slice(1), bin] : []),
      ...args,
    ]);
    proc.send();
    const done = await proc.finished;
    assert.is(done.code, 0, done.stderr);
    return done.stdout;
  }

  t('uprobe on add in a PIE: 5 calls, 5 hits', async () => {
    const c = counter();
    const loc = uprobeAt(fx.pie, 'add');
    attach(c.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: -1 });
    assert.match(await run(fx.pie, ['wait', 'add', '5']), 'add 45');
    assert.is(c.read(), 5n);
  });

  t('uprobe reads arguments from pt_regs: rdi of add(i, 2i) sums to 15, rsi to 30', async () => {
    const loc = uprobeAt(fx.pie, 'add');
    const a = counter(112); // rdi
    const b = counter(104); // rsi
    attach(a.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: -1 });
    attach(b.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: -1 });
    await run(fx.pie, ['wait', 'add', '5']);
    assert.is(a.read() & 0xffffffffn, 15n);
    assert.is(b.read() & 0xffffffffn, 30n);
  });

  t(
    'releaseAll on a uprobe: no hit counts after it resolves; its link is closed here, only the event handed off',
    async () => {
      // a uprobe program may be called outside an RCU read-side section (the kernel's uprobe path holds only
      // tasks-trace RCU), so closing its link, which waits for that grace period, is what makes it safe
      const c = counter();
      const loc = uprobeAt(fx.pie, 'add');
      const a = attachUprobe(c.prog, {
        description: 'uprobe add',
        path: loc.path,
        offset: loc.offset,
        retprobe: false,
        pid: -1,
      });
      await run(fx.pie, ['wait', 'add', '5']);
      assert.is(c.read(), 5n);
      const handed = linksHandedOff();
      await releaseAll([a]);
      assert.is(linksHandedOff() - handed, canHandOff() ? 1 : 0);
      await run(fx.pie, ['wait', 'add', '5']);
      assert.is(c.read(), 5n, 'the program still ran after releaseAll resolved');
    },
  );

  t('uretprobe on add: 5 returns, rax sums to 45', async () => {
    const hits = counter();
    const ret = counter(80); // rax
    const loc = uprobeAt(fx.pie, 'add');
    attach(hits.prog, { path: loc.path, offset: loc.offset, retprobe: true, pid: -1 });
    attach(ret.prog, { path: loc.path, offset: loc.offset, retprobe: true, pid: -1 });
    await run(fx.pie, ['wait', 'add', '5']);
    assert.is(hits.read(), 5n);
    assert.is(ret.read() & 0xffffffffn, 45n);
  });

  t('a -no-pie binary', async () => {
    const c = counter();
    const loc = uprobeAt(fx.nopie, 'add');
    attach(c.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: -1 });
    await run(fx.nopie, ['wait', 'add', '5']);
    assert.is(c.read(), 5n);
  });

  t('a shared library function, through the program that links it', async () => {
    const c = counter();
    const loc = uprobeAt(fx.lib, 'lib_mul');
    attach(c.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: -1 });
    assert.match(await run(fx.withLib, ['wait', 'lib', '4']), 'lib 30');
    assert.is(c.read(), 4n);
  });

  t('a library named the short way (libc) counts its calls', async () => {
    const c = counter();
    const libc = openTarget('libc');
    const loc = resolveUprobe(libc, { func: 'strtol' });
    attach(c.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: -1 });
    const proc = runTarget(fx.pie, ['wait', 'add', '1', 'add', '2', 'add', '3']);
    // only this process: count calls made after attaching (strtol parses each numeric argument)
    const before = c.read();
    proc.send();
    await proc.finished;
    assert.ok(c.read() - before >= 3n, `${c.read() - before} strtol calls`);
  });

  t('pid filter: only the given process is counted', async () => {
    const c = counter();
    const loc = uprobeAt(fx.pie, 'add');
    const mine = runTarget(fx.pie, ['wait', 'add', '5']);
    const other = runTarget(fx.pie, ['wait', 'add', '7']);
    try {
      attach(c.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: mine.pid });
      mine.send();
      other.send();
      await Promise.all([mine.finished, other.finished]);
      assert.is(c.read(), 5n);
    } finally {
      mine.kill();
      other.kill();
    }
  });

  t('one event (pid -1, cpu 0) sees hits on every CPU, once each', async () => {
    const cpus = spawnSync('nproc', [], { encoding: 'utf8' }).stdout.trim();
    const taskset = spawnSync('taskset', ['--version']);
    if (taskset.error || taskset.status !== 0)
      return skipCheck('attach/uprobe on every CPU', 'taskset(1) is not installed: no way to pin the target to a CPU');
    const c = counter();
    const loc = uprobeAt(fx.pie, 'add');
    attach(c.prog, { path: loc.path, offset: loc.offset, retprobe: false, pid: -1 });
    let expected = 0n;
    for (let cpu = 0; cpu < Number(cpus); cpu++) {
      await run(fx.pie, ['wait', 'add', '3'], { prefix: ['taskset', '-c', String(cpu)] });
      expected += 3n;
      assert.is(c.read(), expected, `after running on CPU ${cpu}`);
    }
  });

  t('closing the attachment detaches', async () => {
    const c = counter();
    const loc = uprobeAt(fx.pie, 'add');
    const a = attachUprobe(c.prog, {
      path: loc.path,
      offset: loc.offset,
      retprobe: false,
      pid: -1,
      description: 'uprobe:add',
    });
    await run(fx.pie, ['wait', 'add', '2']);
    a.close();
    await run(fx.pie, ['wait', 'add', '3']);
    assert.is(c.read(), 2n);
  });

  t('USDT with a semaphore: set while attached, the probe fires, args from registers', async () => {
    const tick = resolveUsdt(openTarget(fx.pie), 'scry', 'tick')[0]!;
    assert.ok(tick.semaphoreOffset !== undefined);
    const arg0 = tick.args![0]!;
    assert.is(arg0.location.kind, 'reg', `-O1 passes the int in a register: ${tick.argsText}`);
    const hits = counter();
    const sum = counter(arg0.location.kind === 'reg' ? arg0.location.reg.offset : 0);
    // a process started before attaching gets its semaphore raised too
    const proc = runTarget(fx.pie, ['sema', 'wait', 'sema', 'usdt', '3', 'sema']);
    try {
      assert.is(await proc.line('sema'), 'sema 0');
      for (const c of [hits, sum])
        attach(c.prog, {
          path: fx.pie,
          offset: tick.offset,
          retprobe: false,
          pid: -1,
          refCtrOffset: tick.semaphoreOffset,
          description: 'usdt:scry:tick',
        });
      proc.send();
      const out = (await proc.finished).stdout;
      // The kernel counts the semaphore once per probed location, not once per event: two events → 1.
      assert.is(out, 'sema 0\nsema 1\nusdt 3\nsema 1\n');
    } finally {
      proc.kill();
    }
    assert.is(hits.read(), 3n);
    assert.is(sum.read() & 0xffffffffn, 0n + 1n + 2n);
    for (const o of open.splice(0).reverse()) o.close();
    assert.match(await run(fx.pie, ['wait', 'sema']), 'sema 0');
  });

  t('USDT in a -no-pie binary and in a shared library', async () => {
    const plain = resolveUsdt(openTarget(fx.nopie), 'scry', 'plain')[0]!;
    const c = counter();
    attach(c.prog, { path: fx.nopie, offset: plain.offset, retprobe: false, pid: -1 });
    await run(fx.nopie, ['wait', 'usdt', '4']);
    assert.is(c.read(), 4n);
    const mul = resolveUsdt(openTarget(fx.lib), 'scrylib', 'mul')[0]!;
    const d = counter();
    attach(d.prog, { path: fx.lib, offset: mul.offset, retprobe: false, pid: -1, refCtrOffset: mul.semaphoreOffset });
    await run(fx.withLib, ['wait', 'lib', '3']);
    assert.is(d.read(), 3n);
  });

  t('a USDT probe at two sites: every location attached counts', async () => {
    const dup = resolveUsdt(openTarget(fx.lib), 'scrylib', 'dup');
    assert.is(dup.length, 2);
    const c = counter();
    for (const site of dup) attach(c.prog, { path: fx.lib, offset: site.offset, retprobe: false, pid: -1 });
    await run(fx.withLib, ['wait', 'lib', '3']);
    assert.is(c.read(), 6n);
  });

  t('without the semaphore the USDT-guarded code does not run', async () => {
    const tick = resolveUsdt(openTarget(fx.pie), 'scry', 'tick')[0]!;
    const c = counter();
    attach(c.prog, { path: fx.pie, offset: tick.offset, retprobe: false, pid: -1 });
    assert.match(await run(fx.pie, ['wait', 'usdt', '2', 'sema']), 'usdt 0\nsema 0');
    assert.is(c.read(), 2n, 'the probe itself still fires');
  });

  t('errors: a missing file, a process that does not exist', () => {
    const c = counter();
    const fails = (spec: Parameters<typeof attachUprobe>[1], message: string) =>
      assert.throws(
        () => keep(attachUprobe(c.prog, spec)),
        (e: unknown) => e instanceof ScryRuntimeError && e.message === message && e.span === where,
      );
    fails(
      { path: '/nonexistent/bin', offset: 0n, retprobe: false, pid: -1, description: 'uprobe:/nonexistent/bin:f' },
      'cannot attach uprobe:/nonexistent/bin:f: /nonexistent/bin does not exist',
    );
    fails(
      { path: '/tmp', offset: 0n, retprobe: false, pid: -1, description: 'uprobe:/tmp:f' },
      'cannot attach uprobe:/tmp:f: /tmp is not a regular file',
    );
    fails(
      { path: fx.pie, offset: 0x1000n, retprobe: false, pid: 999_999_999, description: 'uprobe:x:add' },
      'cannot attach uprobe:x:add: there is no process with pid 999999999',
    );
    // the kernel's own refusal keeps its errno: an offset past the end of the file
    assert.throws(
      () =>
        keep(
          attachUprobe(c.prog, {
            path: fx.pie,
            offset: 1n << 40n,
            retprobe: false,
            pid: -1,
            description: 'uprobe:x:far',
          }),
        ),
      (e: unknown) =>
        e instanceof ScryRuntimeError && /^cannot attach uprobe:x:far: perf_event_open\(.*\): E/.test(e.message),
    );
  });

  t('config word: retprobe bit and ref_ctr_offset field from the PMU format', () => {
    const fail = (why: string) => new Error(why);
    assert.is(uprobeConfig({ retprobe: false, description: '' }, fail), 0n);
    assert.is(uprobeConfig({ retprobe: true, description: '' }, fail), 1n);
    assert.is(uprobeConfig({ retprobe: true, refCtrOffset: 0x3058n, description: '' }, fail), (0x3058n << 32n) | 1n);
  });

  t.run();
}
