#!/bin/sh
':' //; [ -z "${NODE_EXTRA_CA_CERTS+x}" ] || { export SCRY_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node --min-semi-space-size=4 --max-semi-space-size=4 --inspect-port=0.0.0.1:9229 "$0" "$@"
// The line above is for sh (`:`, the do-nothing builtin: no child forked, as running a command `//` would) and
// for JavaScript a string and then a comment. Run as a command, this file starts Node on itself (the node on PATH,
// as `#!/usr/bin/env node` would) without NODE_EXTRA_CA_CERTS, which Node reads and parses at start-up whether or
// not TLS is ever used (~35 ms of CPU for a distribution's ~140 certificates; scry makes no TLS connection). The
// variable is put back below, so what scry runs and spawns sees the environment the user gave it. `node
// bin/scry.cjs` skips the sh line and pays.
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
// On the sh line: V8's young generation is 4 MB semi-spaces from the start, instead of 1 MB ones that fill up and
// are scavenged several times while the modules load and the program compiles. A start allocates less than 4 MB
// there, so it makes no scavenge at all and touches no more pages (the same minor faults): one tracepoint, 30
// interleaved runs on 2026-12-05, CPU median -4.0 ms (8 MB: -4.5). A long printf flood keeps both semi-spaces
// resident: peak RSS +5 MB (75 -> 80 MB) for the same CPU. (Until then 1 MB only, --max-semi-space-size=1, chosen
// against Node's default of growing to 2 x 2 MB mid-start, which scavenged and touched ~450 more pages.)
const YOUNG_GENERATION_FLAGS = ['--min-semi-space-size=4', '--max-semi-space-size=4'];
{
  const saved = process.env.SCRY_NODE_EXTRA_CA_CERTS;
  if (saved !== undefined) {
    process.env.NODE_EXTRA_CA_CERTS = saved;
    delete process.env.SCRY_NODE_EXTRA_CA_CERTS;
  }
}
// Before anything else: with no SIGUSR1 listener, Node opens its inspector on that signal (code execution as root).
process.on('SIGUSR1', () => {});
// --timings: the launcher's steps (runtime/timings.ts reads them under this key), each [step, ms, CPU ms]: when it
// ended, and the CPU time (user + system) the process had used by then
// process.uptime(), not performance.now(): its first use loads perf_hooks, 2-4 ms of every start (timings.ts)
const now = () => process.uptime() * 1000;
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const marks = [['load bin/scry.cjs', now(), cpuNow()]];
globalThis[Symbol.for('scry.launchMarks')] = marks;
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const bundle = path.join(__dirname, '..', 'dist', 'scry.cjs');
// The bundle and its code cache are read as mappings of the files (the native addon, which the bundle would load
// anyway), not copied: read, the 1.2 MB bundle is a buffer and then a heap string and the cache another buffer,
// ~800 fresh pages, and a page fault costs ~11 us on these VMs; mapped, the page cache's pages are used as they are.
// Both files are only ever replaced whole (build.mjs, and the rename below), never rewritten under a mapping.
let addon;
const addonPath = process.env.SCRY_NATIVE
  ? path.resolve(process.env.SCRY_NATIVE)
  : path.join(__dirname, '..', 'build', 'Release', 'scry_native.node');
