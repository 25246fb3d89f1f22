// The checker's view of user-space targets (KernelInfo.userProbeSites / usdtSites): ELF files found and read
// by runtime/kernel/elf, failures turned into messages with hints.
import type { UserProbeError, UserProbeSite, UsdtArgument, UsdtSite } from '../../lang/index.ts';
import { ScryRuntimeError } from '../errors.ts';
import {
  listUprobeFunctions,
  openTarget,
  resolveUprobe,
  resolveUsdt,
  targetSymbols,
  PT_REGS_X86_64,
  type UsdtArg,
} from './elf/index.ts';

function failure(e: unknown): UserProbeError {
  if (e instanceof ScryRuntimeError) return { error: e.message, hints: e.hints };
  return { error: (e as Error).message };
}

export function userProbeSites(target: string, where: string, pid?: number): readonly UserProbeSite[] | UserProbeError {
  try {
    const file = openTarget(target, pid !== undefined ? { pid } : {});
    if (/^0x[0-9a-f]+$/i.test(where)) {
      const loc = resolveUprobe(file, { address: BigInt(where) });
      return [{ path: loc.path, offset: loc.offset, vaddr: loc.vaddr, func: '' }];
    }
    const m = /^([^+]+)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(where);
    if (!m) return { error: `invalid uprobe function '${where}'` };
    const names = /[*?]/.test(m[1]!) ? listUprobeFunctions(file, m[1]!) : [m[1]!];
    if (!names.length)
      return {
        error: `no function in ${file.path} matches ${m[1]}`,
        hints: [`list them with: scry -l 'uprobe:${file.path}:*'`],
      };
    return names.map((func) => {
      const loc = resolveUprobe(file, { func, ...(m[2] ? { funcOffset: BigInt(m[2]) } : {}) });
      return { path: loc.path, offset: loc.offset, vaddr: loc.vaddr, func };
    });
  } catch (e) {
    return failure(e);
  }
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
    const file = openTarget(target, pid !== undefined ? { pid } : {});
    return resolveUsdt(file, provider, name).map((u) => {
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
  } catch (e) {
    return failure(e);
  }
}
