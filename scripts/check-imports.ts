// The import graph of lang/ compiler/ runtime/ repl/, checked against the layering the architecture guide draws:
//   (a) no import cycles (type-only imports count: a cycle of types is still two modules that cannot be read apart);
//   (b) no import past a layer's facade: a file imports another layer only through that layer's index.ts;
//   (c) no import up the layers (lang ← compiler ← runtime ← repl), and no syntax tree in the runtime.
// `--unused` also lists exported names that no file of the tree (tests and scripts included) imports.
// Prints what it finds and exits 1; prints one line and exits 0 when the graph is clean.
// Run: `npm run check:imports` (or `node --import tsx scripts/check-imports.ts [--unused] [--root DIR]`).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

// `--root DIR` checks another tree laid out the same way (the tests give it small made-up ones).
const rootArg = process.argv.indexOf('--root');
const root =
  rootArg > 0 && process.argv[rootArg + 1] ? resolve(process.argv[rootArg + 1]!) : join(import.meta.dirname, '..');
const layers = ['lang', 'compiler', 'runtime', 'repl'] as const;
type Layer = (typeof layers)[number];

/**
 * Imports allowed to reach past a facade, each with its reason. `from` and `to` are paths from the repository root.
 * Keep this list short: an entry is a debt, or a place where a facade would cost more than it gives.
 *
 * The live view's map snapshots are read in a worker thread from their own bundle (dist/scry-snapshot.mjs, entry
 * repl/view/snapshot-worker.ts). A facade's index.ts is not free of side effects (lang/index.ts reaches the
 * Chevrotain lexer, builtin and provider tables; runtime/index.ts the session, loader and attach code), so esbuild
 * cannot drop what the worker does not use: through the facades that bundle grows from ~90 KB to ~470 KB of
 * source, Chevrotain and lodash included. The modules the worker reaches therefore import the few pure leaves
 * they need directly. `inWorker` entries are checked: one the worker no longer reaches is reported as stale.
 */
const worker = 'repl/view/snapshot-worker.ts';
const allowedDeep: readonly { from: string; to: string; inWorker: boolean; why: string }[] = [
  { from: worker, to: 'runtime/maps.ts', inWorker: true, why: 'the worker reads maps: the map snapshot reader' },
  { from: worker, to: 'runtime/render-context.ts', inWorker: true, why: 'the worker renders keys and values' },
  { from: 'runtime/maps.ts', to: 'compiler/layout.ts', inWorker: true, why: 'key and value layouts to decode entries' },
  { from: 'runtime/kernel/btf/reader.ts', to: 'lang/glob.ts', inWorker: true, why: 'render.ts reads BTF enums' },
  { from: 'runtime/maps.ts', to: 'lang/byte-text.ts', inWorker: true, why: 'strings in keys and values, as bytes' },
  { from: 'repl/print/text.ts', to: 'lang/byte-text.ts', inWorker: true, why: 'string keys sort by their bytes' },
  {
    from: 'repl/print/text.ts',
    to: 'runtime/value-text.ts',
    inWorker: true,
    why: "a value's text, the one printf's %s writes too",
  },
  { from: 'repl/print/text.ts', to: 'runtime/maps.ts', inWorker: true, why: "a snapshot's numbers (integerColumns)" },
  {
    from: 'repl/metrics/exposition.ts',
    to: 'runtime/maps.ts',
    inWorker: true,
    why: "a snapshot's numbers (integerColumns)",
  },
  { from: 'repl/view/model.ts', to: 'runtime/maps.ts', inWorker: true, why: "a snapshot's numbers (integerColumns)" },
  { from: 'runtime/render.ts', to: 'lang/byte-text.ts', inWorker: true, why: 'char arrays in records, as bytes' },
  { from: 'runtime/render.ts', to: 'lang/glob.ts', inWorker: true, why: "cgroup_path()'s hierarchy wildcard" },
  {
    from: 'runtime/kernel/btf/reader.ts',
    to: 'lang/btf-print.ts',
    inWorker: true,
    why: 'the reader writes its types as C (one printer for kernel and script types)',
  },
  {
    from: 'runtime/kernel/elf/symbols.ts',
    to: 'lang/glob.ts',
    inWorker: true,
    why: 'ustack symbols (user-symbols.ts)',
  },
  {
    from: 'runtime/stacks.ts',
    to: 'lang/types.ts',
    inWorker: true,
    why: 'a ustack(build_id) frame is the size the type says (render.ts prints stacks)',
  },
];

