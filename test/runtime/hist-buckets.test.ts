// The log2 bucket search the kernel runs (compiler/codegen/builtins/aggregations.ts emitLog2Bucket) puts every
// value where the printer (repl/print/hist.ts bucketOf) expects it: values read from a map, so the optimizer
// cannot fold the search away, across every step of the binary search and both ends of the range.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bucketCount } from '../../compiler/layout.ts';
import { bucketOf } from '../../repl/print/hist.ts';
import { hostKernelInfo, Session, type TraceEvent } from '../../runtime/index.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

const VALUES = [
  ...[-(2n ** 63n), -5n, -1n, 0n, 1n, 2n, 3n, 4n, 5n, 7n, 8n, 15n, 16n, 17n, 255n, 256n, 1000n, 65535n, 65536n],
  ...[99999n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 3n, 2n ** 40n - 1n, 2n ** 50n + 12345n],
  ...[2n ** 62n, 2n ** 63n - 1n],
];

if (requireRoot('hist buckets')) {
  for (const optimize of [false, true])
    test(`hist(n) and hist(n, k) buckets of values the program reads at run time (optimizer ${optimize ? 'on' : 'off'})`, async () => {
      const ks = [0, 1, 2, 5];
      const stores = VALUES.map((v, i) => `@v[${i}] = ${v === -(2n ** 63n) ? '-9223372036854775807 - 1' : v};`);
      const uses = VALUES.map((_, i) => ks.map((k) => `@h${k} = hist(@v[${i}], ${k});`).join(' '));
      const text = `BEGIN { ${stores.join(' ')} ${uses.join(' ')} clear(@v); exit(); }`;
      const events: TraceEvent[] = [];
      const prog = compileText(text, hostKernelInfo(), { optimize, settings: {} });
      const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
      assert.is(await s.done, 0);
      for (const k of ks) {
        const h = { kind: 'hist' as const, bits: k };
        const want = new Array<bigint>(bucketCount(h)).fill(0n);
        for (const v of VALUES) want[bucketOf(h, v)]! += 1n;
        const snap = events.find((e) => e.kind === 'map' && e.snapshot.layout.name === `@h${k}`);
        assert.ok(snap?.kind === 'map', `no @h${k}`);
        assert.equal(snap.snapshot.entries[0]!.buckets, want, `@h${k}`);
      }
    });
}

test.run();
