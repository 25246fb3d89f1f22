// The README's contributing example is the real code: each part of its `bswap` block, introduced by a
// `// <file>: …` comment, must appear line for line (indentation aside) in that file.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

function contributingExample(): string {
  const section = readme.slice(readme.indexOf('\n## Contributing'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README: no ts block under ## Contributing');
  return m[1]!;
}

/** The block's parts: the file each names and the code lines under it (trimmed, blank lines dropped). */
function parts(block: string): { file: string; lines: string[] }[] {
  const out: { file: string; lines: string[] }[] = [];
  for (const line of block.split('\n')) {
    const head = /^\/\/ ([\w/.-]+\.ts): /.exec(line);
    if (head) out.push({ file: head[1]!, lines: [] });
    else if (line.trim() && out.length) out[out.length - 1]!.lines.push(line.trim());
  }
  return out;
}

function containsRun(haystack: string[], run: string[]): boolean {
  for (let i = 0; i + run.length <= haystack.length; i++) if (run.every((l, j) => haystack[i + j] === l)) return true;
  return false;
}

test('the contributing example names files and quotes each one verbatim', () => {
  const ps = parts(contributingExample());
  assert.ok(ps.length >= 2, 'the example shows the check row and the emit row');
  for (const { file, lines } of ps) {
    assert.ok(lines.length > 3, `${file}: no code under its comment`);
    const source = readFileSync(new URL(file, root), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    assert.ok(containsRun(source, lines), `${file} does not contain the README's lines:\n${lines.join('\n')}`);
  }
});

test.run();
