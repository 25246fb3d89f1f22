// A probe's attach points share the code generated for an earlier one where what that generation read of its point
// holds the same values (compiler/attach-groups.ts, codegen/point-reads.ts). Each script below is compiled both
// ways, every point generated and points sharing, and the results must be the same, bytes, maps and events; the
// sharing must also happen where the points read nothing of their own, and not where they differ.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile, type KernelInfo, type TracepointFormat } from '../../../lang/index.ts';
import { compile, type CompiledProgram } from '../../../compiler/index.ts';
import { recordingView, sameReads, type PointRead } from '../../../compiler/codegen/point-reads.ts';
import { fixedKernel } from '../../helpers/fixed-kernel.ts';
import { programText } from '../../helpers/pipeline.ts';

const common = fixedKernel.tracepointFormat('syscalls', 'sys_enter_openat')!.fields;
const field = (name: string, offset: number) => ({
  name,
  type: 'long',
  offset,
  size: 8,
  signed: true,
  common: false,
});
// ev_a, ev_c and ev_d (one field fewer) lay out `x` the same; ev_b has it 8 bytes further and `y` where the
// others have `x`
const formats: TracepointFormat[] = [
  { group: 'grp', event: 'ev_a', id: 11, fields: [...common, field('x', 16), field('y', 24)] },
  { group: 'grp', event: 'ev_b', id: 12, fields: [...common, field('y', 16), field('x', 24)] },
  { group: 'grp', event: 'ev_c', id: 13, fields: [...common, field('x', 16), field('z', 24)] },
  { group: 'grp', event: 'ev_d', id: 14, fields: [...common, field('x', 16)] },
];
const kernel: KernelInfo = {
  ...fixedKernel,
  tracepoints: () => [...fixedKernel.tracepoints(), ...formats.map(({ group, event }) => ({ group, event }))],
  tracepointFormat: (g, e) => formats.find((f) => f.group === g && f.event === e) ?? fixedKernel.tracepointFormat(g, e),
};

function compiled(text: string, sameCodeOnce: boolean, attachCookies = true): CompiledProgram {
  const parsed = parse(sourceFile('t.bt', text));
  const out = check(parsed.program!, kernel, { params: [] });
  if (!out.program) throw new Error(out.diagnostics.map((d) => d.message).join('\n'));
  const c = compile(out.program, { optimize: true, attachCookies, sameCodeOnce });
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.program;
}

/** How many distinct generations the programs came from (programs sharing code share its bytes' array). */
const generations = (p: CompiledProgram, provider: string) =>
  new Set(p.programs.filter((x) => x.attach.provider === provider).map((x) => x.bytecode)).size;

const scripts: [text: string, provider: string, codes: number][] = [
  // nothing of the point is read: `probe` comes from the cookie
  ['tracepoint:syscalls:sys_enter_* { @[probe] = count(); }', 'tracepoint', 1],
  [
    'tracepoint:syscalls:sys_enter_mkdir*, tracepoint:grp:* { printf("%s %d\\n", probe, pid); @n = count(); }',
    'tracepoint',
    1,
  ],
  ['kprobe:vfs_* { @[probe, comm] = count(); }', 'kprobe', 1],
  // args.x sits at 16 in ev_a and ev_c, at 24 in ev_b
  ['tracepoint:grp:ev_* { @[args.x] = count(); }', 'tracepoint', 2],
  [
    'tracepoint:grp:ev_a, tracepoint:grp:ev_b, tracepoint:grp:ev_c, tracepoint:grp:ev_d { @s = sum(args.x); }',
    'tracepoint',
    2,
  ],
  ['tracepoint:grp:ev_a, tracepoint:grp:ev_b { @[args.y] = count(); }', 'tracepoint', 2],
  // `func` in a kprobe is the probed address, symbolized when printed: the same code for each
  ['kprobe:vfs_* { @[func] = count(); }', 'kprobe', 1],
  ['tracepoint:grp:ev_a, tracepoint:grp:ev_c { print(probe); }', 'tracepoint', 2],
  // each interval's rate counts towards the events ring's size
  ['interval:ms:1, interval:ms:2, interval:s:1 { printf("%d\\n", nsecs); }', 'interval', 1],
];

for (const [text, provider, codes] of scripts)
  test(`shared code is the code generated for each point: ${text}`, () => {
    const each = compiled(text, false);
    const shared = compiled(text, true);
    assert.is(programText(shared), programText(each));
    assert.is(generations(shared, provider), codes);
    assert.is(generations(each, provider), each.programs.filter((x) => x.attach.provider === provider).length);
  });

test('without cookies, `probe` as a key is each point its own code', () => {
  const text = 'tracepoint:grp:ev_* { @[probe] = count(); }';
  const shared = compiled(text, true, false);
  assert.is(programText(shared), programText(compiled(text, false, false)));
  assert.is(generations(shared, 'tracepoint'), 4);
});

test('a view records what is read, and sameReads compares only that', () => {
  const reads: PointRead[] = [];
  const point = {
    provider: 'tp',
    name: 'a',
    format: {
      fields: [
        { n: 'x', off: 16 },
        { n: 'y', off: 24 },
      ],
    },
  };
  const v = recordingView(point, 'attach', reads);
  assert.is(v.format.fields[0]!.off, 16);
  assert.is(v.format === v.format, true); // one view per object
  assert.ok('provider' in v);
  assert.is(Object.keys(v.format).join(), 'fields');
  assert.equal(
    reads.map((r) => `${r.how} ${r.path.join('.')}`),
    [
      'get format',
      'get format.fields',
      'get format.fields.0',
      'get format.fields.0.off',
      'get format',
      'get format',
      'has provider',
      'get format',
      'keys format',
    ],
  );
  const ctx = {};
  // the name and the second field were not read
  assert.ok(sameReads(reads, { ...point, name: 'b', format: { fields: [{ n: 'x', off: 16 }] } }, ctx));
  assert.not.ok(sameReads(reads, { ...point, format: { fields: [{ n: 'x', off: 24 }] } }, ctx));
  assert.not.ok(sameReads(reads, { ...point, format: { fields: [] } }, ctx));
  assert.not.ok(sameReads(reads, { name: 'a', format: point.format }, ctx)); // `in` read false
  assert.not.ok(sameReads(reads, { ...point, format: { fields: point.format.fields, more: 1 } }, ctx)); // keys
  assert.not.ok(sameReads(reads, { ...point, format: [point.format.fields] }, ctx)); // an array where an object was
});

test('an object reached by two paths is read under the path it was read by', () => {
  const reads: PointRead[] = [];
  const shared = { z: 1 };
  const v = recordingView({ x: shared, y: shared }, 'attach', reads);
  assert.is(v.x.z, 1); // x read first
  assert.is(v.y.z, 1);
  assert.ok(sameReads(reads, { x: { z: 1 }, y: { z: 1 } }, {}));
  assert.not.ok(sameReads(reads, { x: { z: 1 }, y: { z: 2 } }, {}));
});

test.run();
