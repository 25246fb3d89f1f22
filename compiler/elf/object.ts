// A compiled program as an ELF relocatable object in libbpf's conventions, so libbpf-based loaders (bpftool prog
// loadall, a skeleton) load it: one section per attach point named as libbpf names program types
// (tracepoint/G/E, uprobe/…), a FUNC symbol per program, BTF-defined maps in .maps, the maps whose values the
// code addresses directly (BPF_PSEUDO_MAP_VALUE) as .data.<name> sections, `license`, R_BPF_64_64 relocations
// on each map's ld_imm64, .BTF (map definitions, one FUNC per program, CO-RE local types) and .BTF.ext
// (func_info, line_info with the script's lines, and a CO-RE byte-offset record per kernel field access).
import { lineCol, lineText, type BtfTypes, type ResolvedAttach, type Span } from '../../lang/index.ts';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, LD_IMM64, BPF_JMP, BPF_CALL } from '../asm/index.ts';
import { BtfWriter } from '../btf/index.ts';
import type { CompiledProgram, MapKind, MapSpec, ProgramSpec } from '../program.ts';
import {
  CoreReloKind,
  encodeBtfExt,
  type CoreReloRecord,
  type FuncInfoRecord,
  type LineInfoRecord,
} from './btf-ext.ts';
import { compilerRow } from '../codegen/providers/index.ts';
import { CoreTypes } from './core-types.ts';
import { R_BPF_64_64, SHF, SHT, STB, STT, writeElf, type ElfRelocation, type ElfSymbol } from './elf.ts';

/** A program the object cannot hold: what, where and what to do. */
export interface ObjectError {
  readonly error: string;
  readonly span?: Span;
  readonly hints: readonly string[];
}

const SLOT = 8;

/** enum bpf_map_type (include/uapi/linux/bpf.h) */
const MAP_TYPES: Record<MapKind, number> = {
  hash: 1,
  array: 2,
  perf_event_array: 4,
  percpu_hash: 5,
  percpu_array: 6,
  stack_trace: 7,
  lru_hash: 9,
  lru_percpu_hash: 10,
  ringbuf: 27,
};
const RELO_KINDS = {
  byte_offset: CoreReloKind.FIELD_BYTE_OFFSET,
  byte_size: CoreReloKind.FIELD_BYTE_SIZE,
  lshift_u64: CoreReloKind.FIELD_LSHIFT_U64,
  rshift_u64: CoreReloKind.FIELD_RSHIFT_U64,
} as const;

/** libbpf's section name for a program's type and attach point (libbpf.c section_defs): the provider row's. */
export function sectionName(a: ResolvedAttach): string {
  return compilerRow(a).elfSection(a);
}

