// Type inference and the checks that need types: identifiers, calls, maps used consistently, printf formats.
import {
  assertNever,
  type AssignStmt,
  type BinaryExpr,
  type Block,
  type CallExpr,
  type Expr,
  type FieldExpr,
  type ForMapStmt,
  type LetStmt,
  type TypeName,
  type MapExpr,
  type Probe,
  type Stmt,
} from '../ast.ts';
import { lookupBuiltinVar, lookupFunction, builtinFunctions, builtinVars } from '../builtins.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
import { parseFormat, type FormatPiece } from '../format-string.ts';
import type { Span } from '../source.ts';
import { closest } from '../suggest.ts';
import type { CheckContext } from './context.ts';
import type { ResolvedAttach } from './attach.ts';
import type { ScriptConfig } from './config.ts';
import type { KernelInfo } from '../kernel.ts';
import { dataFunctionType } from './data-functions.ts';
import { FORMAT_WIDTH_MAX, formatRecordError } from './formats.ts';
import { typeFromBtf } from './kernel-types.ts';
import { tracepointFieldType, type FieldAccess } from './tracepoint-args.ts';
import { aggregationReadType, aggregationValue, isAggregation, mapFunctionType, readableInProbe } from './map-functions.ts';
import { viewed, sameView, boolType, commonType, sizeOf, i64, isScalar, promote, sameType, stringType, typeName, u64, voidType, mapValueName, type IntBits, type MapValue, type Type } from '../types.ts';

export interface MapInfo {
  readonly name: string;
  keys: Type[]; // one per key expression; [] for a scalar map
  value: MapValue;
  readonly firstUse: Span;
  /** where the value kind was fixed, for conflict messages */
  valueSpan: Span;
  keySpan: Span;
  /** false while the map has only been read (or deleted from): bpftrace would call it undefined */
  written: boolean;
}

export interface PrintfInfo {
  readonly call: CallExpr;
  readonly format: string;
  readonly pieces: readonly FormatPiece[];
  readonly args: readonly Type[];
}

export interface InferResult {
  readonly typeOf: Map<Expr, Type>;
  readonly maps: Map<string, MapInfo>;
  readonly printfs: Map<CallExpr, PrintfInfo>;
  /** every `$variable` of each probe with the type its slot must hold */
  readonly varTypes: Map<Probe, ReadonlyMap<string, Type>>;
  /** `args->f` expressions: which tracepoint field they read, and how */
  readonly argFields: Map<FieldExpr, ArgField>;
  /** expressions whose value the checker already knows (sizeof, kaddr, cgroupid, signal names) */
  readonly constants: Map<Expr, bigint>;
  /** expressions whose bytes the checker already knows (pton) */
  readonly constBytes: Map<Expr, Uint8Array>;
  /** `p->f`, `s.f`, `*p`, `p[i]` on kernel types: where the value sits relative to its base (see MemoryAccess) */
  readonly memory: Map<Expr, MemoryAccess>;
  /** every `for ($kv : @map)` loop: the variables its body (a separate BPF function) declares itself */
  readonly forMaps: Map<ForMapStmt, ForMapInfo>;
  /**
   * The map each clear/zero/len/print(@m)/delete/has_key call acts on: the whole map, or for delete/has_key
   * the keyed entry (a tuple key spread over a multi-key map's keys), whose key expressions are typed.
   */
  readonly mapTargets: Map<CallExpr, MapExpr>;
  /** what each `$N` stands for (an integer, or its text where it is a string), and `$#`'s count */
  readonly positionals: Map<Expr, bigint | string>;
  /** the pt_regs byte offset each `reg("name")` call reads */
  readonly registers: Map<CallExpr, number>;
  /**
   * The types the operands of each integer binary operator convert to before the operation (C's usual
   * conversions; shifts promote each side alone), and of each `$x op= v` (keyed by the assignment's value).
   */
  readonly operandTypes: Map<Expr, readonly [Type, Type]>;
}

export interface ForMapInfo {
  /** `$kv`'s type: (key, value), the key a tuple of the keys when the map has several */
  readonly kvType: Type;
  /** the body's own variables, `$kv` included; anything else it reads is a copy of an outer variable */
  readonly locals: ReadonlyMap<string, Type>;
}

/**
 * A read of kernel (or user) memory through a typed pointer: the address is the base's (a pointer's value,
 * or a record's own address) plus `offset` (plus index × `stride` for `[]`); `bitSize` > 0 for a bitfield.
 */
export interface MemoryAccess {
  readonly via: 'pointer' | 'record';
  readonly offset: number;
  readonly stride?: number;
  readonly bitOffset?: number;
  readonly bitSize?: number;
  readonly space: 'user' | 'kernel';
}

export interface ArgField {
  readonly field: string;
  readonly access: FieldAccess;
}

export interface InferOptions {
  readonly params: readonly string[];
  readonly config: ScriptConfig;
  readonly diags: Diagnostic[];
  readonly kernel: KernelInfo;
  readonly hasChild?: boolean;
  readonly unsafe?: boolean;
}

