// From a source location (FILE:LINE[:COL]) to the address of its code, as bpftrace v0.26 finds it
// (dwarf_parser.cpp get_cu_by_src, line_to_addr): FILE names the paths it ends with, component by component, in
// the file tables of the units' line programs; the first unit with such a file is searched, and two different
// paths are ambiguous. In that unit's table, of the rows of that path and line (and column, when given), the
// lowest address wins (elfutils hands the rows sorted by address): statement or not, one address, however many
// copies of the line the compiler made (inlined, unrolled).
import type { LineTable } from './dwarf-line.ts';

export type LineAddress =
  | { readonly kind: 'found'; readonly address: number; readonly path: string }
  /** no unit's file table has a path ending with FILE: every path they have */
  | { readonly kind: 'no-file'; readonly paths: readonly string[] }
  | { readonly kind: 'ambiguous'; readonly paths: readonly [string, string] }
  /**
   * the unit has no code at that line (and column): the lines of `path` it has code for, and the columns of that
   * line's code (where the line has code, but not at the column)
   */
  | {
      readonly kind: 'no-line';
      readonly path: string;
      readonly lines: readonly number[];
      readonly columns: readonly number[];
    };

/** The address of the code at `line` (`column`, 0: any) of the source file `file` names, in units' tables. */
export function lineAddress(tables: Iterable<LineTable>, file: string, line: number, column: number): LineAddress {
  let match: { table: LineTable; path: string } | undefined;
  const seen = new Set<string>();
  for (const table of tables)
    for (const path of table.files) {
      if (path === undefined) continue;
      seen.add(path);
      if (!pathEndsWith(path, file)) continue;
      if (!match) match = { table, path };
      else if (path !== match.path) return { kind: 'ambiguous', paths: [match.path, path] };
    }
  if (!match) return { kind: 'no-file', paths: [...seen] };
  // rows of included files are not the file's own, though a header's path may end the same
  const ofFile = new Set<number>();
  match.table.files.forEach((p, i) => {
    if (p !== undefined && pathEndsWith(p, match.path)) ofFile.add(i);
  });
  let best: number | undefined;
  const lines = new Set<number>();
  const columns = new Set<number>();
  for (const row of match.table.rows()) {
    // code the linker dropped keeps its rows at address 0: no probe goes there
    if (!ofFile.has(row.file) || row.address === 0) continue;
    lines.add(row.line);
    if (row.line !== line) continue;
    columns.add(row.column);
    if (column !== 0 && row.column !== column) continue;
    if (best === undefined || row.address < best) best = row.address;
  }
  const sorted = (set: Set<number>) => [...set].filter((n) => n > 0).sort((a, b) => a - b);
  if (best === undefined) return { kind: 'no-line', path: match.path, lines: sorted(lines), columns: sorted(columns) };
  return { kind: 'found', address: best, path: match.path };
}

/**
 * Whether `path` ends with `pattern`, whole components compared (std::filesystem::path's, as bpftrace's
 * util::path_ends_with): `/a/b/c` ends with `c`, `b/c` and `/a/b/c`, not with `x/c`; a leading '/' is a
 * component of its own, repeated '/' are one.
 */
export function pathEndsWith(path: string, pattern: string): boolean {
  const a = components(path);
  const b = components(pattern);
  if (!a.length || !b.length) return a.length === b.length;
  if (b.length > a.length) return false;
  for (let i = 1; i <= b.length; i++) if (a[a.length - i] !== b[b.length - i]) return false;
  return true;
}

function components(p: string): string[] {
  if (p === '') return [];
  const out = p.startsWith('/') ? ['/'] : [];
  out.push(...p.split('/').filter(Boolean));
  // "a/b/" ends in an empty file name
  if (p.endsWith('/') && p.replace(/\/+$/, '') !== '') out.push('');
  return out;
}
