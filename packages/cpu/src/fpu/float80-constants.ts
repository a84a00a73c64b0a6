// The constants loaded by FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2 and FLDZ.
// Intel SDM vol. 1 §8.3.8 and vol. 2A "FLD1/FLDL2T/…": the processor holds them with more
// than 64 bits and rounds to 64 bits with FCW.RC (precision control does not apply). The
// rounding sets neither PE nor C1 (measured on the oracle).
//
// Each entry is the biased exponent and the first 96 significand bits (computed to 80 decimal
// digits); the 32 bits beyond the 64-bit significand decide the rounding.

import { type F80Context, roundsAway } from "./float80.js";

/** [exponent, significand bits 95..64, 63..32, 31..0] per constant, indexed by D9 E8+i. */
const FPU_CONSTANTS: readonly (readonly [number, number, number, number])[] = [
  [0x3fff, 0x80000000, 0x00000000, 0x00000000], // E8 FLD1: +1.0
  [0x4000, 0xd49a784b, 0xcd1b8afe, 0x492bf6ff], // E9 FLDL2T: log2(10)
  [0x3fff, 0xb8aa3b29, 0x5c17f0bb, 0xbe87fed0], // EA FLDL2E: log2(e)
  [0x4000, 0xc90fdaa2, 0x2168c234, 0xc4c6628b], // EB FLDPI: π
  [0x3ffd, 0x9a209a84, 0xfbcff798, 0x8f8959ac], // EC FLDLG2: log10(2)
  [0x3ffe, 0xb17217f7, 0xd1cf79ab, 0xc9e3b398], // ED FLDLN2: ln(2)
  [0x0000, 0x00000000, 0x00000000, 0x00000000], // EE FLDZ: +0.0
];

export const FPU_CONSTANT_COUNT = FPU_CONSTANTS.length;

/** Loads constant `index` (modrm − 0xE8) rounded with the context's RC into ctx.se/hi/lo. */
export function f80LoadConstant(ctx: F80Context, index: number): void {
  const k = FPU_CONSTANTS[index]!;
  let hi = k[1];
  let lo = k[2];
  const extra = k[3];
  if (extra !== 0) {
    const half = extra > 0x80000000 ? 1 : extra === 0x80000000 ? 0 : -1;
    if (roundsAway(ctx.rc, 0, half, lo & 1)) {
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
  }
  ctx.result(k[0], hi, lo);
}
