// Double extended-precision (80-bit) values: encoding, classification, the per-operation
// context and the rounding step shared by every arithmetic instruction.
// Intel SDM vol. 1 §4.2.2 (Table 4-3), §4.8 (real number system, NaNs), §8.2.2 (unsupported
// encodings), §4.9.1.4–§4.9.1.6 and §8.5 (exception conditions and masked responses).
//
// A value is three numbers: `se` (bit 15 sign, bits 14..0 biased exponent), `hi` and `lo`
// (the 64-bit significand with its explicit integer bit as bit 31 of `hi`). Nothing here
// allocates; results go into the caller's F80Context.

import {
  FPU_CW_PC_MASK,
  FPU_CW_PC_SHIFT,
  FPU_CW_RC_MASK,
  FPU_CW_RC_SHIFT,
  FPU_EX_ALL,
  FPU_EX_IE,
  FPU_EX_OE,
  FPU_EX_PE,
  FPU_EX_UE,
  FPU_PC_DOUBLE,
  FPU_PC_SINGLE,
  FPU_RC_DOWN,
  FPU_RC_NEAREST,
  FPU_RC_UP,
} from "./x87-control-status.js";

export const F80_BIAS = 16383;
export const F80_EXP_MAX = 0x7fff;
export const F80_SIGN = 0x8000;
/** Bias adjustment applied to the exponent of an unmasked overflow/underflow result (SDM vol. 1 §8.5.3, §8.5.4). */
export const F80_BIAS_ADJUST = 24576;

/** Operand classes (SDM vol. 1 Table 8-3 plus §8.2.2 unsupported encodings). */
export const F80_ZERO = 0;
export const F80_NORMAL = 1;
/** Denormal or pseudo-denormal (exponent 0); both raise #D and are used as operands. */
export const F80_DENORMAL = 2;
export const F80_INFINITY = 3;
export const F80_QNAN = 4;
export const F80_SNAN = 5;
/** Pseudo-NaN, pseudo-infinity, unnormal: always an invalid operand on the 387 and later. */
export const F80_UNSUPPORTED = 6;

/** The real indefinite: a negative QNaN with significand 1.1000… (SDM vol. 1 Table 4-3). */
export const F80_INDEFINITE_SE = 0xffff;
export const F80_INDEFINITE_HI = 0xc0000000;

export function classifyF80(se: number, hi: number, lo: number): number {
  const exp = se & F80_EXP_MAX;
  if (exp === 0) return (hi | lo) === 0 ? F80_ZERO : F80_DENORMAL;
  if ((hi & 0x80000000) === 0) return F80_UNSUPPORTED; // unnormal, pseudo-NaN, pseudo-infinity
  if (exp !== F80_EXP_MAX) return F80_NORMAL;
  if ((hi & 0x7fffffff) === 0 && lo === 0) return F80_INFINITY;
  return (hi & 0x40000000) !== 0 ? F80_QNAN : F80_SNAN;
}

export function isNaNClass(c: number): boolean {
  return c === F80_QNAN || c === F80_SNAN;
}

/** The double path (float80-double-path.ts) is not taken: precision control 24 bits. */
export const DOUBLE_PATH_NONE = 0;
/** Only for exact results (precision 53 with a directed rounding, or 64 bits). */
export const DOUBLE_PATH_EXACT = 1;
/** For rounded results too: precision 53, round to nearest (the host's own double arithmetic). */
export const DOUBLE_PATH_ROUNDED = 2;

/**
 * Per-FPU arithmetic context: the control-word fields an operation reads, the exception
 * flags it raises and the value(s) it produces. One instance lives in each FPU.
 */
