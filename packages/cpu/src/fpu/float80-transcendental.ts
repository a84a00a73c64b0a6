// The x87 transcendental instructions: FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X,
// FYL2XP1. Intel SDM vol. 2A instruction pages (special-operand tables, C2 out-of-range rule
// |x| ≥ 2^63) and vol. 1 §8.3.10. Results are evaluated in 256-bit arithmetic (wide-float.ts)
// and rounded once with FCW.RC.
//
// Argument reduction for FSIN/FCOS/FSINCOS/FPTAN uses the 66-bit approximation of π that the
// hardware uses (SDM vol. 1 §8.3.10: "the x87 FPU uses a 66-bit approximation of π"), so large
// arguments reduce the way the hardware does rather than with the true π.

import {
  F80_DENORMAL,
  F80_EXP_MAX,
  F80_INFINITY,
  F80_QNAN,
  F80_UNSUPPORTED,
  F80_ZERO,
  type F80Context,
  classifyF80,
  propagateNaN1,
  normalizeRoundPackF80,
  propagateNaN2,
  roundPackF80,
  unpackF80,
  unpacked,
} from "./float80.js";
import { f80Div } from "./float80-arith.js";
import { FPU_EX_DE, FPU_EX_PE, FPU_EX_ZE } from "./x87-control-status.js";
import {
  type Wide,
  FIXED_BITS,
  WIDE_PRECISION,
  isqrt,
  wideBelowPowerOfTwo,
  wideFromFixed,
  wideToFixed,
  wide,
  wideAbs,
  wideAdd,
  wideCompareMagnitude,
  wideDiv,
  wideDivInt,
  wideFromF80,
  wideFromInt,
  wideMul,
  wideMulInt,
  wideNeg,
  wideNegligible,
  wideSign,
  wideSub,
  wideToF80,
} from "./wide-float.js";

/** Set by the trigonometric functions when |x| ≥ 2^63: C2 = 1 and ST(0) is left unchanged. */
export let trigOutOfRange = false;

// ---------------------------------------------------------------------------------------
// Series (all arguments small enough for quick convergence)

/** Arguments below 2^-70 take the first two terms in floating arithmetic (no fixed-point underflow). */
const SERIES_TINY = -70;
const ONE_FIXED = 1n << BigInt(FIXED_BITS);
const FB = BigInt(FIXED_BITS);
/** Every series converges in far fewer terms; the cap only guarantees termination. */
const SERIES_MAX_TERMS = 400;

/** Σ c_n·(sign·u)^n / divisor(n) in fixed point with u = fixed(u), c_0 = 1 (the series factors below). */
function fixedSeries(u: bigint, alternate: boolean, divisor: (n: number) => number, cumulative: boolean): bigint {
  let term = ONE_FIXED;
  let sum = ONE_FIXED;
  let power = ONE_FIXED;
  for (let n = 1; n < SERIES_MAX_TERMS; n++) {
    if (cumulative) {
      term = (term * u) >> FB;
      term /= BigInt(divisor(n));
      if (term === 0n) break;
      sum += alternate && (n & 1) !== 0 ? -term : term;
    } else {
      power = (power * u) >> FB;
      if (power === 0n) break;
      const t = power / BigInt(divisor(n));
      sum += alternate && (n & 1) !== 0 ? -t : t;
    }
  }
  return sum;
}

/**
 * sin(r) for |r| ≤ π/4 as r·S(r²), S(u) = 1 − u/3! + u²/5! − …, so that the fixed-point part is
 * near 1 and the relative precision does not depend on the size of r.
 */
function sinSeries(r: Wide): Wide {
  if (wideBelowPowerOfTwo(r, SERIES_TINY)) return wideSub(r, wideDivInt(wideMul(r, wideMul(r, r)), 6));
  const s = fixedSeries(wideToFixed(wideMul(r, r)), true, (n) => 2 * n * (2 * n + 1), true);
  return wideMul(r, wideFromFixed(s));
}

