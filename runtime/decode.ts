// Ring buffer records → trace events, using the layouts the compiler recorded in the event schemas.
import type { EventSchema } from '../compiler/index.ts';
import { bytesText } from '../lang/index.ts';
import type { OutputSink, TraceEvent } from './events.ts';
import { readValue } from './maps.ts';
import type { RenderContext } from './render.ts';
import { compilePrintfInto, toStringFormatter, type RecordFormatter, type RecordPrinter } from './printf-compiled.ts';
import { TextBuffer } from './text-buffer.ts';
import { errnoMessage } from './sys/errors.ts';
import { strftime } from './strftime.ts';

/** cat(path) or system(command): the session performs it and prints what it gives (not a TraceEvent). */
export interface EffectEvent {
  readonly kind: 'effect';
  readonly effect: 'cat' | 'system';
  /** the formatted path or command */
  readonly argument: string;
}

/** print/clear/zero of a whole map: the session performs it on the live map (not a TraceEvent). */
export interface MapOpEvent {
  readonly kind: 'map-op';
  readonly op: 'print' | 'clear' | 'zero';
  readonly map: string; // '@name'
  readonly top: number;
  readonly div: number;
}

/**
 * A sink that takes printf text as UTF-8 bytes, many events at a time (text output to a file or a pipe):
 * the chunk is valid only during the call. The session then hands it everything a printf() prints,
 * always before the next event it emits, and the sink's event() gets the other events only.
 */
export interface PrintfBytesSink {
  printfBytes(chunk: Uint8Array): void;
}

/** Text gathered this big is handed to the sink, even in the middle of a batch: bounded memory, large writes. */
const TEXT_CHUNK = 256 * 1024;

/** printf text gathered as bytes for a PrintfBytesSink, in event order. */
export class PrintfText {
  readonly buffer = new TextBuffer(TEXT_CHUNK + 4096);
  constructor(readonly sink: PrintfBytesSink) {}

  /** Hands what is gathered to the sink: call before emitting any other event, and at the end of a batch. */
  flush(): void {
    if (this.buffer.len === 0) return;
    try {
      this.sink.printfBytes(this.buffer.bytes());
    } finally {
      this.buffer.reset();
    }
  }
}

/**
 * Turns records into events. To add an event kind: give it an EventSchema (compiler/program.ts), then a
 * case in event() below that returns its TraceEvent. If it prints text at event rates (as printf does),
 * compile its schema once into a RecordPrinter in the constructor and put it in `textPrinters`: decodeAt
 * then appends its text to the PrintfText bytes directly, and event() turns it into a printf TraceEvent
 * with toStringFormatter when the sink wants strings.
 */
export class EventDecoder {
  private readonly byId: (EventSchema | undefined)[] = [];
  /** records whose whole effect is text on stdout, by id: they take the byte path when the sink has one */
  private readonly textPrinters: (RecordPrinter | undefined)[] = [];
  /** the same formatting into strings, by id (for sinks without bytes, and cat()/system()) */
  private readonly formatters: (RecordFormatter | undefined)[] = [];
  private text: PrintfText | undefined;
  private readonly render: RenderContext;

  /** render: how viewed values print (render.ts) */
  /** printfArgs: printf events carry their arguments' values too (the library's events; the CLI prints text only) */
  constructor(
    schemas: readonly EventSchema[],
    render: RenderContext = {},
    private readonly printfArgs = false,
  ) {
    this.render = render;
    for (const s of schemas) {
      this.byId[s.id] = s;
      if (s.kind === 'printf') {
        const printer = compilePrintfInto(s.pieces, s.args, this.render);
        if (s.use === undefined) this.textPrinters[s.id] = printer;
        this.formatters[s.id] = toStringFormatter(printer);
      }
    }
  }

  /** Where printf text goes as bytes for this sink (made once), or undefined when it takes strings only. */
  textOutput(sink: OutputSink): PrintfText | undefined {
    if (this.text !== undefined && this.text.sink === (sink as unknown)) return this.text;
    const s = sink as OutputSink & Partial<PrintfBytesSink>;
    if (typeof s.printfBytes !== 'function') return undefined;
    this.text = new PrintfText(s as PrintfBytesSink);
    return this.text;
  }

  /**
   * The record at `at` in `bytes`/`view` (views of the whole ring buffer, see RingBufferReader.drainRecords).
   * With `text`, printf text is appended there and the result is undefined; everything else is returned.
   */
  decodeAt(
    bytes: Uint8Array,
    view: DataView,
    at: number,
    text?: PrintfText,
  ): TraceEvent | MapOpEvent | EffectEvent | undefined {
    const id = view.getUint32(at, true); // ids are small; the high half of the u64 is zero
    if (text !== undefined) {
      const printer = this.textPrinters[id];
      if (printer !== undefined) {
        const out = text.buffer;
        printer(view, bytes, at, out);
        if (out.len >= TEXT_CHUNK) text.flush();
        return undefined;
      }
    }
    return this.event(id, bytes, view, at);
  }

