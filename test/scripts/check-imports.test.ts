// scripts/check-imports.ts on small made-up trees: what it reports, and that a clean tree passes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const script = new URL('../../scripts/check-imports.ts', import.meta.url).pathname;

/** The live view's snapshot worker and the leaves it may import past the facades, as in the real tree. */
const base: Record<string, string> = {
  'lang/index.ts': "export { globRegExp } from './glob.ts';\nexport type { Program } from './ast.ts';\n",
  'lang/glob.ts': 'export const globRegExp = (g: string) => new RegExp(g);\n',
  'lang/btf-print.ts': 'export const typeName = (id: number) => String(id);\n',
  'lang/ast.ts': "export interface Program { kind: 'program' }\n",
  'lang/types.ts': 'export const BUILD_ID_FRAME_SIZE = 32;\n',
  'lang/byte-text.ts': 'export const bytesText = (b: Uint8Array) => String(b);\n',
  'compiler/index.ts': "import type { Program } from '../lang/index.ts';\nexport type Compiled = { from: Program };\n",
  'compiler/layout.ts': 'export const slotSize = 8;\n',
  'runtime/index.ts': "export { snapshotMap } from './maps.ts';\n",
  'runtime/maps.ts':
    "import { slotSize } from '../compiler/layout.ts';\nimport { bytesText } from '../lang/byte-text.ts';\nexport const snapshotMap = () => [slotSize, bytesText];\n",
  'runtime/render.ts':
    "import { bytesText } from '../lang/byte-text.ts';\nimport { globRegExp } from '../lang/glob.ts';\nexport const escapeBuffer = [bytesText, globRegExp];\n",
  'runtime/value-text.ts': "import { escapeBuffer } from './render.ts';\nexport const valueText = escapeBuffer;\n",
  'repl/print/text.ts':
    "import { bytesText } from '../../lang/byte-text.ts';\nimport { valueText } from '../../runtime/value-text.ts';\nimport { snapshotMap } from '../../runtime/maps.ts';\nexport const text = [bytesText, valueText, snapshotMap];\n",
  'runtime/render-context.ts':
    "import { btf } from './kernel/btf/reader.ts';\nimport { sym } from './kernel/elf/symbols.ts';\nimport { frame } from './stacks.ts';\nexport const ctx = [btf, sym, frame];\n",
  'runtime/stacks.ts':
    "import { BUILD_ID_FRAME_SIZE } from '../lang/types.ts';\nexport const frame = BUILD_ID_FRAME_SIZE;\n",
  'runtime/kernel/btf/reader.ts':
    "import { globRegExp } from '../../../lang/glob.ts';\nimport { typeName } from '../../../lang/btf-print.ts';\nexport const btf = [globRegExp('a'), typeName];\n",
  'runtime/kernel/elf/symbols.ts':
    "import { globRegExp } from '../../../lang/glob.ts';\nexport const sym = globRegExp('b');\n",
  'repl/index.ts': "import { snapshotMap } from '../runtime/index.ts';\nexport const r = snapshotMap;\n",
  'repl/view/model.ts': "import { snapshotMap } from '../../runtime/maps.ts';\nexport const model = snapshotMap;\n",
  'repl/metrics/exposition.ts':
    "import { snapshotMap } from '../../runtime/maps.ts';\nexport const exposition = snapshotMap;\n",
  'repl/view/snapshot-worker.ts':
    "import { snapshotMap } from '../../runtime/maps.ts';\nimport { ctx } from '../../runtime/render-context.ts';\nimport { text } from '../print/text.ts';\nimport { exposition } from '../metrics/exposition.ts';\nimport { model } from './model.ts';\nexport const w = [snapshotMap, ctx, text, exposition, model];\n",
};

function check(files: Record<string, string>): { code: number | null; out: string } {
  const root = mkdtempSync(join(tmpdir(), 'scry-imports-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--root', root], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('a tree that keeps the layering passes (the worker bundle may import its pure leaves directly)', () => {
  const r = check(base);
  assert.is(r.out, 'imports: 21 files, 27 imports: no cycles, no deep or upward imports\n');
  assert.is(r.code, 0);
});

test('cycles (type-only included), imports past a facade, upward imports and the syntax tree in the runtime are listed', () => {
  const r = check({
    ...base,
    'lang/a.ts': "import { b } from './b.ts';\nexport const a = b;\nexport type A = number;\n",
    'lang/b.ts': "import type { A } from './a.ts';\nexport const b = 2;\nexport type B = A;\n",
    'lang/up.ts': "import type { Compiled } from '../compiler/index.ts';\nexport type U = Compiled;\n",
    'compiler/deep.ts': "import { a } from '../lang/a.ts';\nexport const d = a;\n",
    'runtime/tree.ts': "import type { Program } from '../lang/index.ts';\nexport type T = Program;\n",
    // the worker no longer reaches symbols.ts, so its allowed deep import is stale
    'runtime/render-context.ts':
      "import { btf } from './kernel/btf/reader.ts';\nimport { frame } from './stacks.ts';\nexport const ctx = [btf, frame];\n",
  });
  assert.is(
    r.out,
    [
      'import cycles (1):',
      '  lang/a.ts → lang/b.ts → lang/a.ts',
      'imports past a layer facade (import the layer through its index.ts) (1):',
      '  compiler/deep.ts:1 → lang/a.ts',
      'allowed deep imports that are no longer needed (remove them from allowedDeep in scripts/check-imports.ts) (1):',
      '  runtime/kernel/elf/symbols.ts → lang/glob.ts',
      'imports up the layers (lang ← compiler ← runtime ← repl) (1):',
      '  lang/up.ts:1 → compiler/index.ts (types)',
      'lang values the compiler imports (record the decision in a side table, or allow it in compilerLangValues) (1):',
      '  compiler/deep.ts:1 → lang/a.ts: a',
      'runtime imports of the syntax tree (1):',
      '  runtime/tree.ts:1 → lang/index.ts',
      '',
    ].join('\n'),
  );
  assert.is(r.code, 1);
});

test('the compiler takes from lang only types and the values allowed with their reasons (walk: yes; globRegExp: no)', () => {
  const r = check({
    ...base,
    'lang/index.ts':
      "export { globRegExp } from './glob.ts';\nexport type { Program } from './ast.ts';\nexport const walk = (p: unknown) => p;\n",
    'compiler/index.ts':
      "import { walk, type Program } from '../lang/index.ts';\nexport type Compiled = { from: Program };\nexport const w = walk;\n",
    'compiler/codegen.ts':
      "import { globRegExp, type Program } from '../lang/index.ts';\nexport { walk } from '../lang/index.ts';\nexport type { Program } from '../lang/index.ts';\nexport const g = (p: Program) => [p, globRegExp('x')];\n",
  });
  assert.is(
    r.out,
    [
      'lang values the compiler imports (record the decision in a side table, or allow it in compilerLangValues) (1):',
      '  compiler/codegen.ts:1 → lang/index.ts: globRegExp',
      '',
    ].join('\n'),
  );
  assert.is(r.code, 1);
});

test.run();
