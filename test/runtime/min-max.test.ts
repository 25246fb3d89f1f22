// min() and max() keep [value, set] per CPU and write through the map update only when the value changes
// (compiler/codegen/builtins/aggregations.ts): negative values, a first value below zero, and a value after
// zero() (set again by the next event), on operands read from a map so nothing is folded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostKernelInfo, Session, type TraceEvent } from '../../runtime/index.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { compileText } from '../helpers/pipeline.ts';

if (requireRoot('min/max')) {
  for (const optimize of [false, true])
    test(`min/max of run-time values: negatives, a first value below zero, after zero() (optimizer ${optimize ? 'on' : 'off'})`, async () => {
      const text = `BEGIN {
        @v[0] = -5; @v[1] = -3; @v[2] = -9; @v[3] = 4;
        @hi = max(@v[0]); @hi = max(@v[1]); @hi = max(@v[2]);
        @lo = min(@v[1]); @lo = min(@v[2]); @lo = min(@v[0]);
        @k[1] = max(@v[2]); @k[2] = max(@v[3]); @k[1] = max(@v[0]); @k[2] = max(@v[1]);
        zero(@hi);
      }
      END { @hi = max(@v[2]); printf("%d %d %d %d\\n", @hi, @lo, @k[1], @k[2]); clear(@v); }
      i:ms:1 { exit(); }`;
      const events: TraceEvent[] = [];
      const prog = compileText(text, hostKernelInfo(), { optimize, settings: {} });
      const s = Session.start(prog, { sink: { event: (e) => void events.push(e), end: () => {} } });
      assert.is(await s.done, 0);
      const printed = events.flatMap((e) => (e.kind === 'printf' ? [e.text] : []));
      // @hi: zeroed after BEGIN, so END's -9 is its first value again
      assert.equal(printed, ['-9 -9 -5 4\n']);
    });
}

test.run();