/** cos(r) for |r| ≤ π/4: 1 − u/2! + u²/4! − … with u = r² (the value is near 1). */
function cosSeries(r: Wide): Wide {
  if (wideBelowPowerOfTwo(r, SERIES_TINY)) return wideSub(wideFromInt(1), wideDivInt(wideMul(r, r), 2));
  return wideFromFixed(fixedSeries(wideToFixed(wideMul(r, r)), true, (n) => (2 * n - 1) * (2 * n), true));
}

/** atanh(z) = z·(1 + z²/3 + z⁴/5 + …) for |z| ≤ 0.2. */
function atanhSeries(z: Wide): Wide {
  if (wideBelowPowerOfTwo(z, SERIES_TINY)) return wideAdd(z, wideDivInt(wideMul(z, wideMul(z, z)), 3));
  return wideMul(z, wideFromFixed(fixedSeries(wideToFixed(wideMul(z, z)), false, (n) => 2 * n + 1, false)));
}

/** atan(t) for 0 ≤ t ≤ 1: three half-angle steps t → t/(1 + √(1 + t²)), then t·(1 − t²/3 + t⁴/5 − …). */
function atanSeries(t: Wide): Wide {
  if (wideBelowPowerOfTwo(t, SERIES_TINY)) return wideSub(t, wideDivInt(wideMul(t, wideMul(t, t)), 3));
  let x = wideToFixed(t);
  for (let k = 0; k < 3; k++) {
    const root = isqrt((ONE_FIXED + ((x * x) >> FB)) << FB);
    x = (x << FB) / (ONE_FIXED + root);
  }
  const reduced = wideFromFixed(x);
  const a = fixedSeries(wideToFixed(wideMul(reduced, reduced)), true, (n) => 2 * n + 1, false);
  return wideMulInt(wideMul(reduced, wideFromFixed(a)), 8);
}

/** e^z − 1 = z·(1 + z/2! + z²/3! + …) for |z| ≤ 1 (no cancellation near 0). */
function expm1Series(z: Wide): Wide {
  if (wideBelowPowerOfTwo(z, SERIES_TINY)) return wideAdd(z, wideDivInt(wideMul(z, z), 2));
  return wideMul(z, wideFromFixed(fixedSeries(wideToFixed(z), false, (n) => n + 1, true)));
}

// Constants, computed once on first use.
let cachedPi: Wide | undefined;
let cachedLn2: Wide | undefined;

/** π by Machin's formula: 16·atan(1/5) − 4·atan(1/239). */
function pi(): Wide {
  if (cachedPi === undefined) {
    const atanInv = (n: number): Wide => {
      const x = wideDivInt(wideFromInt(1), n);
      const x2 = wideMul(x, x);
      let power = x;
      let sum = x;
      for (let k = 1; ; k++) {
        power = wideNeg(wideMul(power, x2));
        const term = wideDivInt(power, 2 * k + 1);
        if (wideNegligible(term, sum)) return sum;
        sum = wideAdd(sum, term);
      }
    };
    cachedPi = wideSub(wideMulInt(atanInv(5), 16), wideMulInt(atanInv(239), 4));
  }
  return cachedPi;
}

/** ln 2 = 2·atanh(1/3). */
function ln2(): Wide {
  cachedLn2 ??= wideMulInt(atanhSeries(wideDivInt(wideFromInt(1), 3)), 2);
  return cachedLn2;
}

/** ln(m) for m > 0 given as a Wide near 1 (used for the significand in [√2/2, √2]). */
function lnNearOne(m: Wide): Wide {
  const one = wideFromInt(1);
  return wideMulInt(atanhSeries(wideDiv(wideSub(m, one), wideAdd(m, one))), 2);
}

// ---------------------------------------------------------------------------------------
// Operand screening shared by the one-operand functions

function denormal(ctx: F80Context): boolean {
  ctx.flags |= FPU_EX_DE;
  return (ctx.masks & FPU_EX_DE) !== 0;
}

// ---------------------------------------------------------------------------------------
// FSIN / FCOS / FSINCOS / FPTAN

