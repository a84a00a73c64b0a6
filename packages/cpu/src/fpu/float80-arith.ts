// The basic arithmetic of the x87: add, subtract, multiply, divide, square root on 80-bit
// values in software, exact to the bit including precision control and every exception
// response. Intel SDM vol. 1 §4.8.3 (special operands), §8.5 (exception conditions) and the
// instruction pages FADD/FSUB/FMUL/FDIV/FSQRT (vol. 2A) for the special-operand tables.
//
// Every function leaves the result in ctx (se/hi/lo) and returns false when an unmasked
// pre-computation exception (IE, DE, ZE) means the destination must not be written.

import {
  F80_BIAS,
  F80_DENORMAL,
  F80_EXP_MAX,
  F80_INFINITY,
  F80_QNAN,
  F80_SNAN,
  F80_UNSUPPORTED,
  F80_ZERO,
  type F80Context,
  cancellationZeroSign,
  classifyF80,
  normalizeRoundPackF80,
  propagateNaN1,
  propagateNaN2,
  roundPackF80,
  shiftRightJam96,
  shifted,
  unpackF80,
  unpacked,
} from "./float80.js";
import { FPU_EX_DE, FPU_EX_ZE } from "./x87-control-status.js";

// ---------------------------------------------------------------------------------------
// 64×64 → 128-bit multiply in 16-bit limbs (every partial sum stays below 2^53).

/** Output of mul64: the 128-bit product, w3 most significant. */
export const product = { w0: 0, w1: 0, w2: 0, w3: 0 };

/** The 64-bit factors of mul64Factors (object fields, so that nothing is boxed on a call). */
export const factors = { ah: 0, al: 0, bh: 0, bl: 0 };

/** 128-bit product of ah:al and bh:bl into `product`. */
export function mul64(ah: number, al: number, bh: number, bl: number): void {
  factors.ah = ah;
  factors.al = al;
  factors.bh = bh;
  factors.bl = bl;
  mul64Factors();
}

export function mul64Factors(): void {
  const ah = factors.ah;
  const al = factors.al;
  const bh = factors.bh;
  const bl = factors.bl;
  // Schoolbook product in 16-bit limbs. Each column starts from the low 16 bits of the carry and
  // adds one partial product (< 2^32 − 2^17) at a time, moving the bits above 16 into `hi`, so
  // every intermediate stays below 2^32 and no division is needed.
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const a2 = ah & 0xffff;
  const a3 = ah >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const b2 = bh & 0xffff;
  const b3 = bh >>> 16;
  let c = a0 * b0;
  const w0 = c & 0xffff;
  let hi = c >>> 16;
  // column 1
  c = hi + a0 * b1;
  hi = c >>> 16;
  c = (c & 0xffff) + a1 * b0;
  hi += c >>> 16;
  const w1 = c & 0xffff;
  // column 2
  c = (hi & 0xffff) + a0 * b2;
  hi = (hi >>> 16) + (c >>> 16);
  c = (c & 0xffff) + a1 * b1;
  hi += c >>> 16;
  c = (c & 0xffff) + a2 * b0;
  hi += c >>> 16;
  const w2 = c & 0xffff;
  // column 3
  c = (hi & 0xffff) + a0 * b3;
  hi = (hi >>> 16) + (c >>> 16);
  c = (c & 0xffff) + a1 * b2;
  hi += c >>> 16;
  c = (c & 0xffff) + a2 * b1;
  hi += c >>> 16;
  c = (c & 0xffff) + a3 * b0;
  hi += c >>> 16;
  const w3 = c & 0xffff;
  // column 4
  c = (hi & 0xffff) + a1 * b3;
  hi = (hi >>> 16) + (c >>> 16);
  c = (c & 0xffff) + a2 * b2;
  hi += c >>> 16;
  c = (c & 0xffff) + a3 * b1;
  hi += c >>> 16;
  const w4 = c & 0xffff;
  // column 5
  c = (hi & 0xffff) + a2 * b3;
  hi = (hi >>> 16) + (c >>> 16);
  c = (c & 0xffff) + a3 * b2;
  hi += c >>> 16;
  const w5 = c & 0xffff;
  // column 6 and the top
  c = (hi & 0xffff) + a3 * b3;
  hi = (hi >>> 16) + (c >>> 16);
  const w6 = c & 0xffff;
  const w7 = hi;
  product.w0 = ((w1 << 16) | w0) >>> 0;
  product.w1 = ((w3 << 16) | w2) >>> 0;
  product.w2 = ((w5 << 16) | w4) >>> 0;
  product.w3 = ((w7 << 16) | w6) >>> 0;
}

