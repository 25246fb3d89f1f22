// An attached probe: something that can be undone.
import { rcuGracePeriod } from '../sys/index.ts';
import { mark } from '../timings.ts';
import { closeHandOffMount, PerfEventHandOff } from './hand-off.ts';

export interface Attachment {
  readonly description: string;
  close(): void;
  /**
   * close() returns while a run of the program that began before it may still be going (raw tracepoint and
   * tracing links: the kernel frees them after an RCU grace period, without waiting for one): releaseAll
   * waits for one before it resolves.
   */
  readonly runsMayOutliveClose?: boolean;
  /**
   * Detaches on a worker thread (libuv's pool) or the kernel's workqueue: detaching from a perf event can wait
   * for RCU grace periods in the kernel (~25-90 ms each, measured), so a session releases all of them at once
   * instead of one after another.
   */
  release?(): Promise<void>;
  /**
   * After release(), what it left open: a perf event whose program a link carried (closing the link detached
   * the program without the waits of the event's own close). `handOff`, when no program of the session can
   * still be running (an RCU grace period has passed since every release()): the event can be left to the
   * kernel to close; null: it is closed here, and that close is what waits for the programs.
   */
  retire?(handOff: PerfEventHandOff | null): Promise<void>;
  /** iterators: runs the program over every object once (its output arrives on the ring buffer); `between` runs after each read */
  run?(between: () => void): void;
  /** pinned iterators: pins the link in the BPF filesystem, where it outlives scry; returns where */
  pin?(): string;
}

/**
 * Closes every attachment: those with release() all at once, the rest now, in order. When it resolves, no
 * program of theirs will run again or is still running (with one CPU online the kernel gives no way to wait
 * for the runs that raw tracepoint and tracing links leave: rcuGracePeriod).
 */
export async function releaseAll(list: readonly Attachment[]): Promise<void> {
  try {
    await releaseInTurn(list);
  } finally {
    closeHandOffMount();
  }
}

async function releaseInTurn(list: readonly Attachment[]): Promise<void> {
  for (const a of list) if (!a.release) a.close();
  await Promise.all(list.map((a) => a.release?.()));
  mark('detach');
  const left = list.filter((a) => a.retire);
  if (!left.length && !list.some((a) => a.runsMayOutliveClose)) return;
  const quiet = rcuGracePeriod();
  mark('RCU grace period');
  if (!left.length) return;
  const handOff = quiet ? new PerfEventHandOff() : null;
  try {
    await Promise.all(left.map((a) => a.retire!(handOff)));
  } finally {
    handOff?.close();
  }
  mark('close perf events');
}
