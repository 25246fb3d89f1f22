// `probe` as a map key: the attach point's index (8 bytes, one store) in the kernel, its name in user space,
// as bpftrace 0.17 does; a map also keyed by strings, or walked by a for loop, keeps the name as its key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { disasmListing } from '../../compiler/index.ts';
import { hostKernelInfo, Session, type TraceEvent } from '../../runtime/index.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

test('@[probe] keys by an index into every attach point name; string uses and for loops keep names', () => {
  const prog = compileText(
    'BEGIN { @a[probe] = count(); @b[probe] = 1; @b["x"] = 2; @c[probe] = 1; } END { @a[probe] = count(); for ($kv : @c) { } }',
  );
  const keys = (name: string) => prog.maps.find((m) => m.user?.name === name)!.user!.keys.map((k) => k.type);
  assert.equal(keys('@a'), [
    { kind: 'int', bits: 64, signed: false, view: { kind: 'probe', names: ['BEGIN', 'END'] } },
  ]);
  assert.equal(keys('@b'), [{ kind: 'string', size: 6 }]);
  assert.is(keys('@c')[0]!.kind, 'string');
  // each program stores its index as the whole key of @a (BEGIN 0, END 1), then looks it up
  const keyStore = (attach: string) => {
    const p = prog.programs.find((x) => x.attach.text === attach)!;
    const lines = disasmListing(p.bytecode, undefined, p.relocations).split('\n');
    const at = lines.findIndex((l) => l.includes('map m0_a'));
    const slot = /r2 \+= -(\d+)/.exec(lines.slice(at).join('\n'))![1];
    const stores = lines.slice(0, at).filter((l) => l.includes(`*(u64 *)(r10 - ${slot}) = `));
    return stores.at(-1)!.replace(/^ *\d+: \*\(u64 \*\)\(r10 - \d+\) = /, '');
  };
  assert.is(keyStore('BEGIN'), '0');
  assert.is(keyStore('END'), '1');
});

if (requireRoot('probe key')) {
  test('the index prints as the attach point name, in maps and next to string keys', async () => {
    const events: TraceEvent[] = [];
    const prog = compileText(
      'BEGIN { @a[probe] = count(); @b[probe] = 1; @b["x"] = 2; @t[probe, 7] = 3; exit(); }',
      hostKernelInfo(),
      { optimize: true, settings: {} },
    );
    const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
    assert.is(await s.done, 0);
    const maps = events.flatMap((e) =>
      e.kind === 'map'
        ? [`${e.snapshot.layout.name} ${e.snapshot.entries.map((x) => `${x.keys.join(',')}=${x.value}`).sort()}`]
        : [],
    );
    // (entries sorted here: @b's two values are not counts, and their order is the hash map's)
    assert.equal(maps, ['@a BEGIN=1', '@b BEGIN=1,x=2', '@t BEGIN,7=3']);
  });
}

test.run();
