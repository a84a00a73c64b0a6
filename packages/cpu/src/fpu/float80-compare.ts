// Comparison and classification: FCOM/FCOMP/FCOMPP/FICOM, FUCOM family, FCOMI/FUCOMI,
// FTST and FXAM. Intel SDM vol. 1 §8.3.6 (Table 8-6, Table 8-7), vol. 2A FCOM/FUCOM/FCOMI/FXAM.

import {
  F80_DENORMAL,
  F80_EXP_MAX,
  F80_INFINITY,
  F80_NORMAL,
  F80_QNAN,
  F80_SNAN,
  F80_UNSUPPORTED,
  F80_ZERO,
  type F80Context,
  classifyF80,
  unpackF80,
  unpacked,
} from "./float80.js";
import { FPU_EX_DE, FPU_EX_IE, FPU_SW_C0, FPU_SW_C2, FPU_SW_C3 } from "./x87-control-status.js";

export const CMP_GREATER = 0;
export const CMP_LESS = 1;
export const CMP_EQUAL = 2;
export const CMP_UNORDERED = 3;

/**
 * Compares a with b. `quiet` is the FUCOM rule (only SNaN and unsupported operands are
 * invalid); otherwise any NaN raises IE (FCOM). Denormal operands raise DE. The caller
 * checks ctx.unmasked() to decide whether the condition codes/EFLAGS are written.
 */
export function f80Compare(ctx: F80Context, quiet: boolean): number {
  const aSe = ctx.aSe;
  const aHi = ctx.aHi;
  const aLo = ctx.aLo;
  const bSe = ctx.bSe;
  const bHi = ctx.bHi;
  const bLo = ctx.bLo;
  const ca = classifyF80(aSe, aHi, aLo);
  const cb = classifyF80(bSe, bHi, bLo);
  if (ca >= F80_QNAN || cb >= F80_QNAN) {
    if (!quiet || ca === F80_SNAN || cb === F80_SNAN || ca === F80_UNSUPPORTED || cb === F80_UNSUPPORTED) {
      ctx.flags |= FPU_EX_IE;
    }
    return CMP_UNORDERED;
  }
  if (ca === F80_DENORMAL || cb === F80_DENORMAL || ctx.denormalSource) ctx.flags |= FPU_EX_DE;
  const za = ca === F80_ZERO;
  const zb = cb === F80_ZERO;
  if (za && zb) return CMP_EQUAL;
  const sa = za ? -1 : aSe >>> 15;
  const sb = zb ? -1 : bSe >>> 15;
  // Zero compares as greater than negatives and less than positives.
  if (za) return sb === 1 ? CMP_GREATER : CMP_LESS;
  if (zb) return sa === 1 ? CMP_LESS : CMP_GREATER;
  if (sa !== sb) return sa === 1 ? CMP_LESS : CMP_GREATER;
  const mag = compareMagnitude(ca, aSe, aHi, aLo, cb, bSe, bHi, bLo);
  if (mag === 0) return CMP_EQUAL;
  return (mag > 0) !== (sa === 1) ? CMP_GREATER : CMP_LESS;
}

/** −1, 0, 1 for |a| vs |b|, both finite non-zero or infinite. */
function compareMagnitude(
  ca: number,
  aSe: number,
  aHi: number,
  aLo: number,
  cb: number,
  bSe: number,
  bHi: number,
  bLo: number,
): number {
  if (ca === F80_INFINITY || cb === F80_INFINITY) {
    if (ca === cb) return 0;
    return ca === F80_INFINITY ? 1 : -1;
  }
  let ea = aSe & F80_EXP_MAX;
  let ah = aHi;
  let al = aLo;
  let eb = bSe & F80_EXP_MAX;
  let bh = bHi;
  let bl = bLo;
  if (ca === F80_DENORMAL) {
    unpackF80(aSe, aHi, aLo);
    ea = unpacked.exp;
    ah = unpacked.h;
    al = unpacked.l;
  }
  if (cb === F80_DENORMAL) {
    unpackF80(bSe, bHi, bLo);
    eb = unpacked.exp;
    bh = unpacked.h;
    bl = unpacked.l;
  }
  if (ea !== eb) return ea > eb ? 1 : -1;
  if (ah !== bh) return ah > bh ? 1 : -1;
  if (al !== bl) return al > bl ? 1 : -1;
  return 0;
}

/** FXAM condition codes C3, C2, C0 for a non-empty register (SDM vol. 2A FXAM, Table 3-?). */
export function f80ExamineClass(se: number, hi: number, lo: number): number {
  switch (classifyF80(se, hi, lo)) {
    case F80_ZERO:
      return FPU_SW_C3;
    case F80_NORMAL:
      return FPU_SW_C2;
    case F80_DENORMAL:
      return FPU_SW_C3 | FPU_SW_C2;
    case F80_INFINITY:
      return FPU_SW_C2 | FPU_SW_C0;
    case F80_QNAN:
    case F80_SNAN:
      return FPU_SW_C0;
    default:
      return 0;
  }
}

/** FXAM result for an empty register. */
export const FXAM_EMPTY = FPU_SW_C3 | FPU_SW_C0;
