// The symbols of an ELF file (.symtab and .dynsym together): lookup by name for attaching, listing for
// `-l`, and address → function for symbolising. Names stay as offsets into the string tables until asked
// for, so loading the ~180k symbols of /usr/bin/node costs a few reads and typed arrays, not 180k strings.
import { globRegExp } from '../../../lang/glob.ts'; // past the facade: see scripts/check-imports.ts
import { lastAtOrBelow } from '../sorted.ts';
import { ElfFile, SHN_UNDEF, SHT_DYNSYM, SHT_NOBITS, SHT_SYMTAB, cstring, type Section } from './elf-file.ts';

export type SymbolType = 'notype' | 'object' | 'func' | 'section' | 'file' | 'common' | 'tls' | 'ifunc' | 'other';
export type SymbolBinding = 'local' | 'global' | 'weak' | 'other';

export interface ElfSymbol {
  readonly name: string;
  /** st_value: the virtual address in the file's own address space */
  readonly value: bigint;
  readonly size: bigint;
  readonly type: SymbolType;
  readonly binding: SymbolBinding;
  /** st_shndx (0 = undefined, i.e. imported) */
  readonly section: number;
  readonly table: 'symtab' | 'dynsym';
}

const TYPES: readonly SymbolType[] = ['notype', 'object', 'func', 'section', 'file', 'common', 'tls'];
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;

function typeName(t: number): SymbolType {
  return t === STT_GNU_IFUNC ? 'ifunc' : (TYPES[t] ?? 'other');
}

function bindingName(b: number): SymbolBinding {
  return b === 0 ? 'local' : b === 1 ? 'global' : b === 2 ? 'weak' : 'other';
}

const isFuncType = (t: number) => t === STT_FUNC || t === STT_GNU_IFUNC;

/** Higher is better when several symbols share a name or an address: GLOBAL > WEAK > LOCAL, sized, FUNC. */
function rank(info: number, size: number): number {
  const bind = info >> 4;
  return (bind === 1 ? 8 : bind === 2 ? 4 : 0) + (size > 0 ? 2 : 0) + ((info & 0xf) === STT_FUNC ? 1 : 0);
}
/** rank() of a global sized function: no symbol is preferred to it */
const BEST_RANK = 11;

export class SymbolTable {
  // One entry per defined symbol: which table it is in and where; fields are read from the raw table
  // bytes when needed (numbers for the hot loops, bigints only for results).
  private readonly tableOf: Uint8Array;
  private readonly entryOff: Uint32Array;
  private readonly nameOff: Uint32Array;
  private readonly info: Uint8Array;
  private readonly tables: readonly { syms: Buffer; strtab: Buffer; dynsym: boolean }[];
  /**
   * Each table's entries through a DataView: V8's own getters, where Buffer's readUInt32LE and friends are Node's
   * JavaScript, validated and run cold at each start (libc's ~3,000 + its debug file's ~10,000 symbols: ~4 ms of
   * a `uprobe:libc:malloc` start went to them).
   */
  private readonly views: readonly DataView[];
  private addrIndex?: { order: Uint32Array; starts: Float64Array; maxEnd: Float64Array };
  private funcNames?: string[];
  private byName?: Map<string, number[]>;
  /** makes the table with a debug file's symbols added (read's lazy `debug`), once something needs them */
  private withDebug?: () => SymbolTable;
  private whole?: SymbolTable;
  /** indicesNamed's answers from scans of the tables, before the name index is built */
  private readonly scanned = new Map<string, number[]>();

  private constructor(tables: { syms: Buffer; strtab: Buffer; dynsym: boolean }[]) {
    let n = 0;
    for (const t of tables) n += Math.floor(t.syms.length / 24);
    this.tableOf = new Uint8Array(n);
    this.entryOff = new Uint32Array(n);
    this.nameOff = new Uint32Array(n);
    this.info = new Uint8Array(n);
    this.tables = tables;
    this.views = tables.map((t) => new DataView(t.syms.buffer, t.syms.byteOffset, t.syms.byteLength));
    let k = 0;
    for (let ti = 0; ti < tables.length; ti++) {
      const v = this.views[ti]!;
      const count = Math.floor(v.byteLength / 24);
      // Entry 0 is the reserved null symbol.
      for (let i = 1; i < count; i++) {
        const o = i * 24;
        if (v.getUint16(o + 6, true) === SHN_UNDEF) continue; // imports: not in this file
        this.tableOf[k] = ti;
        this.entryOff[k] = o;
        this.nameOff[k] = v.getUint32(o, true);
        this.info[k] = v.getUint8(o + 4);
        k++;
      }
    }
    this.length = k;
  }

  /** Number of defined symbols (imports are dropped), in these tables (not a debug file's not yet read). */
  private readonly length: number;

  /** Bytes held: the raw tables and the per-symbol arrays (what a cache of tables counts). */
  get byteSize(): number {
    if (this.whole && this.whole !== this) return this.whole.byteSize;
    let n = this.tableOf.length * 10;
    for (const t of this.tables) n += t.syms.length + t.strtab.length;
    return n;
  }

