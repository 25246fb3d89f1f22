// The optimizer's work shared between programs of the same shape: code that differs from another program's only in
// which maps it names, where its instructions came from in the script, its own label names and the event ids its
// records carry (20 probes counting into 20 maps, or a printf in each of several probes) is optimized once, as a
// template, and each program gets the template with its own maps, spans and ids put back (program.ts).
//
// Why the result is the program's own: the template is optimized from the program with those four things renamed
// one to one (maps M0, M1… and labels L0, L1… by first use, each source span a placeholder, each event id a
// sentinel constant), and programs with the same key have exactly that same renamed code, so the optimizer, a
// function of the code alone (and of the maps' sizes, also in the key), gives them the same template. Names and
// spans it only compares and carries. An event id is a tag the code stores and never computes with (the codegen
// marks those stores: Insn.opaqueImm); should the optimizer still have folded or combined one, a sentinel would
// turn up changed or in an instruction that is not a plain store or move of it, and the template is refused: that
// shape is then optimized program by program, as without this memo.
import { BPF_ALU64, BPF_K, BPF_MEM, BPF_MOV, BPF_ST, isLabel, type AsmItem, type Insn } from '../asm/index.ts';
import type { SourceFile, Span, TextStore } from '../../lang/index.ts';

/** Sentinels are SENTINEL + k for the k-th event id; no other constant of a memoized program comes near them. */
const SENTINEL = 0x5ce00000;
const SENTINEL_REACH = 1 << 20;
const nearSentinel = (v: number): boolean => v > SENTINEL - SENTINEL_REACH && v < SENTINEL + SENTINEL_REACH;
/** A 64-bit constant either of whose halves is near the sentinels (a store of one merged with its neighbour's). */
const wideNearSentinel = (v: bigint): boolean =>
  nearSentinel(Number(BigInt.asUintN(32, v))) || nearSentinel(Number(BigInt.asUintN(32, v >> 32n)));

/** The file of every placeholder span (its start is the index of the span it stands for). */
const PLACEHOLDER_FILE: SourceFile = { name: '<shape>', text: '', lineStarts: [0] };

export interface Shape {
  /** equal keys: the same code up to maps, labels, spans and event ids (and maps of the same sizes) */
  readonly key: string;
  /** the code to optimize as the template */
  readonly items: readonly AsmItem[];
  /** the program's maps, by first use (template name M<i>) */
  readonly maps: readonly string[];
  /** the program's event ids, by first use (sentinel SENTINEL + k) */
  readonly ids: readonly number[];
  /** the program's spans, by first use (placeholder start j) */
  readonly spans: readonly Span[];
  /** key and value sizes by template map name, for the optimizer */
  readonly mapSizes: (name: string) => { key: number; value: number } | undefined;
}

/**
 * The program's shape, or undefined where the memo does not apply: code that calls or takes the address of
 * functions (their labels are named from outside: program.ts functionInfo), or a constant near the sentinels.
 */
