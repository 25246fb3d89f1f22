// The checker: passes run in one explicit order; each adds diagnostics, none throws for a user mistake.
import { placeUserTypes, withUserTypes } from './user-types.ts';
import type { NamedParamValue } from './context.ts';
import type { AttachPoint, Probe, Program } from '../ast.ts';
import { error, hasErrors, warning, type Diagnostic } from '../diagnostics.ts';
import { INIT_PID_NS_INO, type KernelInfo, type PidNamespace } from '../kernel.ts';
import { deepest, isStackOverflow } from '../walk.ts';
import { capDiagnostics } from '../cap-diagnostics.ts';
import { resolveProbeAttachPoints, type ResolvedAttach } from './attach.ts';
import { probeContext, type ProbeContext } from '../providers.ts';
import { checkMetricsLabels, readConfig, type ScriptConfig } from './config.ts';
import { infer } from './infer.ts';
import type { InferResult, MapInfo } from './tables.ts';
import { mapValueName } from '../types.ts';
import type { BtfType, BtfTypes } from '../btf.ts';
import type { ScriptC } from '../c/script-c.ts';
import { expandIdentifiers } from './macros.ts';
import { checkReachability } from './reachability.ts';
import { scopeVariables } from './scopes.ts';
import { splitByArgumentLayout } from './args-layout.ts';

export type { ResolvedAttach } from './attach.ts';
export type { ArgField, ForMapInfo, InferResult, MapInfo, MemoryAccess, PrintfInfo } from './tables.ts';
export type { ScriptConfig } from './config.ts';
export { DEFAULT_MAX_STRLEN } from './config.ts';

export interface CheckedProbe {
  readonly probe: Probe;
  readonly attach: readonly ResolvedAttach[];
}

/** The checked program: the AST, resolved probes, and the side tables inference filled (see InferResult). */
export interface CheckedProgram extends InferResult {
  readonly ast: Program;
  readonly probes: readonly CheckedProbe[];
  readonly config: ScriptConfig;
  readonly params: readonly string[];
  /** what argN, retval, func, args and reg() read at each attach point (its provider row's answer) */
  readonly contexts: ReadonlyMap<ResolvedAttach, ProbeContext>;
  /** the types the script declares, as BTF rows after the kernel's ids (records of them print through these) */
  readonly scriptTypes?: { readonly firstId: number; readonly types: readonly BtfType[] };
  /** the tracer's pid namespace when it is not the initial one: pid, tid and ustack's pid count in it */
  readonly pidNamespace?: PidNamespace;
}

export interface CheckOptions {
  /** positional parameters $1…$N, as given after the program */
  readonly params?: readonly string[];
  /** named parameters' values, by name: what each getopt("name", …) stands for (lang/builtins/params.ts) */
  readonly namedParams?: ReadonlyMap<string, NamedParamValue>;
  /** a command is started with -c, so cpid means something */
  readonly hasChild?: boolean;
  /** --unsafe: system() and friends are allowed */
  readonly unsafe?: boolean;
  /** -p PID: uprobe targets resolve through the process's own mappings first */
  readonly pid?: number;
  /** --probe-filter REGEX: only the probes whose names it finds run (BEGIN and END always do) */
  readonly probeFilter?: string;
  /** the script's C part (lang/c/script-c.ts): its types and macros */
  readonly c?: ScriptC;
  /** the BPFTRACE_* environment variables (the CLI passes process.env): they win over the config block */
  readonly settings?: Readonly<Record<string, string | undefined>>;
}

