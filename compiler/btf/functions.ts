// BTF for a program made of a main function and bpf_for_each_map_elem callbacks: the verifier wants
// func_info (one FUNC per subprogram) before it accepts a callback, and callbacks must be static.
import { BtfWriter } from './writer.ts';

export interface FunctionsBtf {
  readonly data: Uint8Array;
  /** the main program's FUNC: `int main(void *ctx)`, global */
  readonly main: number;
  /** one FUNC per callback, in the order given: `long cb(void *map, void *key, void *value, void *ctx)`, static */
  readonly callbacks: readonly number[];
}

/** Names must be C identifiers (the kernel checks them). */
export function functionsBtf(mainName: string, callbackNames: readonly string[]): FunctionsBtf {
  for (const n of [mainName, ...callbackNames])
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new Error(`btf: ${n} is not an identifier`);
  const w = new BtfWriter();
  const int = w.int('int', 4, true);
  const long = w.int('long', 8, true);
  const voidPtr = w.ptr(0);
  const mainProto = w.funcProto(int, [{ name: 'ctx', type: voidPtr }]);
  const main = w.func(mainName, mainProto, 'global');
  const callbacks: number[] = [];
  if (callbackNames.length) {
    const cbProto = w.funcProto(
      long,
      ['map', 'key', 'value', 'ctx'].map((name) => ({ name, type: voidPtr })),
    );
    for (const n of callbackNames) callbacks.push(w.func(n, cbProto, 'static'));
  }
  return { data: w.encode(), main, callbacks };
}