export class F80Context {
  /** FCW.RC (FPU_RC_*). */
  rc = FPU_RC_NEAREST;
  /** Significand bits kept by FADD/FSUB/FMUL/FDIV/FSQRT: 24, 53 or 64 (FCW.PC, SDM vol. 1 §8.1.5.2). */
  precision = 64;
  /** What float80-double-path.ts may do under this control word (DOUBLE_PATH_*), for the direct entries. */
  doublePath = DOUBLE_PATH_EXACT;
  /** FCW exception masks (bits 0..5). */
  masks = FPU_EX_ALL;
  /** Exception flags raised by the current operation (FPU_EX_* and FPU_SW_SF). */
  flags = 0;
  /** 1 when the last rounding increased the magnitude — reported in C1 (SDM vol. 1 §8.1.3.2). */
  roundedUp = 0;
  /**
   * Set by the executor when a memory operand was a single/double denormal: widened to 80 bits
   * it is a normal number, but the operation must still raise #D for it.
   */
  denormalSource = false;
  /**
   * Operands: the first (ST(0) for most instructions, the dividend, y of FPATAN, x of FYL2X) and
   * the second. Passed in fields rather than arguments so that no number is boxed on the way in.
   */
  aSe = 0;
  aHi = 0;
  aLo = 0;
  bSe = 0;
  bHi = 0;
  bLo = 0;
  /** Primary result. */
  se = 0;
  hi = 0;
  lo = 0;
  /** Second result (FXTRACT significand, FPTAN 1.0, FSINCOS cosine). */
  se2 = 0;
  hi2 = 0;
  lo2 = 0;

  setControlWord(cw: number): void {
    this.masks = cw & FPU_EX_ALL;
    this.rc = (cw & FPU_CW_RC_MASK) >>> FPU_CW_RC_SHIFT;
    const pc = (cw & FPU_CW_PC_MASK) >>> FPU_CW_PC_SHIFT;
    // PC=01 is reserved; the hardware rounds as for 64 bits (checked against the oracle).
    this.precision = pc === FPU_PC_SINGLE ? 24 : pc === FPU_PC_DOUBLE ? 53 : 64;
    this.doublePath = pc === FPU_PC_SINGLE ? DOUBLE_PATH_NONE : pc === FPU_PC_DOUBLE && this.rc === FPU_RC_NEAREST ? DOUBLE_PATH_ROUNDED : DOUBLE_PATH_EXACT;
  }

  /** Starts an operation: clears the flags and the round-up indicator. */
  begin(): void {
    this.flags = 0;
    this.roundedUp = 0;
    this.denormalSource = false;
  }

  setA(se: number, hi: number, lo: number): void {
    this.aSe = se;
    this.aHi = hi;
    this.aLo = lo;
  }

  setB(se: number, hi: number, lo: number): void {
    this.bSe = se;
    this.bHi = hi;
    this.bLo = lo;
  }

  /** Exchanges the operands (reversed subtract/divide). */
  swapOperands(): void {
    let t = this.aSe;
    this.aSe = this.bSe;
    this.bSe = t;
    t = this.aHi;
    this.aHi = this.bHi;
    this.bHi = t;
    t = this.aLo;
    this.aLo = this.bLo;
    this.bLo = t;
  }

  result(se: number, hi: number, lo: number): void {
    this.se = se;
    this.hi = hi;
    this.lo = lo;
  }

  result2(se: number, hi: number, lo: number): void {
    this.se2 = se;
    this.hi2 = hi;
    this.lo2 = lo;
  }

  /** True when `flag` was raised and its mask bit is clear (unmasked response needed). */
  unmasked(flag: number): boolean {
    return (this.flags & flag & ~this.masks) !== 0;
  }

  /**
   * Raises IE; with IE masked the result is the real indefinite (returns true), unmasked
   * there is no result (returns false) — SDM vol. 1 §8.5.1.
   */
  invalid(): boolean {
    this.flags |= FPU_EX_IE;
    if ((this.masks & FPU_EX_IE) === 0) return false;
    this.result(F80_INDEFINITE_SE, F80_INDEFINITE_HI, 0);
    return true;
  }
}

// ---------------------------------------------------------------------------------------
// NaN propagation (SDM vol. 1 §4.8.3.5, Table 4-7, x87 column)

/** Quiet NaN with the larger significand; on equal significands the positive one (measured). */
function pickLargerNaN(ctx: F80Context, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  const ah = (aHi | 0x40000000) >>> 0;
  const bh = (bHi | 0x40000000) >>> 0;
  if (ah > bh || (ah === bh && aLo > bLo)) ctx.result(aSe, ah, aLo);
  else if (ah < bh || aLo < bLo) ctx.result(bSe, bh, bLo);
  else ctx.result(aSe < bSe ? aSe : bSe, ah, aLo);
}

/**
 * Result of a two-operand arithmetic instruction when at least one operand is a NaN.
 * SNaN → IE; the result is the QNaN operand when one is quiet and the other signalling,
 * else the larger significand, always quieted. Returns false when IE is unmasked.
 */
