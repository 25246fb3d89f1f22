// A running program: load, attach, BEGIN, stream events, and on stop: detach, END, final maps, close.
// Teardown runs in reverse order, always, after a partial failure or a signal too.
import type { CompiledProgram, MapSpec, ProgramSpec } from '../compiler/index.ts';
import {
  EVENTS_MAP,
  LOST_ERRNO,
  LOST_MAP,
  GLOBALS_CPID,
  GLOBALS_EXIT_CODE,
  GLOBALS_EXIT_FLAG,
  GLOBALS_MAP,
  GLOBALS_NCPUS,
  GLOBALS_START_NS,
  SKB_OUTPUT_MAP,
} from '../compiler/index.ts';
import { attachOrder, runtimeRow } from './providers/index.ts';
import { releaseAll, type Attachment } from './attach/types.ts';
import { EventDecoder, type MapOpEvent } from './decode.ts';
import { catEvent, runCommand } from './effects.ts';
import { ScryRuntimeError } from './errors.ts';
import type { OutputSink, TraceEvent } from './events.ts';
import { loadObjects, type LoadedObjects, type LoadedProgram } from './loader.ts';
import { clearMap, entryCount, readValue, snapshotMap, zeroMap, type MapSnapshot } from './maps.ts';
import { sameValue, type Value } from './value.ts';
import type { RenderContext } from './render.ts';
import { makeRenderContext, type RenderOptions } from './render-context.ts';
import { benchmarkText, runBenchmark, TEST_PACKET, testText } from './session-bench.ts';
import { requirePrivileges } from './privileges.ts';
import { RepeatLimiter } from './repeat-limiter.ts';
import { RingBufferReader } from './ringbuf.ts';
import { SkbOutput } from './skb-output.ts';
import { mark, nowMs } from './timings.ts';
import { bootTimeNs, mapDelete, mapGetNextKey, mapLookup, mapUpdate, onlineCpus, progTestRun } from './sys/index.ts';

/** How long one drain may print before it yields to the event loop (signals, timers, the live view). */
const DRAIN_BUDGET_MS = 20;
/** how often a session whose output is blocked looks at its reader again */
const READER_WAIT_MS = 10;

/** What an off-thread reader needs to snapshot one map itself (Session.mapSource). */
export interface MapSource {
  readonly fd: number;
  readonly spec: MapSpec;
  readonly render: RenderOptions;
}

export interface SessionOptions {
  readonly sink: OutputSink;
  /** pid of the command started with -c (the `cpid` builtin) */
  readonly cpid?: number;
  /** -p PID: uprobes are placed in this process only */
  readonly pid?: number;
  /** false: enum values and pointers print as numbers outside printf (bpftrace's `-f json`) */
  readonly symbolic?: boolean;
  /** --mode bench: run BEGIN, time the bench:NAME probes, run END; attach nothing (bpftrace v0.26) */
  readonly bench?: boolean;
  /** --test: run BEGIN, each test:NAME probe once (passed: it returned 0, printed no error, called no exit(N != 0)), END */
  readonly test?: boolean;
  /** printf events carry their arguments' values (`args`), for the library's events */
  readonly printfArgs?: boolean;
  /**
   * The caller stops the run when its -c command exits: a BEGIN/END-only program then waits for that instead of
   * ending right after BEGIN (bpftrace 0.17 waits for the command; v0.26 ends after 100 ms without output and
   * SIGTERMs it, which cut off a command slower than that)
   */
  readonly endsWithCommand?: boolean;
}

export class Session {
  private readonly attachments: Attachment[] = [];
  /** iterators: run once right after BEGIN, or pinned */
  private readonly iterators: Attachment[] = [];
  private readonly decoder: EventDecoder;
  private ring: RingBufferReader | undefined;
  /** skboutput(): per-CPU perf buffers written to pcap files */
  private skb: SkbOutput | undefined;
  private state: 'running' | 'stopping' | 'closed' = 'running';
  private exitCode = 0;
  /** an exit() record was read: its code is the run's */
  private exited = false;
  /** END has begun: an exit() in it ends nothing more */
  private endStarted = false;
  /** --test or --bench ran: the maps are not printed at the end (bpftrace v0.26) */
  private resultsOnly = false;
  private lostReported = 0n;
  /** set by exit() or a stopping signal: records still queued are dropped, not decoded */
  private discarding = false;
  /** an iterator is running: its output is not cut at exit() (runIterator) */
  private iterating = false;
  private dropped = 0;
  /** set while output waits for a slow reader (see waitForReader) */
  private readerWait: NodeJS.Timeout | undefined;
  /** -k warnings: one per script location a second, repeats summed up */
  private readonly repeats = new RepeatLimiter();
  /** how stacks, symbols and other viewed values print (render.ts) */
  private readonly render: RenderContext;
  private readonly renderOptions: RenderOptions;
  private lostCheckedAt = 0;
  /** ring-buffer records read so far (the REPL and the live view show the rate) */
  private eventsRead = 0;
  private resolveDone!: (code: number) => void;
  /** Resolves with the exit code once the session has stopped and closed everything. */
  readonly done: Promise<number>;

