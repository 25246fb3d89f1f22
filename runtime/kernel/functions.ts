// Kernel functions kprobes can attach to: tracefs available_filter_functions (`name` or `name [module]`),
// or, where that file is not readable, the text symbols in /proc/kallsyms. Read once.
import { readFileSync } from 'node:fs';
import type { KernelFunction } from '../../lang/index.ts';
import { tracefsRoot } from './tracefs.ts';

let functions: KernelFunction[] | undefined;

function fromFilterFunctions(): KernelFunction[] | undefined {
  let text: string;
  try {
    text = readFileSync(`${tracefsRoot()}/available_filter_functions`, 'utf8');
  } catch {
    return undefined; // not mounted, or locked down
  }
  const out: KernelFunction[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)(?:\s+\[(\S+)\])?/.exec(line);
    if (m) out.push(m[2] ? { name: m[1]!, module: m[2] } : { name: m[1]! });
  }
  return out;
}

function fromKallsyms(): KernelFunction[] {
  const out: KernelFunction[] = [];
  const seen = new Set<string>();
  for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
    const m = /^[0-9a-f]+ [tT] (\S+)(?:\s+\[(\S+)\])?/.exec(line);
    // compiler-made parts (.cold, .part.N, .isra.N) and padding symbols are not functions one can probe
    if (!m || m[1]!.includes('.') || m[1]!.startsWith('__pfx_')) continue;
    const key = `${m[1]}\0${m[2] ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(m[2] ? { name: m[1]!, module: m[2] } : { name: m[1]! });
  }
  return out;
}

export function kernelFunctions(): readonly KernelFunction[] {
  functions ??= fromFilterFunctions() ?? fromKallsyms();
  return functions;
}
