// fentry/fexit: a kernel function through a BPF trampoline, named by its BTF id; `args` are its typed
// parameters and fexit's retval is the u64 after them. fentry:bpf[:ID]:NAME: a function of a loaded BPF program
// (bpftrace v0.26), named by its FUNC in that program's BTF; no `args` there, as in v0.26.
import type { BtfParam, BtfTypes } from '../btf.ts';
import { closest } from '../suggest.ts';
import { globRegExp, isGlob } from '../glob.ts';
import { fail, type ProviderRow, type ResolveRequest, type ResolvedBase } from './row.ts';

export interface ResolvedFentry extends ResolvedBase {
  readonly provider: 'fentry' | 'fexit';
  readonly func: string;
  readonly module?: string;
  /** the function's BTF FUNC id (attach_btf_id) */
  readonly btfId: number;
  readonly params: readonly BtfParam[];
  /**
   * the context's u64 slot each parameter starts at, and after them fexit's return value: a struct passed by value
   * in 9-16 bytes takes two slots (the trampoline saves both registers, Linux 6.1), anything else one
   */
  readonly slots: readonly number[];
  /** absent for a BPF program's function: the kernel chooses how many arguments its trampoline saves */
  readonly retSlot?: number;
  /** the return type's BTF id (vmlinux's or the module's); absent for a BPF program's function */
  readonly ret?: number;
  /** fentry:bpf: the id of the loaded program whose function this is (btfId is in that program's BTF) */
  readonly bpfProgram?: number;
}

/** Where each parameter starts among the trampoline's saved u64s, and where the return value goes after them. */
function argumentSlots(btf: BtfTypes, params: readonly BtfParam[]): { slots: number[]; retSlot: number } {
  const slots: number[] = [];
  let next = 0;
  for (const p of params) {
    slots.push(next);
    next += Math.max(1, Math.ceil((btf.sizeOf(p.type) ?? 8) / 8));
  }
  return { slots, retSlot: next };
}

function fentryRow(name: 'fentry' | 'fexit'): ProviderRow<ResolvedFentry> {
  return {
    name,
    aliases: name === 'fentry' ? ['f', 'kfunc'] : ['fr', 'kretfunc'],
    usage: `${name}:function or ${name}:bpf[:program id]:function`,
    reads:
      name === 'fentry'
        ? { argN: 'ctx', func: 'func_ip', dPath: true, kfuncs: true, currentTask: true, memory: 'kernel' }
        : {
            argN: 'ctx',
            retval: 'ctx',
            func: 'func_ip',
            dPath: true,
            kfuncs: true,
            currentTask: true,
            memory: 'kernel',
          },
    context: (a) => ({
      params: a.params,
      paramSlots: a.slots,
      // a BPF program's function: the kernel decides where the return value goes (codegen asks it)
      ...(name === 'fexit' && a.retSlot !== undefined ? { retSlot: a.retSlot, retType: a.ret } : {}),
      ...(a.module ? { btfModule: a.module } : {}),
      ...(a.bpfProgram !== undefined
        ? { argsRefused: `The args builtin cannot be used for '${name}:bpf' probes` }
        : {}),
    }),
    resolve: (r) => resolveFentry(r, name),
  };
}

export const fentry = fentryRow('fentry');
export const fexit = fentryRow('fexit');

