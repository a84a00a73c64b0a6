// Conversions between the 80-bit format and memory formats: word/short/long integers
// (FILD/FIST/FISTP/FISTTP), single and double precision (FLD/FST/FSTP m32/m64) and packed
// BCD (FBLD/FBSTP). Intel SDM vol. 1 §4.2.1 (Table 4-2), §4.7 (packed BCD), §4.8.3.7
// (integer and BCD indefinite), §8.2.3; vol. 2A FIST/FST/FBSTP special-operand tables.

import { mul64, mulW0, mulW1 } from "./float80-arith.js";
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
  roundSignificand,
  roundsAway,
  rsCarry,
  rsH,
  rsInexact,
  rsL,
  rsUp,
  shiftRightJam96,
  sjH,
  sjL,
  sjX,
  unpackF80,
  upExp,
  upH,
  upL,
} from "./float80.js";
import { FPU_EX_DE, FPU_EX_IE, FPU_EX_OE, FPU_EX_PE, FPU_EX_UE, FPU_RC_DOWN, FPU_RC_NEAREST, FPU_RC_UP } from "./x87-control-status.js";

/** Conversion outputs (integers, float32/float64 bit patterns): low and high 32-bit words. */
export let cvtLo = 0;
export let cvtHi = 0;

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

/** Integer rounding outputs: magnitude iH:iL, and whether it overflowed 64 bits. */
export let intH = 0;
export let intL = 0;
export let intInexact = false;
export let intUp = false;
export let intOverflow = false;

/**
 * Rounds the normalised finite non-zero value (h:l/2^63)·2^(exp−16383) to an integer with
 * rounding control `rc` (FIST, FRNDINT, FBSTP). Magnitude in intH:intL.
 */
export function roundToInteger(rc: number, sign: number, exp: number, h: number, l: number): void {
  const e = exp - F80_BIAS;
  intInexact = false;
  intUp = false;
  intOverflow = false;
  if (e >= 63) {
    intH = h;
    intL = l;
    intOverflow = e > 63;
    return;
  }
  shiftRightJam96(h, l, 0, 63 - e);
  let ih = sjH;
  let il = sjL;
  const frac = sjX;
  if (frac !== 0) {
    intInexact = true;
    const half = frac > 0x80000000 ? 1 : frac === 0x80000000 ? 0 : -1;
    if (roundsAway(rc, sign, half, il & 1)) {
      intUp = true;
      il = (il + 1) >>> 0;
      if (il === 0) {
        ih = (ih + 1) >>> 0;
        if (ih === 0) intOverflow = true;
      }
    }
  }
  intH = ih;
  intL = il;
}

/** Integer indefinite for each width (SDM vol. 1 §4.8.3.7). */
function storeIntegerIndefinite(bits: number): void {
  if (bits === 64) {
    cvtHi = 0x80000000;
    cvtLo = 0;
  } else {
    cvtHi = 0;
    cvtLo = bits === 32 ? 0x80000000 : 0x8000;
  }
}

/**
 * 80-bit → signed integer of `bits` (16, 32, 64) with rounding control `rc` (the FCW's, or
 * chop for FISTTP). Result in cvtHi:cvtLo (two's complement, 16/32-bit in cvtLo).
 * Returns false when an unmasked IE means nothing is stored.
 */
