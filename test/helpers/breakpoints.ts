// Whether hardware breakpoints fire on this machine. Some hypervisors give the guest a breakpoint PMU whose
// events open and enable but never count (the debug registers are not passed through): bpftrace 0.17 attaches
// there too and never sees a hit. A C program opens a write breakpoint on its own variable, writes it ten times
// and prints the count; watchpoint tests run only where that count is 10.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const source = `
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
volatile long target;
int main(void) {
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.type = PERF_TYPE_BREAKPOINT;
  a.size = sizeof a;
  a.bp_type = HW_BREAKPOINT_W;
  a.bp_addr = (unsigned long)&target;
  a.bp_len = HW_BREAKPOINT_LEN_8;
  a.exclude_kernel = 1;
  a.exclude_hv = 1;
  int fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
  if (fd < 0) { perror("perf_event_open"); return 2; }
  for (int i = 0; i < 10; i++) target++;
  long long n = 0;
  if (read(fd, &n, sizeof n) != sizeof n) { perror("read"); return 2; }
  printf("%lld\\n", n);
  return 0;
}
`;

let answer: true | string | undefined;

/** true when a write breakpoint on a variable counts its writes; otherwise the reason, for a SKIP line. */
export function breakpointsFire(): true | string {
  if (answer !== undefined) return answer;
  const dir = mkdtempSync(join(tmpdir(), 'scry-bp-'));
  try {
    writeFileSync(join(dir, 'bp.c'), source);
    const bin = join(dir, 'bp');
    const cc = spawnSync('gcc', ['-O1', '-o', bin, join(dir, 'bp.c')], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) return (answer = `gcc: ${cc.error?.message ?? cc.stderr.trim()}`);
    const r = spawnSync(bin, { encoding: 'utf8' });
    if (r.status !== 0) return (answer = `breakpoint check: ${r.stderr.trim() || `exit ${r.status}`}`);
    const n = Number(r.stdout.trim());
    answer =
      n === 10
        ? true
        : `hardware breakpoints do not fire on this machine (a write breakpoint counted ${n} of 10 writes; the hypervisor does not pass the debug registers through)`;
    return answer;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
