// A histogram panel body: bucket rows with bars that rescale to the largest bucket shown.
import { Box, Text } from 'ink';
import { histogramLines } from './lines.ts';
import type { HistModel } from './model.ts';

export function Histogram({ hist, width, rows }: { readonly hist: HistModel; readonly width: number; readonly rows: number }) {
  return (
    <Box flexDirection="column">
      {histogramLines(hist, width, rows).map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
    </Box>
  );
}
