import { mkdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  linkCreate,
  loadProgram,
  mapCreate,
  mapLookup,
  progInfo,
  ProgLoadError,
  progLoad,
  progTestRun,
  rawTracepointOpen,
} from '../../../runtime/sys/bpf.ts';
import { AttachType, MapType, ProgType } from '../../../runtime/sys/constants.ts';
import { isSysError, SysError } from '../../../runtime/sys/errors.ts';
import { OwnedFd } from '../../../runtime/sys/fd.ts';
import { closedAfterEachTest, requireRoot } from '../../helpers/kernel.ts';
import { countInto, exit, insn, ldxDw, movImm, prog, R0, R1, RETURN_0, returns } from './insn.ts';

if (requireRoot('sys/prog')) {
  const t = suite('sys/prog');
  const own = closedAfterEachTest(t);

  const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  const counter = () => own(mapCreate({ type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name: 'count' }));
  const count = (mapFd: number) => {
    const v = new Uint8Array(8);
    assert.ok(mapLookup(mapFd, u32(0), v));
    return new DataView(v.buffer).getBigUint64(0, true);
  };

  t('r0 = 0; exit loads as a raw tracepoint program and test-runs', () => {
    // b7 00 00 00 00 00 00 00 / 95 00 00 00 00 00 00 00
    assert.equal([...RETURN_0], [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    const fd = own(progLoad({ type: ProgType.RAW_TRACEPOINT, insns: RETURN_0, license: 'GPL', name: 'ret0' }));
    assert.is(progTestRun(fd).retval, 0);
    const info = progInfo(fd);
    assert.is(info.type, ProgType.RAW_TRACEPOINT);
    assert.is(info.name, 'ret0');
    assert.is(info.verifiedInsns, 2);
    assert.is(info.tag.length, 16);
  });

  t('retval comes back, and the ctx reaches the program', () => {
    const fd = own(loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: returns(42), license: 'GPL' }));
    assert.is(progTestRun(fd).retval, 42);
    // r0 = args[0]; exit
    const echo = own(
      loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: prog(ldxDw(R0, R1, 0), exit()), license: 'GPL' }),
    );
    const ctx = new BigUint64Array([1234n]);
    assert.is(progTestRun(echo, { ctxIn: ctx }).retval, 1234);
    // raw tracepoint test runs refuse repeat: EINVAL
    assert.throws(
      () => progTestRun(fd, { repeat: 5 }),
      (e: unknown) => isSysError(e, 'EINVAL') && (e as Error).message.startsWith('bpf(BPF_PROG_TEST_RUN)'),
    );
  });

  t('a program the verifier rejects: loadProgram retries with a log', () => {
    const bad = prog(exit()); // r0 never set
    try {
      own(loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: bad, license: 'GPL', name: 'bad' }));
      assert.unreachable('loaded');
    } catch (e) {
      assert.instance(e, ProgLoadError);
      assert.instance(e, SysError);
      const err = e as ProgLoadError;
      assert.is(err.code, 'EACCES');
      assert.match(err.log, 'R0 !read_ok');
      assert.is(err.verifierLog, err.log);
      assert.is(err.truncated, false);
      assert.instance(err.cause, SysError); // the first, log-less attempt
    }
  });

  t('progLoad with a log buffer throws ProgLoadError; without one a plain SysError', () => {
    const bad = prog(exit());
    assert.throws(
      () => progLoad({ type: ProgType.RAW_TRACEPOINT, insns: bad, license: 'GPL' }),
      (e: unknown) => e instanceof SysError && !(e instanceof ProgLoadError) && e.verifierLog === undefined,
    );
    assert.throws(
      () =>
        progLoad({
          type: ProgType.RAW_TRACEPOINT,
          insns: bad,
          license: 'GPL',
          logLevel: 1,
          logBuf: new Uint8Array(1 << 16),
        }),
      (e: unknown) => e instanceof ProgLoadError && e.verifierLog!.includes('R0 !read_ok'),
    );
  });

  t('a too-small log buffer is reported as truncated (ENOSPC)', () => {
    const bad = prog(exit());
    try {
      progLoad({ type: ProgType.RAW_TRACEPOINT, insns: bad, license: 'GPL', logLevel: 1, logBuf: new Uint8Array(16) });
      assert.unreachable();
    } catch (e) {
      const err = e as ProgLoadError;
      assert.is(err.code, 'ENOSPC');
      assert.ok(err.truncated);
      assert.ok(err.logTrueSize > 16);
      assert.is(err.log.length, 15);
    }
    // The ladder grows past a tiny initial buffer and still reports the verifier's errno.
    try {
      loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: bad, license: 'GPL' }, { logSize: 16 });
      assert.unreachable();
    } catch (e) {
      const err = e as ProgLoadError;
      assert.is(err.code, 'EACCES');
      assert.match(err.log, 'R0 !read_ok');
    }
  });

  t('instruction bytes must be whole instructions; unknown opcodes are EINVAL', () => {
    assert.throws(
      () => progLoad({ type: ProgType.RAW_TRACEPOINT, insns: new Uint8Array(12), license: 'GPL' }),
      RangeError,
    );
    assert.throws(
      () =>
        loadProgram({
          type: ProgType.RAW_TRACEPOINT,
          insns: prog(insn(0xff, 0, 0, 0, 0), movImm(R0, 0), exit()),
          license: 'GPL',
        }),
      (e: unknown) => e instanceof ProgLoadError && e.code === 'EINVAL' && /unknown opcode/.test(e.log),
    );
  });

  t('raw tracepoint attach counts mkdir syscalls; closing the link detaches', () => {
    const map = counter();
    const fd = own(
      loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: countInto(map), license: 'GPL', name: 'count_sys' }),
    );
    const link = new OwnedFd(rawTracepointOpen('sys_enter', fd), 'raw_tp sys_enter');
    own(link);
    const dir = join(tmpdir(), `scry-rawtp-${process.pid}`);
    for (let i = 0; i < 5; i++) {
      mkdirSync(dir);
      rmdirSync(dir);
    }
    link.close();
    const seen = count(map);
    assert.ok(seen >= 10n, `saw ${seen} syscalls`);
    mkdirSync(dir);
    rmdirSync(dir);
    assert.is(count(map), seen, 'still counting after the link was closed');
  });

  t('rawTracepointOpen of an unknown tracepoint is ENOENT', () => {
    const fd = own(loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: RETURN_0, license: 'GPL' }));
    assert.throws(
      () => rawTracepointOpen('no_such_tracepoint_xyz', fd),
      (e: unknown) => isSysError(e, 'ENOENT') && (e as SysError).syscall === 'bpf(BPF_RAW_TRACEPOINT_OPEN)',
    );
  });

  t('linkCreate reports a bad target', () => {
    const fd = own(loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: RETURN_0, license: 'GPL' }));
    assert.throws(
      () => linkCreate({ progFd: fd, targetFd: 999_999, attachType: AttachType.PERF_EVENT }),
      (e: unknown) => e instanceof SysError && e.syscall === 'bpf(BPF_LINK_CREATE)',
    );
  });

  t.run();
}
