// bpftrace v0.26 run-time behaviour that 0.17 did not have, through the real CLI on the real kernel:
// a program with only BEGIN/END probes ends by itself; x / 0 and x % 0 are 1 with a warning; integer
// literals past INT64_MAX (and ~ of a literal) are unsigned; stats print as records; -f json lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry, startScry } from '../helpers/cli.ts';
import { requireRoot, requireTracepoint } from '../helpers/kernel.ts';

const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';

if (requireRoot('e2e v0.26 run time')) {
  // bpftrace 0.17 waits for Ctrl-C here; v0.26 drains BEGIN's output, runs END and exits.
  test('a BEGIN/END-only program exits by itself after BEGIN, running END and printing the maps', async () => {
    const r = await runScry(['-q', '-e', 'begin { printf("b\\n"); @n = 5; } end { printf("e\\n"); }'], {}, 10_000);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, 'b\ne\n\n\n@n: 5\n');
  });

  test('BEGIN alone and END alone end by themselves too (END runs)', async () => {
    const begin = await runScry(['-q', '-e', 'BEGIN { printf("only begin\\n"); }'], {}, 10_000);
    assert.is(begin.code, 0, begin.stderr);
    assert.is(begin.stdout, 'only begin\n\n\n');
    const end = await runScry(['-q', '-e', 'END { printf("only end\\n"); }'], {}, 10_000);
    assert.is(end.code, 0, end.stderr);
    assert.is(end.stdout, 'only end\n\n\n');
  });

  test('a probe that can still fire keeps the program running until it stops it', async () => {
    const started = Date.now();
    const r = await runScry(
      ['-q', '-e', 'BEGIN { printf("b\\n"); } interval:ms:400 { printf("tick\\n"); exit(); } END { printf("e\\n"); }'],
      {},
      10_000,
    );
    assert.is(r.stdout, 'b\ntick\ne\n\n\n');
    assert.ok(Date.now() - started >= 400, 'ended before the interval fired');
  });

  test('exit(3) in BEGIN still sets the exit code; a signal still ends a program with another probe', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { exit(3); } END { printf("e\\n"); }'], {}, 10_000);
    assert.is(r.code, 3);
    assert.is(r.stdout, 'e\n\n\n');
    const running = startScry(['-q', '-e', 'BEGIN { printf("b\\n"); } interval:s:60 { }'], { [NOTIFY]: '1' }, 10_000);
    await running.waitForStdout(`${NOTIFY}\n`);
    await new Promise((res) => setTimeout(res, 300)); // would have ended by now if it ended by itself
    assert.is(running.child.exitCode, null, 'ended by itself');
    running.child.kill('SIGINT');
    const done = await running.finished;
    assert.is(done.stdout, `${NOTIFY}\nb\n\n\n`);
  });

  // bpftrace 0.17: 10 / 0 is 0 and 10 % 0 is 10, silently.
  test('division and modulo by zero are 1, with bpftrace v0.26 warning at the operator', async () => {
    const prog =
      'BEGIN { @z = 0; print((uint64)10 / (uint64)@z); print((uint64)10 % (uint64)@z); print(10 / 3); delete(@z); }';
    const r = await runScry(['-q', '-e', prog], {}, 10_000);
    assert.is(r.code, 0, r.stderr);
    const warn = (operator: string) => {
      const at = prog.indexOf(operator) + 1; // the operator itself, after its space
      return (
        `stdin:1:${at + 1}-${at + 2}: WARNING: Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the result.\n` +
        `${prog}\n${' '.repeat(at)}~\n`
      );
    };
    assert.is(r.stdout, '1\n1\n3\n\n\n'); // the deleted @z prints nothing (v0.26)
    assert.is(r.stderr, `${warn(' / (')}${warn(' % (')}`); // on stderr, as bpftrace v0.26 prints it
  });

  // scry's map compound assignments gave BPF's own answers silently: @a /= 0 left 0, @b %= 0 left @b as it was
  test('@m /= 0 and @m %= 0 are 1, with the warning, as @m = @m / 0 is', async () => {
    const prog = 'BEGIN { @a = 5; @a /= 0; @b[1] = 5; @b[1] %= 0; @c = 9; @c %= 4; exit(); }';
    const r = await runScry(['-q', '-e', prog], {}, 10_000);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '\n\n@a: 1\n@b[1]: 1\n@c: 1\n');
    assert.is(r.stderr.match(/Divide or modulo by 0 detected/g)?.length, 2, r.stderr);
  });

  // bpftrace 0.17 prints these as -1, -11 and -8223372036854775809.
  test('literals past INT64_MAX and ~ of a literal are unsigned (bpftrace v0.26)', async () => {
    const r = await runScry(
      ['-q', '-e', 'BEGIN { @a[18446744073709551615] = 0; @x = ~10; print(10223372036854775807); @y = ~(-11); }'],
      {},
      10_000,
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '10223372036854775807\n\n\n@a[18446744073709551615]: 0\n@x: 18446744073709551605\n@y: 10\n');
  });

  test('stats print as a record (bpftrace v0.26; 0.17: count 3, average 2, total 6)', async () => {
    const r = await runScry(['-q', '-e', 'BEGIN { @s = stats(-10); @s = stats(-5); @s = stats(5); }'], {}, 10_000);
    assert.is(r.stdout, '\n\n@s: { .count = 3, .average = -3, .total = -10 }\n');
  });

  test('-f json: attached_probes with its count, helper_error lines with the helper, code and location', async () => {
    const attached = await runScry(['-f', 'json', '-e', 'BEGIN { exit(); }'], {}, 10_000);
    assert.is(attached.stdout, '{"type": "attached_probes", "count": 1, "data": {"probes": 1}}\n');
    const failed = await runScry(['-q', '-k', '-f', 'json', '-e', 'BEGIN { @x = str(8); delete(@x); }'], {}, 10_000);
    assert.is(
      failed.stdout,
      '{"type": "helper_error", "msg": "Bad address", "helper": "probe_read_str", "retcode": -14, "filename": "stdin", "line": 1, "col": 14}\n',
    );
  });
}

if (requireTracepoint('e2e v0.26 json join', 'syscalls/sys_enter_execve')) {
  test("-f json: join()'s data is the joined arguments without a line end (bpftrace v0.26)", async () => {
    const r = await runScry(
      [
        '-q',
        '-f',
        'json',
        '-e',
        'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args.argv, ","); exit(); }',
        '-c',
        '/bin/true x y',
      ],
      {},
      10_000,
    );
    assert.is(r.stdout, '{"type": "join", "data": "/bin/true,x,y"}\n');
  });
}

test.run();
