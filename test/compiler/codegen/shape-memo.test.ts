// Programs of the same shape share one optimization (codegen/shape-memo.ts): code that differs only in its maps,
// spans, labels and event ids is optimized once, as a template, and each program gets it back with its own. What
// must hold: every program comes out exactly as when optimized on its own (bytes, source lines, map relocations),
// and a template the optimizer changed a sentinel in is refused.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  instantiate,
  shapeOf,
  templateFromText,
  templateText,
  usableTemplate,
  type TemplateStore,
} from '../../../compiler/codegen/shape-memo.ts';
import {
  alu64Imm,
  exit,
  ja,
  jmpImm,
  label,
  ldMapFd,
  mov64Imm,
  R0,
  R1,
  st,
  type AsmItem,
  type Insn,
} from '../../../compiler/asm/index.ts';
import { sourceFile, type KernelInfo, type Span } from '../../../lang/index.ts';
import { hostKernelInfo } from '../../../runtime/index.ts';
import type { CompiledProgram } from '../../../compiler/index.ts';
import { requireRoot } from '../../helpers/kernel.ts';
import { SIZE_CORPUS } from '../../bench/size.ts';
import { compileText } from '../../helpers/pipeline.ts';
import { fixedKernel } from '../../helpers/fixed-kernel.ts';

type Level = 0 | 1 | 2;
const compiled = (text: string, shareShapes: boolean, helperErrors: Level = 1, kernel: KernelInfo = fixedKernel) =>
  compileText(text, kernel, { optimize: true, shareShapes, helperErrors, settings: {} });

/** Everything of a program that encoding and loading use, as text. */
const listing = (p: CompiledProgram) =>
  p.programs.map((x) =>
    JSON.stringify({
      name: x.name,
      bytes: Buffer.from(x.bytecode).toString('hex'),
      relocations: x.relocations,
      lines: x.sourceMap.map((s) => (s ? `${s.start}-${s.end}` : '')),
    }),
  );

function same(text: string, helperErrors: Level = 1, kernel: KernelInfo = fixedKernel): void {
  const shared = compiled(text, true, helperErrors, kernel);
  const alone = compiled(text, false, helperErrors, kernel);
  assert.equal(listing(shared), listing(alone), text);
}

const MAPS = ['a', 'b', 'c', 'd', 'e', 'f'];

test('six probes counting into six maps: each program as when optimized on its own', () => {
  same(MAPS.map((m) => `tracepoint:syscalls:sys_enter_mkdir { @${m}[pid] = count(); }`).join(' '));
  // the helper-error records (one event id per probe) are what the template's sentinels stand for
  same(MAPS.map((m) => `tracepoint:syscalls:sys_enter_mkdir { @${m}[comm] = count(); @${m}x = nsecs; }`).join(' '), 2);
  same(
    MAPS.map((m) => `tracepoint:syscalls:sys_enter_mkdir { printf("%d %s\\n", pid, comm); @${m} = hist(pid); }`).join(
      ' ',
    ),
  );
});

if (requireRoot('the corpora on this kernel (tracefs)'))
  test('the size corpus and the reference corpus come out the same with and without sharing', () => {
    const kernel = hostKernelInfo();
    for (const prog of SIZE_CORPUS) for (const level of [0, 1, 2] as const) same(prog.text, level, kernel);
    const run = join(fileURLToPath(new URL('.', import.meta.url)), '../../corpus/run');
    let n = 0;
    for (const f of readdirSync(run).filter((x) => x.endsWith('.bt'))) {
      const text = readFileSync(join(run, f), 'utf8');
      let shared: string[];
      try {
        shared = listing(compiled(text, true, 1, kernel));
      } catch {
        continue; // a program for a provider this kernel lacks
      }
      assert.equal(shared, listing(compiled(text, false, 1, kernel)), f);
      n++;
    }
    assert.ok(n > 100, `${n} corpus programs compared`);
  });

/** A TemplateStore in memory that counts what it is asked; `damage` changes each text it answers with. */
function memoryStore(damage?: (text: string) => string) {
  const texts = new Map<string, string>();
  const store: TemplateStore & { hits: number; sets: number } = {
    hits: 0,
    sets: 0,
    get(key) {
      const text = texts.get(key);
      if (text !== undefined) store.hits++;
      return text !== undefined && damage ? damage(text) : text;
    },
    set(key, text) {
      store.sets++;
      texts.set(key, text);
    },
  };
  return { store, texts };
}

const withStore = (text: string, templateStore: TemplateStore, kernel: KernelInfo) =>
  compileText(text, kernel, { optimize: true, helperErrors: 1, settings: {}, templateStore });

