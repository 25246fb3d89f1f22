// `scry btf dump [--format c] [TYPE…] [--file PATH] [--base PATH]`: kernel types as a C header (a vmlinux.h),
// laid out as `bpftool btf dump file … format c` lays it out. Module BTF (/sys/kernel/btf/<module>) is split
// BTF: it is read on top of vmlinux's, and, as with bpftool, the header holds vmlinux's types and the module's.
import { stderr, stdout } from './stdio.ts';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { cHeader, closest, type BtfTypes } from '../lang/index.ts';
import { parseBtf, vmlinuxBtf } from '../runtime/index.ts';

const SYSFS_BTF = '/sys/kernel/btf';

export const btfUsage = `USAGE:
    scry btf dump [--format c] [TYPE…] [--file PATH] [--base PATH]

    Prints kernel types (BTF) as a C header: the whole of vmlinux, as bpftool btf dump … format c
    does, or only the TYPEs named ('task_struct', 'struct file', 'pid_t') and what they need to compile.
    --file PATH    read BTF from PATH (default /sys/kernel/btf/vmlinux); a module's, such as
                   /sys/kernel/btf/MODULE, is read on top of vmlinux's
    --base PATH    the BTF a split BTF file builds on (default: vmlinux's for /sys/kernel/btf/MODULE)
`;

interface DumpArgs {
  readonly types: string[];
  file: string;
  base?: string;
}

type Parsed = { ok: true; args: DumpArgs } | { ok: false; exit: number; message?: string; hint?: string };

/** Runs `scry btf …` (argv after `btf`); returns the exit code. */
export function btfCommand(argv: readonly string[]): number {
  const parsed = parseDumpArgs(argv);
  if (!parsed.ok) {
    if (parsed.message === undefined) stdout.write(btfUsage);
    else stderr.write(`ERROR: ${parsed.message}\n${parsed.hint ? `HINT: ${parsed.hint}\n` : ''}`);
    return parsed.exit;
  }
  const { args } = parsed;
  const btf = readTypes(args);
  if (typeof btf === 'string') {
    stderr.write(`ERROR: ${btf}\n`);
    return 1;
  }
  const roots: number[] = [];
  for (const name of args.types) {
    const id = lookupType(btf, name);
    if (id === undefined) {
      const names = typeNames(btf);
      const near = names.get(closest(name.replace(/^(struct|union|enum)\s+/, ''), names.keys()) ?? '');
      stderr.write(
        `ERROR: no type '${name}' in ${args.file}\n` +
          (near ? `HINT: did you mean '${near}'?\n` : `HINT: name a struct, union, enum or typedef: 'struct file'\n`),
      );
      return 1;
    }
    roots.push(id);
  }
  const header = cHeader(btf, roots.length > 0 ? { roots } : {});
  for (const w of header.warnings) stderr.write(`WARNING: ${w}\n`);
  stdout.write(header.text);
  return 0;
}

function parseDumpArgs(argv: readonly string[]): Parsed {
  const usageHint = 'scry btf dump [--format c] [TYPE…] [--file PATH] (scry btf --help)';
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') return { ok: false, exit: 0 };
  if (argv[0] !== 'dump')
    return {
      ok: false,
      exit: 1,
      message: `unknown btf command '${argv[0]}': the one there is is dump`,
      hint: usageHint,
    };
  const args: DumpArgs = { types: [], file: `${SYSFS_BTF}/vmlinux` };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    if (flag === '--help' || flag === '-h') return { ok: false, exit: 0 };
    if (flag === '--format' || flag === '--file' || flag === '--base') {
      const v = value();
      if (v === undefined || v === '') return { ok: false, exit: 1, message: `${flag} needs a value`, hint: usageHint };
      if (flag === '--format') {
        if (v !== 'c')
          return {
            ok: false,
            exit: 1,
            message: `--format ${v} is not supported: scry btf dump writes C (--format c)`,
            hint: 'for the raw type list: bpftool btf dump file /sys/kernel/btf/vmlinux',
          };
      } else if (flag === '--file') args.file = v;
      else args.base = v;
    } else if (a.startsWith('-') && a !== '-') {
      return { ok: false, exit: 1, message: `unknown option '${a}' for scry btf dump`, hint: usageHint };
    } else {
      args.types.push(a);
    }
  }
  return { ok: true, args };
}

/** The BTF to dump: the running kernel's (cached), a file, or a split file on its base. A message on failure. */
function readTypes(args: DumpArgs): BtfTypes | string {
  const vmlinuxPath = `${SYSFS_BTF}/vmlinux`;
  try {
    if (args.file === vmlinuxPath && args.base === undefined) {
      return vmlinuxBtf() ?? `${vmlinuxPath} does not exist: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF, 5.4+)`;
    }
    let base: ReturnType<typeof parseBtf> | undefined;
    if (args.base !== undefined) base = parseBtf(readFileSync(args.base), { source: args.base });
    else if (dirname(args.file) === SYSFS_BTF && basename(args.file) !== 'vmlinux') {
      // module BTF is split BTF on vmlinux's (kernel 5.11+, CONFIG_DEBUG_INFO_BTF_MODULES)
      base = vmlinuxBtf();
      if (base === undefined) return `${args.file} is split BTF on ${vmlinuxPath}, which does not exist`;
    }
    const data = readFileSync(args.file);
    return parseBtf(data, base === undefined ? { source: args.file } : { source: args.file, base });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      const module = dirname(args.file) === SYSFS_BTF ? ` (is the module loaded? ls ${SYSFS_BTF})` : '';
      return `cannot read ${err.path ?? args.file}: no such file${module}`;
    }
    if (err.code !== undefined) return `cannot read ${err.path ?? args.file}: ${err.code}`;
    // a malformed blob: the reader says where; a split file read without its base fails on its strings
    const split = args.base === undefined && /must start with an empty string/.test(err.message);
    return `${err.message}${split ? ' (for split BTF, give its base with --base PATH)' : ''}`;
  }
}

/** 'struct file', 'file', 'pid_t', 'unsigned int': as C spells a named type. */
function lookupType(btf: BtfTypes, name: string): number | undefined {
  const id = btf.lookup(name);
  return id === 0 ? undefined : id;
}

/** Names of the types one can dump, bare ('file') to as C spells them ('struct file'); the first of a name wins. */
function typeNames(btf: BtfTypes): Map<string, string> {
  const names = new Map<string, string>();
  for (let id = 1; id < btf.typeCount; id++) {
    const k = btf.kind(id);
    if (k !== 'struct' && k !== 'union' && k !== 'enum' && k !== 'typedef') continue;
    const n = btf.name(id);
    if (n !== '' && !names.has(n)) names.set(n, k === 'typedef' ? n : `${k} ${n}`);
  }
  return names;
}
