// Keys that say two generated things are the same by content: event schemas (events.ts defineEvent) and the code a
// program is optimized from (program.ts). Spans name their source file by identity, not by its (large) text.
import { isLabel, type AsmItem, type Insn } from '../asm/index.ts';
import type { Span } from '../../lang/index.ts';

const fileIds = new WeakMap<object, number>();
let nextFileId = 0;

function fileId(file: object): number {
  let id = fileIds.get(file);
  if (id === undefined) fileIds.set(file, (id = nextFileId++));
  return id;
}

function spanKey(s: Span | undefined): string {
  if (!s) return '';
  return `${fileId(s.file)}:${s.start}:${s.end}${s.expandedFrom ? `<${spanKey(s.expandedFrom)}` : ''}`;
}

/** A value's content as text: a span's file by identity, bigints marked as such. */
export function contentKey(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) =>
    k === 'file' && typeof v === 'object' && v !== null ? fileId(v) : typeof v === 'bigint' ? `${v}n` : v,
  );
}

function insnKey(i: Insn): string {
  let k = `${i.code},${i.dst},${i.src},${i.off},${i.imm},${spanKey(i.span)}`;
  if (i.imm64 !== undefined) k += `,=${i.imm64}`;
  if (i.jumpTo !== undefined) k += `,j${i.jumpTo}`;
  if (i.callTo !== undefined) k += `,c${i.callTo}`;
  if (i.funcTo !== undefined) k += `,f${i.funcTo}`;
  if (i.mapRef) k += `,m${i.mapRef.map}:${i.mapRef.kind}:${i.mapRef.offset}`;
  if (i.coreRef) k += `,r${JSON.stringify(i.coreRef)}`;
  return k;
}

/** The items as text: equal keys, the same instructions, labels and source spans. */
export function itemsKey(items: readonly AsmItem[]): string {
  let k = '';
  for (const it of items) k += isLabel(it) ? `:${it.label}\n` : `${insnKey(it)}\n`;
  return k;
}
