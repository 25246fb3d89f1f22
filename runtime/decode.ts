// Ring buffer records → trace events, using the layouts the compiler recorded in the event schemas.
import type { EventSchema } from '../compiler/program.ts';
import type { TraceEvent } from './events.ts';
import { readValue } from './maps.ts';
import { formatPrintf } from './printf.ts';

export class EventDecoder {
  private readonly byId = new Map<number, EventSchema>();

  constructor(schemas: readonly EventSchema[]) {
    for (const s of schemas) this.byId.set(s.id, s);
  }

  decode(rec: Uint8Array): TraceEvent {
    const view = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const id = Number(view.getBigUint64(0, true));
    const schema = this.byId.get(id);
    if (!schema) throw new Error(`event record with unknown id ${id}`);
    switch (schema.kind) {
      case 'exit':
        return { kind: 'exit', code: Number(view.getBigInt64(8, true)) };
      case 'printf':
        return { kind: 'printf', text: formatPrintf(schema.pieces, schema.args.map((a) => readValue(a.type, view, a.offset))) };
    }
  }
}