export function f80ToInteger(ctx: F80Context, se: number, hi: number, lo: number, bits: number, rc: number): boolean {
  const c = classifyF80(se, hi, lo);
  if (c === F80_ZERO) {
    cvtHi = 0;
    cvtLo = 0;
    return true;
  }
  if (c !== F80_NORMAL && c !== F80_DENORMAL) return integerInvalid(ctx, bits);
  const sign = se >>> 15;
  unpackF80(se, hi, lo);
  roundToInteger(rc, sign, upExp, upH, upL);
  // Range check on the rounded magnitude (SDM vol. 2A FIST: "too large for the destination").
  let fits: boolean;
  if (intOverflow) fits = false;
  else if (bits === 64) fits = intH < 0x80000000 || (sign === 1 && intH === 0x80000000 && intL === 0);
  else if (bits === 32) fits = intH === 0 && (intL < 0x80000000 || (sign === 1 && intL === 0x80000000));
  else fits = intH === 0 && (intL < 0x8000 || (sign === 1 && intL === 0x8000));
  if (!fits) return integerInvalid(ctx, bits);
  if (intInexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = intUp ? 1 : 0;
  let h = intH;
  let l = intL;
  if (sign === 1) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  if (bits === 64) {
    cvtHi = h;
    cvtLo = l;
  } else {
    cvtHi = 0;
    cvtLo = bits === 32 ? l : l & 0xffff;
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
export let widenSe = 0;
export let widenHi = 0;
export let widenLo = 0;

/**
 * Exact float32 → 80-bit without exception processing: an SNaN stays signalling (so that the
 * arithmetic's NaN rules see it) and a denormal becomes a normal 80-bit value. Returns true when
 * the source was a denormal (the caller raises #D).
 */
export function f80WidenFloat32(bits: number): boolean {
  const sign = (bits >>> 31) << 15;
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  widenLo = 0;
  if (exp === 0xff) {
    widenSe = sign | F80_EXP_MAX;
    widenHi = (0x80000000 | (frac << 8)) >>> 0;
    return false;
  }
  if (exp === 0) {
    if (frac === 0) {
      widenSe = sign;
      widenHi = 0;
      return false;
    }
    // frac·2^-149 = (frac << s)/2^31 · 2^(31 − s − 149)
    const s = Math.clz32(frac);
    widenSe = sign | (F80_BIAS - 118 - s);
    widenHi = (frac << s) >>> 0;
    return true;
  }
  widenSe = sign | (exp - 127 + F80_BIAS);
  widenHi = (0x80000000 | (frac << 8)) >>> 0;
  return false;
}

/** Exact float64 hi:lo → 80-bit, same contract as f80WidenFloat32. */
export function f80WidenFloat64(hi: number, lo: number): boolean {
  const sign = (hi >>> 31) << 15;
  const exp = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff;
  if (exp === 0x7ff) {
    widenSe = sign | F80_EXP_MAX;
    widenHi = (0x80000000 | (fh << 11) | (lo >>> 21)) >>> 0;
    widenLo = (lo << 11) >>> 0;
    return false;
  }
  if (exp === 0) {
    if ((fh | lo) === 0) {
      widenSe = sign;
      widenHi = 0;
      widenLo = 0;
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
    widenSe = sign | (e - s);
    widenHi = h >>> 0;
    widenLo = l >>> 0;
    return true;
  }
  widenSe = sign | (exp - 1023 + F80_BIAS);
  widenHi = (0x80000000 | (fh << 11) | (lo >>> 21)) >>> 0;
  widenLo = (lo << 11) >>> 0;
  return false;
}

/** Loads after widening: SNaN → IE (quieted when masked; unmasked: nothing loaded), denormal → DE. */
function finishLoad(ctx: F80Context, denormal: boolean): boolean {
  if ((widenSe & F80_EXP_MAX) === F80_EXP_MAX && (widenHi & 0x40000000) === 0 && ((widenHi & 0x3fffffff) | widenLo) !== 0) {
    ctx.flags |= FPU_EX_IE;
    if ((ctx.masks & FPU_EX_IE) === 0) return false;
    widenHi = (widenHi | 0x40000000) >>> 0;
  }
  // A denormal source raises DE but is loaded even when DE is unmasked (measured).
  if (denormal) ctx.flags |= FPU_EX_DE;
  ctx.result(widenSe, widenHi, widenLo);
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
 * (unbiased). On success the rounded significand is in rsH:rsL and the unbiased exponent is
 * returned; a denormal result returns emin − 1 with the significand shifted accordingly.
 * Returns NaN when nothing may be stored (unmasked OE/UE) and Infinity for a masked overflow
 * that rounds to infinity; -Infinity for one that rounds to the largest finite number.
 */
function roundToFormat(ctx: F80Context, sign: number, e: number, h: number, l: number, prec: number, emin: number, emax: number): number {
  const rc = ctx.rc;
  if (e < emin) {
    let tiny = true;
    if (e === emin - 1) {
      roundSignificand(prec, rc, sign, h, l, 0);
      if (rsCarry) tiny = false;
    }
    if ((ctx.masks & FPU_EX_UE) === 0) {
      if (tiny) {
        ctx.flags |= FPU_EX_UE;
        return NaN;
      }
    } else {
      shiftRightJam96(h, l, 0, emin - e);
      roundSignificand(prec, rc, sign, sjH, sjL, sjX);
      if (rsInexact) ctx.flags |= tiny ? FPU_EX_PE | FPU_EX_UE : FPU_EX_PE;
      ctx.roundedUp = rsUp ? 1 : 0;
      return emin - 1;
    }
  }
  roundSignificand(prec, rc, sign, h, l, 0);
  if (rsCarry) e++;
  if (e > emax) {
    ctx.flags |= FPU_EX_OE;
    if ((ctx.masks & FPU_EX_OE) === 0) return NaN;
    ctx.flags |= FPU_EX_PE;
    const inf = overflowToInfinity(rc, sign);
    ctx.roundedUp = inf ? 1 : 0;
    return inf ? Infinity : -Infinity;
  }
  if (rsInexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = rsUp ? 1 : 0;
  return e;
}

/**
 * 80-bit → float32 bits in cvtLo (FST/FSTP m32fp). Returns false when nothing may be
 * stored (unmasked IE, DE, OE, UE).
 */
export function f80ToFloat32(ctx: F80Context, se: number, hi: number, lo: number): boolean {
  const sign = se >>> 15;
  const signBit = sign === 1 ? 0x80000000 : 0;
  const c = classifyF80(se, hi, lo);
  switch (c) {
    case F80_ZERO:
      cvtLo = signBit;
      return true;
    case F80_INFINITY:
      cvtLo = (signBit | 0x7f800000) >>> 0;
      return true;
    case F80_UNSUPPORTED:
      if (!unmaskedInvalid(ctx)) return false;
      cvtLo = 0xffc00000;
      return true;
    case F80_SNAN:
    case F80_QNAN:
      if (c === F80_SNAN && !unmaskedInvalid(ctx)) return false;
      cvtLo = (signBit | 0x7fc00000 | ((hi >>> 8) & 0x3fffff)) >>> 0;
      return true;
    default:
      // A denormal source raises no #D on a store (measured); it simply underflows.
      break;
  }
  unpackF80(se, hi, lo);
  const e = roundToFormat(ctx, sign, upExp - F80_BIAS, upH, upL, 24, -126, 127);
  if (Number.isNaN(e)) return false;
  if (e === Infinity) cvtLo = (signBit | 0x7f800000) >>> 0;
  else if (e === -Infinity) cvtLo = (signBit | 0x7f7fffff) >>> 0;
  else if (e < -126) cvtLo = (signBit + (rsH >>> 8)) >>> 0;
  else cvtLo = (signBit + ((e + 126) << 23) + (rsH >>> 8)) >>> 0;
  return true;
}

/** 80-bit → float64 bits in cvtHi:cvtLo (FST/FSTP m64fp). Same contract as f80ToFloat32. */
export function f80ToFloat64(ctx: F80Context, se: number, hi: number, lo: number): boolean {
  const sign = se >>> 15;
  const signBit = sign === 1 ? 0x80000000 : 0;
  const c = classifyF80(se, hi, lo);
  switch (c) {
    case F80_ZERO:
      cvtHi = signBit;
      cvtLo = 0;
      return true;
    case F80_INFINITY:
      cvtHi = (signBit | 0x7ff00000) >>> 0;
      cvtLo = 0;
      return true;
    case F80_UNSUPPORTED:
      if (!unmaskedInvalid(ctx)) return false;
      cvtHi = 0xfff80000;
      cvtLo = 0;
      return true;
    case F80_SNAN:
    case F80_QNAN:
      if (c === F80_SNAN && !unmaskedInvalid(ctx)) return false;
      cvtHi = (signBit | 0x7ff80000 | ((hi >>> 11) & 0x7ffff)) >>> 0;
      cvtLo = ((hi << 21) | (lo >>> 11)) >>> 0;
      return true;
    default:
      // A denormal source raises no #D on a store (measured); it simply underflows.
      break;
  }
  unpackF80(se, hi, lo);
  const e = roundToFormat(ctx, sign, upExp - F80_BIAS, upH, upL, 53, -1022, 1023);
  if (Number.isNaN(e)) return false;
  if (e === Infinity) {
    cvtHi = (signBit | 0x7ff00000) >>> 0;
    cvtLo = 0;
  } else if (e === -Infinity) {
    cvtHi = (signBit | 0x7fefffff) >>> 0;
    cvtLo = 0xffffffff;
  } else {
    const biased = e < -1022 ? 0 : (e + 1022) * 0x100000;
    cvtHi = (signBit + biased + (rsH >>> 11)) >>> 0;
    cvtLo = ((rsH << 21) | (rsL >>> 11)) >>> 0;
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
  let l = mulW0 + low;
  let h = mulW1;
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
export function f80ToBcd(ctx: F80Context, se: number, hi: number, lo: number): boolean {
  const c = classifyF80(se, hi, lo);
  const sign = se >>> 15;
  bcdOut.fill(0);
  if (c === F80_ZERO) {
    bcdOut[9] = sign << 7;
    return true;
  }
  if (c !== F80_NORMAL && c !== F80_DENORMAL) return bcdInvalid(ctx);
  unpackF80(se, hi, lo);
  roundToInteger(ctx.rc, sign, upExp, upH, upL);
  // 10^18 − 1 = 0x0DE0B6B3_A763FFFF
  if (intOverflow || intH > 0x0de0b6b3 || (intH === 0x0de0b6b3 && intL > 0xa763ffff)) return bcdInvalid(ctx);
  if (intInexact) ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = intUp ? 1 : 0;
  let h = intH;
  let l = intL;
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

