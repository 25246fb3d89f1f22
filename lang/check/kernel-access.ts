// What kernel types say about an expression: `args->f` of a tracepoint or of typed (BTF) arguments, `p->f` /
// `s.f` members, and type names in casts, sizeof, offsetof and `let` declarations.
import type { FieldExpr, IdentExpr, TypeName } from '../ast.ts';
import type { BtfParam } from '../btf.ts';
import type { Span } from '../source.ts';
import { probeContext } from '../providers.ts';
import { closest } from '../suggest.ts';
import { boolType, i64, stringType, typeName, u64, type AddressSpace, type IntBits, type Type } from '../types.ts';
import { typeFromBtf } from './kernel-types.ts';
import { err, type InferState } from './state.ts';
import { tracepointFieldType, type FieldAccess } from './tracepoint-args.ts';

/** args->f / args.f: the field's type must agree across all of the probe's tracepoints. */
export function argsField(st: InferState, e: FieldExpr): Type {
  if (argsRefused(st, e.base.span)) return i64;
  if (st.attach.length && st.attach.every((a) => probeContext(a).params !== undefined)) return typedArg(st, e);
  const tps = st.attach.flatMap((a) => probeContext(a).tracepoint ?? []);
  if (tps.length === 0 || tps.length !== st.attach.length) {
    err(st, 'args is only available in tracepoint probes here', e.base.span, [
      st.attach.length
        ? `this probe is ${st.attach.map((a) => a.provider).join(', ')}`
        : 'put the block under a tracepoint',
    ]);
    return i64;
  }
  let found: { type: Type; access: FieldAccess } | undefined;
  for (const tp of tps) {
    const f = tp.format?.fields.find((x) => x.name === e.name);
    if (!f) {
      const names = tp.format?.fields.filter((x) => !x.common).map((x) => x.name) ?? [];
      const guess = closest(e.name, names);
      err(st, `tracepoint ${tp.group}:${tp.event} has no field '${e.name}'`, e.nameSpan, [
        guess ? `did you mean '${guess}'?` : `its fields: ${names.join(', ')}`,
      ]);
      return i64;
    }
    // the record's first 8 bytes are the kernel's (type, flags, preempt count, pid): a perf tracepoint program's
    // context starts after them, and a raw tracepoint's has no such bytes at all (bpftrace's words)
    if (f.common) {
      err(st, 'BPF does not support accessing common tracepoint fields', e.span, [
        f.name === 'common_pid'
          ? 'the task that made the event: pid (and tid)'
          : 'pid, tid, cpu and comm say who and where',
      ]);
      return i64;
    }
    const r = tracepointFieldType(f, tp.group, st.config.maxStrlen, st.btf);
    if ('error' in r) {
      err(st, r.error, e.nameSpan);
      return i64;
    }
    // raw_syscalls:sys_enter's raw tracepoint holds (regs, id), not the record's args[6]: a probe that reads an
    // array of the record runs as the perf tracepoint (check/index.ts)
    if (r.access.kind === 'bytes') st.recordReaders.add(st.attach);
    // every point declares the field alike: a probe whose points differ is checked once per layout (args-layout.ts)
    found = r;
  }
  st.argFields.set(e, { field: e.name, access: found!.access });
  return found!.type;
}

/**
 * `args` whole (bpftrace v0.26): a record of the probe's arguments, `{ .path = 0x…, .file = 0x… }`, each element
 * read as `args.name` reads it (the reads are kept in InferResult.wholeArgs). A tracepoint's common fields are left
 * out, as `args.common_pid` is refused: a syscall tracepoint's context starts with a pt_regs pointer there.
 */
