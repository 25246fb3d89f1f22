// Record values of types a script declares print through the kernel's BTF with the script's rows on top
// (CompiledProgram.scriptTypes), as bpftrace v0.26 prints struct values: `{ .m = 1, … }`, bitfields by their
// bits, arrays as [a,b], nested records, enumerators by name, char arrays as text (other byte arrays of a
// script type as arrays: bpftrace's clang types make only plain char arrays strings). Root-free: the program is
// compiled against the fixed kernel (no kernel BTF: the script's ids start at 1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTypeRows } from '../../runtime/kernel/btf/index.ts';
import { renderRecord } from '../../runtime/render.ts';
import { formatValue } from '../../repl/print/text.ts';
import { compileText } from '../helpers/pipeline.ts';

const program = compileText(`
enum Color { RED = 1, GREEN = 2, BLUE = 4 };
struct Inner { short a; };
struct Foo { int m; unsigned int lo : 4, mid : 8; int arr[3]; struct Inner in; enum Color c; char name[4]; unsigned char raw[2]; };
BEGIN { @s = *(struct Foo *)0; }`);

test('a script struct value prints field by field through the script types', () => {
  const mapValue = program.maps.find((m) => m.user?.name === '@s')!.user!.value;
  const value = mapValue.kind === 'value' ? mapValue.type : undefined;
  if (value?.kind !== 'record') return assert.unreachable(`@s holds ${JSON.stringify(mapValue)}`);
  assert.is(value.size, 36);
  const bytes = new Uint8Array(value.size);
  const v = new DataView(bytes.buffer);
  v.setInt32(0, -3, true); // m
  v.setUint32(4, 5 | (200 << 4), true); // lo, mid
  [1, 2, 3].forEach((x, i) => v.setInt32(8 + 4 * i, x, true)); // arr
  v.setInt16(20, -2, true); // in.a
  v.setUint32(24, 4, true); // c
  bytes.set([0x61, 0x62, 0, 0], 28); // name
  bytes.set([7, 0], 32); // raw
  const types = program.scriptTypes!;
  const recordTypes = () => withTypeRows(undefined, types.firstId, types.types);
  assert.is(
    formatValue(renderRecord(value, bytes, { recordTypes })),
    '{ .m = -3, .lo = 5, .mid = 200, .arr = [1,2,3], .in = { .a = -2 }, .c = BLUE, .name = ab, .raw = [7,0] }',
  );
  // rows made for another kernel's BTF (another type count) are not used: the bytes print, not wrong fields
  assert.is(withTypeRows(undefined, types.firstId + 1, types.types), undefined);
  assert.is(renderRecord(value, bytes.subarray(0, 4), { recordTypes: () => undefined }), '\\xfd\\xff\\xff\\xff');
});

test.run();
