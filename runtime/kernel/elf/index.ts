// ELF files for uprobes, USDT and user symbols: headers and segments, symbols, USDT notes, library lookup,
// instruction boundaries for uprobes at an offset.
export * from './elf-file.ts';
export * from './symbols.ts';
export * from './debug-file.ts';
export * from './demangle.ts';
export * from './usdt.ts';
export * from './ld-resolve.ts';
export * from './targets.ts';
export * from './line-address.ts';
export * from './x86-length.ts';
export * from './instruction-boundary.ts';
