// Kernel BTF: the reader (any blob) and the running kernel's BTF cached on demand.
export { Btf, BtfError, intKey, parseBtf, type ParseOptions } from './reader.ts';
export { btfModuleNames, findKernelFunc, moduleBtf, resetBtfCache, vmlinuxBtf, vmlinuxBtfRead } from './cache.ts';
export { withTypeRows, type RecordTypes } from './with-rows.ts';
