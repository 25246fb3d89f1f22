// join() where the kernel has bpf_loop (CompileOptions.loopHelper) reads the array in a callback the helper runs,
// instead of 16 unrolled reads: both must print the same lines for the same execs (up to 16 arguments, each cut to
// 1023 bytes, none after the first NULL), and the loop is the smaller program.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasmListing } from '../../compiler/index.ts';
import { hasLoopHelper, hostKernelInfo, Session, type TraceEvent } from '../../runtime/index.ts';
import { requireRoot, requireTracepoint, skipCheck } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

const suite = 'runtime join() as a bpf_loop';

if (requireRoot(suite) && requireTracepoint(suite, 'syscalls/sys_enter_execve')) {
  const dir = mkdtempSync(join(tmpdir(), 'scry-join-'));
  const exe = join(dir, 'true');
  symlinkSync('/bin/true', exe);
  const program = `tracepoint:syscalls:sys_enter_execve /str(args->filename) == "${exe}"/ {
    join(args->argv); join(args->argv, ",");
  }`;
  const runs: string[][] = [
    Array.from({ length: 20 }, (_, i) => `a${i}`), // more than 16: the first 16 with the program's name
    [], // the name alone
    ['x'.repeat(1500), 'short'], // an argument cut to 1023 bytes
    ['', 'after-empty'], // an empty argument is one
  ];

  /** The lines the program prints for `runs`, compiled with or without bpf_loop. */
  async function lines(loopHelper: boolean): Promise<{ text: string; listing: string }> {
    const events: TraceEvent[] = [];
    const prog = compileText(program, hostKernelInfo(), { loopHelper, optimize: true, settings: {} });
    const listing = prog.programs.map((p) => disasmListing(p.bytecode)).join('');
    const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
    for (const args of runs) execFileSync(exe, args);
    await s.stop();
    return { text: events.map((e) => (e.kind === 'printf' ? e.text : '')).join(''), listing };
  }

  test('the same lines either way; the loop calls bpf_loop and is the smaller program', async () => {
    if (!hasLoopHelper()) return skipCheck(suite, 'no bpf_loop in this kernel (5.17+)');
    const unrolled = await lines(false);
    const looped = await lines(true);
    const expected = runs
      .map((args) => [exe, ...args].slice(0, 16).map((a) => a.slice(0, 1023)))
      .flatMap((args) => [`${args.join(' ')}\n`, `${args.join(',')}\n`])
      .join('');
    assert.is(unrolled.text, expected);
    assert.is(looped.text, expected);
    assert.match(looped.listing, /call 181/);
    assert.not.match(unrolled.listing, /call 181/);
    assert.ok(looped.listing.split('\n').length * 3 < unrolled.listing.split('\n').length, looped.listing);
  });

  test('in a loop body (itself a callback) join() keeps the unrolled reads', () => {
    const body = 'BEGIN { @m[1] = 1; } tracepoint:syscalls:sys_enter_execve { for ($kv : @m) { join(args->argv); } }';
    const prog = compileText(body, hostKernelInfo(), { loopHelper: true, optimize: true, settings: {} });
    const listing = prog.programs.map((p) => disasmListing(p.bytecode)).join('');
    assert.not.match(listing, /call 181/);
    assert.match(listing, /call 112/);
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
}

test.run();