export function propagateNaN2(
  ctx: F80Context,
  ca: number,
  aSe: number,
  aHi: number,
  aLo: number,
  cb: number,
  bSe: number,
  bHi: number,
  bLo: number,
): boolean {
  if (ca === F80_SNAN || cb === F80_SNAN) {
    ctx.flags |= FPU_EX_IE;
    if ((ctx.masks & FPU_EX_IE) === 0) return false;
  }
  const aNaN = ca === F80_QNAN || ca === F80_SNAN;
  const bNaN = cb === F80_QNAN || cb === F80_SNAN;
  if (aNaN && bNaN) {
    if (ca === F80_QNAN && cb === F80_SNAN) ctx.result(aSe, aHi, aLo);
    else if (ca === F80_SNAN && cb === F80_QNAN) ctx.result(bSe, bHi, bLo);
    else pickLargerNaN(ctx, aSe, aHi, aLo, bSe, bHi, bLo);
  } else if (aNaN) {
    ctx.result(aSe, (aHi | 0x40000000) >>> 0, aLo);
  } else {
    ctx.result(bSe, (bHi | 0x40000000) >>> 0, bLo);
  }
  return true;
}

/** One-operand form: SNaN → IE and quieted; QNaN passes through. */
export function propagateNaN1(ctx: F80Context, c: number, se: number, hi: number, lo: number): boolean {
  if (c === F80_SNAN) {
    ctx.flags |= FPU_EX_IE;
    if ((ctx.masks & FPU_EX_IE) === 0) return false;
  }
  ctx.result(se, (hi | 0x40000000) >>> 0, lo);
  return true;
}

// ---------------------------------------------------------------------------------------
// Normalisation scratch: unpackF80 leaves a finite non-zero operand here.

/**
 * Output of unpackF80: value = (h:l / 2^63) · 2^(exp − 16383) with h bit 31 set. Scratch results
 * live in object fields rather than module variables so that storing 32-bit unsigned values
 * does not allocate (V8 boxes numbers outside the small-integer range in module scope).
 */
export const unpacked = { exp: 0, h: 0, l: 0 };

/**
 * Normalises a finite non-zero value (normal, denormal or pseudo-denormal) into unpacked.exp/unpacked.h/unpacked.l.
 * Denormals get an exponent below 1 (SDM vol. 1 §4.8.3.2: exponent field 0 means 2^-16382).
 */
export function unpackF80(se: number, hi: number, lo: number): void {
  let exp = se & F80_EXP_MAX;
  if (exp === 0) exp = 1;
  if ((hi & 0x80000000) === 0) {
    if (hi === 0) {
      const s = Math.clz32(lo);
      hi = (lo << s) >>> 0;
      lo = 0;
      exp -= 32 + s;
    } else {
      const s = Math.clz32(hi);
      hi = ((hi << s) | (lo >>> (32 - s))) >>> 0;
      lo = (lo << s) >>> 0;
      exp -= s;
    }
  }
  unpacked.exp = exp;
  unpacked.h = hi;
  unpacked.l = lo;
}

// ---------------------------------------------------------------------------------------
// Rounding (SDM vol. 1 §4.8.4) with the x87's precision control and exponent range.

/** Output of roundSignificand: significand, carry out of bit 63, inexact, rounded away from zero. */
export const rounded = { h: 0, l: 0, carry: false, inexact: false, up: false };

export function roundsAway(rc: number, sign: number, halfCmp: number, lsb: number): boolean {
  switch (rc) {
    case FPU_RC_NEAREST:
      return halfCmp > 0 || (halfCmp === 0 && lsb !== 0);
    case FPU_RC_DOWN:
      return sign !== 0;
    case FPU_RC_UP:
      return sign === 0;
    default:
      return false;
  }
}

/**
 * A 96-bit significand h:l:x: h:l the 64-bit significand, x the bits below it with any further
 * non-zero bits jammed into its bit 0. Helpers hand these over in object fields, not arguments:
 * V8 boxes numbers outside the small-integer range when they cross a call that is not inlined.
 */
export class Significand96 {
  h = 0;
  l = 0;
  x = 0;

  set(h: number, l: number, x: number): void {
    this.h = h;
    this.l = l;
    this.x = x;
  }
}

