// -k on a helper that fails on every event would print one warning per event: millions a second, more than any
// terminal or log can take (bpftrace prints each). The first failure at each script location prints at once;
// after it, at most one line a second sums up the repeats, and the run's end sums up the rest.
import type { TraceEvent } from './events.ts';

type Message = Extract<TraceEvent, { kind: 'message' }>;

const WINDOW_MS = 1000;

interface Quiet {
  readonly first: Message;
  since: number;
  repeats: number;
}

export class RepeatLimiter {
  private readonly quiet = new Map<string, Quiet>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The messages to print now for `m` (itself, a summary of earlier repeats, or nothing). */
  admit(m: Message): Message[] {
    const key = `${m.span?.start ?? -1}:${m.text}`;
    const t = this.now();
    const q = this.quiet.get(key);
    if (!q) {
      this.quiet.set(key, { first: m, since: t, repeats: 0 });
      return [m];
    }
    q.repeats++;
    if (t - q.since < WINDOW_MS) return [];
    const out = [this.summary(q, t)];
    q.since = t;
    q.repeats = 0;
    return out;
  }

  /** Summaries of every repeat not yet reported (at the end of a run). */
  flush(): Message[] {
    const out: Message[] = [];
    const t = this.now();
    for (const q of this.quiet.values()) if (q.repeats) out.push(this.summary(q, t));
    this.quiet.clear();
    return out;
  }

  private summary(q: Quiet, t: number): Message {
    return {
      ...q.first,
      text: `${q.first.text}: ${q.repeats} more time${q.repeats === 1 ? '' : 's'} in ${((t - q.since) / 1000).toFixed(1)} s`,
    };
  }
}
