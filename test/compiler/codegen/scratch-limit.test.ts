// A probe whose values do not fit the 32 KiB scratch area is a diagnostic at the probe, not an internal
// error from the encoder (it was: "asm: offset 32768 out of range" with a stack trace).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileText, diagnose } from '../../helpers/pipeline.ts';

const strings = (n: number) => Array.from({ length: n }, (_, i) => `$s${i} = str(args->pathname);`).join(' ');
const program = (n: number) => `config = { max_strlen = 8000 } tracepoint:syscalls:sys_enter_mkdir { ${strings(n)} }`;

test('five 8000-byte strings at once are refused with a location and a hint', () => {
  const text = program(5);
  const out = diagnose(text);
  assert.match(
    out,
    /^stdin:1:32-\d+: ERROR: this probe holds more than 32 KiB of strings, tuples and keys at once, more than scry can keep for one probe\n/,
  );
  assert.match(
    out,
    /\nHINT: lower config max_strlen, or use fewer long strings \(and tuples of them\) in this probe\n$/,
  );
});

test('four of them still fit and compile', () => {
  assert.ok(compileText(program(4)).programs.length === 1);
});

test.run();
