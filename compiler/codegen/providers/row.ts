// What one probe type is to the code generator: the program type it loads as, what a tracing program
// attaches to, the stem of its kernel-side name, whether -p filters it in code, and code it runs first.
// The table is ./index.ts; program.ts looks a row up, never switches on a provider.
import type { Insn } from '../../asm/index.ts';
import type { CookieCarrier, ProgType, ProgramSpec } from '../../program.ts';

export interface CompilerProviderRow<A> {
  progType(a: A): ProgType;
  /** tracing programs: expected_attach_type and the BTF id of the target */
  tracing?(a: A): ProgramSpec['tracing'];
  /** the program name after its index: the event, the function, … (cleaned and cut to 15 characters later) */
  nameStem(a: A): string;
  /**
   * -p PID: probes that fire in any process test the pid in code. uprobes, USDT and watchpoints are placed in
   * that process when they attach; interval timers, BEGIN/END and iterators are not about a process at all
   * (bpftrace v0.26 filters the same set; profile and software/hardware events it opens on the pid instead).
   */
  readonly pidFilter: boolean;
  /**
   * the program keeps running after exit() (no check of the exit flag): an iterator's walk runs whole, as
   * bpftrace v0.26's does (its output is the iterator's seq file, which exit() does not cut)
   */
  readonly runsPastExit?: boolean;
  /** the program's section in an object file (--emit-elf), named as libbpf's section table types programs */
  elfSection(a: A): string;
  /** what carries a cookie the program reads with bpf_get_attach_cookie (Gen.cookie) to the attachment */
  attachCookie?(a: A): CookieCarrier;
  /** code after the context is saved in r6 and the pid test, before the predicate; `exit` ends the program quietly */
  prologue?(a: A, exit: string): Insn[];
  /**
   * the program runs once in a run (BEGIN, END) or when scry is signalled (self): it is not optimized, as
   * optimizing it costs more CPU than it could save (the optimizer's run is ~1 ms of a start), unless it has a
   * loop the verifier must walk step by step (program.ts)
   */
  readonly runsOnce?: true;
}