/**
 * The values compiler/ may take from lang; everything else it imports from lang is a type (issue 12: the checker
 * records what the compiler must do in the checked program's side tables, lang/check/tables.ts, and the code
 * generator obeys them). A value import not listed here is a decision the compiler would re-derive: record it in
 * a side table instead, or list it here with its reason if it decides nothing.
 */
const compilerLangValues: Readonly<Record<string, string>> = {
  // compiler/pipeline.ts: compileSource drives parse → check → code generation, for the CLI, the REPL and the tests
  sourceFile: 'pipeline entry point',
  parse: 'pipeline entry point',
  parseKept: 'pipeline entry point (a parse kept from an earlier run of the same text)',
  expandScriptMacros: 'pipeline entry point',
  resolveImports: 'pipeline entry point',
  scriptC: 'pipeline entry point',
  check: 'pipeline entry point',
  namedParamDecls: 'pipeline entry point (the named parameters the program declares)',
  resolveNamedParams: 'pipeline entry point (their values from the command line)',
  // pure utilities over the tree and the source text: they answer what is there, not what to do with it
  walk: 'syntax tree traversal (any exit() in the script; the variables a range loop body names)',
  deepest: 'syntax tree traversal: where a tree too deep to compile is, for the error',
  isStackOverflow: 'whether a thrown error is the JS stack running out (a tree too deep to compile)',
  lineCol: "source position of a span, for the disassembly's source lines",
  lineText: "source line of a span, for the disassembly's source lines",
  textBytes: "a string literal's bytes (escapes already decoded to bytes: lang/byte-text.ts)",
  textByteLength: "a string literal's length in bytes (lang/byte-text.ts)",
  // a rule of the type system rather than a decision about one expression
  elementOrder:
    'how one record type converts to another with the same field names (by name; the checker unifies types by the same rule)',
  stackViewOf:
    'which stack a kstack/ustack type describes (the checker typed it; its layout is the type rule stackType)',
  sizeOf: "a type's size in bytes, as the checker sizes it (an array's elements times their width: ntop() of an array)",
  timerPeriodNs: "a timer probe's period (the runtime opens its perf event with the same; the compiler counts firings)",
  // data
  MAX_STACK_FRAMES: 'constant: the deepest ustack/kstack',
  BUILD_ID_FRAME_SIZE: "constant: the kernel's struct bpf_stack_build_id, a ustack(build_id) frame",
  PT_REGS_OFFSETS: "constant: x86-64 struct pt_regs' layout",
};

/** The .ts and .tsx files under `dirs` (repository-relative folders that exist). */
function tsFiles(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const dir of dirs) if (existsSync(join(root, dir))) walk(join(root, dir));
  return out;
}

interface Import {
  from: string; // repository-relative path of the importing file
  to: string; // repository-relative path of the imported file
  line: number;
  typeOnly: boolean;
  names: readonly string[] | 'all'; // the names taken ('all' for `export *`, `import * as`, dynamic import)
  values: readonly string[] | 'all'; // those of them taken as values (not `type X`)
}

/** The relative imports of one file: static imports, re-exports, `import()` and `typeof import()` types. */
function importsOf(file: string, text: string): Import[] {
  const src = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const out: Import[] = [];
  const add = (
    spec: string,
    node: ts.Node,
    typeOnly: boolean,
    names: readonly string[] | 'all',
    values: readonly string[] | 'all' = typeOnly ? [] : names,
  ): void => {
    if (!spec.startsWith('.')) return; // packages and node: builtins are not part of the layering
    const target = resolve(dirname(file), spec);
    if (!existsSync(target)) return; // e.g. the CLI bundle's './scry-view-import.cjs', which exists only in dist/
    const line = src.getLineAndCharacterOfPosition(node.getStart(src)).line + 1;
    out.push({ from: relative(root, file), to: relative(root, target), line, typeOnly, names, values });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const names: string[] = [];
      const values: string[] = [];
      let all = false;
      let typeOnly = clause?.isTypeOnly ?? false;
      if (clause?.name) names.push('default');
      if (clause?.name) values.push('default');
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) all = true;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) names.push((el.propertyName ?? el.name).text);
        for (const el of bindings.elements) if (!el.isTypeOnly) values.push((el.propertyName ?? el.name).text);
        if (bindings.elements.length > 0 && bindings.elements.every((el) => el.isTypeOnly)) typeOnly = true;
      }
      add(node.moduleSpecifier.text, node, typeOnly, all ? 'all' : names, typeOnly ? [] : all ? 'all' : values);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const named = clause && ts.isNamedExports(clause) ? clause.elements : undefined;
      const names = named ? named.map((el) => (el.propertyName ?? el.name).text) : 'all';
      const values = named
        ? named.filter((el) => !el.isTypeOnly).map((el) => (el.propertyName ?? el.name).text)
        : 'all';
      add(node.moduleSpecifier.text, node, node.isTypeOnly, names, node.isTypeOnly ? [] : values);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg)) add(arg.text, node, false, 'all');
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, node, true, 'all');
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

