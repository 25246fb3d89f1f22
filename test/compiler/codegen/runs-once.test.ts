// BEGIN, END and self programs run once (or when scry is signalled): the code generator leaves them as generated
// (CompilerProviderRow.runsOnce), since optimizing them costs more CPU at start-up than their one run could save,
// unless they loop (the verifier walks a loop once per step: an END with a 100,000-step while loop passed its
// 1M-instruction limit only optimized). Every other probe is optimized.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CompiledProgram } from '../../../compiler/index.ts';
import { compileText } from '../../helpers/pipeline.ts';

const BODY = '{ $a = 1; $b = $a + 2; @x = $b; @y[$b] = count(); }';
const text = `BEGIN ${BODY} END ${BODY} self:signal:SIGUSR1 ${BODY} tracepoint:syscalls:sys_enter_openat ${BODY}`;

const bytes = (p: CompiledProgram) =>
  Object.fromEntries(p.programs.map((x) => [x.attach.provider, Buffer.from(x.bytecode).toString('hex')]));

test('BEGIN, END and self come out as generated; the tracepoint optimized', () => {
  const optimized = bytes(compileText(text, undefined, { optimize: true }));
  const generated = bytes(compileText(text, undefined, { optimize: false }));
  for (const provider of ['BEGIN', 'END', 'self']) assert.is(optimized[provider], generated[provider], provider);
  assert.ok(optimized.tracepoint!.length < generated.tracepoint!.length, 'the tracepoint program is optimized');
});

test('a BEGIN or END with a while loop is optimized all the same', () => {
  const looping =
    'BEGIN { $i = 0; $s = 0; while ($i < 1000) { $s += $i; $i++; } @s = $s; } END { $j = 0; while ($j < 9) { $j++; } }';
  const optimized = bytes(compileText(looping, undefined, { optimize: true }));
  const generated = bytes(compileText(looping, undefined, { optimize: false }));
  for (const provider of ['BEGIN', 'END'])
    assert.ok(optimized[provider]!.length < generated[provider]!.length, provider);
});

test.run();