/** Input of roundPackPending. */
export const pending = new Significand96();
/** Output of shiftRightJam96. */
export const shifted = new Significand96();

/** Rounds the significand in `src` to `prec` leading bits (FCW.RC `rc`). Output in `rounded`. */
export function roundSignificand(prec: number, rc: number, sign: number, src: Significand96): void {
  let h = src.h;
  let l = src.l;
  const x = src.x;
  let up = false;
  let inexact: boolean;
  rounded.carry = false;
  if (prec === 64) {
    inexact = x !== 0;
    if (inexact) {
      up = roundsAway(rc, sign, x > 0x80000000 ? 1 : x === 0x80000000 ? 0 : -1, l & 1);
      if (up) {
        l = (l + 1) >>> 0;
        if (l === 0) {
          h = (h + 1) >>> 0;
          rounded.carry = h === 0;
        }
      }
    }
  } else if (prec === 53) {
    const r = l & 0x7ff;
    inexact = (r | x) !== 0;
    l = (l & 0xfffff800) >>> 0;
    if (inexact) {
      up = roundsAway(rc, sign, r > 0x400 ? 1 : r < 0x400 ? -1 : x !== 0 ? 1 : 0, (l >>> 11) & 1);
      if (up) {
        l += 0x800;
        if (l > 0xffffffff) {
          l -= 0x100000000;
          h = (h + 1) >>> 0;
          rounded.carry = h === 0;
        }
      }
    }
  } else {
    const r = h & 0xff;
    const below = l | x;
    inexact = (r | below) !== 0;
    h = (h & 0xffffff00) >>> 0;
    l = 0;
    if (inexact) {
      up = roundsAway(rc, sign, r > 0x80 ? 1 : r < 0x80 ? -1 : below !== 0 ? 1 : 0, (h >>> 8) & 1);
      if (up) {
        h += 0x100;
        if (h > 0xffffffff) {
          h -= 0x100000000;
          rounded.carry = true;
        }
      }
    }
  }
  if (rounded.carry) h = 0x80000000;
  rounded.h = h;
  rounded.l = l;
  rounded.inexact = inexact;
  rounded.up = up;
}

/** Shifts v right by n ≥ 0 bits in place; bits shifted out are OR-ed into bit 0 of v.x. */
export function shiftRightJam(v: Significand96, n: number): void {
  if (n === 0) return;
  let h = v.h;
  let l = v.l;
  let x = v.x;
  if (n >= 96) {
    v.x = (h | l | x) !== 0 ? 1 : 0;
    v.h = 0;
    v.l = 0;
    return;
  }
  let sticky = 0;
  while (n >= 32) {
    sticky |= x;
    x = l;
    l = h;
    h = 0;
    n -= 32;
  }
  if (n > 0) {
    sticky |= (x << (32 - n)) >>> 0;
    x = ((x >>> n) | (l << (32 - n))) >>> 0;
    l = ((l >>> n) | (h << (32 - n))) >>> 0;
    h = h >>> n;
  }
  v.h = h;
  v.l = l;
  v.x = (x | (sticky !== 0 ? 1 : 0)) >>> 0;
}

/** Shifts h:l:x right by n ≥ 0 bits into `shifted` (sticky bits jammed into bit 0). */
export function shiftRightJam96(h: number, l: number, x: number, n: number): void {
  shifted.set(h, l, x);
  shiftRightJam(shifted, n);
}

/** The largest finite magnitude with `prec` significand bits (masked-overflow result). */
function maxFiniteHi(prec: number): number {
  return prec === 24 ? 0xffffff00 : 0xffffffff;
}
function maxFiniteLo(prec: number): number {
  return prec === 64 ? 0xffffffff : prec === 53 ? 0xfffff800 : 0;
}

/**
 * Rounds and packs (-1)^sign × (h:l:x / 2^95) × 2^(exp − 16383) into ctx.se/hi/lo, with h bit 31
 * set (normalised) and exp unbounded. Applies precision control, the masked and unmasked
 * underflow/overflow responses (SDM vol. 1 §4.9.1.4, §4.9.1.5, §8.5.3, §8.5.4) and sets
 * PE/UE/OE and ctx.roundedUp. Tininess is detected after rounding, as the hardware does.
 */
