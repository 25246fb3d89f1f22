// The scry command line as bpftrace v0.26 spells it: getopt-style short flags (clustered, `-qe 'prog'`,
// `-lv`, `-I/dir`), long options (`--pid 1`, `--pid=1`), options anywhere among the positionals, `--` ends
// them. Pure: no fs, no process; the CLI acts on the result.
import type { BufferMode } from './writer.ts';
import { looksLikeMetricsAddress, parseMetricsAddress, type MetricsAddress } from './metrics/address.ts';
import { OPTIONAL_FEATURES, type OptionalFeature } from '../runtime/index.ts';

/** scry's own version; --version also names the bpftrace release whose behaviour scry follows */
export const VERSION = '0.1.0';
export const BPFTRACE_COMPAT = 'v0.26.1';

export interface CliOptions {
  program?: string;
  pid?: number;
  list?: boolean;
  /** -l's positional: a search pattern or, when such a file exists, a script (the CLI decides) */
  listArg?: string;
  file?: string;
  quiet: boolean;
  /** -v: with -l, each probe's arguments */
  verbose?: boolean;
  /** -k: 2, failed reads and map lookups warn too (by default 1: other failed helpers; --no-warnings: 0) */
  helperErrors?: 2;
  /** --no-warnings: no warning is printed, at compile time or while running */
  noWarnings?: boolean;
  format: 'text' | 'json';
  output?: string;
  command?: string;
  unsafe?: boolean;
  /** --traceable-functions FILE: the kernel functions kprobes may attach to, instead of available_filter_functions */
  traceableFunctions?: string;
  /** --no-feature A[,B]: kernel features to do without (bpftrace v0.26: kprobe_multi, kprobe_session, uprobe_multi) */
  noFeatures?: OptionalFeature[];
  /** --debuginfo DIR[:DIR] (repeatable): where debug files of stripped binaries are looked for first */
  debugInfo?: string[];
  buffering?: BufferMode;
  debug: string[];
  dryRun: boolean;
  args: string[];
  /** `--name[=value]` words after `--`: named parameters for getopt() (a bare `--name` is true) */
  namedArgs: Map<string, string | true>;
  /** --refresh MS: live view redraw period */
  refreshMs?: number;
  /** --no-view: no live view even on a terminal */
  noView?: boolean;
  /** --timings (or SCRY_TIMINGS=1): where the run's time went, on stderr at exit */
  timings?: boolean;
  /** --probe-filter REGEX: only probes whose names it finds attach (BEGIN and END always run) */
  probeFilter?: string;
  /** --info: the kernel report */
  info?: boolean;
  /** --aot FILE: write the compiled program as an executable that runs it without compiling (repl/aot.ts) */
  aot?: string;
  /** --emit-elf FILE: write the program as a libbpf ELF object and attach nothing (repl/emit-elf.ts) */
  emitElf?: string;
  /** --relocs (with -d bytecode): the code as --emit-elf writes it, with its relocation records */
  relocs?: boolean;
  /** --mode bench (--bench): time the bench:NAME probes; --mode test (--test): run the test:NAME probes */
  mode?: 'bench' | 'test';
  /** --metrics [ADDR]: serve the maps to Prometheus there (repl/metrics/) */
  metrics?: MetricsAddress;
  /** -I DIR, in order */
  includeDirs: string[];
  /** --include FILE, in order */
  includeFiles: string[];
}

/**
 * What the command line asks for: options to run, or a text to print and an exit code (`out` for stdout:
 * --help, --version; `message` for stderr, an ERROR line, then `hints`; `usage`: the short synopsis after).
 */
export type Parsed =
  | { ok: true; opts: CliOptions }
  | { ok: false; exit: number; out?: string; message?: string; hints?: string[]; usage?: boolean };