  /** One record as an event (the record alone in `rec`, or at its offset in a larger buffer). */
  decode(rec: Uint8Array): TraceEvent | MapOpEvent | EffectEvent {
    if (this.whole?.buffer !== rec.buffer)
      this.whole = { buffer: rec.buffer, view: new DataView(rec.buffer), bytes: new Uint8Array(rec.buffer) };
    const { view, bytes } = this.whole;
    return this.event(view.getUint32(rec.byteOffset, true), bytes, view, rec.byteOffset);
  }

  // Views over the whole buffer a record passed to decode() lies in, made once per buffer.
  private whole: { buffer: ArrayBufferLike; view: DataView; bytes: Uint8Array } | undefined;

  private event(id: number, bytes: Uint8Array, view: DataView, at: number): TraceEvent | MapOpEvent | EffectEvent {
    const schema = this.byId[id];
    if (!schema) throw new Error(`event record with unknown id ${id}`);
    switch (schema.kind) {
      case 'exit':
        // A process exit status keeps the low 8 bits, as exit(2) does: exit(300) is 44, exit(-1) is 255.
        return { kind: 'exit', code: Number(BigInt.asUintN(8, view.getBigInt64(at + 8, true))) };
      case 'printf': {
        const text = this.formatters[id]!(view, bytes, at);
        if (schema.use === 'errorf' || schema.use === 'warnf')
          return {
            kind: 'message',
            level: schema.use === 'errorf' ? 'error' : 'warning',
            text,
            ...(schema.span ? { span: schema.span } : {}),
          };
        return schema.use === 'cat' || schema.use === 'system'
          ? { kind: 'effect', effect: schema.use, argument: text }
          : this.printfArgs
            ? {
                kind: 'printf',
                text,
                args: schema.args.map((a) => readValue(a.type, view, at + a.offset, this.render)),
              }
            : { kind: 'printf', text };
      }
      case 'time':
        return { kind: 'printf', text: strftime(schema.format, new Date()), source: 'time' };
      case 'join': {
        // [id, count, count NUL-terminated strings of argSize bytes]
        const count = Math.min(Number(view.getBigUint64(at + 8, true)), schema.maxArgs);
        const args: string[] = [];
        for (let i = 0; i < count; i++) {
          const from = at + 16 + i * schema.argSize;
          const nul = bytes.indexOf(0, from);
          args.push(
            bytesText(bytes.subarray(from, nul < 0 || nul > from + schema.argSize ? from + schema.argSize : nul)),
          );
        }
        return { kind: 'printf', text: `${args.join(schema.separator)}\n`, source: 'join' };
      }
      case 'helper-error': {
        const retcode = Number(view.getBigInt64(at + 8, true));
        const strerror = errnoMessage(-retcode);
        return {
          kind: 'message',
          level: 'warning',
          helper: true,
          text: helperFailure(schema.helper, retcode) ?? strerror,
          helperError: { helper: schema.helper, retcode, strerror },
          ...(schema.span ? { span: schema.span } : {}),
        };
      }
      case 'runtime-warning':
        return { kind: 'message', level: 'warning', helper: true, text: schema.text, span: schema.span };
      case 'print':
        return {
          kind: 'value',
          value: readValue(schema.type, view, at + schema.offset, this.render),
          type: schema.type,
        };
      case 'map-op': {
        // top and div are u64s in the script; anything beyond 2^32 means "all" / is clamped as bpftrace's u32 would be
        const word = (off: number) => (schema.op === 'print' ? clampU32(view.getBigInt64(at + off, true)) : 0);
        return { kind: 'map-op', op: schema.op, map: schema.map, top: word(8), div: word(16) };
      }
    }
  }
}

/** bpftrace v0.26's words for the map helper failures it explains (the rest print the errno's words). */
function helperFailure(helper: string, retcode: number): string | undefined {
  if (helper === 'map_update_elem' && retcode === -7)
    return "Map full; can't update element. Try increasing max_map_keys config or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`";
  if (helper === 'map_delete_elem' && retcode === -2) return "Can't delete map element because it does not exist.";
  if (helper === 'map_lookup_elem') return "Can't lookup map element because it does not exist.";
  return undefined;
}

function clampU32(v: bigint): number {
  return v < 0n ? 0 : v > 0xffffffffn ? 0xffffffff : Number(v);
}