/** The hardware's π: 0xC90FDAA22168C234C · 2^-66 (66 significant bits). */
const PI66 = 0xc90fdaa22168c234cn;

let reducedQuadrant = 0;
/**
 * Reduces |x| (finite, < 2^63) to r in [−π/4, π/4] with x = k·(π66/2) + r exactly; the
 * quadrant k mod 4 goes to reducedQuadrant.
 */
function reduce(se: number, hi: number, lo: number): Wide {
  const x = wideFromF80(se & 0x7fff, hi, lo);
  const exp = (se & 0x7fff) === 0 ? 1 : se & 0x7fff;
  const ex = exp - 16383 - 63;
  // |x| < 0.75 needs no reduction (π/4 ≈ 0.785).
  if (exp < 16382 || (exp === 16382 && hi < 0xc0000000)) {
    reducedQuadrant = 0;
    return x;
  }
  const sig = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const n = sig << BigInt(ex + 67); // x / 2^-67
  const k = (2n * n + PI66) / (2n * PI66); // nearest integer to x / (π66/2)
  reducedQuadrant = Number(k & 3n);
  return wide(n - k * PI66, -67);
}

/**
 * Below 2^-68 the hardware's polynomial contributes nothing: FSIN/FPTAN return x and FCOS returns
 * 1.0 exactly, with PE set and no rounding in any mode (measured).
 */
const TINY_EXPONENT = -69;

function isTiny(se: number, hi: number, lo: number): boolean {
  const c = classifyF80(se, hi, lo);
  if (c === F80_DENORMAL) return true;
  return (se & F80_EXP_MAX) - 16383 <= TINY_EXPONENT;
}

/**
 * An exact result that the hardware nevertheless reports as inexact. It still passes the rounding
 * unit: a pseudo-denormal comes back normalised, and a denormal with UE unmasked is bias-adjusted
 * (measured).
 */
function inexactExact(ctx: F80Context, se: number, hi: number, lo: number): void {
  if ((hi | lo) === 0) {
    ctx.result(se, hi, lo);
  } else {
    unpackF80(se, hi, lo);
    roundPackF80(ctx, 64, se >>> 15, unpacked.exp, unpacked.h, unpacked.l, 0);
  }
  ctx.flags |= FPU_EX_PE;
  ctx.roundedUp = 0;
}

/** FPTAN returns "just below x" for 2^-68 ≤ |x| < 2^-33 (unbiased exponent ≤ −34). */
const TAN_SMALL_EXPONENT = -34;
/** FPATAN returns the rounded quotient y/x when it is below 2^-40. */
const ATAN_SMALL_EXPONENT = -40;

/** Screens a trigonometric operand; returns 1 to compute, 0 when ctx holds the result, -1 on abort. */
function trigOperand(ctx: F80Context, se: number, hi: number, lo: number): number {
  trigOutOfRange = false;
  const c = classifyF80(se, hi, lo);
  if (c === F80_UNSUPPORTED || c === F80_INFINITY) return ctx.invalid() ? 0 : -1;
  if (c >= F80_QNAN) return propagateNaN1(ctx, c, se, hi, lo) ? 0 : -1;
  if (c === F80_DENORMAL && !denormal(ctx)) return -1;
  if ((se & F80_EXP_MAX) - 16383 >= 63) {
    trigOutOfRange = true;
    return -1;
  }
  return c === F80_ZERO ? 2 : 1;
}

export function f80Sin(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const s = trigOperand(ctx, se, hi, lo);
  if (s <= 0) return s === 0;
  if (s === 2) {
    ctx.result(se, hi, lo);
    return true;
  }
  if (isTiny(se, hi, lo)) {
    inexactExact(ctx, se, hi, lo);
    return true;
  }
  const r = reduce(se, hi, lo);
  let v = (reducedQuadrant & 1) === 0 ? sinSeries(r) : cosSeries(r);
  if (reducedQuadrant >= 2) v = wideNeg(v);
  if ((se & 0x8000) !== 0) v = wideNeg(v);
  wideToF80(ctx, v, true);
  return true;
}

