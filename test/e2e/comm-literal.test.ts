// `comm == "literal"` reads the name straight from the current task_struct (lang/check/comm-literal.ts): a load
// of 8, 4, 2 or 1 bytes at a time over the literal and its NUL. Copies of `true` with chosen names make the
// events, at every length the loads split differently (7 bytes: 4+2+1; 8; 9: 8+1; 16: 8+8), a prefix and an
// extension of a name, a name the kernel cut to 15 characters and one with UTF-8 bytes; each must match
// exactly its own literal, as the copy by bpf_get_current_comm did. The path needs comm's offset in task_struct,
// which the kernel relocates (test/runtime/task-comm.test.ts; test/lang/comm-literal-offset.test.ts for where the
// checker takes it from): tried in a program that reads kernel types anyway (TYPED below) and in one that does not.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NOTIFY, runScry, scryBin, startScry } from '../helpers/cli.ts';
import { commandsOnCpus } from '../helpers/cpus.ts';
import { requireRoot, requireTracepoint } from '../helpers/kernel.ts';

const suite = 'e2e comm == "literal"';
const EXIT_GROUP = 'tracepoint:syscalls:sys_enter_exit_group';
/** a probe that reads a kernel type: the program reads the kernel's BTF, and comm compares read in place */
const TYPED = 'BEGIN { $t = ((struct task_struct *)curtask)->pid; }';

if (requireRoot(suite) && requireTracepoint(suite, 'syscalls/sys_enter_exit_group')) {
  const tag = String(process.pid % 100000).padStart(5, '0');
  const n6 = `k${tag}`;
  const names = {
    eq5: n6.slice(0, 5), // a prefix of n6
    eq6: n6, // 7 bytes with its NUL
    eq7: `${n6}a`, // 8
    eq8: `${n6}ab`, // 9
    eq15: `${n6}abcdefghi`, // 16: the longest comm
    equ: `${n6}é`, // UTF-8: 9 bytes, two of them above 0x7f
  };
  const quit = `q${tag}`;

  for (const [how, typed] of [
    ['with a kernel type read', TYPED],
    ['without', ''],
  ] as const)
    test(`each literal matches its own name only; != matches the others (${how})`, async () => {
      const files = commandsOnCpus([...Object.values(names), `${names.eq15}zz`, quit]);
      const probes = Object.entries(names).map(([map, name], i) =>
        // half of them with the literal on the left
        i % 2
          ? `${EXIT_GROUP} /"${name}" == comm/ { @${map} = count(); }`
          : `${EXIT_GROUP} /comm == "${name}"/ { @${map} = count(); }`,
      );
      const prog = [
        typed,
        ...probes,
        `${EXIT_GROUP} /strcontains(comm, "${names.eq5}")/ { if (comm != "${n6}") { @ne[comm] = count(); } }`,
        `${EXIT_GROUP} /comm == "${quit}"/ { exit(); }`,
      ].join('\n');
      try {
        const run = startScry(['-e', prog], { [NOTIFY]: '1' });
        await run.waitForStdout(NOTIFY);
        const runs = [names.eq5, n6, n6, names.eq7, names.eq8, `${names.eq15}zz`, names.equ, quit];
        for (const name of runs) files.run(name, 0);
        const r = await run.finished;
        assert.is(r.code, 0, r.stderr);
        const counts = Object.fromEntries(
          r.stdout.split('\n').flatMap((l) => {
            const m = /^@(\w+): (\d+)$/.exec(l);
            return m ? [[m[1]!, Number(m[2])]] : [];
          }),
        );
        assert.equal(counts, { eq5: 1, eq6: 2, eq7: 1, eq8: 1, eq15: 1, equ: 1 }, r.stdout);
        // != : every name but n6 (the one cut to 15 characters as comm has it; the quit one does not start with n5)
        for (const name of [names.eq5, names.eq7, names.eq8, names.eq15])
          assert.ok(r.stdout.includes(`@ne[${name}]: 1\n`), `${name} in\n${r.stdout}`);
        assert.not.ok(r.stdout.includes(`@ne[${n6}]`), r.stdout);
      } finally {
        rmSync(files.dir, { recursive: true, force: true });
      }
    });

  test('the same compare in uprobe, tp_btf, perf-event, BEGIN and iter programs loads and filters', async () => {
    const files = commandsOnCpus([n6]);
    try {
      const prog = `
        BEGIN /comm == "scry"/ { @begin = count(); }
        uprobe:libc:exit /comm == "${n6}"/ { @uprobe = 1; }
        rawtracepoint:sched_process_exit /comm == "${n6}"/ { @raw = count(); exit(); }
        software:cpu-clock:1000000 /comm != ""/ { @sw = 1; }`;
      const run = startScry(['-e', prog], { [NOTIFY]: '1' });
      await run.waitForStdout(NOTIFY);
      files.run(n6, 0);
      const r = await run.finished;
      assert.is(r.code, 0, r.stderr);
      for (const line of ['@begin: 1', '@raw: 1', '@sw: 1', '@uprobe: 1'])
        assert.ok(r.stdout.includes(`${line}\n`), r.stdout);
      // an iterator runs in the reading process: scry's own name
      const it = await runScry([
        '-e',
        'iter:task /comm == "scry"/ { @n = count(); } iter:task /comm == "x"/ { @x = count(); }',
      ]);
      assert.is(it.code, 0, it.stderr);
      assert.match(it.stdout, /^@n: [1-9]\d*$/m);
      assert.not.match(it.stdout, /^@x:/m);
    } finally {
      rmSync(files.dir, { recursive: true, force: true });
    }
  });

  test('-d bytecode: the task_struct read for == and != of a literal; the copy for a long literal, a NUL, XDP', () => {
    const code = (filter: string, probe = EXIT_GROUP, typed = TYPED) => {
      const r = spawnSync(
        process.execPath,
        [scryBin, '--dry-run', '-d', 'bytecode', '-e', `${typed} ${probe} /${filter}/ { @ = count(); }`],
        {
          encoding: 'utf8',
        },
      );
      assert.is(r.status, 0, r.stderr);
      return r.stdout;
    };
    for (const filter of ['comm == "bash"', '"sh" != comm', 'comm == ""'])
      assert.match(
        code(filter),
        /call 158 +; bpf_get_current_task_btf[^]*\n +\d+: r1 = \*\(u(8|16|32|64) \*\)\(r0 \+ \d+\)/,
        filter,
      );
    for (const filter of ['comm == "sixteen chars..."', 'comm == "a\\0b"'])
      assert.not.match(code(filter), /call 158/, filter);
    // an XDP program (bench probes) may not call bpf_get_current_task_btf
    assert.not.match(code('comm == "bash"', 'bench:a'), /call 158/);
    // a program that reads no kernel type: the same offset, which the BTF gives too (test/runtime/task-comm.test.ts)
    const offset = (listing: string) =>
      /call 158 +;[^\n]*\n +\d+: r1 = \*\(u\d+ \*\)\(r0 \+ (\d+)\)/.exec(listing)?.[1];
    const untyped = code('comm == "bash"', EXIT_GROUP, '');
    assert.ok(offset(untyped), untyped);
    assert.is(offset(untyped), offset(code('comm == "bash"')));
  });
}

test.run();
