// runtime/kept-texts.ts: parses and the optimizer's templates kept as files between runs. A file answers only for its own
// key and for the bundle that wrote it; what cannot be read or written is a miss, never an error.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyHash, keptTexts } from '../../runtime/kept-texts.ts';

/** Runs `check` with a bundle file (`owner`) and a store directory to be (`dir`) in a directory removed after. */
function inFixture(check: (f: { root: string; owner: string; dir: string }) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'scry-templates-'));
  try {
    const owner = join(root, 'scry.cjs');
    writeFileSync(owner, 'bundle v1');
    check({ root, owner, dir: join(root, 'shapes') });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('a kept text comes back for its key only', () =>
  inFixture((f) => {
    const store = keptTexts(f.dir, f.owner);
    assert.is(store.get('k1'), undefined, 'nothing kept yet (no directory)');
    store.set('k1', '[["L0"]]');
    store.set('k2\n2,0,0', '[]');
    assert.is(store.get('k1'), '[["L0"]]');
    assert.is(store.get('k2\n2,0,0'), '[]');
    assert.is(store.get('k3'), undefined);
    // another key in the file of this one's name (a hash collision) is a miss, not its text
    writeFileSync(join(f.dir, keyHash('k3')), readFileSync(join(f.dir, keyHash('k1')), 'utf8'));
    assert.is(store.get('k3'), undefined);
    assert.is(keptTexts(f.dir, f.owner).get('k1'), '[["L0"]]', 'another process of the same bundle');
    // five lookups, three found nothing (the first k1, k3 twice): what --timings' "(kept)" stages are told from
    assert.equal([store.lookups, store.misses], [5, 3]);
  }));

test('only their owner reads them: scripts and their constants are in them', () =>
  inFixture((f) => {
    keptTexts(f.dir, f.owner).set('k', 'text');
    assert.is(statSync(f.dir).mode & 0o777, 0o700);
    assert.is(statSync(join(f.dir, keyHash('k'))).mode & 0o777, 0o600);
  }));

test('a new bundle does not take the old one’s texts', () =>
  inFixture((f) => {
    keptTexts(f.dir, f.owner).set('k', 'old');
    writeFileSync(f.owner, 'bundle v2, longer');
    assert.is(keptTexts(f.dir, f.owner).get('k'), undefined);
  }));

test("past 512 files the directory is emptied before a process's first write", () =>
  inFixture((f) => {
    const store = keptTexts(f.dir, f.owner);
    for (let i = 0; i < 520; i++) store.set(`k${i}`, `${i}`);
    assert.is(readdirSync(f.dir).length, 520, "a process's later writes do not look");
    const next = keptTexts(f.dir, f.owner); // the next process
    next.set('last', 'x');
    assert.equal(readdirSync(f.dir), [keyHash('last')]);
    assert.is(next.get('last'), 'x');
    assert.is(next.get('k0'), undefined);
    next.set('more', 'y');
    assert.is(readdirSync(f.dir).length, 2);
  }));

test('where nothing can be written or read, a miss and no error', () =>
  inFixture((f) => {
    const store = keptTexts(join(f.owner, 'under-a-file'), f.owner); // mkdir fails: ENOTDIR
    store.set('k', 'text');
    assert.is(store.get('k'), undefined);
    const gone = keptTexts(f.dir, join(f.root, 'no-such-bundle')); // the owner's stat fails
    gone.set('k', 'text');
    assert.is(gone.get('k'), undefined);
  }));

test('file names: 16 hex digits, different for different keys', () => {
  assert.match(keyHash(''), /^[0-9a-f]{16}$/);
  const names = new Set(Array.from({ length: 2000 }, (_, i) => keyHash(`code ${i}\n`)));
  assert.is(names.size, 2000);
  assert.is(keyHash('abc'), keyHash('abc'));
});

test.run();
