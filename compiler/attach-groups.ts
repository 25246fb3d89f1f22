// One program for many functions: a uprobe wildcard whose code is the same on every function it matches
// (it reads no `func`, a constant of each; `probe` it reads from each attachment's cookie) compiles once, the
// other functions listed in ProgramSpec.alsoAttach (with their cookies), so the runtime can attach it with one
// uprobe_multi link as bpftrace v0.26 does.
// "The same" is measured, not guessed: the next function's program is generated and compared, bytes and
// relocations (its events are then the first one's: defineEvent keeps one id per schema); when it differs, every
// function keeps its own program.
import type { CheckedProbe, ResolvedAttach } from '../lang/index.ts';
import type { Shared } from './codegen/context.ts';
import { dropEventsFrom } from './codegen/events.ts';
import { generateProbe } from './codegen/program.ts';
import type { ProgramSpec } from './program.ts';

/** Functions of one file matched by one written uprobe point: what one uprobe_multi link can cover. */
function groupKey(a: ResolvedAttach): string | undefined {
  if (a.provider !== 'uprobe' && a.provider !== 'uretprobe') return undefined;
  return `${a.span.start}:${a.provider}:${a.path}`;
}

/** The probe's programs, numbered from `first`: one per attach point, or one per group of identical ones. */
export function generateProbePrograms(shared: Shared, probe: CheckedProbe, first: number, pid?: number): ProgramSpec[] {
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
      const candidate = generateProbe(shared, probe, attach, first + out.length, pid);
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
    out.push(generateProbe(shared, probe, attach, first + out.length, pid));
    if (key !== undefined && !group) group = { at: out.length - 1, key, also: [], cookies: [], same: true };
  }
  close();
  return out;
}

function sameProgram(a: ProgramSpec, b: ProgramSpec): boolean {
  return (
    a.progType === b.progType &&
    Buffer.from(a.bytecode).equals(Buffer.from(b.bytecode)) &&
    JSON.stringify(a.relocations) === JSON.stringify(b.relocations) &&
    a.btf === undefined &&
    b.btf === undefined
  );
}
