// How a session's viewed values print: kernel and user stacks from its stack-trace maps (one per frame
// limit), user symbols through the traced processes' mappings and ELF symbols. One recipe, shared by the
// session and the live view's map-reading worker, so both print the same.
import { UserSymbolizer, formatPerfFrame, formatStackFrame, formatUsym } from './kernel/user-symbols.ts';
import type { RenderContext } from './render.ts';
import { StackResolver } from './stacks.ts';

/** `stackMaps`: stack-trace map fd by frame limit. */
export function makeRenderContext(stackMaps: ReadonlyMap<number, number>): RenderContext {
  let symbolizer: UserSymbolizer | undefined; // made on first use: it looks for c++filt
  const users = () => (symbolizer ??= new UserSymbolizer());
  const userFrame = (pid: number, ip: bigint, mode: 'bpftrace' | 'perf') => {
    const sym = users().symbolize(pid, ip);
    return mode === 'perf' ? formatPerfFrame(sym, ip) : formatStackFrame(sym, ip);
  };
  const resolver = stackMaps.size ? new StackResolver(stackMaps, userFrame) : undefined;
  return {
    ...(resolver ? { formatStack: (id, view, indent) => resolver.format(id, view, indent) } : {}),
    formatUserSymbol: (pid, addr) => formatUsym(users().symbolize(pid, addr), addr),
  };
}
