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
/** The same bounds and splitter for code that writes the double path out (the JIT). */
export const DOUBLE_SAFE_MIN = SAFE_MIN;
export const DOUBLE_SAFE_MAX = SAFE_MAX;
export const DOUBLE_SPLITTER = SPLITTER;

/**
 * 2^(e − 16383) for the biased exponents of the normal doubles (index e − F80_EXP_DOUBLE_MIN), so that
 * an exact double is rebuilt with multiplications only: no bits go through a typed array, whose two
 * 32-bit stores followed by a 64-bit load stall the host's store forwarding.
 */
const POW2 = new Float64Array(F80_EXP_DOUBLE_MAX - F80_EXP_DOUBLE_MIN + 1);
for (let e = F80_EXP_DOUBLE_MIN; e <= F80_EXP_DOUBLE_MAX; e++) POW2[e - F80_EXP_DOUBLE_MIN] = 2 ** (e - 16383);
const TWO_M31 = 2 ** -31;
const TWO_M63 = 2 ** -63;

/**
 * The 80-bit value as a double when it is exactly a normal double; NaN otherwise. The significand
 * hi·2^-31 + lo·2^-63 is exact (at most 53 bits set when the low 11 are clear) and lies in [1, 2);
 * the scaling by a power of two in the normal range is exact too.
 */
export function f80ToExactDouble(se: number, hi: number, lo: number): number {
  const e = se & 0x7fff;
  if ((lo & 0x7ff) !== 0 || e < F80_EXP_DOUBLE_MIN || e > F80_EXP_DOUBLE_MAX || (hi & 0x80000000) === 0) return NaN;
  const m = ((hi >>> 0) * TWO_M31 + (lo >>> 0) * TWO_M63) * POW2[e - F80_EXP_DOUBLE_MIN]!;
  return (se & 0x8000) !== 0 ? -m : m;
}

/**
 * A finite normal double as its exact 80-bit value, into element p of the three register arrays
 * (sign/exponent, significand high and low words).
 */
export function doubleToF80(v: number, se: Uint16Array, hi: Uint32Array, lo: Uint32Array, p: number): void {
  f64[0] = v;
  const hw = u32[HIGH]!;
  const lw = u32[LOW]!;
  se[p] = (hw >>> 31 << 15) | (((hw >>> 20) & 0x7ff) + DOUBLE_BIAS_DELTA);
  hi[p] = 0x80000000 | ((hw & 0xfffff) << 11) | (lw >>> 21);
  lo[p] = lw << 11;
}

const resultSe = new Uint16Array(1);
const resultHi = new Uint32Array(1);
const resultLo = new Uint32Array(1);

/** Writes a finite normal double into ctx as its exact 80-bit value. */
function resultFromDouble(ctx: F80Context, v: number): void {
  doubleToF80(v, resultSe, resultHi, resultLo, 0);
  ctx.result(resultSe[0]!, resultHi[0]!, resultLo[0]!);
}