export function infer(
  probes: readonly { readonly probe: Probe; readonly attach: readonly ResolvedAttach[] }[],
  { params, config, diags, kernel, hasChild = false, unsafe = false }: InferOptions,
): InferResult {
  const typeOf = new Map<Expr, Type>();
  const maps = new Map<string, MapInfo>();
  const printfs = new Map<CallExpr, PrintfInfo>();
  let vars = new Map<string, Type>();
  let loopDepth = 0;
  let attach: readonly ResolvedAttach[] = [];
  const argFields = new Map<FieldExpr, ArgField>();
  const constants = new Map<Expr, bigint>();
  const constBytes = new Map<Expr, Uint8Array>();
  const memory = new Map<Expr, MemoryAccess>();
  /** the BTF of the probe being checked: vmlinux's, or a module's for fentry/fexit on a module function */
  let btf = kernel.btf();
  const varTypes = new Map<Probe, ReadonlyMap<string, Type>>();
  const forMaps = new Map<ForMapStmt, ForMapInfo>();
  const forMapLayouts: { stmt: ForMapStmt; kv: Type }[] = [];
  const mapTargets = new Map<CallExpr, MapExpr>();
  const positionals = new Map<Expr, bigint | string>();
  const registers = new Map<CallExpr, number>();
  const operandTypes = new Map<Expr, readonly [Type, Type]>();
  /** the variables from outside the innermost for-map body: it sees copies, so it may not assign them */
  let outerVars: ReadonlySet<string> = new Set();

  const err = (msg: string, span: Span, hints?: string[]) => diags.push(error(msg, span, hints));
  const ctx: CheckContext = {
    expr: (e) => expr(e),
    intOperand: (e, what) => intOperand(e, what),
    useMap: (m, value, span) => useMap(m, value, span),
    mapInfo: (name) => maps.get(name),
    error: err,
    report: (d) => diags.push(d),
    params,
    typeOf,
    attach: () => attach,
    kernel,
    config,
    unsafe,
    constants,
    constBytes,
    mapTargets,
    registers,
  };

  function noteMapKeys(m: MapExpr, keyTypes: Type[]): MapInfo | undefined {
    const existing = maps.get(m.name);
    if (!existing) return undefined;
    if (existing.keys.length !== keyTypes.length) {
      diags.push({
        severity: 'error',
        message: `${m.name} used with ${keyTypes.length} key${keyTypes.length === 1 ? '' : 's'} here but ${existing.keys.length} elsewhere`,
        span: m.span,
        related: [{ message: `${m.name} first used here`, span: existing.keySpan }],
      });
      return existing;
    }
    existing.keys = existing.keys.map((k, i) => {
      const merged = mergeKey(k, keyTypes[i]!);
      if (!merged) {
        diags.push({
          severity: 'error',
          message: `${m.name} key ${i + 1} has type ${typeName(keyTypes[i]!)} here but ${typeName(k)} elsewhere`,
          span: m.keys[i]!.span,
          related: [{ message: `${m.name} first used here`, span: existing.keySpan }],
        });
        return k;
      }
      return merged;
    });
    return existing;
  }

  function useMap(m: MapExpr, value: MapValue | undefined, valueSpan: Span): MapInfo {
    const keyTypes = m.keys.map((k) => keyType(expr(k), k.span));
    if (m.keys.length && keyTypes.every((t) => sizeOf(t) === 0))
      err(`a key of no bytes (${keyTypes.map(typeName).join(', ')}) cannot index a map`, m.keys[0]!.span, ['use a key with at least one element']);
    let info = noteMapKeys(m, keyTypes);
    if (!info) {
      info = {
        name: m.name,
        keys: keyTypes,
        value: value ?? { kind: 'value', type: i64 },
        firstUse: m.span,
        valueSpan,
        keySpan: m.span,
        written: value !== undefined,
      };
      maps.set(m.name, info);
      return info;
    }
    if (value) {
      info.written = true;
      const merged = mergeValue(info.value, value);
      if (!merged) {
        diags.push({
          severity: 'error',
          message: `${m.name} is assigned ${mapValueName(value)} here but holds ${mapValueName(info.value)} elsewhere`,
          span: valueSpan,
          related: [{ message: `${m.name} first assigned here`, span: info.valueSpan }],
        });
      } else info.value = merged;
    }
    return info;
  }

  function keyType(t: Type, span: Span): Type {
    if (t.kind === 'void') {
      err('this expression has no value and cannot be a map key', span);
      return u64;
    }
    if (t.kind === 'int' && t.view) return valueType(t); // a stack id, symbol, … printed as text
    // Integer keys are stored as 8 bytes whatever their width, as bpftrace does.
    if (t.kind === 'int' || t.kind === 'bool') return t.kind === 'int' && t.signed ? i64 : u64;
    return t;
  }

  function expr(e: Expr): Type {
    const t = exprInner(e);
    typeOf.set(e, t);
    return t;
  }

  function intOperand(e: Expr, what: string): Type {
    return requireInt(expr(e), e, what);
  }

  function requireInt(t: Type, e: Expr, what: string): Type {
    if (t.kind !== 'int' && t.kind !== 'bool') {
      if (t.kind !== 'void') err(`${what} needs an integer, got ${typeName(t)}`, e.span);
      else err(`${what} needs a value, but this expression has none`, e.span);
    }
    return t;
  }

  function binaryType(e: BinaryExpr, lt: Type, rt: Type): Type {
    if (e.op !== '&&' && e.op !== '||') {
      if (lt.kind === 'string' || rt.kind === 'string') {
        if (lt.kind === 'string' && rt.kind === 'string' && ['<', '<=', '>', '>=', '==', '!='].includes(e.op)) return u64;
        const comparison = ['<', '<=', '>', '>=', '==', '!='].includes(e.op);
        err(
          lt.kind === rt.kind
            ? `operator ${e.op} does not apply to strings`
            : comparison
              ? `cannot compare ${typeName(lt)} with ${typeName(rt)}`
              : `operator ${e.op} needs integers, got ${typeName(lt)} and ${typeName(rt)}`,
          e.opSpan,
          lt.kind === rt.kind ? ['strings can be compared with == != < <= > >='] : undefined,
        );
        return u64;
      }
    }
    const l = requireInt(lt, e.left, `operator ${e.op}`);
    const r = requireInt(rt, e.right, `operator ${e.op}`);
    if (e.op !== '&&' && e.op !== '||') operandTypes.set(e, conversions(e.op, l, r));
    if (['<', '<=', '>', '>=', '==', '!=', '&&', '||'].includes(e.op)) return u64;
    // Shifts take the (promoted) type of the left operand; everything else the common type, as in C.
    return e.op === '<<' || e.op === '>>' ? promote(l) : commonType(l, r);
  }

  function exprInner(e: Expr): Type {
    switch (e.kind) {
      case 'int':
        // bpftrace types every literal int64 (0xffffffffffffffff is -1)
        if (e.value > 0xffffffffffffffffn) err(`integer literal ${e.raw} does not fit in 64 bits`, e.span);
        return i64;
      case 'string':
        return stringType(Buffer.byteLength(e.value) + 1);
      case 'bool':
        return { kind: 'bool' };
      case 'var': {
        const t = vars.get(e.name);
        if (!t) {
          err(`undefined variable ${e.name}`, e.span, ['assign it first: ' + e.name + ' = …']);
          return i64;
        }
        return t;
      }
      case 'positional': {
        // $N stands for its argument as a literal: an integer when it reads as one, else a string.
        if (e.count) {
          positionals.set(e, BigInt(params.length));
          return i64;
        }
        const v = positionalValue(params, e.index);
        positionals.set(e, v);
        return typeof v === 'bigint' ? i64 : stringType(Buffer.byteLength(v) + 1);
      }
      case 'map': {
        const info = useMap(e, undefined, e.span);
        if (!readableInProbe(info.value)) {
          // stats and histograms live per CPU (and per bucket) and are put together only in user space
          err(`${e.name} holds ${mapValueName(info.value)}, which cannot be read in an expression`, e.span, [
            `print(${e.name}) shows it; keep a plain counter (${e.name}_n++) if a probe needs the number`,
          ]);
        }
        return readType(info.value);
      }
      case 'ident': {
        if (e.name === 'args') {
          err('args must be followed by a field: args->name', e.span);
          return i64;
        }
        const b = lookupBuiltinVar(e.name);
        if (!b) {
          if (lookupFunction(e.name)) {
            err(`unknown identifier '${e.name}'`, e.span, [`${e.name} is a function: call it as ${e.name}(…)`]);
            return i64;
          }
          const guess = closest(e.name, builtinVars.map((v) => v.name));
          err(`unknown identifier '${e.name}'`, e.span, guess ? [`did you mean '${guess}'?`] : undefined);
          return i64;
        }
        const wrong = b.only ? attach.filter((a) => !b.only!.includes(a.provider)) : [];
        if (wrong.length) {
          err(`${e.name} is not available in ${wrong[0]!.provider} probes`, e.span, [`${e.name} (${b.doc}) exists only in ${listWords(b.only!)} probes`]);
          return b.type;
        }
        if (e.name === 'cpid' && !hasChild) err('cpid is the pid of the command started with -c, and there is none', e.span, ["run the program with -c 'command args'"]);
        const usdtArg = /^arg(\d+)$/.exec(e.name);
        if (usdtArg && attach.some((a) => a.provider === 'usdt')) {
          const n = Number(usdtArg[1]);
          let t: Type | undefined;
          for (const a of attach) {
            if (a.provider !== 'usdt') continue;
            const args = a.site.args;
            if (!args) {
              err(`cannot read the arguments of ${a.text}: ${a.site.argsError ?? 'the probe note has none'}`, e.span);
              return i64;
            }
            const arg = args[n];
            if (!arg) {
              err(`${a.text} has ${args.length} argument${args.length === 1 ? '' : 's'}, so there is no ${e.name}`, e.span, args.length ? [`use arg0 … arg${args.length - 1}`] : []);
              return i64;
            }
            const at: Type = { kind: 'int', bits: (arg.size * 8) as IntBits, signed: arg.signed };
            if (t && !sameType(t, at)) {
              err(`${e.name} has different sizes in this probe's USDT probes`, e.span, ['split the probe so each block sees one layout']);
              return i64;
            }
            t = at;
          }
          if (t) return t;
        }
        if (e.name === 'retval' && attach.length && attach.every((a) => a.provider === 'fexit') && btf) {
          const a = attach[0] as Extract<ResolvedAttach, { provider: 'fentry' | 'fexit' }>;
          const t = typeFromBtf(btf, a.ret, 'kernel');
          return t.kind === 'int' ? t : i64;
        }
        if (e.name === 'curtask' && btf) {
          const task = btf.find('task_struct', 'struct');
          if (task !== undefined) return { kind: 'int', bits: 64, signed: false, space: 'kernel', pointee: task, pointeeName: 'struct task_struct' };
        }
        // `probe` is a string as long as the longest attach point's name
        if (e.name === 'probe') return stringType(Math.max(1, ...attach.map((a) => Buffer.byteLength(a.text))) + 1);
        return b.type;
      }
      case 'call':
        return call(e, undefined);
      case 'binary': {
        // a left-nested chain (a + b + c …, a || b || …) is typed in a loop, so its length costs no JS stack
        const chain: BinaryExpr[] = [];
        let l: Expr = e;
        for (; l.kind === 'binary'; l = l.left) chain.push(l);
        let t = expr(l);
        for (let i = chain.length - 1; i >= 0; i--) {
          const b = chain[i]!;
          t = binaryType(b, t, expr(b.right));
          if (i > 0) typeOf.set(b, t);
        }
        return t;
      }
      case 'unary': {
        if (e.op === '*' || e.op === '&') {
          const ot = expr(e.operand);
          if (e.op === '*' && ot.kind !== 'int') {
            err(`cannot dereference ${typeName(ot)}`, e.span, ot.kind === 'string' ? ['a string is already its characters: use it as it is'] : undefined);
            return i64;
          }
          if (e.op === '*' && ot.kind === 'int' && ot.pointee !== undefined && btf) {
            const target = btf.resolve(ot.pointee);
            if (target === 0 || btf.kind(target) === 'func_proto') {
              err(`cannot dereference ${typeName(ot)}`, e.span, ['cast it to a pointer to a type first: *(int64 *)p']);
              return i64;
            }
            memory.set(e, { via: 'pointer', offset: 0, space: ot.space ?? 'kernel' });
            return typeFromBtf(btf, ot.pointee, ot.space ?? 'kernel');
          }
          if (e.op === '*' && ot.kind === 'int' && ot.space && ot.pointeeInt) {
            memory.set(e, { via: 'pointer', offset: 0, space: ot.space });
            return ot.pointeeInt;
          }
          err(
            e.op === '*'
              ? `cannot dereference ${typeName(ot)}: scry does not know what it points to`
              : 'operator & (address of) is not supported',
            e.span,
            e.op === '*' ? ['cast it to a typed pointer first: *(int32 *)p, or ((struct file *)p)->f_flags'] : ['take the address from the kernel instead, e.g. a pointer argument'],
          );
          return i64;
        }
        const t = intOperand(e.operand, `operator ${e.op}`);
        return e.op === '!' ? u64 : promote(t);
      }
      case 'incdec':
        return incdecTarget(e.target, e.span);
      case 'ternary': {
        intOperand(e.cond, 'a condition');
        const a = expr(e.then);
        const b = expr(e.else);
        if (a.kind === 'string' && b.kind === 'string') return stringType(Math.max(a.size, b.size));
        const both = a.kind === 'buffer' && b.kind === 'buffer' ? unify(a, b) : undefined;
        if (both) return both;
        if (!isScalar(a) || !isScalar(b)) {
          err(`the branches of ?: must both be integers, strings or buffers, got ${typeName(a)} and ${typeName(b)}`, e.span);
          return i64;
        }
        return commonType(a, b);
      }
      case 'cast': {
        const target = typeFromName(e.type);
        const from = expr(e.expr);
        if (!target) return i64;
        if (target.kind === 'int' && !isScalar(from)) {
          err(`cannot cast ${typeName(from)} to ${typeName(target)}`, e.span);
          return target;
        }
        if (target.kind !== 'int') {
          err(`casts to ${typeName(target)} are not supported`, e.type.span, ['cast to an integer type: (uint32)x, or to a pointer: (struct file *)p']);
          return target;
        }
        // a pointer keeps the address space it came from (kernel unless the value was a user pointer)
        if (target.space && from.kind === 'int' && from.space === 'user') return { ...target, space: 'user' };
        return target;
      }
      case 'field': {
        if (e.base.kind === 'ident' && e.base.name === 'args') return argsField(e);
        // iterators name their context `ctx` in bpftrace: ctx->task
        if (e.base.kind === 'ident' && e.base.name === 'ctx' && attach.length && attach.every((a) => a.provider === 'iter')) return typedArg(e);
        const bt = expr(e.base);
        if (bt.kind === 'tuple') {
          const i = /^\d+$/.test(e.name) ? Number(e.name) : -1;
          const el = bt.elements[i];
          if (!el) {
            err(`tuple index ${e.name} is out of range: this tuple has ${bt.elements.length} elements (0 to ${bt.elements.length - 1})`, e.nameSpan);
            return i64;
          }
          return el;
        }
        if (bt.kind === 'int' && bt.pointee !== undefined && btf) {
          if (!e.arrow) err(`${typeName(bt)} is a pointer: use -> to reach its fields`, e.span, [`write ${'…'}->${e.name}`]);
          return member(e, bt.pointee, 'pointer', bt.space ?? 'kernel');
        }
        if (bt.kind === 'record' && btf) {
          if (e.arrow) err(`${bt.name} is not a pointer: use . to reach its fields`, e.span, [`write ${'…'}.${e.name}`]);
          return member(e, bt.btf, 'record', bt.space);
        }
        if (bt.kind === 'int' && bt.space)
          err(`scry does not know what this pointer points to, so it has no field ${e.name}`, e.span, [
            btf ? `cast it to its type first: ((struct sock *)p)->${e.name}` : 'this kernel has no BTF (/sys/kernel/btf/vmlinux), which typed pointers need',
          ]);
        else err(`${typeName(bt)} has no fields`, e.span, ['field access works on args, tuples ($t.0) and kernel structs (p->field)']);
        return i64;
      }
      case 'tuple': {
        const elements = e.elements.map((x) => {
          const t = expr(x);
          if (t.kind === 'void') err('this expression has no value to put in a tuple', x.span);
          return t;
        });
        return { kind: 'tuple', elements };
      }
      case 'sizeof': {
        const t = e.arg.kind === 'type-name' ? typeFromName(e.arg) : expr(e.arg);
        if (t) constants.set(e, BigInt(sizeOf(t)));
        return u64;
      }
      case 'offsetof': {
        const t = e.type.kind === 'type-name' ? typeFromName(e.type) : expr(e.type);
        if (!t) return u64;
        if (t.kind !== 'record' || !btf) {
          err(`offsetof needs a struct or union, got ${typeName(t)}`, e.span);
          return u64;
        }
        let id = t.btf;
        let offset = 0;
        for (const name of e.field) {
          const hit = btf.findMember(id, name);
          if (!hit) {
            err(`${btf.typeName(id)} has no field ${name}`, e.span, memberHint(id, name));
            return u64;
          }
          offset += hit.offset;
          id = hit.member.type;
        }
        constants.set(e, BigInt(offset));
        return u64;
      }
      case 'index': {
        const bt = expr(e.base);
        intOperand(e.index, 'an index');
        if (bt.kind === 'int' && bt.pointee !== undefined && btf) {
          const stride = btf.sizeOf(bt.pointee);
          if (!stride) {
            err(`cannot index ${typeName(bt)}: its target has no size`, e.span);
            return i64;
          }
          memory.set(e, { via: 'pointer', offset: 0, stride, space: bt.space ?? 'kernel' });
          return typeFromBtf(btf, bt.pointee, bt.space ?? 'kernel');
        }
        if (bt.kind === 'int' && bt.space && bt.pointeeInt) {
          memory.set(e, { via: 'pointer', offset: 0, stride: sizeOf(bt.pointeeInt), space: bt.space });
          return bt.pointeeInt;
        }
        if (bt.kind === 'record' && btf && btf.kind(bt.btf) === 'array') {
          const arr = btf.type(bt.btf);
          if (arr.kind === 'array') {
            memory.set(e, { via: 'record', offset: 0, stride: btf.sizeOf(arr.elem) ?? 0, space: bt.space });
            return typeFromBtf(btf, arr.elem, bt.space);
          }
        }
        err(`cannot index ${typeName(bt)}`, e.span, bt.kind === 'int' && bt.space ? ['cast it to a typed pointer first: ((int32 *)p)[2]'] : undefined);
        return i64;
      }
      default:
        return assertNever(e);
    }
  }

  /** args->f / args.f: the field's type must agree across all of the probe's tracepoints. */
  function argsField(e: FieldExpr): Type {
    if (attach.length && attach.every((a) => a.provider === 'fentry' || a.provider === 'fexit' || a.provider === 'iter' || (a.provider === 'rawtracepoint' && a.params)))
      return typedArg(e);
    const tps = attach.filter((a): a is Extract<ResolvedAttach, { provider: 'tracepoint' }> => a.provider === 'tracepoint');
    if (tps.length === 0 || tps.length !== attach.length) {
      err('args is only available in tracepoint probes here', e.base.span, [
        attach.length ? `this probe is ${attach.map((a) => a.provider).join(', ')}` : 'put the block under a tracepoint',
      ]);
      return i64;
    }
    let found: { type: Type; access: FieldAccess } | undefined;
    for (const tp of tps) {
      const f = tp.format?.fields.find((x) => x.name === e.name);
      if (!f) {
        const names = tp.format?.fields.filter((x) => !x.common).map((x) => x.name) ?? [];
        const guess = closest(e.name, names);
        err(`tracepoint ${tp.group}:${tp.event} has no field '${e.name}'`, e.nameSpan, [
          guess ? `did you mean '${guess}'?` : `its fields: ${names.join(', ')}`,
        ]);
        return i64;
      }
      const r = tracepointFieldType(f, tp.group, config.maxStrlen, btf);
      if ('error' in r) {
        err(r.error, e.nameSpan);
        return i64;
      }
      if (found && (!sameType(found.type, r.type) || found.access.kind !== r.access.kind)) {
        err(`args.${e.name} has different types in this probe's tracepoints (${typeName(found.type)} and ${typeName(r.type)})`, e.span, [
          'split the probe so each block sees one layout',
        ]);
        return i64;
      }
      found = r;
    }
    argFields.set(e, { field: e.name, access: found!.access });
    return found!.type;
  }

  /** args->name in fentry/fexit and BTF raw tracepoints: the n-th u64 of the context, typed from BTF. */
  function typedArg(e: FieldExpr): Type {
    let found: { type: Type; index: number } | undefined;
    for (const a of attach) {
      const params = a.provider === 'fentry' || a.provider === 'fexit' || a.provider === 'rawtracepoint' || a.provider === 'iter' ? (a.params ?? []) : [];
      const index = params.findIndex((p) => p.name === e.name);
      if (index < 0) {
        const guess = closest(e.name, params.map((p) => p.name));
        err(`${a.text} has no argument '${e.name}'`, e.nameSpan, [guess ? `did you mean '${guess}'?` : `its arguments: ${params.map((p) => p.name).join(', ') || 'none'}`]);
        return i64;
      }
      const t = btf ? typeFromBtf(btf, params[index]!.type, 'kernel') : u64;
      if (t.kind === 'record' || t.kind === 'string') {
        err(`args->${e.name} is passed by value (${typeName(t)}), which scry cannot read from the context`, e.nameSpan);
        return i64;
      }
      if (found && (found.index !== index || !sameType(found.type, t))) {
        err(`args->${e.name} differs between this probe's attach points`, e.span, ['split the probe so each block sees one layout']);
        return i64;
      }
      found = { type: t, index };
    }
    argFields.set(e, { field: e.name, access: { kind: 'context', index: found!.index } });
    return found!.type;
  }

  function incdecTarget(target: MapExpr | { kind: 'var'; name: string; span: Span }, span: Span): Type {
    if (target.kind === 'map') {
      const info = useMap(target, { kind: 'value', type: i64 }, span);
      return readType(info.value);
    }
    const t = vars.get(target.name);
    if (!t) {
      err(`undefined variable ${target.name}`, target.span);
      return i64;
    }
    if (!writable(target.name, target.span)) return t;
    if (t.kind !== 'int') err(`++/-- need an integer variable, ${target.name} is ${typeName(t)}`, span);
    return t;
  }

  function call(c: CallExpr, assignedTo: MapExpr | undefined): Type {
    const fn = lookupFunction(c.name);
    if (!fn) {
      if (lookupBuiltinVar(c.name)) {
        err(`unknown function '${c.name}'`, c.nameSpan, [`${c.name} is a builtin variable: write it without parentheses`]);
        c.args.forEach(expr);
        return lookupBuiltinVar(c.name)!.type;
      }
      const guess = closest(c.name, builtinFunctions.map((f) => f.name));
      err(`unknown function '${c.name}'`, c.nameSpan, guess ? [`did you mean '${guess}'?`] : undefined);
      c.args.forEach(expr);
      return i64;
    }
    if (c.args.length < fn.minArgs || c.args.length > fn.maxArgs) {
      const n = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      err(`${c.name}() takes ${n} argument${fn.maxArgs === 1 ? '' : 's'}, got ${c.args.length}`, c.span, [
        `usage: ${fn.signature}`,
      ]);
    }
    if (fn.aggregation) {
      if (assignedTo) return aggregationReadType(aggregationValue(ctx, c));
      err(`${c.name}() must be assigned directly to a map`, c.span, [`for example: @x = ${fn.signature}`]);
      c.args.forEach(expr);
      return u64; // a value, so the misuse is reported once rather than again by whatever uses it
    }
    switch (fn.name) {
      case 'exit':
        if (c.args[0]) intOperand(c.args[0], 'exit()');
        return voidType;
      case 'system':
        if (!unsafe) err('system() runs commands as root, so it needs --unsafe', c.nameSpan, ['run scry with --unsafe if you mean it']);
        printf(c);
        return voidType;
      case 'printf':
      case 'cat':
        printf(c);
        return voidType;
      case 'time': {
        const f = c.args[0];
        if (f && f.kind !== 'string') err('time() needs a string literal as its format', f.span);
        else if (f) typeOf.set(f, stringType(Buffer.byteLength(f.value) + 1));
        return voidType;
      }
      case 'str':
        return strCall(c);
      case 'strerror': {
        if (c.args[0]) intOperand(c.args[0], 'strerror()');
        return viewed({ kind: 'errno' }, true);
      }
      case 'strcontains': {
        for (const a of c.args) {
          const t = a.kind === 'positional' ? strCall({ ...c, args: [a] }) : expr(a);
          if (a.kind === 'positional') typeOf.set(a, t);
          if (t.kind !== 'string') err(`strcontains() needs strings, got ${typeName(t)}`, a.span);
        }
        const [h, n] = c.args.map((a) => typeOf.get(a));
        if (h?.kind === 'string' && n?.kind === 'string' && h.size * n.size > 20000)
          err('strcontains() on strings this long would make the BPF program too big', c.span, ['cut them first: str(s, 64)']);
        return u64;
      }
      case 'strlen': {
        const a = c.args[0];
        if (!a) return u64;
        const t = a.kind === 'positional' ? strCall({ ...c, args: [a] }) : expr(a);
        if (a.kind === 'positional') typeOf.set(a, t);
        if (t.kind !== 'string') err(`strlen() needs a string, got ${typeName(t)}`, a.span);
        return u64;
      }
      case 'bswap': {
        const t = c.args[0] ? intOperand(c.args[0], 'bswap()') : i64;
        return t.kind === 'int' ? { kind: 'int', bits: t.bits, signed: false } : u64;
      }
      case 'strncmp': {
        const [a, b, n] = c.args;
        for (const x of [a, b]) {
          if (!x) continue;
          const t = x.kind === 'positional' ? strCall({ ...c, args: [x] }) : expr(x);
          if (x.kind === 'positional') typeOf.set(x, t);
          if (t.kind !== 'string') err(`strncmp() compares strings, got ${typeName(t)}`, x.span);
        }
        if (n && (n.kind !== 'int' || n.value < 0n || n.value > 1024n)) err('strncmp() needs a length from 0 to 1024 as an integer literal', n.span);
        else if (n) typeOf.set(n, i64);
        return u64;
      }
      case 'join': {
        const [arr, sep] = c.args;
        if (arr) {
          const t = expr(arr);
          if (t.kind !== 'int') err(`join() needs a pointer to an array of strings (like args->argv), got ${typeName(t)}`, arr.span);
        }
        if (sep && sep.kind !== 'string') err('join() needs its separator as a string literal', sep.span);
        else if (sep) typeOf.set(sep, stringType(Buffer.byteLength(sep.value) + 1));
        return voidType;
      }
      case 'errorf':
      case 'warnf':
        printf(c);
        return voidType;
      default: {
        const data = dataFunctionType(ctx, c);
        if (data) return data;
        const t = mapFunctionType(ctx, c);
        if (!t) throw new Error(`no checker for function ${c.name}`);
        return t;
      }
    }
  }

  /** str(s[, n]): for now, of values that already are strings (literals, $N, comm, …), cut to n bytes. */
  function strCall(c: CallExpr): Type {
    const [arg, len] = c.args;
    if (!arg) return stringType(1);
    const t = arg.kind === 'positional' && !arg.count ? stringType(Buffer.byteLength(params[arg.index - 1] ?? '') + 1) : expr(arg);
    if (arg.kind === 'positional') typeOf.set(arg, t);
    // read as a string here, $N is its text whatever it looks like (a missing one is empty)
    if (arg.kind === 'positional' && !arg.count) positionals.set(arg, params[arg.index - 1] ?? '');
    if (len) {
      if (len.kind !== 'int' || len.value < 1n) err('str() length must be a positive integer literal', len.span);
      else if (t.kind === 'string') return stringType(Math.min(t.size, Number(len.value) + 1));
    }
    if (t.kind === 'int') {
      // a pointer (or an address held in an integer): read a NUL-terminated string from memory
      const max = len?.kind === 'int' && len.value >= 1n ? Math.min(Number(len.value) + 1, config.maxStrlen) : config.maxStrlen;
      return stringType(max);
    }
    if (t.kind !== 'string') {
      err(`str() needs a pointer or a string, got ${typeName(t)}`, arg.span);
      return stringType(1);
    }
    return t;
  }

  function printf(c: CallExpr): void {
    const [fmtArg, ...rest] = c.args;
    const args = rest.map(expr);
    if (!fmtArg) return;
    if (fmtArg.kind !== 'string') {
      err(`${c.name}() needs a string literal as its format`, fmtArg.span);
      return;
    }
    const parsed = parseFormat(fmtArg.value);
    if ('error' in parsed) {
      err(parsed.error, fmtArg.span);
      return;
    }
    const specs = parsed.pieces.filter((p): p is Extract<FormatPiece, { spec: unknown }> => 'spec' in p);
    if (specs.length !== args.length) {
      err(`${c.name}() format has ${specs.length} conversion${specs.length === 1 ? '' : 's'} but ${args.length} argument${args.length === 1 ? ' follows' : 's follow'}`, c.span);
      return;
    }
    specs.forEach((p, i) => {
      const t = args[i]!;
      const conv = p.spec.conv;
      // a precision pads numbers with zeros, but only cuts strings and buffers
      const wide = Math.max(p.spec.width ?? 0, conv === 's' || conv.startsWith('r') ? 0 : (p.spec.precision ?? 0));
      if (wide > FORMAT_WIDTH_MAX) {
        // bpftrace pads to any int width (a gigabyte of blanks per event); one line of output is bounded here
        err(`%${conv} asks for a field of ${wide} characters, more than scry prints (${FORMAT_WIDTH_MAX})`, fmtArg.span, [
          `use a width and precision of at most ${FORMAT_WIDTH_MAX}`,
        ]);
        return;
      }
      if (conv === 'r' || conv === 'rx' || conv === 'rh') {
        if (t.kind !== 'buffer' && t.kind !== 'string') err(`%${conv} needs a buffer (buf(p, n)) or a string, got ${typeName(t)}`, rest[i]!.span);
        return;
      }
      const want = conv === 's' ? 'string' : 'int';
      const isInt = t.kind === 'int' || t.kind === 'bool';
      // strerror(n), kstack, ksym(), ntop(), … print as text with %s
      const textView = want === 'string' && ((t.kind === 'int' && t.view) || (t.kind === 'buffer' && t.view));
      if (t.kind === 'buffer' && !t.view && want === 'string') {
        err(`%s needs a string, got a buffer`, rest[i]!.span, ['print buffers with %r (escaped), %rx (\\x bytes) or %rh (hex)']);
        return;
      }
      if (!textView && ((want === 'string') !== (t.kind === 'string') || (want === 'int' && !isInt))) {
        err(`%${conv} needs ${want === 'string' ? 'a string' : 'an integer'}, got ${typeName(t)}`, rest[i]!.span);
      }
    });
    const tooBig = formatRecordError(c, rest, args);
    if (tooBig) err(tooBig.message, c.span, tooBig.hints);
    printfs.set(c, { call: c, format: fmtArg.value, pieces: parsed.pieces, args });
  }

  function assign(s: AssignStmt): void {
    if (s.target.kind === 'map') {
      if (s.value.kind === 'call' && isAggregation(s.value)) {
        if (s.op !== '=') err(`${s.value.name}() cannot be combined with ${s.op}`, s.span);
        typeOf.set(s.value, call(s.value, s.target));
        useMap(s.target, aggregationValue(ctx, s.value), s.value.span);
        return;
      }
      const vt = expr(s.value);
      if (vt.kind === 'void') {
        err('this expression has no value to assign', s.value.span);
        return;
      }
      if (s.op !== '=' && vt.kind !== 'int' && vt.kind !== 'bool') err(`${s.op} needs an integer`, s.value.span);
      // BPF maps refuse values of no bytes (EINVAL at creation)
      if (sizeOf(vt) === 0) err(`${typeName(vt)} holds no bytes, so a map cannot store it`, s.value.span, ['store a value with at least one element']);
      useMap(s.target, { kind: 'value', type: valueType(vt) }, s.value.span);
      return;
    }
    const vt = expr(s.value);
    if (vt.kind === 'void') {
      err('this expression has no value to assign', s.value.span);
      return;
    }
    if (!writable(s.target.name, s.target.span)) return;
    if (s.op !== '=') {
      const prev = vars.get(s.target.name);
      if (!prev) err(`undefined variable ${s.target.name}`, s.target.span);
      else if (prev.kind !== 'int' || (vt.kind !== 'int' && vt.kind !== 'bool')) err(`${s.op} needs integers`, s.span);
      else operandTypes.set(s.value, conversions(s.op.slice(0, -1), prev, vt));
      return;
    }
    declare(s.target.name, vt, s.value.span);
  }

  function stmt(s: Stmt): void {
    switch (s.kind) {
      case 'expr-stmt':
        if (s.expr.kind === 'call') {
          typeOf.set(s.expr, call(s.expr, undefined));
        } else expr(s.expr);
        return;
      case 'assign':
        return assign(s);
      case 'block':
        return block(s);
      case 'if':
        intOperand(s.cond, 'a condition');
        block(s.then);
        if (s.else) stmt(s.else);
        return;
      case 'let':
        return letStmt(s);
      case 'unroll': {
        const n = s.count.kind === 'int' ? s.count.value : undefined;
        if (n === undefined) err('unroll needs an integer literal count', s.count.span);
        else if (n < 1n || n > 100n) err(`unroll count must be between 1 and 100, got ${n}`, s.count.span);
        return loopBody(s.body);
      }
      case 'while':
        intOperand(s.cond, 'a while condition');
        return loopBody(s.body);
      case 'for-range': {
        const from = intOperand(s.from, 'a range');
        const to = intOperand(s.to, 'a range');
        if (writable(s.variable, s.span))
          declare(s.variable, (from.kind === 'int' && from.signed) || (to.kind === 'int' && to.signed) ? i64 : u64, s.span);
        return loopBody(s.body);
      }
      case 'for-map':
        return forMap(s);
      case 'jump':
        if (s.jump !== 'return' && loopDepth === 0) err(`${s.jump} outside of a loop`, s.span);
        return;
      default:
        return assertNever(s);
    }
  }

  function loopBody(b: Block): void {
    loopDepth++;
    block(b);
    loopDepth--;
  }

  /**
   * for ($kv : @m) { … }: $kv is (key, value). The body becomes a callback of bpf_for_each_map_elem, so it
   * reads copies of the variables from outside (it may not assign them), and what it declares stays inside.
   */
  function forMap(s: ForMapStmt): void {
    const name = s.map.name;
    const info = maps.get(name);
    let kv: Type = { kind: 'tuple', elements: [i64, i64] };
    if (!info) {
      err(`${name} is not used before this loop`, s.map.span, [
        `scry takes the loop's key and value types from the map's earlier uses: assign to ${name} first, in this probe or an earlier one`,
      ]);
    } else if (info.keys.length === 0) {
      err(`${name} has no keys: for loops iterate over maps with keys`, s.map.span, [`read it directly: ${name}`]);
    } else if (!readableInProbe(info.value)) {
      err(`cannot iterate over ${name}: it holds ${mapValueName(info.value)} values`, s.map.span, [
        'for loops work on maps of plain values and on count(), sum(), min(), max() and avg() maps',
      ]);
    } else {
      kv = forMapType(info);
      forMapLayouts.push({ stmt: s, kv });
    }
    if (vars.has(s.variable)) err(`${s.variable} is already a variable here: the loop variable needs a new name`, s.span);
    const saved = vars;
    const savedOuter = outerVars;
    vars = new Map(saved);
    outerVars = new Set(saved.keys());
    vars.set(s.variable, kv);
    try {
      loopBody(s.body);
      forMaps.set(s, { kvType: kv, locals: new Map([...vars].filter(([n]) => !saved.has(n))) });
    } finally {
      vars = saved;
      outerVars = savedOuter;
    }
  }

  function writable(name: string, span: Span): boolean {
    if (!outerVars.has(name)) return true;
    err(`cannot assign to ${name} inside a for loop over a map`, span, [
      `the loop body works on a copy of ${name}; keep results in a map instead, e.g. @total += $kv.1`,
    ]);
    return false;
  }

  /** Gives a variable a type the first time it is seen; later assignments must fit it. */
  /** A variable keeps the type of its first assignment (later integers convert to it, as in C); strings grow to fit. */
  function declare(name: string, t: Type, span: Span): void {
    const prev = vars.get(name);
    if (prev && !compatible(prev, t)) err(`${name} holds ${typeName(prev)}, cannot assign ${typeName(t)}`, span);
    else vars.set(name, prev ? widen(prev, t) : t);
  }

  function letStmt(s: LetStmt): void {
    const declared = s.type ? typeFromName(s.type) : undefined;
    const vt = s.value ? expr(s.value) : undefined;
    if (vt?.kind === 'void') {
      err('this expression has no value to assign', s.value!.span);
      return;
    }
    if (declared && vt && !compatible(declared, vt)) {
      err(`${s.name} is declared ${typeName(declared)}, cannot assign ${typeName(vt)}`, s.value!.span);
      return;
    }
    if (writable(s.name, s.span)) declare(s.name, declared ?? vt ?? i64, s.span);
  }

  /** `base->name` / `base.name`: a member of the BTF struct/union `id`, maybe inside anonymous members. */
  function member(e: FieldExpr, id: number, via: 'pointer' | 'record', space: 'user' | 'kernel'): Type {
    const b = btf!;
    const rid = b.resolve(id);
    const k = b.kind(rid);
    if (k !== 'struct' && k !== 'union') {
      err(`${b.typeName(id)} is not a struct or union, so it has no field ${e.name}`, e.nameSpan);
      return i64;
    }
    const hit = b.findMember(rid, e.name);
    if (!hit) {
      err(`${b.typeName(rid)} has no field ${e.name}`, e.nameSpan, memberHint(rid, e.name));
      return i64;
    }
    memory.set(e, {
      via,
      offset: hit.offset,
      space,
      ...(hit.member.bitSize ? { bitOffset: hit.bitOffset - hit.offset * 8, bitSize: hit.member.bitSize } : {}),
    });
    return typeFromBtf(b, hit.member.type, space);
  }

  function memberHint(id: number, name: string): string[] {
    const names: string[] = [];
    const walk = (t: number) => {
      for (const m of btf!.members(t) ?? []) {
        if (m.name) names.push(m.name);
        else walk(m.type);
      }
    };
    walk(id);
    const guess = closest(name, names);
    return guess ? [`did you mean '${guess}'?`] : [`see its fields with: scry -lv or .type ${btf!.typeName(id)}`];
  }

  function typeFromName(t: TypeName): Type | undefined {
    const m = /^(u?)int(8|16|32|64)$/.exec(t.name);
    if (m && t.arrayLength === undefined) {
      const it: Type = { kind: 'int', bits: Number(m[2]) as IntBits, signed: m[1] === '' };
      if (t.pointer === 0) return it;
      // (int32 *)p: a kernel pointer to integers (two stars and more: to pointers)
      return { kind: 'int', bits: 64, signed: false, space: 'kernel', pointeeInt: t.pointer === 1 ? it : { kind: 'int', bits: 64, signed: false, space: 'kernel' } };
    }
    if (t.name === 'bool' && t.pointer === 0) return boolType;
    if (t.name === 'string' && t.pointer === 0) return stringType(t.arrayLength ?? 64);
    const kernelType = /^(struct|union|enum) /.test(t.name) || t.pointer > 0 || btf?.lookup(t.name) !== undefined;
    if (kernelType && btf) {
      const id = btf.lookup(t.name);
      if (id === undefined) {
        const [, tag, name] = /^(?:(struct|union|enum) )?(.*)$/.exec(t.name)!;
        err(`unknown kernel type '${t.name}'`, t.span, [`no ${tag ?? 'type'} named ${name} in the kernel's BTF`]);
        return undefined;
      }
      if (t.pointer === 0) return typeFromBtf(btf, id, 'kernel');
      if (t.pointer === 1) return { kind: 'int', bits: 64, signed: false, space: 'kernel', pointee: id, pointeeName: btf.typeName(id) };
      return { kind: 'int', bits: 64, signed: false, space: 'kernel' }; // a pointer to pointers: read it as an address
    }
    if (kernelType)
      err(`type ${t.name}${' *'.repeat(t.pointer)} needs kernel type information (BTF), and this kernel has none`, t.span, [
        'BTF lives in /sys/kernel/btf/vmlinux on kernels built with CONFIG_DEBUG_INFO_BTF',
      ]);
    else {
      const guess = closest(t.name, ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string']);
      err(`unknown type '${t.name}'`, t.span, guess ? [`did you mean '${guess}'?`] : ['integer types are int8 … int64 and uint8 … uint64']);
    }
    return undefined;
  }

  function block(b: Block): void {
    b.statements.forEach(stmt);
  }

  for (const { probe: p, attach: a } of probes) {
    vars = new Map();
    attach = a;
    const modules = [...new Set(a.map((x) => (x.provider === 'fentry' || x.provider === 'fexit' ? x.module : undefined)).filter((m) => m !== undefined))];
    if (modules.length > 1) err(`this probe attaches to functions of several modules (${modules.join(', ')}), whose types differ`, p.span, ['split it: one block per module']);
    btf = modules[0] !== undefined ? (kernel.moduleBtf(modules[0]) ?? kernel.btf()) : kernel.btf();
    if (p.predicate) intOperand(p.predicate, 'a predicate');
    block(p.body);
    varTypes.set(p, vars);
  }
  for (const info of maps.values()) {
    if (info.written) continue;
    const others = [...maps.values()].filter((m) => m.written).map((m) => m.name);
    const guess = closest(info.name, others);
    err(`${info.name} is used but never assigned a value`, info.firstUse, [
      guess ? `did you mean ${guess}?` : `assign it somewhere first, e.g. ${info.name}${info.keys.length ? '[…]' : ''} = 0`,
    ]);
  }
  // A loop copies entries laid out as the map was at the loop; later uses must not widen it.
  for (const { stmt, kv } of forMapLayouts) {
    const info = maps.get(stmt.map.name)!;
    if (!sameLayout(forMapType(info), kv))
      err(`${stmt.map.name} is used with wider keys or values after this loop`, stmt.map.span, [
        'use the map with its final types (its longest strings, say) before the loop',
      ]);
  }
  return { typeOf, maps, printfs, varTypes, argFields, forMaps, constants, constBytes, memory, mapTargets, positionals, registers, operandTypes };
}

/** What the operands of an integer operator convert to: their common type, as in C; a shift promotes each alone. */
function conversions(op: string, l: Type, r: Type): readonly [Type, Type] {
  if (op === '<<' || op === '>>') return [promote(l), promote(r)];
  const common = commonType(l, r);
  return [common, common];
}

/** (key, value) of a map's entries: several keys make a tuple. */
function forMapType(info: MapInfo): Type {
  const key: Type = info.keys.length === 1 ? info.keys[0]! : { kind: 'tuple', elements: [...info.keys] };
  return { kind: 'tuple', elements: [key, readType(info.value)] };
}

/** Same bytes in memory: integers of any signedness are 8-byte slots, strings and tuples must match exactly. */
function sameLayout(a: Type, b: Type): boolean {
  if ((a.kind === 'int' || a.kind === 'bool') && (b.kind === 'int' || b.kind === 'bool')) return true;
  if (a.kind === 'tuple' && b.kind === 'tuple')
    return a.elements.length === b.elements.length && a.elements.every((e, i) => sameLayout(e, b.elements[i]!));
  return sameType(a, b);
}

/** Plain map values and variables keep 64-bit integers; strings keep their size. */
function valueType(t: Type): Type {
  if (t.kind === 'int' && t.view) return { kind: 'int', bits: 64, signed: t.signed, view: t.view };
  if (t.kind === 'int') return t.signed ? i64 : u64;
  if (t.kind === 'bool') return u64;
  return t;
}

function readType(v: MapValue): Type {
  switch (v.kind) {
    case 'value':
      return v.type;
    case 'count':
      return u64;
    default:
      return 'signed' in v && v.signed ? i64 : u64;
  }
}

/** The type a variable needs to hold both: integers widen to 64 bits, strings to the larger size. */
function widen(a: Type, b: Type): Type {
  if (a.kind === 'int' || a.kind === 'bool') return a;
  return unify(a, b) ?? a;
}

function compatible(a: Type, b: Type): boolean {
  if (isScalar(a) && isScalar(b)) return true;
  return unify(a, b) !== undefined;
}

/** One type that holds values of both: integers widen to 64 bits, strings to the larger size, tuples element-wise. */
function unify(a: Type, b: Type): Type | undefined {
  if (a.kind === 'int' && b.kind === 'int' && (a.view || b.view)) return sameView(a.view, b.view) ? a : undefined;
  if (a.kind === 'buffer' && b.kind === 'buffer' && a.view === b.view) return { kind: 'buffer', size: Math.max(a.size, b.size), ...(a.view ? { view: a.view } : {}) };
  if (a.kind === 'int' && b.kind === 'int') return a.signed || b.signed ? i64 : u64;
  if (a.kind === 'string' && b.kind === 'string') return stringType(Math.max(a.size, b.size));
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    if (a.elements.length !== b.elements.length) return undefined;
    const elements = a.elements.map((x, i) => unify(x, b.elements[i]!));
    return elements.every((x) => x !== undefined) ? { kind: 'tuple', elements: elements as Type[] } : undefined;
  }
  return sameType(a, b) ? a : undefined;
}