function layerOf(path: string): Layer | undefined {
  const top = path.split('/')[0];
  return layers.find((l) => l === top);
}

/** Strongly connected components with more than one module (or a module importing itself), by Tarjan's algorithm. */
function cycles(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) connect(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One import path around a cycle, for the report: `a.ts → b.ts → a.ts`. */
function cyclePath(scc: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string {
  const members = new Set(scc);
  const start = scc[0]!;
  // Breadth-first from start back to start, inside the component.
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = prev.get(u)) path.unshift(u);
        path.unshift(start);
        return path.join(' → ');
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return scc.join(', ');
}

/**
 * Exports of the layers' files that no other file imports, found by declaration (a name re-exported by a facade
 * and imported through it counts as used). A name still used inside its own file is marked: only its `export` is dead.
 */
function unusedExports(files: readonly string[]): string[] {
  const all = tsFiles([...layers, 'test', 'scripts']); // importers: tests and scripts use exports too
  const program = ts.createProgram(all, {
    allowImportingTsExtensions: true,
    noEmit: true,
    jsx: ts.JsxEmit.ReactJSX,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const original = (sym: ts.Symbol): ts.Symbol =>
    sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
  const used = new Set<ts.Symbol>();
  const useModule = (mod: ts.Symbol | undefined): void => {
    for (const sym of mod ? checker.getExportsOfModule(mod) : []) used.add(original(sym));
  };
  for (const file of all) {
    const src = program.getSourceFile(file)!;
    const visit = (node: ts.Node): void => {
      if (ts.isImportSpecifier(node) || ts.isImportClause(node)) {
        const name = node.name;
        const sym = name && checker.getSymbolAtLocation(name);
        if (sym) used.add(original(sym));
      } else if (ts.isNamespaceImport(node) || ts.isNamespaceExport(node)) {
        const decl = ts.isNamespaceImport(node) ? node.parent.parent : node.parent;
        useModule(checker.getSymbolAtLocation((decl as ts.ImportDeclaration | ts.ExportDeclaration).moduleSpecifier!));
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0]
      ) {
        useModule(checker.getSymbolAtLocation(node.arguments[0]));
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
        useModule(checker.getSymbolAtLocation(node.argument.literal));
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
  }
  const out: string[] = [];
  for (const file of files) {
    const rel = relative(root, file);
    if (rel === 'repl/entry.ts') continue; // the CLI bundle's entry point
    const src = program.getSourceFile(file)!;
    const mod = checker.getSymbolAtLocation(src);
    for (const sym of mod ? checker.getExportsOfModule(mod) : []) {
      // Re-exports (`export { x } from`, `export *`) are judged where the name is declared.
      if (sym.flags & ts.SymbolFlags.Alias || !sym.declarations?.every((d) => d.getSourceFile() === src)) continue;
      if (used.has(sym)) continue;
      const mentions = src.text.match(new RegExp(`\\b${sym.name}\\b`, 'g'))?.length ?? 0;
      out.push(`${rel}: ${sym.name}${mentions > 1 ? '   (used in its own file: only the export is dead)' : ''}`);
    }
  }
  return out;
}

const files = tsFiles(layers); // the layers' own files, not test/ or scripts/
const imports = files.flatMap((f) => importsOf(f, readFileSync(f, 'utf8')));
const edges = new Map<string, string[]>();
for (const imp of imports) {
  const list = edges.get(imp.from) ?? [];
  if (!list.includes(imp.to)) list.push(imp.to);
  edges.set(imp.from, list);
}

const problems: string[] = [];
const report = (title: string, lines: readonly string[]): void => {
  if (lines.length === 0) return;
  problems.push(`${title} (${lines.length}):`, ...lines.map((l) => `  ${l}`));
};

const sccs = cycles(
  files.map((f) => relative(root, f)),
  edges,
);
report(
  'import cycles',
  sccs.map((scc) => `${cyclePath(scc, edges)}${scc.length > 2 ? `   [${scc.length} modules: ${scc.join(' ')}]` : ''}`),
);

const deep: string[] = [];
const upward: string[] = [];
for (const imp of imports) {
  const from = layerOf(imp.from);
  const to = layerOf(imp.to);
  if (!from || !to || from === to) continue;
  const where = `${imp.from}:${imp.line} → ${imp.to}${imp.typeOnly ? ' (types)' : ''}`;
  if (layers.indexOf(to) > layers.indexOf(from)) upward.push(where);
  if (imp.to !== `${to}/index.ts` && !allowedDeep.some((a) => a.from === imp.from && a.to === imp.to)) deep.push(where);
}
report('imports past a layer facade (import the layer through its index.ts)', deep);

// An allowed deep import whose reason is gone (the worker bundle no longer reaches the importing file).
const reached = new Set<string>([worker]);
for (const todo = [worker]; todo.length > 0;)
  for (const to of edges.get(todo.pop()!) ?? []) if (!reached.has(to)) (reached.add(to), todo.push(to));
report(
  'allowed deep imports that are no longer needed (remove them from allowedDeep in scripts/check-imports.ts)',
  allowedDeep
    .filter((a) => (a.inWorker && !reached.has(a.from)) || !imports.some((i) => i.from === a.from && i.to === a.to))
    .map((a) => `${a.from} → ${a.to}`),
);
// The worker bundle must stay small: no layer facade may be reached from it through imports that stay in the
// bundle (type-only imports are erased). One re-export of lang/index.ts in its path grew it 95 KB → 249 KB.
const bundled = new Map<string, string>([[worker, worker]]); // file → the importer that pulled it in
for (const todo = [worker]; todo.length > 0;) {
  const from = todo.pop()!;
  for (const i of imports)
    if (i.from === from && !i.typeOnly && !bundled.has(i.to))
      (bundled.set(i.to, `${i.from}:${i.line}`), todo.push(i.to));
}
report(
  `layer facades in the live view's worker bundle (${worker}): import the leaf module instead, and allow it above`,
  [...bundled].filter(([f]) => /^(lang|compiler|runtime|repl)\/index\.ts$/.test(f)).map(([f, by]) => `${by} → ${f}`),
);
report('imports up the layers (lang ← compiler ← runtime ← repl)', upward);
report(
  'lang values the compiler imports (record the decision in a side table, or allow it in compilerLangValues)',
  imports
    .filter((i) => layerOf(i.from) === 'compiler' && layerOf(i.to) === 'lang')
    .flatMap((i) =>
      i.values === 'all'
        ? [`${i.from}:${i.line} → ${i.to}: the whole module`]
        : i.values
            .filter((n) => !Object.hasOwn(compilerLangValues, n))
            .map((n) => `${i.from}:${i.line} → ${i.to}: ${n}`),
    ),
);

// The runtime runs compiled programs: it may know lang's types and kernel interfaces, never the syntax tree.
const astNames = new Set(
  imports
    .filter((i) => i.from === 'lang/index.ts' && i.to === 'lang/ast.ts')
    .flatMap((i) => (i.names === 'all' ? [] : i.names)),
);
report(
  'runtime imports of the syntax tree',
  imports
    .filter(
      (i) =>
        layerOf(i.from) === 'runtime' &&
        (i.to === 'lang/ast.ts' ||
          (i.to === 'lang/index.ts' && i.names !== 'all' && i.names.some((n) => astNames.has(n)))),
    )
    .map((i) => `${i.from}:${i.line} → ${i.to}`),
);

if (process.argv.includes('--unused')) report('exports nobody imports', unusedExports(files));

if (problems.length > 0) {
  process.stdout.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(
  `imports: ${files.length} files, ${imports.length} imports: no cycles, no deep or upward imports\n`,
);
