// lang/kept-parse.ts: a parse kept between runs is the parse. Over every script of the corpora and examples, the
// kept text reads back as the same result (spans in the same SourceFile, a node in two places one node), and a
// compile from the kept parse gives the same programs and diagnostics as a compile that parses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource, type CompiledProgram } from '../../compiler/index.ts';
import { parse, parseKept, renderDiagnostics, sourceFile, type TextStore } from '../../lang/index.ts';
import { parseResultFromText, parseResultText } from '../../lang/kept-parse.ts';
import { hostKernelInfo } from '../../runtime/index.ts';
import { requireRoot } from '../helpers/kernel.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const dirs = [join(here, '../corpus/run'), join(here, '../../examples'), join(here, '../../examples/tools')];
const scripts = dirs.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.bt'))
    .map((f) => ({ name: f, text: readFileSync(join(d, f), 'utf8') })),
);

/** A TextStore in memory that counts its answers. */
function memoryStore() {
  const texts = new Map<string, string>();
  const store: TextStore & { hits: number } = {
    hits: 0,
    get(key) {
      const t = texts.get(key);
      if (t !== undefined) store.hits++;
      return t;
    },
    set: (key, text) => void texts.set(key, text),
  };
  return store;
}

/** Every object reachable from `v` more than once, and whether every span's file is `file`. */
function shape(v: unknown, file: object) {
  const seen = new Set<object>();
  let shared = 0;
  let foreignFiles = 0;
  const walk = (x: unknown) => {
    if (typeof x !== 'object' || x === null) return;
    if (x === file) return;
    if (seen.has(x)) {
      shared++;
      return;
    }
    seen.add(x);
    if ('file' in x && (x as { file: unknown }).file !== file) foreignFiles++;
    for (const y of Object.values(x)) walk(y);
  };
  walk(v);
  return { objects: seen.size, shared, foreignFiles };
}

test('every parse without diagnostics is kept, and reads back as the same result', () => {
  let kept = 0;
  for (const s of scripts) {
    const file = sourceFile(s.name, s.text);
    const parsed = parse(file);
    if (!parsed.program || parsed.diagnostics.length) continue;
    const text = parseResultText(parsed, file);
    assert.type(text, 'string', `${s.name} is kept`);
    const back = parseResultFromText(text!, file)!;
    assert.equal(back, parsed, s.name);
    assert.equal(shape(back, file), shape(parsed, file), `${s.name}: the same sharing, spans in the one file`);
    kept++;
  }
  assert.ok(kept > 150, `${kept} scripts kept`);
});

test('what the text form cannot carry is not kept; text that is not a kept parse is a miss', () => {
  const file = sourceFile('t.bt', 'BEGIN { }');
  const parsed = parse(file);
  const other = sourceFile('u.bt', 'x');
  for (const odd of [new Map(), NaN, -0, Infinity, () => 1, { file: other }, new (class Node {})()])
    assert.is(parseResultText({ ...parsed, extra: odd } as never, file), undefined, String(odd));
  assert.is(parseResultFromText('not json', file), undefined);
  assert.is(parseResultFromText('{"\\u0000":["r",5]}', file), undefined);
  assert.is(parseResultFromText('[1,2]', file), undefined);
  // a tree deeper than a walk can go (the parser takes `!` 20,000 deep; the checker then says it is too deep)
  const deep = sourceFile('deep.bt', `BEGIN { $x = ${'!'.repeat(20000)}1; }`);
  const deepParse = parse(deep);
  assert.ok(deepParse.program && !deepParse.diagnostics.length);
  assert.is(parseResultText(deepParse, deep), undefined);
  // a parse with something to say is parsed each time
  const store = memoryStore();
  const bad = sourceFile('bad.bt', 'BEGIN { @x = ; }');
  parseKept(bad, store, parse);
  assert.is(parseKept(bad, store, parse).diagnostics.length > 0, true);
  assert.is(store.hits, 0);
  // the name is part of the key: diagnostics and spans name the file
  const a = parseKept(sourceFile('a.bt', 'BEGIN { }'), store, parse);
  const b = parseKept(sourceFile('b.bt', 'BEGIN { }'), store, parse);
  assert.is(store.hits, 0);
  assert.is.not(a, b);
});

const listing = (p: CompiledProgram | undefined) =>
  p?.programs.map((x) => `${x.name} ${Buffer.from(x.bytecode).toString('hex')} ${JSON.stringify(x.relocations)}`);

if (requireRoot('compiles on this kernel (tracefs)'))
  test('a compile from the kept parse: the same programs and diagnostics', () => {
    const kernel = hostKernelInfo();
    const store = memoryStore();
    let n = 0;
    for (const s of scripts) {
      const options = { name: s.name, optimize: true, helperErrors: 1 as const, settings: {} };
      let fresh;
      try {
        fresh = compileSource(s.text, kernel, options);
      } catch {
        continue; // a provider this kernel lacks
      }
      compileSource(s.text, kernel, { ...options, parseStore: store }); // keeps it
      const hits = store.hits;
      const fromKept = compileSource(s.text, kernel, { ...options, parseStore: store });
      if (store.hits === hits) continue; // not kept: it had something to say
      assert.equal(listing(fromKept.program), listing(fresh.program), s.name);
      assert.is(renderDiagnostics(fromKept.diagnostics), renderDiagnostics(fresh.diagnostics), s.name);
      n++;
    }
    assert.ok(n > 100, `${n} scripts compiled from kept parses`);
  });

test.run();
