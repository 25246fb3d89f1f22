// What the checker knows about an expression, asked when compiling (bpftrace v0.26's stdlib meta functions):
// is_str, is_ptr, is_array, is_integer, is_unsigned_integer, is_literal are constants of the argument's type
// (its code is never run), kfunc_exist a constant of the kernel's BTF, kfunc_allowed of its verifier;
// static_assert(cond, msg) refuses the program where cond is known false, fail(fmt, …) wherever the call can be
// reached.
import type { CallExpr, Expr } from '../ast.ts';
import type { CheckContext } from '../check/context.ts';
import type { ResolvedAttach } from '../check/attach.ts';
import { knownValue } from '../check/known.ts';
import { probeContext } from '../providers.ts';
import { boolType, isPointer, voidType, type Type } from '../types.ts';
import type { BuiltinRow } from './row.ts';

/**
 * Whether the program of attach point `a` may call the kfunc `name`: the kernel answers (per program type), or
 * where it cannot be asked, the provider's `kfuncs`.
 */
export function kfuncAllowedIn(ctx: CheckContext, a: ResolvedAttach, name: string): boolean {
  if (ctx.btf()?.find(name, 'func') === undefined) return false;
  return ctx.kernel.kfuncAllowed ? ctx.kernel.kfuncAllowed(name, a) : probeContext(a).kfuncs === true;
}

/** A question about a kernel function named by a string literal, answered as a constant bool. */
function kfuncQuestion(name: string, doc: string, answer: (ctx: CheckContext, kfunc: string) => boolean): BuiltinRow {
  return {
    name,
    family: 'meta',
    doc,
    function: {
      minArgs: 1,
      maxArgs: 1,
      signature: `${name}(string kfunc)`,
      aggregation: false,
      check: (ctx, c) => {
        const a = c.args[0];
        // bpftrace v0.26's words
        if (a?.kind !== 'string') ctx.error(`${name}() accepts a string literal only`, (a ?? c).span);
        else ctx.constants.set(c, answer(ctx, a.value) ? 1n : 0n);
        return boolType;
      },
    },
  };
}

/** A question about the argument's type, answered as a constant bool. */
function predicate(name: string, doc: string, holds: (t: Type, e: Expr) => boolean): BuiltinRow {
  return {
    name,
    family: 'meta',
    doc,
    function: {
      minArgs: 1,
      maxArgs: 1,
      signature: `${name}(expression)`,
      aggregation: false,
      check: (ctx, c) => {
        const a = c.args[0];
        if (a) ctx.constants.set(c, holds(ctx.expr(a), a) ? 1n : 0n);
        return boolType;
      },
    },
  };
}

const isInteger = (t: Type) => t.kind === 'int' && !isPointer(t);

export const metaRows: readonly BuiltinRow[] = [
  predicate('is_str', 'whether the expression is a string (known when compiling)', (t) => t.kind === 'string'),
  predicate('is_ptr', 'whether the expression is a pointer (known when compiling)', (t) => isPointer(t)),
  predicate('is_array', 'whether the expression is an array (known when compiling)', (t) => t.kind === 'array'),
  predicate('is_integer', 'whether the expression is an integer (known when compiling)', isInteger),
  predicate(
    'is_unsigned_integer',
    'whether the expression is an unsigned integer (known when compiling)',
    (t) => isInteger(t) && t.kind === 'int' && !t.signed,
  ),
  predicate(
    'is_literal',
    'whether the expression is a literal: 1, true, "hello" (known when compiling)',
    (_t, e) =>
      e.kind === 'int' ||
      e.kind === 'string' ||
      e.kind === 'bool' ||
      (e.kind === 'unary' && e.op === '-' && e.operand.kind === 'int'),
  ),
  kfuncQuestion(
    'kfunc_exist',
    'whether the kernel has a function of that name in its BTF (known when compiling)',
    (ctx, name) => ctx.btf()?.find(name, 'func') !== undefined,
  ),
  kfuncQuestion(
    'kfunc_allowed',
    "whether this probe's program may call the kernel function (known when compiling)",
    (ctx, name) => ctx.attach().every((p) => kfuncAllowedIn(ctx, p, name)),
  ),
  {
    name: 'fail',
    family: 'meta',
    doc: 'refuses the program with a message, where the call can be reached',
    function: {
      minArgs: 1,
      maxArgs: 8,
      signature: 'fail(string format, literal args...)',
      aggregation: false,
      check: failCall,
    },
  },
  {
    name: 'assert_str',
    family: 'meta',
    doc: 'refuses the program unless the value is string-like: a string, or an array of or pointer to chars',
    function: {
      minArgs: 1,
      maxArgs: 1,
      signature: 'assert_str(value)',
      aggregation: false,
      check: assertStr,
    },
  },
  {
    name: 'static_assert',
    family: 'meta',
    doc: 'refuses the program where a condition known when compiling is false',
    function: {
      minArgs: 2,
      maxArgs: 2,
      signature: 'static_assert(bool condition, string message)',
      aggregation: false,
      check: staticAssert,
    },
  },
];

