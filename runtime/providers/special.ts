// BEGIN/END: nothing to attach; the session runs them with BPF_PROG_TEST_RUN.
import type { ResolvedOf } from '../../lang/index.ts';
import { OwnedFd, ProgType, progLoad, progTestRun } from '../sys/index.ts';
import { attempt, tinyProgram } from './feature-check.ts';
import type { RuntimeProviderRow } from './row.ts';

export const special: RuntimeProviderRow<ResolvedOf<'BEGIN'>> = {
  attach: () => [],
  info: () =>
    attempt('BEGIN/END (BPF_PROG_TEST_RUN)', () => {
      const prog = new OwnedFd(
        progLoad({ type: ProgType.RAW_TRACEPOINT, insns: tinyProgram(), license: 'GPL' }),
        'probe',
      );
      try {
        progTestRun(prog.fd, {});
      } finally {
        prog.close();
      }
    }),
};
