// A diagnostic on a very long source line shows a window of it around the span, not the whole line (a pasted
// megabyte-long name was printed twice per error).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { error, renderDiagnostic, sourceFile } from '../../lang/index.ts';

test('a span deep inside a 100k-character line: a window around it, cut marks, the underline under it', () => {
  const text = `BEGIN { ${'x'.repeat(100_000)} + nosuch(1); }`;
  const file = sourceFile('stdin', text);
  const start = text.indexOf('nosuch');
  const out = renderDiagnostic(error('unknown function nosuch', { file, start, end: start + 6 }));
  const [head, shown, underline] = out.split('\n');
  assert.is(head, `stdin:1:${start + 1}-${start + 7}: ERROR: unknown function nosuch`);
  assert.ok(shown!.length <= 1002, `${shown!.length} characters shown`);
  assert.ok(shown!.startsWith('…') && shown!.includes('+ nosuch(1); }'), shown);
  assert.is(shown!.slice(underline!.indexOf('~'), underline!.indexOf('~') + 6), 'nosuch');
  assert.is(underline!.trim(), '~~~~~~');
});

test('short lines print whole, as before', () => {
  const file = sourceFile('stdin', 'BEGIN { nosuch(1); }');
  assert.is(
    renderDiagnostic(error('unknown function nosuch', { file, start: 8, end: 14 })),
    'stdin:1:9-15: ERROR: unknown function nosuch\nBEGIN { nosuch(1); }\n        ~~~~~~\n',
  );
});

test.run();
