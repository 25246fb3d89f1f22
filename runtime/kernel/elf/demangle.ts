// C++ names in stacks: bpftrace prints `ns::K::go(int)+0` where the symbol table says `_ZN2ns1K2goEi`.
// scry has no demangler of its own yet (an Itanium ABI demangler is a large job); binutils' c++filt does
// it, a batch of names per call. scry runs as root, so c++filt is never looked up in $PATH (a user's
// directory there would run their program as root): only /usr/bin/c++filt, and only when it and every
// directory above it are root's and writable by nobody else. The names come from other users' files: only
// well-formed mangled names are sent, one a line, and c++filt runs as nobody when scry is root, with a
// time limit (libiberty's demangler has had crashes and exponential cases on crafted names).
import { dirname } from 'node:path';

/** Demangles a batch of names; returns them in order (a name it does not understand comes back as is). */
export type Demangler = (names: readonly string[]) => string[];

/** Itanium C++ ABI names (and their clones, `_Z….cold`) start with _Z. */
export function isMangled(name: string): boolean {
  return name.startsWith('_Z');
}

/** The only c++filt scry runs. */
export const CXXFILT_PATH = '/usr/bin/c++filt';

/** Names longer than this stay mangled (real ones run to a few kB), before or after demangling. */
const MAX_MANGLED = 16 * 1024;
const MAX_DEMANGLED = 64 * 1024;
/** What a well-formed mangled name is made of: no spaces or line breaks that would split a batch. */
const MANGLED = /^_Z[A-Za-z0-9_.$]+$/;
/** A batch that takes longer than this is left mangled (c++filt does thousands of names in milliseconds). */
const TIMEOUT_MS = 2000;
const NOBODY = 65534;

/**
 * Why a program file may not be run as root, or undefined when it may: it (after links) and every
 * directory above it must be root's and not writable by group or others.
 */
export function untrustedProgram(path: string): string | undefined {
  const { lstatSync, realpathSync, statSync } = process.getBuiltinModule('node:fs');
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    return `${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
  // the link itself must sit in trusted directories too (its target could be re-pointed otherwise)
  const dirs = new Set<string>();
  for (const start of [dirname(path), dirname(real)])
    for (let d = start; ; d = dirname(d)) {
      dirs.add(d);
      if (d === dirname(d)) break;
    }
  for (const p of [real, ...dirs]) {
    let st;
    try {
      st = p === real ? statSync(p) : lstatSync(p);
    } catch (e) {
      return `${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
    if (p === real && !st.isFile()) return `${p} is not a regular file`;
    if (st.isSymbolicLink()) {
      // a directory reached through a link (e.g. /bin -> usr/bin): only root can change the link in a trusted parent
      if (st.uid !== 0) return `${p} is a link owned by uid ${st.uid}`;
      continue;
    }
    if (st.uid !== 0) return `${p} belongs to uid ${st.uid}, not root`;
    if (st.mode & 0o022) return `${p} may be written by others than root`;
  }
  return undefined;
}

let found: Demangler | null | undefined;

/** A demangler backed by /usr/bin/c++filt, or undefined when it is not installed or not trusted (names then stay mangled). */
export function cxxfilt(): Demangler | undefined {
  if (found !== undefined) return found ?? undefined;
  if (untrustedProgram(CXXFILT_PATH) !== undefined) {
    found = null;
    return undefined;
  }
  const { spawnSync } = process.getBuiltinModule('node:child_process'); // loaded only when needed (start-up)
  const asRoot = process.geteuid?.() === 0;
  let gaveUp = false;
  found = (names) => {
    const sent = gaveUp ? [] : names.filter((n) => n.length <= MAX_MANGLED && MANGLED.test(n));
    if (!sent.length) return [...names];
    const r = spawnSync(CXXFILT_PATH, [], {
      input: `${sent.join('\n')}\n`,
      encoding: 'utf8',
      env: { LC_ALL: 'C' },
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
      // A name that takes c++filt seconds would take them again at every event: names stay mangled from now on.
      gaveUp = true;
      return [...names];
    }
    const out = r.status === 0 && typeof r.stdout === 'string' ? r.stdout.split('\n') : [];
    const plain = new Map<string, string>();
    // substitutions can make a short mangled name expand enormously: such a name stays mangled
    if (out.length > sent.length)
      sent.forEach((n, i) => out[i] && out[i]!.length <= MAX_DEMANGLED && plain.set(n, out[i]!));
    return names.map((n) => plain.get(n) ?? n);
  };
  return found;
}
