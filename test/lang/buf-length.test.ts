// buf(s, n) of a string: a literal n is the buffer's length even past the string's end (the rest is NULs), as
// bpftrace 0.17 prints buf("ok_key", 8) (call.buf_hist_map_key: ok_key\x00\x00) and as v0.26 sizes it (it reads
// n bytes). With a computed one, the string's own bytes (the length cuts them when the probe runs); without one,
// refused (v0.26: only arrays have a length of their own). Without a kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile, renderDiagnostics } from '../../lang/index.ts';
import type { Expr } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

/** The size of each buf() call's buffer type, in program order. */
function bufSizes(text: string): number[] {
  const parsed = parse(sourceFile('stdin', text));
  const out = check(parsed.program!, fixedKernel, {});
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  const sizes: number[] = [];
  walk(out.program!.ast, (n) => {
    const e = n as Expr;
    if (e.kind === 'call' && e.name === 'buf') {
      const t = out.program!.typeOf.get(e);
      sizes.push(t?.kind === 'buffer' ? t.size : -1);
    }
  });
  return sizes;
}

test('a literal length past a string literal pads it; a shorter one cuts it; 0 is empty', () => {
  assert.equal(bufSizes('BEGIN { @[buf("ok_key", 8)] = count(); @b = buf("xyz", 2); @c = buf("ab", 0); }'), [8, 2, 0]);
});

test('a literal length past a char array pads it; a computed length stays within the array', () => {
  assert.equal(bufSizes('BEGIN { @a = buf(comm, 20); @b = buf(comm, pid); }'), [20, 16]);
});

test('a length past max_strlen less 4 is shortened to it (bpftrace v0.26 max_buffer_size), literal or computed', () => {
  assert.equal(bufSizes('BEGIN { @a = buf(0, 5000); @b = buf(0, pid); @c = buf(0, 1020); }'), [1020, 1020, 1020]);
  assert.equal(bufSizes('config = { max_strlen = 64 } BEGIN { @a = buf(0, 100); @b = buf(0, pid); }'), [60, 60]);
});

test.run();