  private raw(i: number): DataView {
    return this.views[this.tableOf[i]!]!;
  }

  private value(i: number): bigint {
    return this.raw(i).getBigUint64(this.entryOff[i]! + 8, true);
  }

  private size(i: number): bigint {
    return this.raw(i).getBigUint64(this.entryOff[i]! + 16, true);
  }

  /** st_value / st_size as numbers (exact below 2^53, which file addresses are). */
  private valueNum(i: number): number {
    const v = this.raw(i);
    const o = this.entryOff[i]! + 8;
    return v.getUint32(o, true) + v.getUint32(o + 4, true) * 0x1_0000_0000;
  }

  private sizeNum(i: number): number {
    const v = this.raw(i);
    const o = this.entryOff[i]! + 16;
    return v.getUint32(o, true) + v.getUint32(o + 4, true) * 0x1_0000_0000;
  }

  /**
   * Reads .symtab and .dynsym (a stripped file has only the latter), plus the .symtab of a separate debug
   * file when one is given (see openDebugFile): it describes the same addresses. Given as a function, the debug
   * file is opened only when a question needs it: a lookup by name that the file's own symbols answer with a
   * global sized function (no symbol ranks above it, and the file's own come first) does not (libc's ~3,000
   * symbols, where its debug file adds ~10,000: ~3 ms of a `uprobe:libc:malloc` start).
   */
  static read(elf: ElfFile, opts: { debug?: ElfFile | (() => ElfFile | undefined) } = {}): SymbolTable {
    const own = tablesOf(elf);
    const debugTables = (d: ElfFile) => tablesOf(d).filter((t) => !t.dynsym);
    const { debug } = opts;
    if (typeof debug !== 'function') return new SymbolTable([...own, ...(debug ? debugTables(debug) : [])]);
    const table = new SymbolTable(own);
    table.withDebug = () => {
      const d = debug();
      return d ? new SymbolTable([...own, ...debugTables(d)]) : table;
    };
    return table;
  }

  /** This table, or the one with the debug file's symbols too when read was given one lazily. */
  private full(): SymbolTable {
    return this.withDebug ? (this.whole ??= this.withDebug()) : this;
  }

  private name(i: number): string {
    return cstring(this.tables[this.tableOf[i]!]!.strtab, this.nameOff[i]!);
  }

  private symbol(i: number): ElfSymbol {
    const info = this.info[i]!;
    return {
      name: this.name(i),
      value: this.value(i),
      size: this.size(i),
      type: typeName(info & 0xf),
      binding: bindingName(info >> 4),
      section: this.raw(i).getUint16(this.entryOff[i]! + 6, true),
      table: this.tables[this.tableOf[i]!]!.dynsym ? 'dynsym' : 'symtab',
    };
  }

  /** Every defined symbol (any type), in table order. */
  *all(): Iterable<ElfSymbol> {
    const full = this.full();
    if (full !== this) return yield* full.all();
    for (let i = 0; i < this.length; i++) yield this.symbol(i);
  }

