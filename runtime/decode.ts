// Ring buffer records → trace events, using the layouts the compiler recorded in the event schemas.
import type { EventSchema } from '../compiler/program.ts';
import type { Type } from '../lang/types.ts';
import type { TraceEvent } from './events.ts';
import { readValue, type StackFormatter } from './maps.ts';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { compilePrintf, type RecordFormatter } from './printf-compiled.ts';
import { strftime } from './strftime.ts';

/** print/clear/zero of a whole map: the session performs it on the live map (not a TraceEvent). */
export interface MapOpEvent {
  readonly kind: 'map-op';
  readonly op: 'print' | 'clear' | 'zero';
  readonly map: string; // '@name'
  readonly top: number;
  readonly div: number;
}

export class EventDecoder {
  private readonly byId: (EventSchema | undefined)[] = [];
  private readonly printers: (RecordFormatter | undefined)[] = [];

  constructor(
    schemas: readonly EventSchema[],
    private readonly formatStack?: StackFormatter,
  ) {
    for (const s of schemas) {
      this.byId[s.id] = s;
      if (s.kind === 'printf') this.printers[s.id] = compilePrintf(s.pieces, s.args, formatStack);
    }
  }

  // Views over the whole ring buffer mapping, made once: records are read at their offset in it.
  private whole: { buffer: ArrayBufferLike; view: DataView; bytes: Uint8Array } | undefined;

  decode(rec: Uint8Array): TraceEvent | MapOpEvent {
    if (this.whole?.buffer !== rec.buffer)
      this.whole = { buffer: rec.buffer, view: new DataView(rec.buffer), bytes: new Uint8Array(rec.buffer) };
    const { view: wholeView, bytes: wholeBytes } = this.whole;
    const base = rec.byteOffset;
    const id = wholeView.getUint32(base, true); // ids are small; the high half of the u64 is zero
    const printer = this.printers[id];
    const schema = this.byId[id];
    if (printer) {
      const text = printer(wholeView, wholeBytes, base);
      const use = schema?.kind === 'printf' ? schema.use : undefined;
      return use === 'cat' ? catFile(text) : use === 'system' ? runCommand(text) : { kind: 'printf', text };
    }
    const view = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (!schema) throw new Error(`event record with unknown id ${id}`);
    switch (schema.kind) {
      case 'exit':
        return { kind: 'exit', code: Number(view.getBigInt64(8, true)) };
      case 'printf':
        throw new Error('printf records are formatted by their compiled printer');
      case 'time':
        return { kind: 'printf', text: strftime(schema.format, new Date()), source: 'time' };
      case 'print': {
        const t = schema.type;
        if (t.kind === 'int' && t.stack && this.formatStack)
          return { kind: 'value', value: this.formatStack(view.getBigUint64(schema.offset, true), t.stack, 8), type: t };
        return { kind: 'value', value: readValue(t, view, schema.offset), type: t };
      }
      case 'map-op': {
        // top and div are u64s in the script; anything beyond 2^32 means "all" / is clamped as bpftrace's u32 would be
        const word = (off: number) => (schema.op === 'print' ? clampU32(view.getBigInt64(off, true)) : 0);
        return { kind: 'map-op', op: schema.op, map: schema.map, top: word(8), div: word(16) };
      }
    }
  }
}

function clampU32(v: bigint): number {
  return v < 0n ? 0 : v > 0xffffffffn ? 0xffffffff : Number(v);
}


/** bpftrace prints at most this much of a file for cat() */
const CAT_MAX_BYTES = 10240;

/** cat(): the file's contents (up to CAT_MAX_BYTES), or a warning when it cannot be read. */
function catFile(path: string): TraceEvent {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(CAT_MAX_BYTES);
    const n = readSync(fd, buf, 0, CAT_MAX_BYTES, null);
    return { kind: 'printf', text: buf.toString('utf8', 0, n), source: 'cat' };
  } catch (e) {
    return { kind: 'printf', text: `cat: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`, source: 'cat' };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** system() (allowed by --unsafe): runs the command through the shell, as bpftrace does, and prints its output. */
function runCommand(command: string): TraceEvent {
  const r = spawnSync('/bin/sh', ['-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return { kind: 'printf', text: r.stdout ?? '', source: 'syscall' };
}
