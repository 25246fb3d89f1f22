// `func` in a uprobe of several functions, read by its attachment's cookie: the function names of every attach
// point sit in one array value (program.ts FUNC_NAMES_MAP), row i for CheckedProgram.probeNames[i], and the
// program copies its row as the string, so the programs of all the functions are the same code (generated once,
// one uprobe_multi link) where each stored its own name. The string is the same bytes either way.
import { BPF_FUNC as helper, R0, R1, R2, alu64Imm, alu64Reg, call, jmpImm, ldMapValue, ldx } from '../asm/index.ts';
import type { CheckedProgram } from '../../lang/index.ts';
import { FUNC_NAMES_MAP } from '../program.ts';
import { stxSlot, type Gen, type Shared } from './context.ts';
import { pieces } from './values.ts';

type FuncNameTable = NonNullable<Shared['funcNames']>;

/** The table of the program's attach points' function names (empty for points that have none). */
export function funcNameTable(checked: CheckedProgram): FuncNameTable {
  const byText = new Map<string, string>();
  for (const [a, context] of checked.contexts) if (!byText.has(a.text)) byText.set(a.text, context.funcName ?? '');
  const names = checked.probeNames.map((text) => Buffer.from(byText.get(text) ?? '', 'utf8'));
  const rowSize = Math.ceil((Math.max(0, ...names.map((n) => n.length)) + 1) / 8) * 8;
  const bytes = new Uint8Array(names.length * rowSize);
  names.forEach((n, i) => bytes.set(n, i * rowSize));
  return { count: names.length, rowSize, bytes };
}

/**
 * Whether `func` can be read by the cookie here: a program shared by attach points that carry it (Gen.cookie) and
 * a kernel that sets it. Asks nothing of the point, so the code does not depend on it (point-reads.ts).
 */
export function funcByCookie(g: Gen): boolean {
  return g.cookie !== undefined && g.shared.attachCookies?.(g.cookie.carrier) === true;
}

/** Copies this attach point's function name (its row, up to `size` bytes) to the stack at `off`, which is zeroed. */
export function emitFuncNameByCookie(g: Gen, off: number, size: number): void {
  const table = (g.shared.funcNames ??= funcNameTable(g.shared.checked));
  g.cookie!.names = g.shared.checked.probeNames;
  const done = g.e.freshLabel('func.done');
  g.e.emit(
    ...g.e.contextToR1(),
    call(helper.get_attach_cookie),
    // a cookie this program did not set: no name (the zeroed string)
    jmpImm('jge', R0, table.count, done),
    alu64Imm('mul', R0, table.rowSize),
    ldMapValue(R1, FUNC_NAMES_MAP, 0),
    alu64Reg('add', R1, R0),
  );
  // nothing past `size` is written, and nothing past the row is read (a key shared with a longer string is longer
  // than any name; the rest of it stays zero)
  for (const piece of pieces(Math.min(size, table.rowSize)))
    g.e.emit(ldx(piece.size, R2, R1, piece.at), stxSlot(piece.size, off + piece.at, R2));
  g.e.place(done);
}
