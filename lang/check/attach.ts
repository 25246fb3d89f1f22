// Resolves attach points: the provider by name or alias, then the provider's row (lang/providers/) checks
// the form, expands wildcards and asks the kernel whether the probe exists.
import type { AttachPoint } from '../ast.ts';
import { splitAttachPoint } from '../cst-to-ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import type { KernelInfo } from '../kernel.ts';
import { lookupProvider, providerNames, providerRow, type ResolvedAttach } from '../providers.ts';
import { closest } from '../suggest.ts';

export type { ResolvedAttach } from '../providers.ts';

/**
 * An attach point's probes. Where the kernel cannot be asked (tracefs unreadable without root), the
 * runtime's error says why in a sentence: it becomes this attach point's diagnostic, not a crash.
 */
export function resolveAttachPoint(
  ap: AttachPoint,
  kernel: KernelInfo,
  diags: Diagnostic[],
  pid?: number,
  missing: MissingProbes = 'error',
): ResolvedAttach[] {
  // a point that matches nothing is the config's to judge; a malformed one (r.bad) is always an error
  const found: Diagnostic[] = [];
  let resolved: ResolvedAttach[];
  try {
    resolved = resolveOne(ap, kernel, diags, found, pid);
  } catch (e) {
    if (!isEnvironmentError(e)) throw e;
    found.push(error(e.message, ap.span, e.hints.length ? [...e.hints] : undefined));
    resolved = [];
  }
  if (missing === 'error' || resolved.length || !found.some((d) => d.severity === 'error')) {
    diags.push(...found);
    return resolved;
  }
  if (missing === 'warn') {
    const why = found.filter((d) => d.severity === 'error').map((d) => d.message);
    diags.push(warning(`No matches for ${missingName(ap)}. Skipping.`, ap.span, why));
  }
  return [];
}

/**
 * `i:ms:$1`, `BEG$1`: positional parameters in an attach point stand for their text (bpftrace v0.26); one not
 * given is empty, as a missing `$N` is elsewhere.
 */
export function withPositionals(ap: AttachPoint, params: readonly string[]): AttachPoint {
  if (!/\$\d/.test(ap.raw)) return ap;
  const raw = ap.raw.replace(/\$(\d+)/g, (_, n: string) => params[Number(n) - 1] ?? '');
  const { parts } = splitAttachPoint(raw);
  return { ...ap, raw, provider: parts[0] ?? '', parts: parts.slice(1) };
}

/** bpftrace's `config = { missing_probes = … }`: what an attach point that matches nothing is. */
export type MissingProbes = 'error' | 'warn' | 'ignore';

/** `tracepoint syscalls:nonsense`: the provider's full name and the point as written after it (bpftrace's words). */
function missingName(ap: AttachPoint): string {
  const name = lookupProvider(ap.provider)?.name ?? ap.provider;
  const rest = ap.raw.includes(':') ? ap.raw.slice(ap.raw.indexOf(':') + 1) : '';
  return rest ? `${name} ${rest}` : name;
}

/** The runtime's environment failures (ScryRuntimeError, which lang cannot import) carry hints; bugs do not. */
function isEnvironmentError(e: unknown): e is Error & { readonly hints: readonly string[] } {
  return e instanceof Error && Array.isArray((e as { hints?: unknown }).hints);
}

function resolveOne(
  ap: AttachPoint,
  kernel: KernelInfo,
  diags: Diagnostic[],
  found: Diagnostic[],
  pid?: number,
): ResolvedAttach[] {
  const info = lookupProvider(ap.provider);
  if (!info) {
    const guess = closest(ap.provider, providerNames());
    diags.push(error(`unknown probe type '${ap.provider}'`, ap.span, guess ? [`did you mean '${guess}'?`] : undefined));
    return [];
  }
  const bad = (why: string): [] => {
    diags.push(error(`${why}`, ap.span, [`the form is ${info.usage}`]));
    return [];
  };
  return providerRow(info.name).resolve({
    ap,
    kernel,
    diags: found,
    ...(pid !== undefined ? { pid } : {}),
    base: { span: ap.span, text: ap.raw },
    bad,
  });
}