try {
  // loaded as require() loads an addon (process.dlopen), without its search for the file: ~0.3 ms of every start
  const loaded = { exports: {} };
  process.dlopen(loaded, addonPath);
  addon = loaded.exports;
  // the bundle's runtime/sys/native.ts takes this one when it looks for the same file
  globalThis[Symbol.for('scry.native')] = { path: addonPath, addon };
} catch {} // not built: the bundle says so when it needs it, and files are read the ordinary way
const PROT_READ = 1;
const MAP_PRIVATE = 2;
/** The file as a latin1 string (asText) or a Buffer, mapped when the addon can, else read. */
function readMapped(file, asText) {
  if (addon === undefined || typeof addon.mapLatin1 !== 'function')
    return fs.readFileSync(file, asText ? 'latin1' : undefined);
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const mapped =
      size === 0 ? -1 : asText ? addon.mapLatin1(fd, size) : addon.mmap(fd, size, PROT_READ, MAP_PRIVATE, 0);
    if (typeof mapped === 'number') return fs.readFileSync(fd, asText ? 'latin1' : undefined);
    return asText ? mapped : Buffer.from(mapped);
  } finally {
    fs.closeSync(fd);
  }
}
let source;
try {
  source = readMapped(bundle, true); // the bundle is ASCII (build.mjs): latin1, no UTF-8 decoding
} catch {
  process.stderr.write(`scry: ${bundle} is missing; run npm install (or npm run build) first\n`);
  process.exit(1);
}
// The cache holds what V8 compiled in the process that wrote it: the functions that run used, with those it read
// from the cache before. A run that took a step the cache's runs did not (attaching a kind of probe they did not,
// or getting further than `scry --help` did) compiled that step's functions itself, so it writes the cache again,
// the union, and the steps it covers beside it (`.steps`: the --timings marks, numbers and probe names left out).
// Measured: the one-tracepoint start with a cache a BEGIN-only run wrote was ~5 ms more CPU (check, compile, attach
// compiling their functions) than with its own. A script run before takes its parse and optimized code from files
// (runtime/kept-texts.ts), and its marks say so (`parse (kept)`, `compile (kept)`): a cache only such runs wrote
// lacks the parser's and the optimizer's code, which a new script's first run then compiled itself, ~8 ms more CPU
// (21 interleaved runs, 2026-12-06); with `parse` and `compile` steps of their own, that run writes the union.
// V8 refuses a code cache made under other V8 flags, so `scry` (with the sh line's flags) and `node bin/scry.cjs`
// (without) keep a cache each instead of replacing each other's at every change of hands.
const flavour = YOUNG_GENERATION_FLAGS.every((flag) => process.execArgv.includes(flag)) ? 'y' : '';
const cacheFile = `${bundle}.cache${flavour}`;
const stepsFile = `${cacheFile}.steps`;
let cachedData;
try {
  cachedData = readMapped(cacheFile, false);
} catch {}
marks.push(['read bundle and code cache', now(), cpuNow()]);
// the bundle is already the function Module.wrap() would make of it (scripts/build.mjs)
const script = new vm.Script(source, {
  filename: bundle,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
/** A mark as a step: `load tracepoint:syscalls:x` is `load tracepoint`, `create 4 maps` is `create N maps`. */
const cacheStep = (mark) => (mark.startsWith('load ') ? mark.split(':')[0] : mark.replace(/[0-9]+/g, 'N'));
process.once('exit', () => {
  // the steps runtime/timings.ts marked in this same array
  const steps = new Set(marks.map((m) => cacheStep(m[0])));
  if (cachedData && !script.cachedDataRejected) {
    let covered = [];
    try {
      // mapped as the bundle and the cache were, not read: fs.readFileSync's first run at exit was ~0.2 ms more
      covered = readMapped(stepsFile, true).split('\n').filter(Boolean);
    } catch {}
    const known = new Set(covered);
    if ([...steps].every((step) => known.has(step))) return;
    for (const step of known) steps.add(step); // the new cache holds the old one's functions too
  }
  try {
    fs.accessSync(path.dirname(cacheFile), fs.constants.W_OK); // else making the cache (~25 ms) is for nothing
    const tmp = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
    fs.writeFileSync(tmp, [...steps].join('\n') + '\n');
    fs.renameSync(tmp, stepsFile);
  } catch {}
});
marks.push(['compile bundle', now(), cpuNow()]);
const mod = { exports: {} };
// require() as the bundle's own: Node's builtins and absolute paths as here, relative ones from dist/ (node:module's
// createRequire would do the same, but loading node:module is ~1 ms of every start)
const bundleRequire = (id) => require(id.startsWith('.') ? path.join(path.dirname(bundle), id) : id);
// What escapes the bundle, Node prints with the offending source line: a minified line of ~100 KB. A set-up
// problem the bundle names (the native addon missing or unloadable, met as the modules load or at the first
// write to a pipe) is one line here instead, exit 1, written with fs.writeSync (stderr may be the broken part);
// anything else goes on to Node's own handling, as before.
process.on('uncaughtException', function setupProblem(e) {
  if (e instanceof Error && e.message.startsWith('scry: ')) {
    const why = e.cause instanceof Error ? `: ${e.cause.message.split('\n')[0]}` : '';
    fs.writeSync(2, `${e.message}${why}\n`);
    process.exit(1);
  }
  process.removeListener('uncaughtException', setupProblem);
  process.nextTick(() => {
    throw e;
  });
});
script.runInThisContext()(mod.exports, bundleRequire, mod, bundle, path.dirname(bundle));