const usage = `USAGE:
    scry [options] filename
    scry [options] -e 'program'
    scry [options] - <stdin input>
    scry [options]                  (no program: the REPL)
    scry btf dump [TYPE…]           kernel types as a C header (scry btf --help)
    use -- after filename/-e 'program' for positional parameters ($1…) and named ones
    (--name=value or --name, read by getopt("name", default); --help lists a program's)

OPTIONS:
    -e 'program'   run this program
    -l, --list [search|filename]
                   list probes (tracepoints, uprobes…) matching search, or the probes of a program
    -v, --verbose  with -l: list each probe's arguments (also -lv)
    -p, --pid PID  trace only this process (BEGIN and END still run)
    -c, --cmd CMD  start CMD held, attach, let it run, stop when it exits (cpid is its pid)
    --probe-filter REGEX
                   attach only the probes whose names REGEX finds (BEGIN and END always run)
    --usdt-file-activation
                   accepted: scry always activates USDT semaphores by file (the kernel's ref_ctr_offset)
    -o, --output FILE
                   write program output to FILE (diagnostics stay on stderr)
    -f FORMAT      output format: text (default) or json (one JSON object a line)
    -B MODE        output buffering: none, line (default on a terminal) or full
    -q, --quiet    keep quiet (no "Attached N probes" banner)
    -k, --warnings also warn when a memory read or map lookup fails (other failed helpers always warn)
    --no-warnings  print no warnings (compile time or run time)
    -I DIR         search DIR for #include'd headers (before the system directories; repeatable)
    --include FILE include FILE before the program, as #include "FILE" would (repeatable)
    --unsafe       allow system(), which runs commands as root; kprobes on functions not listed as traceable
    --no-feature FEATURE[,FEATURE]
                   do without these kernel features: kprobe_multi, kprobe_session, uprobe_multi
    --traceable-functions FILE
                   the kernel functions kprobes may attach to, one 'name' or 'name [module]' a line
                   (default: the kernel's available_filter_functions)
    --debuginfo DIR[:DIR]
                   add directories to the debug info search path (repeatable; a relative DIR is
                   relative to the traced binary's directory), searched before .debug and /usr/lib/debug
    --info         what this kernel supports (probe types, maps, helpers), measured and cached
    -d, --debug STAGE
                   print a compiler stage and continue: ast, bytecode (optimized), bytecode-unopt
    --dry-run      compile and load nothing
    --aot FILE     compile, then write FILE: an executable that runs the program without compiling
                   (run it with -q, -f json, -o FILE, and -- --name=value for getopt())
    --emit-elf FILE
                   compile, then write FILE: an ELF object for libbpf loaders (bpftool prog loadall),
                   with BTF-defined maps and CO-RE relocations; attaches nothing
    --relocs       with -d bytecode: the code as --emit-elf writes it, with its relocation records
    --mode bench, --bench
                   run BEGIN, time each bench:NAME probe, run END; attach nothing else
    --mode test, --test
                   run BEGIN, run each test:NAME probe once and say whether it passed, run END
    --refresh MS   live view redraw period (default 1000)
    --no-view      plain text even on a terminal (no live view of the maps)
    --metrics [ADDR]
                   serve the maps live at http://ADDR/metrics (Prometheus, OpenMetrics) and /maps.json;
                   ADDR is HOST:PORT, :PORT or [IPV6]:PORT (default 127.0.0.1:9469, this machine only)
    --timings      print where the time went (start-up, load, attach, exit) to stderr at exit (SCRY_TIMINGS=1)
    -h, --help     show this help
    -V, --version  print the version

CONFIGURATION:
    BPFTRACE_* environment variables set what a script's config = { … } block sets, and win over it
    (e.g. BPFTRACE_MAX_STRLEN=128, BPFTRACE_STACK_MODE=perf).

EXAMPLES:
    scry -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'
    scry -e 'tracepoint:syscalls:sys_enter_mkdir < count[pid]++ >'
    scry -e 'BEGIN { printf("hello\\n"); exit(); }'
`;

