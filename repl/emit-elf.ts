// --emit-elf FILE: the program as an ELF object for libbpf loaders (compiler/elf), written and nothing attached;
// `-d bytecode --relocs`: that object's code with its relocation records. The object's code is compiled for
// any kernel: no cpu v4 signed division (Linux 6.6) and no optimizer (its rewrites would move the instructions
// CO-RE records point at), and every kernel struct member access carries a CO-RE byte-offset relocation. Scalar
// maps stay maps (no scalar cells): a loader sees a map the code addresses as a data section, not by its name.
import { stderr, stdout } from './stdio.ts';
import { writeFileSync } from 'node:fs';
import { buildObject, compileSource, disasmListing, type CompileSourceOptions } from '../compiler/index.ts';
import { error, renderDiagnostics, type Diagnostic, type Span } from '../lang/index.ts';
import { hostKernelInfo } from '../runtime/index.ts';
import type { CliOptions } from './cli-args.ts';

export function emitElf(text: string, options: CompileSourceOptions, opts: CliOptions): number {
  if (opts.relocs && !opts.debug.includes('bytecode'))
    return fail([
      error('--relocs prints the relocation records of -d bytecode', undefined, ['scry -d bytecode --relocs …']),
    ]);
  const kernel = hostKernelInfo();
  const btf = kernel.btf();
  const result = compileSource(text, kernel, {
    ...options,
    optimize: false,
    signedDivision: false,
    // a libbpf loader attaches each program without a cookie: `probe` stays each program's constant
    attachCookies: false,
    scalarCells: false,
    ...(btf ? { coreBtf: btf } : {}),
  });
  if (!result.program) return fail(result.diagnostics);
  const notes: Diagnostic[] = [];
  if (!btf) notes.push(warning('this kernel has no BTF, so the object has no CO-RE relocations', undefined));
  for (const u of result.program.unrelocated ?? [])
    notes.push(
      warning(`this field of ${u.reason} keeps this kernel's offset: libbpf cannot relocate it`, u.span, [
        'the object reads it correctly only on kernels with the same layout',
      ]),
    );
  const object = buildObject(result.program, btf);
  if ('error' in object) return fail([error(object.error, object.span, [...object.hints])]);
  if (notes.length && !opts.noWarnings) stderr.write(renderDiagnostics(notes));
  if (opts.relocs)
    for (const p of object.programs)
      stdout.write(
        `${p.attach.text} (section ${p.section}, ${p.symbol}):\n${disasmListing(p.code, p.spec.sourceMap, [], p.relocs)}\n`,
      );
  if (opts.emitElf === undefined) return 0;
  try {
    writeFileSync(opts.emitElf, object.bytes);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return fail([
      error(`cannot write the object to ${opts.emitElf}: ${err.code ?? ''} ${err.message}`.trim(), undefined, [
        'give --emit-elf a path in a directory you can write to',
      ]),
    ]);
  }
  return 0;
}

const warning = (message: string, span?: Span, hints?: string[]): Diagnostic => ({
  severity: 'warning',
  message,
  span,
  hints,
});

function fail(diags: readonly Diagnostic[]): number {
  stderr.write(renderDiagnostics(diags));
  return 1;
}
