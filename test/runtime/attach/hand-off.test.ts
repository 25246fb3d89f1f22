// releaseAll on the development kernel: see test/helpers/hand-off-check.ts.
import { test } from 'uvu';
import { canHandOff } from '../../../runtime/attach/hand-off.ts';
import { releaseAllHandsOff } from '../../helpers/hand-off-check.ts';
import { requireTracepoint, skipCheck } from '../../helpers/kernel.ts';

if (!canHandOff())
  skipCheck(
    'perf event hand-off',
    'no bpffs of its own (fsmount refused) nor at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)',
  );
else if (requireTracepoint('perf event hand-off', 'syscalls/sys_enter_getppid')) {
  test('releaseAll: the program is off when it resolves, no perf event is left open here, the kernel closes the rest', () =>
    releaseAllHandsOff(3000));
}

test.run();
