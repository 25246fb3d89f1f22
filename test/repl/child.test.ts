import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitCommand } from '../../repl/child.ts';

// bpftrace 0.17 and v0.26 alike: `bpftrace -e 'BEGIN{}' -c "/bin/echo 'A' \"b c\""` prints `'A' "b c"`
test('-c commands split at spaces only, quotes kept as written (as bpftrace splits them)', () => {
  assert.equal(splitCommand('ls -l  /tmp'), ['ls', '-l', '/tmp']);
  assert.equal(splitCommand(`/bin/echo 'A' "b c"`), ['/bin/echo', "'A'", '"b', 'c"']);
  assert.equal(splitCommand(`printf a\\ b`), ['printf', 'a\\', 'b']);
  assert.equal(splitCommand('   '), []);
});

test.run();