export function shapeOf(
  items: readonly AsmItem[],
  sizes: (name: string) => { key: number; value: number } | undefined,
): Shape | undefined {
  const labels = new Map<string, string>();
  const maps = new Map<string, string>();
  const ids = new Map<number, number>();
  const spans = new Map<Span, Span>();
  const labelOf = (l: string): string => {
    let named = labels.get(l);
    if (named === undefined) labels.set(l, (named = `L${labels.size}`));
    return named;
  };
  const out: AsmItem[] = [];
  let key = '';
  for (const it of items) {
    if (isLabel(it)) {
      const l = labelOf(it.label);
      out.push({ label: l });
      key += `:${l}\n`;
      continue;
    }
    if (it.callTo !== undefined || it.funcTo !== undefined) return undefined;
    let imm = it.imm;
    let immKey = `${imm}`;
    if (it.opaqueImm) {
      let k = ids.get(imm);
      if (k === undefined) ids.set(imm, (k = ids.size));
      imm = SENTINEL + k;
      immKey = `E${k}`;
    } else if (nearSentinel(imm) || (it.imm64 !== undefined && wideNearSentinel(it.imm64))) return undefined;
    let span: Span | undefined;
    if (it.span) {
      span = spans.get(it.span);
      if (!span) spans.set(it.span, (span = { file: PLACEHOLDER_FILE, start: spans.size, end: spans.size }));
    }
    let mapRef = it.mapRef;
    if (mapRef) {
      let m = maps.get(mapRef.map);
      if (m === undefined) {
        m = `M${maps.size}`;
        const s = sizes(mapRef.map);
        key += `=${m}:${s ? `${s.key}/${s.value}` : '?'}\n`;
        maps.set(mapRef.map, m);
      }
      mapRef = { ...mapRef, map: m };
    }
    const jumpTo = it.jumpTo === undefined ? undefined : labelOf(it.jumpTo);
    key += `${it.code},${it.dst},${it.src},${it.off},${immKey},${span ? span.start : ''}`;
    if (it.imm64 !== undefined) key += `,=${it.imm64}`;
    if (jumpTo !== undefined) key += `,j${jumpTo}`;
    if (mapRef) key += `,m${mapRef.map}:${mapRef.kind}:${mapRef.offset}`;
    if (it.coreRef) key += `,r${JSON.stringify(it.coreRef)}`;
    key += '\n';
    const insn: Insn = {
      code: it.code,
      dst: it.dst,
      src: it.src,
      off: it.off,
      imm,
      ...(it.imm64 !== undefined ? { imm64: it.imm64 } : {}),
      ...(jumpTo !== undefined ? { jumpTo } : {}),
      ...(mapRef ? { mapRef } : {}),
      ...(it.coreRef ? { coreRef: it.coreRef } : {}),
      ...(it.opaqueImm ? { opaqueImm: true as const } : {}),
      ...(span ? { span } : {}),
    };
    out.push(insn);
  }
  const byTemplateName = new Map([...maps].map(([real, m]) => [m, real]));
  return {
    key,
    items: out,
    maps: [...maps.keys()],
    ids: [...ids.keys()],
    spans: [...spans.keys()],
    mapSizes: (name) => {
      const real = byTemplateName.get(name);
      return real === undefined ? undefined : sizes(real);
    },
  };
}

const ST_MEM = BPF_ST | BPF_MEM;
const MOV64_IMM = BPF_ALU64 | BPF_MOV | BPF_K;

/**
 * The optimized template as it may be shared: every sentinel still whole, and only as the constant of a store or
 * a move (what the codegen wrote, or the optimizer's register for it); nothing else near the sentinels.
 */
export function usableTemplate(optimized: readonly AsmItem[], shape: Shape): boolean {
  for (const it of optimized) {
    if (isLabel(it)) continue;
    if (it.imm64 !== undefined && wideNearSentinel(it.imm64)) return false;
    if (!nearSentinel(it.imm)) continue;
    const k = it.imm - SENTINEL;
    const plain = (it.code & 0xe7) === ST_MEM || it.code === MOV64_IMM; // 0xe7: the class and mode, any size
    if (!plain || !Number.isInteger(k) || k < 0 || k >= shape.ids.length) return false;
  }
  return true;
}

/** The template with this program's maps, spans and event ids (undefined: a span or map the shape does not know). */
export function instantiate(template: readonly AsmItem[], shape: Shape): AsmItem[] | undefined {
  const out: AsmItem[] = [];
  for (const it of template) {
    if (isLabel(it)) {
      out.push(it);
      continue;
    }
    let insn: Insn = it;
    if (nearSentinel(it.imm)) insn = { ...insn, imm: shape.ids[it.imm - SENTINEL]! };
    if (it.mapRef) {
      const real = shape.maps[Number(it.mapRef.map.slice(1))];
      if (real === undefined) return undefined;
      insn = { ...insn, mapRef: { ...it.mapRef, map: real } };
    }
    if (it.span) {
      const real = it.span.file === PLACEHOLDER_FILE ? shape.spans[it.span.start] : undefined;
      if (!real) return undefined;
      insn = { ...insn, span: real };
    }
    out.push(insn);
  }
  return out;
}

/**
 * Optimized templates kept between runs (runtime/kept-texts.ts keeps them as files beside the bundle): a
 * start of the same script, or of another with programs of the same shape, takes the template instead of
 * running the optimizer, whose first run in a process is its cost (~1.2 ms for a one-line program, ~10 ms for a
 * tool's). By shape key, the optimizer's whole input; the store answers only for the optimizer that wrote it.
 */
export type TemplateStore = TextStore;

/** An instruction's fields a template may have, besides code, dst, src, off and imm. */
const TEMPLATE_FIELDS = new Set([
  'code',
  'dst',
  'src',
  'off',
  'imm',
  'imm64',
  'jumpTo',
  'mapRef',
  'coreRef',
  'opaqueImm',
  'span',
]);

