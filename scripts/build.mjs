// Bundles the CLI into one CommonJS file: importing chevrotain unbundled costs ~230 ms at start-up, and a
// CommonJS bundle can be run from V8's code cache by bin/scry.cjs (ESM cannot), which saves ~20 ms more.
// The live view is a second bundle, an ES module loaded with import() only when it is shown: Ink has
// top-level await (so CommonJS cannot require it) and neither it nor React is worth loading otherwise.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';

/** The CLI's `import('./view/live.tsx')` (for running from source) stays out of the CommonJS bundle. */
const liveViewApart = {
  name: 'live-view-apart',
  setup(b) {
    b.onResolve({ filter: /\/view\/live\.tsx$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

/**
 * Chevrotain records its grammar model at every start (constructing the parser) from objects made with lodash's
 * pickBy and assign, which walk each options object's prototype chain for symbols: plain loops here, the same
 * for the plain object literals the model passes. Measured (--timings, medians of 16): parse 24.4 -> 18.9 ms.
 */
const fastGrammarModel = {
  name: 'fast-grammar-model',
  setup(b) {
    b.onResolve({ filter: /^lodash-es$/ }, (args) =>
      /[\\/]@chevrotain[\\/]gast[\\/]/.test(args.importer)
        ? { path: 'lodash-es', namespace: 'gast-lodash' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'gast-lodash' }, () => ({
      resolveDir: process.cwd(),
      contents: `export * from 'lodash-es';
export function pickBy(o, keep) { const r = {}; for (const k of Object.keys(o)) if (keep(o[k], k)) r[k] = o[k]; return r; }
export function assign(target, ...sources) { return Object.assign(target, ...sources); }`,
    }));
  },
};

await build({
  entryPoints: ['repl/entry.ts'],
  outfile: 'dist/scry.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [liveViewApart, fastGrammarModel],
  external: ['./scry-view-import.cjs'],
  // Whitespace and comments out, names kept (stack traces still read): a 30% smaller file reads and
  // deserializes from the code cache ~8 ms faster. ASCII only, so that the launcher can read it as latin1.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  // Modules that locate files relative to themselves use import.meta.url; give them the bundle's own URL.
  define: { 'import.meta.url': '__scryBundleUrl' },
  banner: { js: "const __scryBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({
  entryPoints: { 'scry-view': 'repl/view/live.tsx', 'scry-snapshot': 'repl/view/snapshot-worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  packages: 'external', // ink and react from node_modules, one copy of React for both
});
// Code that V8 runs from its code cache cannot call import() (Node loses the loader), so the bundle asks
// this file, which Node compiles the ordinary way, to load the view.
writeFileSync(
  'dist/scry-view-import.cjs',
  "'use strict';\n// Loads the live view for scry.cjs (see scripts/build.mjs).\nmodule.exports = () => import('./scry-view.mjs');\n",
);
// The code cache belongs to the old bundle; bin/scry.cjs writes a fresh one on the next run.
for (const f of ['', '-0', '-1', '-2']) rmSync(`dist/scry.cjs.cache${f}`, { force: true });
rmSync('dist/scry.mjs', { force: true });
