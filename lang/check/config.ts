// Settings: the `config = { … }` block a script carries, and the BPFTRACE_* environment variables, which win
// over it (bpftrace v0.26). A name may be written `max_strlen`, `MAX_STRLEN` or `BPFTRACE_MAX_STRLEN`.
import type { ConfigItem } from '../ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { closest } from '../suggest.ts';
import type { StackMode } from '../types.ts';

export interface ScriptConfig {
  /** Bytes kept of each string read by str() (bpftrace v0.26's default: 1024; 0.17's: 64). */
  readonly maxStrlen: number;
  /** Entries per script map (bpftrace's default: 4096). */
  readonly maxMapKeys: number;
  /** Print every non-empty map at exit. */
  readonly printMapsOnExit: boolean;
  /** Most probes one program may attach (bpftrace v0.26's default: 1024; 0.17's: 512). */
  readonly maxProbes: number;
  /** An attach point that matches nothing: an error (bpftrace v0.26's default), a warning and skipped, or skipped. */
  readonly missingProbes: 'error' | 'warn' | 'ignore';
  /** How kstack/ustack print when the call names no mode. */
  readonly stackMode: StackMode;
  /** The license the programs are loaded with (one the kernel takes as GPL-compatible). */
  readonly license: string;
  /** Most bytes cat() prints of a file. */
  readonly maxCatBytes: number;
  /** Printed after a string str() had to cut (bpftrace v0.26's str_trunc_trailer; '' for none). */
  readonly strTruncTrailer: string;
  /** User stack frames with their source file and line and the functions inlined there, from DWARF. */
  readonly showDebugInfo: boolean;
  /** `--metrics`: the label names of map keys (see parseMetricsLabels); absent: key0…keyN. */
  readonly metricsLabels?: MetricsLabels;
  /**
   * Pages of the ring buffer events travel through, and of skboutput()'s perf buffers across the CPUs (bpftrace's
   * perf_rb_pages); absent: scry's sizes (an 8 MiB ring, 1 MiB for a program that sends only its exit and
   * warnings; 64 pages per CPU).
   */
  readonly perfRbPages?: number;
  /** tseries(), an unstable feature in bpftrace v0.26: used with a warning (its default), freely, or refused */
  readonly unstableTseries: 'enable' | 'warn' | 'error';
}

/** Label names for the keys of maps served by `--metrics`: one list for every map, and lists for named maps. */
export interface MetricsLabels {
  /** for every map without its own list: the i-th key's label (keys past its end are keyI) */
  readonly all?: readonly string[];
  /** `@name` → one label per key, exactly */
  readonly maps: Readonly<Record<string, readonly string[]>>;
}

/**
 * str()'s size when the script does not set max_strlen: bpftrace v0.26's (0.17 had 64, which cut most paths; the
 * string searches are loops since 2026-12-07, so 1 KiB strings load, on 6.1 as well).
 */
export const DEFAULT_MAX_STRLEN = 1024;

const defaultConfig: ScriptConfig = {
  maxStrlen: DEFAULT_MAX_STRLEN,
  maxMapKeys: 4096,
  printMapsOnExit: true,
  maxProbes: 1024,
  missingProbes: 'error',
  stackMode: 'bpftrace',
  license: 'GPL',
  maxCatBytes: 10240,
  strTruncTrailer: '..',
  showDebugInfo: true, // bpftrace v0.26's default where it is built with blazesym
  unstableTseries: 'warn',
};

/** What a setting's value turned into, or why it could not (said after `name: `). */
type Parsed<T> = { ok: T } | { why: string; whole?: true };
type Value = bigint | string;

/** A setting scry acts on: how its value is read and where it goes. */
interface Setting<T = unknown> {
  parse(v: Value): Parsed<T>;
  set(cfg: ScriptConfig, v: T): ScriptConfig;
}

function int(min: number, max: number): (v: Value) => Parsed<number> {
  return (v) => {
    // an environment variable's value is text: digits only, as bpftrace reads a number there
    const n = typeof v === 'bigint' ? v : /^\d+$/.test(v.trim()) ? BigInt(v.trim()) : undefined;
    if (n === undefined) return { why: `expecting a number, got ${v}` };
    if (n < BigInt(min) || n > BigInt(max)) return { why: `must be an integer from ${min} to ${max}, got ${n}` };
    return { ok: Number(n) };
  };
}

function bool(v: Value): Parsed<boolean> {
  const s = String(v).toLowerCase();
  if (s === 'true' || s === '1') return { ok: true };
  if (s === 'false' || s === '0') return { ok: false };
  return { why: 'must be true or false (or 1 or 0)' };
}

