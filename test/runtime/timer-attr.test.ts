// interval and profile probes' perf events: the period (or, profile in hz, the frequency) each unit gives, from the
// one table of units in lang/providers/timer.ts that the compiler's count of firings reads too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timerPeriodNs, type ResolvedAttach } from '../../lang/index.ts';
import { timerAttr } from '../../runtime/attach/timer.ts';

type Timer = Extract<ResolvedAttach, { provider: 'interval' | 'profile' }>;
const timer = (provider: Timer['provider'], unit: Timer['unit'], value: number): Timer =>
  ({
    provider,
    unit,
    value,
    text: `${provider}:${unit}:${value}`,
    span: { file: undefined, start: 0, end: 0 },
  }) as unknown as Timer;

test('periods in ns by unit', () => {
  assert.is(timerPeriodNs(timer('interval', 's', 2)), 2_000_000_000n);
  assert.is(timerPeriodNs(timer('interval', 'ms', 100)), 100_000_000n);
  assert.is(timerPeriodNs(timer('interval', 'us', 500)), 500_000n);
  assert.is(timerPeriodNs(timer('interval', 'hz', 3)), 333_333_333n); // rounded down
  assert.is(timerPeriodNs(timer('profile', 's', 5)), 5_000_000_000n); // past 32 bits: bigint all the way
});

test('perf event attributes: a period, or for profile in hz the frequency', () => {
  assert.equal(timerAttr(timer('interval', 'ms', 10)), { samplePeriod: 10_000_000n });
  assert.equal(timerAttr(timer('interval', 'hz', 99)), { samplePeriod: 10_101_010n });
  assert.equal(timerAttr(timer('profile', 'hz', 99)), { sampleFreq: 99n });
  assert.equal(timerAttr(timer('profile', 'us', 250)), { samplePeriod: 250_000n });
});

test.run();
