// -k / -kk: after a helper that can fail, a negative result becomes a `helper-error` event naming the helper
// and the script location, which user space prints as a warning (bpftrace's -k output).
import { R0, alu64Imm, jmpImm, mov64Imm } from '../asm/index.ts';
import type { HelperName } from '../asm/helpers.ts';
import { allocOrFail, ldSlot, scoped, stSlot, stxSlot, type Gen } from './context.ts';
import { defineEvent, emitEventOutput, stEventId } from './events.ts';

/**
 * Checks r0 after a helper call and keeps it (unless `resultUnused`: the caller never reads it, so the report does
 * not put it back). 'read' helpers (probe_read*) are checked only at level 2 (-kk): a failed read is common and
 * harmless (a string read returns zeroes). `quiet`: a negative result that is not reported. `int32`: the result
 * is an int in r0's low half.
 */
export function checkHelper(
  g: Gen,
  name: HelperName,
  kind: 'read' | 'other',
  quiet?: number,
  resultUnused = false,
  int32 = false,
): void {
  const level = g.shared.helperErrors;
  if (level === 0 || (kind === 'read' && level < 2)) return;
  const e = g.e;
  const ok = e.freshLabel('helper.ok');
  // a result the kernel may give as 32 bits (the verifier's inlined bpf_loop sets w0 = -E2BIG): sign-extended first
  if (int32) e.emit(alu64Imm('lsh', R0, 32), alu64Imm('arsh', R0, 32));
  e.emit(jmpImm('jsge', R0, 0, ok));
  if (quiet !== undefined) e.emit(jmpImm('jeq', R0, quiet, ok)); // a result that is not a failure here
  const id = defineEvent(g, { kind: 'helper-error', helper: name, span: e.span });
  scoped(g, () => {
    const rec = allocOrFail(g, 16, e.span);
    e.emit(stxSlot(8, rec + 8, R0), stEventId(rec, id));
    emitEventOutput(g, rec, 16, id);
    if (!resultUnused) e.emit(ldSlot(8, R0, rec + 8));
  });
  e.place(ok);
}

/**
 * After map_lookup_elem for a read of @m[k]: at -kk (bpftrace v0.26's -k) a key that is not there becomes a
 * map_lookup_elem warning with return code 0, as v0.26 reports it. r0 stays the lookup's result (NULL there).
 */
export function checkLookup(g: Gen): void {
  if (g.shared.helperErrors < 2) return;
  const e = g.e;
  const ok = e.freshLabel('lookup.ok');
  e.emit(jmpImm('jne', R0, 0, ok));
  const id = defineEvent(g, { kind: 'helper-error', helper: 'map_lookup_elem', span: e.span });
  scoped(g, () => {
    const rec = allocOrFail(g, 16, e.span);
    e.emit(stSlot(8, rec + 8, 0), stEventId(rec, id));
    emitEventOutput(g, rec, 16, id);
    e.emit(mov64Imm(R0, 0));
  });
  e.place(ok);
}
