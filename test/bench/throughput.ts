// Throughput: how many printf events per second scry turns into text in a file, losing none.
// A small C program makes N getppid() calls as fast as it can; scry prints one line per call.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTIFY, startScry } from '../helpers/cli.ts';

export async function throughput(n: number): Promise<{ events: number; seconds: number; perSecond: number; lost: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'scry-bench-'));
  try {
    const src = join(dir, 'scrybench.c');
    const exe = join(dir, 'scrybench');
    writeFileSync(src, '#include <unistd.h>\n#include <stdlib.h>\nint main(int c, char **v) { long n = atol(v[1]); for (long i = 0; i < n; i++) getppid(); return 0; }\n');
    execFileSync('cc', ['-O2', '-o', exe, src]);
    const out = join(dir, 'out.txt');
    const prog = 'tracepoint:syscalls:sys_enter_getppid /comm == "scrybench"/ { printf("%d %lu\\n", tid, nsecs); }';
    const s = startScry(['-q', '-o', out, '-e', prog], { [NOTIFY]: '1' }, 600_000);
    await s.waitForStdout(NOTIFY);
    const t0 = process.hrtime.bigint();
    spawnSync(exe, [String(n)]);
    const produced = Number(process.hrtime.bigint() - t0) / 1e9;
    // let scry drain what is still in the ring buffer, then stop it
    await new Promise((r) => setTimeout(r, 500));
    s.child.kill('SIGINT');
    const r = await s.finished;
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => /^\d+ \d+$/.test(l)).length;
    const lost = Number(/Lost (\d+) events/.exec(r.stderr)?.[1] ?? 0);
    return { events: lines, seconds: produced, perSecond: lines / produced, lost };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
