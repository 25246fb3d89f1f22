// A script's C part, from text to types: the #directives and struct/union/enum definitions before the first
// probe (preprocess-script.ts finds where they end) are preprocessed, parsed as C declarations and laid out
// on top of the kernel's BTF. The probes are the parser's; they only see the types and macros made here.
import type { BtfTypes } from '../btf.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { sourceFile, span, type SourceFile } from '../source.ts';
import { parseCDeclarations } from './declarations.ts';
import { preprocess, type IncludeResolver, type Macro } from './preprocess.ts';
import { predefinedMacros } from './preprocess-predefined.ts';
import { withScriptTypes, type ScriptTypes } from './script-btf.ts';

export interface ScriptCOptions {
  readonly arch?: 'x86_64' | 'arm64';
  /** the kernel's types (vmlinux BTF), which the script's build on; undefined without BTF */
  readonly base: BtfTypes | undefined;
  /** `--include FILE`: included before the script, as by `#include "FILE"` */
  readonly includeFiles?: readonly string[];
  /** finds headers (-I directories, then the system ones); the runtime implements it, lang reads no files */
  readonly resolveInclude?: IncludeResolver;
}

export interface ScriptC {
  /** the script's types over the base; undefined when the script declares none and includes nothing */
  readonly types?: ScriptTypes;
  /** macros defined at the end of the C part (predefined ones included), for identifiers in the probes */
  readonly macros: ReadonlyMap<string, Macro>;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The C part of `file`, which is `file.text` up to `end`. Macros bpftrace defines for every script:
 * the compiler's predefined ones for the arch and BPFTRACE_HAVE_BTF (scry always reads kernel types from BTF).
 */
export function scriptC(file: SourceFile, end: number, options: ScriptCOptions): ScriptC {
  const includeFiles = options.includeFiles ?? [];
  if (end === 0 && includeFiles.length === 0) return { macros: new Map(), diagnostics: [] };
  const pp = preprocess(file, {
    defines: { ...predefinedMacros(options.arch ?? 'x86_64'), BPFTRACE_HAVE_BTF: '1' },
    includeFiles,
    ...(options.resolveInclude ? { resolveInclude: options.resolveInclude } : {}),
    range: { start: 0, end },
  });
  const diagnostics: Diagnostic[] = [...pp.diagnostics];
  if (diagnostics.some((d) => d.severity === 'error')) return { macros: pp.macros, diagnostics };
  // the preprocessed text is parsed as one; spans and the mode (script or header) follow where each part came from
  const out = sourceFile(file.name, pp.text);
  const parsed = parseCDeclarations(out, {
    modeAt: (offset) => (pp.originOf(offset)?.file === file ? 'script' : 'header'),
    spanOf: (s, e) => pp.map.spanOf(s, e) ?? span(file, 0, 0),
    isTypedefName: (name) => options.base?.find(name, 'typedef') !== undefined,
  });
  diagnostics.push(...parsed.diagnostics);
  const { types, diagnostics: typeDiagnostics } = withScriptTypes(options.base, parsed.declarations);
  diagnostics.push(...typeDiagnostics);
  return { types, macros: pp.macros, diagnostics };
}
