export * from './registers.ts';
export * from './opcodes.ts';
export * from './helpers.ts';
export * from './insn.ts';
export * from './encode.ts';
export * from './disasm.ts';
