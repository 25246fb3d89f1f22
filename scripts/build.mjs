// Bundles the CLI into one CommonJS file: importing chevrotain unbundled costs ~230 ms at start-up, and a
// CommonJS bundle can be run from V8's code cache by bin/scry.cjs (ESM cannot), which saves ~20 ms more.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

await build({
  entryPoints: ['repl/entry.ts'],
  outfile: 'dist/scry.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // Modules that locate files relative to themselves use import.meta.url; give them the bundle's own URL.
  define: { 'import.meta.url': '__scryBundleUrl' },
  banner: { js: "const __scryBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
// The code cache belongs to the old bundle; bin/scry.cjs writes a fresh one on the next run.
rmSync('dist/scry.cjs.cache', { force: true });
rmSync('dist/scry.mjs', { force: true });