export function f80Cos(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const s = trigOperand(ctx, se, hi, lo);
  if (s <= 0) return s === 0;
  if (s === 2) {
    ctx.result(0x3fff, 0x80000000, 0);
    return true;
  }
  if (isTiny(se, hi, lo)) {
    inexactExact(ctx, 0x3fff, 0x80000000, 0);
    return true;
  }
  const r = reduce(se, hi, lo);
  let v = (reducedQuadrant & 1) === 0 ? cosSeries(r) : sinSeries(r);
  if (reducedQuadrant === 1 || reducedQuadrant === 2) v = wideNeg(v);
  wideToF80(ctx, v, true);
  return true;
}

/** FSINCOS: sine in ctx.se/hi/lo, cosine in ctx.se2/hi2/lo2; flags/C1 reflect both roundings. */
export function f80SinCos(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const s = trigOperand(ctx, se, hi, lo);
  if (s < 0) return false;
  if (s === 0) {
    ctx.result2(ctx.se, ctx.hi, ctx.lo);
    return true;
  }
  if (s === 2) {
    ctx.result2(0x3fff, 0x80000000, 0);
    ctx.result(se, hi, lo);
    return true;
  }
  if (isTiny(se, hi, lo)) {
    ctx.result2(0x3fff, 0x80000000, 0);
    inexactExact(ctx, se, hi, lo);
    return true;
  }
  const r = reduce(se, hi, lo);
  const sr = sinSeries(r);
  const cr = cosSeries(r);
  const q = reducedQuadrant;
  let sv = (q & 1) === 0 ? sr : cr;
  let cv = (q & 1) === 0 ? cr : sr;
  if (q >= 2) sv = wideNeg(sv);
  if (q === 1 || q === 2) cv = wideNeg(cv);
  if ((se & 0x8000) !== 0) sv = wideNeg(sv);
  wideToF80(ctx, sv, true);
  const sinSe = ctx.se;
  const sinHi = ctx.hi;
  const sinLo = ctx.lo;
  // C1 reports the rounding of the cosine, the value pushed last (measured).
  wideToF80(ctx, cv, true);
  ctx.result2(ctx.se, ctx.hi, ctx.lo);
  ctx.result(sinSe, sinHi, sinLo);
  return true;
}

/** FPTAN: tangent in ctx (the caller pushes 1.0). */
export function f80Tan(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const s = trigOperand(ctx, se, hi, lo);
  if (s <= 0) return s === 0;
  if (s === 2) {
    ctx.result(se, hi, lo);
    return true;
  }
  if (isTiny(se, hi, lo)) {
    inexactExact(ctx, se, hi, lo);
    return true;
  }
  if ((se & F80_EXP_MAX) - 16383 <= TAN_SMALL_EXPONENT) {
    // 2^-68 ≤ |x| < 2^-33: the hardware's tangent comes out a hair below |x| (tan x − x is lost
    // in its internal precision), so it rounds like a value just under x (measured).
    unpackF80(se, hi, lo);
    const l = unpacked.l === 0 ? 0xffffffff : unpacked.l - 1;
    const h = unpacked.l === 0 ? unpacked.h - 1 : unpacked.h;
    normalizeRoundPackF80(ctx, 64, se >>> 15, unpacked.exp, h >>> 0, l >>> 0, 0xffffffff);
    return true;
  }
  const r = reduce(se, hi, lo);
  const sr = sinSeries(r);
  const cr = cosSeries(r);
  let v = (reducedQuadrant & 1) === 0 ? wideDiv(sr, cr) : wideNeg(wideDiv(cr, sr));
  if ((se & 0x8000) !== 0) v = wideNeg(v);
  wideToF80(ctx, v, true);
  return true;
}

// ---------------------------------------------------------------------------------------
// FPATAN

/** k·π/4 with sign, rounded (PE). */
function piQuarters(ctx: F80Context, k: number, negative: boolean): void {
  const v = wideDivInt(wideMulInt(pi(), k), 4);
  wideToF80(ctx, negative ? wideNeg(v) : v, true);
}

