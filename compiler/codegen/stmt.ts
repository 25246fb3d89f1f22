// Statements; a call used as a statement runs its builtin row's statement hook (builtins/).
import { R0, R1, alu64Imm, exit, ja, jmpReg } from '../asm/index.ts';
import {
  walk,
  type AssignStmt,
  type BinaryOp,
  type Block,
  type CallExpr,
  type Expr,
  type MapExpr,
  type Stmt,
  type Type,
} from '../../lang/index.ts';
import { slotSize } from '../layout.ts';
import { BUILTIN_EMIT } from './builtins/index.ts';
import {
  CodegenError,
  allocOrFail,
  allocValue,
  assertNever,
  emitUnless,
  ldSlot,
  scoped,
  stxSlot,
  typeOf,
  type Gen,
  type Lowering,
} from './context.ts';
import { MAX_INSNS, ProgramTooLong } from './emitter.ts';
import { emitInt, emitInto } from './expr.ts';
import { emitBinaryOp, operandTypes } from './operators.ts';
import { emitForMap, emitForRangeLoop } from './for-map.ts';
import { emitMapAssign } from './maps.ts';
import { copyValue, normalize, zeroStack } from './values.ts';

export function emitBlock(g: Gen, b: Block): void {
  for (const s of b.statements) emitStmt(g, s);
}

function emitStmt(g: Gen, s: Stmt): void {
  g.e.at(s.span, () => emitStmtInner(g, s));
}

function emitStmtInner(g: Gen, s: Stmt): void {
  switch (s.kind) {
    case 'expr-stmt':
      if (s.expr.kind === 'call') return emitCallStmt(g, s.expr);
      if (s.expr.kind === 'ternary' && typeOf(g, s.expr).kind === 'void') return emitVoidTernary(g, s.expr);
      return scoped(g, () => emitDiscarded(g, s.expr));
    case 'assign':
      return emitAssign(g, s);
    case 'block':
      return emitBlock(g, s);
    case 'if': {
      const otherwise = g.e.freshLabel('if.else');
      emitUnless(g, s.cond, otherwise);
      emitBlock(g, s.then);
      if (!s.else) return g.e.place(otherwise); // (no jump over an else that is not there)
      const done = g.e.freshLabel('if.end');
      g.e.emit(ja(done));
      g.e.place(otherwise);
      emitStmt(g, s.else);
      g.e.place(done);
      return;
    }
    case 'let': {
      if (s.value) return storeVariable(g, s.name, s.value);
      const v = variable(g, s.name);
      return zeroStack(g, v.offset, slotSize(v.type)); // a fresh declaration starts empty, even inside a loop
    }
    case 'unroll': {
      const done = g.e.freshLabel('unroll.end');
      const count = s.count.kind === 'int' ? s.count.value : g.shared.checked.positionals.get(s.count); // unroll($1)
      const n = Number(typeof count === 'bigint' ? count : 0n);
      for (let i = 0; i < n; i++) {
        const before = g.e.items.length;
        const next = g.e.freshLabel('unroll.next');
        inLoop(g, done, next, () => emitBlock(g, s.body));
        g.e.place(next);
        // nested unrolls multiply: stop at the first copy when all of them would not fit in one program
        if (i === 0 && before + n * (g.e.items.length - before) > MAX_INSNS) throw new ProgramTooLong(s.span);
      }
      g.e.place(done);
      return;
    }
    case 'while': {
      const top = g.e.freshLabel('while.top');
      const done = g.e.freshLabel('while.end');
      g.e.place(top);
      emitUnless(g, s.cond, done);
      inLoop(g, done, top, () => emitBlock(g, s.body));
      g.e.emit(ja(top));
      g.e.place(done);
      return;
    }
    case 'for-range': {
      // for ($i : a..b): $i runs from a up to b, exclusive; b is evaluated once, as bpftrace does.
      const v = variable(g, s.variable);
      const signed = v.type.kind === 'int' && v.type.signed;
      // a bound known only at run time: the verifier cannot count the steps, bpf_loop does (for-map.ts); so
      // does a long literal range, whose every step the verifier would otherwise walk (with each helper check)
      const steps = s.from.kind === 'int' && s.to.kind === 'int' ? s.to.value - s.from.value : undefined;
      if (steps === undefined || steps > INLINE_RANGE_STEPS)
        return emitForRangeLoop(g, s, signed, (x) => emitInt(g, x));
      const top = g.e.freshLabel('for.top');
      const next = g.e.freshLabel('for.next');
      const done = g.e.freshLabel('for.end');
      scoped(g, () => {
        const end = allocOrFail(g, 8, s.to.span);
        emitInt(g, s.to);
        g.e.emit(stxSlot(8, end, R0));
        emitInt(g, s.from);
        g.e.emit(stxSlot(8, v.offset, R0));
        g.e.place(top);
        g.e.emit(ldSlot(8, R0, v.offset), ldSlot(8, R1, end), jmpReg(signed ? 'jsge' : 'jge', R0, R1, done));
        inLoop(g, done, next, () => emitBlock(g, s.body));
        g.e.place(next);
        g.e.emit(ldSlot(8, R0, v.offset), alu64Imm('add', R0, 1), stxSlot(8, v.offset, R0), ja(top));
        g.e.place(done);
      });
      return;
    }
    case 'for-map':
      return emitForMap(g, s);
    case 'jump': {
      if (s.jump === 'return' && s.value) {
        // the probe's return value (the checker allows one only outside loops: this is the program itself)
        emitInt(g, s.value);
        return g.e.emit(exit());
      }
      if (s.jump === 'return') return g.e.emit(ja(g.exitLabel));
      const loop = g.loops[g.loops.length - 1];
      if (!loop) throw new CodegenError(`${s.jump} outside of a loop`, s.span);
      return g.e.emit(ja(s.jump === 'break' ? loop.breakLabel : loop.continueLabel));
    }
    default:
      return assertNever(s);
  }
}

