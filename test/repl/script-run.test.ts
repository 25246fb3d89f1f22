// repl/script-run.ts: the one run the CLI, the REPL and the library's trace() are. Without root: that no other
// front end starts a session or builds compile options itself (three copies of the pipeline before it), and how
// failures are classified. With root: final maps kept as END left them, an AbortSignal, two runs at once.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PrivilegeError, ScryRuntimeError, type OutputSink, type TraceEvent } from '../../runtime/index.ts';
import { compileScript, runFailure, ScriptRun } from '../../repl/script-run.ts';
import { requireRoot } from '../helpers/kernel.ts';

const replDir = new URL('../../repl/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

test('only script-run.ts starts a session or builds the compile options (the CLI, REPL and library share it)', () => {
  const owners = new Map<string, string[]>();
  for (const file of sources(replDir)) {
    if (file.endsWith('/script-run.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const what of ['Session.start(', 'new Session(', 'includeResolver(', 'importFiles(', 'hasSignedDivision('])
      if (text.includes(what)) owners.set(what, [...(owners.get(what) ?? []), file.slice(replDir.length)]);
  }
  assert.equal(Object.fromEntries(owners), {});
});

test('runFailure: permission, kernel (with the syscall along the cause chain), environment; a bug is undefined', () => {
  const denied = runFailure(new PrivilegeError('load and attach programs', 'not root'));
  assert.is(denied?.kind, 'permission');
  const sys = Object.assign(new Error('bpf(BPF_MAP_CREATE): E2BIG'), {
    syscall: 'bpf(BPF_MAP_CREATE)',
    errno: 7,
    code: 'E2BIG',
  });
  const kernel = runFailure(new ScryRuntimeError('cannot create map @x', undefined, ['smaller'], { cause: sys }));
  assert.equal(kernel, {
    kind: 'kernel',
    message: 'cannot create map @x',
    hints: ['smaller'],
    syscall: { syscall: 'bpf(BPF_MAP_CREATE)', errno: 7, code: 'E2BIG' },
  });
  assert.is(runFailure(sys)?.kind, 'kernel'); // a syscall error no layer worded is still the kernel's refusal
  assert.is(runFailure(new ScryRuntimeError('no such file'))?.kind, 'environment');
  assert.is(runFailure(new TypeError('x is undefined')), undefined);
});

/** A sink that keeps the printf text and counts end() calls. */
function collecting() {
  const out = { text: '', ends: 0 };
  const sink: OutputSink = {
    event: (e: TraceEvent) => void (e.kind === 'printf' ? (out.text += e.text) : undefined),
    end: () => void out.ends++,
  };
  return { out, sink };
}

function compiled(text: string) {
  const r = compileScript(text, { name: 'test.bt' });
  assert.ok(r.program, r.diagnostics.map((d) => d.message).join('\n'));
  return r.program!;
}

if (requireRoot('repl/script-run (root)')) {
  test('keepMaps: the maps as END left them stay readable after the run has closed; without it nothing is kept', async () => {
    const program = compiled('BEGIN { @a = 1; @b[2] = 3; } END { @a = 5; printf("end\\n"); }');
    const { out, sink } = collecting();
    const run = ScriptRun.start(program, { sink, keepMaps: true });
    assert.is(await run.done, 0); // BEGIN/END only: it ends by itself
    assert.is(out.text, 'end\n');
    assert.is(out.ends, 1);
    assert.equal([...run.finalMaps!.keys()], ['@a', '@b']);
    assert.equal(
      run.snapshot('@a')?.entries.map((e) => e.value),
      [5n],
    );
    assert.equal(
      run.snapshot('@b')?.entries.map((e) => [e.keys, e.value]),
      [[[2n], 3n]],
    );
    const plain = ScriptRun.start(program, { sink: collecting().sink });
    await plain.done;
    assert.is(plain.finalMaps, undefined);
    assert.is(plain.snapshot('@a'), undefined);
  });

  test("exit()'s code is the run's when its record is read only as the run stops (a drain out of time before it)", async () => {
    // system() runs in the drain and takes longer than one drain's 20 ms budget; the BEGIN-only program then
    // stops, and that stop read the exit record without taking its code (0, not 3)
    const r = compileScript('BEGIN { system("sleep 0.05"); exit(3); printf("after\\n"); }', {
      name: 'test.bt',
      unsafe: true,
    });
    const { out, sink } = collecting();
    const run = ScriptRun.start(r.program!, { sink });
    assert.is(await run.done, 3);
    assert.is(out.text, ''); // what follows exit() is dropped, as when it is read while running
  });

  test('an AbortSignal stops a run (END runs once); a second run beside it goes on until stopped', async () => {
    const program = compiled('interval:ms:5 { @n = count(); } END { printf("end %d\\n", 1); }');
    const a = collecting();
    const b = collecting();
    const controller = new AbortController();
    const first = ScriptRun.start(program, { sink: a.sink, signal: controller.signal });
    const second = ScriptRun.start(program, { sink: b.sink, keepMaps: true });
    await new Promise((r) => setTimeout(r, 60));
    controller.abort();
    assert.is(await first.done, 0);
    assert.is(a.out.text, 'end 1\n');
    assert.ok(second.running, 'the other run is untouched');
    assert.ok((second.snapshot('@n')?.entries[0]?.value as bigint) > 0n, 'and still counting');
    await second.stop();
    assert.is(b.out.text, 'end 1\n');
    assert.ok(second.finalMaps?.get('@n'));
  });
}

test.run();