function oneOf<T extends string>(words: readonly T[]): (v: Value) => Parsed<T> {
  return (v) => {
    const s = String(v).toLowerCase() as T;
    const quoted = words.map((w) => `"${w}"`);
    return words.includes(s) ? { ok: s } : { why: `must be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` };
  };
}

/** The licenses bpftrace accepts, in the order its message lists them. */
const licenses = ['Dual MIT/GPL', 'Dual BSD/GPL', 'Dual MPL/GPL', 'GPL and additional rights', 'GPL v2', 'GPL'];

const settings: Record<string, Setting> = {
  max_strlen: { parse: int(1, 1 << 20), set: (c, v) => ({ ...c, maxStrlen: v as number }) },
  max_map_keys: { parse: int(1, 1 << 24), set: (c, v) => ({ ...c, maxMapKeys: v as number }) },
  // at most 2^19 pages: the kernel's largest ring buffer (2 GiB of 4 KiB pages)
  perf_rb_pages: { parse: int(1, 1 << 19), set: (c, v) => ({ ...c, perfRbPages: v as number }) },
  max_probes: { parse: int(1, 1 << 20), set: (c, v) => ({ ...c, maxProbes: v as number }) },
  print_maps_on_exit: { parse: bool, set: (c, v) => ({ ...c, printMapsOnExit: v as boolean }) },
  missing_probes: {
    parse: oneOf(['error', 'warn', 'ignore'] as const),
    set: (c, v) => ({ ...c, missingProbes: v as ScriptConfig['missingProbes'] }),
  },
  stack_mode: {
    parse: oneOf(['bpftrace', 'perf', 'raw', 'build_id'] as const),
    set: (c, v) => ({ ...c, stackMode: v as StackMode }),
  },
  license: {
    // bpftrace's words, listing every license it takes
    parse: (v) =>
      typeof v === 'string' && licenses.includes(v)
        ? { ok: v }
        : { why: `Invalid value for license. Found: ${v}. Valid values: ${licenses.join(', ')}.`, whole: true },
    set: (c, v) => ({ ...c, license: v as string }),
  },
  max_cat_bytes: { parse: int(1, 1 << 30), set: (c, v) => ({ ...c, maxCatBytes: v as number }) },
  str_trunc_trailer: { parse: (v) => ({ ok: String(v) }), set: (c, v) => ({ ...c, strTruncTrailer: v as string }) },
  show_debug_info: { parse: bool, set: (c, v) => ({ ...c, showDebugInfo: v as boolean }) },
  metrics_labels: { parse: parseMetricsLabels, set: (c, v) => ({ ...c, metricsLabels: v as MetricsLabels }) },
  unstable_tseries: {
    parse: oneOf(['enable', 'warn', 'error'] as const),
    set: (c, v) => ({ ...c, unstableTseries: v as ScriptConfig['unstableTseries'] }),
  },
};

