// Child process for native.test.ts: checks how a watch affects process lifetime, where a
// promise-free test in the parent cannot. Usage: node --import tsx watch-child.ts <mode>
import { loadProgram, mapCreate, progTestRun } from '../../../runtime/sys/bpf.ts';
import { MapType, ProgType } from '../../../runtime/sys/constants.ts';
import { watchFd } from '../../../runtime/sys/io.ts';
import { pageSize } from '../../../runtime/sys/system.ts';
import { ringbufEmit } from './insn.ts';

const mode = process.argv[2];
const map = mapCreate({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: pageSize(), name: 'child' });
process.on('exit', () => process.stdout.write('exit\n'));

if (mode === 'unref') {
  // Must exit by itself: the only handle is an unref'd poll.
  watchFd(map, () => {}).unref();
} else if (mode === 'forever') {
  // Must not exit: a ref'd poll keeps the loop alive.
  watchFd(map, () => {});
} else if (mode === 'stop') {
  // Exits once the poll is stopped (the timer is unref'd so only the poll holds the loop).
  const h = watchFd(map, () => {});
  setTimeout(() => {
    h.stop();
    h.stop();
    h.ref(); // after stop: no effect, no crash
    process.stdout.write('stopped\n');
  }, 100).unref();
} else if (mode === 'throw') {
  // An exception in the callback reaches process 'uncaughtException', like any event callback.
  const prog = loadProgram({ type: ProgType.RAW_TRACEPOINT, insns: ringbufEmit(map), license: 'GPL' });
  const h = watchFd(map, () => {
    throw new Error('from watch callback');
  });
  process.on('uncaughtException', (err) => {
    process.stdout.write(`caught: ${err.message}\n`);
    h.stop();
  });
  progTestRun(prog.fd, { ctxIn: new BigUint64Array([1n]) });
}
