// What one probe type is to the runtime: the check that refuses, before anything is loaded, what this
// kernel cannot attach; attaching a loaded program (each attachment knows how to undo itself); and the
// names `scry -l`, `.probes` and completion list, with whether this kernel attaches them.
// The table is ./index.ts; the session and the listing look a row up, never switch on a provider.
import type { Attachment } from '../attach/types.ts';
import type { InfoItem, InfoProbes } from './feature-check.ts';
import type { LoadedProgram } from '../loader.ts';

/** What attaching may need beyond the probe: the -p process and the -c command's pid. */
export interface AttachContext {
  /** -p PID: user probes are placed in this process */
  readonly pid?: number;
  /** the -c command's pid (watchpoints on user addresses follow it when there is no -p) */
  readonly cpid?: number;
}

/** One family of names for -l: what a provider can attach to here. */
export interface Lister {
  readonly provider: string;
  /** what the summary calls a name group: kprobe and kretprobe are both "kprobe/kretprobe functions" */
  readonly family: string;
  /** why no probe of this provider attaches here (a clause), or undefined when they do: the feature check */
  refusal(): string | undefined;
  /** every name, without the provider prefix; the listing sorts and caches them (by this function) */
  names(): readonly string[];
  /**
   * the names with `literal` in them (and perhaps others: the listing matches each), found without making every
   * name, for a pattern with a plain part
   */
  namesWith?(literal: string): readonly string[];
  /** -v: the lines under one name (its arguments) */
  details?(name: string): string[];
  /**
   * the module the names are in, listed as PROVIDER:MODULE:NAME (fentry:vmlinux:vfs_read, as bpftrace v0.26 lists
   * what it finds in BTF); a pattern's middle part (fentry:vmlinu*:vfs_*) must match it
   */
  readonly module?: string;
  /** listed only for a pattern whose middle part is `module` itself (fentry:bpf:*), never for PROVIDER:* or `*` */
  readonly onlyNamingModule?: true;
  /** the names change while scry runs (the loaded BPF programs): read afresh for each listing, never cached */
  readonly live?: true;
  /**
   * a module's functions are named `module:name` (kprobes): a PROVIDER:NAME pattern matches and lists the function's
   * own name, as bpftrace v0.26 lists kprobe:ovl_mkdir; PROVIDER:MODULE:NAME the module (vmlinux for the kernel's
   * own functions) and the name, listed with the module
   */
  readonly moduleNames?: true;
}

export interface RuntimeProviderRow<A> {
  /** throws a ScryRuntimeError (with what works instead) when this kernel cannot attach `a`; runs before loading */
  require?(a: A): void;
  /**
   * the kernel runs this provider's programs on one probe newest first (a uprobe's consumers): they attach
   * last-first, so they fire in program order as bpftrace's do
   */
  readonly newestFirst?: true;
  /** attaches a loaded program; [] for programs run on demand (BEGIN, END) */
  attach(p: LoadedProgram, a: A, ctx: AttachContext): Attachment[];
  /** the names -l lists for this provider, in listing order */
  readonly listers?: readonly Lister[];
  /** its line under `scry --info`'s "Probe types" (a row may speak for related providers: fentry/fexit) */
  info?(probes: InfoProbes): InfoItem;
  /**
   * providers whose names are per binary: `provider:<path>:<name>` lines for -l PROVIDER:BINARY:PATTERN (-v: details);
   * `warn` takes what the listing should say on stderr (a file without DWARF under -v)
   */
  listBinary?(
    provider: string,
    binary: string,
    pattern: string,
    verbose: boolean,
    pid: number | undefined,
    warn: (message: string) => void,
  ): string[];
}
