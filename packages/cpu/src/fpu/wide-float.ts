// Multi-precision binary floating point (value = m · 2^e, |m| kept at WIDE_PRECISION bits)
// used to evaluate the x87 transcendental instructions well beyond 64 bits before the single
// final rounding. Not on any hot path: only FSIN/FCOS/FSINCOS/FPTAN/FPATAN/F2XM1/FYL2X/FYL2XP1
// use it, and those are dozens of cycles on hardware too.

import { F80_BIAS, type F80Context, roundPackF80 } from "./float80.js";

/** Working precision in bits: far beyond the 64-bit result so the final rounding is correct. */
export const WIDE_PRECISION = 256;
const P = BigInt(WIDE_PRECISION);

export interface Wide {
  /** Signed significand; 0n for zero, else |m| has exactly WIDE_PRECISION bits. */
  readonly m: bigint;
  readonly e: number;
}

export const WIDE_ZERO: Wide = { m: 0n, e: 0 };

export function bitLength(v: bigint): number {
  if (v < 0n) v = -v;
  if (v === 0n) return 0;
  // Number(v) is within one unit in the last place, so log2 gives the length up to ±1; fix it up.
  const approx = Number(v);
  if (approx !== Infinity) {
    let n = Math.floor(Math.log2(approx)) + 1;
    if (v >> BigInt(n - 1) === 0n) n--;
    else if (v >> BigInt(n) !== 0n) n++;
    return n;
  }
  const hex = v.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/** Normalises m·2^e to WIDE_PRECISION significant bits (truncating extra low bits). */
export function wide(m: bigint, e: number): Wide {
  if (m === 0n) return WIDE_ZERO;
  const shift = bitLength(m) - WIDE_PRECISION;
  if (shift > 0) return { m: m >> BigInt(shift), e: e + shift };
  if (shift < 0) return { m: m << BigInt(-shift), e: e + shift };
  return { m, e };
}

export function wideFromInt(v: number): Wide {
  return wide(BigInt(v), 0);
}

/** An exact 80-bit finite value (normal or denormal) as a Wide. */
export function wideFromF80(se: number, hi: number, lo: number): Wide {
  const sig = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  let exp = se & 0x7fff;
  if (exp === 0) exp = 1;
  const m = (se & 0x8000) !== 0 ? -sig : sig;
  return wide(m, exp - F80_BIAS - 63);
}

export function wideNeg(a: Wide): Wide {
  return { m: -a.m, e: a.e };
}

export function wideAdd(a: Wide, b: Wide): Wide {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  if (a.e < b.e) {
    const t = a;
    a = b;
    b = t;
  }
  const d = a.e - b.e;
  if (d > WIDE_PRECISION + 64) {
    // b is far below a's last bit: keep it as a sticky nudge so rounding still sees it.
    const nudge = b.m < 0n ? -1n : 1n;
    return wide((a.m << 2n) + nudge, a.e - 2);
  }
  return wide((a.m << BigInt(d)) + b.m, b.e);
}

export function wideSub(a: Wide, b: Wide): Wide {
  return wideAdd(a, wideNeg(b));
}

export function wideMul(a: Wide, b: Wide): Wide {
  if (a.m === 0n || b.m === 0n) return WIDE_ZERO;
  return wide(a.m * b.m, a.e + b.e);
}

export function wideDiv(a: Wide, b: Wide): Wide {
  // Callers never divide by zero; answering zero keeps a guest from ever reaching a RangeError.
  if (a.m === 0n || b.m === 0n) return WIDE_ZERO;
  return wide((a.m << (P + 2n)) / b.m, a.e - b.e - WIDE_PRECISION - 2);
}

export function wideMulInt(a: Wide, k: number): Wide {
  return wide(a.m * BigInt(k), a.e);
}

export function wideDivInt(a: Wide, k: number): Wide {
  return wide((a.m << 64n) / BigInt(k), a.e - 64);
}

/** Integer square root of a non-negative bigint (Newton). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function wideSqrt(a: Wide): Wide {
  if (a.m <= 0n) return WIDE_ZERO;
  // Make the exponent even and give the radicand 2·P bits.
  let m = a.m << (P + 2n);
  let e = a.e - WIDE_PRECISION - 2;
  if ((e & 1) !== 0) {
    m <<= 1n;
    e -= 1;
  }
  return wide(isqrt(m), e / 2);
}

/**
 * Fixed-point scale used inside the series evaluations: a value v is the integer v·2^FIXED_BITS.
 * Fixed point needs no normalisation per step, which makes the series several times faster; the
 * callers keep arguments above 2^-70 so the relative precision stays beyond 2^-128.
 */
export const FIXED_BITS = 200;

export function wideToFixed(w: Wide): bigint {
  const s = w.e + FIXED_BITS;
  return s >= 0 ? w.m << BigInt(s) : w.m >> BigInt(-s);
}

export function wideFromFixed(v: bigint): Wide {
  return wide(v, -FIXED_BITS);
}

/** True when |w| < 2^k. */
export function wideBelowPowerOfTwo(w: Wide, k: number): boolean {
  return w.m === 0n || w.e + WIDE_PRECISION <= k;
}

export function wideSign(a: Wide): number {
  return a.m < 0n ? -1 : a.m > 0n ? 1 : 0;
}

export function wideAbs(a: Wide): Wide {
  return a.m < 0n ? wideNeg(a) : a;
}

/** Compares |a| with |b|. */
export function wideCompareMagnitude(a: Wide, b: Wide): number {
  const am = a.m < 0n ? -a.m : a.m;
  const bm = b.m < 0n ? -b.m : b.m;
  if (am === 0n || bm === 0n) return am === bm ? 0 : am === 0n ? -1 : 1;
  if (a.e !== b.e) return a.e > b.e ? 1 : -1;
  return am > bm ? 1 : am < bm ? -1 : 0;
}

/** True when the term is negligible next to `sum` (below its last working bit). */
export function wideNegligible(term: Wide, sum: Wide): boolean {
  if (term.m === 0n) return true;
  if (sum.m === 0n) return false;
  return term.e + WIDE_PRECISION < sum.e - 8;
}

/**
 * Rounds a Wide to the 80-bit format with the context's rounding control (64-bit precision;
 * precision control does not apply to transcendentals). `inexact` marks a value that is an
 * approximation of an irrational result: it is rounded as if more non-zero bits followed.
 */
export function wideToF80(ctx: F80Context, v: Wide, inexact: boolean): void {
  if (v.m === 0n) {
    ctx.result(0, 0, 0);
    return;
  }
  const sign = v.m < 0n ? 1 : 0;
  let mag = v.m < 0n ? -v.m : v.m;
  const EPS = Number(process.env.X87_EPS ?? "0");
  if (EPS !== 0 && inexact) mag -= (mag * BigInt(Math.round(EPS * 1024))) >> 82n;
  const len = bitLength(mag);
  // Keep 96 bits: 64 significand + 32 rounding bits; everything below is sticky.
  const drop = len - 96;
  let top: bigint;
  let sticky: boolean;
  if (drop >= 0) {
    top = mag >> BigInt(drop);
    sticky = (mag & ((1n << BigInt(drop)) - 1n)) !== 0n;
  } else {
    top = mag << BigInt(-drop);
    sticky = false;
  }
  const h = Number((top >> 64n) & 0xffffffffn);
  const l = Number((top >> 32n) & 0xffffffffn);
  let x = Number(top & 0xffffffffn);
  if (sticky || inexact) x = (x | 1) >>> 0;
  roundPackF80(ctx, 64, sign, v.e + len - 1 + F80_BIAS, h, l, x);
}
