// Strings: str() reads one from memory; strlen, strcontains and strncmp walk fixed-size, NUL-padded slots in
// loops of constant bounds (the verifier follows each step); join() prints an array of them.
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R10,
  alu64Imm,
  alu64Reg,
  call,
  exit,
  ja,
  jmpImm,
  jmpReg,
  label,
  ldFuncAddr,
  ldx,
  mov64Imm,
  mov64Reg,
  st,
  stx,
} from '../../asm/index.ts';
import type { AddressSpace, CallExpr, Expr } from '../../../lang/index.ts';
import {
  addrOf,
  allocOrFail,
  allocValue,
  emitInt,
  emitInto,
  ldSlot,
  scoped,
  stSlot,
  stxSlot,
  typeOf,
  type Gen,
} from '../context.ts';
import { slotSize } from '../../layout.ts';
import { Emitter } from '../emitter.ts';
import { defineEvent, emitEventOutput, stEventId } from '../events.ts';
import { checkHelper } from '../helper-errors.ts';
import { readHelper, readStrHelper, readString } from '../memory.ts';
import { sizeOfString, storeBytes } from '../values.ts';
import { checkerConstant, passThrough } from './data.ts';
import type { EmitRows } from './emit.ts';

export const stringBuiltins: EmitRows = {
  str: {
    call: {
      into: (g, c, off, size) => {
        const t = typeOf(g, c);
        const room = t.kind === 'string' ? Math.min(size, t.size) : size;
        const [src, len] = c.args as [Expr, Expr | undefined];
        const skip = g.shared.checked.constants.get(c);
        if (skip !== undefined) return emitPositionalTail(g, src, Number(skip), off, room);
        const at = typeOf(g, src);
        const computed = len !== undefined && literalLength(g, len) === undefined;
        if (at.kind === 'string') {
          emitInto(g, src, off, room);
          if (computed) emitCut(g, len, off, room);
          return;
        }
        if (computed) return emitReadCut(g, src, len, at.kind === 'int' ? at.space : undefined, off, room);
        emitInt(g, src);
        readString(g, at.kind === 'int' ? at.space : undefined, off, room);
      },
    },
  },
  // the number travels; user space prints its message
  strerror: passThrough,
  signal_name: passThrough,
  syscall_name: passThrough,
  strlen: { call: { int: (g, c) => emitStrlen(g, c.args[0]!) } },
  strcontains: { call: { int: (g, c) => emitStrSearch(g, c.args[0]!, c.args[1]!, 'contains') } },
  strstr: { call: { int: (g, c) => emitStrSearch(g, c.args[0]!, c.args[1]!, 'index') } },
  memcmp: { call: { int: emitMemcmp } },
  // the checker's constants: the string's size, the max_strlen setting
  strcap: checkerConstant,
  default_str_length: checkerConstant,
  strncmp: { call: { int: emitStrncmp } },
  join: { call: { stmt: emitJoin } },
};

/** A length known when compiling: a literal or a positional parameter that reads as a number. */
function literalLength(g: Gen, len: Expr): bigint | undefined {
  if (len.kind === 'int') return len.value;
  const v = len.kind === 'positional' ? g.shared.checked.positionals.get(len) : undefined;
  return typeof v === 'bigint' ? v : undefined;
}

/** str($N + k): the parameter's text after its first k bytes (lang/builtins/strings.ts). */
function emitPositionalTail(g: Gen, src: Expr, skip: number, off: number, room: number): void {
  const p = src.kind === 'binary' ? src.left : src;
  const text = g.shared.checked.positionals.get(p);
  if (typeof text !== 'string') throw new Error('str($N + k) without the text of $N');
  storeBytes(
    g,
    Buffer.from(text, 'utf8')
      .subarray(skip)
      .subarray(0, room - 1),
    off,
  );
}

/** The computed length n in R0, clamped to 0..room (unsigned: a negative n is past room). */
function emitLength(g: Gen, len: Expr, room: number): void {
  const capped = g.e.freshLabel('str.len');
  emitInt(g, len);
  g.e.emit(jmpImm('jle', R0, room, capped), mov64Imm(R0, room));
  g.e.place(capped);
}

