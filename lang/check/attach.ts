// Resolves attach points: the provider by name or alias, then the provider's row (lang/providers/) checks
// the form, expands wildcards and asks the kernel whether the probe exists.
import type { AttachPoint } from '../ast.ts';
import { attachPointOf, splitAttachPoint } from '../cst-to-ast.ts';
import { error, warning, type Diagnostic } from '../diagnostics.ts';
import type { KernelInfo } from '../kernel.ts';
import { lookupProvider, providerNames, providerRow, type ResolvedAttach } from '../providers.ts';
import { closest } from '../suggest.ts';

export type { ResolvedAttach } from '../providers.ts';

/** A point that names nothing here, with scry's reason; `wildcard`: it was a pattern (see ResolveRequest.missing). */
interface Miss {
  readonly ap: AttachPoint;
  readonly why: string;
  readonly hints: readonly string[];
  readonly wildcard: boolean;
}

/**
 * A probe's attach points, resolved. One that names nothing here is missing_probes' to judge, in bpftrace
 * v0.26's words with scry's reason below: `error` (the default) says "No matches for …", `warn` skips it
 * with a warning, `ignore` skips it. A pattern that matches nothing drops out silently, and a probe left
 * with no points at all is bpftrace's "Probe has no valid attach points". Malformed points and environment
 * failures (no root, no tracefs) stay errors whatever missing_probes says.
 */
export function resolveProbeAttachPoints(
  aps: readonly AttachPoint[],
  params: readonly string[],
  kernel: KernelInfo,
  diags: Diagnostic[],
  pid?: number,
  missing: MissingProbes = 'error',
  unsafe?: boolean,
): ResolvedAttach[] {
  const out: ResolvedAttach[] = [];
  // provider and text of the earlier attach points' points (a set: a kprobe wildcard has tens of thousands)
  const named = new Set<string>();
  const dropped: Miss[] = [];
  let reported = false;
  for (const written of aps) {
    const ap = withPositionals(written, params);
    if (!ap.raw) {
      diags.push(
        error(`the attach point ${written.raw} is empty: no positional parameter gives its text`, ap.span, [
          `pass it after the program, e.g. scry -e '${written.raw} { … }' interval:s:1`,
        ]),
      );
      continue;
    }
    const misses: Miss[] = [];
    const resolved = resolveAttachPoint(ap, kernel, diags, misses, pid, unsafe);
    // a point two attach points of the probe both name (`t:a:b, t:a:*`) is attached once: the kernel refuses a
    // second link of one program to it (EEXIST). One attach point's own points differ; a user's name
    // (`name=t:a:*`) stands for every point, so those are not compared by it.
    const key = (r: ResolvedAttach) => `${r.provider}\0${r.text}`;
    const userNamed = ap.provider.indexOf('=') > 0;
    out.push(...(userNamed ? resolved : resolved.filter((r) => !named.has(key(r)))));
    if (!userNamed) for (const r of resolved) named.add(key(r));
    if (resolved.length || !misses.length) continue;
    if (misses.every((m) => m.wildcard)) {
      dropped.push(...misses);
      continue;
    }
    reported = true;
    if (missing === 'error')
      diags.push(
        error(`No matches for ${missingName(ap)}.`, ap.span, [
          ...misses.flatMap((m) => [m.why, ...m.hints]),
          'config = { missing_probes = "warn" } goes on without it',
        ]),
      );
    else if (missing === 'warn')
      diags.push(
        warning(
          `No matches for ${missingName(ap)}. Skipping.`,
          ap.span,
          misses.map((m) => m.why),
        ),
      );
  }
  if (!out.length && dropped.length && !reported && missing === 'error') {
    const first = aps[0]!.span;
    diags.push(
      error(
        "Probe has no valid attach points. If this is expected, set the 'missing_probes' config variable to 'warn'.",
        { ...first, end: aps[aps.length - 1]!.span.end },
        dropped.flatMap((m) => [m.why, ...m.hints]),
      ),
    );
  }
  return out;
}

/**
 * An attach point's probes. Where the kernel cannot be asked (tracefs unreadable without root), the
 * runtime's error says why in a sentence: it becomes this attach point's diagnostic, not a crash.
 */
function resolveAttachPoint(
  ap: AttachPoint,
  kernel: KernelInfo,
  diags: Diagnostic[],
  misses: Miss[],
  pid?: number,
  unsafe?: boolean,
): ResolvedAttach[] {
  try {
    return resolveOne(ap, kernel, diags, misses, pid, unsafe);
  } catch (e) {
    if (!isEnvironmentError(e)) throw e;
    diags.push(error(e.message, ap.span, e.hints.length ? [...e.hints] : undefined));
    return [];
  }
}

/**
 * `i:ms:$1`, `BEG$1`: positional parameters in an attach point stand for their text (bpftrace v0.26); one not
 * given is empty, as a missing `$N` is elsewhere.
 */
export function withPositionals(ap: AttachPoint, params: readonly string[]): AttachPoint {
  if (!/\$\d/.test(ap.raw)) return ap;
  const raw = ap.raw.replace(/\$(\d+)/g, (_, n: string) => params[Number(n) - 1] ?? '');
  const { parts, ats } = splitAttachPoint(raw);
  return { ...attachPointOf(raw, parts, ats), span: ap.span };
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
  misses: Miss[],
  pid?: number,
  unsafe?: boolean,
): ResolvedAttach[] {
  // `name=provider:…`: a name of the user's for the probe (bpftrace v0.26): what `probe` prints at every point
  const eq = ap.provider.indexOf('=');
  if (eq > 0 && eq < ap.provider.length - 1) {
    const named = { ...ap, provider: ap.provider.slice(eq + 1), raw: ap.raw.slice(eq + 1) };
    const text = ap.provider.slice(0, eq);
    return resolveOne(named, kernel, diags, misses, pid, unsafe).map((a) => ({ ...a, text }));
  }
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
    diags,
    ...(pid !== undefined ? { pid } : {}),
    ...(unsafe ? { unsafe } : {}),
    base: { span: ap.span, text: ap.raw },
    bad,
    missing: (why, hints, wildcard) => {
      misses.push({ ap, why, hints, wildcard });
      return [];
    },
  });
}
