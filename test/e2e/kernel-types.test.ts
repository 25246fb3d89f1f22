// Kernel types from BTF on the real kernel: typed pointers (curtask, casts), ->, ., *, [], sizeof, offsetof,
// struct values printed, typed raw tracepoint arguments (tp_btf), and fentry/fexit — or their refusal here.
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { fentryRefusal } from '../../runtime/features.ts';
import { vmlinuxBtf } from '../../runtime/kernel/btf/index.ts';

function requireBtf(suite: string): boolean {
  if (!requireRoot(suite)) return false;
  if (existsSync('/sys/kernel/btf/vmlinux')) return true;
  process.stderr.write(`SKIP ${suite}: no /sys/kernel/btf/vmlinux\n`);
  return false;
}

if (requireBtf('e2e kernel types')) {
  test('curtask is a struct task_struct *: fields through ->, nested pointers, char arrays', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%d %d %s %d\\n", curtask->tgid, pid, curtask->comm, ((struct task_struct *)curtask)->real_parent->tgid); exit(); }',
    ]);
    const [tgid, pid, comm, parent] = r.stdout.split('\n')[0]!.split(' ');
    assert.is(tgid, pid);
    assert.is(comm, 'scry'); // BEGIN runs in scry's own process, named scry (as bpftrace's is bpftrace)
    assert.is(Number(parent), process.pid); // scry's parent: this test, which started it
  });

  test('sizeof and offsetof of kernel types equal BTF', async () => {
    const btf = vmlinuxBtf()!;
    const task = btf.find('task_struct', 'struct')!;
    const r = await runScry([
      '-q',
      '-e',
      'BEGIN { printf("%d %d %d\\n", sizeof(struct task_struct), offsetof(struct task_struct, pid), sizeof(struct list_head)); exit(); }',
    ]);
    assert.is(r.stdout, `${btf.sizeOf(task)} ${btf.findMember(task, 'pid')!.offset} 16\n\n\n`);
  });

  test('struct values print as { .field = value }, from . on a struct and [] on an array', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { @r = curtask->signal->rlim[7]; print(curtask->se.load); exit(); }']);
    // RLIMIT_NOFILE is 7; print shows the load weight struct
    assert.match(
      r.stdout,
      /^\{ \.weight = \d+, \.inv_weight = \d+ \}\n\n\n@r: \{ \.rlim_cur = \d+, \.rlim_max = \d+ \}\n$/,
    );
  });

  test('a cast to an integer pointer reads through * and []', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { $p = (int32 *)&curtask; exit(); }']);
    assert.is(r.code, 1); // & of anything but a variable is refused with a plain message (bpftrace v0.26 too)
    assert.match(r.stderr, 'operator & takes the address of a variable only');
    const ok = await runScry([
      '-q',
      '-e',
      'BEGIN { $t = (uint64)curtask; printf("%d\\n", *(int32 *)($t + ' +
        vmlinuxBtf()!.findMember(vmlinuxBtf()!.find('task_struct', 'struct')!, 'tgid')!.offset +
        ') == pid); exit(); }',
    ]);
    assert.is(ok.stdout, '1\n\n\n');
  });

  test('an unknown field names the closest one', async () => {
    const r = await runScry(['-e', 'BEGIN { @ = curtask->pdi; }']);
    assert.is(r.code, 1);
    assert.match(
      r.stderr,
      "ERROR: struct task_struct has no field pdi\nBEGIN { @ = curtask->pdi; }\n                     ~~~\nHINT: did you mean 'pid'?",
    );
  });

  test('an unknown kernel type in a cast is named', async () => {
    const r = await runScry(['-e', 'BEGIN { @ = ((struct no_such *)0)->x; }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, "ERROR: unknown kernel type 'struct no_such'");
  });

  test('tracepoint pointer fields to structs are typed from BTF and read from user memory (syscalls)', async () => {
    const r = await runScry([
      '-q',
      '-c',
      'sleep 1.25',
      '-e',
      'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { printf("%d %d\\n", args->rqtp->tv_sec, args->rqtp->tv_nsec); }',
    ]);
    assert.is(r.stdout, '1 250000000\n\n\n');
  });

  test('rawtracepoint arguments are typed from BTF (tp_btf): args->prev->comm', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'rawtracepoint:sched_switch { printf("%s|%d\\n", args->next->comm, args->next->pid == arg2 - arg2 + args->next->pid); exit(); }',
    ]);
    assert.match(r.stdout, /^[^|\n]+\|1\n/);
    assert.is(r.code, 0);
  });

  test('iter:task visits every task once and then the program ends', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'iter:task /ctx->task->pid == pid/ { printf("%s %d\\n", ctx->task->comm, ctx->task->tgid == pid); } iter:task { @tasks = count(); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    const m = /^scry 1\n\n\n@tasks: (\d+)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m![1]) > 10);
  });

  test('iter:task_file sees the open files of a process', async () => {
    const r = await runScry([
      '-q',
      '-e',
      'iter:task_file /ctx->task->pid == pid && ctx->fd < 3/ { printf("%d\\n", ctx->fd); }',
    ]);
    assert.is(r.stdout, '0\n1\n2\n\n\n');
  });

  test('path() resolves a struct path to its file name (bpf_d_path, from iter:task_file)', async () => {
    // scry's stdin is /dev/null here (the test starts it with stdin ignored)
    const r = await runScry([
      '-q',
      '-e',
      'iter:task_file /ctx->task->pid == pid && ctx->fd == 0/ { printf("%s\\n", path(ctx->file->f_path)); }',
    ]);
    assert.is(r.stdout, '/dev/null\n\n\n');
  });

  test("path(p, size): a string of that size (bpftrace v0.26), and '.' through the file pointer as '->'", async () => {
    const r = await runScry([
      '-q',
      '--no-warnings',
      '-e',
      'iter:task_file /ctx->task->pid == pid && ctx->fd == 0/ { $p = path(ctx.file.f_path, 16); $q = path(ctx.file.f_path, 6); printf("%s %d %s %d\\n", $p, sizeof($p), $q, sizeof($q)); }',
    ]);
    assert.is(r.code, 0, r.stderr);
    // too small for /dev/null: the kernel says so (ENAMETOOLONG) and leaves the path's tail, as bpftrace prints it
    assert.is(r.stdout, '/dev/null 16 /null 6\n\n\n');
    const bad = await runScry(['-e', 'iter:task_file { $n = 8; printf("%s", path(ctx->file->f_path, $n)); }']);
    assert.is(bad.code, 1);
    assert.match(bad.stderr, "ERROR: path()'s size must be an integer literal from 1 to 4096");
  });

  test('path() outside fentry/fexit/iter is refused with the reason', async () => {
    const r = await runScry(['-e', 'tracepoint:syscalls:sys_enter_openat { printf("%s", path(args->filename)); }']);
    assert.is(r.code, 1);
    assert.match(
      r.stderr,
      'ERROR: path() uses bpf_d_path, which only fentry/fexit and iter probes may call, not tracepoint probes',
    );
  });

  test('an unknown iterator names the ones the kernel has', async () => {
    const r = await runScry(['-e', 'iter:tsk { }']);
    assert.is(r.code, 1);
    assert.match(r.stderr, "ERROR: unknown iterator 'tsk'");
    assert.match(r.stderr, "HINT: did you mean 'iter:task'?");
  });

  const vfsRead = vmlinuxBtf()?.funcProto('vfs_read');
  const refusal = vfsRead ? fentryRefusal('fentry', vfsRead.id) : 'no BTF';
  if (refusal) {
    test(`-lv lists no fexit probe where fentry is refused (${refusal}), and says so in one line`, async () => {
      const r = await runScry(['-lv', 'fexit:vfs_read']);
      assert.is(r.code, 0);
      assert.is(r.stdout, '');
      assert.match(
        r.stderr,
        /^1 fentry\/fexit functions? exists? but cannot attach here: the kernel refuses fentry\/fexit programs/,
      );
    });
  } else {
    test('-lv lists fentry arguments and fexit retval from BTF', async () => {
      const r = await runScry(['-lv', 'fexit:vfs_read']);
      assert.is(
        r.stdout,
        'fexit:vfs_read\n    struct file * file\n    char * buf\n    size_t count\n    loff_t * pos\n    ssize_t retval\n',
      );
    });
  }

  if (refusal) {
    test(`fentry is refused here (${refusal}) before anything is attached, with a tracepoint to use instead`, async () => {
      const r = await runScry(['-e', 'fentry:vfs_read { @[comm] = count(); }']);
      assert.is(r.code, 1);
      assert.is(r.stdout, '');
      assert.match(
        r.stderr,
        `ERROR: this kernel refuses fentry programs (loading one for vfs_read fails with ${refusal}`,
      );
      assert.match(
        r.stderr,
        'HINT: use tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_pread64 instead',
      );
    });
  } else {
    test('fentry counts vfs_read calls and fexit sees the return value', async () => {
      const r = await runScry([
        '-q',
        '-c',
        'cat /etc/hostname',
        '-e',
        'fentry:vfs_read /pid == cpid/ { @n = count(); } fexit:vfs_read /pid == cpid/ { @r = max(retval); }',
      ]);
      assert.match(r.stdout, /@n: [1-9]/);
      assert.match(r.stdout, /@r: [1-9]/);
    });
  }
}

test.run();