/** The synopsis printed after a mistake on the command line (bpftrace prints its whole help there). */
export const shortUsage = `USAGE:
    scry [options] filename
    scry [options] -e 'program'
    (scry -h lists the options)
`;

/** what -d can print */
const DEBUG_STAGES = ['ast', 'bytecode'];
/** also accepted: the bytecode before the optimizer (for comparing; the error above names the two main stages) */
const EXTRA_DEBUG_STAGES = ['bytecode-unopt'];

class UsageError extends Error {
  constructor(
    message: string,
    readonly hints: string[] = [],
    readonly usage = false,
  ) {
    super(message);
  }
}

interface OptionSpec {
  readonly short?: string;
  readonly long?: string;
  /** takes a value (the rest of a short cluster, `=value`, or the next word) */
  readonly value?: true;
  /** long option with an optional value: `=value`, or the next word when this says it is one ('' when none) */
  readonly optionalValue?: (word: string) => boolean;
  apply(opts: CliOptions, value: string): Parsed | void;
}

/** Largest pid bpftrace takes (PID_MAX_LIMIT on 64-bit); the running system's pid_max may be lower. */
const PID_MAX = 0x400000;

/** bpftrace's pid check and wording: digits only (`invalid integer` / `invalid trailing bytes`), then the range. */
function parsePid(v: string): number {
  const hints = ['-p takes a process id, e.g. -p 1234'];
  const digits = /^\d+/.exec(v)?.[0];
  if (!digits) throw new UsageError(`Failed to parse pid: invalid integer: ${v}`, hints);
  if (digits.length !== v.length) throw new UsageError(`Failed to parse pid: invalid trailing bytes: ${v}`, hints);
  const pid = Number(v);
  if (pid > PID_MAX || pid === 0) throw new UsageError(`Pid out of range: ${v}`, [`a pid is from 1 to ${PID_MAX}`]);
  return pid;
}

