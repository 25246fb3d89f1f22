// Keys that reach the live view in one read (typed fast, pasted, a terminal that batches them: `qq`, `^C^C`)
// are each handled: Ink hands them over as one string, which used to match no key at all, so `qq` did not
// quit. In a real terminal (test/helpers/pty.ts, one write of both keys), and the mapping itself.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scryBin } from '../../helpers/cli.ts';
import { requireRoot } from '../../helpers/kernel.ts';
import { spawnPty } from '../../helpers/pty.ts';
import { actionsFor } from '../../../repl/view/app.tsx';

const KEYS = suite('live view keys');

/** What Ink's useInput gives for plain characters: no key flags set. */
const plain = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

KEYS('keys in one string: each is its own action', () => {
  assert.equal(actionsFor('qq', plain), ['quit', 'quit']);
  assert.equal(actionsFor('\x03\x03', plain), ['quit', 'quit']);
  assert.equal(actionsFor('pp', plain), ['pause', 'pause']);
  assert.equal(actionsFor('jjG', plain), ['down', 'down', 'bottom']);
  assert.equal(actionsFor('\t\t', plain), ['next', 'next']);
  assert.equal(actionsFor('xqz', plain), ['quit']); // keys that mean nothing are skipped, the rest still count
  // one key as Ink gives it alone
  assert.equal(actionsFor('c', { ...plain, ctrl: true }), ['quit']);
  assert.equal(actionsFor('', { ...plain, tab: true, shift: true }), ['prev']);
  assert.equal(actionsFor('', { ...plain, upArrow: true }), ['up']);
});

/** Starts the view, types `keys` in one write once it is up, and says how the process ended within 5 s. */
async function typeTogether(keys: string): Promise<{ code: number | null; screen: string }> {
  const view = spawnPty([process.execPath, scryBin, '--refresh', '100', '-e', 'interval:ms:20 { @ticks = count(); }'], {
    cols: 100,
    rows: 20,
  });
  try {
    await view.waitFor(/1 probe · .* q quit/);
    view.type(keys);
    const code = await Promise.race([
      view.exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), 5_000)),
    ]);
    if (code === 'running')
      throw new Error(
        `${JSON.stringify(keys)} in one write did not quit the view; the terminal shows:\n${view.text()}`,
      );
    return { code, screen: view.text() };
  } finally {
    view.kill();
  }
}

// these two run the view on a real program: root only
if (requireRoot('live view keys in a terminal')) {
  KEYS('qq in one write quits, and the final maps print as plain text', async () => {
    const r = await typeTogether('qq');
    assert.is(r.code, 0);
    assert.match(r.screen, /\n@ticks: \d+$/);
  });

  KEYS('^C^C in one write quits', async () => {
    const r = await typeTogether('\x03\x03');
    assert.is(r.code, 0);
    assert.match(r.screen, /\n@ticks: \d+$/);
  });
}

KEYS.run();
