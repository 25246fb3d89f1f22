// -c CMD: the command line split into words (no shell runs it: runtime/process.ts execs the words directly).
/**
 * Words as bpftrace v0.26 splits a -c command: at spaces only, quotes and backslashes kept as written
 * (`-c "echo 'A'"` passes `'A'` with its quotes, as bpftrace does). A command that needs a shell names one.
 */
export function splitCommand(s: string): string[] {
  return s.split(' ').filter((word) => word !== '');
}
