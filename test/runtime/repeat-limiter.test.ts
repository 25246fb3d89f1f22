import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RepeatLimiter } from '../../runtime/repeat-limiter.ts';

const msg = (text: string, start = 5) => ({
  kind: 'message' as const,
  level: 'warning' as const,
  helper: true as const,
  text,
  span: { file: { name: 'stdin', text: '' }, start, end: start + 3 } as never,
});

test('the first failure at a location prints, repeats within a second are summed up once the second is over', () => {
  let now = 0;
  const l = new RepeatLimiter(() => now);
  assert.equal(
    l.admit(msg('Failed to map_update_elem')).map((m) => m.text),
    ['Failed to map_update_elem'],
  );
  for (let i = 0; i < 1000; i++) {
    now += 0.5;
    assert.equal(l.admit(msg('Failed to map_update_elem')), []);
  }
  now = 1200;
  assert.equal(
    l.admit(msg('Failed to map_update_elem')).map((m) => m.text),
    ['Failed to map_update_elem: 1001 more times in 1.2 s'],
  );
  now = 1300;
  assert.equal(l.admit(msg('Failed to map_update_elem')), []);
  now = 1500;
  assert.equal(
    l.flush().map((m) => m.text),
    ['Failed to map_update_elem: 1 more time in 0.3 s'],
  );
  assert.equal(l.flush(), []);
});

test('each location and each text has its own count', () => {
  const l = new RepeatLimiter(() => 0);
  assert.is(l.admit(msg('a', 1)).length, 1);
  assert.is(l.admit(msg('a', 2)).length, 1);
  assert.is(l.admit(msg('b', 1)).length, 1);
  assert.is(l.admit(msg('a', 1)).length, 0);
});

test.run();
