import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { splitWords } from '../../repl/child.ts';

test('-c commands split into words the way a shell splits them, without expanding anything', () => {
  assert.equal(splitWords('ls -l  /tmp'), ['ls', '-l', '/tmp']);
  assert.equal(splitWords(`echo "a b" 'c d' e\\ f`), ['echo', 'a b', 'c d', 'e f']);
  assert.equal(splitWords(`printf "%s\\"x\\"" '$HOME'`), ['printf', '%s"x"', '$HOME']);
  assert.equal(splitWords(`a "" b`), ['a', '', 'b']);
  assert.equal(splitWords('   '), []);
});

test.run();
