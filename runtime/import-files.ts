// The file system side of `import "path";` (lang/imports.ts decides what to import; this only looks and
// reads): paths relative to the importing script's directory, what is there and whether every user may
// write it or its directory (bpftrace refuses those), directory listings, and file text read as #include
// reads headers (readHeader: regular files only, size-capped).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ImportFiles, ImportStat } from '../lang/index.ts';
import { readHeader } from './include-files.ts';

const S_IWOTH = 0o002;

/** The CLI's reader; `currentDir` is where -e programs (named 'stdin') import from. */
export function importFiles(currentDir: string = process.cwd()): ImportFiles {
  return {
    resolve: (name, fromFile) =>
      path.resolve(
        fromFile === '' || fromFile === 'stdin' ? currentDir : path.dirname(path.resolve(currentDir, fromFile)),
        name,
      ),
    stat: statImport,
    read: (file) => {
      const r = readHeader(file);
      if (!r) return { error: 'no such file' };
      return 'problem' in r ? { error: r.problem } : r;
    },
    list: (dir) => {
      try {
        return {
          paths: readdirSync(dir)
            .sort()
            .map((n) => path.join(dir, n)),
        };
      } catch (e) {
        return { error: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
      }
    },
  };
}

function statImport(file: string): ImportStat | undefined {
  let st;
  try {
    st = statSync(file);
  } catch {
    return undefined;
  }
  let dirWritable = false;
  try {
    dirWritable = (statSync(path.dirname(file)).mode & S_IWOTH) !== 0;
  } catch {}
  return {
    kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other',
    worldWritable: (st.mode & S_IWOTH) !== 0 || dirWritable,
  };
}
