// The optimizer's output must pass the kernel's verifier: every program of the size corpus and of the
// reference corpus (test/corpus/run), optimized, loaded through BPF_PROG_LOAD on this kernel.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSource } from '../../compiler/index.ts';
import { renderDiagnostics } from '../../lang/index.ts';
import { hasSignedDivision, hostKernelInfo } from '../../runtime/index.ts';
import { loadObjects } from '../../runtime/loader.ts';
import { requireRoot } from '../helpers/kernel.ts';
import { SIZE_CORPUS } from '../bench/size.ts';

function loads(text: string, name: string, helperErrors: 0 | 1): void {
  const out = compileSource(text, hostKernelInfo(), {
    name,
    helperErrors,
    settings: {},
    optimize: true,
    signedDivision: hasSignedDivision(), // as the CLI compiles
  });
  if (!out.program) throw new Error(`${name}: ${renderDiagnostics(out.diagnostics)}`);
  const objs = loadObjects(out.program);
  try {
    assert.is(objs.programs.length, out.program.programs.length, name);
  } finally {
    objs.close();
  }
}

if (requireRoot('optimizer load')) {
  test('every size-corpus program, optimized, passes the verifier (with and without helper checks)', () => {
    for (const p of SIZE_CORPUS) {
      loads(p.text, p.name, 0);
      loads(p.text, p.name, 1);
    }
  });

  test('every reference-corpus program, optimized, passes the verifier', () => {
    const dir = fileURLToPath(new URL('../corpus/run/', import.meta.url));
    let n = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.bt'))) {
      if (existsSync(join(dir, `${f.slice(0, -3)}.args`))) continue; // needs command-line parameters
      const text = readFileSync(join(dir, f), 'utf8');
      const out = compileSource(text, hostKernelInfo(), {
        name: f,
        settings: {},
        optimize: true,
        signedDivision: hasSignedDivision(),
      });
      if (!out.program) continue; // programs that fail to compile on purpose are the corpus test's business
      try {
        loadObjects(out.program).close();
      } catch (e) {
        throw new Error(`${f}: ${(e as Error).message}`, { cause: e });
      }
      n++;
    }
    assert.ok(n >= 100, `only ${n} programs loaded`);
  });
}

test.run();