// ---------------------------------------------------------------------------------------

/** Raises DE for a denormal operand; false when DE is unmasked (operation aborted). */
function denormalOperand(ctx: F80Context): boolean {
  ctx.flags |= FPU_EX_DE;
  return (ctx.masks & FPU_EX_DE) !== 0;
}

/** Rounds a single finite non-zero operand to the context precision (x ± 0, x × 1 cases). */
function roundOperand(ctx: F80Context, prec: number, sign: number, se: number, hi: number, lo: number): void {
  unpackF80(se, hi, lo);
  roundPackF80(ctx, prec, sign, unpacked.exp, unpacked.h, unpacked.l, 0);
}

function isSpecial(se: number, hi: number): boolean {
  const e = se & F80_EXP_MAX;
  return e === 0 || e === F80_EXP_MAX || (hi & 0x80000000) === 0;
}

/**
 * a + b, or a − b when `subtract` (FADD/FSUB and their reversed/popping/integer forms).
 * `prec` is the precision-control width (64 outside FADD-family uses).
 */
export function f80Add(ctx: F80Context, prec: number, subtract: boolean): boolean {
  const aSe = ctx.aSe;
  const aHi = ctx.aHi;
  const aLo = ctx.aLo;
  const bSe = ctx.bSe;
  const bHi = ctx.bHi;
  const bLo = ctx.bLo;
  const sbSe = subtract ? bSe ^ 0x8000 : bSe;
  if (isSpecial(aSe, aHi) || isSpecial(bSe, bHi) || ctx.denormalSource) return addSpecial(ctx, prec, aSe, aHi, aLo, bSe, bHi, bLo, sbSe);
  addMagnitudes(ctx, prec, aSe >>> 15, aSe & F80_EXP_MAX, sbSe >>> 15, sbSe & F80_EXP_MAX);
  return true;
}

function addSpecial(
  ctx: F80Context,
  prec: number,
  aSe: number,
  aHi: number,
  aLo: number,
  bSe: number,
  bHi: number,
  bLo: number,
  sbSe: number,
): boolean {
  const ca = classifyF80(aSe, aHi, aLo);
  const cb = classifyF80(bSe, bHi, bLo);
  if (ca === F80_UNSUPPORTED || cb === F80_UNSUPPORTED) return ctx.invalid();
  if (ca >= F80_QNAN || cb >= F80_QNAN) return propagateNaN2(ctx, ca, aSe, aHi, aLo, cb, bSe, bHi, bLo);
  if ((ca === F80_DENORMAL || cb === F80_DENORMAL || ctx.denormalSource) && !denormalOperand(ctx)) return false;
  const sa = aSe >>> 15;
  const sb = sbSe >>> 15;
  if (ca === F80_INFINITY) {
    if (cb === F80_INFINITY && sa !== sb) return ctx.invalid();
    ctx.result(aSe, aHi, aLo);
    return true;
  }
  if (cb === F80_INFINITY) {
    ctx.result(sbSe, bHi, bLo);
    return true;
  }
  if (ca === F80_ZERO) {
    if (cb === F80_ZERO) {
      ctx.result((sa === sb ? sa : cancellationZeroSign(ctx)) << 15, 0, 0);
      return true;
    }
    roundOperand(ctx, prec, sb, bSe, bHi, bLo);
    return true;
  }
  if (cb === F80_ZERO) {
    roundOperand(ctx, prec, sa, aSe, aHi, aLo);
    return true;
  }
  // Denormal operands: normalise (into the context's operand fields), then the ordinary path.
  unpackF80(aSe, aHi, aLo);
  const ea = unpacked.exp;
  ctx.aHi = unpacked.h;
  ctx.aLo = unpacked.l;
  unpackF80(bSe, bHi, bLo);
  ctx.bHi = unpacked.h;
  ctx.bLo = unpacked.l;
  addMagnitudes(ctx, prec, sa, ea, sb, unpacked.exp);
  return true;
}

