#!/usr/bin/env node
// stackcollapse.mjs - folds the stacks that profile.bt or offcputime.bt print (bpftrace's map format) into
// the one-line-per-stack form flame graph tools read: "comm;outermost frame;...;innermost frame count".
//
// USAGE: profile.bt -p PID | stackcollapse.mjs > out.folded      (or stackcollapse.mjs FILE)
//   then: flamegraph.pl out.folded > out.svg, or open out.folded in speedscope.
//
// It reads map entries whose key is stacks and then a name, such as @[kstack, ustack, comm]: N, and
// writes the name, the user frames, then the kernel frames, each stack root first; offsets (+0x12, +18)
// and source locations (@file:line) are dropped so samples in one function merge. Other lines are ignored.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2] ?? 0, 'utf8');
const totals = new Map();
let stacks = null; // the stacks of the entry being read: arrays of frames, innermost first

for (const line of text.split('\n')) {
  if (/^@\w*\[$/.test(line)) {
    stacks = [[]];
    continue;
  }
  if (stacks === null) continue;
  const frame = /^\s{4,}(\S.*)$/.exec(line);
  if (frame) {
    stacks[stacks.length - 1].push(frame[1].replace(/@\S+$/, '').replace(/\+(0x)?[0-9a-f]+$/, ''));
    continue;
  }
  if (line === ', ') {
    stacks.push([]);
    continue;
  }
  const end = /^, (.*)\]: (\d+)$/.exec(line);
  if (end) {
    // key order is [kstack, ustack, name]: print name, then user (outer part of the call chain), then kernel
    const [kernel, user = []] = stacks;
    const frames = [end[1], ...[...user].reverse(), ...[...kernel].reverse()];
    const key = frames.map((f) => f.replaceAll(';', ':')).join(';');
    totals.set(key, (totals.get(key) ?? 0) + Number(end[2]));
  }
  stacks = null;
}

for (const [key, n] of totals) process.stdout.write(`${key} ${n}\n`);
