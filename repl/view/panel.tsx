// One map: a title line (highlighted when selected), then its body in the rows it was given.
import { Box, Text } from 'ink';
import { Histogram } from './histogram.tsx';
import { panelBody, panelTitle } from './lines.ts';
import { MapTable } from './map-table.tsx';
import type { PanelModel } from './model.ts';

export function Panel({ panel, width, rows, selected }: { readonly panel: PanelModel; readonly width: number; readonly rows: number; readonly selected: boolean }) {
  const body = panelBody(panel, width, rows);
  const single = panel.kind === 'hist' && panel.hists.length === 1 && panel.hists[0]!.key === '';
  return (
    <Box flexDirection="column">
      <Text bold={selected} inverse={selected}>
        {panelTitle(panel, body.shown, width)}
      </Text>
      {panel.kind === 'hist' ? (
        single ? (
          <Histogram hist={panel.hists[0]!} width={width} rows={rows} />
        ) : (
          <Box flexDirection="column">
            {body.lines.map((line, i) => (
              <Text key={i}>{line}</Text>
            ))}
          </Box>
        )
      ) : (
        <MapTable panel={panel} width={width} rows={rows} />
      )}
    </Box>
  );
}