/** str(p, n) with n computed: reads at most n bytes, the NUL included (n - 1 characters, as with a literal n). */
function emitReadCut(
  g: Gen,
  src: Expr,
  len: Expr,
  space: AddressSpace | 'record' | undefined,
  off: number,
  room: number,
): void {
  scoped(g, () => {
    const n = allocOrFail(g, 8, len.span);
    emitLength(g, len, room);
    g.e.emit(stxSlot(8, n, R0));
    emitInt(g, src);
    g.e.emit(mov64Reg(R3, R0));
    if (space === 'record') g.e.emit(alu64Reg('add', R3, g.e.context()));
    const read = readStrHelper(space === 'record' ? 'kernel' : space);
    g.e.emit(ldSlot(8, R2, n), ...addrOf(R1, off), call(read.fn));
    checkHelper(g, read.name, 'read');
  });
}

/**
 * str(s, n) of a string with n computed: bytes from n - 1 on become NUL. A loop from there to the slot's end (its
 * start known only as a range, so the verifier walks it once a step the range can take: room steps at most).
 */
function emitCut(g: Gen, len: Expr, off: number, room: number): void {
  const e = g.e;
  const from = e.freshLabel('str.cut');
  const top = e.freshLabel('str.cut.top');
  const body = e.freshLabel('str.cut.byte');
  const done = e.freshLabel('str.cut.end');
  emitLength(g, len, room);
  // r1 = max(n - 1, 0), the first byte to clear
  e.emit(mov64Reg(R1, R0), jmpImm('jeq', R1, 0, from), alu64Imm('sub', R1, 1));
  e.place(from);
  e.place(top);
  e.emit(jmpImm('jlt', R1, room, body), ja(done));
  e.place(body);
  e.emit(...addrOf(R2, off), alu64Reg('add', R2, R1), st(1, R2, 0, 0), alu64Imm('add', R1, 1), ja(top));
  e.place(done);
}

/*
 * The loops below walk fixed-size slots, so the verifier follows each step with the index known: every byte read is
 * at a fixed offset. It follows one way out of each conditional jump and keeps the other for later (at most 8192
 * kept, and a million instructions walked in all): a step here keeps one or two (a partial match, the string's
 * end), and a way out it kept, once taken, meets a state already seen and stops there. A probe with two searches
 * of a 1 KiB string loads on Linux 6.1 and 6.18 (e2e/string-loops); five were past 6.1's million.
 */

/**
 * strcontains(h, n): 1 when n occurs in h, else 0; strstr(h, n): where it first starts, else -1 (an empty needle
 * at 0). Two loops, over start positions i and needle bytes j (unrolled, a 64-byte haystack and a 7-byte needle
 * were ~2,000 instructions and 60 ms of compiling). Slots are NUL-padded: the haystack's end stops the search early.
 */