export function wholeArgs(st: InferState, e: IdentExpr): Type {
  if (argsRefused(st, e.span)) return { kind: 'tuple', elements: [], names: [] };
  const names = st.attach.map((a) => {
    const c = probeContext(a);
    return c.params?.map((p) => p.name) ?? c.tracepoint?.format?.fields.filter((f) => !f.common).map((f) => f.name);
  });
  if (!names.length || names.some((n) => n === undefined)) {
    const where = st.attach.find((_, i) => names[i] === undefined);
    err(st, 'args as a whole is not available in this probe', e.span, [
      where
        ? `${where.provider} probes have no argument record here; fentry, fexit, rawtracepoint and tracepoint probes do`
        : 'put the block under a probe with arguments',
    ]);
    return { kind: 'tuple', elements: [], names: [] };
  }
  // the same names at every point: a probe whose points differ is checked once per layout (args-layout.ts)
  const first = names[0]!;
  if (!first.length) {
    // bpftrace v0.26's words for a record without fields
    err(st, 'Cannot read function parameters', e.span, [`${st.attach[0]!.text} has no arguments to print`]);
    return { kind: 'tuple', elements: [], names: [] };
  }
  const fields: FieldExpr[] = first.map((name) => ({
    kind: 'field',
    base: e,
    name,
    arrow: false,
    nameSpan: e.span,
    span: e.span,
  }));
  const elements = fields.map((f) => {
    const t = argsField(st, f);
    st.typeOf.set(f, t);
    return t;
  });
  st.wholeArgs.set(e, fields);
  return { kind: 'tuple', elements, names: first };
}

/** Says so where a probe's points give `args` no meaning (fentry:bpf), and whether they did. */
function argsRefused(st: InferState, span: Span): boolean {
  const refused = st.attach.find((a) => probeContext(a).argsRefused !== undefined);
  if (!refused) return false;
  const c = probeContext(refused);
  // a user function: -lv names its parameters in order, which is the order of arg0, arg1, … (none at return)
  const list = c.binary && c.funcName ? [`scry -lv 'uprobe:${c.binary}:${c.funcName}' lists them in order`] : [];
  const argN = refused.provider === 'uretprobe' ? [] : ['arg0, arg1, … read its arguments as integers'];
  err(st, c.argsRefused!, span, [...argN, ...list]);
  return true;
}

/** args->name in fentry/fexit and BTF raw tracepoints: the u64 slot of the context it starts at, typed from BTF. */
export function typedArg(st: InferState, e: FieldExpr): Type {
  let found: { type: Type; index: number; register?: true } | undefined;
  for (const a of st.attach) {
    const params = probeContext(a).params ?? [];
    const index = params.findIndex((p) => p.name === e.name);
    if (index < 0) {
      const guess = closest(
        e.name,
        params.map((p) => p.name),
      );
      err(st, `${a.text} has no argument '${e.name}'`, e.nameSpan, [
        guess ? `did you mean '${guess}'?` : `its arguments: ${params.map((p) => p.name).join(', ') || 'none'}`,
      ]);
      return i64;
    }
    const c = probeContext(a);
    if (c.paramRegs) {
      const r = registerArg(st, e, params, index, c.funcName ?? a.text);
      if (!r) return i64;
      found = r;
      continue;
    }
    const t = st.btf ? typeFromBtf(st.btf, params[index]!.type, 'kernel') : u64;
    if (t.kind === 'record' || t.kind === 'string') {
      err(
        st,
        `args->${e.name} is passed by value (${typeName(t)}), which scry cannot read from the context`,
        e.nameSpan,
      );
      return i64;
    }
    // the same type and slot at every point: a probe whose points differ is checked once per layout (args-layout.ts)
    found = { type: t, index: probeContext(a).paramSlots?.[index] ?? index };
  }
  st.argFields.set(e, {
    field: e.name,
    access: { kind: found!.register ? 'register' : 'context', index: found!.index },
  });
  return found!.type;
}

/** The argument registers of x86-64's calling convention (rdi, rsi, rdx, rcx, r8, r9): what arg0…arg5 read. */
const ARG_REGISTERS = 6;

/**
 * A user function's parameter (uprobe `args.name`, typed from DWARF) read from the argument register argN reads,
 * which holds it only while it and every parameter before it is an integer, an enum or a pointer of at most 8
 * bytes (a float goes in a vector register, a struct by value or a 128-bit integer in several registers or on the
 * stack, and moves the later ones): anything else is refused here, never read from a register that holds another.
 */