const options: readonly OptionSpec[] = [
  { short: 'e', value: true, apply: (o, v) => void (o.program = v) },
  { short: 'p', long: 'pid', value: true, apply: (o, v) => void (o.pid = parsePid(v)) },
  { short: 'c', long: 'cmd', value: true, apply: (o, v) => void (o.command = v) },
  { short: 'l', long: 'list', apply: (o) => void (o.list = true) },
  { short: 'v', long: 'verbose', apply: (o) => void (o.verbose = true) },
  { short: 'q', long: 'quiet', apply: (o) => void (o.quiet = true) },
  {
    short: 'k',
    long: 'warnings',
    apply: (o) => {
      if (o.noWarnings) throw new UsageError('-k, --warnings conflicts with --no-warnings');
      // bpftrace v0.26: helper failures warn by default; -k adds failed reads and map lookups
      if (o.helperErrors)
        throw new UsageError(
          '-kk has been deprecated. Use a single -k for runtime warnings for errors in map lookups and probe reads.',
        );
      o.helperErrors = 2;
    },
  },
  {
    long: 'no-warnings',
    apply: (o) => {
      if (o.helperErrors) throw new UsageError('-k, --warnings conflicts with --no-warnings');
      o.noWarnings = true;
    },
  },
  { short: 'o', long: 'output', value: true, apply: (o, v) => void (o.output = v) },
  {
    short: 'f',
    value: true,
    apply: (o, v) => {
      if (v !== 'text' && v !== 'json')
        throw new UsageError(`Invalid output format "${v}"`, ["Valid formats: 'text', 'json'"]);
      o.format = v;
    },
  },
  {
    short: 'B',
    value: true,
    apply: (o, v) => {
      if (v !== 'none' && v !== 'line' && v !== 'full')
        throw new UsageError(`unknown buffering mode ${v}: use -B none, line or full`);
      o.buffering = v;
    },
  },
  {
    short: 'd',
    long: 'debug',
    value: true,
    apply: (o, v) => {
      for (const stage of v.split(',').filter(Boolean)) {
        if (!DEBUG_STAGES.includes(stage) && !EXTRA_DEBUG_STAGES.includes(stage))
          throw new UsageError(
            `unknown debug stage '${stage}': scry prints ${DEBUG_STAGES.map((d) => `-d ${d}`).join(' or ')}`,
          );
        o.debug.push(stage);
      }
    },
  },
  { short: 'I', value: true, apply: (o, v) => void o.includeDirs.push(v) },
  { long: 'include', value: true, apply: (o, v) => void o.includeFiles.push(v) },
  { long: 'unsafe', apply: (o) => void (o.unsafe = true) },
  { long: 'traceable-functions', value: true, apply: (o, v) => void (o.traceableFunctions = v) },
  { long: 'debuginfo', value: true, apply: (o, v) => void (o.debugInfo = [...(o.debugInfo ?? []), v]) },
  {
    long: 'no-feature',
    value: true,
    apply: (o, v) => {
      const names = v.split(',');
      const known = (n: string): n is OptionalFeature => (OPTIONAL_FEATURES as readonly string[]).includes(n);
      // bpftrace v0.26's words
      if (!names.every(known))
        throw new UsageError(`--no-feature can only have values '${OPTIONAL_FEATURES.join(',')}'.`);
      o.noFeatures = [...(o.noFeatures ?? []), ...names];
    },
  },
  { long: 'info', apply: (o) => void (o.info = true) },
  { long: 'dry-run', apply: (o) => void (o.dryRun = true) },
  { long: 'aot', value: true, apply: (o, v) => void (o.aot = v) },
  { long: 'emit-elf', value: true, apply: (o, v) => void (o.emitElf = v) },
  { long: 'relocs', apply: (o) => void (o.relocs = true) },
  {
    long: 'mode',
    value: true,
    apply: (o, v) => {
      if (v !== 'bench' && v !== 'test')
        throw new UsageError(
          `--mode '${v}' is not scry's: --mode bench and --mode test are (bpftrace's codegen, compiler-bench and format are not)`,
        );
      if (o.mode) throw new UsageError('--mode is given twice');
      o.mode = v;
    },
  },
  ...(['bench', 'test'] as const).map((mode) => ({
    long: mode,
    apply: (o: CliOptions) => {
      if (o.mode) throw new UsageError(`--${mode} conflicts with --mode`);
      o.mode = mode;
    },
  })),
  { long: 'no-view', apply: (o) => void (o.noView = true) },
  {
    long: 'metrics',
    optionalValue: looksLikeMetricsAddress,
    apply: (o, v) => {
      const a = parseMetricsAddress(v);
      if ('error' in a) throw new UsageError(a.error, a.hints);
      o.metrics = a;
    },
  },
  { long: 'timings', apply: (o) => void (o.timings = true) },
  {
    long: 'refresh',
    value: true,
    apply: (o, v) => {
      if (!/^[1-9]\d*$/.test(v) || Number(v) < 50)
        throw new UsageError(`--refresh needs milliseconds (50 or more), got '${v}'`);
      o.refreshMs = Number(v);
    },
  },
  {
    long: 'probe-filter',
    value: true,
    apply: (o, v) => {
      try {
        new RegExp(v);
      } catch (e) {
        throw new UsageError(`Invalid --probe-filter regex '${v}': ${(e as Error).message}`);
      }
      o.probeFilter = v;
    },
  },
  // The kernel's uprobe ref_ctr_offset activates a USDT semaphore in every process that maps the file,
  // which is what bpftrace's --usdt-file-activation asks for: scry does it always.
  { long: 'usdt-file-activation', apply: () => undefined },
  // bpftrace flags with nothing to do here: -b/--btf (BTF is always used), --verify-llvm-ir (no LLVM)
  { short: 'b', long: 'btf', apply: () => undefined },
  { long: 'verify-llvm-ir', apply: () => undefined },
  { short: 'h', long: 'help', apply: () => ({ ok: false, exit: 0, out: usage }) },
  {
    short: 'V',
    long: 'version',
    // "bpftrace vX" first, so scripts that read bpftrace's version keep working with scry in its place
    apply: () => ({ ok: false, exit: 0, out: `bpftrace ${BPFTRACE_COMPAT}-compatible (scry v${VERSION})\n` }),
  },
];

