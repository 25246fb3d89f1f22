// An attached probe: something that can be undone.
export interface Attachment {
  readonly description: string;
  close(): void;
  /**
   * Closes on a worker thread (libuv's pool): closing a perf tracepoint waits for RCU grace periods in the
   * kernel (~70 ms each, measured), so a session releases all of them at once instead of one after another.
   */
  release?(): Promise<void>;
  /** iterators: runs the program over every object once (its output arrives on the ring buffer); `between` runs after each read */
  run?(between: () => void): void;
}

/** Closes every attachment: those with release() all at once on worker threads, the rest now, in order. */
export function releaseAll(list: readonly Attachment[]): Promise<void> {
  for (const a of list) if (!a.release) a.close();
  return Promise.all(list.flatMap((a) => (a.release ? [a.release()] : []))).then(() => undefined);
}