function registerArg(
  st: InferState,
  e: FieldExpr,
  params: readonly BtfParam[],
  index: number,
  func: string,
): { type: Type; index: number; register: true } | undefined {
  const b = st.btf;
  if (!b) {
    err(st, `args.${e.name} needs the types of ${func}, and there are none`, e.nameSpan);
    return undefined;
  }
  for (let i = 0; i <= index; i++) {
    const p = params[i]!;
    const rid = b.resolve(p.type);
    const t = b.type(rid);
    const size = b.sizeOf(rid) ?? 0;
    const inRegister = (t.kind === 'int' || t.kind === 'enum' || t.kind === 'ptr') && size <= 8;
    if (inRegister) continue;
    const what = `${b.typeName(p.type)} ${p.name || `(parameter ${i + 1})`}`;
    const how =
      t.kind === 'float'
        ? 'a floating-point value, passed in a vector register'
        : t.kind === 'struct' || t.kind === 'union'
          ? 'passed by value, in several registers or on the stack'
          : t.kind === 'int'
            ? `${size * 8} bits wide, passed in two registers`
            : 'not passed in one integer register';
    err(
      st,
      i === index
        ? `args.${e.name} (${what}) is ${how}, which scry cannot read`
        : `args.${e.name} follows ${what}, which is ${how}, so scry cannot tell which register holds it`,
      e.nameSpan,
    );
    return undefined;
  }
  if (index >= ARG_REGISTERS) {
    err(
      st,
      `args.${e.name} is parameter ${index + 1} of ${func}: only the first ${ARG_REGISTERS} are passed in registers, which scry can read`,
      e.nameSpan,
    );
    return undefined;
  }
  return { type: typeFromBtf(b, params[index]!.type, 'user'), index, register: true };
}

/** `base->name` / `base.name`: a member of the BTF struct/union `id`, maybe inside anonymous members. */
export function member(st: InferState, e: FieldExpr, id: number, via: 'pointer' | 'record', space: AddressSpace): Type {
  const b = st.btf!;
  const rid = b.resolve(id);
  const k = b.kind(rid);
  if (k !== 'struct' && k !== 'union') {
    err(st, `${b.typeName(id)} is not a struct or union, so it has no field ${e.name}`, e.nameSpan);
    return i64;
  }
  const hit = b.findMember(rid, e.name);
  if (!hit) {
    err(st, `${b.typeName(rid)} has no field ${e.name}`, e.nameSpan, memberHint(st, rid, e.name));
    return i64;
  }
  const mt = b.type(b.resolve(hit.member.type));
  if (mt.kind === 'int' && mt.size > 8) {
    err(st, `${e.name} is a ${mt.size * 8}-bit integer (${mt.name}), which scry cannot hold yet`, e.nameSpan);
    return i64;
  }
  st.memory.set(e, {
    via,
    offset: hit.offset,
    space,
    ...(hit.member.bitSize ? { bitOffset: hit.bitOffset - hit.offset * 8, bitSize: hit.member.bitSize } : {}),
  });
  return typeFromBtf(b, hit.member.type, space);
}

export function memberHint(st: InferState, id: number, name: string): string[] {
  const names: string[] = [];
  const walk = (t: number) => {
    for (const m of st.btf!.members(t) ?? []) {
      if (m.name) names.push(m.name);
      else walk(m.type);
    }
  };
  walk(id);
  const guess = closest(name, names);
  return guess ? [`did you mean '${guess}'?`] : [`see its fields with: scry -lv or .type ${st.btf!.typeName(id)}`];
}

