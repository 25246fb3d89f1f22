// What the bundled CLI keeps between runs besides V8's code cache (lang TextStore): scripts' parses
// (lang/kept-parse.ts) and the optimizer's templates (compiler/codegen/shape-memo.ts), one file per key in
// dist/scry.cjs.cache-parses/ and dist/scry.cjs.cache-shapes/, beside the bundle, and trusted as they are (whoever
// can write there can replace the bundle). A file answers only for the same key and the same bundle (its size and
// mtime, so a bundle replaced without a build does not take the old parser's or optimizer's results);
// scripts/build.mjs removes the directories with the code cache. The files hold scripts' text and constants, so
// only their owner reads them (directories 0700, files 0600). Nothing is kept when running from source, or where
// dist/ is not writable; a file that cannot be read or written is a miss, never an error.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextStore } from '../lang/index.ts';

/**
 * Past this many files the directory is emptied before a process's first write (one file per script or program
 * shape run; a process that writes many, a long REPL session, can leave more until the next).
 */
const MAX_FILES = 512;

/** A store that counts its lookups: what a stage took from it, and what it had to make anew. */
export interface KeptTexts extends TextStore {
  /** get()s so far */
  readonly lookups: number;
  /** get()s that found no text for their key */
  readonly misses: number;
}

/** The store of `kind` beside the bundle this code runs from; undefined when it runs from source. */
export function bundleKeptTexts(kind: 'parses' | 'shapes'): KeptTexts | undefined {
  if (!import.meta.url.endsWith('/dist/scry.cjs')) return undefined;
  const bundle = fileURLToPath(import.meta.url);
  return keptTexts(join(dirname(bundle), `scry.cjs.cache-${kind}`), bundle);
}

/** A store of files in `dir`, valid for the file `owner` as it is now (its size and mtime). */
export function keptTexts(dir: string, owner: string): KeptTexts {
  let stamp: string | undefined;
  const ownerStamp = (): string => {
    if (stamp === undefined) {
      const st = statSync(owner);
      stamp = `${st.size}:${st.mtimeMs}`;
    }
    return stamp;
  };
  const fileOf = (key: string) => join(dir, keyHash(key));
  let sized = false; // the directory's size is looked at by a process's first write only
  const read = (key: string): string | undefined => {
    try {
      const text = readFileSync(fileOf(key), 'utf8');
      const head = `${ownerStamp()}\n${key.length}\n${key}`;
      return text.startsWith(head) ? text.slice(head.length) : undefined;
    } catch {
      return undefined;
    }
  };
  let lookups = 0;
  let misses = 0;
  return {
    get lookups() {
      return lookups;
    },
    get misses() {
      return misses;
    },
    get(key) {
      lookups++;
      const text = read(key);
      if (text === undefined) misses++;
      return text;
    },
    set(key, text) {
      try {
        if (!sized) {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          if (readdirSync(dir).length >= MAX_FILES) {
            rmSync(dir, { recursive: true, force: true });
            mkdirSync(dir, { recursive: true, mode: 0o700 });
          }
          sized = true;
        }
      } catch {
        return;
      }
      const file = fileOf(key);
      const tmp = `${file}.${process.pid}`;
      try {
        writeFileSync(tmp, `${ownerStamp()}\n${key.length}\n${key}${text}`, { mode: 0o600 });
        renameSync(tmp, file); // whole or not at all for a reader in another process
      } catch {
        try {
          rmSync(tmp, { force: true }); // a write cut short leaves nothing behind
        } catch {}
      }
    },
  };
}

/**
 * 64 bits of the key (two 32-bit multiplicative hashes of its UTF-16 units: FNV-1a's, and one with MurmurHash's
 * multiplier), as 16 hex digits: the file's name. The file holds the whole key, compared on reading.
 */
export function keyHash(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
