// The matches of a wildcard probe mostly generate the same code: an event schema defined again, the same in every
// field, keeps its first id (codegen/events.ts defineEvent), so the programs are the same bytes, and the optimizer
// runs once for the same code (codegen/program.ts optimizeOnce; ~1 ms a program, ~350 syscall tracepoints).
// A program that differs (`probe`, as a key or printed with %s, is each match's own index, unless the attachments
// carry it as a cookie) stays its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, parse, sourceFile } from '../../../lang/index.ts';
import { compile, type CompiledProgram, type CookieCarrier } from '../../../compiler/index.ts';
import { itemsKey } from '../../../compiler/codegen/content-key.ts';
import { exit, mov64Imm } from '../../../compiler/asm/index.ts';
import { fixedKernel } from '../../helpers/fixed-kernel.ts';

function compiled(
  text: string,
  optimize = true,
  attachCookies: boolean | ((carrier: CookieCarrier) => boolean) = false,
): CompiledProgram {
  const parsed = parse(sourceFile('t.bt', text));
  const out = check(parsed.program!, fixedKernel, { params: [] });
  if (!out.program) throw new Error(out.diagnostics.map((d) => d.message).join('\n'));
  const c = compile(out.program, { optimize, attachCookies });
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  return c.program;
}

const hex = (p: { bytecode: Uint8Array }) => Buffer.from(p.bytecode).toString('hex');
const body = '{ @[comm] = count(); printf("%s %d\\n", comm, pid); @last[tid] = nsecs; }';

for (const optimize of [true, false])
  test(`a wildcard's matches that read no probe are the same program, with one set of events (optimize ${optimize})`, () => {
    const wild = compiled(`tracepoint:syscalls:sys_enter_mkdir* ${body}`, optimize);
    const probes = wild.programs.filter((p) => p.attach.provider === 'tracepoint');
    assert.is(probes.length, 2); // mkdir, mkdirat
    assert.is(hex(probes[0]!), hex(probes[1]!));
    assert.equal(probes[0]!.relocations, probes[1]!.relocations);
    // the events one match defines: exit, the count's and the assignment's map_update_elem failures, the printf
    const one = compiled(`tracepoint:syscalls:sys_enter_mkdir ${body}`, optimize);
    assert.equal(
      wild.events.map((e) => e.kind),
      ['exit', 'helper-error', 'printf', 'helper-error'],
    );
    assert.is(wild.events.length, one.events.length);
  });

test('`probe` as a key: each match its own constant, or with attach cookies one code reading its cookie', () => {
  const text = 'tracepoint:syscalls:sys_enter_mkdir*, tracepoint:syscalls:sys_enter_openat { @[probe] = count(); }';
  const own = compiled(text).programs.filter((p) => p.attach.provider === 'tracepoint');
  assert.is(own.length, 3);
  assert.is.not(hex(own[0]!), hex(own[1]!));
  assert.ok(own.every((p) => p.attachCookie === undefined));
  const shared = compiled(text, true, true).programs.filter((p) => p.attach.provider === 'tracepoint');
  assert.is(hex(shared[0]!), hex(shared[1]!));
  assert.is(hex(shared[0]!), hex(shared[2]!));
  assert.equal(
    shared.map((p) => p.attachCookie),
    [0n, 1n, 2n],
  );
  // one attach point: its constant, no cookie (no helper call per event)
  assert.ok(
    compiled('tracepoint:syscalls:sys_enter_mkdir { @[probe] = count(); }', true, true).programs.every(
      (p) => p.attachCookie === undefined,
    ),
  );
  // helper errors carry their span: another statement is another event
  const two = compiled('BEGIN { @a[1] = 1; @a[2] = 2; }');
  assert.is(two.events.filter((e) => e.kind === 'helper-error').length, 2);
});

