// A string literal is the bytes its escapes say: "\xff" is the byte 0xff (not U+00FF's UTF-8, c3 bf), "\377" the
// same, a typed "é" its UTF-8 bytes, as bpftrace reads them. The literal's type is its bytes and a NUL. Without a
// kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, renderDiagnostics, sourceFile, textBytes } from '../../lang/index.ts';
import type { Expr } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

/** Each string literal's bytes and its type's size, in program order. */
function literals(text: string): { bytes: number[]; size: number }[] {
  const parsed = parse(sourceFile('stdin', text));
  assert.ok(parsed.program, renderDiagnostics(parsed.diagnostics));
  const out = check(parsed.program!, fixedKernel, {});
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  const found: { bytes: number[]; size: number }[] = [];
  walk(out.program!.ast, (n) => {
    const e = n as Expr;
    if (e.kind !== 'string') return;
    const t = out.program!.typeOf.get(e);
    found.push({ bytes: [...textBytes(e.value)], size: t?.kind === 'string' ? t.size : -1 });
  });
  return found;
}

test('hex and octal escapes above 0x7f are one byte each', () => {
  assert.equal(literals('BEGIN { @a = "\\xff"; @b = "\\377"; @c = "a\\x80\\X41"; }'), [
    { bytes: [0xff], size: 2 },
    { bytes: [0xff], size: 2 },
    { bytes: [0x61, 0x80, 0x41], size: 4 },
  ]);
});

test('a typed character is its UTF-8 bytes; escapes spelling UTF-8 are the same bytes', () => {
  assert.equal(literals('BEGIN { @a = "é"; @b = "\\xc3\\xa9"; @c = "\\303\\251x"; }'), [
    { bytes: [0xc3, 0xa9], size: 3 },
    { bytes: [0xc3, 0xa9], size: 3 },
    { bytes: [0xc3, 0xa9, 0x78], size: 4 },
  ]);
});

test('named escapes and NULs', () => {
  assert.equal(literals('BEGIN { @a = "\\t\\n\\r\\"\\\\"; @b = "a\\0b"; }'), [
    { bytes: [9, 10, 13, 34, 92], size: 6 },
    { bytes: [0x61, 0, 0x62], size: 4 },
  ]);
});

test.run();
