// Dead code after a jump that always happens: bpftrace v0.26 warns "Unreachable statement." on the first dead
// statement of a block, exit() ending the probe like return (runtime suite other.exit with unreachable code).
// bpftrace 0.17 said nothing; v0.26 is pinned here. The program still compiles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { fixedKernel } from '../helpers/fixed-kernel.ts';

/** The program's warnings, less while's deprecation (every while loop has it: lang/deprecated.test.ts). */
function warnings(text: string): string {
  const out = compileSource(text, fixedKernel);
  assert.ok(out.program, renderDiagnostics(out.diagnostics));
  return renderDiagnostics(out.diagnostics.filter((d) => !d.message.startsWith('While loops are deprecated')));
}

test('a statement after exit() is unreachable: one warning, on it, and the program still compiles', () => {
  assert.is(
    warnings('i:ms:100 { @++; exit(); @++; @x = 1; }'),
    'stdin:1:25-28: WARNING: Unreachable statement.\ni:ms:100 { @++; exit(); @++; @x = 1; }\n                        ~~~\n',
  );
});

test('after return, after an if whose branches both end, and after break inside a loop', () => {
  assert.match(warnings('BEGIN { return; @a = 1; }'), /^stdin:1:17-23: WARNING: Unreachable statement\./);
  assert.match(
    warnings('BEGIN { if (pid) { exit(); } else { return; } @a = 1; }'),
    /^stdin:1:47-53: WARNING: Unreachable statement\./,
  );
  assert.match(
    warnings('BEGIN { $i = 0; while ($i < 3) { $i++; break; $i = 5; } }'),
    /^stdin:1:47-53: WARNING: Unreachable statement\./,
  );
});

test('code after a jump that only sometimes happens, or after a loop holding a break, is reachable', () => {
  assert.is(warnings('BEGIN { if (pid) { exit(); } @a = 1; }'), '');
  assert.is(warnings('BEGIN { $i = 0; while ($i < 3) { $i++; if ($i == 2) { break; } } @a = $i; }'), '');
  assert.is(warnings('BEGIN { @a = 1; exit(); }'), '');
});

test.run();
