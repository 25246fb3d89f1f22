// The live view: a panel per map, stacked in the rows layout.ts gave them, and the status line. Props in,
// key presses out: the controller (live.tsx) owns the state and the layout, so a test can render any frame.
import { Box, Text, useInput, useStdin } from 'ink';
import type { FrameLayout } from './layout.ts';
import { Panel } from './panel.tsx';
import { StatusBar, type Status } from './status-bar.tsx';

export type ViewAction = 'quit' | 'pause' | 'next' | 'prev' | ScrollAction;
/** Scrolling the selected panel: a row, a page, to either end, or back to the rows the view chooses. */
export type ScrollAction = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom' | 'auto';

export interface AppProps {
  readonly layout: FrameLayout;
  /** no map has been read yet */
  readonly reading?: boolean;
  readonly status: Status;
  readonly width: number;
  readonly onAction?: (a: ViewAction) => void;
}

export function App({ layout, reading, status, width, onAction }: AppProps) {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      for (const a of actionsFor(input, key)) onAction?.(a);
    },
    { isActive: isRawModeSupported === true && onAction !== undefined },
  );
  const selected = layout.panels.find((p) => p.selected) ?? (layout.panels.length === 1 ? layout.panels[0] : undefined);
  const scroll = selected ? (selected.scrolled ? 'scrolled' : selected.hidden > 0 ? 'cut' : undefined) : undefined;
  return (
    <Box flexDirection="column" width={width}>
      {reading ? <Text dimColor>reading maps…</Text> : null}
      {layout.panels.map((p) => (
        <Panel key={p.name} view={p} width={width} />
      ))}
      <StatusBar
        status={{ ...status, ...(layout.position ? { position: layout.position } : {}), ...(scroll ? { scroll } : {}) }}
        width={width}
      />
    </Box>
  );
}

type Key = Parameters<Parameters<typeof useInput>[0]>[1];

/**
 * The actions of one input event. Ink splits what arrives at escape sequences only, so keys that come in one
 * read (typed fast, pasted: `qq`, `^C^C`, `jjj`) reach us as one string of plain characters: each is a key.
 */
export function actionsFor(input: string, key: Key): ViewAction[] {
  const chars = [...input];
  if (chars.length <= 1) {
    const a = actionFor(input, key);
    return a ? [a] : [];
  }
  return chars.flatMap((ch) => {
    const a = actionFor(...charKey(ch));
    return a ? [a] : [];
  });
}

/** One character as Ink would have given it alone: a control character is Ctrl and its letter; Tab is tab. */
function charKey(ch: string): [string, Partial<Key>] {
  const code = ch.charCodeAt(0);
  if (ch === '\t') return ['', { tab: true }];
  if (ch === '\r') return ['', { return: true }];
  if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ctrl: true }];
  return [ch, {}];
}

function actionFor(input: string, key: Partial<Key>): ViewAction | undefined {
  if (input === 'q' || (key.ctrl && input === 'c')) return 'quit';
  if (input === 'p' || input === ' ') return 'pause';
  if ((key.tab && key.shift) || key.leftArrow) return 'prev';
  if (key.tab || key.rightArrow) return 'next';
  if (key.upArrow || input === 'k') return 'up';
  if (key.downArrow || input === 'j') return 'down';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home || input === 'g') return 'top';
  if (key.end || input === 'G') return 'bottom';
  if (key.escape || input === 'a') return 'auto';
  return undefined;
}
