// FSCALE (ST(0) × 2^trunc(ST(1))) and FXTRACT (split into exponent and significand).
// Intel SDM vol. 2A FSCALE (Table 3-?? special cases) and FXTRACT.

import { f80FromInt32 } from "./float80-convert.js";
import {
  F80_BIAS,
  F80_DENORMAL,
  F80_EXP_MAX,
  F80_INFINITY,
  F80_QNAN,
  F80_UNSUPPORTED,
  F80_ZERO,
  type F80Context,
  classifyF80,
  propagateNaN1,
  propagateNaN2,
  roundPackF80,
  unpackF80,
  unpacked,
} from "./float80.js";
import { FPU_EX_DE, FPU_EX_ZE } from "./x87-control-status.js";

/** Scale factors beyond this cannot produce a finite result; clamping keeps the arithmetic exact. */
const SCALE_LIMIT = 0x10000;

/** FSCALE: a = ST(0), b = ST(1). Result in ctx; false on an unmasked pre-computation exception. */
export function f80Scale(ctx: F80Context): boolean {
  const aSe = ctx.aSe;
  const aHi = ctx.aHi;
  const aLo = ctx.aLo;
  const bSe = ctx.bSe;
  const bHi = ctx.bHi;
  const bLo = ctx.bLo;
  const ca = classifyF80(aSe, aHi, aLo);
  const cb = classifyF80(bSe, bHi, bLo);
  if (ca === F80_UNSUPPORTED || cb === F80_UNSUPPORTED) return ctx.invalid();
  if (ca >= F80_QNAN || cb >= F80_QNAN) return propagateNaN2(ctx, ca, aSe, aHi, aLo, cb, bSe, bHi, bLo);
  const bNeg = (bSe & 0x8000) !== 0;
  if (cb === F80_INFINITY) {
    // 0 × 2^+∞ and ∞ × 2^−∞ are invalid; otherwise ∞ scales to ∞ and finite values to 0 or ∞.
    if ((ca === F80_ZERO && !bNeg) || (ca === F80_INFINITY && bNeg)) return ctx.invalid();
    if (ca === F80_DENORMAL && !denormal(ctx)) return false;
    if (ca === F80_ZERO || ca === F80_INFINITY) ctx.result(aSe, aHi, aLo);
    else if (bNeg) ctx.result(aSe & 0x8000, 0, 0);
    else ctx.result((aSe & 0x8000) | F80_EXP_MAX, 0x80000000, 0);
    return true;
  }
  if ((ca === F80_DENORMAL || cb === F80_DENORMAL) && !denormal(ctx)) return false;
  if (ca === F80_ZERO || ca === F80_INFINITY) {
    ctx.result(aSe, aHi, aLo);
    return true;
  }
  let n = 0;
  if (cb !== F80_ZERO) {
    unpackF80(bSe, bHi, bLo);
    const e = unpacked.exp - F80_BIAS;
    if (e >= 17) n = SCALE_LIMIT;
    else if (e >= 0) n = unpacked.h >>> (31 - e);
    if (bNeg) n = -n;
  }
  unpackF80(aSe, aHi, aLo);
  roundPackF80(ctx, 64, aSe >>> 15, unpacked.exp + n, unpacked.h, unpacked.l, 0);
  return true;
}

function denormal(ctx: F80Context): boolean {
  ctx.flags |= FPU_EX_DE;
  return (ctx.masks & FPU_EX_DE) !== 0;
}

/**
 * FXTRACT: exponent of ST(0) (as a value) in ctx.se/hi/lo, significand (exponent 0, i.e.
 * biased 16383) in ctx.se2/hi2/lo2. Zero raises ZE: exponent −∞, significand the zero.
 */
export function f80Extract(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const c = classifyF80(se, hi, lo);
  if (c === F80_UNSUPPORTED) {
    if (!ctx.invalid()) return false;
    ctx.result2(ctx.se, ctx.hi, ctx.lo);
    return true;
  }
  if (c >= F80_QNAN) {
    if (!propagateNaN1(ctx, c, se, hi, lo)) return false;
    ctx.result2(ctx.se, ctx.hi, ctx.lo);
    return true;
  }
  if (c === F80_ZERO) {
    ctx.flags |= FPU_EX_ZE;
    if ((ctx.masks & FPU_EX_ZE) === 0) return false;
    ctx.result(0x8000 | F80_EXP_MAX, 0x80000000, 0);
    ctx.result2(se, hi, lo);
    return true;
  }
  if (c === F80_INFINITY) {
    ctx.result(F80_EXP_MAX, 0x80000000, 0);
    ctx.result2(se, hi, lo);
    return true;
  }
  if (c === F80_DENORMAL && !denormal(ctx)) return false;
  unpackF80(se, hi, lo);
  const sigSe = (se & 0x8000) | F80_BIAS;
  const sigHi = unpacked.h;
  const sigLo = unpacked.l;
  f80FromInt32(ctx, unpacked.exp - F80_BIAS);
  ctx.result2(sigSe, sigHi, sigLo);
  return true;
}
