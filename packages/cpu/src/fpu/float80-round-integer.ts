// FRNDINT: round ST(0) to an integral value with FCW.RC (precision control does not apply).
// Intel SDM vol. 2A FRNDINT; vol. 1 §8.1.5.2 (PC affects only the basic arithmetic).

import {
  integer,
  roundToInteger,
} from "./float80-convert.js";
import {
  F80_BIAS,
  F80_DENORMAL,
  F80_QNAN,
  F80_SNAN,
  F80_UNSUPPORTED,
  F80_ZERO,
  F80_INFINITY,
  type F80Context,
  classifyF80,
  propagateNaN1,
  unpackF80,
  unpacked,
} from "./float80.js";
import { FPU_EX_DE, FPU_EX_PE } from "./x87-control-status.js";

export function f80RoundToIntegral(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const c = classifyF80(se, hi, lo);
  if (c === F80_UNSUPPORTED) return ctx.invalid();
  if (c === F80_QNAN || c === F80_SNAN) return propagateNaN1(ctx, c, se, hi, lo);
  if (c === F80_ZERO || c === F80_INFINITY) {
    ctx.result(se, hi, lo);
    return true;
  }
  if (c === F80_DENORMAL) {
    ctx.flags |= FPU_EX_DE;
    if ((ctx.masks & FPU_EX_DE) === 0) return false;
  }
  const sign = se >>> 15;
  unpackF80(se, hi, lo);
  if (unpacked.exp - F80_BIAS >= 63) {
    ctx.result(se, hi, lo);
    return true;
  }
  roundToInteger(ctx.rc, sign, unpacked.exp, unpacked.h, unpacked.l);
  if (integer.inexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = integer.up ? 1 : 0;
  let h = integer.h;
  let l = integer.l;
  if ((h | l) === 0) {
    ctx.result(sign << 15, 0, 0);
    return true;
  }
  // Normalise the integer magnitude (at most 2^63 here: |x| < 2^63 before rounding).
  let exp = F80_BIAS + 63;
  if (h === 0) {
    h = l;
    l = 0;
    exp -= 32;
  }
  const s = Math.clz32(h);
  if (s !== 0) {
    h = ((h << s) | (l >>> (32 - s))) >>> 0;
    l = (l << s) >>> 0;
    exp -= s;
  }
  ctx.result((sign << 15) | exp, h, l);
  return true;
}
