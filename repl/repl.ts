// `scry` without a program: a REPL on node:repl. A probe block typed at the prompt compiles, attaches and
// runs while the prompt stays usable: its output is printed above the prompt, maps can be read with `@x`
// while they fill, and several programs run at once. Ctrl-C stops the newest program (END runs, its maps
// print) and returns to the prompt; Ctrl-C or Ctrl-D at an idle prompt leaves.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { clearScreenDown, cursorTo, moveCursor } from 'node:readline';
import { Recoverable, start, type REPLServer } from 'node:repl';
import type { CompiledProgram } from '../compiler/index.ts';
import { error, renderDiagnostics } from '../lang/index.ts';
import type { MapSnapshot, OutputSink } from '../runtime/index.ts';
import {
  commands,
  mapRead,
  runMapStatements,
  showMap,
  unknownCommand,
  type ReplHost,
  type RunningProgram,
} from './commands.ts';
import { openHistory } from './history.ts';
import { deleteKept, deleteLive, keyMismatch, zeroKept, zeroLive } from './map-ops.ts';
import { promptInput } from './prompt-input.ts';
import { complete, tabCompletes } from './complete.ts';
import { textSink } from './sink.ts';
import { compileScript, runFailure, ScriptRun } from './script-run.ts';

export interface ReplOptions {
  readonly quiet: boolean;
  readonly pid?: number;
  readonly unsafe?: boolean;
  /** -I directories and --include files for the programs' C parts */
  readonly includeDirs?: readonly string[];
  readonly includeFiles?: readonly string[];
  /** where history is kept; ~/.scry_history by default */
  readonly historyFile?: string;
  readonly version: string;
}

interface Program extends RunningProgram {
  /** the run each program is (script-run.ts: the CLI's and the library's too) */
  readonly run: ScriptRun;
  /** stopped from the REPL (Ctrl-C, .stop), not by exit() */
  stopping: boolean;
}

const PROMPT = 'scry> ';
/** lines recalled with the arrow keys */
const HISTORY_SIZE = 1000;

