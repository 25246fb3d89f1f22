#!/usr/bin/env node
// Launcher: runs the bundled CLI through V8's code cache, so start-up skips most of the compiling.
// The cache is written after the first run (atomically, when dist/ is writable) and ignored if stale.
'use strict';
// Before anything else: with no SIGUSR1 listener, Node opens its inspector on that signal (code execution as root).
process.on('SIGUSR1', () => {});
// --timings: the launcher's steps (runtime/timings.ts reads them under this key)
const marks = [['load bin/scry.cjs', performance.now()]];
globalThis[Symbol.for('scry.launchMarks')] = marks;
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'scry.cjs');
const cacheFile = `${bundle}.cache`;
let source;
try {
  source = fs.readFileSync(bundle, 'latin1'); // the bundle is ASCII (build.mjs): no UTF-8 decoding
} catch {
  process.stderr.write(`scry: ${bundle} is missing; run npm install (or npm run build) first\n`);
  process.exit(1);
}
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {}
marks.push(['read bundle and code cache', performance.now()]);
const script = new vm.Script(Module.wrap(source), {
  filename: bundle,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if (!cachedData || script.cachedDataRejected) {
  process.once('exit', () => {
    try {
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {}
  });
}
marks.push(['compile bundle', performance.now()]);
const mod = { exports: {} };
const bundleRequire = Module.createRequire(bundle);
script.runInThisContext()(mod.exports, bundleRequire, mod, bundle, path.dirname(bundle));