if (requireRoot('the size corpus on this kernel (tracefs)'))
  test('templates kept between runs (TemplateStore): each program as when optimized on its own', () => {
    const kernel = hostKernelInfo();
    const { store, texts } = memoryStore();
    for (const prog of SIZE_CORPUS) withStore(prog.text, store, kernel); // the first run keeps them
    assert.ok(store.sets > 20, `${store.sets} templates kept`);
    // the text reads back as the same template
    for (const text of texts.values()) assert.is(templateText(templateFromText(text)!), text);
    const damaged = [
      (t: string) => t.slice(0, t.length >> 1), // cut short
      (t: string) => t.replace(/\[(\d+),/, '["x",'), // not an instruction
      () => '{}',
    ];
    for (const prog of SIZE_CORPUS) {
      const alone = listing(compiled(prog.text, false, 1, kernel));
      const before = { hits: store.hits, sets: store.sets };
      assert.equal(listing(withStore(prog.text, store, kernel)), alone, `${prog.name}: from the kept templates`);
      assert.ok(store.hits > before.hits && store.sets === before.sets, `${prog.name}: no optimizer run`);
      // text that is not a template is a miss: the program is optimized again, the same
      for (const damage of damaged) {
        const { store: bad, texts: badTexts } = memoryStore(damage);
        for (const [k, v] of texts) badTexts.set(k, v);
        assert.equal(listing(withStore(prog.text, bad, kernel)), alone, `${prog.name}: from damaged templates`);
      }
    }
  });

// ---- the shape itself, on hand-made code ----------------------------------------------------------------------

const file = sourceFile('t.bt', 'x'.repeat(100));
const span = (start: number): Span => ({ file, start, end: start + 1 });
const sizes = () => ({ key: 8, value: 8 });
const at = (i: Insn, s: Span): Insn => ({ ...i, span: s });
const tag = (i: Insn): Insn => ({ ...i, opaqueImm: true });

/** A record's id stored, a map loaded, a branch over it: the forms the memo renames. */
function program(map: string, id: number, s: Span, l: string, constant = 5): AsmItem[] {
  return [
    at(tag(st(8, 10, -8, id)), s),
    at(ldMapFd(R1, map), s),
    jmpImm('jeq', R1, constant, l),
    mov64Imm(R0, 1),
    label(l),
    exit(),
  ];
}

test('code differing in map, span, label and event id has one shape; each gets its own back', () => {
  const a = shapeOf(program('m0_a', 3, span(10), 'x.1'), sizes)!;
  const b = shapeOf(program('m1_b', 7, span(40), 'y.9'), sizes)!;
  assert.ok(a && b);
  assert.is(a.key, b.key);
  const back = instantiate(a.items, b)!;
  const insns = back.filter((i): i is Insn => !('label' in i));
  assert.is(insns[0]!.imm, 7);
  assert.is(insns[0]!.span, b.spans[0]);
  assert.is(insns[1]!.mapRef!.map, 'm1_b');
  assert.is(insns[1]!.span!.start, 40);
});

test('another constant, map sizes or a function call is another shape, or none', () => {
  const key = (items: AsmItem[], s = sizes) => shapeOf(items, s)?.key;
  const base = key(program('m', 3, span(1), 'l'));
  assert.is.not(key(program('m', 3, span(1), 'l', 6)), base);
  assert.is.not(
    key(program('m', 3, span(1), 'l'), () => ({ key: 4, value: 8 })),
    base,
  );
  assert.is(key([{ ...mov64Imm(R1, 0), callTo: 'f' }, exit()]), undefined);
  assert.is(key([mov64Imm(R1, 0x5ce00003), exit()]), undefined); // a constant among the sentinels
});

test('a template whose sentinel the optimizer changed or computed with is refused', () => {
  const shape = shapeOf(program('m', 3, span(1), 'l'), sizes)!;
  const sentinel = (shape.items[0] as Insn).imm;
  assert.ok(usableTemplate(shape.items, shape));
  assert.ok(usableTemplate([mov64Imm(R1, sentinel), exit()], shape)); // moved into a register: still the tag
  assert.not.ok(usableTemplate([st(8, 10, -8, sentinel + 8), exit()], shape));
  assert.not.ok(usableTemplate([alu64Imm('add', R1, sentinel), exit()], shape));
  assert.not.ok(usableTemplate([jmpImm('jeq', R1, sentinel, 'l'), label('l'), exit()], shape));
  assert.not.ok(usableTemplate([{ ...mov64Imm(R1, 0), imm64: BigInt(sentinel) }, exit()], shape));
  // merged with a neighbouring store into one 64-bit constant, in either half
  assert.not.ok(usableTemplate([{ ...mov64Imm(R1, 0), imm64: (7n << 32n) | BigInt(sentinel) }, exit()], shape));
  assert.not.ok(usableTemplate([{ ...mov64Imm(R1, 0), imm64: BigInt(sentinel) << 32n }, exit()], shape));
  assert.ok(usableTemplate([ja('l'), label('l'), exit()], shape));
});

test.run();