/**
 * A template as text: labels as strings, instructions as [code, dst, src, off, imm] and an object of the fields
 * they have beyond those (imm64 as a decimal string, a placeholder span as its index). Undefined for an item this
 * form would not carry whole (a field it does not know, a span that is not a placeholder, a reference JSON would
 * change), which is then not kept.
 */
export function templateText(template: readonly AsmItem[]): string | undefined {
  const text = encodeTemplate(template);
  const back = text === undefined ? undefined : templateFromText(text);
  // read back, it must say the same (a reference with more in it than JSON keeps would not)
  return back && encodeTemplate(back) === text ? text : undefined;
}

function encodeTemplate(template: readonly AsmItem[]): string | undefined {
  const out: unknown[] = [];
  for (const it of template) {
    if (isLabel(it)) {
      out.push(it.label);
      continue;
    }
    if (Object.keys(it).some((k) => !TEMPLATE_FIELDS.has(k))) return undefined;
    if (it.span && (it.span.file !== PLACEHOLDER_FILE || it.span.end !== it.span.start)) return undefined;
    const more = {
      ...(it.imm64 !== undefined ? { imm64: `${it.imm64}` } : {}),
      ...(it.jumpTo !== undefined ? { jumpTo: it.jumpTo } : {}),
      ...(it.mapRef ? { mapRef: it.mapRef } : {}),
      ...(it.coreRef ? { coreRef: it.coreRef } : {}),
      ...(it.opaqueImm ? { opaqueImm: true } : {}),
      ...(it.span ? { span: it.span.start } : {}),
    };
    const fields = [it.code, it.dst, it.src, it.off, it.imm];
    out.push(Object.keys(more).length ? [...fields, more] : fields);
  }
  try {
    return JSON.stringify(out);
  } catch {
    return undefined; // a bigint in a reference
  }
}

/** The template a TemplateStore kept, or undefined for text that is not one (then the program is optimized). */
export function templateFromText(text: string): AsmItem[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const spans: Span[] = [];
  const placeholder = (k: number): Span => (spans[k] ??= { file: PLACEHOLDER_FILE, start: k, end: k });
  const out: AsmItem[] = [];
  for (const it of parsed) {
    if (typeof it === 'string') {
      out.push({ label: it });
      continue;
    }
    if (!Array.isArray(it) || it.length < 5 || it.length > 6 || !it.slice(0, 5).every(Number.isInteger))
      return undefined;
    const [code, dst, src, off, imm] = it as number[];
    const more = (it[5] ?? {}) as Record<string, unknown>;
    if (typeof more !== 'object' || more === null || Object.keys(more).some((k) => !TEMPLATE_FIELDS.has(k)))
      return undefined;
    const { imm64, jumpTo, mapRef, coreRef, opaqueImm, span } = more;
    if (imm64 !== undefined && (typeof imm64 !== 'string' || !/^-?[0-9]+$/.test(imm64))) return undefined;
    if (jumpTo !== undefined && typeof jumpTo !== 'string') return undefined;
    if (span !== undefined && !(Number.isInteger(span) && (span as number) >= 0)) return undefined;
    if (mapRef !== undefined && !isMapRef(mapRef)) return undefined;
    if (
      (coreRef !== undefined && (typeof coreRef !== 'object' || coreRef === null)) ||
      (opaqueImm !== undefined && opaqueImm !== true)
    )
      return undefined;
    out.push({
      code: code!,
      dst: dst as Insn['dst'],
      src: src!,
      off: off!,
      imm: imm!,
      ...(imm64 !== undefined ? { imm64: BigInt(imm64) } : {}),
      ...(jumpTo !== undefined ? { jumpTo } : {}),
      ...(mapRef !== undefined ? { mapRef } : {}),
      ...(coreRef !== undefined ? { coreRef: coreRef as Insn['coreRef'] } : {}),
      ...(opaqueImm ? { opaqueImm: true as const } : {}),
      ...(span !== undefined ? { span: placeholder(span as number) } : {}),
    });
  }
  return out;
}

function isMapRef(v: unknown): v is NonNullable<Insn['mapRef']> {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    Object.keys(r).length === 3 &&
    typeof r.map === 'string' &&
    (r.kind === 'fd' || r.kind === 'value') &&
    Number.isInteger(r.offset)
  );
}
