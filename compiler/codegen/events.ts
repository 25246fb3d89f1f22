// The one channel to user space: records on the event ring buffer, each starting with a u64 event id.
// A record the ring buffer has no room for is counted in the `lost` array, which user space reports (as a sum
// of -EAGAIN, program.ts LOST_MAP: ringbuf_output's own return value is what gets added).
import {
  BPF_FUNC as helper,
  R0,
  R1,
  R2,
  R3,
  R4,
  atomic,
  call,
  ja,
  jmpImm,
  mov64Reg,
  ldMapFd,
  ldMapValue,
  mov64Imm,
  alu64Imm,
  stx,
  type Insn,
} from '../asm/index.ts';
import { EVENTS_MAP, LOST_ERRNO, LOST_MAP, type EventSchema } from '../program.ts';
import { addrOf, allocOrFail, ldSlot, scoped, stSlot, stxSlot, type Gen, type Shared } from './context.ts';
import { contentKey } from './content-key.ts';

type NewSchema = EventSchema extends infer S ? (S extends { id: number } ? Omit<S, 'id'> : never) : never;

/** Records every program may send however it runs: they alone need no more than a small ring (compile.ts). */
export const QUIET_KINDS: ReadonlySet<EventSchema['kind']> = new Set(['exit', 'helper-error', 'runtime-warning']);

/** Counts a place that sends a record of event `id` (`bytes` long) in the program's Gen.records. */
function countRecord(g: Gen, id: number, bytes: number): void {
  if (!QUIET_KINDS.has(g.shared.events[id]!.kind)) g.records.loudBytes += bytes;
}

/**
 * Registers an event schema and returns its id (0 is exit). A schema already defined, the same in every field
 * (the same statement in another match of a wildcard probe), keeps its id: user space decodes both alike, and the
 * programs stay the same code (program.ts optimizes such code once, attach-groups.ts shares it).
 */
export function defineEvent(g: Gen, schema: NewSchema): number {
  const key = contentKey(schema);
  const known = g.shared.eventIds.get(key);
  if (known !== undefined) return known;
  const id = g.shared.events.length;
  g.shared.events.push({ ...schema, id } as EventSchema);
  g.shared.eventIds.set(key, id);
  return id;
}

/** Forgets the events defined from id `from` on (the program that defined them was dropped). */
export function dropEventsFrom(shared: Shared, from: number): void {
  if (shared.events.length <= from) return;
  shared.events.length = from;
  for (const [key, id] of shared.eventIds) if (id >= from) shared.eventIds.delete(key);
}

/** The store of a record's event id into its first word, marked as a tag nothing computes with (shape-memo.ts). */
export function stEventId(off: number, id: number): Insn {
  return { ...stSlot(8, off, id), opaqueImm: true };
}

/**
 * ringbuf_output(events, &slot, size, 0) of a record of event `id`; on failure, lost[0] += its return value
 * (-EAGAIN).
 */
export function emitEventOutput(g: Gen, off: number, size: number, id: number): void {
  const { e } = g;
  countRecord(g, id, size);
  const sent = e.freshLabel('event.sent');
  e.emit(ldMapFd(R1, EVENTS_MAP), ...addrOf(R2, off), mov64Imm(R3, size), mov64Imm(R4, 0), call(helper.ringbuf_output));
  e.emit(jmpImm('jeq', R0, 0, sent));
  countLost(g, sent, true);
}

/**
 * A record that is its id alone (printf without arguments, time(), a runtime warning): sent from a copy of the
 * id kept after the counter in LOST_MAP's value (compile.ts writes it there), addressed directly, rather than
 * stored on the stack first: one instruction fewer, and the optimizer can reach the counter from the same address.
 */
export function emitIdEvent(g: Gen, id: number): void {
  const { e } = g;
  countRecord(g, id, 8);
  const sent = e.freshLabel('event.sent');
  let k = g.shared.idRecords.indexOf(id);
  if (k < 0) k = g.shared.idRecords.push(id) - 1;
  e.emit(ldMapFd(R1, EVENTS_MAP), ldMapValue(R2, LOST_MAP, 8 + 8 * k), mov64Imm(R3, 8), mov64Imm(R4, 0));
  e.emit(call(helper.ringbuf_output), jmpImm('jeq', R0, 0, sent));
  countLost(g, sent, true);
}

/**
 * A record of event `id` followed by `size` bytes that already sit at slot `from` (a big variable), built in
 * the ring buffer itself (reserve, copy, submit) rather than in a second copy in scratch space, so a probe
 * holding a 20 KiB tuple can still print it. The reservation is kept in a stack slot across the copy.
 */
export function emitEventFromSlot(g: Gen, id: number, from: number, size: number): void {
  const { e } = g;
  countRecord(g, id, 8 + size);
  const sent = e.freshLabel('event.sent');
  const lost = e.freshLabel('event.lost');
  scoped(g, () => {
    const held = allocOrFail(g, 8, undefined);
    e.emit(ldMapFd(R1, EVENTS_MAP), mov64Imm(R2, 8 + size), mov64Imm(R3, 0), call(helper.ringbuf_reserve));
    e.emit(jmpImm('jeq', R0, 0, lost), stxSlot(8, held, R0));
    e.emit(mov64Imm(R1, id), stx(8, R0, R1, 0));
    e.emit(mov64Reg(R1, R0), alu64Imm('add', R1, 8), mov64Imm(R2, size), ...addrOf(R3, from));
    e.emit(call(helper.probe_read_kernel));
    // a failed copy (it cannot fail: the source is this program's own memory) still submits what it has
    e.emit(ldSlot(8, R1, held), mov64Imm(R2, 0), call(helper.ringbuf_submit), ja(sent));
  });
  e.place(lost);
  countLost(g, sent, false);
}

/**
 * lost[0] += -EAGAIN (atomically: one counter for all CPUs, addressed directly), then `sent`. After
 * ringbuf_output r0 holds that value already (its only failure with valid flags), which saves the move of a
 * constant on every output; a failed reservation left 0 there.
 */
function countLost(g: Gen, sent: string, errnoInR0: boolean): void {
  if (errnoInR0) g.e.emit(ldMapValue(R1, LOST_MAP, 0), atomic('add', 8, R1, R0, 0));
  else g.e.emit(ldMapValue(R1, LOST_MAP, 0), mov64Imm(R2, -LOST_ERRNO), atomic('add', 8, R1, R2, 0));
  g.e.place(sent);
}
