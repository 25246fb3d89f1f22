// printf-like calls take the format and up to 127 values (bpftrace's limit of 128 arguments, in v0.17 and
// v0.26 alike: `printf() takes up to 128 arguments (129 provided)`), and their values must fit one event record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../helpers/pipeline.ts';

function call(name: string, values: number): string {
  const fmt = Array.from({ length: values }, () => '%d').join(' ');
  const args = Array.from({ length: values }, (_, i) => `, ${i}`).join('');
  return `${name}("${fmt}"${args})`;
}

test('printf, cat, errorf and warnf accept more than 7 values (12, and the most: 127)', () => {
  for (const name of ['printf', 'cat', 'errorf', 'warnf'])
    for (const n of [8, 12, 127]) assert.is(diagnose(`BEGIN { ${call(name, n)}; }`), '', `${name} with ${n} values`);
});

test('128 values (129 arguments) are refused at the call, with the limit', () => {
  const src = `BEGIN { ${call('printf', 128)}; }`;
  const underline = ' '.repeat(8) + '~'.repeat(src.length - 8 - 3);
  assert.is(
    diagnose(src),
    `stdin:1:9-932: ERROR: printf() takes up to 128 arguments (129 provided)\n${src}\n${underline}\nHINT: usage: printf(string fmt, ...)\n`,
  );
  assert.match(diagnose(`BEGIN { ${call('warnf', 130)}; }`), 'ERROR: warnf() takes up to 128 arguments (131 provided)');
});

test('values that do not fit one event record are refused, naming the biggest', () => {
  // str() keeps max_strlen characters and a NUL (bpftrace v0.26): 8999 of them take 9000 bytes
  const src = 'config = { max_strlen = 8999 } BEGIN { $s = str(0); printf("%s %s %d %s\\n", $s, str(8), 1, comm); }';
  const start = src.indexOf('printf');
  const end = src.lastIndexOf(')') + 1;
  assert.is(
    diagnose(src),
    [
      `stdin:1:${start + 1}-${end + 1}: ERROR: printf()'s values take 18032 bytes with the event header, more than one event record holds (16384 bytes)`,
      src,
      ' '.repeat(start) + '~'.repeat(end - start),
      'HINT: the biggest: $s (value 1): 9000 bytes, str(8) (value 2): 9000 bytes, comm (value 4): 16 bytes',
      'HINT: print fewer or shorter values per call: cut strings with str(s, n), or lower max_strlen',
      '',
    ].join('\n'),
  );
});

test('a record just under the limit is accepted', () => {
  // 8 (id) + 2 × 8184 = 16376 bytes fit; strings of 8185 bytes take 8192-byte slots: 16392 bytes do not
  // (str() keeps max_strlen characters and a NUL, bpftrace v0.26: max_strlen 8183 is 8184 bytes)
  assert.is(diagnose('config = { max_strlen = 8183 } BEGIN { printf("%s %s\\n", str(0), str(8)); }'), '');
  assert.match(
    diagnose('config = { max_strlen = 8184 } BEGIN { printf("%s %s\\n", str(0), str(8)); }'),
    'take 16392 bytes',
  );
});

test.run();