/** Adds two normalised finite non-zero operands whose significands are in ctx.aHi/aLo and ctx.bHi/bLo (exponents may be below 1). */
function addMagnitudes(ctx: F80Context, prec: number, sa: number, ea: number, sb: number, eb: number): void {
  let ah = ctx.aHi;
  let al = ctx.aLo;
  let bh = ctx.bHi;
  let bl = ctx.bLo;
  // Order by magnitude so that a ≥ b.
  if (ea < eb || (ea === eb && (ah < bh || (ah === bh && al < bl)))) {
    let t = ea;
    ea = eb;
    eb = t;
    t = ah;
    ah = bh;
    bh = t;
    t = al;
    al = bl;
    bl = t;
    t = sa;
    sa = sb;
    sb = t;
  }
  shiftRightJam96(bh, bl, 0, ea - eb);
  const bx = shifted.x;
  bh = shifted.h;
  bl = shifted.l;
  if (sa === sb) {
    let l = al + bl;
    let carry = 0;
    if (l > 0xffffffff) {
      l -= 0x100000000;
      carry = 1;
    }
    let h = ah + bh + carry;
    let x = bx;
    if (h > 0xffffffff) {
      // Carry out of bit 63: shift right one place, keeping the lost bit sticky.
      x = ((x >>> 1) | ((l & 1) << 31) | (x & 1)) >>> 0;
      l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
      h = ((h - 0x100000000) >>> 1) | 0x80000000;
      ea++;
    }
    roundPackF80(ctx, prec, sa, ea, h >>> 0, l, x);
    return;
  }
  let x = 0;
  let borrow = 0;
  if (bx !== 0) {
    x = 0x100000000 - bx;
    borrow = 1;
  }
  let l = al - bl - borrow;
  borrow = 0;
  if (l < 0) {
    l += 0x100000000;
    borrow = 1;
  }
  const h = ah - bh - borrow;
  if ((h | l | x) === 0) {
    ctx.result(cancellationZeroSign(ctx) << 15, 0, 0);
    return;
  }
  normalizeRoundPackF80(ctx, prec, sa, ea, h >>> 0, l >>> 0, x >>> 0);
}

