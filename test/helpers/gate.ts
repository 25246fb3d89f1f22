// uvu has no in-test skip: kernel-dependent suites are registered only when the machine allows, saying why not.
import { accessSync, constants } from 'node:fs';

export function canLoadBpf(suite: string): boolean {
  if (process.getuid?.() !== 0) {
    process.stderr.write(`SKIP ${suite}: needs root (or CAP_BPF + CAP_PERFMON) to load BPF programs\n`);
    return false;
  }
  try {
    accessSync('/sys/devices/system/cpu/possible', constants.R_OK);
  } catch {
    process.stderr.write(`SKIP ${suite}: /sys is not readable here\n`);
    return false;
  }
  return true;
}
