// releaseAll on Debian's 6.1, for a tracepoint and a kprobe: see test/helpers/hand-off-check.ts. There a perf link closes without waiting
// for an RCU tasks-trace grace period, so the RCU grace period releaseAll waits for is all that stands between
// the detach and END.
import { test } from 'uvu';
import { releaseAllHandsOff } from '../helpers/hand-off-check.ts';
import { GUEST_TIMEOUT_MS, inGuest } from './guest.ts';

if (inGuest('vm perf event hand-off')) {
  test('releaseAll on 6.1: the program is off when it resolves, nothing open or pinned here, the kernel closes the rest', () =>
    releaseAllHandsOff(GUEST_TIMEOUT_MS));
  test('a kprobe through the kprobe PMU is released the same way', () =>
    releaseAllHandsOff(GUEST_TIMEOUT_MS, 'kprobe'));
}

test.run();