function resolveFentry(r: ResolveRequest, name: 'fentry' | 'fexit'): ResolvedFentry[] {
  const { ap, kernel } = r;
  if (ap.parts[0] === 'bpf') return resolveProgramFunction(r, name);
  if (ap.parts.length < 1 || ap.parts.length > 2 || !ap.parts[ap.parts.length - 1])
    return r.bad(`${name} needs a kernel function`);
  const module = ap.parts.length === 2 ? ap.parts[0] : undefined;
  const func = ap.parts[ap.parts.length - 1]!;
  const btf = kernel.btf();
  if (!btf)
    return fail(r, `${name} probes need kernel type information (BTF), and this kernel has none`, [
      'use kprobe/kretprobe or a tracepoint instead',
    ]);
  const out: ResolvedFentry[] = [];
  // a module wildcard names the kernel's own functions where it matches `vmlinux` (bpftrace v0.26's
  // fentry:vmlinu*:vfs_read); the loaded modules are not listed here, so one that does not is refused plainly
  const moduleGlob = module !== undefined && isGlob(module);
  if (moduleGlob && !globRegExp(module).test('vmlinux'))
    return r.bad(
      `a module wildcard matches the kernel's own functions (vmlinux) only: name the module instead of ${module}`,
    );
  if (isGlob(func) || moduleGlob) {
    // wildcards look in vmlinux, or in the one module named
    const where = module === undefined || module === 'vmlinux' || moduleGlob ? btf : kernel.moduleBtf(module);
    if (!where) return r.missing(`no BTF for module ${module} (is it loaded? see /sys/kernel/btf)`, [], true);
    const mod = module && module !== 'vmlinux' && !moduleGlob ? module : undefined;
    for (const n of where.funcNames(func)) {
      const f = where.funcProto(n)!;
      out.push({
        provider: name,
        func: n,
        ...(mod ? { module: mod } : {}),
        btfId: f.id,
        params: f.params,
        ...argumentSlots(where, f.params),
        ret: f.ret,
        ...r.base,
        // named with the module even where it was left out, as bpftrace v0.26 names it (`probe`, listings)
        text: `${name}:${mod ?? 'vmlinux'}:${n}`,
      });
    }
  } else {
    const found = kernel.functionBtf(func, module);
    const f = found?.btf.funcProto(func);
    if (!found || !f) {
      const guess = closest(func, btf.funcNames(`${func.slice(0, 3)}*`));
      return r.missing(
        `no kernel function ${module ? `${module}:` : ''}${func} in BTF`,
        [guess ? `did you mean '${name}:${guess}'?` : `list them with: scry -l '${name}:*'`],
        false,
      );
    }
    const mod = found.module === 'vmlinux' ? undefined : found.module;
    out.push({
      provider: name,
      func,
      ...(mod ? { module: mod } : {}),
      btfId: f.id,
      params: f.params,
      ...argumentSlots(found.btf, f.params),
      ret: f.ret,
      ...r.base,
      text: `${name}:${mod ?? 'vmlinux'}:${func}`,
    });
  }
  if (!out.length)
    return r.missing(`no kernel function matches ${ap.raw}`, [`list them with: scry -l '${name}:*'`], true);
  return out;
}

/**
 * fentry:bpf:NAME and fentry:bpf:ID:NAME (ID a number or *; NAME may be a wildcard): the functions of the loaded
 * programs, each named with its program's id, as bpftrace v0.26 names them (`fentry:bpf:123:handle_exec`).
 */
function resolveProgramFunction(r: ResolveRequest, name: 'fentry' | 'fexit'): ResolvedFentry[] {
  const parts = r.ap.parts;
  const form = `${name}:bpf:NAME or ${name}:bpf:ID:NAME`;
  if (parts.length < 2 || parts.length > 3 || !parts[parts.length - 1])
    return fail(r, `the 'bpf' variant of ${name} needs a BPF program's function`, [`the form is ${form}`]);
  const idPart = parts.length === 3 ? parts[1]! : '*';
  if (idPart !== '*' && !/^\d+$/.test(idPart))
    return fail(r, `a BPF program id must be a number or '*', not '${idPart}'`, [`the form is ${form}`]);
  const progId = idPart === '*' ? undefined : Number(idPart);
  const func = parts[parts.length - 1]!;
  const all = r.kernel.bpfProgramFunctions?.();
  if (!all) return fail(r, `${name}:bpf probes need the list of loaded BPF programs, which is not available here`);
  const re = globRegExp(func);
  const out: ResolvedFentry[] = all
    .filter((f) => (progId === undefined || f.progId === progId) && re.test(f.name))
    .map((f) => ({
      provider: name,
      func: f.name,
      bpfProgram: f.progId,
      btfId: f.btfId,
      params: [],
      slots: [],
      ...r.base,
      text: `${name}:bpf:${f.progId}:${f.name}`,
    }));
  if (!out.length)
    return r.missing(
      `no loaded BPF program ${progId !== undefined ? `with id ${progId} ` : ''}has a function ${isGlob(func) ? 'matching ' : ''}${func}`,
      [`list them with: scry -l '${name}:bpf:*' (only programs loaded with BTF can be traced)`],
      isGlob(func),
    );
  return out;
}
