// The two small C programs the benchmarks need, compiled once per run (cc -O2) into a temporary folder:
// - `measure CMD ARGS…` runs a command with its stdout on /dev/null and prints its wall time and, from wait4,
//   the user and system CPU and peak RSS of the whole process tree it waited for (Node cannot get a child's rusage);
// - `scrybench MODE N` makes N calls of one kind as fast as it can and prints the time they took, in all and as
//   the median over batches of 1000 calls (per CPU, averaged over the CPUs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MEASURE_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 2; }
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execvp(argv[1], argv + 1);
    perror("execvp");
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 2; }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long wall = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  printf("wall_ns=%lld user_us=%lld sys_us=%lld maxrss_kb=%ld status=%d\n", wall,
         (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
         (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, ru.ru_maxrss,
         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
`;

// CPU time (CLOCK_PROCESS_CPUTIME_ID) counts the BPF program, which runs in the calling task, and not the time
// other work on the machine takes the CPU away: steadier than wall time on a shared 2-core machine.
// Calls are made in batches of 1000, moving to the next allowed CPU before each batch: a tracer's cost can
// differ by CPU (a perf tracepoint event lives on one CPU, where a program that returns 1 also has the kernel
// write a perf sample), and the scheduler's choice of CPU would otherwise pick the figure.
const SCRYBENCH_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#define BATCH 1000
__attribute__((noinline)) long scrybench_fn(long i) { __asm__ volatile("" ::: "memory"); return i + 1; }
static long long ns(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static int cmp(const void *a, const void *b) { long long x = *(const long long *)a, y = *(const long long *)b; return x < y ? -1 : x > y; }
int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: scrybench getppid|getpid|open|close|fn N\n"); return 2; }
  const char *mode = argv[1];
  long n = atol(argv[2]), acc = 0;
  int m = !strcmp(mode, "getppid") ? 0 : !strcmp(mode, "getpid") ? 1 : !strcmp(mode, "open") ? 2 : !strcmp(mode, "close") ? 3 : !strcmp(mode, "fn") ? 4 : -1;
  if (m < 0) { fprintf(stderr, "scrybench: unknown mode %s\n", mode); return 2; }
  cpu_set_t allowed;
  int cpus[CPU_SETSIZE], ncpu = 0;
  if (sched_getaffinity(0, sizeof allowed, &allowed)) { perror("sched_getaffinity"); return 2; }
  for (int c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &allowed)) cpus[ncpu++] = c;
  // full batches only in the per-CPU figures (a short last one would weigh like a full one)
  long full = n / BATCH;
  long long *batch = malloc((full + 1) * sizeof *batch);
  long long c0 = ns(CLOCK_PROCESS_CPUTIME_ID), w0 = ns(CLOCK_MONOTONIC);
  for (long b = 0, i = 0; i < n; b++) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus[b % ncpu], &one);
    sched_setaffinity(0, sizeof one, &one);
    long end = i + BATCH < n ? i + BATCH : n;
    long long t0 = ns(CLOCK_THREAD_CPUTIME_ID);
    for (; i < end; i++)
      switch (m) {
      case 0: syscall(SYS_getppid); break;
      case 1: syscall(SYS_getpid); break;
      case 2: syscall(SYS_openat, AT_FDCWD, "/nonexistent-scrybench/file", O_RDONLY); break;
      case 3: syscall(SYS_close, (1 << 20) + i); break; /* EBADF, one key per call */
      default: acc += scrybench_fn(i);
      }
    batch[b] = ns(CLOCK_THREAD_CPUTIME_ID) - t0;
  }
  long long c1 = ns(CLOCK_PROCESS_CPUTIME_ID), w1 = ns(CLOCK_MONOTONIC);
  // per CPU, the median batch (what a call costs there while no burst stretches it); then their mean
  double sum = 0;
  int used = 0;
  if (full == 0) { sum = (double)batch[0] / n; used = 1; }
  for (int c = 0; c < ncpu && full > 0; c++) {
    long k = 0;
    long long *mine = malloc((full / ncpu + 1) * sizeof *mine);
    for (long b = c; b < full; b += ncpu) mine[k++] = batch[b];
    if (k) { qsort(mine, k, sizeof *mine, cmp); sum += (double)mine[k / 2] / BATCH; used++; }
    free(mine);
  }
  printf("cpu_ns=%lld wall_ns=%lld end_ns=%lld batch_median_ps=%lld acc=%ld\n", c1 - c0, w1 - w0, w1,
         (long long)(sum / used * 1000), acc);
  return 0;
}
`;

export interface Native {
  dir: string;
  /** the rusage wrapper */
  measure: string;
  /** the loop program (its comm is "scrybench") */
  scrybench: string;
  dispose(): void;
}

export function buildNative(): Native {
  const dir = mkdtempSync(join(tmpdir(), 'scry-bench-'));
  const build = (name: string, src: string) => {
    writeFileSync(join(dir, `${name}.c`), src);
    execFileSync('cc', ['-O2', '-o', join(dir, name), join(dir, `${name}.c`)]);
    return join(dir, name);
  };
  return {
    dir,
    measure: build('measure', MEASURE_C),
    scrybench: build('scrybench', SCRYBENCH_C),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
