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
