// Conversions between the 80-bit format and memory formats: word/short/long integers
// (FILD/FIST/FISTP/FISTTP), single and double precision (FLD/FST/FSTP m32/m64) and packed
// BCD (FBLD/FBSTP). Intel SDM vol. 1 §4.2.1 (Table 4-2), §4.7 (packed BCD), §4.8.3.7
// (integer and BCD indefinite), §8.2.3; vol. 2A FIST/FST/FBSTP special-operand tables.

import {
  mul64,
  product,
} from "./float80-arith.js";
import {
  F80_BIAS,
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
  pending,
  roundSignificand,
  roundsAway,
  rounded,
  shiftRightJam96,
  shifted,
  unpackF80,
  unpacked,
} from "./float80.js";
import { FPU_EX_DE, FPU_EX_IE, FPU_EX_OE, FPU_EX_PE, FPU_EX_UE, FPU_RC_DOWN, FPU_RC_NEAREST, FPU_RC_UP } from "./x87-control-status.js";

/** Conversion outputs (integers, float32/float64 bit patterns): high and low 32-bit words. */
export const converted = { hi: 0, lo: 0 };

// ---------------------------------------------------------------------------------------
// Integers

/** Sign-extended two's-complement 64-bit integer hi:lo → exact 80-bit value (FILD). */
export function f80FromInt64(ctx: F80Context, hi: number, lo: number): void {
  let sign = 0;
  if ((hi & 0x80000000) !== 0) {
    sign = 1;
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  }
  if ((hi | lo) === 0) {
    ctx.result(sign << 15, 0, 0);
    return;
  }
  let exp = F80_BIAS + 63;
  if (hi === 0) {
    hi = lo;
    lo = 0;
    exp -= 32;
  }
  const s = Math.clz32(hi);
  if (s !== 0) {
    hi = ((hi << s) | (lo >>> (32 - s))) >>> 0;
    lo = (lo << s) >>> 0;
    exp -= s;
  }
  ctx.result((sign << 15) | exp, hi >>> 0, lo);
}

export function f80FromInt32(ctx: F80Context, v: number): void {
  f80FromInt64(ctx, v < 0 ? 0xffffffff : 0, v >>> 0);
}

/** Output of roundToInteger: magnitude h:l, inexact, rounded up, overflowed 64 bits. */
export const integer = { h: 0, l: 0, inexact: false, up: false, overflow: false };

/**
 * Rounds the normalised finite non-zero value (h:l/2^63)·2^(exp−16383) to an integer with
 * rounding control `rc` (FIST, FRNDINT, FBSTP). Magnitude in integer.h:integer.l.
 */
export function roundToInteger(rc: number, sign: number, exp: number, h: number, l: number): void {
  const e = exp - F80_BIAS;
  integer.inexact = false;
  integer.up = false;
  integer.overflow = false;
  if (e >= 63) {
    integer.h = h;
    integer.l = l;
    integer.overflow = e > 63;
    return;
  }
  shiftRightJam96(h, l, 0, 63 - e);
  let ih = shifted.h;
  let il = shifted.l;
  const frac = shifted.x;
  if (frac !== 0) {
    integer.inexact = true;
    const half = frac > 0x80000000 ? 1 : frac === 0x80000000 ? 0 : -1;
    if (roundsAway(rc, sign, half, il & 1)) {
      integer.up = true;
      il = (il + 1) >>> 0;
      if (il === 0) {
        ih = (ih + 1) >>> 0;
        if (ih === 0) integer.overflow = true;
      }
    }
  }
  integer.h = ih;
  integer.l = il;
}

/** Integer indefinite for each width (SDM vol. 1 §4.8.3.7). */
function storeIntegerIndefinite(bits: number): void {
  if (bits === 64) {
    converted.hi = 0x80000000;
    converted.lo = 0;
  } else {
    converted.hi = 0;
    converted.lo = bits === 32 ? 0x80000000 : 0x8000;
  }
}

