// Text scry takes from files nobody asked it to print (ELF symbol names, mapped file names, caches) goes to
// a terminal: a control character in it would be a command to that terminal (ESC [2J clears it, OSC 52
// writes the clipboard). Such characters print as \xNN instead, as %r prints unprintable bytes.

// C0 controls, DEL and the C1 controls (a terminal in UTF-8 mode takes U+009B as CSI too)
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/** The text with every control character written as \xNN. */
export function printable(text: string): string {
  return CONTROL.test(text)
    ? text.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    : text;
}

/** Whether the text has a control character in it (tab and newline count). */
export function hasControlChars(text: string): boolean {
  return CONTROL.test(text);
}
