// Soak (not a test: `npm run soak`, minutes long): scry with busy probes for N minutes, twice at once — in
// the live view on a pseudo-terminal at 100 ms refresh, and plain with stdout to a file — while a load
// generator makes syscalls from threads that come and go (so keyed maps churn: `@s[tid]`). Each process's
// RSS (/proc/PID/status VmRSS; the live view's map-reading worker is a thread of the same process) is sampled
// every 10 s. After the warm-up, RSS is flat when the median of the last minute is within 10% of the median
// of the first minute (medians: a sample taken just before a garbage collection is tens of MB above one taken
// just after, in a process that does not grow at all); the table shows every sample, the summary the largest.
//
//   npm run soak                       10 minutes, 1 minute of warm-up
//   npm run soak -- --minutes 3        shorter (the warm-up stays 1 minute unless --warmup SECONDS)
//
// Needs root and the raw_syscalls tracepoints, like scry itself. Exits 0 when both modes pass.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scryBin } from '../helpers/cli.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '60' },
    every: { type: 'string', default: '10' },
    tolerance: { type: 'string', default: '10' },
  },
});
const minutes = Number(args.minutes);
const warmupS = Number(args.warmup);
const everyS = Number(args.every);
const tolerance = Number(args.tolerance) / 100;
if (!(minutes > 0) || !(warmupS >= 0) || !(everyS > 0) || warmupS >= minutes * 60) {
  process.stderr.write(
    'usage: npm run soak -- [--minutes N] [--warmup SECONDS] [--every SECONDS] [--tolerance PERCENT] (warm-up shorter than the run)\n',
  );
  process.exit(2);
}

/** Busy probes: every syscall of the machine into a count, two histograms and a map keyed by thread; a printf line every 100 ms. */
export const SOAK_PROGRAM = [
  'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); @h = hist(nsecs % 100000); @l = lhist(pid % 100, 0, 100, 10); @s[tid] = sum(1); }',
  'interval:ms:100 { printf("tick %d\\n", elapsed / 1000000); }',
].join(' ');

/**
 * Threads that live a few ms each, making syscalls: new tids all the time, a few tens of thousands of syscalls
 * a second. Named scry-soak-load (threads take the name of the thread that starts them), so that tests
 * running meanwhile that filter on `comm == "python3"` do not see them.
 */
const LOAD = String.raw`
import os, threading, time
with open('/proc/self/comm', 'w') as f: f.write('scry-soak-load')
def work():
    for _ in range(200):
        os.getppid()
while True:
    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts: t.start()
    for t in ts: t.join()
    time.sleep(0.01)
`;

/** A pseudo-terminal for the live view (120x40): python3's pty module forks the command on it; what it draws is read and dropped; `q` on our stdin reaches it. */
const RELAY = String.raw`
import fcntl, os, pty, select, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
sys.stdout.write(str(pid) + '\n'); sys.stdout.flush()
inputs = [fd, 0]
while True:
    r, _, _ = select.select(inputs, [], [])
    if 0 in r:
        data = os.read(0, 64)
        if data: os.write(fd, data)
        else: inputs.remove(0)
    if fd in r:
        try:
            if not os.read(fd, 65536): break
        except OSError:
            break
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
`;

interface Run {
  readonly name: string;
  readonly child: ChildProcess;
  pid: number;
  readonly samples: (number | undefined)[];
  stop(): void;
  readonly exited: Promise<number | null>;
}

const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => c.on('close', (code) => r(code)));

function liveRun(): Promise<Run> {
  const child = spawn('python3', ['-c', RELAY, process.execPath, scryBin, '--refresh', '100', '-e', SOAK_PROGRAM], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = exitOf(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => {
      const pid = Number(d.toString().trim());
      if (!(pid > 0)) return reject(new Error(`the pty relay said ${d.toString()}`));
      resolve({ name: 'live view', child, pid, samples: [], stop: () => void child.stdin!.write('q'), exited });
    });
    void exited.then((code) => reject(new Error(`the live view exited (${code}) before it started`)));
  });
}

