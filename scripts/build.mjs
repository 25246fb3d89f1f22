// Bundles the CLI into one CommonJS file: importing chevrotain unbundled costs ~230 ms at start-up, and a
// CommonJS bundle can be run from V8's code cache by bin/scry.cjs (ESM cannot), which saves ~20 ms more.
// The live view is a second bundle, an ES module loaded with import() only when it is shown: Ink has
// top-level await (so CommonJS cannot require it) and neither it nor React is worth loading otherwise.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';

/** The CLI's `import('./view/live.tsx')` (for running from source) stays out of the CommonJS bundle. */
const liveViewApart = {
  name: 'live-view-apart',
  setup(b) {
    b.onResolve({ filter: /\/view\/live\.tsx$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined,
    );
  },
};

/** Chevrotain's lexer fills a 65536-entry table at start-up (~3 ms, interpreted) for a division it can do when asked. */
const LEXER_CHAR_INDEX = {
  from: `        : charCodeToOptimizedIdxMap[charCode];`,
  to: `        : charCode < 65536 ? 255 + ~~(charCode / 255) : undefined; // the table's entries (initCharCodeToOptimizedIndexMap)`,
  init: `function initCharCodeToOptimizedIndexMap() {\n    if (isEmpty(charCodeToOptimizedIdxMap)) {`,
  noInit: `function initCharCodeToOptimizedIndexMap() {\n    if (false) {`,
};

/**
 * Chevrotain builds its Parser class by copying ~200 methods from ten mixin classes onto Parser.prototype, one
 * assignment each, at module load. V8 gives each addition to a fast-mode prototype a new map (measured in a fresh
 * node, 200 methods: 3.3-3.9 ms); a prototype put in dictionary mode first (a property added and deleted) takes
 * them in 0.4-0.6 ms. At start-up (3 interleaved runs each): --timings modules 31.5-33.9 -> 28.0-30.9 ms. V8 makes a
 * prototype fast again once it is used as one: parsing is as fast as before (parse 11.1-12.5 ms either way).
 */
const APPLY_MIXINS = {
  from: `export function applyMixins(derivedCtor, baseCtors) {\n`,
  to: `export function applyMixins(derivedCtor, baseCtors) {\n    derivedCtor.prototype.__scryDictionaryMode = 0; // scripts/build.mjs: APPLY_MIXINS\n    delete derivedCtor.prototype.__scryDictionaryMode;\n`,
};

/**
 * The parser's constructor analyses the token types' categories again (augmentTokenTypes), after the lexer's
 * constructor did it for the same tokens (lang/parser.ts builds the lexer first, from the same list): ~1 ms of every
 * start. Skipped when every token type in the parser's vocabulary has been analysed already.
 */
const PARSER_TOKENS = {
  from: `        augmentTokenTypes(values(this.tokensMap));`,
  to: `        const __scryTokens = values(this.tokensMap); // scripts/build.mjs: PARSER_TOKENS
        if (!__scryTokens.every((t) => t.categoryMatchesMap !== undefined && t.isParent !== undefined))
            augmentTokenTypes(__scryTokens);`,
};

/**
 * Chevrotain imports ~40 lodash functions, and lodash-es brings them as 229 modules whose general paths (iteratee
 * shorthands, property paths, cloning by type tag) run cold at every start. In the bundle Chevrotain gets
 * scripts/lodash-subset.mjs instead: the same functions as plain loops, with lodash's answers for what Chevrotain
 * passes and an error for the rest (test/scripts/lodash-subset.test.ts compares them with lodash). Measured on
 * 2026-12-05, the one-tracepoint start, --timings medians of 15: code cache 4.8 -> 4.1 ms, modules 5.4 -> 4.7,
 * CPU 45.2 -> 43.5 ms; the bundle 1.19 -> 1.10 MB. (Before, scripts/lodash-fast-paths.mjs took four functions off
 * lodash and a plain-loop forEach/pickBy/assign for the grammar model: token definitions 62.5 -> 52.1 ms and parse
 * 24.4 -> 18.9 ms, when those still ran.)
 */
const fastChevrotainStart = {
  name: 'fast-chevrotain-start',
  setup(b) {
    b.onResolve({ filter: /^lodash-es$/ }, (args) => {
      if (/[\\/]node_modules[\\/](chevrotain|@chevrotain)[\\/]/.test(args.importer))
        return { path: resolvePath('scripts/lodash-subset.mjs') };
      return undefined;
    });
    b.onLoad(
      { filter: /[\\/]chevrotain[\\/]lib[\\/]src[\\/]parse[\\/]parser[\\/]utils[\\/]apply_mixins\.js$/ },
      async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes(APPLY_MIXINS.from)) throw new Error(`${args.path}: the applyMixins patch no longer applies`);
        return { contents: text.replace(APPLY_MIXINS.from, APPLY_MIXINS.to), loader: 'js' };
      },
    );
    b.onLoad(
      { filter: /[\\/]chevrotain[\\/]lib[\\/]src[\\/]parse[\\/]parser[\\/]traits[\\/]recognizer_engine\.js$/ },
      async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes(PARSER_TOKENS.from))
          throw new Error(`${args.path}: the token analysis patch no longer applies`);
        return { contents: text.replace(PARSER_TOKENS.from, PARSER_TOKENS.to), loader: 'js' };
      },
    );
    b.onLoad({ filter: /[\\/]chevrotain[\\/]lib[\\/]src[\\/]scan[\\/]lexer\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const { from, to, init, noInit } = LEXER_CHAR_INDEX;
      // a new Chevrotain without these lines fails the build here, rather than running unpatched
      if (!text.includes(from) || !text.includes(init))
        throw new Error(`${args.path}: the char-code table patch no longer applies`);
      return { contents: text.replace(from, to).replace(init, noInit), loader: 'js' };
    });
  },
};

