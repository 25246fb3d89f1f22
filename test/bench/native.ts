// The two small C programs the benchmarks need, compiled once per run (cc -O2) into a temporary folder:
// - `measure CMD ARGS…` runs a command with its stdout on /dev/null and prints its wall time and, from wait4,
//   the user and system CPU and peak RSS of the whole process tree it waited for (Node cannot get a child's rusage);
// - `scrybench MODE N` makes N calls of one kind as fast as it can and prints the time they took.
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
const SCRYBENCH_C = String.raw`
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
__attribute__((noinline)) long scrybench_fn(long i) { __asm__ volatile("" ::: "memory"); return i + 1; }
static long long ns(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: scrybench getppid|getpid|open|close|fn N\n"); return 2; }
  const char *mode = argv[1];
  long n = atol(argv[2]), acc = 0;
  long long c0 = ns(CLOCK_PROCESS_CPUTIME_ID), w0 = ns(CLOCK_MONOTONIC);
  if (!strcmp(mode, "getppid")) for (long i = 0; i < n; i++) syscall(SYS_getppid);
  else if (!strcmp(mode, "getpid")) for (long i = 0; i < n; i++) syscall(SYS_getpid);
  else if (!strcmp(mode, "open")) for (long i = 0; i < n; i++) syscall(SYS_openat, AT_FDCWD, "/nonexistent-scrybench/file", O_RDONLY);
  else if (!strcmp(mode, "close")) for (long i = 0; i < n; i++) syscall(SYS_close, (1 << 20) + i); /* EBADF, one key per call */
  else if (!strcmp(mode, "fn")) for (long i = 0; i < n; i++) acc += scrybench_fn(i);
  else { fprintf(stderr, "scrybench: unknown mode %s\n", mode); return 2; }
  long long c1 = ns(CLOCK_PROCESS_CPUTIME_ID), w1 = ns(CLOCK_MONOTONIC);
  printf("cpu_ns=%lld wall_ns=%lld end_ns=%lld acc=%ld\n", c1 - c0, w1 - w0, w1, acc);
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