export function check(
  parsed: Program,
  kernelInfo: KernelInfo,
  options: CheckOptions = {},
): { program?: CheckedProgram; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const scriptTypes = options.c?.types;
  const kernel = scriptTypes ? withTypes(kernelInfo, scriptTypes) : kernelInfo;
  let ast: Program;
  try {
    ast = expandIdentifiers(parsed, options.c?.macros ?? new Map(), () => kernel.btf(), diagnostics);
  } catch (e) {
    return { diagnostics: [...diagnostics, tooDeep(e, parsed)] };
  }
  // variables belong to their blocks (bpftrace v0.26); a mistake there is said before anything is typed
  ast = scopeVariables(ast, diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics: capDiagnostics(diagnostics) };
  const config = readConfig(ast.config, diagnostics, options.settings);
  checkReachability(ast.probes, diagnostics);
  if (ast.probes.length === 0)
    diagnostics.push(
      error('the program has no probes', ast.span, ['write at least one, e.g. BEGIN { printf("hello\\n"); exit(); }']),
    );
  const params = options.params ?? [];
  const probes = filterProbes(
    dropMissing(
      ast.probes.map((probe) => ({
        probe,
        attach: resolveProbeAttachPoints(
          probe.attachPoints,
          params,
          kernel,
          diagnostics,
          options.pid,
          config.missingProbes,
          options.unsafe,
        ),
      })),
      config.missingProbes,
      diagnostics,
    ),
    options.probeFilter,
    ast,
    diagnostics,
  );
  limitProbes(probes, config.maxProbes, diagnostics);
  pinnedIteratorAlone(probes, diagnostics);
  oneIteratorPerProbe(probes, diagnostics);
  // uprobes' parameters typed from their binaries' DWARF: those types go after the kernel's and the script's
  const user = hasErrors(diagnostics) ? { probes } : placeUserTypes(probes, kernel);
  for (const w of ('warnings' in user && user.warnings) || []) diagnostics.push(warning(w));
  const typed = user.types ? withUserTypes(kernel, user.types) : kernel;
  let inferred: ReturnType<typeof infer>;
  let checked = user.probes;
  try {
    checked = splitByArgumentLayout(user.probes);
    inferred = infer(checked, {
      params,
      namedParams: options.namedParams ?? new Map(),
      config,
      diags: diagnostics,
      kernel: typed,
      hasChild: options.hasChild,
      unsafe: options.unsafe,
    });
  } catch (e) {
    diagnostics.push(tooDeep(e, ast));
    return { diagnostics };
  }
  // a probe checked once per argument layout reports a mistake in its body once
  if (checked.length > user.probes.length) dropRepeated(diagnostics);
  const { recordReaders, ...tables } = inferred;
  checked = checked.map((p) => (recordReaders.has(p.attach) ? { ...p, attach: p.attach.map(withoutRawStandIn) } : p));
  checkMapDeclarations(ast, inferred.maps, diagnostics);
  unstableTseries(config, inferred.maps, diagnostics);
  checkMetricsLabels(config, ast.config, inferred.maps, diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics: capDiagnostics(diagnostics) };
  const contexts = new Map(checked.flatMap((p) => p.attach.map((a) => [a, probeContext(a)] as const)));
  const rows = user.types
    ? scriptTypeRows(user.types, scriptTypes?.firstId)
    : scriptTypes
      ? scriptTypeRows(scriptTypes)
      : undefined;
  const pidNs = kernel.pidNamespace?.();
  return {
    program: {
      ast,
      probes: checked,
      ...tables,
      config,
      params,
      contexts,
      ...(rows ? { scriptTypes: rows } : {}),
      ...(pidNs && pidNs.ino !== INIT_PID_NS_INO ? { pidNamespace: pidNs } : {}),
    },
    diagnostics: capDiagnostics(diagnostics),
  };
}

/** A tracepoint run as its perf event, not as the raw tracepoint that stands in for it (tracepoint.ts rawStandIn). */
function withoutRawStandIn(a: ResolvedAttach): ResolvedAttach {
  if (a.provider !== 'tracepoint' || !a.raw) return a;
  const { raw: _, ...perf } = a;
  return perf;
}

/** Leaves the first of diagnostics that say the same thing at the same place. */
function dropRepeated(diagnostics: Diagnostic[]): void {
  const seen = new Set<string>();
  const kept = diagnostics.filter((d) => {
    const key = JSON.stringify([d.severity, d.message, d.span?.file.name, d.span?.start, d.span?.end, d.hints]);
    return !seen.has(key) && (seen.add(key), true);
  });
  diagnostics.splice(0, diagnostics.length, ...kept);
}

/**
 * tseries() is unstable in bpftrace v0.26 (unstable_feature.cpp): by default a warning, once, with no place (v0.26
 * logs it so, to keep it short); `unstable_tseries = error` refuses each map of it, `enable` says nothing.
 */
function unstableTseries(config: ScriptConfig, maps: ReadonlyMap<string, MapInfo>, diagnostics: Diagnostic[]): void {
  const used = [...maps.values()].filter((m) => m.value.kind === 'tseries');
  if (!used.length || config.unstableTseries === 'enable') return;
  if (config.unstableTseries === 'warn')
    diagnostics.push(
      warning(
        'Script is using an unstable feature: tseries. To prevent this warning you must explicitly enable it in the config e.g. unstable_tseries=enable',
      ),
    );
  else
    for (const m of used)
      diagnostics.push(
        error(
          'tseries feature is not enabled by default. To enable this unstable feature, set the config flag to enable. unstable_tseries=enable',
          m.valueSpan,
        ),
      );
}