/** Two uses of one key position. */
function mergeKey(a: Type, b: Type): Type | undefined {
  return unify(a, b);
}

function mergeValue(a: MapValue, b: MapValue): MapValue | undefined {
  if (a.kind === 'value' && b.kind === 'value') {
    const type = unify(a.type, b.type);
    return type && { kind: 'value', type };
  }
  if (a.kind !== b.kind) return undefined;
  // histograms of one map must agree on their buckets: hist(n, 2) and hist(n) cannot share a map
  if (a.kind === 'hist' || a.kind === 'lhist') return mapValueName(a) === mapValueName(b) ? a : undefined;
  if (!('signed' in a) || !('signed' in b)) return a;
  return { ...a, signed: a.signed || b.signed } as MapValue;
}

/** `a`, `a and b`, `a, b and c` */
function listWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}


/** The literal a positional parameter stands for; a missing one is 0, as in bpftrace. */
export function positionalValue(params: readonly string[], index: number): bigint | string {
  const raw = params[index - 1];
  if (raw === undefined) return 0n;
  if (/^-?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(raw.trim())) {
    const t = raw.trim();
    const neg = t.startsWith('-');
    const body = neg ? t.slice(1) : t;
    const v = /^0[0-7]+$/.test(body) ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
    return neg ? -v : v;
  }
  return raw;
}
