// The REPL's dot commands, and reading maps at the prompt (`@x`, `print(@x, 10)`). Each command is a small
// function of the host (repl.ts), which owns the running programs and the terminal; what the kernel offers
// comes from explore.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { disasmListing, type CompiledProgram } from '../compiler/index.ts';
import { editDistance } from '../lang/index.ts';
import { entryCount, type MapSnapshot } from '../runtime/index.ts';
import { probeArgs, probes, kernelFeatures, typeAsC, type Answer } from './explore.ts';
import { clock } from './view/model.ts';
import { formatMap } from './print/text.ts';
import type { KeyLiteral, MapStatement } from './prompt-input.ts';

export interface RunningProgram {
  readonly id: number;
  readonly source: string;
  readonly started: number;
  readonly probes: number;
  readonly maps: readonly string[];
}

/** What the commands need of the REPL. */
export interface ReplHost {
  /** program output, above the prompt */
  out(text: string): void;
  /** messages and errors */
  err(text: string): void;
  running(): readonly RunningProgram[];
  /** Stops programs (END runs, their maps print); resolves when they have stopped. */
  stop(which: readonly number[]): Promise<void>;
  /** `name` read now from every running program that has it, newest first, or the copy kept when its program stopped. */
  readMap(name: string): { readonly from: number; readonly snapshot: MapSnapshot; readonly kept: boolean }[];
  /** Empties `name` wherever it is (every map when undefined); the names cleared. */
  clearMaps(name?: string): string[];
  /** zero(@x) wherever `name` is: in how many programs (stopped ones' copies too). */
  zeroMaps(name: string): number;
  /** delete(@x[keys]) wherever `name` is: how many entries went, or why it cannot be done. */
  deleteEntry(name: string, keys: readonly KeyLiteral[]): number | string;
  /** maps kept from programs that stopped, with the program they came from */
  keptMaps(): readonly { readonly name: string; readonly from: number }[];
  /** the last program that compiled */
  last(): { readonly source: string; readonly compiled: CompiledProgram } | undefined;
  /** Compiles and starts a program, as if typed. */
  run(name: string, text: string): void;
}

export interface Command {
  readonly usage: string;
  readonly help: string;
  run(host: ReplHost, arg: string): void | Promise<void>;
}

const show = (host: ReplHost, a: Answer) => (a.ok ? host.out(a.text) : host.err(`${a.message}\n`));

