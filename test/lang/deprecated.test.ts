// What bpftrace v0.26 deprecated or deleted, said in its words: sargN is an error, while warns.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../helpers/pipeline.ts';

test('sargN is deleted: an error at the identifier, with the stack read to write instead', () => {
  const out = diagnose('BEGIN { print(sarg1); }');
  assert.ok(
    out.includes('1:15-20: ERROR: sarg1 is deleted. This was deprecated in v0.21 and was last available in v0.24.'),
    out,
  );
  assert.ok(out.includes('HINT: Use *(reg("sp") + <stack_offset>) instead.'), out);
  assert.not.ok(out.includes('did you mean'), out);
});

test('a while loop compiles with a warning pointing at for ranges', () => {
  const out = diagnose('BEGIN { $i = 0; while ($i < 3) { $i++; } exit(); }');
  assert.ok(out.includes('WARNING: While loops are deprecated and may be removed in the future.'), out);
  assert.ok(out.includes('HINT: For loops support ranges'), out);
  assert.not.ok(out.includes('ERROR'), out);
  assert.is(diagnose('BEGIN { for ($i : 0..3) { } exit(); }'), '');
});

test.run();
