// The bottom line: probes, events/s, lost events, elapsed time, and the keys (scrolling when it applies).
import { Text } from 'ink';
import { Line } from './line.tsx';
import { clock, compact } from './model.ts';

export interface Status {
  readonly probes: number;
  readonly eventsPerSecond: number;
  readonly lost: number;
  readonly elapsedMs: number;
  readonly paused: boolean;
  /** shown when only some panels fit: `panel 2/9` */
  readonly position?: string;
  /** the selected panel is cut (it can scroll) or scrolled (Esc brings back the view's choice) */
  readonly scroll?: 'cut' | 'scrolled';
}

export function statusText(s: Status, width: number): string {
  const parts = [
    `${s.probes} probe${s.probes === 1 ? '' : 's'}`,
    `${compact(s.eventsPerSecond)} events/s`,
    `${compact(s.lost)} lost`,
    clock(s.elapsedMs),
    ...(s.paused ? ['PAUSED'] : []),
    ...(s.position ? [s.position] : []),
  ];
  const left = ` ${parts.join(' · ')}`;
  const scroll = s.scroll === 'scrolled' ? ' · ↑↓ scroll · esc back' : s.scroll === 'cut' ? ' · ↑↓ scroll' : '';
  const keys = `q quit · p ${s.paused ? 'resume' : 'pause'} · tab next${scroll} `;
  if (left.length + 2 + keys.length <= width) return left + ' '.repeat(width - left.length - keys.length) + keys;
  return left.length <= width ? left : `${left.slice(0, Math.max(0, width - 1))}…`;
}

export function StatusBar({ status, width }: { readonly status: Status; readonly width: number }) {
  return (
    <Line width={width}>
      <Text inverse color={status.lost > 0 ? 'yellow' : undefined}>
        {statusText(status, width)}
      </Text>
    </Line>
  );
}