/** bpftrace v0.26's assert_str macro (stdlib/strings.bt), its messages */
function assertStr(ctx: CheckContext, c: CallExpr): Type {
  const [arg] = c.args;
  if (!arg) return voidType;
  const t = ctx.expr(arg);
  if (t.kind === 'string') return voidType;
  const btf = ctx.btf();
  const char = (x: Type | undefined) => x?.kind === 'int' && x.bits === 8 && !isPointer(x);
  const charId = (id: number | undefined) => id !== undefined && btf !== undefined && btf.sizeOf(btf.resolve(id)) === 1;
  if (t.kind === 'array') {
    if (!char(t.elem)) ctx.error('string-like arrays must contain a char-like type', c.span);
  } else if (isPointer(t)) {
    if (!char(t.pointeeInt) && !charId(t.pointee))
      ctx.error('string-like pointers must point to a char-like type', c.span);
  } else ctx.error('string-like values must be either strings, arrays or pointers', c.span);
  return voidType;
}

function staticAssert(ctx: CheckContext, c: CallExpr): Type {
  const [cond, msg] = c.args;
  if (!cond) return voidType;
  ctx.expr(cond);
  if (msg && msg.kind !== 'string') ctx.error('static_assert() needs its message as a string literal', msg.span);
  const value = knownValue(cond, ctx.constants, ctx.positionals);
  if (value === undefined)
    ctx.error('static_assert() needs a condition known when compiling', cond.span, [
      'literals, sizeof, and is_str(), is_ptr(), … of an expression are known when compiling',
    ]);
  else if (value === 0n) ctx.error(msg?.kind === 'string' ? msg.value : 'static assertion failed', c.span);
  return voidType;
}

/**
 * fail(fmt, args…): an error at the call, its message formatted now from literals (bpftrace v0.26), unless the call
 * sits in a branch that cannot run: `if ($1 < 2) { fail("needs 2 or more, got %d", $1); }`.
 */
function failCall(ctx: CheckContext, c: CallExpr): Type {
  const [fmt, ...args] = c.args;
  for (const a of c.args) ctx.expr(a);
  if (fmt?.kind !== 'string') {
    ctx.error('fail() needs its format as a string literal', (fmt ?? c).span);
    return voidType;
  }
  const values = args.map((a) => (a.kind === 'string' ? a.value : knownValue(a, ctx.constants, ctx.positionals)));
  const unknown = args.find((_, i) => values[i] === undefined);
  if (unknown) {
    ctx.error('fail() takes arguments known when compiling: literals and positional parameters', unknown.span);
    return voidType;
  }
  if (ctx.unreachable()) return voidType;
  let next = 0;
  const message = fmt.value.replace(/%(%|-?\d*l{0,2}[duxXsc])/g, (spec, conv: string) => {
    if (conv === '%') return '%';
    const v = values[next++];
    if (v === undefined) return spec;
    const kind = conv[conv.length - 1]!;
    if (typeof v === 'string') return v;
    if (kind === 'x') return BigInt.asUintN(64, v).toString(16);
    if (kind === 'X') return BigInt.asUintN(64, v).toString(16).toUpperCase();
    if (kind === 'u') return BigInt.asUintN(64, v).toString();
    if (kind === 'c') return String.fromCharCode(Number(v & 0xffn));
    return v.toString();
  });
  ctx.error(message, c.span);
  return voidType;
}