function emitStrSearch(g: Gen, hay: Expr, needle: Expr, result: 'contains' | 'index'): void {
  const e = g.e;
  const hsize = sizeOfString(typeOf(g, hay));
  const nsize = sizeOfString(typeOf(g, needle));
  const label = (l: string) => e.freshLabel(`strsearch.${l}`);
  const [start, byte, next, more] = [label('start'), label('byte'), label('next'), label('more')];
  const [same, found, notFound, done] = [label('same'), label('yes'), label('no'), label('end')];
  scoped(g, () => {
    const h = allocValue(g, hsize);
    const n = allocValue(g, nsize);
    emitInto(g, hay, h, Math.ceil(hsize / 8) * 8);
    emitInto(g, needle, n, Math.ceil(nsize / 8) * 8);
    // r0 = i, r3 = j; r1 the needle's byte, r2 the haystack's
    e.emit(mov64Imm(R0, 0), ldSlot(1, R1, n), jmpImm('jne', R1, 0, start), ja(found)); // an empty needle: at 0
    e.place(start);
    e.emit(mov64Imm(R3, 0), ldSlot(1, R1, n));
    e.place(byte);
    e.emit(mov64Reg(R5, R0), alu64Reg('add', R5, R3), jmpImm('jge', R5, hsize, next)); // past the haystack's end
    e.emit(...addrOf(R4, h), alu64Reg('add', R4, R5), ldx(1, R2, R4, 0), jmpReg('jeq', R1, R2, same));
    e.place(next);
    // no match at i; the haystack ended at i: no later start can match
    e.emit(...addrOf(R4, h), alu64Reg('add', R4, R0), ldx(1, R2, R4, 0), jmpImm('jne', R2, 0, more), ja(notFound));
    e.place(more);
    e.emit(alu64Imm('add', R0, 1), jmpImm('jlt', R0, hsize, start), ja(notFound));
    e.place(same);
    e.emit(alu64Imm('add', R3, 1), jmpImm('jge', R3, nsize, found)); // a needle that fills its slot matched
    e.emit(...addrOf(R5, n), alu64Reg('add', R5, R3), ldx(1, R1, R5, 0), jmpImm('jne', R1, 0, byte)); // else all matched
  });
  e.place(found);
  if (result === 'contains') e.emit(mov64Imm(R0, 1)); // strstr: r0 is where the match starts
  e.emit(ja(done));
  e.place(notFound);
  e.emit(mov64Imm(R0, result === 'index' ? -1 : 0));
  e.place(done);
}

/** strlen(s): bytes before the first NUL (the whole size without one), a loop over the string's slot. */
function emitStrlen(g: Gen, arg: Expr): void {
  const size = sizeOfString(typeOf(g, arg));
  const top = g.e.freshLabel('strlen.top');
  const more = g.e.freshLabel('strlen.more');
  const done = g.e.freshLabel('strlen.end');
  scoped(g, () => {
    const slot = allocValue(g, size);
    emitInto(g, arg, slot, Math.ceil(size / 8) * 8);
    g.e.emit(...addrOf(R1, slot), mov64Imm(R0, 0));
    g.e.place(top);
    g.e.emit(ldx(1, R2, R1, 0), jmpImm('jne', R2, 0, more), ja(done));
    g.e.place(more);
    g.e.emit(alu64Imm('add', R0, 1), alu64Imm('add', R1, 1), jmpImm('jlt', R0, size, top));
  });
  g.e.place(done);
}

/** strncmp(a, b, n): 0 when the first n bytes (up to a NUL) agree, else 1. A loop; n is a literal. */
function emitStrncmp(g: Gen, x: CallExpr): void {
  const [a, b, nExpr] = x.args as [Expr, Expr, Expr];
  const n = Number(literalLength(g, nExpr) ?? 0n);
  const size = Math.ceil(Math.max(sizeOfString(typeOf(g, a)), sizeOfString(typeOf(g, b)), 1) / 8) * 8;
  const steps = Math.min(n, size);
  const top = g.e.freshLabel('strncmp.top');
  const equal = g.e.freshLabel('strncmp.byte');
  const more = g.e.freshLabel('strncmp.more');
  const differ = g.e.freshLabel('strncmp.ne');
  const same = g.e.freshLabel('strncmp.eq');
  const done = g.e.freshLabel('strncmp.end');
  scoped(g, () => {
    const sa = allocValue(g, size);
    const sb = allocValue(g, size);
    emitInto(g, a, sa, size);
    emitInto(g, b, sb, size);
    if (steps === 0) return;
    // r3 and r4 walk the two strings, r5 counts
    g.e.emit(...addrOf(R3, sa), ...addrOf(R4, sb), mov64Imm(R5, 0));
    g.e.place(top);
    g.e.emit(ldx(1, R1, R3, 0), ldx(1, R2, R4, 0), jmpReg('jeq', R1, R2, equal), ja(differ));
    g.e.place(equal);
    g.e.emit(jmpImm('jne', R1, 0, more), ja(same));
    g.e.place(more);
    g.e.emit(alu64Imm('add', R3, 1), alu64Imm('add', R4, 1), alu64Imm('add', R5, 1), jmpImm('jlt', R5, steps, top));
  });
  g.e.place(same);
  g.e.emit(mov64Imm(R0, 0), ja(done));
  g.e.place(differ);
  g.e.emit(mov64Imm(R0, 1));
  g.e.place(done);
}