function safe(v: number): boolean {
  const m = Math.abs(v);
  return m >= SAFE_MIN && m <= SAFE_MAX;
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

/**
 * Operands of doubleSum/doubleProduct/doubleQuotient, and their result: the rounded double, whether
 * it is inexact (PE) and whether rounding increased its magnitude (C1). Doubles travel in object
 * fields, not arguments or return values: a call V8 does not inline would box each one (an
 * allocation per instruction). Initialised with fractions so the fields hold doubles from the start.
 */
export const doubleOperands = { a: 0.5, b: 0.5 };
export const doubleResult = { r: 0.5, inexact: false, up: false };

/**
 * a op b (doubleOperands) on doubles, op as in the D8 group: 0 add, 1 mul, 4 a−b, 6 a/b, when the
 * result rounded to 53 bits is the exact x87 result (see the file comment; `exactOnly`: only an exact
 * result). Result in doubleResult; false (nothing decided) for every case the 80-bit path must take.
 */
export function doubleArith(op: number, exactOnly: boolean): boolean {
  switch (op) {
    case 0:
      return doubleSum(exactOnly);
    case 4:
      doubleOperands.b = -doubleOperands.b;
      return doubleSum(exactOnly);
    case 1:
      return doubleProduct(exactOnly);
    case 6:
      return doubleQuotient(exactOnly);
    default:
      return false;
  }
}

/** Records a double-path result whose exact value is r + err (err from TwoSum/TwoProduct or a remainder). */
function doubleDone(r: number, err: number, up: boolean, exactOnly: boolean): boolean {
  if (err !== 0) {
    if (exactOnly) return false;
    doubleResult.inexact = true;
    doubleResult.up = up;
  } else {
    doubleResult.inexact = false;
    doubleResult.up = false;
  }
  doubleResult.r = r;
  return true;
}

/** a + b (FSUB negates b first: negation is exact). */
export function doubleSum(exactOnly: boolean): boolean {
  const a = doubleOperands.a;
  const b = doubleOperands.b;
  const r = a + b;
  const mr = Math.abs(r), ma = Math.abs(a), mb = Math.abs(b);
  if (!(mr >= SAFE_MIN && mr <= SAFE_MAX && ma >= SAFE_MIN && ma <= SAFE_MAX && mb >= SAFE_MIN && mb <= SAFE_MAX)) return false;
  const v = r - a;
  const err = a - (r - v) + (b - v);
  // exact = r + err: C1 when |r| > |exact|.
  return doubleDone(r, err, err < 0 !== r < 0, exactOnly);
}

/** a · b; the error term is Dekker's exact product (Veltkamp splits), written out here so nothing is boxed. */
export function doubleProduct(exactOnly: boolean): boolean {
  const a = doubleOperands.a;
  const b = doubleOperands.b;
  const r = a * b;
  const mr = Math.abs(r), ma = Math.abs(a), mb = Math.abs(b);
  if (!(mr >= SAFE_MIN && mr <= SAFE_MAX && ma >= SAFE_MIN && ma <= SAFE_MAX && mb >= SAFE_MIN && mb <= SAFE_MAX)) return false;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const err = al * bl - (r - ah * bh - al * bh - ah * bl);
  return doubleDone(r, err, err < 0 !== r < 0, exactOnly);
}

/** a / b: a − q·b exactly (q·b = p + e by Dekker, and a − p is exact by Sterbenz: p is within a factor 2 of a). */
export function doubleQuotient(exactOnly: boolean): boolean {
  const a = doubleOperands.a;
  const b = doubleOperands.b;
  const r = a / b;
  const mr = Math.abs(r), ma = Math.abs(a), mb = Math.abs(b);
  if (!(mr >= SAFE_MIN && mr <= SAFE_MAX && ma >= SAFE_MIN && ma <= SAFE_MAX && mb >= SAFE_MIN && mb <= SAFE_MAX)) return false;
  const p = r * b;
  let t = SPLITTER * r;
  const rh = t - (t - r);
  const rl = r - rh;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const rem = a - p - (rl * bl - (p - rh * bh - rl * bh - rh * bl));
  // C1 when |q| > |a/b|, i.e. when the remainder's sign is not the dividend's.
  return doubleDone(r, rem, rem < 0 !== a < 0, exactOnly);
}

/** Operation codes as in the D8 group: 0 add, 1 mul, 4 a−b, 6 a/b (reversed forms swap first). */
export function doublePathBinary(ctx: F80Context, op: number, exactOnly = false): boolean {
  const a = f80ToExactDouble(ctx.aSe, ctx.aHi, ctx.aLo);
  if (a !== a) return false;
  const b = f80ToExactDouble(ctx.bSe, ctx.bHi, ctx.bLo);
  if (b !== b) return false;
  doubleOperands.a = a;
  doubleOperands.b = b;
  if (!doubleArith(op, exactOnly)) return false;
  resultFromDouble(ctx, doubleResult.r);
  if (doubleResult.inexact) {
    ctx.flags |= FPU_EX_PE;
    ctx.roundedUp = doubleResult.up ? 1 : 0;
  }
  return true;
}

/** FSQRT on the double path (positive normal operand); see doublePathBinary for `exactOnly`. */
export function doublePathSqrt(ctx: F80Context, exactOnly = false): boolean {
  const a = f80ToExactDouble(ctx.aSe, ctx.aHi, ctx.aLo);
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
