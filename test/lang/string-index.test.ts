// s[i]: a string's bytes by index, as bpftrace v0.26 indexes strings (an int8 each); bpftrace 0.17 refuses
// it ("The array index operator [] can only be used on arrays and pointers"): v0.26 wins. Without a kernel.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile, renderDiagnostics } from '../../lang/index.ts';
import type { Expr } from '../../lang/ast.ts';
import { walk } from '../../lang/walk.ts';
import { typeName } from '../../lang/types.ts';
import { diagnose } from '../helpers/pipeline.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

test('indexing a string is an int8 read from its bytes; a constant index past its end is refused', () => {
  const parsed = parse(sourceFile('stdin', 'BEGIN { $a = "foo"; $i = 1; printf("%c %c\\n", $a[0], $a[$i]); }'));
  const out = check(parsed.program!, fixedKernel, {});
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  const types: string[] = [];
  const strides: (number | undefined)[] = [];
  walk(out.program!.ast, (n) => {
    const e = n as Expr;
    if (e.kind === 'index') {
      types.push(typeName(out.program!.typeOf.get(e)!));
      strides.push(out.program!.memory.get(e)?.stride);
    }
  });
  assert.equal(types, ['int8', 'int8']);
  assert.equal(strides, [1, 1], 'one byte per element');
  assert.is(
    diagnose('BEGIN { $a = "foo"; print($a[7]); }').split('\n')[0],
    'stdin:1:30-31: ERROR: the index 7 is out of bounds for array of size 4',
  );
});

test.run();
