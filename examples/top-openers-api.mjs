#!/usr/bin/env node
// scry as a library (docs/api.md): counts openat(2) calls per command in the kernel and, every second, reads the
// map from Node and prints the top 5 commands. Ctrl-C (or --seconds N) stops it: END runs, the final maps come back.
// Needs: root (or CAP_BPF + CAP_PERFMON), the syscalls tracepoints, `npm install` (the package and its addon).
// Run: node examples/top-openers-api.mjs [--seconds N]   (here, after npm install; or copied into a project that installed scry)
// Prints: a "top openers" block of up to 5 "<count> <comm>" lines each second, then the run's totals.
import { trace, ScryError } from 'scry'; // this repository's own package (self-reference through its exports)

const at = process.argv.indexOf('--seconds');
const seconds = at > 0 ? Number(process.argv[at + 1]) : Infinity;

const stopping = new AbortController();
process.once('SIGINT', () => stopping.abort());
process.once('SIGTERM', () => stopping.abort());

let run;
try {
  run = await trace('tracepoint:syscalls:sys_enter_openat { @opens[comm] = count(); }', { signal: stopping.signal });
} catch (e) {
  if (!(e instanceof ScryError)) throw e;
  // ScryPermissionError, ScryKernelError (with e.syscall, e.code), ScryCompileError (with e.diagnostics)
  process.stderr.write(`${e.name}: ${e.message}\n${e.hints.map((h) => `HINT: ${h}\n`).join('')}`);
  process.exit(1);
}

/** The top `n` entries of a count map, largest first: [count, key]. */
function top(map, n) {
  return map.entries
    .map((e) => [e.value, e.keys[0]])
    .sort((a, b) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0))
    .slice(0, n);
}

const print = (title, map) => {
  const lines = top(map, 5).map(([count, comm]) => `${String(count).padStart(8)} ${comm}`);
  process.stdout.write(`${title} (${new Date().toLocaleTimeString()})\n${lines.join('\n')}\n\n`);
};

let elapsed = 0;
const timer = setInterval(async () => {
  if (!run.running) return;
  print('top openers', await run.maps.read('@opens'));
  if (++elapsed >= seconds) stopping.abort();
}, 1000);

const code = await run.done;
clearInterval(timer);
const final = await run.stop(); // already stopped: the maps as the run ended
if (final['@opens']) print('total', final['@opens']);
process.exitCode = code;
