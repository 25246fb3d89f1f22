// bpftrace-style wildcards in probe names and listing patterns: `*` is any run of characters, `?` one
// character; everything else matches itself.

export function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function isGlob(s: string): boolean {
  return /[*?]/.test(s);
}