/** A Prometheus label name scry may use: not reserved (`__…`), not a histogram's or summary's own (`le`, `quantile`). */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `metrics_labels = "comm,pid"` names the keys of every map; `"@opens=comm,pid; @bytes=comm"` those of one map
 * each (a list without `@name=` among them still names the others').
 */
export function parseMetricsLabels(v: Value): Parsed<MetricsLabels> {
  if (typeof v !== 'string')
    return { why: 'expecting a string of label names, e.g. "comm,pid" or "@opens=comm,pid; @bytes=comm"' };
  let all: string[] | undefined;
  const maps: Record<string, string[]> = {};
  for (const part of v.split(';').map((p) => p.trim())) {
    if (!part) continue;
    const m = /^(@[A-Za-z0-9_]*)\s*=\s*(.*)$/s.exec(part);
    const list = (m ? m[2]! : part).split(',').map((n) => n.trim());
    for (const name of list) {
      if (!LABEL_NAME.test(name))
        return {
          why: `'${name}' is not a label name: use letters, digits and _, not starting with a digit (in "${part}")`,
        };
      if (name.startsWith('__')) return { why: `'${name}': names starting with __ are reserved by Prometheus` };
      if (name === 'le' || name === 'quantile')
        return { why: `'${name}' is the label of a histogram's buckets or a summary's quantiles: choose another name` };
    }
    const dup = list.find((n, i) => list.indexOf(n) !== i);
    if (dup !== undefined) return { why: `label '${dup}' is named twice in "${part}"` };
    if (!m) {
      if (all) return { why: 'two lists for every map: name the map of one of them (@name=a,b)' };
      all = list;
    } else if (maps[m[1]!]) return { why: `${m[1]} has two lists` };
    else maps[m[1]!] = list;
  }
  if (!all && Object.keys(maps).length === 0) return { why: 'no label names: write e.g. "comm,pid"' };
  return { ok: { ...(all ? { all } : {}), maps } };
}

/**
 * After inference: each map metrics_labels names exists and gets one label per key. Reported at the config
 * item that set it (nothing when the environment set it: the names are then checked only as names).
 */
export function checkMetricsLabels(
  config: ScriptConfig,
  items: readonly ConfigItem[],
  maps: ReadonlyMap<string, { readonly keys: readonly unknown[] }>,
  diags: Diagnostic[],
): void {
  const item = items.find((i) => canonical(i.name) === 'metrics_labels');
  const named = config.metricsLabels?.maps ?? {};
  for (const [map, labels] of Object.entries(named)) {
    const info = maps.get(map);
    if (!info) {
      const guess = closest(map, [...maps.keys()]);
      diags.push(
        error(
          `${item?.name ?? 'metrics_labels'}: the program has no map ${map}`,
          item?.span,
          guess ? [`did you mean '${guess}'?`] : undefined,
        ),
      );
    } else if (info.keys.length !== labels.length)
      diags.push(
        error(
          `${item?.name ?? 'metrics_labels'}: ${map} has ${info.keys.length} key${info.keys.length === 1 ? '' : 's'}, but ${labels.length} label name${labels.length === 1 ? ' is' : 's are'} given for it (${labels.join(',')})`,
          item?.span,
          [`give ${map} one name per key, in the order of its keys`],
        ),
      );
  }
}

/** bpftrace v0.26 settings scry accepts but that change nothing here (their job is done differently or not needed). */
const acceptedWithoutEffect = new Set([
  'max_bpf_progs',
  'log_size',
  'on_stack_limit',
  'cache_user_symbols',
  'cpp_demangle',
  'lazy_symbolication',
  'use_blazesym',
  'unstable_import_statement',
  'unstable_typeinfo',
  'unstable_dw_ustack',
]);

/** Names bpftrace v0.26 dropped: accepted with a warning. */
const deprecated = new Set([
  'symbol_source',
  'max_type_res_iterations',
  'unstable_addr',
  'unstable_import',
  'unstable_macro',
  'unstable_map_decl',
]);

/** Old names and the setting each is now. */
const renamed: Record<string, string> = {
  strlen: 'max_strlen',
  no_cpp_demangle: 'cpp_demangle',
  cat_bytes_max: 'max_cat_bytes',
  map_keys_max: 'max_map_keys',
};

/** Settings bpftrace reads only from the environment. */
const environmentOnly = new Set(['btf', 'kernel_build', 'kernel_source', 'vmlinux']);

const known = [...Object.keys(settings), ...acceptedWithoutEffect];

/** `max_strlen`, `MAX_STRLEN` and `BPFTRACE_MAX_STRLEN` all name max_strlen. */
function canonical(name: string): string {
  return name.toLowerCase().replace(/^bpftrace_/, '');
}

/**
 * The settings in force: defaults, then the script's config block, then `environment` (the process's
 * BPFTRACE_* variables, which win, as in bpftrace v0.26). Mistakes are diagnostics: at the item for the block,
 * without a place for a variable.
 */
export function readConfig(
  items: readonly ConfigItem[],
  diags: Diagnostic[],
  environment: Readonly<Record<string, string | undefined>> = {},
): ScriptConfig {
  let cfg = defaultConfig;
  const apply = (written: string, name: string, value: Value, span: Span | undefined): void => {
    const setting = settings[name];
    if (!setting) return;
    const r = setting.parse(value);
    if ('ok' in r) cfg = setting.set(cfg, r.ok);
    else diags.push(error(r.whole ? r.why : `${written}: ${r.why}`, span));
  };
  for (const item of items) {
    let name = canonical(item.name);
    if (deprecated.has(name)) {
      diags.push(warning(`${item.name} is deprecated and has no effect`, item.span));
      continue;
    }
    if (renamed[name]) {
      diags.push(warning(`${item.name} has been renamed, please use ${renamed[name]}`, item.span));
      name = renamed[name]!;
    }
    if (settings[name]) apply(item.name, name, item.value, item.span);
    else if (acceptedWithoutEffect.has(name))
      diags.push(warning(`config ${item.name} has no effect in scry`, item.span));
    else if (environmentOnly.has(name))
      diags.push(error(`${item.name}: can only be set as an environment variable`, item.span));
    else {
      const guess = closest(name, known);
      diags.push(
        error(
          `${item.name}: not a known configuration option`,
          item.span,
          guess ? [`did you mean '${guess}'?`] : undefined,
        ),
      );
    }
  }
  // the environment last: it wins over the script (a variable for a setting scry does without is ignored)
  for (const name of Object.keys(settings)) {
    const env = `BPFTRACE_${name.toUpperCase()}`;
    const value = environment[env];
    if (value !== undefined) apply(env, name, value, undefined);
  }
  return cfg;
}
