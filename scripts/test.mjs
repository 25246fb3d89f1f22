// Runs the uvu suite and, when something failed, prints the failure blocks
// again after the totals: CI keeps only the tail of the output, and uvu
// prints each failure next to its file, far above the end.
import { spawn } from 'node:child_process';

const pattern = process.argv[2] ?? '\\.test\\.ts$';
const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', pattern], {
  stdio: ['inherit', 'pipe', 'inherit'],
});

let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk.toString('utf8');
});

child.on('close', (code, signal) => {
  if (code !== 0) process.stdout.write(failureSummary(output));
  process.exitCode = code ?? (signal ? 1 : 0);
});

/** The ` FAIL ` blocks of uvu's output, without colour, each cut to 40 lines. */
function failureSummary(text) {
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const blocks = [];
  let current = null;
  let file = '';
  for (const line of plain.split('\n')) {
    if (/^\S.*\.test\.ts$/.test(line)) file = line;
    if (/^\s+FAIL\s/.test(line)) {
      current = [`${file}:`, line];
      blocks.push(current);
    } else if (current && (/^\S/.test(line) || /^\s+Total:/.test(line))) {
      current = null;
    } else if (current && current.length < 40) {
      current.push(line);
    }
  }
  if (blocks.length === 0) return '\nThe test run failed outside any test (see above).\n';
  return `\nFailed tests (${blocks.length}), repeated from above:\n\n${blocks.map((b) => b.join('\n').trimEnd()).join('\n\n')}\n`;
}
