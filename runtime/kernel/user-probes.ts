// The checker's view of user-space targets (KernelInfo.userProbeSites / usdtSites): ELF files found and read
// by runtime/kernel/elf, failures turned into messages with hints.
import { readlinkSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { closest, isUprobeAddress } from '../../lang/index.ts';
import type { UserFunctionTypes, UserProbeError, UserProbeSite, UsdtArgument, UsdtSite } from '../../lang/index.ts';
import { NoMatchError, ScryRuntimeError } from '../errors.ts';
import {
  ElfError,
  instructionBoundary,
  lineAddress,
  listUprobeFunctions,
  openTarget,
  resolveUprobe,
  resolveUsdt,
  targetSymbols,
  targetDwarf,
  expandTargets,
  PT_REGS_X86_64,
  ET_DYN,
  SHN_UNDEF,
  type TargetFile,
  type UsdtArg,
} from './elf/index.ts';
import { printable } from '../printable.ts';

function failure(e: unknown): UserProbeError {
  if (e instanceof NoMatchError) return { error: e.message, hints: e.hints, missing: true };
  if (e instanceof ScryRuntimeError) return { error: e.message, hints: e.hints };
  return { error: (e as Error).message };
}

// bpftrace v0.26's words (attached_probe.cpp) for what --unsafe lets through
const UNSAFE_HINT =
  'Use --unsafe to force attachment. WARNING: This option could lead to data corruption in the target process.';

export function userProbeSites(
  target: string,
  where: string,
  pid?: number,
  unsafe = false,
): readonly UserProbeSite[] | UserProbeError {
  try {
    const targets = expandTargets(target, pid);
    if (!targets.length) return noFiles(target, pid);
    const many = targets.length > 1 || targets[0] !== target;
    const out: UserProbeSite[] = [];
    for (const t of targets) {
      const isAddress = isUprobeAddress(where);
      // --unsafe: an address in a file that is not ELF (a flat binary someone maps and runs) is its file offset
      if (isAddress && unsafe && isFlatFile(t, pid)) {
        const address = BigInt(where);
        const unchecked = `Could not determine instruction boundary for uprobe:${t}:0x${address.toString(16)} (binary appears stripped). Misaligned probes can lead to tracee crashes!`;
        out.push({ path: resolvePath(t), shown: t, offset: address, vaddr: address, func: '', unchecked });
        continue;
      }
      const file = openTarget(t, pid !== undefined ? { pid } : {});
      const shown = exeOf(t) ?? (t.includes('/') ? t : file.path);
      // an address, hex or decimal (bpftrace reads uprobe:/bin/bash:10 as address 0xa)
      if (isAddress) {
        const site = addressSite(file, t, shown, BigInt(where), unsafe, true);
        if ('error' in site) return site;
        out.push(site);
        continue;
      }
      const m = /^([^+]+)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(where);
      if (!m) return { error: `invalid uprobe function '${where}'` };
      const wild = /[*?]/.test(m[1]!);
      // in an expanded target, a file without the function is no error: another file may have it
      const names = wild ? listUprobeFunctions(file, m[1]!) : many && !hasFunction(file, m[1]!) ? [] : [m[1]!];
      if (!names.length && !many)
        return {
          error: `no function in ${file.path} matches ${m[1]}`,
          hints: [`list them with: scry -l 'uprobe:${file.path}:*'`],
          missing: true,
        };
      for (const func of names) {
        const loc = resolveUprobe(file, { func, ...(m[2] ? { funcOffset: BigInt(m[2]) } : {}) });
        // a symbol of size 0 has no known end: its entry may not be an instruction (bpftrace v0.26 refuses it)
        if (!wild && !m[2] && loc.symbol?.size === 0n && !unsafe)
          return { error: `Could not determine boundary for ${func} (symbol has size 0).`, hints: [UNSAFE_HINT] };
        const checked = loc.symbol ? onBoundary(file, shown, func, loc.symbol.value, loc.vaddr, unsafe) : {};
        if ('error' in checked) return checked;
        out.push({ path: loc.path, shown, offset: loc.offset, vaddr: loc.vaddr, func, ...checked });
      }
    }
    if (!out.length)
      return { error: `no function matching ${where} in ${targets.length} files matching ${target}`, missing: true };
    return out;
  } catch (e) {
    return failure(e);
  }
}

/**
 * `uprobe:f` with -p names the process's executable as /proc/PID/exe (lang/providers/uprobe.ts): `probe` shows the
 * path it links to, as the process sees it (what `uprobe:*:f` shows for the same file). Undefined for other targets.
 */
function exeOf(target: string): string | undefined {
  if (!/^\/proc\/\d+\/exe$/.test(target)) return undefined;
  try {
    return readlinkSync(target);
  } catch {
    return undefined;
  }
}

/**
 * A uprobe at a virtual address of a file: inside a function, unless --unsafe lets it through with a warning.
 * `checkBoundary`: whether it must start an instruction (a line table's addresses always do).
 */
function addressSite(
  file: TargetFile,
  target: string,
  shown: string,
  address: bigint,
  unsafe: boolean,
  checkBoundary: boolean,
): UserProbeSite | UserProbeError {
  const loc = resolveUprobe(file, { address });
  const name = `${target}:0x${loc.vaddr.toString(16)}`;
  const inside = targetSymbols(file).lookupAddress(loc.vaddr);
  if (!inside && !unsafe)
    return {
      error: `Could not resolve address: ${name}`,
      hints: ['no function of the file contains it: a uprobe address must be inside a function', UNSAFE_HINT],
    };
  let unchecked = inside
    ? undefined
    : `Could not determine instruction boundary for uprobe:${name} (no function contains it). Misaligned probes can lead to tracee crashes!`;
  if (inside && checkBoundary) {
    const { symbol } = inside;
    const checked = onBoundary(file, target, symbol.name, symbol.value, loc.vaddr, unsafe, loc.vaddr);
    if ('error' in checked) return checked;
    unchecked = checked.unchecked;
  }
  return {
    path: loc.path,
    shown,
    offset: loc.offset,
    vaddr: loc.vaddr,
    func: inside?.symbol.name ?? '',
    ...(unchecked ? { unchecked } : {}),
  };
}

/**
 * FUNC+OFF, written so or an address inside FUNC: the int3 a uprobe writes must start an instruction, or the
 * traced process runs a corrupted one (bpftrace v0.26's check_alignment, and its words). --unsafe lets it through
 * with a warning. `address`: the address the script wrote, named in the hints.
 */
function onBoundary(
  file: TargetFile,
  shown: string,
  func: string,
  start: bigint,
  vaddr: bigint,
  unsafe: boolean,
  address?: bigint,
): { unchecked?: string } | UserProbeError {
  const off = vaddr - start;
  const b = instructionBoundary(file.elf, start, off);
  if (b.kind === 'start') return {};
  const name = `${shown}:${printable(func)}+${off}`;
  const f = printable(func);
  const as = address !== undefined ? `0x${address.toString(16)} (${f}+${off})` : `${f}+${off}`;
  if (b.kind === 'inside') {
    const at = `byte ${off - b.start} of the ${b.length}-byte instruction at ${f}+${b.start}`;
    if (unsafe)
      return {
        unchecked: `Unsafe uprobe in the middle of an instruction: ${name} (${at}). The traced process may crash.`,
      };
    return {
      error: `Could not add uprobe into middle of instruction: ${name}`,
      hints: [
        `${as} is ${at}: put the probe where an instruction starts, ${f}+${b.start} or ${f}+${b.start + BigInt(b.length)}`,
        UNSAFE_HINT,
      ],
    };
  }
  const why =
    b.kind === 'unknown'
      ? `${f}+${b.at} is ${b.why}`
      : `scry decodes instructions of x86-64 and arm64 only, and ${file.elf.path} is for machine ${b.machine}`;
  if (unsafe)
    return {
      unchecked: `Unchecked uprobe: ${name}: could not tell whether it starts an instruction (${why}). Misaligned probes can lead to tracee crashes!`,
    };
  const instead =
    b.kind === 'unknown' && b.at > 0n
      ? `offsets up to ${f}+${b.at} can be checked, and ${f}'s entry needs none`
      : `${f}'s entry needs no check`;
  return {
    error: `Failed to check if uprobe is in proper place: ${name}`,
    hints: [`${why}, so scry cannot tell whether ${as} starts an instruction: ${instead}`, UNSAFE_HINT],
  };
}

/**
 * uprobe:BIN@FILE:LINE[:COL]: where the line's code starts, from the line table of the target's DWARF or its
 * debug file's (bpftrace v0.26's rules: line-address.ts), and the function holding it.
 */
export function userSourceLineSite(
  target: string,
  source: string,
  line: number,
  column: number,
  pid?: number,
  unsafe = false,
): UserProbeSite | UserProbeError {
  try {
    const file = openTarget(target, pid !== undefined ? { pid } : {});
    const shown = target.includes('/') ? target : file.path;
    const dwarf = targetDwarf(file);
    if (!dwarf)
      return {
        error: `No DWARF debug info found for '${target}', cannot attach by source code location.`,
        hints: [`build ${shown} with -g, or name the directory of its debug file with --debuginfo DIR`],
      };
    const where = `${source}:${line}${column ? `:${column}` : ''}`;
    const found = lineAddress(dwarf.lineTables(), source, line, column);
    switch (found.kind) {
      case 'no-file': {
        const names = new Set(found.paths.map((p) => basename(p)));
        const guess = closest(basename(source), names);
        return {
          error: `No compilation unit matches ${source}`,
          hints: [
            guess ? `did you mean '${printable(guess)}'?` : `no source file of ${shown} is named ${basename(source)}`,
          ],
        };
      }
      case 'ambiguous':
        return {
          error: `Ambiguous source path, matches multiple files: ${printable(found.paths.join(', '))}`,
          hints: [`name more of its path, e.g. ${printable(tail(found.paths[0]))}:${line}`],
        };
      case 'no-line':
        return {
          error: `Unable to map '${where}' to address`,
          hints: [linesHint(found.path, line, found.lines, found.columns)],
        };
      case 'found':
        return addressSite(file, target, shown, BigInt(found.address), unsafe, false);
    }
  } catch (e) {
    return failure(e);
  }
}

/** A path's file and its directory's name: enough to tell two files of one name apart (`a/util.c`). */
function tail(path: string): string {
  return path.split('/').filter(Boolean).slice(-2).join('/');
}

/** Which lines near `line` have code, or which columns of it do, to pick one instead. */
function linesHint(path: string, line: number, lines: readonly number[], columns: readonly number[]): string {
  const before = lines.filter((l) => l < line).at(-1);
  const after = lines.find((l) => l > line);
  const shown = printable(path);
  if (columns.length)
    return `line ${line} of ${shown} has code at column${columns.length > 1 ? 's' : ''} ${columns.join(', ')}: name one, or none`;
  if (before === undefined && after === undefined) return `no line of ${shown} has code in the binary`;
  const near = [before, after].filter((l) => l !== undefined);
  return `no code of ${shown} is at line ${line} (a comment, a declaration, or code the compiler left out): the nearest line${near.length > 1 ? 's' : ''} with code ${near.length > 1 ? 'are' : 'is'} ${near.join(' and ')}`;
}

/** uaddr(name): the symbol (of any type) in the target file; undefined symbols (imports) do not count. */
export function userSymbol(
  target: string,
  name: string,
  pid?: number,
): { vaddr: bigint; size: number; relocatable: boolean } | UserProbeError {
  try {
    const file = openTarget(target, pid !== undefined ? { pid } : {});
    const sym = targetSymbols(file).lookup(name, { anyType: true });
    if (!sym || sym.section === SHN_UNDEF) return { error: `no symbol '${name}' in ${file.path}` };
    return { vaddr: sym.value, size: Number(sym.size), relocatable: file.elf.header.type === ET_DYN };
  } catch (e) {
    return failure(e);
  }
}

/** A path as the kernel should open it (relative to scry's directory, not the kernel's idea of one). */
function resolvePath(target: string): string {
  return target.includes('/') ? resolve(target) : target;
}

/** A target that exists but is not an ELF file. */
function isFlatFile(target: string, pid: number | undefined): boolean {
  try {
    openTarget(target, pid !== undefined ? { pid } : {});
    return false;
  } catch (e) {
    const cause = (e as Error).cause;
    return cause instanceof ElfError && cause.reason === 'not-elf';
  }
}

function hasFunction(file: ReturnType<typeof openTarget>, name: string): boolean {
  return targetSymbols(file).lookup(name) !== undefined;
}

function noFiles(target: string, pid: number | undefined): UserProbeError {
  if (pid === undefined && !target.includes('/'))
    return { error: `'${target}' names no file: a wildcard target without a path needs -p PID`, hints: [] };
  return { error: `no file matches ${target}` };
}

function argument(a: UsdtArg): UsdtArgument {
  const l = a.location;
  const operand =
    l.kind === 'reg'
      ? { kind: 'reg' as const, reg: l.reg.offset }
      : l.kind === 'imm'
        ? { kind: 'imm' as const, value: l.value }
        : {
            kind: 'mem' as const,
            offset: l.offset,
            ...(l.base ? { base: l.base.offset } : {}),
            ...(l.index ? { index: l.index.offset, scale: l.scale ?? 1 } : {}),
          };
  return { size: a.size, signed: a.signed, operand, text: a.text };
}

export function usdtSites(
  target: string,
  provider: string | undefined,
  name: string,
  pid?: number,
): readonly UsdtSite[] | UserProbeError {
  try {
    const targets = expandTargets(target, pid);
    if (!targets.length) return noFiles(target, pid);
    const many = targets.length > 1 || targets[0] !== target;
    // in an expanded target, a file without the probe is no error: another file may have it
    const wanted = many && !/[*?]/.test(`${provider ?? ''}${name}`) ? `${name}*` : name;
    const sites = targets.flatMap((t) => usdtSitesIn(t, provider, many ? wanted : name, pid, name));
    if (many && !sites.length)
      return {
        error: `no USDT probe ${provider ? `${provider}:` : ''}${name} in the files matching ${target || '*'}`,
        missing: true,
      };
    return sites;
  } catch (e) {
    return failure(e);
  }
}

function usdtSitesIn(
  target: string,
  provider: string | undefined,
  pattern: string,
  pid: number | undefined,
  name: string,
): UsdtSite[] {
  {
    const file = openTarget(target, pid !== undefined ? { pid } : {});
    const shown = target.includes('/') ? target : file.path;
    return resolveUsdt(file, provider, pattern)
      .filter((u) => pattern === name || u.name === name)
      .map((u) => {
        // sym(%rip): where the process loaded the symbol is the probe's own address (regs->ip when the uprobe
        // fires) plus the symbol's distance from it in the file, whatever the load bias
        let symbolic: UsdtArg | undefined;
        const args = u.args?.map((a): UsdtArgument => {
          const l = a.location;
          if (l.kind !== 'mem' || l.symbol === undefined) return argument(a);
          const sym = targetSymbols(file).lookup(l.symbol, { anyType: true });
          if (!sym) {
            symbolic = a;
            return argument(a);
          }
          return {
            size: a.size,
            signed: a.signed,
            text: a.text,
            operand: {
              kind: 'mem',
              base: PT_REGS_X86_64.rip!,
              offset: sym.value + l.offset - u.pc,
              ...(l.index ? { index: l.index.offset, scale: l.scale ?? 1 } : {}),
            },
          };
        });
        return {
          path: file.path,
          shown,
          provider: u.provider,
          name: u.name,
          offset: u.offset,
          ...(u.semaphoreOffset !== undefined && u.semaphore !== 0n ? { semaphoreOffset: u.semaphoreOffset } : {}),
          ...(args && !symbolic ? { args } : {}),
          ...(symbolic
            ? { argsError: `argument ${symbolic.text} names a symbol ${file.path} does not define` }
            : u.argsError
              ? { argsError: u.argsError }
              : {}),
        };
      });
  }
}

/**
 * A function's parameters typed from the DWARF of `path` (a resolved uprobe site's file) or of its debug file, for
 * uprobe `args`; undefined where there is none (the checker says so where `args` is used). Split units whose .dwo
 * or .dwp was not found come back as warnings, with or without types.
 */
export function userFunctionTypes(
  path: string,
  func: string | undefined,
  typeNames: readonly string[] = [],
): UserFunctionTypes | undefined {
  try {
    const dwarf = targetDwarf(openTarget(path));
    const got = dwarf?.functionTypes(func, typeNames);
    const warnings = dwarf?.splitWarnings(path) ?? [];
    return warnings.length ? { ...(got ?? { types: [], variadic: false }), warnings } : got;
  } catch (e) {
    if (e instanceof ElfError || e instanceof NoMatchError || e instanceof ScryRuntimeError) return undefined;
    throw e;
  }
}
