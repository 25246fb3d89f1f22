#!/bin/sh
// 2>/dev/null; [ -z "${NODE_EXTRA_CA_CERTS+x}" ] || { export SCRY_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node --inspect-port=0.0.0.1:9229 "$0" "$@"
// The line above is for sh (which tries to run the directory `//`, quietly, and goes on) and a comment for
// JavaScript. Run as a command, this file starts Node on itself (the node on PATH, as `#!/usr/bin/env node` would)
// without NODE_EXTRA_CA_CERTS, which Node reads and parses at start-up whether or not TLS is ever used (~35 ms of
// CPU for a distribution's ~140 certificates; scry makes no TLS connection). The variable is put back below, so
// what scry runs and spawns sees the environment the user gave it. `node bin/scry.cjs` skips the sh line and pays.
// --inspect-port: Node answers SIGUSR1 by opening its inspector (code execution as this process, root) from the
// moment it starts until the process.on('SIGUSR1') below replaces its handler, some 20-80 ms; pointed at 0.0.0.1,
// an address no socket can bind (EADDRNOTAVAIL, ip_nonlocal_bind off) nor reach, the inspector fails to start in that
// window ("Starting inspector on 0.0.0.1:9229 failed" on stderr) instead of listening on 127.0.0.1:9229. Node 20 has
// no --disable-sigusr1; `node bin/scry.cjs` keeps the window.
//
// Launcher: runs the bundled CLI through V8's code cache, so start-up skips most of the compiling.
// The cache is written after the first run (atomically, when dist/ is writable), replaced when stale or
// when a run goes further than the one that wrote it (see below).
'use strict';
{
  const saved = process.env.SCRY_NODE_EXTRA_CA_CERTS;
  if (saved !== undefined) {
    process.env.NODE_EXTRA_CA_CERTS = saved;
    delete process.env.SCRY_NODE_EXTRA_CA_CERTS;
  }
}
// Before anything else: with no SIGUSR1 listener, Node opens its inspector on that signal (code execution as root).
process.on('SIGUSR1', () => {});
// --timings: the launcher's steps (runtime/timings.ts reads them under this key)
// process.uptime(), not performance.now(): its first use loads perf_hooks, 2-4 ms of every start (timings.ts)
const now = () => process.uptime() * 1000;
const marks = [['load bin/scry.cjs', now()]];
globalThis[Symbol.for('scry.launchMarks')] = marks;
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const bundle = path.join(__dirname, '..', 'dist', 'scry.cjs');
let source;
try {
  source = fs.readFileSync(bundle, 'latin1'); // the bundle is ASCII (build.mjs): no UTF-8 decoding
} catch {
  process.stderr.write(`scry: ${bundle} is missing; run npm install (or npm run build) first\n`);
  process.exit(1);
}
// The cache holds what V8 compiled in the run that wrote it, so it is named by how far that run went
// (0: no program compiled, as --help; 1: compiled; 2: attached probes) and a run that went further replaces
// it: a first run of `scry --help` or `BEGIN { exit(); }` would otherwise leave every later run compiling
// the parser's and the attach path's functions itself.
const cacheFile = (stage) => `${bundle}.cache-${stage}`;
let cachedData;
let cacheStage = -1;
for (let s = 2; s >= 0 && cachedData === undefined; s--)
  try {
    cachedData = fs.readFileSync(cacheFile(s));
    cacheStage = s;
  } catch {}
marks.push(['read bundle and code cache', now()]);
// the bundle is already the function Module.wrap() would make of it (scripts/build.mjs)
const script = new vm.Script(source, {
  filename: bundle,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
process.once('exit', () => {
  // the steps runtime/timings.ts marked in this same array
  const stage = marks.some((m) => m[0] === 'attach') ? 2 : marks.some((m) => m[0] === 'compile') ? 1 : 0;
  if (cachedData && !script.cachedDataRejected && stage <= cacheStage) return;
  try {
    const tmp = `${cacheFile(stage)}.${process.pid}`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile(stage));
    for (let s = 0; s <= 2; s++) if (s !== stage) fs.rmSync(cacheFile(s), { force: true });
  } catch {}
});
marks.push(['compile bundle', now()]);
const mod = { exports: {} };
const bundleRequire = Module.createRequire(bundle);
script.runInThisContext()(mod.exports, bundleRequire, mod, bundle, path.dirname(bundle));
