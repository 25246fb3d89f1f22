// iter: a tracing program linked to its iterator target.
import { R0, R6, jmpImm, ldx } from '../../asm/index.ts';
import type { ResolvedOf } from '../../../lang/index.ts';
import type { CompilerProviderRow } from './row.ts';

export const iter: CompilerProviderRow<ResolvedOf<'iter'>> = {
  progType: () => 'tracing',
  tracing: (a) => ({ attach: 'iter', btfId: a.btfId }),
  nameStem: (a) => `iter_${a.target}`,
  elfSection: (a) => `iter/${a.target}`,
  pidFilter: false,
  runsPastExit: true,
  // an iterator runs once more at the end with no object (ctx->task == NULL): nothing to report then
  prologue: (_a, exit) => [ldx(8, R0, R6, 8), jmpImm('jeq', R0, 0, exit)],
};
