// `import "path";` (bpftrace v0.26): a `.bt` script's probes, macros and map declarations join the importing
// script's; a `.h` header's C definitions join its C part; a directory imports each such file in it (not
// its subdirectories). Paths are relative to the importing script's directory (the current one for -e).
// Each file is imported once, the root script included, so `a imports b imports a` is no cycle. Files are
// read through `ImportFiles`, which the runtime implements (lang reads no files), as #include's headers are.
//
// BPF C (`.bpf.c`, `.bpf.o`, and bpftrace's standard-library C modules such as "stdlib/test") needs a C
// compiler that emits BPF, which scry deliberately does not have: those are refused with what to write instead.
import type { MacroDef, MapDecl, Probe, Program } from './ast.ts';
import { error, type Diagnostic } from './diagnostics.ts';
import type { ImportStatement } from './imports-syntax.ts';
import { parse } from './parse.ts';
import { sourceFile, type SourceFile } from './source.ts';

export type { ImportStatement } from './imports-syntax.ts';

/** What is at a path: a file or a directory, and whether it or its directory is writable by every user. */
export interface ImportStat {
  readonly kind: 'file' | 'directory' | 'other';
  readonly worldWritable: boolean;
}

export interface ImportFiles {
  /** the absolute path of `name` as imported by the script `fromFile` ('stdin': from the current directory) */
  resolve(name: string, fromFile: string): string;
  /** undefined: nothing is there */
  stat(path: string): ImportStat | undefined;
  read(path: string): { readonly text: string } | { readonly error: string };
  /** the absolute paths of a directory's entries, sorted */
  list(dir: string): { readonly paths: readonly string[] } | { readonly error: string };
}

export interface ResolvedImports {
  /** the root program with every imported script's probes, macros and map declarations before its own */
  readonly program: Program;
  /** imported headers (absolute paths), to be included before the script's C part, in import order */
  readonly headers: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

const BPF_C = /\.bpf\.(c|o)$/;
const noCompiler = (what: string): string[] => [
  `${what} is BPF C, built by a C compiler that emits BPF: scry compiles its own language straight to BPF and has none`,
  'write the function as a macro in a .bt file and import that: macro always_true() { 1 }',
];

/** Resolves the imports of the script `file` (parsed as `root`, its imports `imports`) and merges what they bring. */
export function resolveImports(
  file: SourceFile,
  root: Program,
  imports: readonly ImportStatement[] | undefined,
  files: ImportFiles | undefined,
): ResolvedImports {
  if (!imports?.length) return { program: root, headers: [], diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const headers: string[] = [];
  const probes: Probe[] = [];
  const macros: MacroDef[] = [];
  const mapDecls: MapDecl[] = [];
  const seen = new Set<string>();
  if (files && file.name !== 'stdin') seen.add(files.resolve(file.name, ''));

  const importFile = (path: string, imp: ImportStatement, inDirectory: boolean): void => {
    if (seen.has(path)) return;
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (BPF_C.test(base)) {
      diagnostics.push(error(`cannot import ${base}: scry has no C compiler`, imp.span, noCompiler(base)));
      return;
    }
    if (!base.endsWith('.bt') && !base.endsWith('.h')) {
      if (!inDirectory)
        diagnostics.push(
          error(`cannot import ${base}: not a file type import takes`, imp.span, [
            'import takes .bt scripts, .h headers and directories of them',
          ]),
        );
      return;
    }
    seen.add(path);
    if (base.endsWith('.h')) {
      headers.push(path);
      return;
    }
    const read = files!.read(path);
    if ('error' in read) {
      diagnostics.push(error(`cannot read import ${path}: ${read.error}`, imp.span));
      return;
    }
    const f = sourceFile(path, read.text);
    const parsed = parse(f);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.program) return;
    if (parsed.definitionsEnd > 0)
      diagnostics.push(
        error(
          'an imported script cannot hold C definitions',
          { file: f, start: 0, end: f.text.slice(0, parsed.definitionsEnd).trimEnd().length },
          [`move them to a .h file and import it: import "${base.replace(/\.bt$/, '.h')}";`],
        ),
      );
    const config = parsed.program.config;
    if (config.length)
      diagnostics.push(
        error('an imported script cannot have a config block', config[0]!.span, [
          'only the script scry runs may set config; move these settings there',
        ]),
      );
    for (const i of parsed.imports ?? []) importName(i, f);
    probes.push(...parsed.program.probes);
    macros.push(...(parsed.program.macros ?? []));
    mapDecls.push(...(parsed.program.mapDecls ?? []));
  };

  const importName = (imp: ImportStatement, from: SourceFile): void => {
    if (!files) {
      diagnostics.push(error(`cannot import "${imp.path}" here: this program cannot read files`, imp.span));
      return;
    }
    const path = files.resolve(imp.path, from.name);
    if (seen.has(path)) return;
    const st = files.stat(path);
    if (!st) {
      // bpftrace's standard library: scry's macros are built in; its C modules need a C compiler
      if (imp.path === 'stdlib') return;
      if (imp.path.startsWith('stdlib/')) {
        diagnostics.push(
          error(`cannot import "${imp.path}": scry has no C compiler`, imp.span, noCompiler(`"${imp.path}"`)),
        );
        return;
      }
      diagnostics.push(error(`cannot find import "${imp.path}"`, imp.span, [`tried ${path}`]));
      return;
    }
    if (st.worldWritable) {
      diagnostics.push(worldWritable(path, imp));
      return;
    }
    if (st.kind === 'file') return importFile(path, imp, false);
    if (st.kind !== 'directory') {
      diagnostics.push(error(`cannot import ${path}: not a regular file or a directory`, imp.span));
      return;
    }
    if (seen.has(path)) return;
    seen.add(path);
    const list = files.list(path);
    if ('error' in list) {
      diagnostics.push(error(`cannot read directory ${path}: ${list.error}`, imp.span));
      return;
    }
    for (const entry of list.paths) {
      const est = files.stat(entry);
      if (est?.kind !== 'file') continue; // not recursive, as bpftrace
      if (est.worldWritable) diagnostics.push(worldWritable(entry, imp));
      else importFile(entry, imp, true);
    }
  };

  for (const imp of imports) importName(imp, file);
  const p = root;
  return {
    program: {
      ...p,
      probes: [...probes, ...p.probes],
      ...(macros.length || p.macros ? { macros: [...macros, ...(p.macros ?? [])] } : {}),
      ...(mapDecls.length || p.mapDecls ? { mapDecls: [...mapDecls, ...(p.mapDecls ?? [])] } : {}),
    },
    headers,
    diagnostics,
  };
}

function worldWritable(path: string, imp: ImportStatement): Diagnostic {
  return error(`refusing to import ${path}: it or its directory is writable by every user`, imp.span, [
    'anyone could change what runs; keep imports where only their owner can write (chmod o-w)',
  ]);
}