/**
 * 80-bit → signed integer of `bits` (16, 32, 64) with rounding control `rc` (the FCW's, or
 * chop for FISTTP). Result in converted.hi:converted.lo (two's complement, 16/32-bit in converted.lo).
 * Returns false when an unmasked IE means nothing is stored.
 */
export function f80ToInteger(ctx: F80Context, bits: number, rc: number): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const c = classifyF80(se, hi, lo);
  if (c === F80_ZERO) {
    converted.hi = 0;
    converted.lo = 0;
    return true;
  }
  if (c !== F80_NORMAL && c !== F80_DENORMAL) return integerInvalid(ctx, bits);
  const sign = se >>> 15;
  unpackF80(se, hi, lo);
  roundToInteger(rc, sign, unpacked.exp, unpacked.h, unpacked.l);
  // Range check on the rounded magnitude (SDM vol. 2A FIST: "too large for the destination").
  let fits: boolean;
  if (integer.overflow) fits = false;
  else if (bits === 64) fits = integer.h < 0x80000000 || (sign === 1 && integer.h === 0x80000000 && integer.l === 0);
  else if (bits === 32) fits = integer.h === 0 && (integer.l < 0x80000000 || (sign === 1 && integer.l === 0x80000000));
  else fits = integer.h === 0 && (integer.l < 0x8000 || (sign === 1 && integer.l === 0x8000));
  if (!fits) return integerInvalid(ctx, bits);
  if (integer.inexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = integer.up ? 1 : 0;
  let h = integer.h;
  let l = integer.l;
  if (sign === 1) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  if (bits === 64) {
    converted.hi = h;
    converted.lo = l;
  } else {
    converted.hi = 0;
    converted.lo = bits === 32 ? l : l & 0xffff;
  }
  return true;
}

function integerInvalid(ctx: F80Context, bits: number): boolean {
  ctx.flags |= FPU_EX_IE;
  if ((ctx.masks & FPU_EX_IE) === 0) return false;
  storeIntegerIndefinite(bits);
  return true;
}

// ---------------------------------------------------------------------------------------
// Single / double precision

/** Output of the raw widening conversions. */
export const widened = { se: 0, hi: 0, lo: 0 };

/**
 * Exact float32 → 80-bit without exception processing: an SNaN stays signalling (so that the
 * arithmetic's NaN rules see it) and a denormal becomes a normal 80-bit value. Returns true when
 * the source was a denormal (the caller raises #D).
 */
export function f80WidenFloat32(bits: number): boolean {
  const sign = (bits >>> 31) << 15;
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  widened.lo = 0;
  if (exp === 0xff) {
    widened.se = sign | F80_EXP_MAX;
    widened.hi = (0x80000000 | (frac << 8)) >>> 0;
    return false;
  }
  if (exp === 0) {
    if (frac === 0) {
      widened.se = sign;
      widened.hi = 0;
      return false;
    }
    // frac·2^-149 = (frac << s)/2^31 · 2^(31 − s − 149)
    const s = Math.clz32(frac);
    widened.se = sign | (F80_BIAS - 118 - s);
    widened.hi = (frac << s) >>> 0;
    return true;
  }
  widened.se = sign | (exp - 127 + F80_BIAS);
  widened.hi = (0x80000000 | (frac << 8)) >>> 0;
  return false;
}

