// Tracepoint fields typed from their format lines, as bpftrace v0.26 types them (tracepoint_format_parser.cpp):
// an integer as wide and as signed as `size:` and `signed:` say, whatever its C type; an integer array as an
// array (indexable, printed [a,b]); char arrays and __data_loc char[] as strings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tracepointFieldType } from '../../lang/check/tracepoint-args.ts';
import { typeName } from '../../lang/types.ts';
import type { TracepointField } from '../../lang/kernel.ts';

const field = (type: string, size: number, signed: boolean, name = 'f'): TracepointField => ({
  name,
  type,
  offset: 16,
  size,
  signed,
  common: false,
});
const typed = (f: TracepointField, group = 'syscalls') => {
  const r = tracepointFieldType(f, group, 64);
  return 'error' in r ? r.error : `${typeName(r.type)} ${r.access.kind}`;
};

test('integers: the format line decides width and sign (a syscall int of 8 bytes, unsigned, is a u64)', () => {
  assert.is(typed(field('int', 8, false)), 'uint64 scalar');
  assert.is(typed(field('long', 8, true)), 'int64 scalar');
  assert.is(typed(field('pid_t', 4, true), 'sched'), 'int32 scalar');
  assert.is(typed(field('unsigned short', 2, false), 'net'), 'uint16 scalar');
});

test('arrays: integers are arrays of their element type; chars are strings; a size that disagrees is refused', () => {
  assert.is(typed(field('__u8[4]', 4, false)), 'uint8[4] bytes');
  assert.is(typed(field('unsigned long[6]', 48, false)), 'uint64[6] bytes');
  assert.is(typed(field('__be16[2]', 4, false)), 'uint16[2] bytes');
  assert.is(typed(field('char[16]', 16, true)), 'string[16] array');
  assert.is(typed(field('__data_loc char[]', 4, false)), 'string[64] data-loc');
  assert.match(typed(field('__u8[4]', 8, false, 'x')), 'field x is an array (__u8[4])');
  assert.match(typed(field('struct foo[2]', 16, false, 'y')), 'field y is an array');
});

test.run();
