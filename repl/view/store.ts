// The live view's sink. Events are formatted by the ordinary text sink, so every line the view shows in its
// log, and everything printed after it closes (END's output, the final maps), is byte for byte what scry
// prints without the view. While the view is up the text waits here for it; after, it goes straight out.
// Plain TypeScript with no Ink: the CLI creates it before Ink has loaded (events may arrive meanwhile).
import type { OutputSink, TraceEvent } from '../../runtime/index.ts';
import { textSink } from '../sink.ts';
import type { Writer } from '../writer.ts';

export interface Chunk {
  readonly stream: 'out' | 'err';
  text: string;
}

export class ViewStore implements OutputSink {
  private pending: Chunk[] = [];
  private direct: Writer | undefined;
  private readonly text: OutputSink;
  private endListeners: (() => void)[] = [];
  /** probes attached, from the session's `attached` event */
  probes = 0;
  /** the session has printed its final maps */
  ended = false;

  constructor(opts: { quiet: boolean }) {
    const add = (stream: Chunk['stream'], text: string) => {
      if (this.direct) return stream === 'out' ? this.direct.out(text) : this.direct.err(text);
      const last = this.pending[this.pending.length - 1];
      if (last?.stream === stream) last.text += text;
      else this.pending.push({ stream, text });
    };
    this.text = textSink(
      {
        out: (t) => add('out', t),
        err: (t) => add('err', t),
        flush: () => this.direct?.flush(),
        close: () => {},
      },
      opts,
    );
  }

  event(e: TraceEvent): void {
    if (e.kind === 'attached') this.probes = e.probes;
    this.text.event(e);
  }

  end(): void {
    this.text.end();
    this.ended = true;
    for (const l of this.endListeners.splice(0)) l();
  }

  flush(): void {
    this.text.flush?.();
  }

  /** Calls `listener` once when the session has ended (now, if it has). */
  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  /**
   * The text waiting to be shown, whole lines only: a line still being written stays until its newline (or
   * until detach), so the view never draws itself after half a line.
   */
  take(): Chunk[] {
    const out: Chunk[] = [];
    const keep: Chunk[] = [];
    for (const c of this.pending) {
      const nl = c.text.lastIndexOf('\n');
      if (keep.length || nl < 0) keep.push(c);
      else if (nl === c.text.length - 1) out.push(c);
      else {
        out.push({ stream: c.stream, text: c.text.slice(0, nl + 1) });
        keep.push({ stream: c.stream, text: c.text.slice(nl + 1) });
      }
    }
    this.pending = keep;
    return out;
  }

  /** The view is gone: write what is waiting, and from now on write straight through `w`. */
  detach(w: Writer): void {
    for (const c of this.pending) (c.stream === 'out' ? w.out : w.err).call(w, c.text);
    this.pending = [];
    this.direct = w;
    w.flush();
  }
}
