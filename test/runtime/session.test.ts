// The session really loads and attaches, reports to its sink, and leaves no fd open, whatever happened.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encode, exit, mov64Imm, R1, withSpan } from '../../compiler/asm/index.ts';
import type { CompiledProgram } from '../../compiler/index.ts';
import { hostKernelInfo, ScryRuntimeError, Session, type TraceEvent } from '../../runtime/index.ts';
import { openFdCount } from '../../runtime/sys/index.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

function collect() {
  const events: TraceEvent[] = [];
  let ended = false;
  return {
    events,
    sink: { event: (e: TraceEvent) => void events.push(e), end: () => void (ended = true) },
    ended: () => ended,
  };
}

if (requireRoot('runtime session')) {
  test('a BEGIN/END session reports attached, printf, maps, and closes every fd', async () => {
    const before = openFdCount();
    const c = collect();
    const s = Session.start(
      compileText('BEGIN { printf("hi %s\\n", "there"); @x[7] = count(); exit(); } END { @y = 2; }', hostKernelInfo()),
      {
        sink: c.sink,
      },
    );
    const code = await s.done;
    assert.is(code, 0);
    assert.ok(c.ended());
    assert.equal(
      c.events.map((e) =>
        e.kind === 'map'
          ? `map ${e.snapshot.layout.name} ${e.snapshot.entries.map((x) => `${x.keys.join(',')}=${x.value}`)}`
          : e.kind === 'printf'
            ? `printf ${e.text}`
            : e.kind,
      ),
      ['attached', 'printf hi there\n', 'map @x 7=1', 'map @y =2'],
    );
    assert.is(openFdCount(), before);
  });

  test('a tracepoint session stopped from outside closes every fd', async () => {
    const before = openFdCount();
    const c = collect();
    const s = Session.start(
      compileText('tracepoint:syscalls:sys_enter_getppid { @calls = count(); }', hostKernelInfo()),
      { sink: c.sink },
    );
    assert.ok(openFdCount() > before);
    spawnSync('/bin/sh', ['-c', 'for i in 1 2 3; do /bin/true; done']);
    await s.stop();
    assert.is(openFdCount(), before);
    assert.is(await s.done, 0);
  });

  test('records the ring buffer has no room for are counted and reported as lost, none vanish', async () => {
    const c = collect();
    // one page of ring buffer holds ~170 printf records; BEGIN sends 300 before user space reads any
    const prog = compileText('BEGIN { for ($i : 0..300) { printf("%d\\n", $i); } }', hostKernelInfo(), {
      ringBufferSize: 4096,
    });
    const s = Session.start(prog, { sink: c.sink });
    await s.stop();
    const printed = c.events.filter((e) => e.kind === 'printf').length;
    const lost = c.events
      .filter((e): e is Extract<TraceEvent, { kind: 'lost' }> => e.kind === 'lost')
      .reduce((n, e) => n + e.count, 0);
    assert.ok(lost > 0, 'nothing was lost');
    assert.ok(printed > 0, 'nothing was printed');
    assert.is(printed + lost, 300, `printed ${printed} + lost ${lost}`);
  });

  test('records that are their id alone, sent from the lost map, are counted there too when lost', async () => {
    // printf without arguments: the record is a copy of its id after the counter (compiler/codegen/events.ts),
    // optimized so that the counter is reached from the record's address
    for (const optimize of [false, true]) {
      const c = collect();
      const prog = compileText('BEGIN { for ($i : 0..300) { printf("x\\n"); } time("t\\n"); }', hostKernelInfo(), {
        ringBufferSize: 4096,
        optimize,
      });
      const s = Session.start(prog, { sink: c.sink });
      await s.stop();
      const printed = c.events.filter((e) => e.kind === 'printf').length; // time() prints as printf
      const lost = c.events
        .filter((e): e is Extract<TraceEvent, { kind: 'lost' }> => e.kind === 'lost')
        .reduce((n, e) => n + e.count, 0);
      assert.ok(lost > 0 && printed > 0, `printed ${printed}, lost ${lost}`);
      assert.is(printed + lost, 301, `optimize ${optimize}: printed ${printed} + lost ${lost}`);
    }
  });

  test('exit() still ends the run when the ring buffer had no room for its record', async () => {
    const c = collect();
    const prog = compileText('BEGIN { for ($i : 0..300) { printf("%d\\n", $i); } exit(5); }', hostKernelInfo(), {
      ringBufferSize: 4096,
    });
    const s = Session.start(prog, { sink: c.sink });
    assert.is(await s.done, 5);
    assert.ok(c.events.some((e) => e.kind === 'lost'));
  });

  test('a failure half way through attaching leaves nothing open', () => {
    const before = openFdCount();
    const good = compileText(
      'tracepoint:syscalls:sys_enter_getppid { @n = count(); } BEGIN { @b = 1; }',
      hostKernelInfo(),
    );
    const broken: CompiledProgram = {
      ...good,
      programs: good.programs.map((p) =>
        p.attach.provider === 'tracepoint'
          ? { ...p, attach: { ...p.attach, event: 'no_such_event', text: 'tracepoint:syscalls:no_such_event' } }
          : p,
      ),
    };
    assert.throws(
      () => Session.start(broken, { sink: collect().sink }),
      (e: unknown) => e instanceof ScryRuntimeError && /no_such_event does not exist/.test(e.message),
    );
    assert.is(openFdCount(), before);
  });

  test('a verifier rejection names the reason and the script location, and leaves nothing open', () => {
    const before = openFdCount();
    const good = compileText('BEGIN { @b = 1; }', hostKernelInfo());
    const prog = good.programs[0]!;
    // "r1 = 0; exit" never sets r0: the verifier refuses it at instruction 1.
    const span = { ...prog.attach.span };
    const bad = encode([withSpan(mov64Imm(R1, 0), span), withSpan(exit(), span)]);
    const broken: CompiledProgram = {
      ...good,
      programs: [{ ...prog, bytecode: bad.bytes, relocations: [], sourceMap: bad.sourceMap }],
    };
    assert.throws(
      () => Session.start(broken, { sink: collect().sink }),
      (e: unknown) =>
        e instanceof ScryRuntimeError &&
        /verifier rejected the program for BEGIN: R0 !read_ok/.test(e.message) &&
        e.span === span,
    );
    assert.is(openFdCount(), before);
  });
}

test.run();
