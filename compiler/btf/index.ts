export * from './writer.ts';
export * from './functions.ts';