/** a × b (FMUL family). */
export function f80Mul(ctx: F80Context, prec: number): boolean {
  const aSe = ctx.aSe;
  const aHi = ctx.aHi;
  const aLo = ctx.aLo;
  const bSe = ctx.bSe;
  const bHi = ctx.bHi;
  const bLo = ctx.bLo;
  const sign = (aSe ^ bSe) >>> 15;
  let ea: number;
  let ah: number;
  let al: number;
  let eb: number;
  let bh: number;
  let bl: number;
  if (isSpecial(aSe, aHi) || isSpecial(bSe, bHi) || ctx.denormalSource) {
    const ca = classifyF80(aSe, aHi, aLo);
    const cb = classifyF80(bSe, bHi, bLo);
    if (ca === F80_UNSUPPORTED || cb === F80_UNSUPPORTED) return ctx.invalid();
    if (ca >= F80_QNAN || cb >= F80_QNAN) return propagateNaN2(ctx, ca, aSe, aHi, aLo, cb, bSe, bHi, bLo);
    if (ca === F80_INFINITY || cb === F80_INFINITY) {
      if (ca === F80_ZERO || cb === F80_ZERO) return ctx.invalid();
      if ((ca === F80_DENORMAL || cb === F80_DENORMAL || ctx.denormalSource) && !denormalOperand(ctx)) return false;
      ctx.result((sign << 15) | F80_EXP_MAX, 0x80000000, 0);
      return true;
    }
    if ((ca === F80_DENORMAL || cb === F80_DENORMAL || ctx.denormalSource) && !denormalOperand(ctx)) return false;
    if (ca === F80_ZERO || cb === F80_ZERO) {
      ctx.result(sign << 15, 0, 0);
      return true;
    }
    unpackF80(aSe, aHi, aLo);
    ea = unpacked.exp;
    ah = unpacked.h;
    al = unpacked.l;
    unpackF80(bSe, bHi, bLo);
    eb = unpacked.exp;
    bh = unpacked.h;
    bl = unpacked.l;
  } else {
    ea = aSe & F80_EXP_MAX;
    ah = aHi;
    al = aLo;
    eb = bSe & F80_EXP_MAX;
    bh = bHi;
    bl = bLo;
  }
  mul64(ah, al, bh, bl);
  let exp = ea + eb - F80_BIAS;
  let h = product.w3;
  let l = product.w2;
  let x = product.w1;
  if ((h & 0x80000000) !== 0) {
    exp++;
  } else {
    h = ((h << 1) | (l >>> 31)) >>> 0;
    l = ((l << 1) | (x >>> 31)) >>> 0;
    x = ((x << 1) | (product.w0 >>> 31)) >>> 0;
  }
  if (product.w0 !== 0) x = (x | 1) >>> 0;
  roundPackF80(ctx, prec, sign, exp, h, l, x);
  return true;
}

