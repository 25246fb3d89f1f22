// kprobe/kretprobe end to end in the test VM's kernel (Debian's 6.1, which has CONFIG_KPROBES): through the
// kprobe PMU and through tracefs kprobe_events (SCRY_KPROBE_LEGACY=1). Counts are exact for what a child did
// after scry said its probes were attached; the child is started held so its pid can go in a filter.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasKprobeEvents, hasKprobePmu, hasKprobes } from '../../runtime/features.ts';
import { tracefsRoot } from '../../runtime/kernel/tracefs.ts';
import { runScry } from '../helpers/cli.ts';
import { GUEST_TIMEOUT_MS, heldChild, inGuest, output, scratchDir, traceAround } from './guest.ts';

/** `n` paths in a fresh scratch directory. */
function paths(n: number, base?: string): string[] {
  const dir = scratchDir(base);
  return Array.from({ length: n }, (_, i) => join(dir, `d${i}`));
}

/** The kprobe events scry defined in tracefs (scry_<pid>_<n>). */
function scryKprobeEvents(): string[] {
  return readFileSync(`${tracefsRoot()}/kprobe_events`, 'utf8')
    .split('\n')
    .filter((l) => l.includes(':kprobes/scry_'));
}

const LEGACY = { SCRY_KPROBE_LEGACY: '1' };