  /**
   * Indices of symbols whose name is exactly `name`. The first few lookups compare bytes in the string
   * tables (no strings made); after that a name index is built, for wildcard probes that look up many.
   */
  private indicesNamed(name: string): number[] {
    if (this.byName) return this.byName.get(name) ?? [];
    const seen = this.scanned.get(name); // a uprobe and a uretprobe on one function ask twice
    if (seen) return seen;
    if (this.scanned.size >= 8) return this.nameIndex().get(name) ?? [];
    const needle = Buffer.from(name, 'latin1');
    const len = needle.length;
    const first = needle[0];
    const hits: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const tab = this.tables[this.tableOf[i]!]!.strtab;
      const off = this.nameOff[i]!;
      if (tab[off] !== first || tab[off + len] !== 0 || off + len >= tab.length) continue;
      // byte by byte: Buffer's compare() is Node's JavaScript, validated and cold, for the few candidates left
      let k = 1;
      while (k < len && tab[off + k] === needle[k]) k++;
      if (k === len) hits.push(i);
    }
    this.scanned.set(name, hits);
    return hits;
  }

  /**
   * The function called `name`, preferring a GLOBAL sized FUNC over weak, local or size-0 aliases.
   * With `anyType`, objects and untyped symbols count too (e.g. a USDT semaphore or `uprobe:bin:0x…` callers).
   */
  lookup(name: string, opts: { anyType?: boolean } = {}): ElfSymbol | undefined {
    if (this.whole && this.whole !== this) return this.whole.lookup(name, opts);
    let best = -1;
    let bestRank = -1;
    for (const i of this.indicesNamed(name)) {
      const info = this.info[i]!;
      if (!opts.anyType && !isFuncType(info & 0xf)) continue;
      const r = rank(info, this.sizeNum(i));
      if (r > bestRank) {
        best = i;
        bestRank = r;
      }
    }
    if (bestRank < BEST_RANK && this.withDebug && this.full() !== this) return this.full().lookup(name, opts);
    return best < 0 ? undefined : this.symbol(best);
  }

  private nameIndex(): Map<string, number[]> {
    if (this.byName) return this.byName;
    const m = new Map<string, number[]>();
    for (let i = 0; i < this.length; i++) {
      const n = this.name(i);
      const list = m.get(n);
      if (list) list.push(i);
      else m.set(n, [i]);
    }
    this.byName = m;
    return m;
  }

  /** Names of the defined functions (FUNC and IFUNC), sorted and without duplicates. */
  functionNames(): readonly string[] {
    const full = this.full();
    if (full !== this) return full.functionNames();
    if (this.funcNames) return this.funcNames;
    const names = new Set<string>();
    for (let i = 0; i < this.length; i++) if (isFuncType(this.info[i]! & 0xf)) names.add(this.name(i));
    names.delete('');
    this.funcNames = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.funcNames;
  }

  /** Function names matching a wildcard pattern (`*` any run, `?` one character), sorted. */
  matchFunctions(pattern: string): string[] {
    if (!/[*?]/.test(pattern)) return this.functionNames().includes(pattern) ? [pattern] : [];
    const re = globRegExp(pattern);
    return this.functionNames().filter((n) => re.test(n));
  }

  /**
   * The function containing a virtual address, and the offset into it. Size-0 symbols never contain an
   * address; nested symbols resolve to the innermost. Among aliases the best-ranked name wins.
   */
  lookupAddress(vaddr: bigint): { symbol: ElfSymbol; offset: bigint } | undefined {
    const full = this.full();
    if (full !== this) return full.lookupAddress(vaddr);
    const idx = this.addressIndex();
    const { order, starts, maxEnd } = idx;
    const a = Number(vaddr);
    const lo = lastAtOrBelow(starts, a); // last position with start <= a
    if (lo < 0) return undefined;
    // Walk back while some earlier symbol may still reach past the address.
    for (let p = lo; p >= 0 && maxEnd[p]! > a; p--) {
      const i = order[p]!;
      const start = this.value(i);
      const size = this.size(i);
      if (vaddr >= start && vaddr < start + size) {
        // Aliases share the start and come best-ranked first: take the first of them that contains it.
        let q = p;
        while (q > 0 && starts[q - 1] === starts[p]) q--;
        for (; q < p; q++) {
          const j = order[q]!;
          if (vaddr < start + this.size(j)) break;
        }
        const best = order[q]!;
        return { symbol: this.symbol(best), offset: vaddr - start };
      }
    }
    return undefined;
  }

  private addressIndex(): NonNullable<SymbolTable['addrIndex']> {
    if (this.addrIndex) return this.addrIndex;
    const picked: number[] = [];
    const key = new Float64Array(this.length);
    const rk = new Uint8Array(this.length);
    for (let i = 0; i < this.length; i++) {
      if (!isFuncType(this.info[i]! & 0xf)) continue;
      const v = this.valueNum(i);
      const size = this.sizeNum(i);
      if (v === 0 || size === 0) continue;
      picked.push(i);
      key[i] = v;
      rk[i] = rank(this.info[i]!, size) * 2 + (this.tables[this.tableOf[i]!]!.dynsym ? 1 : 0);
    }
    const order = Uint32Array.from(picked.sort((x, y) => key[x]! - key[y]! || rk[y]! - rk[x]! || x - y));
    const starts = new Float64Array(order.length);
    const maxEnd = new Float64Array(order.length);
    let m = 0;
    order.forEach((i, p) => {
      starts[p] = key[i]!;
      m = Math.max(m, key[i]! + this.sizeNum(i));
      maxEnd[p] = m;
    });
    this.addrIndex = { order, starts, maxEnd };
    return this.addrIndex;
  }
}

/**
 * A symbol table larger than this is left out (5.6M symbols; /usr/bin/node has 185k): indexing one costs
 * seconds, and a file of another user's could be made of nothing else.
 */
const MAX_SYMBOL_TABLE_BYTES = 128n * 1024n * 1024n;

function tablesOf(elf: ElfFile): { syms: Buffer; strtab: Buffer; dynsym: boolean }[] {
  const wanted = elf.sections.filter(
    (s) => (s.type === SHT_SYMTAB || s.type === SHT_DYNSYM) && s.size > 0n && s.size <= MAX_SYMBOL_TABLE_BYTES,
  );
  if (!wanted.length) return [];
  return elf.withBytes((src) =>
    wanted.map((s) => {
      const strSec: Section | undefined = elf.sections[s.link];
      const strtab = strSec && strSec.type !== SHT_NOBITS ? elf.sectionData(strSec, src) : Buffer.alloc(0);
      return { syms: elf.sectionData(s, src), strtab, dynsym: s.type === SHT_DYNSYM };
    }),
  );
}

export { globRegExp };