/** a ÷ b (FDIV family). */
export function f80Div(ctx: F80Context, prec: number): boolean {
  const aSe = ctx.aSe;
  const aHi = ctx.aHi;
  const aLo = ctx.aLo;
  const bSe = ctx.bSe;
  const bHi = ctx.bHi;
  const bLo = ctx.bLo;
  const sign = (aSe ^ bSe) >>> 15;
  let ea: number;
  let ah: number;
  let al: number;
  let eb: number;
  let bh: number;
  let bl: number;
  if (isSpecial(aSe, aHi) || isSpecial(bSe, bHi) || ctx.denormalSource) {
    const ca = classifyF80(aSe, aHi, aLo);
    const cb = classifyF80(bSe, bHi, bLo);
    if (ca === F80_UNSUPPORTED || cb === F80_UNSUPPORTED) return ctx.invalid();
    if (ca >= F80_QNAN || cb >= F80_QNAN) return propagateNaN2(ctx, ca, aSe, aHi, aLo, cb, bSe, bHi, bLo);
    if ((ca === F80_INFINITY && cb === F80_INFINITY) || (ca === F80_ZERO && cb === F80_ZERO)) return ctx.invalid();
    // A zero divisor raises ZE alone, even with a denormal dividend (measured).
    if (cb === F80_ZERO && ca !== F80_INFINITY) {
      ctx.flags |= FPU_EX_ZE;
      if ((ctx.masks & FPU_EX_ZE) === 0) return false;
      ctx.result((sign << 15) | F80_EXP_MAX, 0x80000000, 0);
      return true;
    }
    if ((ca === F80_DENORMAL || cb === F80_DENORMAL || ctx.denormalSource) && !denormalOperand(ctx)) return false;
    if (ca === F80_INFINITY || cb === F80_ZERO) {
      ctx.result((sign << 15) | F80_EXP_MAX, 0x80000000, 0);
      return true;
    }
    if (ca === F80_ZERO || cb === F80_INFINITY) {
      ctx.result(sign << 15, 0, 0);
      return true;
    }
    unpackF80(aSe, aHi, aLo);
    ea = unpacked.exp;
    ah = unpacked.h;
    al = unpacked.l;
    unpackF80(bSe, bHi, bLo);
    eb = unpacked.exp;
    bh = unpacked.h;
    bl = unpacked.l;
  } else {
    ea = aSe & F80_EXP_MAX;
    ah = aHi;
    al = aLo;
    eb = bSe & F80_EXP_MAX;
    bh = bHi;
    bl = bLo;
  }
  let exp = ea - eb + F80_BIAS;
  // Scale the dividend to a' in [b, 2b): the integer quotient bit is 1 and r0 = a' − b < b.
  let rH: number;
  let rL: number;
  if (ah < bh || (ah === bh && al < bl)) {
    exp--;
    // a' = 2a (65 bits, top bit implied by the subtraction below wrapping correctly).
    const h2 = ((ah << 1) | (al >>> 31)) >>> 0;
    const l2 = (al << 1) >>> 0;
    rL = l2 - bl;
    rH = h2 - bh;
  } else {
    rL = al - bl;
    rH = ah - bh;
  }
  if (rL < 0) {
    rL += 0x100000000;
    rH -= 1;
  }
  rH = rH >>> 0;
  // Two 32-bit quotient digits: q = 1.d1 d2 (64 fraction bits) and a remainder for the sticky bit.
  divisor.h = bh;
  divisor.l = bl;
  quotientDigit(rH, rL);
  const d1 = division.digit;
  quotientDigit(division.h, division.l);
  const d2 = division.digit;
  const sticky = (division.h | division.l) !== 0 ? 1 : 0;
  const qH = (0x80000000 | (d1 >>> 1)) >>> 0;
  const qL = (((d1 & 1) << 31) | (d2 >>> 1)) >>> 0;
  roundPackF80(ctx, prec, sign, exp, qH, qL, (((d2 & 1) << 31) | sticky) >>> 0);
  return true;
}

/** The divisor of quotientDigit and its results (fields: no boxing across calls). */
const divisor = { h: 0, l: 0 };
const division = { digit: 0, h: 0, l: 0 };

/**
 * One 32-bit digit of long division: with r = rH:rL < d = divisor, d = floor(r·2^32 / d) into
 * division.digit and the new remainder r·2^32 − digit·d (< d) into division.h/l. The digit is
 * estimated in double precision (off by at most a few units) and corrected exactly.
 */
function quotientDigit(rH: number, rL: number): void {
  const bh = divisor.h;
  const bl = divisor.l;
  let digit = Math.floor(((rH * 4294967296 + rL) / (bh * 4294967296 + bl)) * 4294967296);
  if (digit > 0xffffffff) digit = 0xffffffff;
  mul64(0, digit, bh, bl);
  // t = r·2^32 − digit·d over three words (t2 signed: negative when the estimate was too big).
  let t0 = 0 - product.w0;
  let borrow = 0;
  if (t0 < 0) {
    t0 += 0x100000000;
    borrow = 1;
  }
  let t1 = rL - product.w1 - borrow;
  borrow = 0;
  if (t1 < 0) {
    t1 += 0x100000000;
    borrow = 1;
  }
  let t2 = rH - product.w2 - borrow;
  // Too big: add the divisor back.
  while (t2 < 0) {
    digit--;
    t0 += bl;
    let carry = 0;
    if (t0 > 0xffffffff) {
      t0 -= 0x100000000;
      carry = 1;
    }
    t1 += bh + carry;
    carry = 0;
    if (t1 > 0xffffffff) {
      t1 -= 0x100000000;
      carry = 1;
    }
    t2 += carry;
  }
  // Too small: subtract the divisor while the remainder is still ≥ d.
  while (t2 > 0 || t1 > bh || (t1 === bh && t0 >= bl)) {
    digit++;
    t0 -= bl;
    let b = 0;
    if (t0 < 0) {
      t0 += 0x100000000;
      b = 1;
    }
    t1 -= bh + b;
    b = 0;
    if (t1 < 0) {
      t1 += 0x100000000;
      b = 1;
    }
    t2 -= b;
  }
  division.digit = digit >>> 0;
  division.h = t1;
  division.l = t0;
}

