// Pinned iterators (iter:task:NAME, bpftrace v0.26): scry pins the iterator in the BPF filesystem and exits;
// each read of the file runs the program, whose printf the kernel writes into what the reader reads
// (bpf_seq_printf). What a read prints is what the same iterator run by scry prints. bpftrace 0.17 here refuses
// iter probes on this kernel ("iter task not available for your kernel version"), so v0.26's documentation is
// the reference: "Program pinned to /sys/fs/bpf/list", a relative name under /sys/fs/bpf.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const BPF_FS_MAGIC = 0xcafe4a11;

function requireBpffs(suite: string): boolean {
  if (!requireRoot(suite)) return false;
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    process.stderr.write(`SKIP ${suite}: no /sys/kernel/btf/vmlinux (iterators need BTF)\n`);
    return false;
  }
  try {
    if (statfsSync('/sys/fs/bpf').type === BPF_FS_MAGIC) return true;
  } catch {}
  process.stderr.write(`SKIP ${suite}: no BPF filesystem at /sys/fs/bpf\n`);
  return false;
}

if (requireBpffs('e2e pinned iterators')) {
  const name = `scry-test-iter-${process.pid}`;
  const pinned = `/sys/fs/bpf/${name}`;
  // started when the suite runs, not when it is imported (npm test imports every suite first)
  let sleeper: ReturnType<typeof spawn> | undefined;
  let child = 0;
  test.before(() => {
    sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    child = sleeper.pid!;
  });
  test.after(() => {
    sleeper?.kill();
    rmSync(pinned, { force: true });
  });

  test('iter:task:NAME pins at /sys/fs/bpf/NAME; each read runs it, printing what scry itself prints', async () => {
    const body = `/ctx.task.pid == ${child}/ { printf("%s %d|%5d|%-4s|%x %X|%c|%u %lld %lu|%p|100%%\\n", ctx.task.comm, ctx.task.pid - ${child}, 7, "ab", 255, 255, 65, (int8)-1, (int64)-1, (int64)-1, 4096); }`;
    const r = await runScry(['-q', '-e', `iter:task:${name} ${body}`]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout.split('\n')[0], `Program pinned to ${pinned}`);
    const direct = await runScry(['-q', '-e', `iter:task ${body}`]);
    const want = 'sleep 0|    7|ab  |ff FF|A|4294967295 -1 18446744073709551615|0x1000|100%\n';
    assert.is(direct.stdout.replace(/\n+$/, '\n'), want);
    assert.is(readFileSync(pinned, 'utf8'), want);
    assert.is(readFileSync(pinned, 'utf8'), want, 'a second read runs it again');
    rmSync(pinned);
  });

  test('an absolute pin path, path() in iter:task_file, and a map the pinned program keeps', async () => {
    const r = await runScry([
      '-q',
      '-e',
      `iter:task_file:${pinned} /ctx.task.pid == ${child} && ctx.fd == 0/ { @reads = count(); printf("%d %s\\n", ctx.fd, path(ctx.file.f_path)); }`,
    ]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, `Program pinned to ${pinned}\n`);
    assert.is(readFileSync(pinned, 'utf8'), '0 /dev/null\n');
    rmSync(pinned);
  });

  test('pinning where something is pinned already fails with the reason, exit 1', async () => {
    const first = await runScry(['-q', '-e', `iter:task:${name} { printf("x\\n"); }`]);
    assert.is(first.code, 0, first.stderr);
    const again = await runScry(['-q', '-e', `iter:task:${name} { printf("x\\n"); }`]);
    assert.is(again.code, 1);
    assert.match(again.stderr, `cannot pin iter:task:${name} at ${pinned}:`);
    assert.match(again.stderr, 'EEXIST');
    assert.match(again.stderr, `HINT: something is pinned there already: remove it (rm ${pinned})`);
    assert.not.match(again.stderr, '    at '); // no stack trace
    rmSync(pinned);
  });

  test('what a pinned iterator cannot do is refused where it is written', async () => {
    const r = await runScry([
      '--dry-run',
      '-e',
      `iter:task:${name} { printf("%o %.2d %s\\n", 1, 2, ksym(3)); print(@m); exit(); } tracepoint:syscalls:sys_enter_getppid { }`,
    ]);
    assert.is(r.code, 1);
    assert.match(r.stderr, "ERROR: a pinned iterator's printf() cannot print %o");
    assert.match(r.stderr, "ERROR: a pinned iterator's printf() cannot print a precision (%.2d)");
    assert.match(
      r.stderr,
      "ERROR: a pinned iterator's printf() prints only strings the program holds with %s, not ksym",
    );
    assert.match(r.stderr, `ERROR: print() means nothing in a pinned iterator: scry has exited when ${pinned} is read`);
    assert.match(r.stderr, 'ERROR: exit() means nothing in a pinned iterator');
    assert.match(
      r.stderr,
      `ERROR: tracepoint:syscalls:sys_enter_getppid would never fire: the run ends once iter:task:${name} is pinned`,
    );
    const many = await runScry([
      '--dry-run',
      '-e',
      `iter:task:${name} { printf("${'%d'.repeat(13)}", ${Array(13).fill('1').join(', ')}); }`,
    ]);
    assert.match(many.stderr, "ERROR: a pinned iterator's printf() takes at most 12 values, got 13");
    assert.not.ok(existsSync(pinned));
  });

  test.run();
}