function inLoop(g: Gen, breakLabel: string, continueLabel: string, body: () => void): void {
  g.loops.push({ breakLabel, continueLabel });
  try {
    body();
  } finally {
    g.loops.pop();
  }
}

function variable(g: Gen, name: string): { offset: number; type: Type } {
  const v = g.vars.get(name);
  if (!v) throw new Error(`variable ${name} has no slot`);
  return v;
}

/** Integers convert to the variable's type on the way in (C's assignment conversion). */
function storeVariable(g: Gen, name: string, value: Expr): void {
  const v = variable(g, name);
  if (v.type.kind !== 'int') {
    const size = slotSize(v.type);
    if (!readsVariable(value, name)) return emitInto(g, value, v.offset, size, v.type);
    // `$s = c ? $s : "x"`, `$t = ($t.0, 2)`, `$s = @m[$s]`: written straight into its slot, the variable would be
    // zeroed or half overwritten before the value reads it; the value is made apart, then copied
    return scoped(g, () => {
      const apart = allocValue(g, size);
      emitInto(g, value, apart, size, v.type);
      copyValue(g, apart, v.offset, size);
    });
  }
  emitInt(g, value);
  normalize(g, v.type);
  g.e.emit(stxSlot(8, v.offset, R0));
}

/** Whether `x` reads the variable `name` anywhere in it. */
function readsVariable(x: Expr, name: string): boolean {
  let reads = false;
  walk(x, (n) => {
    if (n.kind === 'var' && n.name === name) reads = true;
  });
  return reads;
}

function emitAssign(g: Gen, s: AssignStmt): void {
  if (s.target.kind === 'map') {
    // `@m = { …; avg($a) }`: the block's statements, then the aggregation (the checker typed it so)
    let value = s.value;
    while (value.kind === 'block-expr' && aggregationIn(value.value)) {
      emitBlock(g, { kind: 'block', statements: value.statements, span: value.span });
      value = value.value;
    }
    if (value.kind === 'call') {
      const aggregate = BUILTIN_EMIT.get(value.name)?.call?.aggregate;
      if (aggregate) return aggregate(g, s.target, value);
    }
    return emitMapAssign(g, s as AssignStmt & { target: MapExpr });
  }
  if (s.op === '=') return storeVariable(g, s.target.name, s.value);
  const v = variable(g, s.target.name);
  // $x op= e  is  $x = $x op e
  const [leftType, rightType] = operandTypes(g, s.value);
  emitBinaryOp(g, s.op.slice(0, -1) as BinaryOp, s.target, s.value, s.span, leftType, rightType);
  normalize(g, v.type);
  g.e.emit(stxSlot(8, v.offset, R0));
}

function aggregationIn(x: Expr): boolean {
  if (x.kind === 'block-expr') return aggregationIn(x.value);
  return x.kind === 'call' && BUILTIN_EMIT.get(x.name)?.call?.aggregate !== undefined;
}

/** An expression used as a statement: computed for its effects (and reads), its value dropped. */
function emitDiscarded(g: Gen, x: Expr): void {
  const t = typeOf(g, x);
  if (t.kind === 'int' || t.kind === 'bool') return emitInt(g, x);
  if (t.kind === 'void') throw new CodegenError('this expression cannot be used as a statement', x.span);
  const size = slotSize(t);
  emitInto(g, x, allocValue(g, size), size);
}

/** `c ? f() : g()` with no value: an if/else of two statements */
function emitVoidTernary(g: Gen, x: Extract<Expr, { kind: 'ternary' }>): void {
  const branch = (e: Expr): Block => ({
    kind: 'block',
    statements: [{ kind: 'expr-stmt', expr: e, span: e.span }],
    span: e.span,
  });
  emitStmt(g, { kind: 'if', cond: x.cond, then: branch(x.then), else: branch(x.else), span: x.span });
}

function emitCallStmt(g: Gen, c: CallExpr): void {
  const stmt = BUILTIN_EMIT.get(c.name)?.call?.stmt;
  if (!stmt) throw new CodegenError(`${c.name}() cannot be used as a statement`, c.span);
  stmt(g, c);
}

/** The block emitter the parts below reach through the context (context.ts Lowering). */
/** The longest literal range a loop walks inline; longer ones go through bpf_loop. */
const INLINE_RANGE_STEPS = 64n;

export const statementEmitters: Pick<Lowering, 'block'> = { block: emitBlock };
