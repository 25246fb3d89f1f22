// C++ names in stacks: bpftrace prints `ns::K::go(int)+0` where the symbol table says `_ZN2ns1K2goEi`.
// scry has no demangler of its own yet; binutils' c++filt does the job, a batch of names per call.

/** Demangles a batch of names; returns them in order (a name it does not understand comes back as is). */
export type Demangler = (names: readonly string[]) => string[];

/** Itanium C++ ABI names (and their clones, `_Z….cold`) start with _Z. */
export function isMangled(name: string): boolean {
  return name.startsWith('_Z');
}

let found: Demangler | null | undefined;

/** A demangler backed by c++filt, or undefined when c++filt is not installed (names then stay mangled). */
export function cxxfilt(): Demangler | undefined {
  if (found !== undefined) return found ?? undefined;
  const { spawnSync } = process.getBuiltinModule('node:child_process'); // loaded only when needed (start-up)
  const probe = spawnSync('c++filt', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    found = null;
    return undefined;
  }
  found = (names) => {
    if (!names.length) return [];
    const r = spawnSync('c++filt', [], { input: `${names.join('\n')}\n`, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const out = r.status === 0 ? r.stdout.split('\n') : [];
    return names.map((n, i) => (out.length > names.length && out[i] ? out[i]! : n));
  };
  return found;
}

export function resetDemangler(): void {
  found = undefined;
}