export function startRepl(opts: ReplOptions): Promise<number> {
  const input = process.stdin;
  const output = process.stdout;
  const terminal = Boolean(input.isTTY && output.isTTY);
  const running = new Map<number, Program>();
  const kept = new Map<string, { from: number; snapshot: MapSnapshot }>();
  let last: { source: string; compiled: CompiledProgram } | undefined;
  let nextId = 1;
  /** a program still being typed (its block is open): the lines before the current one */
  let pending = '';
  /** the prompt is on screen, so output must be written above it */
  let promptShown = false;

  let r: REPLServer;

  /** Writes above the prompt (erasing it and the line being typed, then drawing them again below). */
  const print = (text: string, stream: NodeJS.WriteStream) => {
    if (!text) return;
    if (!terminal || !promptShown) return void stream.write(text);
    moveCursor(output, 0, -r.getCursorPos().rows);
    cursorTo(output, 0);
    clearScreenDown(output);
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
    // readline would move up by the rows the old line took; they are gone already
    (r as unknown as { prevRows: number }).prevRows = 0;
    r.displayPrompt(true);
  };

  const host: ReplHost = {
    out: (t) => print(t, process.stdout),
    err: (t) => print(t, process.stderr),
    running: () => [...running.values()],
    stop: (ids) => Promise.all(ids.map((id) => stopProgram(id))).then(() => undefined),
    readMap(name) {
      const live = [...running.values()]
        .reverse()
        .filter((p) => p.maps.includes(name))
        .flatMap((p) => {
          const snapshot = p.run.snapshot(name);
          return snapshot ? [{ from: p.id, snapshot, kept: false }] : [];
        });
      if (live.length) return live;
      const k = kept.get(name);
      return k ? [{ from: k.from, snapshot: k.snapshot, kept: true }] : [];
    },
    clearMaps(name) {
      const cleared = new Set<string>();
      for (const p of running.values())
        for (const m of p.maps) if ((name === undefined || m === name) && p.run.clearMap(m)) cleared.add(m);
      // a stopped program's copy stays, empty, as the map would after clear(@x)
      for (const [k, c] of kept)
        if (name === undefined || k === name) {
          kept.set(k, { from: c.from, snapshot: { layout: c.snapshot.layout, entries: [] } }); // (a spread would make its entries)
          cleared.add(k);
        }
      return [...cleared].sort();
    },
    zeroMaps(name) {
      let zeroed = 0;
      for (const p of running.values()) if (p.maps.includes(name) && zeroLive(p.run, name)) zeroed++;
      const k = kept.get(name);
      if (k) {
        kept.set(name, { from: k.from, snapshot: zeroKept(k.snapshot) });
        zeroed++;
      }
      return zeroed;
    },
    deleteEntry(name, keys) {
      let deleted = 0;
      for (const p of running.values()) {
        const layout = p.maps.includes(name) ? p.run.snapshot(name)?.layout : undefined;
        if (!layout) continue;
        const mismatch = keyMismatch(name, layout, keys);
        if (mismatch) return mismatch;
        deleted += deleteLive(p.run, name, keys);
      }
      const k = kept.get(name);
      if (k) {
        const mismatch = keyMismatch(name, k.snapshot.layout, keys);
        if (mismatch) return mismatch;
        const d = deleteKept(k.snapshot, keys);
        kept.set(name, { from: k.from, snapshot: d.snapshot });
        deleted += d.deleted;
      }
      return deleted;
    },
    keptMaps: () =>
      [...kept.entries()].map(([name, k]) => ({ name, from: k.from })).sort((a, b) => (a.name < b.name ? -1 : 1)),
    last: () => last,
    run: (name, text) => void runProgram(name, text),
  };

  /** Compiles and starts a program, or says why it cannot. */
  function runProgram(name: string, text: string): void {
    const compiled = compileScript(text, {
      name,
      ...(opts.unsafe !== undefined ? { unsafe: opts.unsafe } : {}),
      ...(opts.includeFiles ? { includeFiles: opts.includeFiles } : {}),
      ...(opts.includeDirs ? { includeDirs: opts.includeDirs } : {}),
      ...(opts.pid !== undefined ? { pid: opts.pid } : {}),
      settings: process.env, // BPFTRACE_* settings, as on the command line
    });
    // errors, or warnings (an unknown config key, …) about a program that runs all the same: said before it runs
    if (compiled.diagnostics.length) host.err(renderDiagnostics(compiled.diagnostics));
    if (!compiled.program) return;
    last = { source: text, compiled: compiled.program };

    const id = nextId++;
    let partial = ''; // a line printed without its newline yet
    const text_ = textSink(
      {
        out(t) {
          const all = partial + t;
          const nl = all.lastIndexOf('\n');
          partial = all.slice(nl + 1);
          if (nl >= 0) host.out(all.slice(0, nl + 1));
        },
        err: (t) => host.err(t),
        flush() {},
        close() {},
      },
      { quiet: true },
    );
    const sink: OutputSink = {
      event(e) {
        if (e.kind === 'attached') {
          if (!opts.quiet) host.err(`[${id}] Attached ${e.probes} probe${e.probes === 1 ? '' : 's'}\n`);
          return;
        }
        text_.event(e);
      },
      end() {
        text_.end();
        if (partial) host.out(`${partial}\n`);
        partial = '';
        // the maps stay readable at the prompt after the program has gone (read as END left them: keepMaps)
        for (const [m, snapshot] of run?.finalMaps ?? []) kept.set(m, { from: id, snapshot });
      },
    };
    let run: ScriptRun | undefined;
    try {
      run = ScriptRun.start(compiled.program, { sink, keepMaps: true });
    } catch (e) {
      return void host.err(renderDiagnostics([failureDiagnostic(e)]));
    }
    const program: Program = {
      id,
      source: text,
      started: Date.now(),
      probes: compiled.program.programs.length, // as the banner counts them (BEGIN and END too, as bpftrace)
      maps: run.mapNames(),
      run,
      stopping: false,
    };
    running.set(id, program);
    for (const m of program.maps) kept.delete(m);
    void run.done.then((code) => {
      running.delete(id);
      if (!program.stopping) host.err(`[${id}] ended${code ? ` (exit code ${code})` : ''}\n`);
    });
    return undefined;
  }

  async function stopProgram(id: number): Promise<void> {
    const p = running.get(id);
    if (!p) return;
    p.stopping = true;
    try {
      await p.run.stop();
    } catch (e) {
      host.err(renderDiagnostics([failureDiagnostic(e)]));
    }
  }

  const newest = () => [...running.keys()].pop();

  /** A bug in scry should not end the session (and its running programs) with it: say so and go on. */
  const bug = (e: unknown) => host.err(`scry: internal error (please report it): ${(e as Error).stack ?? e}\n`);
  function guarded<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      bug(e);
      return undefined;
    }
  }

  // piped input (`scry < script`) gets neither the greeting nor prompts: just the programs' output
  if (!opts.quiet && terminal)
    output.write(
      `scry ${opts.version}: type a probe block to run it (Ctrl-C stops it), .help for commands, Ctrl-D to leave\n`,
    );

  r = start({
    prompt: terminal ? PROMPT : '',
    input,
    output,
    terminal,
    ignoreUndefined: true,
    preview: false,
    eval(cmd, _context, _file, cb) {
      promptShown = false;
      const text = cmd.replace(/\n$/, '');
      if (!text.trim()) {
        pending = '';
        return cb(null, undefined);
      }
      const read = mapRead(text);
      if (read) {
        pending = '';
        showMap(host, read);
        return cb(null, undefined);
      }
      const input = guarded(() => promptInput(text));
      if (input?.kind === 'incomplete') {
        pending = text;
        return cb(new Recoverable(new Error('the block is still open')), undefined);
      }
      pending = '';
      if (input?.kind === 'nothing') return cb(null, undefined);
      if (input?.kind === 'statements') guarded(() => runMapStatements(host, input.statements));
      else if (input?.kind === 'refused') host.err(`${input.reason}\n`);
      else if (input) guarded(() => runProgram('stdin', text));
      cb(null, undefined);
    },
    completer: (line: string) =>
      complete(line, {
        pending,
        mapNames: () => [...new Set([...[...running.values()].flatMap((p) => p.maps), ...kept.keys()])],
        programIds: () => [...running.keys()],
        commands: [...Object.keys(commands), 'break', 'exit'].map((c) => `.${c}`),
      }),
  });

  // piped input gets no prompts, not even node's `...` while a block is open
  if (!terminal) {
    const [setPrompt, prompt] = [r.setPrompt.bind(r), r.prompt.bind(r)];
    r.prompt = (preserveCursor?: boolean) => {
      setPrompt('');
      prompt(preserveCursor);
    };
  }
  const displayPrompt = r.displayPrompt.bind(r);
  r.displayPrompt = (preserveCursor?: boolean) => {
    displayPrompt(preserveCursor);
    promptShown = true;
  };

  // readline takes keys that arrive in one read for a paste and inserts a Tab among them as text: Tab Tab
  // pressed quickly (or typed over a slow link) then completes the line with a tab in it. Complete anyway
  // where a word is being typed; see tabCompletes.
  const rl = r as unknown as {
    _ttyWrite(d: string, key: { name?: string; ctrl?: boolean; meta?: boolean }): void;
    isCompletionEnabled: boolean;
    cursor: number;
  };
  const ttyWrite = rl._ttyWrite.bind(r);
  rl._ttyWrite = (d, key) => {
    if (
      key?.name !== 'tab' ||
      key.ctrl ||
      key.meta ||
      rl.isCompletionEnabled ||
      !tabCompletes(r.line.slice(0, rl.cursor))
    )
      return ttyWrite(d, key);
    rl.isCompletionEnabled = true;
    try {
      ttyWrite(d, key);
    } finally {
      rl.isCompletionEnabled = false;
    }
  };

  // A dot command scry does not have gets scry's answer rather than node's "Invalid REPL keyword" (node's
  // own line handler runs after this one, for everything else).
  const replOnLine = r.listeners('line') as ((line: string) => void)[];
  r.removeAllListeners('line');
  r.on('line', (line: string) => {
    const keyword = /^\s*\.(?!\.)(\S*)/.exec(line)?.[1];
    if (keyword !== undefined && !pending && Number.isNaN(Number.parseFloat(line.trim())) && !(keyword in r.commands)) {
      promptShown = false;
      host.err(unknownCommand(keyword, Object.keys(r.commands)));
      return r.displayPrompt();
    }
    for (const l of replOnLine) l.call(r, line);
  });

  delete (r.commands as Record<string, unknown>)['editor']; // JavaScript's multi-line editor means nothing here
  for (const [name, c] of Object.entries(commands)) {
    r.defineCommand(name, {
      help: c.help,
      action(arg: string) {
        promptShown = false;
        const done = guarded(() => c.run(host, arg));
        if (done) void done.catch(bug).then(() => r.displayPrompt());
        else r.displayPrompt();
      },
    });
  }

  if (terminal) {
    const history = openHistory(opts.historyFile ?? join(homedir(), '.scry_history'), HISTORY_SIZE);
    if ('error' in history) host.err(`history is not kept: ${history.error}\n`);
    else {
      Object.assign(r, { history: history.lines, historySize: HISTORY_SIZE });
      let warned = false;
      r.on('line', (line: string) => {
        const err = history.add(line);
        if (err && !warned) host.err(`history is not kept: ${err}\n`);
        warned ||= Boolean(err);
      });
    }
  }

  // Ctrl-C: clear what is being typed; else stop the newest program; else leave.
  const interrupt = () => {
    if (r.line.length > 0 || pending) {
      r.clearBufferedCommand();
      pending = '';
      r.write(null, { ctrl: true, name: 'e' });
      r.write(null, { ctrl: true, name: 'u' });
      r.displayPrompt();
      return;
    }
    const id = newest();
    if (id === undefined) return r.close();
    void stopProgram(id);
  };
  r.removeAllListeners('SIGINT');
  r.on('SIGINT', interrupt);
  process.on('SIGINT', interrupt);
  const terminate = () => r.close();
  process.on('SIGTERM', terminate);

  return new Promise((resolve) => {
    r.on('exit', () => {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', terminate);
      promptShown = false;
      if (terminal) output.write('\n');
      void Promise.all([...running.keys()].map((id) => stopProgram(id))).then(() => resolve(0));
    });
  });
}

/** A program that could not start or stop, as a diagnostic (the REPL goes on, whatever failed). */
function failureDiagnostic(e: unknown) {
  const f = runFailure(e);
  return f ? error(f.message, f.span, [...f.hints]) : error((e as Error).message);
}
