// Shared by the asm tests: bytes as the spaced hex that instruction dumps use.

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.trim().split(/\s+/), (b) => parseInt(b, 16));
}
