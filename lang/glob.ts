// bpftrace-style wildcards in probe names and listing patterns: `*` is any run of characters, `?` one
// character; everything else matches itself.

export function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*+/g, '.*') // a run of stars is one: `.*.*` backtracks quadratically on every name
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function isGlob(s: string): boolean {
  return /[*?]/.test(s);
}

/**
 * The longest plain part of a name pattern, which every name it matches has in it: no wildcard, and no `:` (a
 * kernel function's module is written `module:name` in a pattern, `name [module]` in the kernel's lists).
 */
export function plainPart(glob: string): string {
  return glob.split(/[*?:]+/).reduce((a, b) => (b.length > a.length ? b : a), '');
}
