// One terminal row of the live view, `width` cells wide. Ink measures a <Text> through a module-level
// cache keyed by its string that is never emptied, so rows whose numbers change every frame grew the
// heap without bound (~45 MB in 10 minutes at 100 ms). A text element whose size its style fixes is never
// measured (Yoga asks a node for its size only when its style leaves it open), so nothing is cached: this
// is Ink's own text element, sized. Styles go on an Ink <Text> inside it, which Ink draws as part of the
// row without measuring it.
import { createElement, type ReactNode } from 'react';

export function Line({ width, children }: { readonly width: number; readonly children: ReactNode }) {
  // a row wider than `width` (wide characters) is cut, never wrapped onto a row the layout did not give it
  return createElement(
    'ink-text',
    { style: { flexGrow: 0, flexShrink: 0, flexDirection: 'row', textWrap: 'truncate-end', width, height: 1 } },
    children,
  );
}
