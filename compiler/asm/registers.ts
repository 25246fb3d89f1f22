// The eleven 64-bit BPF registers: r0 holds return values, r1-r5 carry call
// arguments (and are clobbered by calls), r6-r9 are callee-saved, and r10 is
// the read-only frame pointer.

export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

export const R0: Reg = 0;
export const R1: Reg = 1;
export const R2: Reg = 2;
export const R3: Reg = 3;
export const R4: Reg = 4;
export const R5: Reg = 5;
export const R6: Reg = 6;
export const R7: Reg = 7;
export const R8: Reg = 8;
export const R9: Reg = 9;
export const R10: Reg = 10;
export const FP = R10;