export const commands: Readonly<Record<string, Command>> = {
  list: {
    usage: '.list',
    help: 'running programs, and maps kept from stopped ones',
    run(host) {
      const now = Date.now();
      const rows = host
        .running()
        .map(
          (p) =>
            `[${p.id}] running ${clock(now - p.started).padStart(5)}  ${p.probes} probe${p.probes === 1 ? ' ' : 's'}  ${p.maps.join(' ') || '-'}  ${oneLine(p.source, 60)}\n`,
        );
      const kept = host.keptMaps();
      if (!rows.length && !kept.length) return host.out('no programs running\n');
      host.out(rows.join(''));
      if (kept.length) host.out(`kept maps: ${kept.map((k) => `${k.name} (from [${k.from}])`).join(', ')}\n`);
    },
  },
  stop: {
    usage: '.stop [N|all]',
    help: 'stop program N (default: the newest), or all of them',
    async run(host, arg) {
      const running = host.running();
      if (!running.length) return host.err('no programs running\n');
      const a = arg.trim();
      if (a === 'all') return host.stop(running.map((p) => p.id));
      if (a === '') return host.stop([running[running.length - 1]!.id]);
      const id = Number(a.replace(/^\[(\d+)\]$/, '$1'));
      if (!running.some((p) => p.id === id)) return host.err(`no running program ${a} (see .list)\n`);
      return host.stop([id]);
    },
  },
  clear: {
    usage: '.clear [@map]',
    help: 'empty a map (all maps without an argument)',
    run(host, arg) {
      const name = arg.trim() || undefined;
      if (name !== undefined && !name.startsWith('@')) return host.err('usage: .clear @map\n');
      const cleared = host.clearMaps(name);
      if (!cleared.length) host.err(name ? `no map ${name}\n` : 'no maps to clear\n');
      else host.out(`cleared ${cleared.join(' ')}\n`);
    },
  },
  probes: {
    usage: '.probes [PATTERN]',
    help: 'list probes: tracepoint:syscalls:*open*, kprobe:vfs_*, uprobe:/bin/bash:*',
    run: (host, arg) => show(host, probes(arg)),
  },
  args: {
    usage: '.args PROBE',
    help: "a probe's arguments and their types",
    run: (host, arg) => show(host, probeArgs(arg)),
  },
  type: {
    usage: '.type NAME',
    help: 'a kernel type (BTF) as C: .type task_struct',
    run: (host, arg) => show(host, typeAsC(arg)),
  },
  bytecode: {
    usage: '.bytecode',
    help: 'the BPF instructions of the last program, with its source lines',
    run(host) {
      const last = host.last();
      if (!last) return host.err('no program yet\n');
      for (const p of last.compiled.programs)
        host.out(`${p.attach.text}:\n${disasmListing(p.bytecode, p.sourceMap, p.relocations)}\n`);
    },
  },
  info: {
    usage: '.info',
    help: 'what this kernel supports',
    run: (host) => show(host, kernelFeatures()),
  },
  load: {
    usage: '.load FILE',
    help: 'run a script file',
    run(host, arg) {
      const file = arg.trim();
      if (!file) return host.err('usage: .load FILE\n');
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        return host.err(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      }
      host.run(file, text);
    },
  },
  save: {
    usage: '.save FILE',
    help: 'write the last program to a file',
    run(host, arg) {
      const file = arg.trim();
      const last = host.last();
      if (!file) return host.err('usage: .save FILE\n');
      if (!last) return host.err('no program yet\n');
      try {
        writeFileSync(file, last.source.endsWith('\n') ? last.source : `${last.source}\n`);
      } catch (e) {
        return host.err(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      }
      host.out(`saved to ${file}\n`);
    },
  },
  help: {
    usage: '.help',
    help: 'this list',
    run(host) {
      const entries = Object.values(commands).map((c) => [c.usage, c.help] as const);
      entries.push(
        ['.break', 'abandon a program still being typed'],
        ['.exit', 'stop everything and leave (or Ctrl-D)'],
      );
      const w = Math.max(...entries.map(([u]) => u.length));
      host.out(
        'Type a probe block to run it; it runs until Ctrl-C (or .stop), and several can run at once.\n' +
          '@x or print(@x[, top[, div]]) shows a map while it fills; it stays readable after its program stops.\n' +
          'clear(@x), zero(@x) and delete(@x[key]) change it, as in a probe; other statements run inside a probe.\n\n' +
          entries.map(([u, h]) => `  ${u.padEnd(w)}  ${h}\n`).join(''),
      );
    },
  },
};

/** `@x`, `@`, `print(@x)`, `print(@x, top)`, `print(@x, top, div)`: a map read at the prompt. */
export function mapRead(text: string): { name: string; top: number; div: number } | undefined {
  const bare = /^\s*(@\w*)\s*;?\s*$/.exec(text);
  if (bare) return { name: bare[1]!, top: 0, div: 0 };
  const p = /^\s*print\s*\(\s*(@\w*)\s*(?:,\s*(\d+)\s*(?:,\s*(\d+)\s*)?)?\)\s*;?\s*$/.exec(text);
  return p ? { name: p[1]!, top: Number(p[2] ?? 0), div: Number(p[3] ?? 0) } : undefined;
}

function noMap(host: ReplHost, name: string): void {
  const known = [...new Set([...host.running().flatMap((p) => p.maps), ...host.keptMaps().map((k) => k.name)])].sort();
  host.err(`no map ${name}${known.length ? ` (maps: ${known.join(' ')})` : ''}\n`);
}

/** Prints a map read at the prompt, as print(@x) prints it in a program. */
export function showMap(host: ReplHost, read: { name: string; top: number; div: number }): void {
  const found = host.readMap(read.name);
  if (!found.length) return noMap(host, read.name);
  for (const f of found) {
    if (found.length > 1 || f.kept) host.out(`[${f.from}]${f.kept ? ' (stopped)' : ''}\n`);
    host.out(
      entryCount(f.snapshot) ? formatMap(f.snapshot, { top: read.top, div: read.div }) : `${read.name} is empty\n`,
    );
  }
}

/** print, clear, zero and delete of a map, typed at the prompt: on the maps of running and stopped programs. */
export function runMapStatements(host: ReplHost, statements: readonly MapStatement[]): void {
  for (const s of statements) {
    if (s.op === 'print') {
      showMap(host, { name: s.map, top: s.top, div: s.div });
      continue;
    }
    if (s.op === 'delete') {
      const done = host.deleteEntry(s.map, s.keys);
      if (typeof done === 'string') host.err(`${done}\n`);
      else if (done > 0)
        host.out(
          `deleted ${s.map}[${s.keys.map((k) => (typeof k === 'string' ? JSON.stringify(k) : String(k))).join(', ')}]\n`,
        );
      else if (host.readMap(s.map).length) host.err(`${s.text}: no such entry\n`);
      else noMap(host, s.map);
      continue;
    }
    const done = s.op === 'clear' ? host.clearMaps(s.map).length : host.zeroMaps(s.map);
    if (done === 0) noMap(host, s.map);
    else host.out(`${s.op === 'clear' ? 'cleared' : 'zeroed'} ${s.map}\n`);
  }
}

/** The answer to a dot command scry does not have: what it is, the nearest one it has, and where the list is. */
export function unknownCommand(name: string, known: readonly string[]): string {
  const word = name.replace(/^\./, '');
  const score = (c: string) => editDistance(word, c) * 100 - [...new Set(c)].filter((ch) => word.includes(ch)).length;
  const nearest = word ? [...known].sort((a, b) => score(a) - score(b) || (a < b ? -1 : 1))[0] : undefined;
  return `unknown command .${word}${nearest ? ` (the nearest is .${nearest})` : ''}; .help lists the commands\n`;
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