/** √a (FSQRT). */
export function f80Sqrt(ctx: F80Context, prec: number): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  let exp: number;
  let sh: number;
  let sl: number;
  if (isSpecial(se, hi) || (se & 0x8000) !== 0) {
    const c = classifyF80(se, hi, lo);
    if (c === F80_UNSUPPORTED) return ctx.invalid();
    if (c === F80_QNAN || c === F80_SNAN) return propagateNaN1(ctx, c, se, hi, lo);
    if (c === F80_ZERO) {
      ctx.result(se, hi, lo);
      return true;
    }
    if ((se & 0x8000) !== 0) return ctx.invalid();
    if (c === F80_INFINITY) {
      ctx.result(se, hi, lo);
      return true;
    }
    if (c === F80_DENORMAL && !denormalOperand(ctx)) return false;
    unpackF80(se, hi, lo);
    exp = unpacked.exp;
    sh = unpacked.h;
    sl = unpacked.l;
  } else {
    exp = se & F80_EXP_MAX;
    sh = hi;
    sl = lo;
  }
  const e = exp - F80_BIAS;
  const odd = (e & 1) !== 0;
  // Digit-by-digit square root of N = S·2^65 (even exponent) or S·2^66 (odd): a 65-bit root.
  const offset = odd ? 66 : 65;
  let rT = 0;
  let rH = 0;
  let rL = 0;
  let qT = 0;
  let qH = 0;
  let qL = 0;
  for (let i = 64; i >= 0; i--) {
    const b1 = bitOfSignificand(sh, sl, 2 * i + 1 - offset);
    const b0 = bitOfSignificand(sh, sl, 2 * i - offset);
    rT = rT * 4 + (rH >>> 30);
    rH = ((rH << 2) | (rL >>> 30)) >>> 0;
    rL = ((rL << 2) | (b1 << 1) | b0) >>> 0;
    const tT = qT * 4 + (qH >>> 30);
    const tH = ((qH << 2) | (qL >>> 30)) >>> 0;
    const tL = ((qL << 2) | 1) >>> 0;
    qT = qT * 2 + (qH >>> 31);
    qH = ((qH << 1) | (qL >>> 31)) >>> 0;
    qL = (qL << 1) >>> 0;
    if (rT > tT || (rT === tT && (rH > tH || (rH === tH && rL >= tL)))) {
      let l = rL - tL;
      let borrow = 0;
      if (l < 0) {
        l += 0x100000000;
        borrow = 1;
      }
      let h = rH - tH - borrow;
      borrow = 0;
      if (h < 0) {
        h += 0x100000000;
        borrow = 1;
      }
      rT = rT - tT - borrow;
      rH = h;
      rL = l;
      qL = (qL | 1) >>> 0;
    }
  }
  const h = ((qT << 31) | (qH >>> 1)) >>> 0;
  const l = ((qH << 31) | (qL >>> 1)) >>> 0;
  const x = (((qL & 1) << 31) | ((rT | rH | rL) !== 0 ? 1 : 0)) >>> 0;
  roundPackF80(ctx, prec, 0, Math.floor(e / 2) + F80_BIAS, h, l, x);
  return true;
}

function bitOfSignificand(h: number, l: number, i: number): number {
  if (i < 0 || i > 63) return 0;
  return i >= 32 ? (h >>> (i - 32)) & 1 : (l >>> i) & 1;
}