export function roundPackF80(ctx: F80Context, prec: number, sign: number, exp: number, h: number, l: number, x: number): void {
  pending.set(h, l, x);
  roundPackPending(ctx, prec, sign, exp);
}

/** roundPackF80 with the significand already in `pending`. */
export function roundPackPending(ctx: F80Context, prec: number, sign: number, exp: number): void {
  const rc = ctx.rc;
  if (exp <= 0) {
    let tiny = true;
    if (exp === 0) {
      roundSignificand(prec, rc, sign, pending);
      if (rounded.carry) tiny = false;
    }
    if ((ctx.masks & FPU_EX_UE) !== 0) {
      shifted.set(pending.h, pending.l, pending.x);
      shiftRightJam(shifted, 1 - exp);
      roundSignificand(prec, rc, sign, shifted);
      if (rounded.inexact) {
        ctx.flags |= tiny ? FPU_EX_PE | FPU_EX_UE : FPU_EX_PE;
      }
      ctx.roundedUp = rounded.up ? 1 : 0;
      ctx.result((sign << 15) | (rounded.h >>> 31), rounded.h, rounded.l);
      return;
    }
    if (tiny) {
      ctx.flags |= FPU_EX_UE;
      exp += F80_BIAS_ADJUST;
      if (exp <= 0) {
        // Still below the range after the bias adjustment (FSCALE): a signed zero (measured).
        ctx.flags |= FPU_EX_PE;
        ctx.roundedUp = 0;
        ctx.result(sign << 15, 0, 0);
        return;
      }
    }
  }
  roundSignificand(prec, rc, sign, pending);
  if (rounded.carry) exp++;
  if (exp >= F80_EXP_MAX) {
    if ((ctx.masks & FPU_EX_OE) !== 0) {
      ctx.flags |= FPU_EX_OE | FPU_EX_PE;
      const toInfinity = rc === FPU_RC_NEAREST || (rc === FPU_RC_UP && sign === 0) || (rc === FPU_RC_DOWN && sign !== 0);
      if (toInfinity) {
        ctx.result((sign << 15) | F80_EXP_MAX, 0x80000000, 0);
        ctx.roundedUp = 1;
      } else {
        ctx.result((sign << 15) | (F80_EXP_MAX - 1), maxFiniteHi(prec), maxFiniteLo(prec));
        ctx.roundedUp = 0;
      }
      return;
    }
    ctx.flags |= FPU_EX_OE;
    exp -= F80_BIAS_ADJUST;
    if (exp >= F80_EXP_MAX) {
      // Still beyond the range after the bias adjustment (FSCALE): a signed infinity (measured).
      ctx.flags |= FPU_EX_PE;
      ctx.roundedUp = 1;
      ctx.result((sign << 15) | F80_EXP_MAX, 0x80000000, 0);
      return;
    }
  }
  if (rounded.inexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = rounded.up ? 1 : 0;
  ctx.result((sign << 15) | (exp & F80_EXP_MAX), rounded.h, rounded.l);
}

/** Normalises h:l:x (any leading zeros, not all zero) then rounds and packs. */
export function normalizeRoundPackF80(ctx: F80Context, prec: number, sign: number, exp: number, h: number, l: number, x: number): void {
  pending.set(h, l, x);
  normalizeRoundPackPending(ctx, prec, sign, exp);
}

/** normalizeRoundPackF80 with the significand already in `pending`. */
export function normalizeRoundPackPending(ctx: F80Context, prec: number, sign: number, exp: number): void {
  let h = pending.h;
  let l = pending.l;
  let x = pending.x;
  while (h === 0) {
    h = l;
    l = x;
    x = 0;
    exp -= 32;
  }
  const s = Math.clz32(h);
  if (s !== 0) {
    h = ((h << s) | (l >>> (32 - s))) >>> 0;
    l = ((l << s) | (x >>> (32 - s))) >>> 0;
    x = (x << s) >>> 0;
    exp -= s;
  }
  pending.set(h, l, x);
  roundPackPending(ctx, prec, sign, exp);
}

/** Exact zero of a sum whose operands cancel: +0, or −0 when rounding down (IEEE 754 §6.3). */
export function cancellationZeroSign(ctx: F80Context): number {
  return ctx.rc === FPU_RC_DOWN ? 1 : 0;
}
