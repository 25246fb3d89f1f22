// count/sum/min/max/avg maps as a sorted top-N table; stats maps as numbers.
import { Box, Text } from 'ink';
import { statsLines, tableLines } from './lines.ts';
import type { PanelModel } from './model.ts';

type TablePanel = Extract<PanelModel, { kind: 'table' | 'stats' }>;

export function MapTable({ panel, width, rows }: { readonly panel: TablePanel; readonly width: number; readonly rows: number }) {
  const lines = panel.kind === 'stats' ? statsLines(panel.rows, width, rows) : tableLines(panel.rows, panel.bars, width, rows);
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
    </Box>
  );
}