/**
 * memcmp(a, b, n): 0 when the first n bytes agree, else the first differing bytes as signed chars, a - b
 * (bpftrace v0.26's __memcmp). Unrolled: n is a literal no larger than either value.
 */
function emitMemcmp(g: Gen, x: CallExpr): void {
  const [a, b, nExpr] = x.args as [Expr, Expr, Expr];
  const n = Number(literalLength(g, nExpr) ?? 0n);
  const differ = g.e.freshLabel('memcmp.ne');
  const done = g.e.freshLabel('memcmp.end');
  scoped(g, () => {
    const [sa, sb] = [a, b].map((v) => {
      const size = slotSize(typeOf(g, v));
      const off = allocValue(g, size);
      emitInto(g, v, off, size);
      return off;
    });
    for (let i = 0; i < n; i++) g.e.emit(ldSlot(1, R1, sa! + i), ldSlot(1, R2, sb! + i), jmpReg('jne', R1, R2, differ));
  });
  g.e.emit(mov64Imm(R0, 0), ja(done));
  g.e.place(differ);
  g.e.emit(
    ...[R1, R2].flatMap((r) => [alu64Imm('lsh', r, 56), alu64Imm('arsh', r, 56)]),
    mov64Reg(R0, R1),
    alu64Reg('sub', R0, R2),
  );
  g.e.place(done);
}

/** Pointers join() reads from the array, and so the most strings one join event carries. */
const JOIN_MAX_ARGS = 16;
/** Bytes kept of each argument (bpftrace's join_argsize: fixed, whatever max_strlen says; execsnoop's long args). */
const JOIN_ARG_SIZE = 1024;

/**
 * join(argv[, sep]): an event [id, count, arg 0, …, arg 15], each argument a NUL-terminated string of
 * JOIN_ARG_SIZE bytes read through the array's pointers until the first NULL.
 */
function emitJoin(g: Gen, x: CallExpr): void {
  const e = g.e;
  const [arr, sep] = x.args as [Expr, Expr | undefined];
  const argSize = JOIN_ARG_SIZE;
  const space = (() => {
    const t = typeOf(g, arr);
    return t.kind === 'int' ? t.space : undefined;
  })();
  const id = defineEvent(g, {
    kind: 'join',
    separator: sep?.kind === 'string' ? sep.value : ' ',
    argSize,
    maxArgs: JOIN_MAX_ARGS,
  });
  const ptrRead = readHelper(space);
  const strRead = readStrHelper(space);
  // in the main program only: a join in a loop body's callback keeps the unrolled reads (no callback in a callback)
  if (g.functions && g.stackAbove === 0 && g.shared.helperErrors < 2 && g.shared.loopHelper?.()) {
    emitJoinLoop(g, x, arr, id, ptrRead.fn, strRead.fn);
    return;
  }
  scoped(g, () => {
    const size = 16 + JOIN_MAX_ARGS * argSize;
    const rec = allocValue(g, size);
    const base = allocOrFail(g, 8, x.span);
    const ptr = allocOrFail(g, 8, x.span);
    const done = e.freshLabel('join.end');
    e.emit(stEventId(rec, id), stSlot(8, rec + 8, 0));
    emitInt(g, arr);
    e.emit(stxSlot(8, base, R0));
    for (let i = 0; i < JOIN_MAX_ARGS; i++) {
      e.emit(ldSlot(8, R3, base), alu64Imm('add', R3, 8 * i), ...addrOf(R1, ptr), mov64Imm(R2, 8), call(ptrRead.fn));
      e.emit(jmpImm('jne', R0, 0, done), ldSlot(8, R3, ptr), jmpImm('jeq', R3, 0, done));
      e.emit(...addrOf(R1, rec + 16 + i * argSize), mov64Imm(R2, argSize), call(strRead.fn));
      checkHelper(g, strRead.name, 'read');
      e.emit(stSlot(8, rec + 8, i + 1));
    }
    e.place(done);
    emitEventOutput(g, rec, size, id);
  });
}

