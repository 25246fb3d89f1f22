// The `config = { … }` block: settings a script carries with it.
import type { ConfigItem } from '../ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import { closest } from '../suggest.ts';

export interface ScriptConfig {
  /** Bytes kept of each string read by str() (bpftrace's default: 64). */
  readonly maxStrlen: number;
  /** Entries per script map (bpftrace's default: 4096). */
  readonly maxMapKeys: number;
  /** Print every non-empty map at exit. */
  readonly printMapsOnExit: boolean;
  /** Most probes one program may attach (bpftrace v0.26's default: 1024; 0.17's: 512). */
  readonly maxProbes: number;
  /** An attach point that matches nothing: an error (bpftrace v0.26's default), a warning and skipped, or skipped. */
  readonly missingProbes: 'error' | 'warn' | 'ignore';
}

const defaultConfig: ScriptConfig = {
  maxStrlen: 64,
  maxMapKeys: 4096,
  printMapsOnExit: true,
  maxProbes: 1024,
  missingProbes: 'error',
};

/** bpftrace settings scry accepts but that change nothing here (their job is done differently or not needed). */
const acceptedWithoutEffect = new Set([
  'max_bpf_progs',
  'log_size',
  'perf_rb_pages',
  'on_stack_limit',
  'cache_user_symbols',
  'cpp_demangle',
  'lazy_symbolication',
  'max_cat_bytes',
  'max_type_res_iterations',
  'stack_mode',
  'str_trunc_trailer',
  'license',
  'show_debug_info',
  'symbol_source',
  'unstable_map_decl',
  'unstable_macro',
  'unstable_import',
]);

const known = [
  'max_strlen',
  'max_map_keys',
  'print_maps_on_exit',
  'max_probes',
  'missing_probes',
  ...acceptedWithoutEffect,
];

export function readConfig(items: readonly ConfigItem[], diags: Diagnostic[]): ScriptConfig {
  let cfg = defaultConfig;
  for (const item of items) {
    const name = item.name.toLowerCase().replace(/^bpftrace_/, '');
    const int = (min: number, max: number): number | undefined => {
      if (typeof item.value === 'bigint' && item.value >= BigInt(min) && item.value <= BigInt(max))
        return Number(item.value);
      diags.push(error(`${item.name} must be an integer from ${min} to ${max}`, item.span));
      return undefined;
    };
    switch (name) {
      case 'max_strlen': {
        const v = int(1, 1 << 20);
        if (v !== undefined) cfg = { ...cfg, maxStrlen: v };
        break;
      }
      case 'max_map_keys': {
        const v = int(1, 1 << 24);
        if (v !== undefined) cfg = { ...cfg, maxMapKeys: v };
        break;
      }
      case 'max_probes': {
        const v = int(1, 1 << 20);
        if (v !== undefined) cfg = { ...cfg, maxProbes: v };
        break;
      }
      case 'print_maps_on_exit': {
        const v = String(item.value);
        if (v === 'true' || v === '1') cfg = { ...cfg, printMapsOnExit: true };
        else if (v === 'false' || v === '0') cfg = { ...cfg, printMapsOnExit: false };
        else diags.push(error(`${item.name} must be true or false`, item.span));
        break;
      }
      case 'missing_probes': {
        const v = String(item.value).toLowerCase();
        if (v === 'error' || v === 'warn' || v === 'ignore') cfg = { ...cfg, missingProbes: v };
        else diags.push(error(`${item.name} must be "error", "warn" or "ignore"`, item.span));
        break;
      }
      default:
        if (acceptedWithoutEffect.has(name)) {
          diags.push(warning(`config ${item.name} has no effect in scry`, item.span));
          break;
        }
        {
          const guess = closest(name, known);
          diags.push(
            error(`unknown config setting '${item.name}'`, item.span, guess ? [`did you mean '${guess}'?`] : undefined),
          );
        }
    }
  }
  return cfg;
}
