// One map: a title line (highlighted when selected), then the body rows layout.ts chose for it.
import { Box, Text } from 'ink';
import type { PanelView } from './layout.ts';

export function Panel({ view }: { readonly view: PanelView }) {
  return (
    <Box flexDirection="column">
      <Text bold={view.selected} inverse={view.selected}>
        {view.title}
      </Text>
      {view.lines.map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
    </Box>
  );
}
