// One map: a title line (highlighted when selected), then the body rows layout.ts chose for it.
import { Box, Text } from 'ink';
import type { PanelView } from './layout.ts';
import { Line } from './line.tsx';

export function Panel({ view, width }: { readonly view: PanelView; readonly width: number }) {
  return (
    <Box flexDirection="column">
      <Line width={width}>
        <Text bold={view.selected} inverse={view.selected}>
          {view.title}
        </Text>
      </Line>
      {view.lines.map((line, i) => (
        <Line key={i} width={width}>
          {line}
        </Line>
      ))}
    </Box>
  );
}
