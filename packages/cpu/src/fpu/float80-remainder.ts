// FPREM and FPREM1: partial remainder of ST(0) by ST(1), exact, with the low three quotient
// bits in C0/C3/C1 and C2 set when the reduction is incomplete.
// Intel SDM vol. 2A FPREM/FPREM1 (operation pseudo-code and special-operand tables).

import {
  F80_DENORMAL,
  F80_INFINITY,
  F80_QNAN,
  F80_UNSUPPORTED,
  F80_ZERO,
  type F80Context,
  classifyF80,
  normalizeRoundPackF80,
  propagateNaN2,
  unpackF80,
  unpacked,
} from "./float80.js";
import { FPU_EX_DE } from "./x87-control-status.js";

/**
 * Quotient bits Q2..Q0 of the last f80Remainder (valid when remComplete), or -1 when the
 * result is a NaN/indefinite: then C0 and C3 keep their values (measured).
 */
export let remQuotient = 0;
/** False when the exponent difference was ≥ 64 and only a partial reduction was done (C2=1). */
export let remComplete = true;

/**
 * FPREM (`ieee` false: quotient truncated) or FPREM1 (`ieee` true: quotient rounded to
 * nearest-even). a = ST(0) dividend, b = ST(1) divisor. Result in ctx.
 */
export function f80Remainder(ctx: F80Context, ieee: boolean): boolean {
  const aSe = ctx.aSe;
  const aHi = ctx.aHi;
  const aLo = ctx.aLo;
  const bSe = ctx.bSe;
  const bHi = ctx.bHi;
  const bLo = ctx.bLo;
  remQuotient = -1;
  remComplete = true;
  const ca = classifyF80(aSe, aHi, aLo);
  const cb = classifyF80(bSe, bHi, bLo);
  if (ca === F80_UNSUPPORTED || cb === F80_UNSUPPORTED) return ctx.invalid();
  if (ca >= F80_QNAN || cb >= F80_QNAN) return propagateNaN2(ctx, ca, aSe, aHi, aLo, cb, bSe, bHi, bLo);
  if (ca === F80_INFINITY || cb === F80_ZERO) return ctx.invalid();
  remQuotient = 0;
  if ((ca === F80_DENORMAL || cb === F80_DENORMAL) && !denormal(ctx)) return false;
  const sign = aSe >>> 15;
  if (ca === F80_ZERO) {
    ctx.result(aSe, aHi, aLo);
    return true;
  }
  if (cb === F80_INFINITY) {
    unchangedDividend(ctx, aSe, aHi, aLo);
    return true;
  }
  unpackF80(bSe, bHi, bLo);
  const eb = unpacked.exp;
  const bh = unpacked.h;
  const bl = unpacked.l;
  unpackF80(aSe, aHi, aLo);
  const ea = unpacked.exp;
  let rH = unpacked.h;
  let rL = unpacked.l;
  let d = ea - eb;
  if (d < 0) {
    // |a| < |b|: quotient 0; FPREM1 still rounds to 1 when |a| > |b|/2.
    if (ieee && d === -1 && (rH > bh || (rH === bh && rL > bl))) {
      subtractFromDivisor(ctx, sign, eb, bh, bl, rH, rL);
      remQuotient = 1;
      return true;
    }
    // The dividend is the remainder; it passes the rounding unit (a denormal with UE unmasked
    // is bias-adjusted, a pseudo-denormal comes back normal; measured).
    normalizeRoundPackF80(ctx, 64, sign, ea, rH, rL, 0);
    return true;
  }
  let resultExp = eb;
  if (d >= 64) {
    // Incomplete reduction (C2=1): divide by b·2^(d−n) with n in 32..63, measured on hardware
    // as n = 32 + (d mod 32).
    const n = 32 + (d & 31);
    resultExp = ea - n;
    d = n;
    remComplete = false;
  }
  // Long division of the significands: d+1 quotient bits; the remainder stays below b.
  let q = 0;
  let rT = 0;
  for (let i = 0; i <= d; i++) {
    if (i > 0) {
      rT = rH >>> 31;
      rH = ((rH << 1) | (rL >>> 31)) >>> 0;
      rL = (rL << 1) >>> 0;
    }
    q = (q << 1) & 0x7;
    if (rT !== 0 || rH > bh || (rH === bh && rL >= bl)) {
      let l = rL - bl;
      let borrow = 0;
      if (l < 0) {
        l += 0x100000000;
        borrow = 1;
      }
      rH = (rH - bh - borrow) >>> 0;
      rL = l;
      rT = 0;
      q |= 1;
    }
  }
  let rsign = sign;
  if (ieee && remComplete) {
    // Round the quotient to nearest: compare 2r with b.
    const twoT = rH >>> 31;
    const twoH = ((rH << 1) | (rL >>> 31)) >>> 0;
    const twoL = (rL << 1) >>> 0;
    const cmp = twoT !== 0 || twoH > bh || (twoH === bh && twoL > bl) ? 1 : twoH === bh && twoL === bl ? 0 : -1;
    if (cmp > 0 || (cmp === 0 && (q & 1) !== 0)) {
      q = (q + 1) & 0x7;
      // r ← b − r
      let l = bl - rL;
      let borrow = 0;
      if (l < 0) {
        l += 0x100000000;
        borrow = 1;
      }
      rH = (bh - rH - borrow) >>> 0;
      rL = l;
      rsign ^= 1;
    }
  }
  remQuotient = q;
  if ((rH | rL) === 0) {
    ctx.result(sign << 15, 0, 0);
    return true;
  }
  normalizeRoundPackF80(ctx, 64, rsign, resultExp, rH, rL, 0);
  return true;
}

/**
 * FPREM1 with a in (b/2, b): the remainder is a − b, magnitude b − a, opposite sign to a.
 * a has exponent eb − 1, so b − a = (2·B − A)·2^(eb−1) in significand units; 2B − A < B.
 */
function subtractFromDivisor(ctx: F80Context, sign: number, eb: number, bh: number, bl: number, ah: number, al: number): void {
  const tH = ((bh << 1) | (bl >>> 31)) >>> 0;
  const tL = (bl << 1) >>> 0;
  let l = tL - al;
  let borrow = 0;
  if (l < 0) {
    l += 0x100000000;
    borrow = 1;
  }
  const h = (tH - ah - borrow) >>> 0;
  normalizeRoundPackF80(ctx, 64, sign ^ 1, eb - 1, h, l >>> 0, 0);
}

/**
 * The dividend returned unchanged for an infinite divisor, except that a pseudo-denormal comes back
 * in its normal encoding (exponent 1); no underflow is signalled for a denormal (measured).
 */
function unchangedDividend(ctx: F80Context, se: number, hi: number, lo: number): void {
  if ((se & 0x7fff) === 0 && (hi & 0x80000000) !== 0) se |= 1;
  ctx.result(se, hi, lo);
}

function denormal(ctx: F80Context): boolean {
  ctx.flags |= FPU_EX_DE;
  return (ctx.masks & FPU_EX_DE) !== 0;
}
