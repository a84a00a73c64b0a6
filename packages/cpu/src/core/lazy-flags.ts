/**
 * Lazy flag kinds: which operation produced Cpu.lzRes from lzOp1/lzOp2 (the status flags are computed
 * from them only when read). A leaf module, so modules evaluated before cpu.ts can use the values.
 */
export const LZ_ADD = 0;
export const LZ_ADC = 1;
export const LZ_SUB = 2;
export const LZ_SBB = 3;
export const LZ_LOGIC = 4;
export const LZ_INC = 5;
export const LZ_DEC = 6;
/** Shifts/rotates and others that set CF/OF eagerly: only ZF/SF/PF lazy (AF is left 0: undefined). */
export const LZ_RESULT = 7;
