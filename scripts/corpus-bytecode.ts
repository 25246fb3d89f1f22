// Prints `-d bytecode` for every program of the corpus and examples/, in a stable order, so a refactor can be
// checked byte for byte: run it before and after and diff (`node --import tsx scripts/corpus-bytecode.ts > before.txt`).
// Programs that do not compile print their diagnostics instead, which is part of the comparison too.
// `--optimize`: the code as the CLI runs it (after compiler/opt), for checking a change to the optimizer.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSource, disasmListing } from '../compiler/index.ts';
import { renderDiagnostics } from '../lang/index.ts';
import { hostKernelInfo } from '../runtime/index.ts';

const root = join(import.meta.dirname, '..');
const dirs = ['test/corpus/run', 'test/corpus/errors', 'examples'];
const kernel = hostKernelInfo();
const optimize = process.argv.includes('--optimize');
for (const dir of dirs) {
  for (const name of readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.bt'))
    .sort()) {
    const text = readFileSync(join(root, dir, name), 'utf8');
    const out = compileSource(text, kernel, { name, optimize });
    process.stdout.write(`==== ${dir}/${name}\n`);
    if (!out.program) {
      process.stdout.write(renderDiagnostics(out.diagnostics));
      continue;
    }
    const { maps, events, printMapsOnExit } = out.program;
    process.stdout.write(`${JSON.stringify({ maps, events, printMapsOnExit })}\n`);
    for (const prog of out.program.programs) {
      const { name, progType, tracing, funcInfo } = prog;
      process.stdout.write(`${prog.attach.text}: ${JSON.stringify({ name, progType, tracing, funcInfo })}\n`);
      process.stdout.write(`${disasmListing(prog.bytecode, prog.sourceMap, prog.relocations)}\n`);
    }
  }
}
