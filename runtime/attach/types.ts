// An attached probe: something that can be undone.
import { rcuGracePeriod } from '../sys/index.ts';
import { mark } from '../timings.ts';
import { PerfEventHandOff } from './hand-off.ts';

export interface Attachment {
  readonly description: string;
  close(): void;
  /**
   * Detaches on a worker thread (libuv's pool): detaching from a perf event waits for RCU grace periods in the
   * kernel (~25-80 ms each, measured), so a session releases all of them at once instead of one after another.
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
}

/**
 * Closes every attachment: those with release() all at once on worker threads, the rest now, in order. When it
 * resolves, no program of theirs is running or will run again.
 */
export async function releaseAll(list: readonly Attachment[]): Promise<void> {
  for (const a of list) if (!a.release) a.close();
  await Promise.all(list.map((a) => a.release?.()));
  mark('detach');
  const left = list.filter((a) => a.retire);
  if (!left.length) return;
  const handOff = rcuGracePeriod() ? new PerfEventHandOff() : null;
  mark('RCU grace period');
  try {
    await Promise.all(left.map((a) => a.retire!(handOff)));
  } finally {
    handOff?.close();
  }
  mark('close perf events');
}
