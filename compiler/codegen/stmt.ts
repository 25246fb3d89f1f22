// Statements and the calls that are statements (exit, printf).
import { R0, R1, R2, R3, R4, R10, alu64Imm, call, ja, jmpImm, ldMapFd, mov64Imm, mov64Reg, st } from '../asm/index.ts';
import { assertNever, type AssignStmt, type Block, type CallExpr, type MapExpr, type Stmt } from '../../lang/ast.ts';
import { EVENTS_MAP, EXIT_EVENT_ID } from '../program.ts';
import { packedLayout, slotSize } from '../layout.ts';
import { CodegenError, allocOrFail, scoped, typeOf, type Gen } from './context.ts';
import { emitInt, emitInto } from './expr.ts';
import { BPF_FUNC as helper } from '../asm/index.ts';
import { emitMapAssign } from './maps.ts';
import { emitAggregation, emitMapFunctionStmt, isAggregation } from './map-functions.ts';

export function emitBlock(g: Gen, b: Block): void {
  for (const s of b.statements) emitStmt(g, s);
}

export function emitStmt(g: Gen, s: Stmt): void {
  g.e.at(s.span, () => emitStmtInner(g, s));
}

function emitStmtInner(g: Gen, s: Stmt): void {
  switch (s.kind) {
    case 'expr-stmt':
      if (s.expr.kind === 'call') return emitCallStmt(g, s.expr);
      return scoped(g, () => emitInt(g, s.expr));
    case 'assign':
      return emitAssign(g, s);
    case 'block':
      return emitBlock(g, s);
    case 'if': {
      const otherwise = g.e.freshLabel('if.else');
      const done = g.e.freshLabel('if.end');
      emitInt(g, s.cond);
      g.e.emit(jmpImm('jeq', R0, 0, otherwise));
      emitBlock(g, s.then);
      g.e.emit(ja(done));
      g.e.place(otherwise);
      if (s.else) emitStmt(g, s.else);
      g.e.place(done);
      return;
    }
    case 'let':
    case 'unroll':
    case 'while':
    case 'for-map':
    case 'for-range':
    case 'jump':
      throw new CodegenError(`${s.kind} statements are not supported yet`, s.span);
    default:
      return assertNever(s);
  }
}

function emitAssign(g: Gen, s: AssignStmt): void {
  if (s.target.kind === 'map') {
    if (s.value.kind === 'call' && isAggregation(s.value)) return emitAggregation(g, s.target, s.value);
    return emitMapAssign(g, s as AssignStmt & { target: MapExpr });
  }
  const v = g.vars.get(s.target.name);
  if (!v) throw new Error(`variable ${s.target.name} has no slot`);
  if (s.op === '=') return emitInto(g, s.value, v.offset, slotSize(v.type));
  throw new CodegenError(`${s.op} on variables is not supported yet`, s.span);
}

function emitCallStmt(g: Gen, c: CallExpr): void {
  switch (c.name) {
    case 'exit':
      return emitExit(g, c);
    case 'printf':
      return emitPrintf(g, c);
    default:
      if (emitMapFunctionStmt(g, c)) return;
      throw new CodegenError(`${c.name}() cannot be used as a statement`, c.span);
  }
}

/** Sends a record to the event ring buffer: ringbuf_output(events, r10+off, size, 0). */
function emitRingbufOutput(g: Gen, off: number, size: number): void {
  g.e.emit(
    ldMapFd(R1, EVENTS_MAP),
    mov64Reg(R2, R10),
    alu64Imm('add', R2, off),
    mov64Imm(R3, size),
    mov64Imm(R4, 0),
    call(helper.ringbuf_output),
  );
}

/** exit([code]): tell user space to stop, and end this probe now. */
function emitExit(g: Gen, c: CallExpr): void {
  scoped(g, () => {
    const rec = allocOrFail(g, 16, c.span);
    if (c.args[0]) emitInto(g, c.args[0], rec + 8, 8);
    else g.e.emit(st(8, R10, rec + 8, 0));
    g.e.emit(st(8, R10, rec, EXIT_EVENT_ID));
    emitRingbufOutput(g, rec, 16);
  });
  g.e.emit(ja(g.exitLabel));
}

function emitPrintf(g: Gen, c: CallExpr): void {
  const info = g.shared.checked.printfs.get(c);
  if (!info) throw new Error('printf without format info');
  const layout = packedLayout(info.args);
  const id = g.shared.events.length + 1;
  g.shared.events.push({
    id,
    kind: 'printf',
    pieces: info.pieces,
    args: info.args.map((type, i) => ({ type, offset: 8 + layout.offsets[i]! })),
  });
  scoped(g, () => {
    const size = 8 + layout.size;
    const rec = allocOrFail(g, size, c.span);
    c.args.slice(1).forEach((a, i) => {
      const at = rec + 8 + layout.offsets[i]!;
      emitInto(g, a, at, slotSize(typeOf(g, a)));
    });
    g.e.emit(st(8, R10, rec, id));
    emitRingbufOutput(g, rec, size);
  });
}