/** A C identifier from an attach point's text, for the program's symbol and BTF FUNC. */
function symbolName(text: string, taken: Set<string>): string {
  const base =
    text
      .replace(/[^A-Za-z0-9_]+/g, '_')
      .replace(/^(?=[0-9])/, '_')
      .slice(0, 100) || 'prog';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

interface Placed {
  readonly spec: ProgramSpec;
  readonly symbol: string;
  readonly section: string;
  readonly attach: ResolvedAttach;
}

/**
 * What the object cannot say: a bpf-to-bpf call (scry's callbacks are only ever passed by address), or a function
 * address in a program without func_info saying where its functions start.
 */
function subprogramUse(spec: ProgramSpec): boolean {
  for (let at = 0; at < spec.bytecode.length; at += SLOT) {
    const code = spec.bytecode[at]!;
    const src = spec.bytecode[at + 1]! >> 4;
    if (code === (BPF_JMP | BPF_CALL) && src === BPF_PSEUDO_CALL) return true;
    if (code === LD_IMM64 && src === BPF_PSEUDO_FUNC && !spec.funcInfo?.length) return true;
    if (code === LD_IMM64) at += SLOT;
  }
  return false;
}

/**
 * The object for `compiled`. `btf` is the kernel's types the program was compiled against (CompileOptions.coreBtf):
 * the CO-RE local types come from it.
 */
export interface ObjectProgram {
  readonly spec: ProgramSpec;
  readonly attach: ResolvedAttach;
  readonly section: string;
  readonly symbol: string;
  /** its instructions as the object holds them (map loads with src 0 and the data offset as addend) */
  readonly code: Uint8Array;
  /** the relocation records on this program's instructions, by slot, as `-d bytecode --relocs` prints them */
  readonly relocs: ReadonlyMap<number, string>;
}

export function buildObject(
  compiled: CompiledProgram,
  btf?: BtfTypes,
): { bytes: Uint8Array; programs: readonly ObjectProgram[] } | ObjectError {
  for (const p of compiled.programs)
    if (p.tracing?.targetProgram !== undefined)
      return {
        error: `${p.attach.text} traces a BPF program loaded now, by its id, which an object cannot name`,
        span: p.attach.span,
        hints: ['run the script with scry itself'],
      };
  for (const p of compiled.programs)
    if (subprogramUse(p))
      return {
        error: `the program for ${p.attach.text} calls functions of its own, which --emit-elf cannot write into an object`,
        span: p.attach.span,
        hints: ['run the script with scry itself'],
      };

  // maps whose values the code addresses directly become data sections, the others BTF-defined maps
  const refKinds = new Map<string, Set<'fd' | 'value'>>();
  for (const p of compiled.programs)
    for (const r of p.relocations) {
      const kinds = refKinds.get(r.map) ?? new Set();
      kinds.add(r.kind);
      refKinds.set(r.map, kinds);
    }
  const dataMaps: MapSpec[] = [];
  const btfMaps: MapSpec[] = [];
  for (const m of compiled.maps) {
    const kinds = refKinds.get(m.name);
    if (kinds?.has('value')) {
      if (kinds.has('fd') || m.kind !== 'array' || m.maxEntries !== 1)
        return { error: `map ${m.name} is used both by address and as a map, which an object cannot say`, hints: [] };
      dataMaps.push(m);
    } else if (m.initial) {
      return {
        error: `map ${m.user?.name ?? m.name} has initial contents, which a BTF-defined map cannot hold`,
        hints: [],
      };
    } else btfMaps.push(m);
  }
  const dataSection = (m: MapSpec) => `.data.${m.name}`;
  const dataByName = new Map(dataMaps.map((m) => [m.name, m]));

  // programs, grouped by section: an attach point a program shares (uprobe wildcards) gets its own copy
  const taken = new Set<string>();
  const placed: Placed[] = [];
  for (const spec of compiled.programs)
    for (const attach of [spec.attach, ...(spec.alsoAttach ?? [])])
      placed.push({ spec, attach, symbol: symbolName(attach.text, taken), section: sectionName(attach) });

  const w = new BtfWriter();
  const int = w.int('int', 4, true);
  const numbers = new Map<number, number>();
  const number = (n: number) => numbers.get(n) ?? numbers.set(n, w.ptr(w.array(int, int, n))).get(n)!;
  const symbols: ElfSymbol[] = [];
  const relocations: ElfRelocation[] = [];

  // .maps: struct { int (*type)[T]; int (*max_entries)[N]; int (*key_size)[K]; … } name;
  let mapsSize = 0;
  const mapVars: { type: number; offset: number; size: number }[] = [];
  for (const m of btfMaps) {
    const fields: [string, number][] = [
      ['type', MAP_TYPES[m.kind]],
      ['max_entries', m.maxEntries],
    ];
    if (m.kind !== 'ringbuf') fields.push(['key_size', m.keySize], ['value_size', m.valueSize]);
    const size = fields.length * 8;
    const def = w.struct(
      '',
      size,
      fields.map(([name, n], i) => ({ name, type: number(n), bitOffset: i * 64 })),
    );
    mapVars.push({ type: w.variable(m.name, def, 'global'), offset: mapsSize, size });
    symbols.push({ name: m.name, section: '.maps', value: mapsSize, size, type: STT.OBJECT, bind: STB.GLOBAL });
    mapsSize += size;
  }
  if (btfMaps.length) w.datasec('.maps', mapsSize, mapVars);
  for (const m of dataMaps)
    symbols.push({
      name: m.name,
      section: dataSection(m),
      value: 0,
      size: m.valueSize,
      type: STT.OBJECT,
      bind: STB.GLOBAL,
    });

  // one FUNC per program: int name(void *ctx)
  const voidPtr = w.ptr(0);
  const proto = w.funcProto(int, [{ name: 'ctx', type: voidPtr }]);
  const funcIds = new Map(placed.map((p) => [p, w.func(p.symbol, proto, 'global')]));
  // callbacks (for-map bodies, bpf_loop bodies) stay after their program in its section, as static functions:
  // long name(void *map, void *key, void *value, void *ctx), as the program's own BTF has them
  let cbProto: number | undefined;
  const callbacks = new Map(
    placed.map((p) => {
      const starts = (p.spec.funcInfo ?? []).slice(1).map((f) => f.insn);
      if (starts.length)
        cbProto ??= w.funcProto(
          w.int('long', 8, true),
          ['map', 'key', 'value', 'ctx'].map((name) => ({ name, type: voidPtr })),
        );
      return [
        p,
        starts.map((insn, i) => ({
          insn,
          name: `${p.symbol}_cb${i}`,
          id: w.func(`${p.symbol}_cb${i}`, cbProto!, 'static'),
        })),
      ];
    }),
  );

  const core = btf ? new CoreTypes(btf) : undefined;
  for (const p of compiled.programs) for (const r of p.coreRelocations ?? []) core?.need(r);

  // sections in order of first use; callbacks go to .text, where libbpf wants subprograms (it appends each to
  // the programs that use it), with a relocation on every instruction that takes a callback's address
  const built = new Map<string, Built>();
  const builder = (name: string) => built.get(name) ?? built.set(name, new Built()).get(name)!;
  const listed: ObjectProgram[] = [];
  for (const p of placed) {
    const section = p.section;
    const relocs = new Map<number, string>();
    const code = new Uint8Array(p.spec.bytecode);
    const v = new DataView(code.buffer);
    const cbs = callbacks.get(p)!;
    const slots = code.length / SLOT;
    const split = cbs[0]?.insn ?? slots;
    const main = builder(section);
    const mainBase = main.size;
    const text = cbs.length ? builder('.text') : undefined;
    const textBase = text?.size ?? 0;
    const loc = (slot: number) =>
      slot < split
        ? { section, offset: mainBase + slot * SLOT }
        : { section: '.text', offset: textBase + (slot - split) * SLOT };
    const sectionOf = (slot: number) => built.get(loc(slot).section)!;
    // libbpf writes the fd (or the data map's fd and the offset) itself: the object holds src 0 and the
    // offset into the data section in the first slot's imm, as clang leaves them
    for (const r of p.spec.relocations) {
      const at = r.insn * SLOT;
      code[at + 1] = code[at + 1]! & 0x0f;
      v.setInt32(at + 4, r.kind === 'value' ? r.offset : 0, true);
      v.setInt32(at + SLOT + 4, 0, true);
      const data = dataByName.get(r.map);
      relocations.push({ ...loc(r.insn), symbol: data ? data.name : r.map, type: R_BPF_64_64 });
      relocs.set(
        r.insn,
        data ? `R_BPF_64_64 ${data.name} (${dataSection(data)}) + ${r.offset}` : `R_BPF_64_64 ${r.map} (.maps)`,
      );
    }
    // a callback's address: imm becomes its byte offset in .text, relocated against the .text section symbol
    for (let slot = 0; slot < slots; slot++) {
      const at = slot * SLOT;
      if (code[at] !== LD_IMM64) continue;
      if (code[at + 1]! >> 4 === BPF_PSEUDO_FUNC) {
        const target = slot + 1 + v.getInt32(at + 4, true);
        const offset = textBase + (target - split) * SLOT;
        v.setInt32(at + 4, offset, true);
        relocations.push({ ...loc(slot), symbol: '.text', type: R_BPF_64_64 });
        relocs.set(slot, `R_BPF_64_64 .text + ${offset} (a callback)`);
      }
      slot++;
    }
    main.append(code.subarray(0, split * SLOT));
    text?.append(code.subarray(split * SLOT));
    symbols.push({ name: p.symbol, section, value: mainBase, size: split * SLOT, type: STT.FUNC, bind: STB.GLOBAL });
    main.funcInfo.push({ insnOff: mainBase, typeId: funcIds.get(p)! });
    const ends = [...cbs.map((c) => c.insn).slice(1), slots];
    cbs.forEach((c, i) => {
      const { offset } = loc(c.insn);
      const size = (ends[i]! - c.insn) * SLOT;
      symbols.push({ name: c.name, section: '.text', value: offset, size, type: STT.FUNC, bind: STB.LOCAL });
      text!.funcInfo.push({ insnOff: offset, typeId: c.id });
    });
    for (const r of lineRecords(p, new Set(cbs.map((c) => c.insn))))
      sectionOf(r.slot).lineInfo.push({ ...r.record, insnOff: loc(r.slot).offset });
    if (core)
      for (const r of p.spec.coreRelocations ?? []) {
        const { typeId, access } = core.access(w, r);
        const { offset } = loc(r.insn);
        const kind = r.kind ?? 'byte_offset';
        sectionOf(r.insn).coreRelo.push({ insnOff: offset, typeId, access, kind: RELO_KINDS[kind] });
        relocs.set(r.insn, `CO-RE field_${kind} ${memberText(btf!, r.type, r.path)} [${typeId}] "${access}"`);
      }
    listed.push({ spec: p.spec, attach: p.attach, section, symbol: p.symbol, code, relocs });
  }
  if (built.has('.text'))
    symbols.push({ name: '.text', section: '.text', value: 0, size: 0, type: STT.SECTION, bind: STB.LOCAL });
  const progSections = [...built].map(([name, b]) => ({ name, data: b.bytes() }));
  const funcInfo = [...built].map(([section, b]) => ({ section, records: b.funcInfo }));
  const lineInfo = [...built].map(([section, b]) => ({ section, records: b.lineInfo }));
  const coreRelo = [...built].map(([section, b]) => ({ section, records: b.coreRelo }));
  const ext = encodeBtfExt(w, { funcInfo, lineInfo, coreRelo });
  const exec = SHF.ALLOC | SHF.EXECINSTR;
  const bytes = writeElf({
    sections: [
      ...progSections.map((s) => ({ name: s.name, type: SHT.PROGBITS, flags: exec, align: 8, data: s.data })),
      {
        name: 'license',
        type: SHT.PROGBITS,
        flags: SHF.ALLOC | SHF.WRITE,
        align: 1,
        data: new Uint8Array(Buffer.from(`${compiled.license}\0`, 'utf8')),
      },
      ...(btfMaps.length
        ? [
            {
              name: '.maps',
              type: SHT.PROGBITS,
              flags: SHF.ALLOC | SHF.WRITE,
              align: 8,
              data: new Uint8Array(mapsSize),
            },
          ]
        : []),
      ...dataMaps.map((m) => ({
        name: dataSection(m),
        type: SHT.PROGBITS,
        flags: SHF.ALLOC | SHF.WRITE,
        align: 8,
        data: m.initial ? new Uint8Array(m.initial) : new Uint8Array(m.valueSize),
      })),
      { name: '.BTF', type: SHT.PROGBITS, flags: 0, align: 4, data: w.encode() },
      { name: '.BTF.ext', type: SHT.PROGBITS, flags: 0, align: 4, data: ext },
    ],
    symbols,
    relocations,
  });
  return { bytes, programs: listed };
}

/** 'struct task_struct.pid', anonymous members left out, as C would write the access. */
function memberText(btf: BtfTypes, type: number, path: readonly number[]): string {
  const names: string[] = [];
  let at = type;
  for (const i of path) {
    const m = btf.members(at)![i]!;
    if (m.name) names.push(m.name);
    at = btf.resolve(m.type);
  }
  return `${btf.typeName(type)}.${names.join('.')}`;
}

/**
 * line_info: a record where the source line changes, the first at the program's start (the kernel wants one
 * there), never on an ld_imm64's second slot.
 */
function lineRecords(
  p: Placed,
  functionStarts: ReadonlySet<number>,
): { slot: number; record: Omit<LineInfoRecord, 'insnOff'> }[] {
  const out: { slot: number; record: Omit<LineInfoRecord, 'insnOff'> }[] = [];
  let last: string | undefined;
  const bytes = p.spec.bytecode;
  for (let slot = 0; slot < bytes.length / SLOT; slot++) {
    // each function starts with a record too (the kernel checks)
    const start = slot === 0 || functionStarts.has(slot);
    if (start) last = undefined;
    const span = p.spec.sourceMap[slot] ?? (start ? p.attach.span : undefined);
    if (span) {
      const { line, col } = lineCol(span.file, span.start);
      const key = `${span.file.name}:${line}`;
      if (key !== last)
        out.push({ slot, record: { file: span.file.name, text: lineText(span.file, line), line, col } });
      last = key;
    }
    if (bytes[slot * SLOT] === LD_IMM64) slot++;
  }
  return out;
}

/** One section's bytes and .BTF.ext records as programs are appended to it. */
class Built {
  private readonly chunks: Uint8Array[] = [];
  size = 0;
  readonly funcInfo: FuncInfoRecord[] = [];
  readonly lineInfo: LineInfoRecord[] = [];
  readonly coreRelo: CoreReloRecord[] = [];
  append(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }
  bytes(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}
