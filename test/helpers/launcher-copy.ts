// A copy of the launcher and the bundle in a directory of their own, so that a test or the bench can make and
// remove the caches beside the bundle without touching the checkout's dist/ (other runs write its caches
// meanwhile). The checkout's built addon is reached through a `build` link, as bin/scry.cjs looks for it.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scryBin } from './cli.ts';

export interface LauncherCopy {
  /** the copy's bin/scry.cjs */
  readonly bin: string;
  /** the copy's dist/ */
  readonly dist: string;
  /** the copy's dist/scry.cjs */
  readonly bundle: string;
  /** removes the copy */
  readonly remove: () => void;
}

/** A copy of `bin` (a checkout's bin/scry.cjs; this one's by default) and its checkout's dist/scry.cjs. */
export function launcherCopy(prefix: string, bin = scryBin): LauncherCopy {
  const checkout = join(dirname(bin), '..');
  const root = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist'));
  copyFileSync(bin, join(root, 'bin', 'scry.cjs'));
  copyFileSync(join(checkout, 'dist', 'scry.cjs'), join(root, 'dist', 'scry.cjs'));
  symlinkSync(join(checkout, 'build'), join(root, 'build'));
  return {
    bin: join(root, 'bin', 'scry.cjs'),
    dist: join(root, 'dist'),
    bundle: join(root, 'dist', 'scry.cjs'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