function plainRun(out: string): Run {
  const fd = openSync(out, 'w');
  const err = openSync(`${out}.err`, 'w');
  const child = spawn(process.execPath, [scryBin, '-e', SOAK_PROGRAM], { stdio: ['ignore', fd, err] });
  closeSync(fd);
  closeSync(err);
  return {
    name: 'plain',
    child,
    pid: child.pid!,
    samples: [],
    stop: () => void child.kill('SIGINT'),
    exited: exitOf(child),
  };
}

function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Threads of a process: the live view's should include its worker. */
const threads = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (mb: number | undefined) => (mb === undefined ? '-' : mb.toFixed(1));

interface Verdict {
  readonly name: string;
  readonly ok: boolean;
  readonly why: string;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Flat: the median of the last minute within `tolerance` of the median of the first minute after the warm-up. */
function verdict(r: Run, warmupSamples: number, code: number | null): Verdict {
  const after = r.samples.slice(warmupSamples);
  if (after.length === 0 || after.some((s) => s === undefined))
    return { name: r.name, ok: false, why: 'the process was gone before the end' };
  const mb = after as number[];
  const perMinute = Math.max(1, Math.round(60 / everyS));
  const first = median(mb.slice(0, perMinute));
  const last = median(mb.slice(-perMinute));
  const growth = last / first - 1;
  const ok = growth <= tolerance && code === 0;
  const range = `samples ${fmt(Math.min(...mb))}–${fmt(Math.max(...mb))} MB`;
  const why =
    code !== 0
      ? `exited ${code}`
      : `median of the last minute ${fmt(last)} MB is ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% from ${fmt(first)} MB in the first minute after the warm-up (${range})`;
  return { name: r.name, ok, why };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'scry-soak-'));
  const out = join(dir, 'plain.out');
  const load = spawn('python3', ['-c', LOAD], { stdio: 'ignore' });
  const runs: Run[] = [];
  try {
    runs.push(await liveRun(), plainRun(out));
    const total = Math.round((minutes * 60) / everyS);
    const warmupSamples = Math.round(warmupS / everyS);
    const started = new Date();
    process.stdout.write(
      `scry soak: ${minutes} min (${warmupS} s warm-up), RSS every ${everyS} s; ${hostname()}, ${cpus().length} CPUs, Node ${process.version}\n`,
    );
    process.stdout.write(`program: ${SOAK_PROGRAM}\n\n`);
    process.stdout.write(
      `${'time'.padStart(6)}  ${runs.map((r) => `${r.name} MB`.padStart(14)).join('  ')}   threads(live)\n`,
    );
    for (let i = 0; i <= total; i++) {
      const t0 = Date.now();
      for (const r of runs) r.samples.push(rssMb(r.pid));
      const t = i * everyS;
      const mark = i === warmupSamples ? '  <- end of warm-up (baseline)' : '';
      process.stdout.write(
        `${`${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`.padStart(6)}  ${runs.map((r) => fmt(r.samples[i]).padStart(14)).join('  ')}   ${threads(runs[0]!.pid)}${mark}\n`,
      );
      if (i < total) await sleep(everyS * 1000 - (Date.now() - t0));
    }
    for (const r of runs) r.stop();
    const codes = await Promise.all(
      runs.map((r) => Promise.race([r.exited, sleep(15_000).then(() => 'hung' as const)])),
    );
    const verdicts = runs.map((r, i) => verdict(r, warmupSamples, codes[i] === 'hung' ? null : codes[i]!));
    process.stdout.write(
      `\nstarted ${started.toISOString()}; plain output ${(statSync(out).size / 1e6).toFixed(1)} MB\n`,
    );
    for (const v of verdicts)
      process.stdout.write(`${v.ok ? 'PASS' : 'FAIL'} ${v.name}: RSS flat within ${args.tolerance}%: ${v.why}\n`);
    if (codes[1] !== 0) process.stdout.write(`plain's stderr:\n${readFileSync(`${out}.err`, 'utf8')}`);
    return verdicts.every((v) => v.ok) ? 0 : 1;
  } finally {
    load.kill('SIGKILL');
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`soak: ${(e as Error).message}\n`);
    process.exit(2);
  },
);
