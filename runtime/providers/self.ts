// self:signal:SIGUSR1: the program runs (BPF_PROG_TEST_RUN) each time scry receives the signal; its output
// arrives on the ring buffer like any probe's. Listeners run in the order added: probes fire in program order.
import { selfSignals, type ResolvedOf } from '../../lang/index.ts';
import { progTestRun } from '../sys/index.ts';
import type { RuntimeProviderRow } from './row.ts';

export const self: RuntimeProviderRow<ResolvedOf<'self'>> = {
  attach: (p, a) => {
    const run = () => {
      try {
        progTestRun(p.fd.fd, {});
      } catch (e) {
        process.stderr.write(`ERROR: Failed to run signal probe ${a.text}: ${(e as Error).message}\n`);
      }
    };
    process.on(a.signal, run);
    return [{ description: a.text, close: () => void process.off(a.signal, run) }];
  },
  // listed when named (`-l 'self:*'`), as v0.26 lists them; never under `-l` alone
  listers: [
    {
      provider: 'self',
      family: 'self probes',
      refusal: () => undefined,
      names: () => selfSignals.map((s) => `signal:${s}`),
    },
  ],
};
