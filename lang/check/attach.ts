// Resolves attach points: the provider by name or alias, then the provider's row (lang/providers/) checks
// the form, expands wildcards and asks the kernel whether the probe exists.
import type { AttachPoint } from '../ast.ts';
import { error, type Diagnostic } from '../diagnostics.ts';
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
): ResolvedAttach[] {
  try {
    return resolveOne(ap, kernel, diags, pid);
  } catch (e) {
    if (!isEnvironmentError(e)) throw e;
    diags.push(error(e.message, ap.span, e.hints.length ? [...e.hints] : undefined));
    return [];
  }
}

/** The runtime's environment failures (ScryRuntimeError, which lang cannot import) carry hints; bugs do not. */
function isEnvironmentError(e: unknown): e is Error & { readonly hints: readonly string[] } {
  return e instanceof Error && Array.isArray((e as { hints?: unknown }).hints);
}

function resolveOne(ap: AttachPoint, kernel: KernelInfo, diags: Diagnostic[], pid?: number): ResolvedAttach[] {
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
    base: { span: ap.span, text: ap.raw },
    bad,
  });
}
