// The event record of a printf-like call (printf, system, cat, errorf, warnf): [u64 event id][each value in
// an 8-aligned slot]. The probe builds the record whole before sending it, in the per-CPU scratch area when it
// is big; that area is one map value (at most 32 KiB, and BPF instructions address at most 32767 bytes into it)
// that the probe's big variables share, so one record is held to half of it.
import type { CallExpr, Expr } from '../ast.ts';
import { sizeOf, type Type } from '../types.ts';

const FORMAT_RECORD_MAX = 16 * 1024;
/** The widest field (width or precision) a conversion may ask for: enough for any line, small enough to build. */
export const FORMAT_WIDTH_MAX = 65535;

const round8 = (n: number) => Math.ceil(n / 8) * 8;

/** Bytes a value takes in the record: the slots of compiler/layout.ts (slotSize), which lang cannot import. */
function slotBytes(t: Type): number {
  switch (t.kind) {
    case 'int':
    case 'bool':
      return 8;
    case 'string':
    case 'record':
      return round8(t.size);
    case 'array':
      return round8(sizeOf(t));
    case 'buffer':
      return 8 + round8(t.size);
    case 'tuple':
      return t.elements.reduce((n, e) => n + slotBytes(e), 0);
    case 'void':
      return 0;
  }
}

function formatRecordSize(args: readonly Type[]): number {
  return 8 + args.reduce((n, t) => n + slotBytes(t), 0);
}

/** The diagnostic for a call whose values do not fit one event record, naming the biggest ones. */
export function formatRecordError(
  c: CallExpr,
  values: readonly Expr[],
  types: readonly Type[],
): { message: string; hints: string[] } | undefined {
  const size = formatRecordSize(types);
  if (size <= FORMAT_RECORD_MAX) return undefined;
  const biggest = types
    .map((t, i) => ({ bytes: slotBytes(t), i }))
    .filter((v) => v.bytes > 8)
    .sort((a, b) => b.bytes - a.bytes || a.i - b.i)
    .slice(0, 3)
    .map((v) => `${sourceText(values[v.i]!)} (value ${v.i + 1}): ${v.bytes} bytes`);
  return {
    message: `${c.name}()'s values take ${size} bytes with the event header, more than one event record holds (${FORMAT_RECORD_MAX} bytes)`,
    hints: [
      ...(biggest.length ? [`the biggest: ${biggest.join(', ')}`] : []),
      'print fewer or shorter values per call: cut strings with str(s, n), or lower max_strlen',
    ],
  };
}

function sourceText(e: Expr): string {
  const text = e.span.file.text.slice(e.span.start, e.span.end);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
