// Builds the package's library entry (package.json "exports"): dist/api.mjs, an ES module bundled from
// repl/api.ts, and dist/api.d.ts, its declarations. Runs after scripts/build.mjs (the CLI's bundles).
//
// The declarations are emitted by tsc for repl/api.ts alone. Every type its exports name is declared in that
// file, so the result must be one self-contained file: an `import` in it would point at an internal module
// that is not shipped, and the build fails here rather than ship declarations a consumer cannot read.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ts from 'typescript';

const ENTRY = 'repl/api.ts';

/** The parser's grammar model, recorded once and defined into the bundle (as scripts/build.mjs does for the CLI). */
async function recordGrammar() {
  const out = await build({
    entryPoints: ['lang/grammar-record.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'warning',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(
    mod,
    mod.exports,
    createRequire(import.meta.url),
  );
  return mod.exports.recordGrammar();
}

await build({
  entryPoints: [ENTRY],
  outfile: 'dist/api.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // Dependencies bundled in too: chevrotain imports lodash-es, hundreds of small modules that Node would load one
  // by one (import + first compile, medians of 6 interleaved under load ~6: 1060 ms with them external, 470 ms
  // bundled). The native addon is found by walking up from the bundle's own import.meta.url
  // (runtime/sys/native.ts) to build/Release.
  define: { __SCRY_GRAMMAR__: JSON.stringify(await recordGrammar()) },
});

const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  allowImportingTsExtensions: true,
  declaration: true,
  emitDeclarationOnly: true,
  skipLibCheck: true,
  esModuleInterop: true,
  jsx: ts.JsxEmit.ReactJSX,
  types: ['node'],
  lib: ['lib.es2022.d.ts'],
};
const program = ts.createProgram([ENTRY], options);
let declarations;
const result = program.emit(
  program.getSourceFile(ENTRY),
  (name, text) => {
    if (name.endsWith('.d.ts')) declarations = text;
  },
  undefined,
  true,
);
const problems = [...ts.getPreEmitDiagnostics(program, program.getSourceFile(ENTRY)), ...result.diagnostics];
if (problems.length || declarations === undefined) {
  process.stderr.write(ts.formatDiagnostics(problems, ts.createCompilerHost(options)));
  throw new Error(`build-api: no declarations for ${ENTRY}`);
}
const imports = declarations.split('\n').filter((l) => /^\s*(import|export .* from)\b/.test(l) || /import\(/.test(l));
if (imports.length)
  throw new Error(
    `build-api: dist/api.d.ts would import internal modules:\n${imports.join('\n')}\n(declare the type in ${ENTRY})`,
  );
mkdirSync('dist', { recursive: true });
writeFileSync(
  'dist/api.d.ts',
  `// Declarations of scry's public API (docs/api.md), emitted from ${ENTRY}.\n${declarations}`,
);