/** Exact float64 hi:lo → 80-bit, same contract as f80WidenFloat32. */
export function f80WidenFloat64(hi: number, lo: number): boolean {
  const sign = (hi >>> 31) << 15;
  const exp = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff;
  if (exp === 0x7ff) {
    widened.se = sign | F80_EXP_MAX;
    widened.hi = (0x80000000 | (fh << 11) | (lo >>> 21)) >>> 0;
    widened.lo = (lo << 11) >>> 0;
    return false;
  }
  if (exp === 0) {
    if ((fh | lo) === 0) {
      widened.se = sign;
      widened.hi = 0;
      widened.lo = 0;
      return false;
    }
    // Value = (fh:lo)·2^-1074; normalise the 52-bit fraction into a 64-bit significand.
    let h = fh;
    let l = lo;
    let e = F80_BIAS - 1074 + 63;
    if (h === 0) {
      h = l;
      l = 0;
      e -= 32;
    }
    const s = Math.clz32(h);
    if (s !== 0) {
      h = ((h << s) | (l >>> (32 - s))) >>> 0;
      l = (l << s) >>> 0;
    }
    widened.se = sign | (e - s);
    widened.hi = h >>> 0;
    widened.lo = l >>> 0;
    return true;
  }
  widened.se = sign | (exp - 1023 + F80_BIAS);
  widened.hi = (0x80000000 | (fh << 11) | (lo >>> 21)) >>> 0;
  widened.lo = (lo << 11) >>> 0;
  return false;
}

/** Loads after widening: SNaN → IE (quieted when masked; unmasked: nothing loaded), denormal → DE. */
function finishLoad(ctx: F80Context, denormal: boolean): boolean {
  if ((widened.se & F80_EXP_MAX) === F80_EXP_MAX && (widened.hi & 0x40000000) === 0 && ((widened.hi & 0x3fffffff) | widened.lo) !== 0) {
    ctx.flags |= FPU_EX_IE;
    if ((ctx.masks & FPU_EX_IE) === 0) return false;
    widened.hi = (widened.hi | 0x40000000) >>> 0;
  }
  // A denormal source raises DE but is loaded even when DE is unmasked (measured).
  if (denormal) ctx.flags |= FPU_EX_DE;
  ctx.result(widened.se, widened.hi, widened.lo);
  return true;
}

/** float32 bit pattern → 80-bit (FLD m32fp). Returns false on an unmasked IE/DE. */
export function f80FromFloat32(ctx: F80Context, bits: number): boolean {
  return finishLoad(ctx, f80WidenFloat32(bits));
}

/** float64 bit pattern hi:lo → 80-bit (FLD m64fp). Returns false on an unmasked IE/DE. */
export function f80FromFloat64(ctx: F80Context, hi: number, lo: number): boolean {
  return finishLoad(ctx, f80WidenFloat64(hi, lo));
}

/** Masked overflow result direction: true → infinity, false → largest finite. */
function overflowToInfinity(rc: number, sign: number): boolean {
  return rc === FPU_RC_NEAREST || (rc === FPU_RC_UP && sign === 0) || (rc === FPU_RC_DOWN && sign !== 0);
}

/**
 * Rounds a finite non-zero value to a `prec`-bit format with exponent range [emin, emax]
 * (unbiased). On success the rounded significand is in rounded.h:rounded.l and the unbiased exponent is
 * returned; a denormal result returns emin − 1 with the significand shifted accordingly.
 * Returns NaN when nothing may be stored (unmasked OE/UE) and Infinity for a masked overflow
 * that rounds to infinity; -Infinity for one that rounds to the largest finite number.
 */