/** join()'s bpf_loop context, on the caller's stack: the record's address (in scratch space) and the array's. */
const JOIN_REC = 0;
const JOIN_ARRAY = 8;
const JOIN_BLOCK = 16;

/**
 * join() where the kernel has bpf_loop (CompileOptions.loopHelper): the same record, filled by a callback that
 * bpf_loop runs up to JOIN_MAX_ARGS times, one argument a run, stopping at the first NULL pointer or unreadable
 * one, as the unrolled reads do: a tenth of the instructions (execsnoop's program: 287 items, ~30 and the callback),
 * and of the optimizer's time. At -kk (a warning for each failed read) the unrolled code stays.
 */
function emitJoinLoop(g: Gen, x: CallExpr, arr: Expr, id: number, ptrRead: number, strRead: number): void {
  const e = g.e;
  const fn = joinCallback(g, x, ptrRead, strRead);
  scoped(g, () => {
    const size = 16 + JOIN_MAX_ARGS * JOIN_ARG_SIZE;
    const rec = allocValue(g, size);
    // on the stack, not in scratch space: bpf_loop takes a stack pointer for its context
    const block = allocOrFail(g, JOIN_BLOCK, x.span);
    e.emit(stEventId(rec, id), stSlot(8, rec + 8, 0));
    emitInt(g, arr);
    e.emit(stxSlot(8, block + JOIN_ARRAY, R0), ...addrOf(R1, rec), stxSlot(8, block + JOIN_REC, R1));
    e.emit(mov64Imm(R1, JOIN_MAX_ARGS), ldFuncAddr(R2, fn), ...addrOf(R3, block), mov64Imm(R4, 0), call(helper.loop));
    emitEventOutput(g, rec, size, id);
  });
}

/**
 * The callback `long cb(u64 i, void *block)`: argument i's pointer from the array (read with `ptrRead`), then its
 * string (`strRead`) into the record's slot i, and the record's count set to i + 1; 1 (stop) at a NULL or
 * unreadable pointer. One per program and pair of read helpers (a C identifier: the program's BTF names it).
 */
function joinCallback(g: Gen, x: CallExpr, ptrRead: number, strRead: number): string {
  const name = `scry_join_${ptrRead}_${strRead}`;
  if (g.functions!.some((f) => f.label === name)) return name;
  if (JOIN_ARG_SIZE !== 1 << 10) throw new Error('join: the slot index is shifted by 10');
  const e = new Emitter(`${name}.`);
  const stop = e.freshLabel('stop');
  const PTR = -8; // the callback's own frame: the pointer read from the array
  e.at(x.span, () => {
    e.emit(mov64Reg(R6, R2), mov64Reg(R7, R1), jmpImm('jge', R7, JOIN_MAX_ARGS, stop));
    e.emit(ldx(8, R3, R6, JOIN_ARRAY), mov64Reg(R1, R7), alu64Imm('lsh', R1, 3), alu64Reg('add', R3, R1));
    e.emit(mov64Reg(R1, R10), alu64Imm('add', R1, PTR), mov64Imm(R2, 8), call(ptrRead));
    e.emit(jmpImm('jne', R0, 0, stop), ldx(8, R3, R10, PTR), jmpImm('jeq', R3, 0, stop));
    e.emit(ldx(8, R1, R6, JOIN_REC), mov64Reg(R2, R7), alu64Imm('lsh', R2, 10), alu64Reg('add', R1, R2));
    e.emit(alu64Imm('add', R1, 16), mov64Imm(R2, JOIN_ARG_SIZE), call(strRead));
    e.emit(ldx(8, R1, R6, JOIN_REC), mov64Reg(R2, R7), alu64Imm('add', R2, 1), stx(8, R1, R2, 8));
    e.emit(mov64Imm(R0, 0), exit());
    e.place(stop);
    e.emit(mov64Imm(R0, 1), exit());
  });
  g.functions!.push({ label: name, items: [label(name), ...e.items] });
  return name;
}
