// Bundles the CLI into one file: importing chevrotain unbundled costs ~230 ms at start-up.
import { build } from 'esbuild';
await build({
  entryPoints: ['repl/entry.ts'],
  outfile: 'dist/scry.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __scryCreateRequire } from 'node:module'; const require = __scryCreateRequire(import.meta.url);" },
});
