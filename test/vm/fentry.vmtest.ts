// fentry/fexit end to end in the test VM's kernel (Debian's 6.1 allows BPF trampolines; the development
// machine's kernel refuses them with EPERM). Same shape as kprobe.vmtest.ts: exact counts for a held child.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progInfo, progTestRun } from '../../runtime/sys/bpf.ts';
import { runScry } from '../helpers/cli.ts';
import { loadNamedProgram } from '../helpers/named-program.ts';
import { GUEST_TIMEOUT_MS, heldChild, inGuest, output, scratchDir, traceAround } from './guest.ts';

function paths(n: number, under?: string): string[] {
  const dir = scratchDir(under);
  return Array.from({ length: n }, (_, i) => join(dir, `d${i}`));
}

if (inGuest('vm fentry')) {
  test('fentry:vfs_mkdir counts exactly the mkdirs of a child started after attach', async () => {
    const child = heldChild(['mkdir', ...paths(5)]);
    const r = await traceAround(['-e', `fentry:vfs_mkdir /pid == ${child.pid}/ { @[comm] = count(); }`], () =>
      child.run(),
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[mkdir]: 5\n'), output(r));
  });

  test('func in fentry and fexit: the traced function (bpf_get_func_ip), as bpftrace v0.26 prints it', async () => {
    const child = heldChild(['mkdir', ...paths(2)]);
    const prog = `fentry:vfs_mkdir, fexit:vfs_mkdir /pid == ${child.pid}/ { @[probe, func] = count(); }`;
    const r = await traceAround(['-e', prog], () => child.run());
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[fentry:vmlinux:vfs_mkdir, vfs_mkdir]: 2\n'), output(r));
    assert.ok(r.stdout.includes('\n@[fexit:vmlinux:vfs_mkdir, vfs_mkdir]: 2\n'), output(r));
  });

  test('two blocks on one function run in the order written (a trampoline runs its newest link first)', async () => {
    const child = heldChild(['mkdir', ...paths(2)]);
    const block = (p: string, word: string) => `${p}:vfs_mkdir /pid == ${child.pid}/ { printf("${word}\\n"); }`;
    const prog = [
      block('fentry', 'first'),
      block('fentry', 'second'),
      block('fexit', 'third'),
      block('fexit', 'fourth'),
    ];
    const r = await traceAround(['-e', prog.join('\n')], () => child.run());
    assert.is(r.code, 0, output(r));
    const words = r.stdout.split('\n').filter((l) => /^(first|second|third|fourth)$/.test(l));
    assert.equal(words, ['first', 'second', 'third', 'fourth', 'first', 'second', 'third', 'fourth'], output(r));
  });

  test("path() in a function the kernel keeps bpf_d_path from: the helper named, bpftrace v0.26's words", async () => {
    const r = await runScry(['-e', 'fentry:vfs_read { print(path(args.file.f_path)); }'], {}, GUEST_TIMEOUT_MS);
    assert.is(r.code, 1, output(r));
    assert.match(
      r.stderr,
      'stdin:1:25-47: ERROR: the BPF verifier rejected the program for fentry:vmlinux:vfs_read: helper bpf_d_path not allowed in probe',
    );
    assert.match(r.stderr, 'HINT: the kernel allows path() (bpf_d_path) only in fentry/fexit of some functions');
  });

  test('skboutput(args.skb) in fentry: the typed pointer straight from the context, a packet in the pcap', async () => {
    spawnSync('ip', ['link', 'set', 'lo', 'up']);
    const pcap = join(scratchDir(), 'x.pcap');
    const send = "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'scry', ('127.0.0.1', 9))";
    const child = heldChild(['python3', '-c', send]);
    const prog = `fentry:__dev_queue_xmit /pid == ${child.pid}/ { $r = skboutput("${pcap}", args.skb, args.skb.len, 0); printf("ret %d\\n", $r); }`;
    const r = await traceAround(['-e', prog], () => child.run());
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('ret 0\n'), output(r));
    // the pcap header (24 bytes), a record header (16) and the packet, which ends with the datagram's bytes
    const bytes = readFileSync(pcap);
    assert.ok(bytes.length > 40 && bytes.subarray(bytes.length - 4).toString() === 'scry', bytes.toString('hex'));
  });

  test('fentry arguments by name (args.mode) and fexit retval', async () => {
    const [a, b] = paths(2) as [string, string];
    const child = heldChild(['mkdir', '-m', '751', a, a, b]);
    const prog = `fentry:do_mkdirat /pid == ${child.pid}/ { printf("mode=%o\\n", args.mode); }
                  fexit:do_mkdirat /pid == ${child.pid}/ { @r[retval] = count(); }`;
    const r = await traceAround(['-e', prog], () => child.run());
    assert.is(r.code, 0, output(r));
    assert.is(r.stdout.split('\n').filter((l) => l === 'mode=751').length, 3, output(r));
    assert.ok(r.stdout.includes('\n@r[-17]: 1\n'), output(r));
    assert.ok(r.stdout.includes('\n@r[0]: 2\n'), output(r));
  });

  test('args whole in fentry and fexit: a record of the arguments, printed, stored and as a key (bpftrace v0.26)', async () => {
    const [a, b] = paths(2) as [string, string];
    const child = heldChild(['mkdir', '-m', '751', a, b]);
    const prog = `fentry:do_mkdirat /pid == ${child.pid}/ { print(args); $a = args; @[$a.mode] = args; }
                  fexit:do_mkdirat /pid == ${child.pid}/ { @k[args, retval] = count(); }`;
    const r = await traceAround(['-e', prog], () => child.run());
    assert.is(r.code, 0, output(r));
    const record = '\\{ \\.dfd = -100, \\.name = 0x[0-9a-f]+, \\.mode = 489 \\}';
    assert.is(r.stdout.match(new RegExp(`^${record}$`, 'gm'))?.length, 2, output(r));
    assert.match(r.stdout, new RegExp(`^@\\[489\\]: ${record}$`, 'm'));
    // the kernel may hand both mkdirs the same struct filename: one key counted twice, or two keys once each
    const counts = [...r.stdout.matchAll(new RegExp(`^@k\\[${record}, 0\\]: (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
    assert.is(
      counts.reduce((a, b) => a + b, 0),
      2,
      output(r),
    );
  });
  test('path() in fentry: bpf_d_path of a struct path reached from the arguments (filp_close)', async () => {
    // `.` through the file pointer reads as `->` (bpftrace v0.26's call.path writes args.file.f_path)
    for (const arg of ['args->filp->f_path', 'args.filp.f_path']) {
      const child = heldChild(['cat', '/etc/hostname']);
      const r = await traceAround(
        ['-e', `fentry:filp_close /pid == ${child.pid}/ { @[path(${arg})] = count(); }`],
        () => child.run(),
      );
      assert.is(r.code, 0, output(r));
      assert.ok(r.stdout.includes('\n@[/etc/hostname]: 1\n'), output(r));
    }
  });

  test('fentry wildcards attach every matching function', async () => {
    const child = heldChild(['mkdir', ...paths(2)]);
    const r = await traceAround(['-e', `fentry:vfs_mkd* /pid == ${child.pid}/ { @[probe] = count(); }`], () =>
      child.run(),
    );
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@[fentry:vmlinux:vfs_mkdir]: 2\n'), output(r));
  });

  test('fentry/fexit list with their module, as bpftrace v0.26 lists them (basic.it lists fentry without module)', async () => {
    const l = await runScry(['-l', 'fentry:vfs_rea*'], {}, GUEST_TIMEOUT_MS);
    assert.is(l.code, 0, output(l));
    assert.ok(l.stdout.split('\n').includes('fentry:vmlinux:vfs_read'), output(l));
    const program = await runScry(['-l', '-e', 'fexit:vmlinux:vfs_read { exit(); }'], {}, GUEST_TIMEOUT_MS);
    assert.is(program.stdout, 'fexit:vmlinux:vfs_read\n', output(program));
  });

  test("fentry on a module function (overlay:ovl_mkdir): typed arguments from the module's BTF", async () => {
    const child = heldChild(['mkdir', ...paths(2, '/var/tmp')]);
    // ovl_mkdir(struct user_namespace *|struct mnt_idmap *, struct inode *dir, struct dentry *dentry, umode_t mode)
    const prog = `fentry:overlay:ovl_mkdir /pid == ${child.pid}/ { @ = count(); @names[str(args.dentry->d_name.name)] = count(); }`;
    const r = await traceAround(['-e', prog], () => child.run());
    assert.is(r.code, 0, output(r));
    assert.ok(r.stdout.includes('\n@: 2\n'), output(r));
    assert.ok(r.stdout.includes('@names[d0]: 1\n@names[d1]: 1\n'), output(r));
  });

  test("fentry:bpf / fexit:bpf: a loaded program's function by its BTF name: each run counted, its return value", async () => {
    const target = loadNamedProgram('scry_vm_target', 7);
    try {
      const id = progInfo(target.prog.fd).id;
      const listed = await runScry(['-l', 'fentry:bpf:*'], {}, GUEST_TIMEOUT_MS);
      assert.ok(listed.stdout.split('\n').includes(`fentry:bpf:${id}:scry_vm_target`), output(listed));
      const prog = `fentry:bpf:${id}:scry_vm_target { @runs[probe] = count(); } fexit:bpf:scry_vm_tar* { @ret[probe] = retval; }`;
      const r = await traceAround(['-e', prog], async () => {
        for (let i = 0; i < 3; i++) assert.is(progTestRun(target.prog.fd).retval, 7);
      });
      assert.is(r.code, 0, output(r));
      assert.ok(r.stdout.includes(`\n@runs[fentry:bpf:${id}:scry_vm_target]: 3\n`), output(r));
      assert.ok(r.stdout.includes(`\n@ret[fexit:bpf:${id}:scry_vm_target]: 7\n`), output(r));
    } finally {
      target.close();
    }
  });

  test.run();
}
