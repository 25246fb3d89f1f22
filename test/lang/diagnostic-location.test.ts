// Where a diagnostic points, as bpftrace v0.26 prints it: `file:line:startcol-endcol` for a span on one line
// (the end column one past its last character), `file:firstline-lastline` and every line for a span over several.
// bpftrace 0.17 printed `stdin:1:9:` with the start column only; v0.26 is pinned here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { error, renderDiagnostic, sourceFile, spanLocation } from '../../lang/index.ts';
import { spanRange, warning } from '../../lang/diagnostics.ts';

test('a one-line span prints its column range, then the line and its underline (v0.26 call.errorf layout)', () => {
  const text = 'begin { errorf("Something bad with args: %d, %s", 10, "arg2"); }';
  const file = sourceFile('stdin', text);
  const start = text.indexOf('errorf');
  const end = text.indexOf(';');
  assert.is(
    renderDiagnostic(error('Something bad with args: 10, arg2', { file, start, end })),
    'stdin:1:9-62: ERROR: Something bad with args: 10, arg2\n' + text + '\n' + ' '.repeat(8) + '~'.repeat(53) + '\n',
  );
});

test('the range counts columns on the span own line; notes and hints keep their places', () => {
  const text = 'BEGIN {\n  @x = 1;\n  @x[1] = 2;\n}';
  const file = sourceFile('t.bt', text);
  const use = text.indexOf('@x[1]');
  const first = text.indexOf('@x =');
  const d = {
    ...warning('@x used with 1 key here but 0 elsewhere', { file, start: use, end: use + 5 }, [
      'write @x[k] everywhere',
    ]),
    related: [{ message: '@x first used here', span: { file, start: first, end: first + 2 } }],
  };
  assert.is(
    renderDiagnostic(d),
    [
      't.bt:3:3-8: WARNING: @x used with 1 key here but 0 elsewhere',
      '  @x[1] = 2;',
      '  ~~~~~',
      't.bt:2:3-5: NOTE: @x first used here',
      '  @x = 1;',
      '  ~~',
      'HINT: write @x[k] everywhere',
      '',
    ].join('\n'),
  );
});

test('a span over several lines prints the line range and those lines, without an underline', () => {
  const text = 'BEGIN {\n  @x = 1;\n}\n';
  const file = sourceFile('stdin', text);
  const s = { file, start: 0, end: text.length - 1 };
  assert.is(spanRange(s), 'stdin:1-3');
  assert.is(
    renderDiagnostic(error('probe has no effect', s)),
    'stdin:1-3: ERROR: probe has no effect\nBEGIN {\n  @x = 1;\n}\n',
  );
});

test('a span that ends with a newline ends on its own line; an empty span has equal columns', () => {
  const file = sourceFile('stdin', 'ab\ncd');
  assert.is(spanRange({ file, start: 0, end: 3 }), 'stdin:1:1-4');
  assert.is(spanRange({ file, start: 4, end: 4 }), 'stdin:2:2-2');
  assert.is(renderDiagnostic(error('here', { file, start: 4, end: 4 })), 'stdin:2:2-2: ERROR: here\ncd\n ~\n');
  // -f json keeps the start only, as bpftrace v0.26's JSON gives line and col
  assert.is(spanLocation({ file, start: 4, end: 5 }), 'stdin:2:2');
});

test.run();
