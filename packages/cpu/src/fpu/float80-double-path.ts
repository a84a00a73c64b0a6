// Double-precision fast path for FADD/FSUB/FMUL/FDIV/FSQRT with FCW.PC = 53 bits and
// FCW.RC = nearest (the Windows default control word 027FH): when both operands are normal
// doubles and the result is a normal double well inside the double range, rounding the exact
// result to 53 bits is exactly what the host's IEEE 754 double arithmetic does, and the 15-bit
// exponent never comes into play. PE and C1 come from the exact error term (TwoSum, Dekker's
// TwoProduct), computed in doubles. Every other case returns false and takes the 80-bit path.
//
// With `exactOnly` (any FCW.RC, FCW.PC = 53 or 64 bits: the FNINIT default 037FH) the path is taken only
// when that error term is zero: the exact result is then a double, which no rounding to 53 or 64 bits
// changes, so PE stays clear and C1 is 0 as on the 80-bit path. Integer-valued loops and most scaling
// by powers of two are exact.

import type { F80Context } from "./float80.js";
import { FPU_EX_PE } from "./x87-control-status.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LOW = 0;
const HIGH = 1;
/** 80-bit biased exponents of the normal doubles: 2^-1022 … 2^1023. */
const F80_EXP_DOUBLE_MIN = 0x3c01;
const F80_EXP_DOUBLE_MAX = 0x43fe;
const DOUBLE_BIAS_DELTA = 16383 - 1023;
/**
 * Operands and results are taken only between these magnitudes, so the error terms never
 * underflow and the Veltkamp split (×2^27) never overflows.
 */
const SAFE_MIN = 2 ** -900;
const SAFE_MAX = 2 ** 995;
/** Veltkamp splitter for Dekker's exact product: 2^27 + 1. */
const SPLITTER = 134217729;

/** The 80-bit value as a double when it is exactly a normal double; NaN otherwise. */
function toDouble(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  if ((lo & 0x7ff) !== 0 || e < F80_EXP_DOUBLE_MIN || e > F80_EXP_DOUBLE_MAX || (hi & 0x80000000) === 0) return NaN;
  u32[HIGH] = (((se & 0x8000) << 16) | ((e - DOUBLE_BIAS_DELTA) << 20) | ((hi >>> 11) & 0xfffff)) >>> 0;
  u32[LOW] = ((hi << 21) | (lo >>> 11)) >>> 0;
  return f64[0]!;
}

/** Writes a finite normal double into ctx as its exact 80-bit value. */
function resultFromDouble(ctx: F80Context, v: number): void {
  f64[0] = v;
  const hw = u32[HIGH]!;
  const lw = u32[LOW]!;
  ctx.result((hw >>> 31 << 15) | (((hw >>> 20) & 0x7ff) + DOUBLE_BIAS_DELTA), (0x80000000 | ((hw & 0xfffff) << 11) | (lw >>> 21)) >>> 0, (lw << 11) >>> 0);
}

function safe(v: number): boolean {
  const m = Math.abs(v);
  return m >= SAFE_MIN && m <= SAFE_MAX;
}

/** Sets PE and C1 from the exact error: exact = r + err; C1 when |r| > |exact|. */
function finishWithError(ctx: F80Context, r: number, err: number): void {
  if (err !== 0) {
    ctx.flags |= FPU_EX_PE;
    ctx.roundedUp = err < 0 !== r < 0 ? 1 : 0;
  }
}

/** Low part of Dekker's exact product: a·b = p + productError(a, b, p). */
function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (p - ah * bh - al * bh - ah * bl);
}

/** Operation codes as in the D8 group: 0 add, 1 mul, 4 a−b, 6 a/b (reversed forms swap first). */
export function doublePathBinary(ctx: F80Context, op: number, exactOnly = false): boolean {
  const a = toDouble(ctx.aSe, ctx.aHi, ctx.aLo);
  if (a !== a) return false;
  const b = toDouble(ctx.bSe, ctx.bHi, ctx.bLo);
  if (b !== b) return false;
  let r: number;
  let err: number;
  switch (op) {
    case 0:
    case 4: {
      const bb = op === 0 ? b : -b;
      r = a + bb;
      if (!safe(r) || !safe(a) || !safe(b)) return false;
      const v = r - a;
      err = a - (r - v) + (bb - v);
      break;
    }
    case 1:
      r = a * b;
      if (!safe(r) || !safe(a) || !safe(b)) return false;
      err = productError(a, b, r);
      break;
    case 6: {
      r = a / b;
      if (!safe(r) || !safe(a) || !safe(b)) return false;
      // a − q·b exactly: q·b = p + e, and a − p is exact (Sterbenz: p is within a factor 2 of a).
      const p = r * b;
      const rem = a - p - productError(r, b, p);
      if (exactOnly && rem !== 0) return false;
      resultFromDouble(ctx, r);
      if (rem !== 0) {
        ctx.flags |= FPU_EX_PE;
        ctx.roundedUp = rem < 0 !== a < 0 ? 1 : 0;
      }
      return true;
    }
    default:
      return false;
  }
  if (exactOnly && err !== 0) return false;
  resultFromDouble(ctx, r);
  finishWithError(ctx, r, err);
  return true;
}

/** FSQRT on the double path (positive normal operand); see doublePathBinary for `exactOnly`. */
export function doublePathSqrt(ctx: F80Context, exactOnly = false): boolean {
  const a = toDouble(ctx.aSe, ctx.aHi, ctx.aLo);
  if (!(a > 0) || !safe(a)) return false;
  const r = Math.sqrt(a);
  const p = r * r;
  const rem = a - p - productError(r, r, p);
  if (exactOnly && rem !== 0) return false;
  resultFromDouble(ctx, r);
  if (rem !== 0) {
    ctx.flags |= FPU_EX_PE;
    ctx.roundedUp = rem < 0 ? 1 : 0;
  }
  return true;
}
