// The EAGAIN retry of BPF_PROG_LOAD (runtime/sys/bpf.ts): its policy, root-free. That the kernel's verifier does
// give up with EAGAIN under signals, and that scry's loads get through anyway, is test/e2e/prog-load-signals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROG_LOAD_ATTEMPTS, retryingEagain } from '../../../runtime/sys/bpf.ts';
import { SysError } from '../../../runtime/sys/errors.ts';

const EAGAIN = 11;
const EACCES = 13;

/** A load that fails with `errno` its first `failures` calls, then returns 7; counts its calls. */
function flaky(failures: number, errno = EAGAIN): { load: () => number; calls: () => number } {
  let n = 0;
  return {
    load: () => {
      if (n++ < failures) throw new SysError('bpf(BPF_PROG_LOAD)', errno);
      return 7;
    },
    calls: () => n,
  };
}

test('a load that succeeds is made once', () => {
  const f = flaky(0);
  assert.is(retryingEagain(f.load), 7);
  assert.is(f.calls(), 1);
});

test('EAGAIN: made again until it succeeds', () => {
  const f = flaky(3);
  assert.is(retryingEagain(f.load), 7);
  assert.is(f.calls(), 4);
});

test('EAGAIN on every attempt: made PROG_LOAD_ATTEMPTS times, then the EAGAIN is thrown', () => {
  const f = flaky(Infinity);
  assert.throws(
    () => retryingEagain(f.load),
    (e: unknown) => e instanceof SysError && e.code === 'EAGAIN',
  );
  assert.is(f.calls(), PROG_LOAD_ATTEMPTS);
  const g = flaky(PROG_LOAD_ATTEMPTS - 1);
  assert.is(retryingEagain(g.load), 7, 'the last attempt counts');
  const h = flaky(Infinity);
  assert.throws(() => retryingEagain(h.load, 2));
  assert.is(h.calls(), 2);
});

test('another errno, or an error that is not a syscall failure, is thrown at once', () => {
  const f = flaky(1, EACCES);
  assert.throws(
    () => retryingEagain(f.load),
    (e: unknown) => e instanceof SysError && e.code === 'EACCES',
  );
  assert.is(f.calls(), 1);
  let n = 0;
  assert.throws(
    () =>
      retryingEagain(() => {
        n++;
        throw new RangeError('bad insns');
      }),
    RangeError,
  );
  assert.is(n, 1);
});

test.run();