/**
 * `let @m = hash(N);`: declared once, used somewhere (bpftrace v0.26 warns of an unused one), of a kind that holds
 * what the map holds: aggregations keep a value per CPU (percpuhash, percpulruhash), other values one (hash,
 * lruhash), as v0.26's bpf_map_types_compatible has it.
 */
function checkMapDeclarations(ast: Program, maps: ReadonlyMap<string, MapInfo>, diagnostics: Diagnostic[]): void {
  const seen = new Set<string>();
  for (const d of ast.mapDecls ?? []) {
    if (seen.has(d.name)) diagnostics.push(error(`${d.name} is declared twice`, d.span, ['declare each map once']));
    seen.add(d.name);
    const info = maps.get(d.name);
    if (!info) {
      diagnostics.push(warning(`Unused map: ${d.name}`, d.span));
      continue;
    }
    const perCpu = info.value.kind !== 'value';
    if (perCpu === d.mapKind.startsWith('percpu')) continue;
    diagnostics.push(
      error(
        `Incompatible map types. Type from declaration: ${d.mapKind}. Type from value/key type: ${perCpu ? 'percpuhash' : 'hash'}`,
        info.valueSpan,
        [
          perCpu
            ? `${mapValueName(info.value)} keeps a value per CPU: declare ${d.name} = percpuhash(N) or percpulruhash(N)`
            : `a plain value is one per key: declare ${d.name} = hash(N) or lruhash(N)`,
        ],
      ),
    );
  }
}

/** Passes recurse over the tree: one deeper than the JS stack is the user's to split (anything else is rethrown). */
function tooDeep(e: unknown, ast: Program): Diagnostic {
  if (!isStackOverflow(e)) throw e;
  const { node, depth } = deepest(ast);
  if (depth < 64) throw e; // shallow: a bug, not a limit
  return error(`the program nests ${depth} levels deep here, more than scry can check`, node.span, [
    'split the expression or the nested blocks, e.g. keep parts in $variables',
  ]);
}

/** The kernel as the checker sees it with a script's types: btf() answers for both (casts, sizeof, members, enums). */
function withTypes(kernel: KernelInfo, types: BtfTypes): KernelInfo {
  return {
    arch: kernel.arch,
    tracepoints: () => kernel.tracepoints(),
    tracepointFormat: (group, event) => kernel.tracepointFormat(group, event),
    kernelFunctions: () => kernel.kernelFunctions(),
    btf: () => types,
    functionBtf: (name, module) => kernel.functionBtf(name, module),
    moduleBtf: (module) => kernel.moduleBtf(module),
    userProbeSites: (target, where, pid, unsafe) => kernel.userProbeSites(target, where, pid, unsafe),
    usdtSites: (target, provider, name, pid) => kernel.usdtSites(target, provider, name, pid),
    kernelSymbolAddress: (name) => kernel.kernelSymbolAddress(name),
    cgroupId: (path) => kernel.cgroupId(path),
    pidNamespace: () => kernel.pidNamespace?.(),
    // the optional answers too, where the kernel has them (absent, each means something: kprobes attach,
    // user symbols cannot be looked up, functions are found in kernelFunctions())
    ...(kernel.kprobesAttach ? { kprobesAttach: kernel.kprobesAttach.bind(kernel) } : {}),
    ...(kernel.kernelFunctionsWith ? { kernelFunctionsWith: kernel.kernelFunctionsWith.bind(kernel) } : {}),
    ...(kernel.userSymbol ? { userSymbol: kernel.userSymbol.bind(kernel) } : {}),
    ...(kernel.userFunctionTypes ? { userFunctionTypes: kernel.userFunctionTypes.bind(kernel) } : {}),
    ...(kernel.userSourceLineSite ? { userSourceLineSite: kernel.userSourceLineSite.bind(kernel) } : {}),
  };
}

/** The script's own type rows (ids firstId…), plain data for the compiled program. */
function scriptTypeRows(
  types: BtfTypes & { readonly firstId: number },
  firstId = types.firstId,
): {
  firstId: number;
  types: BtfType[];
} {
  const rows: BtfType[] = [];
  for (let id = firstId; id < types.typeCount; id++) rows.push(types.type(id));
  return { firstId, types: rows };
}

