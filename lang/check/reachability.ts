// Statements after a jump that always happens are dead: bpftrace v0.26 warns "Unreachable statement." on the
// first one of each block. exit() counts as a return (it ends the probe), as in bpftrace.
import type { Block, IfStmt, Probe, Stmt } from '../ast.ts';
import { warning, type Diagnostic } from '../diagnostics.ts';

type Jump = 'break' | 'continue' | 'return';

/** Warns on the first unreachable statement of every block in the probes' bodies. */
export function checkReachability(probes: readonly Probe[], diagnostics: Diagnostic[]): void {
  for (const p of probes) ends(p.body, new Set<Jump>(['return']), diagnostics);
}

/** Whether the block always ends in one of the jumps that leave the scope being checked. */
function ends(block: Block, jumps: ReadonlySet<Jump>, diagnostics: Diagnostic[]): boolean {
  const { statements } = block;
  for (let i = 0; i < statements.length; i++) {
    if (!stmtEnds(statements[i]!, jumps, diagnostics)) continue;
    const next = statements[i + 1];
    if (next) diagnostics.push(warning('Unreachable statement.', next.span));
    return true;
  }
  return false;
}

function stmtEnds(s: Stmt, jumps: ReadonlySet<Jump>, diagnostics: Diagnostic[]): boolean {
  switch (s.kind) {
    case 'jump':
      return jumps.has(s.jump);
    case 'expr-stmt':
      return jumps.has('return') && s.expr.kind === 'call' && s.expr.name === 'exit' && s.expr.args.length <= 1;
    case 'block':
      return ends(s, jumps, diagnostics);
    case 'if':
      return ifEnds(s, jumps, diagnostics);
    case 'unroll':
      return ends(s.body, jumps, diagnostics);
    // a loop's own break/continue stay inside it; its body is checked as a scope of its own
    case 'while':
      ends(s.body, new Set<Jump>(['break', 'continue', 'return']), diagnostics);
      return false;
    case 'for-map':
    case 'for-range':
      ends(s.body, new Set<Jump>(['break', 'continue']), diagnostics);
      return false;
    default:
      return false;
  }
}

/** Both branches must end; both are checked for dead code even when the first does not end. */
function ifEnds(s: IfStmt, jumps: ReadonlySet<Jump>, diagnostics: Diagnostic[]): boolean {
  const thenEnds = ends(s.then, jumps, diagnostics);
  if (!s.else) return false;
  const elseEnds = s.else.kind === 'if' ? ifEnds(s.else, jumps, diagnostics) : ends(s.else, jumps, diagnostics);
  return thenEnds && elseEnds;
}