  private constructor(
    private readonly compiled: CompiledProgram,
    private readonly objs: LoadedObjects,
    private sink: OutputSink,
    private readonly pid?: number,
    private readonly cpid?: number,
    symbolic = true,
    printfArgs = false,
  ) {
    this.renderOptions = {
      ...(compiled.scriptTypes ? { scriptTypes: compiled.scriptTypes } : {}),
      symbolic,
      probedFiles: compiled.programs.flatMap((p) => ('path' in p.attach ? [p.attach.path] : [])),
      debugInfo: compiled.showDebugInfo ?? true,
    };
    this.render = makeRenderContext(this.renderOptions);
    this.decoder = new EventDecoder(compiled.events, this.render, printfArgs);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /**
   * Loads everything, runs BEGIN, then attaches the other probes (as bpftrace does: no probe can fire before
   * BEGIN has run). BEGIN's output is printed after the attach banner, where bpftrace prints it. Throws (with
   * nothing left open) if any step fails.
   */
  static start(compiled: CompiledProgram, options: SessionOptions): Session {
    // Refuse what this user or this kernel cannot do before creating anything.
    requirePrivileges('load and attach programs');
    for (const p of compiled.programs) runtimeRow(p.attach).require?.(p.attach);
    // bench and test probes run only in their modes (bpftrace v0.26's errors when nothing else would run)
    const only = (provider: string) =>
      compiled.programs.length > 0 && compiled.programs.every((p) => p.attach.provider === provider);
    if (!options.bench && only('bench'))
      throw new ScryRuntimeError('No probes attached; use --mode bench to run benchmark probes.', undefined, []);
    if (!options.test && only('test'))
      throw new ScryRuntimeError('No probes attached; use --test to run test probes.', undefined, []);
    const objs = loadObjects(compiled);
    const s = new Session(
      compiled,
      objs,
      options.sink,
      options.pid,
      options.cpid,
      options.symbolic,
      options.printfArgs,
    );
    try {
      const events = objs.maps.get(EVENTS_MAP)!;
      s.ring = new RingBufferReader(events.fd.fd, events.spec.maxEntries);
      const skb = objs.maps.get(SKB_OUTPUT_MAP);
      if (skb && compiled.skbOutputs) s.skb = new SkbOutput(skb.fd.fd, compiled.skbOutputs, compiled.perfRbPages);
      writeGlobals(objs, options.cpid ?? 0);
      for (const p of s.special('BEGIN')) s.run(p);
      mark('BEGIN');
      if (options.bench || options.test) {
        // nothing attaches and no banner prints (bpftrace v0.26); BEGIN's output first, then the results
        s.drain(true);
        s.resultsOnly = true;
        if (options.bench) s.runBenchmarks();
        else s.runTests();
        queueMicrotask(() => void s.stop());
        return s;
      }
      for (const p of attachOrder(objs.programs)) s.attach(p);
      mark('attach');
      // probes as bpftrace v0.26 counts them: one per attach point of each block (two BEGIN blocks are two),
      // however many places (USDT sites) it covers; bench probes only under --mode bench
      const counted = objs.programs.filter((p) => !['bench', 'test'].includes(p.spec.attach.provider));
      const points = counted.flatMap((p) =>
        [p.spec.attach, ...(p.spec.alsoAttach ?? [])].map((a) => `${a.text}\0${a.span.file.name}\0${a.span.start}`),
      );
      s.emit({ kind: 'attached', probes: new Set(points).size });
      s.ring.watch(() => s.drain());
      s.drain();
      // iterators run once, right after BEGIN, or are pinned; then the program is done, as in bpftrace
      if (!s.discarding) for (const it of s.iterators) s.runIterator(it);
      if (s.iterators.length || (s.onlySpecial() && !options.endsWithCommand)) queueMicrotask(() => void s.stop());
    } catch (e) {
      s.closeAll();
      throw e;
    }
    return s;
  }

  private attach(p: LoadedProgram): void {
    const a = p.spec.attach;
    const attached = runtimeRow(a).attach(p, a, { pid: this.pid, cpid: this.cpid });
    for (const x of attached) {
      this.attachments.push(x); // (not a spread: a wildcard may attach more points than a call takes arguments)
      if (x.run || x.pin) this.iterators.push(x);
    }
  }

  /** A pinned iterator is left in the BPF filesystem (bpftrace v0.26's line says where); others run once. */
  private runIterator(it: Attachment): void {
    if (it.pin) this.emit({ kind: 'printf', text: `Program pinned to ${it.pin()}\n` });
    else {
      this.iterating = true;
      try {
        it.run?.(() => this.drain(true, true));
      } finally {
        this.iterating = false;
      }
    }
  }

  /**
   * A program whose probes are all BEGIN/END has nothing left to wait for once BEGIN has run: it ends by
   * itself, running END (bpftrace v0.26 drains its output and exits; 0.17 waited for Ctrl-C), unless a -c command
   * is what ends it (SessionOptions.endsWithCommand).
   */
  private onlySpecial(): boolean {
    return this.objs.programs.every((p) => ['BEGIN', 'END', 'bench', 'test'].includes(p.spec.attach.provider));
  }

  /** --mode bench: each bench probe in program order; what they print is dropped, their results printed. */
  private runBenchmarks(): void {
    const benches = this.objs.programs.filter((p) => p.spec.attach.provider === 'bench');
    const names = benches.map((p) => p.spec.attach.text.replace(/^bench:/, ''));
    benches.forEach((p, index) => {
      let r;
      try {
        r = runBenchmark(p.fd.fd, () => void this.ring?.drainRecords(() => {}));
      } catch (e) {
        const message = `cannot run ${p.spec.attach.text}: ${(e as Error).message}`;
        throw new ScryRuntimeError(message, p.spec.attach.span, [], { cause: e });
      }
      if (!r) return; // it returned non-zero: skipped
      const result = { names, index, ...r };
      if (this.sink.benchmark) this.sink.benchmark(result);
      else this.emit({ kind: 'printf', text: benchmarkText(result) });
    });
  }

  /**
   * --test: each test probe once, in program order, its output kept aside: it passed when it returned 0, printed
   * no error and called no exit() with a code other than 0 (bpftrace v0.26); the run's status is 1 when one failed.
   */
  private runTests(): void {
    const tests = this.objs.programs.filter((p) => p.spec.attach.provider === 'test');
    const names = tests.map((p) => p.spec.attach.text.replace(/^test:/, ''));
    const passed: boolean[] = [];
    const sink = this.sink;
    tests.forEach((p, index) => {
      const events: TraceEvent[] = [];
      this.sink = { event: (e) => void events.push(e), end: () => {} };
      let run;
      try {
        run = progTestRun(p.fd.fd, { dataIn: TEST_PACKET });
        this.drain(true);
      } catch (e) {
        const message = `cannot run ${p.spec.attach.text}: ${(e as Error).message}`;
        throw new ScryRuntimeError(message, p.spec.attach.span, [], { cause: e });
      } finally {
        this.sink = sink;
      }
      const errors = events.filter((e) => e.kind === 'message' && e.level === 'error').length;
      passed.push(run.retval === 0 && this.exitCode === 0 && errors === 0);
      // each test starts afresh: an exit() ended only the test that called it
      this.exitCode = 0;
      this.exited = false;
      this.discarding = false;
      clearExitFlag(this.objs);
      const result = { names, index, passed, durationNs: run.duration, events };
      if (sink.test) sink.test(result);
      else this.emit({ kind: 'printf', text: testText(result, '') });
    });
    if (passed.includes(false)) this.exitCode = 1;
  }

  private special(which: 'BEGIN' | 'END'): LoadedProgram[] {
    return this.objs.programs.filter((p) => p.spec.attach.provider === which);
  }

  /** BEGIN and END are raw-tracepoint programs run once with BPF_PROG_TEST_RUN, in this process. */
  private run(p: LoadedProgram): void {
    try {
      progTestRun(p.fd.fd, {});
    } catch (e) {
      throw new ScryRuntimeError(`cannot run ${p.spec.attach.text}: ${(e as Error).message}`, p.spec.attach.span, [], {
        cause: e,
      });
    }
  }

  private emit(e: TraceEvent): void {
    this.sink.event(e);
  }

  /**
   * Prints what the ring buffer holds, oldest first. Unless `all`, it stops after DRAIN_BUDGET_MS so that
   * signals and timers are served under any event rate (the watch calls again while records remain). After
   * exit() nothing behind it is decoded: the rest is dropped (bpftrace does the same) and counted.
   * `queuedOnly`: what the ring buffer held when the drain began, for a drain with the probes still attached.
   */
  private drain(all = false, queuedOnly = false): void {
    const ring = this.ring;
    if (!ring) return;
    if (this.discarding) {
      this.dropped += ring.drainRecords(() => {});
      return;
    }
    if (!all && this.sink.blocked?.()) return this.waitForReader(ring);
    const text = this.decoder.textOutput(this.sink); // printf text as bytes, when the sink takes them
    const deadline = all ? Infinity : nowMs() + DRAIN_BUDGET_MS;
    let quick = 0;
    try {
      ring.drainRecords(
        (bytes, view, at) => {
          this.eventsRead++;
          const ev = this.decoder.decodeAt(bytes, view, at, text);
          // printf text gathered in `text`: cheap, so the clock is read every 256 of them
          if (ev === undefined) return (++quick & 255) === 0 && nowMs() > deadline;
          text?.flush(); // the text before this event is printed before it
          if (ev.kind === 'exit') {
            // The first exit() before END sets the code, also when its record is read only as the run stops (a
            // drain that spent its budget before reaching it, then a BEGIN-only program's stop): it was lost then
            // exit(N) in END sets the code too, the last one read winning (bpftrace v0.26 AsyncHandlers::exit):
            // `END { if (@errors) { exit(1); } }` tells the caller
            if (this.endStarted) this.exitCode = ev.code;
            else if (!this.exited) {
              this.exited = true;
              this.exitCode = ev.code;
              // an iterator's walk prints whole, as bpftrace v0.26 prints its seq file: the run ends after it
              if (this.iterating) return false;
              this.discarding = true;
              if (this.state === 'running') queueMicrotask(() => void this.stop('discard'));
            }
            return !this.iterating;
          }
          if (ev.kind === 'map-op') this.mapOp(ev);
          else if (ev.kind === 'effect')
            this.emit(
              ev.effect === 'cat'
                ? catEvent(ev.argument, this.compiled.maxCatBytes)
                : { kind: 'printf', text: runCommand(ev.argument), source: 'syscall' },
            );
          else if (ev.kind === 'message' && ev.helper) for (const m of this.repeats.admit(ev)) this.emit(m);
          else this.emit(ev);
          return nowMs() > deadline; // cat(), system(), maps: slow enough to look every time
        },
        Infinity,
        queuedOnly,
      );
    } finally {
      text?.flush();
    }
    if (this.discarding) this.dropped += ring.drainRecords(() => {});
    this.reportLost(false);
    this.sink.flush?.();
  }

  /**
   * Output waits for a slow reader: stop watching the ring buffer (events that do not fit are lost, and
   * counted by the probes) and look again shortly; memory stays bounded, signals are still served.
   */
  private waitForReader(ring: RingBufferReader): void {
    if (this.readerWait) return;
    ring.unwatch();
    this.reportLost(false);
    const look = () => {
      this.readerWait = undefined;
      if (this.ring !== ring || this.state !== 'running') return;
      if (this.sink.blocked?.()) {
        this.readerWait = setTimeout(look, READER_WAIT_MS);
        return;
      }
      ring.watch(() => this.drain());
      this.drain();
    };
    this.readerWait = setTimeout(look, READER_WAIT_MS);
  }

  /** Emits `lost` when the lost counter grew; looked at most every 100 ms unless `now`. */
  private reportLost(now: boolean): void {
    const t = Date.now();
    if (!now && t - this.lostCheckedAt < 100) return;
    this.lostCheckedAt = t;
    const lost = this.objs.maps.get(LOST_MAP);
    if (!lost) return;
    // a u64 all CPUs add -EAGAIN to atomically (compiler/program.ts LOST_MAP), then the id-only records
    const value = new Uint8Array(lost.spec.valueSize);
    if (!mapLookup(lost.fd.fd, new Uint8Array(4), value)) return;
    const total = -new DataView(value.buffer).getBigInt64(0, true) / BigInt(LOST_ERRNO);
    if (total > this.lostReported) {
      this.emit({ kind: 'lost', count: Number(total - this.lostReported) });
      this.lostReported = total;
      this.checkExitFlag();
    }
  }

  /** exit() also leaves a flag in the globals map, so a lost exit record still stops the run. */
  private checkExitFlag(): void {
    const g = this.objs.maps.get(GLOBALS_MAP);
    if (!g || this.state !== 'running') return;
    const value = new Uint8Array(g.spec.valueSize);
    if (!mapLookup(g.fd.fd, new Uint8Array(4), value)) return;
    const view = new DataView(value.buffer);
    if (view.getBigUint64(GLOBALS_EXIT_FLAG, true) === 0n) return;
    this.exitCode = Number(view.getBigInt64(GLOBALS_EXIT_CODE, true));
    queueMicrotask(() => void this.stop('discard'));
  }

  /** print/clear/zero(@m) from a probe, done on the live map when its event arrives (bpftrace does the same). */
  private mapOp(ev: MapOpEvent): void {
    const m = [...this.objs.maps.values()].find((x) => x.spec.user?.name === ev.map);
    if (!m) throw new Error(`map-op on unknown map ${ev.map}`);
    if (ev.op === 'clear') clearMap(m.fd.fd, m.spec);
    else if (ev.op === 'zero') zeroMap(m.fd.fd, m.spec);
    else this.emit({ kind: 'map', snapshot: snapshotMap(m.fd.fd, m.spec, this.render), top: ev.top, div: ev.div });
  }

  /**
   * Detach, run END, print the maps, close. Safe to call more than once. What the probes wrote before they
   * were detached is printed first, unless `pending` is 'discard' (after exit() or a signal, as in bpftrace:
   * the run ends now whatever is queued; what is dropped is counted in `stats.dropped`).
   */
  stop(pending: 'print' | 'discard' = 'print'): Promise<number> {
    if (this.state !== 'running') return this.done;
    this.state = 'stopping';
    mark('run');
    try {
      if (pending === 'discard') this.discarding = true;
      // what is queued reaches stdout now, not after the detach's RCU waits; what the probes write meanwhile
      // comes after the detach (a drain chasing a flood that outruns it would never end, its output piling up)
      else this.drain(true, true);
    } catch (e) {
      this.closeAll();
      this.resolveDone(this.exitCode);
      throw e;
    }
    // perf events wait for the kernel's RCU grace periods as they close: all at once, then END
    void releaseAll(this.attachments.splice(0).reverse()).finally(() => this.finish());
    return this.done;
  }

  /** After the probes are detached: what they wrote last, END, the final maps, close. */
  private finish(): void {
    try {
      this.drain(true);
      this.discarding = false; // END's own output prints
      this.endStarted = true;
      for (const p of this.special('END')) this.run(p);
      this.drain(true);
      this.discarding = false; // an exit() in END ends nothing more
      for (const m of this.repeats.flush()) this.emit(m);
      this.reportLost(true);
      if (this.compiled.printMapsOnExit && !this.resultsOnly)
        for (const snapshot of this.snapshotAll()) this.emit({ kind: 'map', snapshot });
      this.sink.end();
      mark('END, final maps');
    } finally {
      this.closeAll();
      mark('close');
      this.resolveDone(this.exitCode);
    }
  }

  private snapshotAll(): MapSnapshot[] {
    const user = [...this.objs.maps.values()]
      .filter((m) => m.spec.user)
      .sort((a, b) => (a.spec.user!.name < b.spec.user!.name ? -1 : 1));
    return user.map((m) => snapshotMap(m.fd.fd, m.spec, this.render));
  }

  get programs(): readonly ProgramSpec[] {
    return this.compiled.programs;
  }

  // ---- reading the session while it runs (the REPL and the live view) ----

  /** True until stop() begins. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** True once exit() was seen or stop() began: nothing more of the program's will run. */
  get ending(): boolean {
    return this.state !== 'running' || this.discarding;
  }

  /** Ring-buffer records read, records the kernel lost, and records dropped unread after exit() or a signal. */
  get stats(): { readonly events: number; readonly lost: number; readonly dropped: number } {
    return { events: this.eventsRead, lost: Number(this.lostReported), dropped: this.dropped };
  }

  /** The script's map names (`@x`), sorted. */
  mapNames(): string[] {
    return this.compiled.maps.flatMap((m) => (m.user ? [m.user.name] : [])).sort();
  }

  /** Script map `name` read now from the kernel; undefined when there is no such map or the session has closed. */
  snapshot(name: string): MapSnapshot | undefined {
    const m = this.userMap(name);
    return m && snapshotMap(m.fd.fd, m.spec, this.render);
  }

  /** Empties script map `name` (as clear(@x) would); false when there is no such map or the session has closed. */
  clearMap(name: string): boolean {
    const m = this.userMap(name);
    if (m) clearMap(m.fd.fd, m.spec);
    return m !== undefined;
  }

  /** Sets every value of script map `name` to zero (as zero(@x) would); false when there is no such map or the session has closed. */
  zeroMap(name: string): boolean {
    const m = this.userMap(name);
    if (m) zeroMap(m.fd.fd, m.spec);
    return m !== undefined;
  }

  /**
   * Deletes the entries of script map `name` whose keys equal `keys` (a histogram's entry is one kernel key per
   * bucket: all go). Returns how many script-level entries went (0 or 1).
   */
  deleteEntry(name: string, keys: readonly Value[]): number {
    const m = this.userMap(name);
    const layout = m?.spec.user;
    if (!m || !layout) return 0;
    if (layout.setWord !== undefined) {
      // a per-CPU array's element cannot go: clearing it makes the map unassigned again (runtime/maps.ts)
      const held = entryCount(snapshotMap(m.fd.fd, m.spec, this.render));
      clearMap(m.fd.fd, m.spec);
      return held;
    }
    const matching: Uint8Array[] = [];
    let cur: Uint8Array | null = null;
    for (;;) {
      const next = new Uint8Array(m.spec.keySize);
      if (!mapGetNextKey(m.fd.fd, cur, next)) break;
      const view = new DataView(next.buffer);
      if (layout.keys.every((k, i) => sameValue(readValue(k.type, view, k.offset), keys[i]!))) matching.push(next);
      cur = next;
    }
    let deleted = false;
    for (const key of matching) deleted = mapDelete(m.fd.fd, key) || deleted;
    return deleted ? 1 : 0;
  }

  /**
   * What an off-thread reader needs to snapshot map `name` itself (snapshotMap on `fd`, values printed as the
   * session prints them): valid only while the session runs, so a reader must finish before stop().
   */
  mapSource(name: string): MapSource | undefined {
    const m = this.userMap(name);
    if (!m) return undefined;
    return { fd: m.fd.fd, spec: m.spec, render: this.renderOptions };
  }

  private userMap(name: string) {
    if (this.state === 'closed') return undefined;
    return [...this.objs.maps.values()].find((m) => m.spec.user?.name === name);
  }

  private detach(): void {
    for (const a of this.attachments.reverse()) a.close();
    this.attachments.length = 0;
  }

  private closeAll(): void {
    clearTimeout(this.readerWait);
    this.detach();
    this.ring?.close();
    this.ring = undefined;
    this.skb?.close();
    this.skb = undefined;
    this.objs.close();
    this.state = 'closed';
  }
}

/** Start time (CLOCK_BOOTTIME, the clock of bpf_ktime_get_boot_ns) and CPU count, for elapsed and ncpus. */
function writeGlobals(objs: LoadedObjects, cpid: number): void {
  const g = objs.maps.get(GLOBALS_MAP);
  if (!g) return;
  const value = new Uint8Array(g.spec.valueSize);
  const view = new DataView(value.buffer);
  view.setBigUint64(GLOBALS_START_NS, bootTimeNs(), true);
  view.setBigUint64(GLOBALS_NCPUS, BigInt(onlineCpus().length), true);
  view.setBigUint64(GLOBALS_CPID, BigInt(cpid), true);
  mapUpdate(g.fd.fd, new Uint8Array(4), value);
}

/** --test: the exit() flag the probes look at first (compiler/codegen/program.ts), cleared for the next test. */
function clearExitFlag(objs: LoadedObjects): void {
  const g = objs.maps.get(GLOBALS_MAP);
  if (!g) return;
  const value = new Uint8Array(g.spec.valueSize);
  if (!mapLookup(g.fd.fd, new Uint8Array(4), value)) return;
  const view = new DataView(value.buffer);
  view.setBigUint64(GLOBALS_EXIT_FLAG, 0n, true);
  view.setBigUint64(GLOBALS_EXIT_CODE, 0n, true);
  mapUpdate(g.fd.fd, new Uint8Array(4), value);
}