/** FPATAN: atan2(y = ST(1), x = ST(0)). */
export function f80Atan2(ctx: F80Context): boolean {
  const ySe = ctx.aSe;
  const yHi = ctx.aHi;
  const yLo = ctx.aLo;
  const xSe = ctx.bSe;
  const xHi = ctx.bHi;
  const xLo = ctx.bLo;
  const cy = classifyF80(ySe, yHi, yLo);
  const cx = classifyF80(xSe, xHi, xLo);
  if (cy === F80_UNSUPPORTED || cx === F80_UNSUPPORTED) return ctx.invalid();
  if (cy >= F80_QNAN || cx >= F80_QNAN) return propagateNaN2(ctx, cx, xSe, xHi, xLo, cy, ySe, yHi, yLo);
  if ((cy === F80_DENORMAL || cx === F80_DENORMAL) && !denormal(ctx)) return false;
  const yNeg = (ySe & 0x8000) !== 0;
  const xNeg = (xSe & 0x8000) !== 0;
  // Special operands (SDM vol. 2A FPATAN Table 3-29).
  if (cy === F80_ZERO) {
    if (xNeg) piQuarters(ctx, 4, yNeg);
    else ctx.result(ySe & 0x8000, 0, 0);
    return true;
  }
  if (cy === F80_INFINITY) {
    piQuarters(ctx, cx === F80_INFINITY ? (xNeg ? 3 : 1) : 2, yNeg);
    return true;
  }
  if (cx === F80_ZERO) {
    piQuarters(ctx, 2, yNeg);
    return true;
  }
  if (cx === F80_INFINITY) {
    if (xNeg) piQuarters(ctx, 4, yNeg);
    else ctx.result(ySe & 0x8000, 0, 0);
    return true;
  }
  const ay = wideAbs(wideFromF80(ySe, yHi, yLo));
  const ax = wideAbs(wideFromF80(xSe, xHi, xLo));
  let a: Wide;
  if (!xNeg && wideCompareMagnitude(ay, ax) <= 0 && wideBelowPowerOfTwo(wideDiv(ay, ax), ATAN_SMALL_EXPONENT)) {
    // |y/x| < 2^-40: the hardware returns the quotient y/x itself, rounded, and flags PE even
    // when the division is exact (measured).
    f80Div(ctx, 64);
    ctx.flags |= FPU_EX_PE;
    return true;
  }
  if (wideCompareMagnitude(ay, ax) <= 0) a = atanSeries(wideDiv(ay, ax));
  else a = wideSub(wideDivInt(pi(), 2), atanSeries(wideDiv(ax, ay)));
  if (xNeg) a = wideSub(pi(), a);
  wideToF80(ctx, yNeg ? wideNeg(a) : a, true);
  return true;
}

// ---------------------------------------------------------------------------------------
// F2XM1

/** F2XM1: 2^x − 1, defined for −1 ≤ x ≤ 1 (other finite inputs are evaluated the same way). */
export function f80Exp2m1(ctx: F80Context): boolean {
  const se = ctx.aSe;
  const hi = ctx.aHi;
  const lo = ctx.aLo;
  const c = classifyF80(se, hi, lo);
  if (c === F80_UNSUPPORTED) return ctx.invalid();
  if (c >= F80_QNAN) return propagateNaN1(ctx, c, se, hi, lo);
  if (c === F80_ZERO) {
    ctx.result(se, hi, lo);
    return true;
  }
  if (c === F80_INFINITY) {
    if ((se & 0x8000) !== 0) ctx.result(0xbfff, 0x80000000, 0);
    else ctx.result(se, hi, lo);
    return true;
  }
  if (c === F80_DENORMAL && !denormal(ctx)) return false;
  // Outside the documented domain −1 ≤ x ≤ 1 the hardware returns x itself, and −1 gives −0.5;
  // both (and x = 1) are flagged inexact (measured).
  if ((se & F80_EXP_MAX) >= 0x3fff) {
    if (se === 0xbfff && hi === 0x80000000 && lo === 0) inexactExact(ctx, 0xbffe, 0x80000000, 0);
    else inexactExact(ctx, se, hi, lo);
    return true;
  }
  const x = wideFromF80(se, hi, lo);
  const z = wideMul(x, ln2());
  // Below 2^-68 only the linear term x·ln2 is kept (measured).
  const v = isTiny(se, hi, lo) ? z : expm1Series(z);
  wideToF80(ctx, v, true);
  return true;
}