export function typeFromName(st: InferState, t: TypeName): Type | undefined {
  const m = /^(u?)int(8|16|32|64)$/.exec(t.name);
  // int8[8], bool[2]: an integer array (int8[] takes its length from what a cast converts)
  if ((m || t.name === 'bool') && t.arrayLength !== undefined && t.pointer === 0)
    return {
      kind: 'array',
      elem: m ? { kind: 'int', bits: Number(m[2]) as IntBits, signed: m[1] === '' } : boolType,
      count: t.arrayLength,
    };
  if (m && t.arrayLength === undefined) {
    const it: Type = { kind: 'int', bits: Number(m[2]) as IntBits, signed: m[1] === '' };
    // (int32 *)p: a kernel pointer to integers; (int32 **)p: to pointers to integers (a cast may move the
    // whole chain to user memory: see the cast in infer.ts)
    return pointerChain(it, t.pointer);
  }
  if (t.name === 'bool' && t.pointer === 0) return boolType;
  if (t.name === 'string' && t.pointer === 0) return stringType(t.arrayLength ?? 64);
  const kernelType = /^(struct|union|enum) /.test(t.name) || t.pointer > 0 || st.btf?.lookup(t.name) !== undefined;
  if (kernelType && t.arrayLength !== undefined && t.pointer === 0) {
    // `let $w: struct W[10]`: the array type a script definition made (`struct W w[10];`), so values agree
    const elem = st.btf?.lookup(t.name);
    const array = elem === undefined ? undefined : st.btf?.arrayOf?.(elem, t.arrayLength);
    if (array !== undefined) return typeFromBtf(st.btf!, array, 'kernel');
  }
  if (kernelType && t.arrayLength !== undefined && t.pointer > 0) {
    // `let $x: struct Foo *[2]`: the array of pointers a definition made (a binary's, v0.26's "complex type
    // declaration"), its pointers into the probe's memory (user memory in a uprobe)
    let elem = st.btf?.lookup(t.name);
    for (let i = 0; elem !== undefined && i < t.pointer; i++) elem = st.btf?.pointerTo?.(elem);
    const array = elem === undefined ? undefined : st.btf?.arrayOf?.(elem, t.arrayLength);
    if (array !== undefined) return typeFromBtf(st.btf!, array, probeMemory(st) === 'user' ? 'user' : 'kernel');
  }
  if (kernelType && t.arrayLength !== undefined) {
    err(st, `arrays of ${t.name}${' *'.repeat(t.pointer)} cannot be named as a type yet`, t.span, [
      'leave the type out and let the value give it: $w = $c.w',
    ]);
    return undefined;
  }
  if (kernelType && st.btf) {
    const id = st.btf.lookup(t.name);
    if (id === undefined) {
      const [, tag, name] = /^(?:(struct|union|enum) )?(.*)$/.exec(t.name)!;
      err(st, `unknown kernel type '${t.name}'`, t.span, [`no ${tag ?? 'type'} named ${name} in the kernel's BTF`]);
      return undefined;
    }
    if (t.pointer === 0) return typeFromBtf(st.btf, id, 'kernel');
    const typed: Type = {
      kind: 'int',
      bits: 64,
      signed: false,
      space: 'kernel',
      pointee: id,
      pointeeName: st.btf.typeName(id),
    };
    return pointerChain(typed, t.pointer - 1); // struct foo **: a pointer to struct foo pointers
  }
  if (kernelType)
    err(
      st,
      `type ${t.name}${' *'.repeat(t.pointer)} needs kernel type information (BTF), and this kernel has none`,
      t.span,
      ['BTF lives in /sys/kernel/btf/vmlinux on kernels built with CONFIG_DEBUG_INFO_BTF'],
    );
  else {
    const guess = closest(t.name, [
      'int8',
      'int16',
      'int32',
      'int64',
      'uint8',
      'uint16',
      'uint32',
      'uint64',
      'bool',
      'string',
    ]);
    err(
      st,
      `unknown type '${t.name}'`,
      t.span,
      guess ? [`did you mean '${guess}'?`] : ['integer types are int8 … int64 and uint8 … uint64'],
    );
  }
  return undefined;
}

/** `levels` pointers to `t` (t itself for 0), all in kernel memory until a cast says otherwise. */
export function pointerChain(t: Type, levels: number): Type {
  let out = t;
  for (let i = 0; i < levels; i++) out = { kind: 'int', bits: 64, signed: false, space: 'kernel', pointeeInt: out };
  return out;
}

/** The same pointer (and every pointer it leads to) in address space `space`. */
export function inSpace(t: Type, space: AddressSpace): Type {
  if (t.kind !== 'int' || !t.space) return t;
  return { ...t, space, ...(t.pointeeInt ? { pointeeInt: inSpace(t.pointeeInt, space) } : {}) };
}

/**
 * The memory a probe's raw addresses point into, by probe type as bpftrace v0.26 decides: user memory in a
 * user binary's probes (uprobe, uretprobe, usdt), kernel memory in the kernel's (kprobe, fentry, tracepoints,
 * iter), and 'none' in the others (begin/end, interval, profile, software, hardware, watchpoint, bench, self),
 * read with the legacy helpers. A probe of mixed types reads user memory only if all are user probes.
 */
export function probeMemory(st: InferState): AddressSpace {
  const spaces = new Set(st.attach.map(attachMemory));
  if (spaces.size === 1) return [...spaces][0]!;
  return spaces.size > 0 && !spaces.has('kernel') && !spaces.has('none') ? 'user' : 'kernel';
}

/** The memory a raw address points into in one attach point: its provider row says (lang/providers/). */
function attachMemory(a: InferState['attach'][number]): AddressSpace {
  return probeContext(a).memory ?? 'none';
}
