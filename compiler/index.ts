// The compiler's public face: a checked program in, plain data out (bytecode with symbolic map references).
export * from './program.ts';
export { disasmListing } from './asm/index.ts';
export { compile, type CompileOptions } from './compile.ts';
export type { TemplateStore } from './codegen/shape-memo.ts';
export { buildObject, sectionName, type ObjectError, type ObjectProgram } from './elf/object.ts';
export { taskCommFrom, taskCommProbe } from './btf/task-comm.ts';
export { programType } from './codegen/providers/index.ts';
export { compileSource, type CompileSourceOptions, type CompileSourceResult } from './pipeline.ts';
export {
  alu64Imm,
  alu64Reg,
  BPF_FUNC,
  call,
  encode,
  exit,
  jmpImm,
  kfuncCall,
  label,
  ldFuncAddr,
  ldMapFd,
  ldx,
  mov64Imm,
  mov64Reg,
  patchMapFd,
  R0,
  R1,
  R2,
  R3,
  R4,
  R10,
  st,
} from './asm/index.ts';
export { functionsBtf } from './btf/functions.ts';
