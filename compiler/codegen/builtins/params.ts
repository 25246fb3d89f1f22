// getopt(): the named parameter's value, a constant the checker recorded (lang/builtins/params.ts).
import type { CallExpr } from '../../../lang/index.ts';
import type { Gen } from '../context.ts';
import { R0 } from '../../asm/index.ts';
import { loadConst, storeBytes } from '../values.ts';
import type { EmitRows } from './emit.ts';

function recorded(g: Gen, c: CallExpr): bigint | string {
  const v = g.shared.checked.positionals.get(c);
  if (v === undefined) throw new Error('getopt() without its value');
  return v;
}

export const paramBuiltins: EmitRows = {
  getopt: {
    call: {
      int: (g, c) => {
        const v = recorded(g, c);
        if (typeof v !== 'bigint') throw new Error('string getopt() used as an integer');
        loadConst(g, R0, v);
      },
      into: (g, c, off, size) => {
        const v = recorded(g, c);
        if (typeof v !== 'string') throw new Error('integer getopt() used as a string');
        storeBytes(g, Buffer.from(v, 'utf8').subarray(0, size - 1), off);
      },
      stmt: () => undefined,
    },
  },
};