/**
 * The parser's grammar model, recorded here once (lang/grammar-record.ts) and defined into the bundle, where the
 * parser is built from it instead of recording every rule at each start (lang/grammar-saved.ts).
 */
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

const cli = await build({
  entryPoints: ['repl/entry.ts'],
  outfile: 'dist/scry.cjs',
  write: false, // written below, whole
  metafile: true,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [liveViewApart, fastChevrotainStart],
  external: ['./scry-view-import.cjs'],
  // Whitespace and comments out, names kept (stack traces still read): a 30% smaller file reads and
  // deserializes from the code cache ~8 ms faster. ASCII only, so that the launcher can read it as latin1.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  // Modules that locate files relative to themselves use import.meta.url; give them the bundle's own URL.
  // import.meta.resolve is only reached when running from source (the map reader's worker under tsx: see
  // repl/view/reader.ts, which --metrics brings into this bundle).
  define: {
    'import.meta.url': '__scryBundleUrl',
    'import.meta.resolve': 'undefined',
    __SCRY_GRAMMAR__: JSON.stringify(await recordGrammar()),
  },
  // The file is the function CommonJS wraps a module in (Module.wrap's text), so that bin/scry.cjs compiles it as
  // read: wrapping 1 MB of source at each start (a concatenation V8 then flattens) cost ~5-9 ms (medians of 16,
  // load ~7). `node dist/scry.cjs` therefore does nothing; bin/scry.cjs runs it.
  banner: {
    js: "(function (exports, require, module, __filename, __dirname) { const __scryBundleUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  footer: { js: '\n});' },
});
// Chevrotain's lodash is the subset (fastChevrotainStart); lodash-es itself in the bundle means a new importer
const lodashInputs = Object.keys(cli.metafile.inputs).filter((f) => /[\\/]lodash-es[\\/]/.test(f));
if (lodashInputs.length)
  throw new Error(`lodash-es is in the CLI bundle (${lodashInputs[0]}): see fastChevrotainStart`);
// A new file under the old name, never the old file rewritten: a running scry has the bundle mapped (bin/scry.cjs),
// and V8 reads functions' source from it as it compiles them.
mkdirSync('dist', { recursive: true });
for (const out of cli.outputFiles) {
  const tmp = `${out.path}.${process.pid}`;
  writeFileSync(tmp, out.contents);
  renameSync(tmp, out.path);
}
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
// The code cache, kept parses and optimizer templates belong to the old bundle; the next runs write fresh ones.
for (const f of readdirSync('dist'))
  if (f.startsWith('scry.cjs.cache')) rmSync(`dist/${f}`, { recursive: true, force: true });
rmSync('dist/scry.mjs', { force: true });
