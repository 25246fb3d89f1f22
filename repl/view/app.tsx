// The live view: a panel per map, stacked and sharing the terminal's rows, and the status line. Props in,
// key presses out: the controller (live.tsx) owns the state, so a test can render any frame it likes.
import { Box, Text, useInput, useStdin } from 'ink';
import { allocateRows, panelContentRows, type PanelModel } from './model.ts';
import { Panel } from './panel.tsx';
import { StatusBar, type Status } from './status-bar.tsx';

export type ViewAction = 'quit' | 'pause' | 'next' | 'prev';

export interface AppProps {
  readonly panels: readonly PanelModel[];
  readonly selected: number;
  readonly status: Status;
  readonly width: number;
  readonly height: number;
  readonly onAction?: (a: ViewAction) => void;
}

export function App({ panels, selected, status, width, height, onAction }: AppProps) {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) onAction?.('quit');
      else if (input === 'p' || input === ' ') onAction?.('pause');
      else if ((key.tab && key.shift) || key.leftArrow || key.upArrow) onAction?.('prev');
      else if (key.tab || key.rightArrow || key.downArrow) onAction?.('next');
    },
    { isActive: isRawModeSupported === true && onAction !== undefined },
  );
  // one line for the status, one spare: a frame as tall as the terminal makes Ink clear the whole screen
  const avail = Math.max(2, height - 2);
  const { rows, shown } = allocateRows(panels.map(panelContentRows), avail, selected);
  const visible = panels.flatMap((p, i) => (shown[i] ? [i] : []));
  const position = visible.length < panels.length ? `panel ${selected + 1}/${panels.length}` : undefined;
  return (
    <Box flexDirection="column" width={width}>
      {panels.length === 0 ? <Text dimColor>reading maps…</Text> : null}
      {visible.map((i) => (
        <Panel key={panels[i]!.name} panel={panels[i]!} width={width} rows={rows[i]!} selected={i === selected && panels.length > 1} />
      ))}
      <StatusBar status={position ? { ...status, position } : status} width={width} />
    </Box>
  );
}
