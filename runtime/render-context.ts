// How a session's viewed values print: the user frames of stacks and user symbols through the traced processes'
// mappings and ELF symbols, records through the kernel's BTF with the script's own types on top. One recipe,
// shared by the session and the live view's map-reading worker, so both print the same.
import type { CompiledProgram } from '../compiler/index.ts';
import { vmlinuxBtf, withTypeRows, type RecordTypes } from './kernel/btf/index.ts';
import { UserSymbolizer, formatUserFrames, formatUsym } from './kernel/user-symbols.ts';
import type { RenderContext } from './render.ts';

/**
 * How a session's values print, as plain data (the live view's worker receives it in a message):
 * `scriptTypes`: the compiled program's; `symbolic` (enum names, pointers in hex) see RenderContext; `probedFiles`: the uprobes' files
 * (for processes gone before their stacks print); `debugInfo`: user frames with their source lines and
 * inlined functions (config show_debug_info).
 */
export interface RenderOptions {
  readonly scriptTypes?: CompiledProgram['scriptTypes'];
  readonly symbolic?: boolean;
  readonly probedFiles?: readonly string[];
  readonly debugInfo?: boolean;
}

export function makeRenderContext({
  scriptTypes,
  symbolic = true,
  probedFiles = [],
  debugInfo = true,
}: RenderOptions = {}): RenderContext {
  let symbolizer: UserSymbolizer | undefined; // made on first use: it looks for c++filt
  const users = () => (symbolizer ??= new UserSymbolizer({ probedFiles }));
  const userFrame = (pid: number, ip: bigint, mode: 'bpftrace' | 'perf') =>
    formatUserFrames(users().symbolize(pid, ip, debugInfo), ip, mode);
  let types: RecordTypes | undefined | null = null; // made on first use: the kernel's BTF is read then
  const recordTypes = () =>
    types === null ? (types = withTypeRows(vmlinuxBtf(), scriptTypes!.firstId, scriptTypes!.types)) : types;
  return {
    formatUserFrame: userFrame,
    ...(scriptTypes ? { recordTypes } : {}),
    formatUserSymbol: (pid, addr) => formatUsym(users().symbolize(pid, addr), addr),
    symbolic,
  };
}
