// getopt(): the named parameter's value, a constant the checker recorded (lang/builtins/params.ts), or with
// CompileOptions.runtimeParams (--aot) a read of PARAMS_MAP, which the loader fills with the values the
// program is run with: a u64 for integers and bools, the string's bytes (NUL-padded) for a string.
import type { CallExpr } from '../../../lang/index.ts';
import type { Gen } from '../context.ts';
import { stxSlot } from '../context.ts';
import { R0, R1, R2, ldMapValue, ldx } from '../../asm/index.ts';
import { PARAMS_MAP } from '../../program.ts';
import { loadConst, storeBytes } from '../values.ts';
import type { EmitRows } from './emit.ts';
import { textByteLength, textBytes } from '../../../lang/index.ts';

function recorded(g: Gen, c: CallExpr): bigint | string {
  const v = g.shared.checked.positionals.get(c);
  if (v === undefined) throw new Error('getopt() without its value');
  return v;
}

/** Where getopt(c)'s value sits in PARAMS_MAP (`size` bytes, a multiple of 8), given a place on first use. */
function paramSlot(params: Map<string, { offset: number; size: number }>, c: CallExpr, size: number): number {
  const name = c.args[0]?.kind === 'string' ? c.args[0].value : '';
  const at = params.get(name);
  if (at) return at.offset;
  const offset = [...params.values()].reduce((n, p) => Math.max(n, p.offset + p.size), 0);
  params.set(name, { offset, size });
  return offset;
}

export const paramBuiltins: EmitRows = {
  getopt: {
    call: {
      int: (g, c) => {
        const v = recorded(g, c);
        if (typeof v !== 'bigint') throw new Error('string getopt() used as an integer');
        const params = g.shared.params;
        if (!params) return loadConst(g, R0, v);
        g.e.emit(ldMapValue(R1, PARAMS_MAP, 0), ldx(8, R0, R1, paramSlot(params, c, 8)));
      },
      into: (g, c, off, size) => {
        const v = recorded(g, c);
        if (typeof v !== 'string') throw new Error('integer getopt() used as a string');
        const params = g.shared.params;
        if (!params) return storeBytes(g, textBytes(v).subarray(0, size - 1), off);
        // the room is the type's: the recorded value's bytes and its NUL, in whole words
        const room = Math.ceil((textByteLength(v) + 1) / 8) * 8;
        const at = paramSlot(params, c, room);
        g.e.emit(ldMapValue(R1, PARAMS_MAP, 0));
        for (let i = 0; i + 8 <= Math.min(room, size); i += 8)
          g.e.emit(ldx(8, R2, R1, at + i), stxSlot(8, off + i, R2));
      },
      stmt: () => undefined,
    },
  },
};