test('`probe` by the cookie only where the kernel gives that kind of attachment one (raw tracepoints: Linux 6.10)', () => {
  const text = 'rawtracepoint:sched_switch, tracepoint:syscalls:sys_enter_mkdir* { @[probe] = count(); }';
  const asked: CookieCarrier[] = [];
  // a kernel with perf link cookies (5.15) and none on raw tracepoint links
  const perfOnly = compiled(text, true, (carrier) => (asked.push(carrier), carrier === 'perf-link')).programs;
  assert.equal(asked.sort(), ['perf-link', 'raw-tracepoint']); // once each
  const [raw, ...perf] = perfOnly;
  assert.is(raw!.progType, 'raw_tracepoint');
  assert.is(raw!.attachCookie, undefined);
  assert.equal(
    perf.map((p) => p.attachCookie),
    [1n, 2n],
  );
  assert.is.not(hex(raw!), hex(perf[0]!)); // its constant, 0
  // both: one code for all three, the raw tracepoint's link carrying cookie 0
  const both = compiled(text, true, true).programs;
  assert.equal(
    both.map((p) => p.attachCookie),
    [0n, 1n, 2n],
  );
  assert.is(new Set(both.map(hex)).size, 1);
});

test('`probe` printed with %s: its index in the record (printed as the name), read from the cookie where it can be', () => {
  const text =
    'tracepoint:syscalls:sys_enter_mkdir*, tracepoint:syscalls:sys_enter_openat { printf("%-40s %d\\n", probe, pid); }';
  const own = compiled(text);
  const printf = own.events.find((e) => e.kind === 'printf');
  assert.ok(printf && printf.kind === 'printf');
  // 8 bytes of index where the longest name took 38 (bpftrace prints probe by its id too)
  const type = printf.args[0]!.type;
  assert.equal(type, {
    kind: 'int',
    bits: 64,
    signed: false,
    view: {
      kind: 'probe',
      names: [
        'tracepoint:syscalls:sys_enter_mkdir',
        'tracepoint:syscalls:sys_enter_mkdirat',
        'tracepoint:syscalls:sys_enter_openat',
      ],
    },
  });
  assert.is(printf.args[1]!.offset, 16);
  const tps = (c: CompiledProgram) => c.programs.filter((p) => p.attach.provider === 'tracepoint');
  assert.ok(tps(own).every((p) => p.attachCookie === undefined));
  assert.is.not(hex(tps(own)[0]!), hex(tps(own)[1]!)); // each its constant
  const shared = tps(compiled(text, true, true));
  assert.is(new Set(shared.map(hex)).size, 1);
  assert.equal(
    shared.map((p) => p.attachCookie),
    [0n, 1n, 2n],
  );
  // only where the format prints text: %d of probe stays an error, and elsewhere probe is a string
  assert.throws(() => compiled('BEGIN { printf("%d\\n", probe); }'), /%d needs an integer, got string/);
  const stored = compiled('BEGIN { $p = probe; printf("%s\\n", $p); }').events.find((e) => e.kind === 'printf');
  assert.is(stored?.kind === 'printf' && stored.args[0]!.type.kind, 'string');
});

test('itemsKey tells instructions, labels, map references and spans apart', () => {
  const file = sourceFile('a.bt', 'BEGIN {}');
  const other = sourceFile('a.bt', 'BEGIN {}');
  const at = (f: typeof file, start: number) => ({ file: f, start, end: start + 1 });
  const a = [{ ...mov64Imm(0, 1), span: at(file, 0) }, { label: 'x' }, exit()];
  assert.is(itemsKey(a), itemsKey([{ ...mov64Imm(0, 1), span: at(file, 0) }, { label: 'x' }, exit()]));
  assert.is.not(itemsKey(a), itemsKey([{ ...mov64Imm(0, 2), span: at(file, 0) }, { label: 'x' }, exit()]));
  assert.is.not(itemsKey(a), itemsKey([{ ...mov64Imm(0, 1), span: at(file, 1) }, { label: 'x' }, exit()]));
  assert.is.not(itemsKey(a), itemsKey([{ ...mov64Imm(0, 1), span: at(other, 0) }, { label: 'x' }, exit()]));
  assert.is.not(itemsKey(a), itemsKey([{ ...mov64Imm(0, 1), span: at(file, 0) }, { label: 'y' }, exit()]));
  const m = (map: string) => ({ ...mov64Imm(1, 0), mapRef: { map, kind: 'fd' as const, offset: 0 } });
  assert.is.not(itemsKey([m('a')]), itemsKey([m('b')]));
});

test('one printf event for the same format in two probes', () => {
  const events = compiled('BEGIN { printf("v %d\\n", 1); } END { printf("v %d\\n", 2); }').events;
  assert.is(events.filter((e) => e.kind === 'printf').length, 1);
});

test.run();
