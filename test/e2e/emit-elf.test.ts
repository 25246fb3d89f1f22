// --emit-elf on this kernel: the object is what readelf and bpftool (libbpf) read and load, every program of it
// loads, its CO-RE relocations match vmlinux's types, its line info carries the script's lines, and what cannot
// be written is refused with a located error and exit 1. The VM half (another kernel's layout) is
// test/vm/elf-core.vmtest.ts; the writer's bytes are test/compiler/elf.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bpftoolMissing, loadAll, mapValues, runPinned } from '../helpers/bpf-objects.ts';
import { runScry } from '../helpers/cli.ts';
import { requireTracepoint, skipCheck } from '../helpers/kernel.ts';

const SCRIPT = `BEGIN { @comm = curtask->comm; @pid = curtask->pid; }
tracepoint:syscalls:sys_enter_openat /pid == 1/ {
  @opens[comm] = count();
  @vruntime = curtask->se.vruntime;
  printf("%s\\n", str(args.filename));
}
uprobe:/bin/bash:readline { @sh = count(); }
interval:s:1 { @ticks = count(); }
`;

const missing = bpftoolMissing();
if (missing) skipCheck('e2e emit-elf', missing);
else if (requireTracepoint('e2e emit-elf', 'syscalls/sys_enter_openat')) {
  const dir = mkdtempSync(join(tmpdir(), 'scry-elf-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'probes.bt');
  writeFileSync(script, SCRIPT);
  const object = join(dir, 'probes.o');
  let written: Promise<Awaited<ReturnType<typeof runScry>>> | undefined;
  const emit = () => (written ??= runScry(['--emit-elf', object, script]));

  test('readelf reads the sections libbpf wants and R_BPF_64_64 relocations on the map loads', async () => {
    const r = await emit();
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '');
    const out = execFileSync('readelf', ['-S', '-r', '-s', '-W', object], { encoding: 'utf8' });
    for (const s of ['raw_tp', 'tracepoint/syscalls/sys_enter_openat', 'uprobe//bin/bash:readline', 'perf_event'])
      assert.match(out, new RegExp(`\\] ${s.replace(/\//g, '\\/')} +PROGBITS .* AX `), s);
    for (const s of ['license', '.maps', '.data.lost', '.BTF', '.BTF.ext', '.reltracepoint/syscalls/sys_enter_openat'])
      assert.ok(out.includes(`] ${s} `), `${s} in\n${out}`);
    // type 1 (R_BPF_64_64) against a .maps symbol
    assert.match(out, /^[0-9a-f]{16} +[0-9a-f]{8}00000001 +R_BPF_\w+ +[0-9a-f]+ m\d+_opens$/m);
    assert.match(out, /FUNC +GLOBAL +DEFAULT +\d+ tracepoint_syscalls_sys_enter_openat$/m);
  });

  test('bpftool btf dump reads .BTF: the .maps DATASEC, a FUNC per program, CO-RE local types', async () => {
    await emit();
    const out = execFileSync('bpftool', ['btf', 'dump', 'file', object], { encoding: 'utf8' });
    assert.match(out, /DATASEC '\.maps' size=\d+ vlen=\d+/);
    assert.match(out, /VAR 'm\d+_opens' type_id=\d+, linkage=global/);
    for (const f of ['BEGIN', 'tracepoint_syscalls_sys_enter_openat', 'uprobe_bin_bash_readline', 'interval_s_1'])
      assert.match(out, new RegExp(`FUNC '${f}' type_id=\\d+ linkage=global`));
    assert.match(out, /STRUCT 'task_struct' size=\d+ vlen=3\n(\t'\w+' type_id=\d+ bits_offset=\d+\n){3}/);
  });

  test('bpftool prog loadall loads every program; BEGIN reads bpftool’s own task_struct; lines are the script’s', async () => {
    await emit();
    const pinned = loadAll(object);
    try {
      assert.ok(pinned.ok, pinned.output);
      const progs = ['BEGIN', 'tracepoint_syscalls_sys_enter_openat', 'uprobe_bin_bash_readline', 'interval_s_1'];
      assert.equal(
        execFileSync('ls', [pinned.dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort(),
        [...progs, 'maps'].sort(),
      );
      runPinned(join(pinned.dir, 'BEGIN'));
      const [comm] = mapValues(join(pinned.maps, 'm0_comm'));
      assert.is(Buffer.from(comm!).toString('latin1').split('\0')[0], 'bpftool');
      const xlated = execFileSync(
        'bpftool',
        ['prog', 'dump', 'xlated', 'pinned', join(pinned.dir, 'tracepoint_syscalls_sys_enter_openat'), 'linum'],
        { encoding: 'utf8' },
      );
      assert.match(xlated, /^; @vruntime = curtask->se\.vruntime; \[file:\S*probes\.bt line_num:4 line_col:\d+\]$/m);
    } finally {
      pinned.remove();
    }
  });

  test('-d bytecode --relocs prints each relocation record beside its instruction', async () => {
    const r = await runScry([
      '-d',
      'bytecode',
      '--relocs',
      '-e',
      'tracepoint:syscalls:sys_enter_openat { @[curtask->pid] = count(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^tracepoint:syscalls:sys_enter_openat \(section tracepoint\/syscalls\/sys_enter_openat, tracepoint_syscalls_sys_enter_openat\):$/m,
    );
    assert.match(r.stdout, /: r0 \+= \d+ +; CO-RE field_byte_offset struct task_struct\.pid \[\d+\] "0:\d+"$/m);
    assert.match(r.stdout, /: r1 = 0 ll +; R_BPF_64_64 m0_anon \(\.maps\)$/m);
    assert.match(r.stdout, /; R_BPF_64_64 lost \(\.data\.lost\) \+ 0$/m);
  });

  test("`probe` over several attach points is each program's constant: a libbpf loader attaches without cookies", async () => {
    const r = await runScry([
      '-d',
      'bytecode',
      '--relocs',
      '-e',
      'tracepoint:syscalls:sys_enter_getppid, tracepoint:syscalls:sys_enter_getpid { @[probe] = count(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.match(/\(section tracepoint\//g)?.length, 2, r.stdout);
    assert.not.match(r.stdout, 'get_attach_cookie');
  });

  test('every probe type this kernel attaches loads from the object, each in the section libbpf types it by', async () => {
    const kinds = join(dir, 'kinds.o');
    const prog = `kprobe:vfs_read { @k = count(); }
tracepoint:sched:sched_switch { @s[args.next_comm] = count(); }
rawtracepoint:sched_wakeup { @w = count(); }
software:cpu-clock:100000 { @c = count(); }
profile:hz:99 { @p[kstack] = count(); }
uretprobe:/bin/bash:readline { @r = retval; }
iter:task { printf("%s\\n", ctx->task->comm); }
END { print(@k); }`;
    const r = await runScry(['--emit-elf', kinds, '-e', prog]);
    assert.is(r.code, 0, r.stderr);
    const out = execFileSync('readelf', ['-S', '-W', kinds], { encoding: 'utf8' });
    for (const s of [
      'kprobe/vfs_read',
      'tracepoint/sched/sched_switch',
      'tp_btf/sched_wakeup',
      'perf_event',
      'uretprobe//bin/bash:readline',
      'iter/task',
      'raw_tp',
    ])
      assert.ok(out.includes(`] ${s} `), `${s} in\n${out}`);
    const pinned = loadAll(kinds);
    try {
      assert.ok(pinned.ok, pinned.output);
      const names = [
        'END',
        'iter_task',
        'kprobe_vfs_read',
        'profile_hz_99',
        'rawtracepoint_vmlinux_sched_wakeup',
        'software_cpu_clock_100000',
        'tracepoint_sched_sched_switch',
        'uretprobe_bin_bash_readline',
        'maps',
      ];
      assert.equal(
        execFileSync('ls', [pinned.dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort(),
        names.sort(),
      );
    } finally {
      pinned.remove();
    }
  });

  test('callbacks (a for loop over a map, a per-CPU count read in the probe) go to .text and run', async () => {
    const loop = join(dir, 'loop.o');
    const prog =
      'BEGIN { @m[1] = 2; @m[3] = 4; for ($kv : @m) { @sum += $kv.1; } @n = count(); if (@n > 0) { @pos = 1; } }';
    const r = await runScry(['--emit-elf', loop, '-e', prog]);
    assert.is(r.code, 0, r.stderr);
    const out = execFileSync('readelf', ['-S', '-s', '-r', '-W', loop], { encoding: 'utf8' });
    assert.match(out, /\] \.text +PROGBITS .* AX /);
    assert.match(out, /FUNC +LOCAL +DEFAULT +\d+ BEGIN_cb0$/m);
    assert.match(out, /R_BPF_\w+ +0+ \.text$/m); // the callback's address
    const pinned = loadAll(loop);
    try {
      assert.ok(pinned.ok, pinned.output);
      runPinned(join(pinned.dir, 'BEGIN'));
      const num = (name: string) => Buffer.from(mapValues(join(pinned.maps, name))[0]!).readBigUInt64LE(0);
      assert.is(num('m3_sum'), 6n);
      assert.is(num('m2_pos'), 1n);
    } finally {
      pinned.remove();
    }
  });

  test('a bitfield read carries libbpf’s four relocations (offset, load size, shifts), which libbpf accepts', async () => {
    const bf = join(dir, 'bitfield.o');
    const prog = 'BEGIN { @exec = curtask->in_execve; @pid = curtask->pid; }';
    const listing = await runScry(['-d', 'bytecode', '--relocs', '-e', prog]);
    assert.is(listing.code, 0, listing.stderr);
    for (const kind of ['byte_offset', 'byte_size', 'lshift_u64', 'rshift_u64'])
      assert.match(
        listing.stdout,
        new RegExp(`; CO-RE field_${kind} struct task_struct\\.in_execve \\[\\d+\\] "0:0"$`, 'm'),
      );
    const r = await runScry(['--emit-elf', bf, '-e', prog]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '', 'no field is left unrelocated');
    const pinned = loadAll(bf); // libbpf checks each relocated value against what its local type says
    try {
      assert.ok(pinned.ok, pinned.output);
      runPinned(join(pinned.dir, 'BEGIN'));
      assert.is(Buffer.from(mapValues(join(pinned.maps, 'm0_exec'))[0]!).readBigUInt64LE(0), 0n);
    } finally {
      pinned.remove();
    }
  });

  test('mistakes are refused with exit 1: an unwritable path, --relocs without -d bytecode', async () => {
    const ro = join(dir, 'ro');
    execFileSync('mkdir', [ro]);
    chmodSync(ro, 0o500);
    let r = await runScry(['--emit-elf', join(dir, 'no-such-dir', 'x.o'), '-e', 'BEGIN { @ = 1; }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /ERROR: cannot write the object to .*no-such-dir\/x\.o: ENOENT/);
    r = await runScry(['--relocs', '-e', 'BEGIN { @ = 1; }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, /--relocs prints the relocation records of -d bytecode/);
  });

  test.run();
}