// ---------------------------------------------------------------------------------------
// FYL2X / FYL2XP1

/** Set by log2Of: the logarithm is exact (x is a power of two). */
let log2Exact = false;

/** log2 of a positive finite 80-bit x. */
function log2Of(se: number, hi: number, lo: number): Wide {
  return log2Wide(wideFromF80(se & 0x7fff, hi, lo));
}

/** log2 of a positive Wide: x = m·2^e with m in [√2/2, √2], log2 x = e + ln(m)/ln 2. */
function log2Wide(x: Wide): Wide {
  let e = x.e + WIDE_PRECISION - 1;
  let m = wide(x.m, 1 - WIDE_PRECISION); // in [1, 2)
  if (m.m === 1n << BigInt(WIDE_PRECISION - 1)) {
    log2Exact = true;
    return wideFromInt(e);
  }
  log2Exact = false;
  if (wideCompareMagnitude(m, SQRT2_APPROX) > 0) {
    m = wide(m.m, m.e - 1);
    e += 1;
  }
  return wideAdd(wideFromInt(e), wideDiv(lnNearOne(m), ln2()));
}

/** √2 to 32 bits is enough to centre m: ln(m) converges for any m in [0.7, 1.42]. */
const SQRT2_APPROX = wide(0xb504f334n, -31);

/** Multiplies y by a logarithm and rounds; the logarithm's sign and exactness decide the rest. */
function scaleByY(ctx: F80Context, ySe: number, yHi: number, yLo: number, log: Wide, exact: boolean): void {
  const y = wideFromF80(ySe, yHi, yLo);
  const v = wideMul(y, log);
  if (v.m === 0n) {
    ctx.result(((ySe & 0x8000) ^ (wideSign(log) < 0 ? 0x8000 : 0)) & 0x8000, 0, 0);
    return;
  }
  wideToF80(ctx, v, !exact);
}

/** FYL2X: ST(1) × log2(ST(0)). x = ST(0), y = ST(1). */
export function f80Yl2x(ctx: F80Context): boolean {
  const xSe = ctx.aSe;
  const xHi = ctx.aHi;
  const xLo = ctx.aLo;
  const ySe = ctx.bSe;
  const yHi = ctx.bHi;
  const yLo = ctx.bLo;
  const cx = classifyF80(xSe, xHi, xLo);
  const cy = classifyF80(ySe, yHi, yLo);
  if (cx === F80_UNSUPPORTED || cy === F80_UNSUPPORTED) return ctx.invalid();
  if (cx >= F80_QNAN || cy >= F80_QNAN) return propagateNaN2(ctx, cx, xSe, xHi, xLo, cy, ySe, yHi, yLo);
  const xNeg = (xSe & 0x8000) !== 0;
  const yNeg = (ySe & 0x8000) !== 0;
  // Special operands (SDM vol. 2A FYL2X table): the invalid combinations win over #D.
  const xIsOne = (xSe & 0x7fff) === 0x3fff && xHi === 0x80000000 && xLo === 0;
  if (xNeg && cx !== F80_ZERO) return ctx.invalid();
  if ((cx === F80_ZERO || cx === F80_INFINITY) && cy === F80_ZERO) return ctx.invalid();
  if (xIsOne && cy === F80_INFINITY) return ctx.invalid();
  if ((cx === F80_DENORMAL || cy === F80_DENORMAL) && !denormal(ctx)) return false;
  if (cx === F80_ZERO) {
    if (cy !== F80_INFINITY) {
      ctx.flags |= FPU_EX_ZE;
      if ((ctx.masks & FPU_EX_ZE) === 0) return false;
    }
    ctx.result((yNeg ? 0 : 0x8000) | F80_EXP_MAX, 0x80000000, 0);
    return true;
  }
  if (cx === F80_INFINITY) {
    ctx.result((yNeg ? 0x8000 : 0) | F80_EXP_MAX, 0x80000000, 0);
    return true;
  }
  // x finite positive: log2(x) < 0 for x < 1, 0 for x = 1, > 0 for x > 1.
  const logSign = xIsOne ? 0 : (xSe & 0x7fff) >= 0x3fff ? 1 : -1;
  if (cy === F80_INFINITY) {
    ctx.result(((logSign < 0) !== yNeg ? 0x8000 : 0) | F80_EXP_MAX, 0x80000000, 0);
    return true;
  }
  if (cy === F80_ZERO || logSign === 0) {
    ctx.result((logSign < 0) !== yNeg ? 0x8000 : 0, 0, 0);
    return true;
  }
  const log = log2Of(xSe, xHi, xLo);
  scaleByY(ctx, ySe, yHi, yLo, log, log2Exact);
  return true;
}