const byShort = new Map(options.filter((o) => o.short).map((o) => [o.short!, o]));
const byLong = new Map(options.filter((o) => o.long).map((o) => [o.long!, o]));

export function parseArgs(argv: readonly string[]): Parsed {
  const opts: CliOptions = {
    quiet: false,
    format: 'text',
    debug: [],
    dryRun: false,
    args: [],
    namedArgs: new Map(),
    includeDirs: [],
    includeFiles: [],
  };
  const positionals: string[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const next = (name: string): string => {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`option ${name} needs a value`, [], true);
        return v;
      };
      let done: Parsed | void = undefined;
      if (a === '--') {
        // after `--`: positional parameters, and `--name[=value]` named ones (bpftrace v0.26's getopt())
        for (const w of argv.slice(i + 1)) {
          const named = /^--([^=]+)(?:=(.*))?$/s.exec(w);
          if (named) opts.namedArgs.set(named[1]!, named[2] ?? true);
          else positionals.push(w);
        }
        break;
      } else if (a.startsWith('--')) {
        const eq = a.indexOf('=');
        const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
        const spec = byLong.get(name);
        if (!spec) throw new UsageError(`unknown option --${name}`, [], true);
        if (!spec.value && !spec.optionalValue && eq !== -1)
          throw new UsageError(`option --${name} takes no value`, [], true);
        const following = argv[i + 1];
        const value =
          eq !== -1
            ? a.slice(eq + 1)
            : spec.value
              ? next(`--${name}`)
              : spec.optionalValue && following !== undefined && spec.optionalValue(following)
                ? argv[++i]!
                : '';
        done = spec.apply(opts, value);
      } else if (a.startsWith('-') && a !== '-') {
        // a cluster of short flags; one that takes a value takes the rest of the word, or the next word
        for (let j = 1; j < a.length; j++) {
          const spec = byShort.get(a[j]!);
          if (!spec) throw new UsageError(`unknown option ${j === 1 ? a : `-${a[j]} (in ${a})`}`, [], true);
          if (spec.value) {
            done = spec.apply(opts, j + 1 < a.length ? a.slice(j + 1) : next(`-${a[j]}`));
            break;
          }
          done = spec.apply(opts, '');
          if (done) break;
        }
      } else positionals.push(a);
      if (done) return done;
    }
  } catch (e) {
    if (e instanceof UsageError)
      return {
        ok: false,
        exit: 1,
        message: e.message,
        ...(e.hints.length ? { hints: e.hints } : {}),
        ...(e.usage ? { usage: true } : {}),
      };
    throw e;
  }
  if (opts.command !== undefined && opts.pid !== undefined)
    return { ok: false, exit: 1, message: 'Cannot use both -c and -p.', usage: true };
  if (opts.list) {
    // -l takes one positional: a search pattern, or a script file (the CLI looks which)
    if (positionals.length > 1)
      return {
        ok: false,
        exit: 1,
        message: `-l takes one search pattern or file, got ${positionals.length}`,
        usage: true,
      };
    if (positionals.length) opts.listArg = positionals[0];
    return { ok: true, opts };
  }
  // the first positional is the program file unless -e gave the program; the rest are $1, $2, …
  if (opts.program === undefined && positionals.length) opts.file = positionals.shift();
  opts.args.push(...positionals);
  return { ok: true, opts };
}
