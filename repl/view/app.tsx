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
      const a = actionFor(input, key);
      if (a) onAction?.(a);
    },
    { isActive: isRawModeSupported === true && onAction !== undefined },
  );
  const selected = layout.panels.find((p) => p.selected) ?? (layout.panels.length === 1 ? layout.panels[0] : undefined);
  const scroll = selected ? (selected.scrolled ? 'scrolled' : selected.hidden > 0 ? 'cut' : undefined) : undefined;
  return (
    <Box flexDirection="column" width={width}>
      {reading ? <Text dimColor>reading maps…</Text> : null}
      {layout.panels.map((p) => (
        <Panel key={p.name} view={p} />
      ))}
      <StatusBar status={{ ...status, ...(layout.position ? { position: layout.position } : {}), ...(scroll ? { scroll } : {}) }} width={width} />
    </Box>
  );
}

type Key = Parameters<Parameters<typeof useInput>[0]>[1];

function actionFor(input: string, key: Key): ViewAction | undefined {
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
