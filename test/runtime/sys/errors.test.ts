import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BpfCmd, MapType } from '../../../runtime/sys/constants.ts';
import { check, errnoMessage, errnoName, isSysError, SysError } from '../../../runtime/sys/errors.ts';
import { mapCreate, mapLookup } from '../../../runtime/sys/bpf.ts';
import { closeFd, OwnedFd } from '../../../runtime/sys/fd.ts';
import { native } from '../../../runtime/sys/native.ts';
import { checkFdLeaks, requireRoot } from '../../helpers/kernel.ts';

const pure = suite('sys/errors');

pure('errnoName maps numbers either sign to Node names', () => {
  assert.is(errnoName(1), 'EPERM');
  assert.is(errnoName(-13), 'EACCES');
  assert.is(errnoName(11), 'EAGAIN');
  assert.is(errnoName(95), 'EOPNOTSUPP');
  assert.is(errnoName(524), 'ENOTSUPP');
  assert.is(errnoName(4000), 'E4000');
});

pure('SysError message, code and cause', () => {
  const cause = new Error('context');
  const e = new SysError('bpf(BPF_PROG_LOAD)', 13, { cause });
  assert.is(e.message, 'bpf(BPF_PROG_LOAD): EACCES (Permission denied)');
  assert.is(e.code, 'EACCES');
  assert.is(e.errno, 13);
  assert.is(e.syscall, 'bpf(BPF_PROG_LOAD)');
  assert.is(e.cause, cause);
  assert.ok(e instanceof Error);
  assert.is(errnoMessage(7), 'Argument list too long');
  assert.is(errnoMessage(110), 'Connection timed out');
  // glibc's text for every number Linux uses, not only those libuv knows (it has no ECHILD)
  assert.is(errnoMessage(10), 'No child processes');
  assert.is(errnoMessage(-10), 'No child processes');
  assert.is(errnoMessage(133), 'Memory page has hardware error');
  assert.is(errnoMessage(41), 'Unknown error 41');
  assert.is(errnoMessage(200), 'Unknown error 200');
});

pure('check passes results through and throws on -errno', () => {
  assert.is(check(5, 'x'), 5);
  assert.is(check(0, 'x'), 0);
  assert.throws(
    () => check(-9, 'close'),
    (e: unknown) => isSysError(e, 'EBADF') && (e as Error).message === 'close: EBADF (Bad file descriptor)',
  );
});

pure.run();

if (requireRoot('sys/errors (kernel)')) {
  const t = suite('sys/errors (kernel)');
  checkFdLeaks(t);

  t('bpf with a bogus command is EINVAL', () => {
    assert.is(native().bpf(999, new Uint8Array(64)), -22);
    try {
      check(native().bpf(999, new Uint8Array(64)), 'bpf(999)');
      assert.unreachable();
    } catch (e) {
      assert.ok(isSysError(e, 'EINVAL'));
    }
  });

  t('a bpf_attr larger than the kernel knows, with non-zero tail, is E2BIG', () => {
    const attr = new Uint8Array(4096);
    attr[4095] = 1;
    assert.is(native().bpf(BpfCmd.MAP_CREATE, attr), -7);
  });

  t('lookup on a closed fd is EBADF', () => {
    const fd = new OwnedFd(mapCreate({ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 4 }));
    const n = fd.fd;
    fd.close();
    fd.close(); // idempotent
    assert.ok(fd.closed);
    assert.throws(() => fd.fd, /used after close/);
    assert.throws(
      () => mapLookup(n, new Uint8Array(4), new Uint8Array(4)),
      (e: unknown) => isSysError(e, 'EBADF') && (e as SysError).syscall === 'bpf(BPF_MAP_LOOKUP_ELEM)',
    );
    assert.throws(
      () => closeFd(n),
      (e: unknown) => isSysError(e, 'EBADF'),
    );
  });

  t('argument misuse throws TypeError from the addon instead of making a syscall', () => {
    const n = native() as unknown as Record<string, (...args: unknown[]) => unknown>;
    assert.throws(() => n['bpf']!('x', new Uint8Array(8)), TypeError);
    assert.throws(() => n['bpf']!(0, 'not bytes'), TypeError);
    assert.throws(() => n['bpf']!(0, new Uint8Array(8), [[4, new Uint8Array(1)]]), /offset out of range/); // 4 + 8 > 8
    assert.throws(() => n['ioctl']!(0, 0, 'x'), TypeError);
    assert.throws(() => n['munmap']!(new Uint8Array(8)), TypeError);
  });

  t.run();
}