if (inGuest('vm kprobe')) {
  test('feature probes: this kernel has kprobes, both the PMU and tracefs kprobe_events', () => {
    assert.ok(hasKprobePmu(), 'kprobe PMU');
    assert.ok(hasKprobeEvents(), 'kprobe_events');
    assert.ok(hasKprobes(), 'hasKprobes');
  });

  test('kprobe:vfs_mkdir counts exactly the mkdirs of a child started after attach', async () => {
    const child = heldChild(['mkdir', ...paths(5)]);
    const r = await traceAround(['-e', `kprobe:vfs_mkdir /pid == ${child.pid}/ { @[comm] = count(); }`], () =>
      child.run(),
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[mkdir]: 5\n'), output(r));
    assert.ok(r.stderr.includes('Attached 1 probe\n'), output(r));
  });

  test('func is the traced function in kprobes and kretprobes (a kretprobe fires where it returns to)', async () => {
    const child = heldChild(['mkdir', ...paths(2)]);
    const prog = `kprobe:vfs_mkdir, kretprobe:vfs_mkdir /pid == ${child.pid}/ { @[probe, func] = count(); printf("%s\\n", func); }`;
    const r = await traceAround(['-e', prog], () => child.run());
    assert.is(r.code, 0, output(r));
    // a kretprobe's saved ip is in do_mkdirat, its caller, which bpftrace 0.17 printed (as scry did until
    // 2026-12-06); v0.26 prints vfs_mkdir (bpf_get_func_ip; its runtime test builtin.func_kretprobe)
    assert.ok(r.stdout.includes('\n@[kprobe:vfs_mkdir, vfs_mkdir]: 2\n'), output(r));
    assert.ok(r.stdout.includes('\n@[kretprobe:vfs_mkdir, vfs_mkdir]: 2\n'), output(r));
    assert.is(r.stdout.split('\n').filter((l) => l === 'vfs_mkdir').length, 4, output(r));
  });

  test('two kprobes on one function run in the order written (the kernel runs the newest first)', async () => {
    const child = heldChild(['mkdir', ...paths(2)]);
    const block = (word: string) => `kprobe:vfs_mkdir /pid == ${child.pid}/ { printf("${word}\\n"); }`;
    const r = await traceAround(['-e', `${block('first')} ${block('second')}`], () => child.run());
    assert.is(r.code, 0, output(r));
    const words = r.stdout.split('\n').filter((l) => l === 'first' || l === 'second');
    assert.equal(words, ['first', 'second', 'first', 'second'], output(r));
  });

  test("the issue's example: scry -e 'kprobe:vfs_mkdir < count[pid]++ >'", async () => {
    const child = heldChild(['mkdir', ...paths(4)]);
    const r = await traceAround(['-e', 'kprobe:vfs_mkdir < count[pid]++ >'], () => child.run());
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes(`\n@count[${child.pid}]: 4\n`), output(r));
  });

  test('stacks by value on 6.1: a 1 KiB kstack key and a ustack key, the callers of vfs_mkdir in them', async () => {
    const child = heldChild(['mkdir', ...paths(3)]);
    const r = await traceAround(
      ['-e', `kprobe:vfs_mkdir /pid == ${child.pid}/ { @k[kstack] = count(); @u[ustack(raw, 4)] = count(); }`],
      () => child.run(),
    );
    assert.is(r.code, 0, output(r));
    assert.match(r.stdout, /^@k\[\n {8}vfs_mkdir\+\d+\n {8}do_mkdirat\+\d+\n(?: {8}.*\n)+\]: 3$/m, output(r));
    assert.match(r.stdout, /^@u\[\n(?:[0-9a-f]+\n)+\]: 3$/m, output(r));
    assert.not.match(r.stderr, /WARNING/, output(r));
  });

  test('-c: the command runs once the kprobe is attached, cpid is its pid, the run ends with it', async () => {
    const r = await runScry(
      ['-c', `mkdir ${paths(3).join(' ')}`, '-e', 'kprobe:vfs_mkdir /pid == cpid/ { @[comm] = count(); }'],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[mkdir]: 3\n'), output(r));
  });

  test('kprobe arguments: do_mkdirat(dfd, name, mode) and the user string of do_sys_openat2(dfd, filename, how)', async () => {
    const [a, b] = paths(2) as [string, string];
    const mkdir = heldChild(['mkdir', '-m', '751', a, b]);
    const file = join(scratchDir(), 'some-file');
    writeFileSync(file, 'x');
    const cat = heldChild(['cat', file]);
    const prog = `kprobe:do_mkdirat /pid == ${mkdir.pid}/ { printf("dfd=%d mode=%o\\n", (int32)arg0, arg2); }
                  kprobe:do_sys_openat2 /pid == ${cat.pid}/ { printf("dfd=%d name=%s\\n", (int32)arg0, str(arg1)); }`;
    const r = await traceAround(['-e', prog], async () => {
      await mkdir.run();
      await cat.run();
    });
    assert.is(r.code, 0, output(r));
    // mkdir(2) is do_mkdirat(AT_FDCWD, getname(path), mode), the mode as given (the umask applies later)
    assert.is(r.stdout.split('\n').filter((l) => l === 'dfd=-100 mode=751').length, 2, output(r));
    assert.ok(r.stdout.includes(`\ndfd=-100 name=${file}\n`), output(r));
  });

  test('kretprobe retval: do_mkdirat returns 0, and -EEXIST for a directory that exists', async () => {
    const [a, b] = paths(2) as [string, string];
    const child = heldChild(['mkdir', a, a, b]);
    const r = await traceAround(
      ['-e', `kretprobe:do_mkdirat /pid == ${child.pid}/ { @[(int32)retval] = count(); }`],
      async () => {
        const c = await child.run();
        assert.is(c.code, 1, 'mkdir fails for the directory that exists');
      },
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[-17]: 1\n'), output(r));
    assert.ok(r.stdout.includes('\n@[0]: 2\n'), output(r));
  });

  test('kprobe at an offset: +0 is the entry; +5 is the instruction after the ftrace call site', async () => {
    const child = heldChild(['mkdir', ...paths(3)]);
    const prog = `kprobe:vfs_mkdir+0 /pid == ${child.pid}/ { @entry = count(); }
                  kprobe:vfs_mkdir+5 /pid == ${child.pid}/ { @after_fentry = count(); }`;
    const r = await traceAround(['-e', prog], () => child.run());
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@entry: 3\n'), output(r));
    assert.ok(r.stdout.includes('\n@after_fentry: 3\n'), output(r));
  });

  test('an offset inside an instruction is refused plainly, with a hint', async () => {
    const r = await runScry(['-e', 'kprobe:vfs_mkdir+1 { @ = count(); }'], {}, GUEST_TIMEOUT_MS);
    assert.is(r.code, 1, output(r));
    assert.match(r.stderr, /cannot attach kprobe:vfs_mkdir\+1: perf_event_open\(.*\): EILSEQ/, output(r));
    assert.ok(r.stderr.includes('HINT: offset 1 is not at an instruction boundary of vfs_mkdir'), output(r));
  });

  test('kprobe:ADDRESS (--unsafe): the address of vfs_mkdir counts its calls, func names it; a bad one is refused', async () => {
    const line = readFileSync('/proc/kallsyms', 'latin1').match(/^([0-9a-f]+) [tT] vfs_mkdir$/m);
    assert.ok(line, 'vfs_mkdir in kallsyms');
    for (const legacy of [false, true]) {
      const child = heldChild(['mkdir', ...paths(2)]);
      const r = await traceAround(
        [
          '--unsafe',
          '-e',
          `kprobe:0x${line[1]} /pid == ${child.pid}/ { @[probe == "kprobe:${BigInt(`0x${line[1]}`)}", func] = count(); }`,
        ],
        () => child.run(),
        legacy ? { SCRY_KPROBE_LEGACY: '1' } : {},
      );
      assert.is(r.code, 0, output(r));
      assert.ok(r.stdout.includes('\n@[true, vfs_mkdir]: 2\n'), output(r));
    }
    const bad = await runScry(['--unsafe', '-e', 'kprobe:0x12345678 {}'], {}, GUEST_TIMEOUT_MS);
    assert.is(bad.code, 1, output(bad));
    assert.match(bad.stderr, 'ERROR: cannot attach kprobe:305419896', output(bad));
    assert.match(bad.stderr, 'HINT: no instruction the kernel can probe starts at 0x12345678', output(bad));
  });

  test('a function the kernel does not have is refused plainly, before anything is attached', async () => {
    const r = await runScry(['-e', 'kprobe:scry_no_such_function { @ = count(); }'], {}, GUEST_TIMEOUT_MS);
    assert.is(r.code, 1, output(r));
    assert.match(r.stderr, /ERROR: .*scry_no_such_function/, output(r));
    assert.not.match(r.stderr, /Attached/, output(r));
  });

  test('--traceable-functions /dev/null --unsafe: vfs_read is not listed, warned about, and attached (v0.26)', async () => {
    const r = await runScry(
      ['--unsafe', '--traceable-functions', '/dev/null', '-e', 'BEGIN { exit(); } kprobe:vfs_read {}'],
      {},
      GUEST_TIMEOUT_MS,
    );
    assert.is(r.code, 0, output(r));
    assert.match(r.stderr, 'WARNING: vfs_read is not traceable', output(r));
    assert.match(r.stderr, 'Attached 2 probes', output(r));
  });

  test('kprobe:rcu_* attaches nothing, and blocklisted functions are not listed (bpftrace v0.26 leaves them out)', async () => {
    const r = await runScry(['--dry-run', '-e', 'kprobe:rcu_* { }'], {}, GUEST_TIMEOUT_MS);
    assert.is(r.code, 1, output(r));
    assert.match(r.stderr, 'ERROR: Probe has no valid attach points', output(r));
    const l = await runScry(['-l', 'kprobe:rcu_*'], {}, GUEST_TIMEOUT_MS);
    assert.is(l.stdout, '', output(l));
    // the kernel's kprobe blocklist (debugfs): its functions are not offered either
    const blocked = readFileSync('/sys/kernel/debug/kprobes/blacklist', 'latin1')
      .split('\n')
      .map((line) => /^\S+\t(\w+)$/.exec(line)?.[1])
      .find((name) => name && !name.startsWith('rcu_'));
    assert.ok(blocked, 'a blocklisted kernel function');
    const b = await runScry(['-l', `kprobe:${blocked}`], {}, GUEST_TIMEOUT_MS);
    assert.is(b.stdout, '', output(b));
  });

  test('-l lists kprobes and kretprobes from available_filter_functions; --info says kprobes work', async () => {
    const l = await runScry(['-l', 'kprobe:vfs_mkd*'], {}, GUEST_TIMEOUT_MS);
    assert.ok(l.stdout.split('\n').includes('kprobe:vfs_mkdir'), output(l));
    // -lv: the arguments from BTF as argN, the return type for kretprobes (bpftrace v0.26's listing)
    const v = await runScry(['-lv', 'kprobe:vfs_read'], {}, GUEST_TIMEOUT_MS);
    assert.is(
      v.stdout,
      'kprobe:vfs_read\n    struct file * arg0\n    char * arg1\n    size_t arg2\n    loff_t * arg3\n',
      output(v),
    );
    const r = await runScry(['-lv', 'kretprobe:vfs_read'], {}, GUEST_TIMEOUT_MS);
    assert.is(r.stdout, 'kretprobe:vfs_read\n    ssize_t retval\n', output(r));
    const info = await runScry(['--info'], { XDG_CACHE_HOME: scratchDir() }, GUEST_TIMEOUT_MS);
    assert.match(info.stdout, /\n  kprobe: yes\n/, output(info));
    assert.match(info.stdout, /\n  fentry\/fexit: yes\n/, output(info));
  });

  test('kprobe wildcards attach one link per matching function (no kprobe_multi in this kernel)', async () => {
    const child = heldChild(['mkdir', ...paths(2)]);
    const r = await traceAround(['-e', `kprobe:vfs_mkd* /pid == ${child.pid}/ { @[probe] = count(); }`], () =>
      child.run(),
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[kprobe:vfs_mkdir]: 2\n'), output(r));
  });

  test('kprobe on a module function (overlay:ovl_mkdir; the guest root is an overlay)', async () => {
    const child = heldChild(['mkdir', ...paths(2, '/var/tmp')]);
    const r = await traceAround(['-e', `kprobe:overlay:ovl_mkdir /pid == ${child.pid}/ { @ = count(); }`], () =>
      child.run(),
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@: 2\n'), output(r));
    // listed by its own name, and with the module where the pattern names one (bpftrace v0.26)
    const bare = await runScry(['-l', 'kprobe:ovl_mkdir'], {}, GUEST_TIMEOUT_MS);
    assert.is(bare.stdout, 'kprobe:ovl_mkdir\n', output(bare));
    const moduled = await runScry(['-l', 'kprobe:overlay:ovl_mkdir'], {}, GUEST_TIMEOUT_MS);
    assert.is(moduled.stdout, 'kprobe:overlay:ovl_mkdir\n', output(moduled));
  });

  test('tracefs kprobe_events (SCRY_KPROBE_LEGACY=1): kprobe, kretprobe, offset; events removed at exit', async () => {
    const child = heldChild(['mkdir', ...paths(3)]);
    let during: string[] = [];
    const prog = `kprobe:vfs_mkdir /pid == ${child.pid}/ { @k = count(); }
                  kprobe:vfs_mkdir+5 /pid == ${child.pid}/ { @k5 = count(); }
                  kretprobe:do_mkdirat /pid == ${child.pid}/ { @r[(int32)retval] = count(); }`;
    const r = await traceAround(
      ['-e', prog],
      async () => {
        during = scryKprobeEvents();
        await child.run();
      },
      LEGACY,
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@k: 3\n'), output(r));
    assert.ok(r.stdout.includes('\n@k5: 3\n'), output(r));
    assert.ok(r.stdout.includes('\n@r[0]: 3\n'), output(r));
    assert.is(during.length, 3, during.join('\n'));
    assert.match(during.join('\n'), /^p:kprobes\/scry_\d+_\d+ vfs_mkdir$/m);
    assert.match(during.join('\n'), /^p:kprobes\/scry_\d+_\d+ vfs_mkdir\+5$/m);
    assert.match(during.join('\n'), /^r\d*:kprobes\/scry_\d+_\d+ do_mkdirat$/m);
    assert.equal(scryKprobeEvents(), [], 'kprobe events left behind');
  });

  test('tracefs kprobe_events: a module function, and a failure that leaves nothing behind', async () => {
    const child = heldChild(['mkdir', ...paths(2, '/var/tmp')]);
    const r = await traceAround(
      ['-e', `kprobe:overlay:ovl_mkdir /pid == ${child.pid}/ { @ = count(); }`],
      () => child.run(),
      LEGACY,
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@: 2\n'), output(r));

    // kprobes attach last-first (so they fire in the order written): vfs_mkdir attaches, then vfs_mkdir+1 cannot
    // (not an instruction boundary): both events must be gone
    const bad = await runScry(
      ['-e', 'kprobe:vfs_mkdir+1 { @ = count(); } kprobe:vfs_mkdir { @ = count(); }'],
      LEGACY,
      GUEST_TIMEOUT_MS,
    );
    assert.is(bad.code, 1, output(bad));
    assert.match(
      bad.stderr,
      /cannot attach kprobe:vfs_mkdir\+1: writing 'p:kprobes\/scry_\d+_1 vfs_mkdir\+1' to .*kprobe_events: EILSEQ/,
      output(bad),
    );
    assert.ok(bad.stderr.includes('HINT: offset 1 is not at an instruction boundary of vfs_mkdir'), output(bad));
    assert.equal(scryKprobeEvents(), [], 'kprobe events left behind');
  });

  test.run();
}