/** --probe-filter (bpftrace v0.26): attach points whose names the regex does not find are left out. */
function filterProbes(
  probes: CheckedProbe[],
  filter: string | undefined,
  ast: Program,
  diagnostics: Diagnostic[],
): CheckedProbe[] {
  if (filter === undefined || hasErrors(diagnostics)) return probes;
  const re = new RegExp(filter);
  const kept = probes
    .map((p) => ({
      probe: p.probe,
      attach: p.attach.filter((a) => a.provider === 'BEGIN' || a.provider === 'END' || re.test(a.text)),
    }))
    .filter((p) => p.attach.length > 0);
  if (!kept.length)
    diagnostics.push(error('No probes to attach', ast.span, [`--probe-filter '${filter}' matches no probe`]));
  return kept;
}

/**
 * missing_probes = warn|ignore: a probe left with no attach points is removed (bpftrace v0.26 says so when
 * warning); with none left at all there is nothing to run.
 */
function dropMissing(probes: CheckedProbe[], missing: ScriptConfig['missingProbes'], diagnostics: Diagnostic[]) {
  // a probe whose every attach point was refused is not checked further: its body would be checked with no
  // probe type at all, each use of `args` or `ctx` an error of its own after the one that says what is wrong
  if (hasErrors(diagnostics)) return probes.filter((p) => p.attach.length > 0);
  if (missing === 'error') return probes;
  const kept = probes.filter((p) => p.attach.length > 0);
  if (missing === 'warn')
    for (const p of probes)
      if (!p.attach.length)
        diagnostics.push(
          warning(
            'Probe has no valid attach points. It is being removed which may cause issues with program behavior.',
            p.probe.span,
          ),
        );
  if (!kept.length && probes.length)
    diagnostics.push(
      error('No probes to attach', probes[0]!.probe.span, ['every attach point of the program matched nothing']),
    );
  return kept;
}

/**
 * A pinned iterator (iter:task:NAME) ends the run once it is pinned, so anything else the script attaches would
 * never fire: it is the only attach point of the script (bpftrace v0.26 too), BEGIN and END aside, which scry
 * runs before and after pinning.
 */
/** An iterator is a probe of its own: one iter attach point per probe (bpftrace v0.26's attach point parser). */
function oneIteratorPerProbe(probes: readonly CheckedProbe[], diagnostics: Diagnostic[]): void {
  for (const { attach } of probes) {
    const iters = attach.filter((a) => a.provider === 'iter');
    if (iters.length > 1)
      diagnostics.push(
        error('iter probe only supports one attach point', iters[1]!.span, [
          `give ${iters[1]!.text} a probe of its own: ${iters[1]!.text} { … }`,
        ]),
      );
  }
}

function pinnedIteratorAlone(probes: readonly CheckedProbe[], diagnostics: Diagnostic[]): void {
  const points = probes.flatMap((p) => p.attach);
  const pinned = points.find((a) => probeContext(a).pinnedTo !== undefined);
  if (!pinned) return;
  const other = points.find((a) => a !== pinned && probeContext(a).probeType !== 'special');
  if (other)
    diagnostics.push(
      error(`${other.text} would never fire: the run ends once ${pinned.text} is pinned`, other.span, [
        'a pinned iterator is the only probe of its script (BEGIN and END aside); run the others on their own',
      ]),
    );
}

/** bpftrace refuses to attach more than max_probes probes: many at once can stall the machine. */
function limitProbes(probes: readonly CheckedProbe[], max: number, diagnostics: Diagnostic[]): void {
  const total = probes.reduce((n, p) => n + p.attach.length, 0);
  if (total <= max) return;
  // point at the attach point that expands the most
  let widest: { ap: AttachPoint; n: number } | undefined;
  for (const { probe, attach } of probes)
    for (const ap of probe.attachPoints) {
      const n = attach.filter((a) => a.span === ap.span).length;
      if (!widest || n > widest.n) widest = { ap, n };
    }
  const { ap, n } = widest!;
  diagnostics.push(
    error(
      `this program attaches ${total} probes, more than max_probes allows (${max}); ${ap.raw} alone expands to ${n}`,
      ap.span,
      [
        `narrow the wildcard, or raise the limit with config = { max_probes = ${total} } (many probes at once can slow the whole system)`,
      ],
    ),
  );
}
