// exit() from another probe while a printf flood fills a file (-o): the run ends, END prints, and what the
// flooding probes print after exit() is bounded (they test the exit flag first; only one already past that
// test when exit() ran can still print). Several perf tracepoints are released together at the end.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScry } from '../helpers/cli.ts';
import { requireRoot } from '../helpers/kernel.ts';

const COMM = 'scryfloodexit';

function build(dir: string): string {
  const src = join(dir, `${COMM}.c`);
  const exe = join(dir, COMM);
  writeFileSync(
    src,
    '#include <unistd.h>\n#include <sys/syscall.h>\n' +
      'int main(void) { for (;;) { getppid(); syscall(SYS_getuid); } }\n',
  );
  execFileSync('cc', ['-O2', '-o', exe, src]);
  return exe;
}

/**
 * The file's lines, read 16 MB at a time. The interval probe's first tick can come a period or more late: the
 * kernel runs no BPF program from the timer's interrupt while one of the flood's is running on that CPU (it counts
 * a miss), and the flood keeps that CPU in its programs much of the time, so the file can pass the 512 MB a
 * string may hold.
 */
function* lines(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16 << 20);
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const text = rest + buf.toString('latin1', 0, n);
      const parts = text.split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

if (requireRoot('e2e flood exit')) {
  for (const probes of [
    'tracepoint:syscalls:sys_enter_getppid',
    'tracepoint:syscalls:sys_enter_getppid,tracepoint:syscalls:sys_exit_getppid,tracepoint:syscalls:sys_enter_getuid,tracepoint:raw_syscalls:sys_enter',
  ]) {
    test(`exit() in an interval probe ends a printf flood to a file, END prints (${probes.split(',').length} flooding probes)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'scry-flood-exit-'));
      const producer = spawn(build(dir), [], { stdio: 'ignore' });
      try {
        const out = join(dir, 'out.txt');
        const r = await runScry(
          [
            '-q',
            '-o',
            out,
            '-e',
            `${probes} /comm == "${COMM}"/ { printf("%d %lu\\n", tid, nsecs); } ` +
              'interval:ms:700 { printf("EXIT %lu\\n", nsecs); exit(); } END { printf("END ran\\n"); }',
          ],
          {},
          60_000,
        );
        assert.is(r.code, 0, r.stderr);
        // read in pieces: a run is a few hundred MB, more when the interval's tick comes late (below)
        let exitAt: bigint | undefined;
        let endAfterExit = false;
        let tail = '';
        let events = 0;
        for (const line of lines(out)) {
          tail = line;
          const m = /^(?:\d+ \d+|EXIT (\d+)|(END ran))$/.exec(line);
          if (m && !m[1] && !m[2]) events++;
          else if (m?.[1]) exitAt = BigInt(m[1]);
          else if (m?.[2] && exitAt !== undefined) endAfterExit = true;
        }
        assert.ok(exitAt !== undefined, `no EXIT line; the last: ${tail}`);
        assert.ok(endAfterExit, 'END prints after the exit() line');
        assert.ok(events > 0, 'the flood printed something before exit()');
        let after = 0; // stamped after EXIT, wherever in the file (the CPUs' records interleave)
        for (const line of lines(out)) {
          const m = /^\d+ (\d+)$/.exec(line);
          if (m && BigInt(m[1]!) > exitAt) after++;
        }
        // Each probe tests the exit flag before it stamps and prints: what is stamped after EXIT passed that test
        // before exit() set the flag, which happens after EXIT's stamp, its record and the exit record are out
        // (~150 ns). A few per CPU and probe, then: one in flight and what the producer makes in that window
        // (4 seen on a 2-CPU host at 63 ns a syscall, where 1 per CPU was assumed before). A flood that did not
        // stop would be millions.
        const bound = 4 * cpus().length * probes.split(',').length;
        assert.ok(after <= bound, `${after} events stamped after exit() (at most ${bound})`);
      } finally {
        producer.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test.run();
