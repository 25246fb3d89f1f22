// `npm run test:unit`: the suites (paths under test/) that need no root and run in seconds, and every other
// suite with the reason it is left to `npm test` (scripts/test.mjs runs them all). test/scripts/unit-suites
// fails when a suite is in neither list, so a new suite must be placed here.
// A suite in `unit` may hold root tests only behind requireRoot/skipCheck (a SKIP line when not root).
// Run: `npm run test:unit` (SCRY_FUZZ_COUNT=3000 fuzzes as much as npm test).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const unit: readonly string[] = [
  'compiler/asm/disasm.test.ts',
  'compiler/asm/encode.test.ts',
  'compiler/asm/helpers.test.ts',
  'compiler/asm/insn.test.ts',
  'compiler/btf/writer.test.ts',
  'compiler/elf/elf.test.ts',
  'compiler/codegen/builtin-emit.test.ts',
  'compiler/codegen/conditions.test.ts',
  'compiler/codegen/context-register.test.ts',
  'compiler/codegen/for-context.test.ts',
  'compiler/codegen/for-map.test.ts',
  'compiler/codegen/function-names.test.ts',
  'compiler/codegen/map-store.test.ts',
  'compiler/codegen/obeys-checker.test.ts',
  'compiler/codegen/runs-once.test.ts',
  'compiler/codegen/same-code.test.ts',
  'compiler/codegen/point-reads.test.ts',
  'compiler/codegen/shape-memo.test.ts',
  'compiler/codegen/scratch-limit.test.ts',
  'compiler/opt-passes.test.ts',
  'compiler/opt-promote.test.ts',
  'compiler/opt-solver.test.ts',
  'lang/address-space.test.ts',
  'lang/attach-missing.test.ts',
  'lang/bad-input.test.ts',
  'lang/bool.test.ts',
  'lang/buf-length.test.ts',
  'lang/byte-text.test.ts',
  'lang/builtins-v026.test.ts',
  'lang/builtins-v026b.test.ts',
  'lang/builtins.test.ts',
  'lang/tracepoint-args.test.ts',
  'lang/c/declarations.test.ts',
  'lang/c/headers-gcc.test.ts',
  'lang/c/layout-gcc.test.ts',
  'lang/c/preprocess-gcc.test.ts',
  'lang/c/preprocess-script.test.ts',
  'lang/c/preprocess.test.ts',
  'lang/c/script-btf.test.ts',
  'lang/check.test.ts',
  'lang/comm-literal-offset.test.ts',
  'lang/config-metrics-labels.test.ts',
  'lang/data-functions.test.ts',
  'lang/declared-types.test.ts',
  'lang/deprecated.test.ts',
  'lang/diagnostic-location.test.ts',
  'lang/diagnostics-window.test.ts',
  'lang/enumerator-lookups.test.ts',
  'lang/for-map-check.test.ts',
  'lang/fuzz.test.ts', // SCRY_FUZZ_COUNT defaults to FUZZ_COUNT below; npm test runs the file's 3000
  'lang/getopt.test.ts',
  'lang/glob.test.ts',
  'lang/grammar-saved.test.ts',
  'lang/imports.test.ts',
  'lang/incomplete.test.ts',
  'lang/kept-parse.test.ts',
  'lang/kprobe-functions.test.ts',
  'lang/lexer.test.ts',
  'lang/lexer-engine.test.ts',
  'lang/literal-types.test.ts',
  'lang/map-functions.test.ts',
  'lang/missing-probes.test.ts',
  'lang/parse-errors.test.ts',
  'lang/parser.test.ts',
  'lang/percpu-read.test.ts',
  'lang/pointers.test.ts',
  'lang/positional-attach.test.ts',
  'lang/printf-args.test.ts',
  'lang/probe-return.test.ts',
  'lang/provider-builtins.test.ts',
  'lang/provider-rows.test.ts',
  'lang/script-c.test.ts',
  'lang/scopes.test.ts',
  'lang/script-macros.test.ts',
  'lang/settings.test.ts',
  'lang/side-tables.test.ts',
  'lang/signed-division.test.ts',
  'lang/skboutput.test.ts',
  'lang/special-probe-name.test.ts',
  'lang/string-bytes.test.ts',
  'lang/string-index.test.ts',
  'lang/syntax-v026.test.ts',
  'lang/tracepoint-formats.test.ts',
  'lang/tseries.test.ts',
  'lang/typeof.test.ts',
  'lang/unreachable.test.ts',
  'lang/uprobe-args-dwarf.test.ts',
  'lang/uprobe-source-line.test.ts',
  'lang/usdt-args.test.ts',
  'repl/aot.test.ts',
  'repl/api-compile.test.ts',
  'repl/child.test.ts',
  'repl/cli-args.test.ts',
  'repl/cli-mode.test.ts',
  'repl/print-hist.test.ts',
  'repl/print-json.test.ts',
  'repl/print-metrics.test.ts',
  'repl/print-text.test.ts',
  'repl/print-tseries.test.ts',
  'repl/repl-complete.test.ts',
  'repl/script-run.test.ts', // its root tests behind requireRoot (a few hundred ms)
  'repl/view/layout.test.ts',
  'repl/view/view.test.ts',
  'runtime/comm-padding.test.ts', // root behind requireRoot (~0.5 s)
  'runtime/gfp-flags.test.ts',
  'runtime/strerror.test.ts',
  'runtime/strftime.test.ts', // GNU date(1) as the oracle (~0.5 s)
  'runtime/include-files.test.ts',
  'runtime/join-loop.test.ts',
  'runtime/kept-texts.test.ts',
  'runtime/kernel/btf/c-header.test.ts',
  'runtime/kernel/btf/reader.test.ts',
  'runtime/kernel/btf/vmlinux.test.ts',
  'runtime/kernel/elf/elf.test.ts', // SCRY_TEST_QUICK=1: /usr/bin/node left to npm test
  'runtime/kernel/elf/ld-resolve.test.ts',
  'runtime/kernel/elf/targets.test.ts', // SCRY_TEST_QUICK=1: the bpftrace -l comparison left to npm test
  'runtime/kernel/elf/dwarf-params.test.ts',
  'runtime/kernel/elf/dwarf-types.test.ts',
  'runtime/kernel/elf/dwarf-split.test.ts',
  'runtime/kernel/elf/line-address.test.ts',
  'runtime/kernel/elf/usdt.test.ts',
  'runtime/kernel/elf/x86-length.test.ts', // objdump over bash and libc (~3 s)
  'runtime/kernel/bpf-programs.test.ts', // loads programs behind requireRoot
  'runtime/kernel/kallsyms.test.ts', // the machine's own file behind requireRoot
  'runtime/kernel/functions.test.ts', // the machine's own file behind requireRoot
  'runtime/kernel/tracefs.test.ts',
  'runtime/kernel/user-symbols.test.ts', // SCRY_TEST_QUICK=1: the bpftrace comparison left to npm test
  'runtime/map-columns.test.ts', // real maps behind requireRoot (~2 s)
  'runtime/printf.test.ts',
  'runtime/point-reads-host.test.ts', // the machine's tracepoints behind requireRoot
  'runtime/probe-key.test.ts',
  'runtime/providers.test.ts',
  'runtime/render-script-types.test.ts',
  'runtime/repeat-limiter.test.ts',
  'runtime/signed-division.test.ts',
  'runtime/stacks-by-value.test.ts', // the many-stacks runs behind requireRoot
  'runtime/task-comm.test.ts',
  'runtime/timer-attr.test.ts',
  'runtime/sys/errors.test.ts',
  'runtime/sys/maps.test.ts',
  'runtime/sys/retry.test.ts',
  'runtime/text-buffer.test.ts',
  'runtime/tseries.test.ts',
  'scripts/deploy-examples.test.ts',
  'scripts/lodash-subset.test.ts',
  'scripts/readme-example.test.ts',
  'scripts/unit-suites.test.ts',
];