function roundToFormat(ctx: F80Context, sign: number, e: number, h: number, l: number, prec: number, emin: number, emax: number): number {
  const rc = ctx.rc;
  if (e < emin) {
    let tiny = true;
    if (e === emin - 1) {
      pending.set(h, l, 0);
      roundSignificand(prec, rc, sign, pending);
      if (rounded.carry) tiny = false;
    }
    if ((ctx.masks & FPU_EX_UE) === 0) {
      if (tiny) {
        ctx.flags |= FPU_EX_UE;
        return NaN;
      }
    } else {
      shiftRightJam96(h, l, 0, emin - e);
      roundSignificand(prec, rc, sign, shifted);
      if (rounded.inexact) ctx.flags |= tiny ? FPU_EX_PE | FPU_EX_UE : FPU_EX_PE;
      ctx.roundedUp = rounded.up ? 1 : 0;
      return emin - 1;
    }
  }
  pending.set(h, l, 0);
  roundSignificand(prec, rc, sign, pending);
  if (rounded.carry) e++;
  if (e > emax) {
    ctx.flags |= FPU_EX_OE;
    if ((ctx.masks & FPU_EX_OE) === 0) return NaN;
    ctx.flags |= FPU_EX_PE;
    const inf = overflowToInfinity(rc, sign);
    ctx.roundedUp = inf ? 1 : 0;
    return inf ? Infinity : -Infinity;
  }
  if (rounded.inexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = rounded.up ? 1 : 0;
  return e;
}

/**
 * 80-bit → float32 bits in converted.lo (FST/FSTP m32fp). Returns false when nothing may be
 * stored (unmasked IE, DE, OE, UE).
 */
export function f80ToFloat32(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const sign = se >>> 15;
  const signBit = sign === 1 ? 0x80000000 : 0;
  const c = classifyF80(se, hi, lo);
  switch (c) {
    case F80_ZERO:
      converted.lo = signBit;
      return true;
    case F80_INFINITY:
      converted.lo = (signBit | 0x7f800000) >>> 0;
      return true;
    case F80_UNSUPPORTED:
      if (!unmaskedInvalid(ctx)) return false;
      converted.lo = 0xffc00000;
      return true;
    case F80_SNAN:
    case F80_QNAN:
      if (c === F80_SNAN && !unmaskedInvalid(ctx)) return false;
      converted.lo = (signBit | 0x7fc00000 | ((hi >>> 8) & 0x3fffff)) >>> 0;
      return true;
    default:
      // A denormal source raises no #D on a store (measured); it simply underflows.
      break;
  }
  unpackF80(se, hi, lo);
  const e = roundToFormat(ctx, sign, unpacked.exp - F80_BIAS, unpacked.h, unpacked.l, 24, -126, 127);
  if (Number.isNaN(e)) return false;
  if (e === Infinity) converted.lo = (signBit | 0x7f800000) >>> 0;
  else if (e === -Infinity) converted.lo = (signBit | 0x7f7fffff) >>> 0;
  else if (e < -126) converted.lo = (signBit + (rounded.h >>> 8)) >>> 0;
  else converted.lo = (signBit + ((e + 126) << 23) + (rounded.h >>> 8)) >>> 0;
  return true;
}

/** 80-bit → float64 bits in converted.hi:converted.lo (FST/FSTP m64fp). Same contract as f80ToFloat32. */
export function f80ToFloat64(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const sign = se >>> 15;
  const signBit = sign === 1 ? 0x80000000 : 0;
  const c = classifyF80(se, hi, lo);
  switch (c) {
    case F80_ZERO:
      converted.hi = signBit;
      converted.lo = 0;
      return true;
    case F80_INFINITY:
      converted.hi = (signBit | 0x7ff00000) >>> 0;
      converted.lo = 0;
      return true;
    case F80_UNSUPPORTED:
      if (!unmaskedInvalid(ctx)) return false;
      converted.hi = 0xfff80000;
      converted.lo = 0;
      return true;
    case F80_SNAN:
    case F80_QNAN:
      if (c === F80_SNAN && !unmaskedInvalid(ctx)) return false;
      converted.hi = (signBit | 0x7ff80000 | ((hi >>> 11) & 0x7ffff)) >>> 0;
      converted.lo = ((hi << 21) | (lo >>> 11)) >>> 0;
      return true;
    default:
      // A denormal source raises no #D on a store (measured); it simply underflows.
      break;
  }
  unpackF80(se, hi, lo);
  const e = roundToFormat(ctx, sign, unpacked.exp - F80_BIAS, unpacked.h, unpacked.l, 53, -1022, 1023);
  if (Number.isNaN(e)) return false;
  if (e === Infinity) {
    converted.hi = (signBit | 0x7ff00000) >>> 0;
    converted.lo = 0;
  } else if (e === -Infinity) {
    converted.hi = (signBit | 0x7fefffff) >>> 0;
    converted.lo = 0xffffffff;
  } else {
    const biased = e < -1022 ? 0 : (e + 1022) * 0x100000;
    converted.hi = (signBit + biased + (rounded.h >>> 11)) >>> 0;
    converted.lo = ((rounded.h << 21) | (rounded.l >>> 11)) >>> 0;
  }
  return true;
}

/** IE for an unsupported/SNaN operand of a store; true when masked (store the default). */
function unmaskedInvalid(ctx: F80Context): boolean {
  ctx.flags |= FPU_EX_IE;
  return (ctx.masks & FPU_EX_IE) !== 0;
}

// ---------------------------------------------------------------------------------------
// Packed BCD: bytes 0..8 hold 18 digits, least significant pair first; byte 9 bit 7 is the sign.

/** Packed BCD (10 bytes in `b` from `off`) → 80-bit (FBLD). Digits above 9 are weighted as given. */
export function f80FromBcd(ctx: F80Context, b: Uint8Array, off: number): void {
  // Digits 0..7 (bytes 0..3) and 8..17 (bytes 4..8); each stays exact in a double.
  let low = 0;
  let high = 0;
  for (let i = 3; i >= 0; i--) low = low * 100 + bcdPair(b[off + i]!);
  for (let i = 8; i >= 4; i--) high = high * 100 + bcdPair(b[off + i]!);
  const highHi = Math.floor(high / 0x100000000);
  mul64(highHi, high - highHi * 0x100000000, 0, 100000000);
  let l = product.w0 + low;
  let h = product.w1;
  while (l > 0xffffffff) {
    l -= 0x100000000;
    h++;
  }
  f80FromInt64(ctx, h >>> 0, l);
  ctx.se |= (b[off + 9]! & 0x80) << 8;
}

function bcdPair(v: number): number {
  return (v >>> 4) * 10 + (v & 0x0f);
}

/** Output of f80ToBcd: the 10 bytes. */
export const bcdOut = new Uint8Array(10);

/**
 * 80-bit → packed BCD in bcdOut (FBSTP), rounding with FCW.RC. Returns false on an unmasked
 * IE. Out-of-range values, NaNs and infinities store the BCD indefinite (SDM vol. 1 §4.8.3.7).
 */
export function f80ToBcd(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const c = classifyF80(se, hi, lo);
  const sign = se >>> 15;
  bcdOut.fill(0);
  if (c === F80_ZERO) {
    bcdOut[9] = sign << 7;
    return true;
  }
  if (c !== F80_NORMAL && c !== F80_DENORMAL) return bcdInvalid(ctx);
  unpackF80(se, hi, lo);
  roundToInteger(ctx.rc, sign, unpacked.exp, unpacked.h, unpacked.l);
  // 10^18 − 1 = 0x0DE0B6B3_A763FFFF
  if (integer.overflow || integer.h > 0x0de0b6b3 || (integer.h === 0x0de0b6b3 && integer.l > 0xa763ffff)) return bcdInvalid(ctx);
  if (integer.inexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = integer.up ? 1 : 0;
  let h = integer.h;
  let l = integer.l;
  for (let i = 0; i < 9; i++) {
    // Divide h:l by 100 with exact double arithmetic on 32-bit halves.
    const qh = Math.floor(h / 100);
    const mid = (h - qh * 100) * 0x100000000 + l;
    const ql = Math.floor(mid / 100);
    const r = mid - ql * 100;
    h = qh;
    l = ql;
    bcdOut[i] = (Math.floor(r / 10) << 4) | r % 10;
  }
  bcdOut[9] = sign << 7;
  return true;
}

function bcdInvalid(ctx: F80Context): boolean {
  ctx.flags |= FPU_EX_IE;
  if ((ctx.masks & FPU_EX_IE) === 0) return false;
  // Packed BCD indefinite: FFFF C000 0000 0000 0000 (high byte first).
  bcdOut.fill(0);
  bcdOut[9] = 0xff;
  bcdOut[8] = 0xff;
  bcdOut[7] = 0xc0;
  return true;
}

