// One program for many functions: a uprobe wildcard whose code is the same on every function it matches
// (it reads no `func`, a constant of each; `probe` it reads from each attachment's cookie) compiles once, the
// other functions listed in ProgramSpec.alsoAttach (with their cookies), so the runtime can attach it with one
// uprobe_multi link as bpftrace v0.26 does.
// "The same" is measured, not guessed: the next function's program is made and compared, bytes and relocations
// (its events are then the first one's: defineEvent keeps one id per schema); when it differs, every function
// keeps its own program.
// Any probe's attach points, whatever the provider, share generated code where they can (codeSource): the next
// point takes an earlier point's code when it holds the same values wherever that generation read its point.
import type { CheckedProbe, ResolvedAttach } from '../lang/index.ts';
import type { Shared } from './codegen/context.ts';
import { dropEventsFrom } from './codegen/events.ts';
import { generateCode, programFor, type ProbeCode } from './codegen/program.ts';
import { sameReads, type PointRead } from './codegen/point-reads.ts';
import type { ProgramSpec } from './program.ts';

/** Functions of one file matched by one written uprobe point: what one uprobe_multi link can cover. */
function groupKey(a: ResolvedAttach): string | undefined {
  if (a.provider !== 'uprobe' && a.provider !== 'uretprobe') return undefined;
  return `${a.span.start}:${a.provider}:${a.path}`;
}

/** The probe's programs, numbered from `first`: one per attach point, or one per group of identical ones. */
export function generateProbePrograms(shared: Shared, probe: CheckedProbe, first: number, pid?: number): ProgramSpec[] {
  const codeFor = codeSource(shared, probe, pid);
  const programOf = (attach: ResolvedAttach, index: number) => programFor(shared, codeFor(attach), attach, index);
  const out: ProgramSpec[] = [];
  let group: { at: number; key: string; also: ResolvedAttach[]; cookies: bigint[]; same: boolean } | undefined;
  const close = () => {
    if (!group?.also.length) return;
    const cookies = group.cookies.length === group.also.length ? { alsoAttachCookies: group.cookies } : {};
    out[group.at] = { ...out[group.at]!, alsoAttach: group.also, ...cookies };
  };
  for (const attach of probe.attach) {
    const key = groupKey(attach);
    if (key === undefined || group?.key !== key) {
      close();
      group = undefined;
    }
    if (group?.same) {
      const events = shared.events.length;
      const diagnostics = shared.diagnostics.length;
      const candidate = programOf(attach, first + out.length);
      if (sameProgram(out[group.at]!, candidate)) {
        // the same code, so the same events (defineEvent gave the first program's ids): nothing of its own to keep
        dropEventsFrom(shared, events);
        shared.diagnostics.length = diagnostics;
        group.also.push(attach);
        if (candidate.attachCookie !== undefined) group.cookies.push(candidate.attachCookie);
        continue;
      }
      group.same = false; // it differs for one function: it does for all, compare no more
      out.push(candidate);
      continue;
    }
    out.push(programOf(attach, first + out.length));
    if (key !== undefined && !group) group = { at: out.length - 1, key, also: [], cookies: [], same: true };
  }
  close();
  return out;
}

/**
 * Where a probe has several attach points, the code of each: generated for the first, and for any other whose
 * values differ where an earlier generation read its point (point-reads.ts); taken as it is otherwise. The last
 * few codes are kept, so a probe whose every point differs compares each with a handful, not with all.
 */
function codeSource(shared: Shared, probe: CheckedProbe, pid: number | undefined): (a: ResolvedAttach) => ProbeCode {
  // --emit-elf records each access to a kernel type it cannot relocate as the code is generated
  if (probe.attach.length < 2 || shared.core || shared.eachPointGenerated)
    return (a) => generateCode(shared, probe, a, pid);
  const known: { code: ProbeCode; reads: readonly PointRead[] }[] = [];
  return (a) => {
    const context = shared.checked.contexts.get(a)!;
    const same = known.find((k) => sameReads(k.reads, a, context));
    if (same) return same.code;
    const reads: PointRead[] = [];
    const code = generateCode(shared, probe, a, pid, reads);
    known.unshift({ code, reads });
    if (known.length > KEPT_CODES) known.pop();
    return code;
  };
}

const KEPT_CODES = 4;

function sameProgram(a: ProgramSpec, b: ProgramSpec): boolean {
  return (
    a.progType === b.progType &&
    Buffer.from(a.bytecode).equals(Buffer.from(b.bytecode)) &&
    JSON.stringify(a.relocations) === JSON.stringify(b.relocations) &&
    // no subprograms (a main function's BTF only names it: the first function's name serves the group)
    (a.funcInfo?.length ?? 0) <= 1 &&
    (b.funcInfo?.length ?? 0) <= 1
  );
}