/** FYL2XP1: ST(1) × log2(ST(0) + 1), defined for |x| < 1 − √2/2. */
export function f80Yl2xp1(ctx: F80Context): boolean {
  const xSe = ctx.aSe;
  const xHi = ctx.aHi;
  const xLo = ctx.aLo;
  const ySe = ctx.bSe;
  const yHi = ctx.bHi;
  const yLo = ctx.bLo;
  const cx = classifyF80(xSe, xHi, xLo);
  const cy = classifyF80(ySe, yHi, yLo);
  if (cx === F80_UNSUPPORTED || cy === F80_UNSUPPORTED) return ctx.invalid();
  if (cx >= F80_QNAN || cy >= F80_QNAN) return propagateNaN2(ctx, cx, xSe, xHi, xLo, cy, ySe, yHi, yLo);
  const xNeg = (xSe & 0x8000) !== 0;
  const yNeg = (ySe & 0x8000) !== 0;
  // The invalid combinations win over #D.
  if (cx === F80_INFINITY && (xNeg || cy === F80_ZERO)) return ctx.invalid();
  if (cx === F80_ZERO && cy === F80_INFINITY) return ctx.invalid();
  if ((cx === F80_DENORMAL || cy === F80_DENORMAL) && !denormal(ctx)) return false;
  if (cx === F80_INFINITY) {
    ctx.result((yNeg ? 0x8000 : 0) | F80_EXP_MAX, 0x80000000, 0);
    return true;
  }
  if (cx === F80_ZERO) {
    ctx.result(xNeg !== yNeg ? 0x8000 : 0, 0, 0);
    return true;
  }
  const x = wideFromF80(xSe, xHi, xLo);
  const onePlusX = wideAdd(wideFromInt(1), x);
  if (wideSign(onePlusX) <= 0) {
    // 1 + x ≤ 0 is outside every domain; the hardware returns x itself, inexact (measured).
    ctx.result(xSe, xHi, xLo);
    ctx.flags |= FPU_EX_PE;
    return true;
  }
  if (cy === F80_INFINITY) {
    ctx.result(xNeg !== yNeg ? 0x8000 | F80_EXP_MAX : F80_EXP_MAX, 0x80000000, 0);
    return true;
  }
  if (cy === F80_ZERO) {
    ctx.result(xNeg !== yNeg ? 0x8000 : 0, 0, 0);
    return true;
  }
  // ln(1 + x) = 2·atanh(x / (2 + x)) keeps full relative precision for small x; larger x
  // (outside the documented |x| < 1 − √2/2) goes through log2(1 + x) directly.
  let log: Wide;
  if ((xSe & F80_EXP_MAX) < 0x3ffd) log = wideDiv(wideMulInt(atanhSeries(wideDiv(x, wideAdd(wideFromInt(2), x))), 2), ln2());
  else log = log2Wide(onePlusX);
  scaleByY(ctx, ySe, yHi, yLo, log, false);
  return true;
}