/** CPU seconds measured alone (tsx start included), at load 9 on 2 CPUs */
const SLOW = 'slow for a unit run: ';
const ROOT = 'every test needs root (loads programs); as another user only its SKIP line prints';

/** Suites `npm test` runs and `npm run test:unit` does not. A key ending in `/` is a whole directory. */
export const excluded: Readonly<Record<string, string>> = {
  'e2e/': 'end-to-end: runs scry on real programs in the kernel (root)',
  'compiler/opt-load.test.ts': ROOT,
  'compiler/opt-random.test.ts': ROOT,
  'corpus/corpus.test.ts': 'runs the whole corpus in the kernel as root (minutes); one count check without root',
  'corpus/errors.test.ts':
    'reads tracepoints from tracefs with no SKIP line (058 fails as another user), and takes ~80 s under load',
  'repl/complete-listing.test.ts': ROOT,
  'repl/repl-edges.test.ts': ROOT,
  'repl/repl.test.ts': ROOT,
  'repl/view/live.test.ts': ROOT,
  'repl/view/live-layout.test.ts': ROOT,
  'repl/view/live-keys.test.ts': 'its two tests run the live view on a real program in a terminal (root)',
  'runtime/attach/hand-off.test.ts': ROOT,
  'runtime/attach/tracepoint-race.test.ts': ROOT,
  'runtime/attach/uprobe.test.ts': ROOT,
  'runtime/bench-mode.test.ts': 'one table check; the bench run loads programs (root)',
  'runtime/hist-buckets.test.ts': ROOT,
  'runtime/info.test.ts': ROOT,
  'runtime/listing.test.ts': ROOT,
  'runtime/maps.test.ts': ROOT,
  'runtime/min-max.test.ts': ROOT,
  'runtime/ringbuf.test.ts': ROOT,
  'runtime/session.test.ts': ROOT,
  'runtime/sys/btf.test.ts': ROOT,
  'runtime/sys/native.test.ts': ROOT,
  'runtime/sys/perf.test.ts': ROOT,
  'runtime/sys/prog.test.ts': ROOT,
  'runtime/bounded-io.test.ts': SLOW + 'waits out real 2 s read bounds on FIFOs (~8 s wall)',
  'runtime/kernel/elf/dwarf.test.ts':
    SLOW + 'builds fixtures with gcc at -O0/-O2, DWARF 4/5, and runs addr2line on every address (~6 s)',
  'scripts/check-imports.test.ts': SLOW + 'starts the checker with tsx and TypeScript four times (~6 s)',
  'runtime/kernel/btf/bpftool.test.ts': SLOW + 'prints every vmlinux type and compares with bpftool (~5 s)',
  'repl/stdio-pipe.test.ts': SLOW + 'pushes megabytes through a real FIFO in a child scry (~6 s)',
  'scripts/dead-exports.test.ts': SLOW + 'walks every export of the tree with the TypeScript compiler (~8 s)',
  'repl/view/live-memory.test.ts': SLOW + 'redraws the live view thousands of times to show nothing piles up (~10 s)',
};

/** How many fuzz mutants the unit run makes unless SCRY_FUZZ_COUNT says otherwise. */
export const FUZZ_COUNT = 100;

/** uvu's pattern (a regex over the path below test/) for exactly the unit suites. */
export function unitPattern(): string {
  return `^(${unit.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('test.mjs', import.meta.url)), unitPattern()], {
    stdio: 'inherit',
    env: { SCRY_FUZZ_COUNT: String(FUZZ_COUNT), ...process.env, SCRY_TEST_QUICK: '1' },
  });
  child.on('close', (code, signal) => (process.exitCode = code ?? (signal ? 1 : 0)));
}
