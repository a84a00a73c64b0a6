// The 80-bit arithmetic against an independent BigInt reference: exact results rounded to
// 24/53/64 bits in all four rounding modes, with PE and C1 (rounded up). Runs without the native
// oracle; the oracle test covers specials and exception responses bit for bit.

import { describe, expect, it } from "vitest";
import { f80Add, f80Div, f80Mul, f80Sqrt, mul64, product } from "./float80-arith.js";
import { F80Context } from "./float80.js";
import { FPU_EX_PE, FPU_EX_ZE, FPU_EX_IE } from "./x87-control-status.js";
import { Rng } from "./x87-case-generator.js";

const BIAS = 16383;

interface Exact {
  sign: number;
  /** Magnitude m (> 0) with value m·2^e. */
  m: bigint;
  e: number;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

function sig(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function exactOf(se: number, hi: number, lo: number): Exact {
  return { sign: se >>> 15, m: sig(hi, lo), e: (se & 0x7fff) - BIAS - 63 };
}

/** Rounds an exact non-zero value to `prec` bits with rounding control rc; returns se/hi/lo, inexact, up. */
function reference(x: Exact, prec: number, rc: number, sticky = false): { se: number; hi: number; lo: number; inexact: boolean; up: boolean } {
  let m = x.m;
  let e = x.e;
  const shift = bitLength(m) - prec;
  let inexact = sticky;
  let up = false;
  if (shift > 0) {
    const rem = m & ((1n << BigInt(shift)) - 1n);
    const half = 1n << BigInt(shift - 1);
    m >>= BigInt(shift);
    e += shift;
    if (rem !== 0n) inexact = true;
    if (inexact) {
      const cmp = rem > half || (rem === half && sticky) ? 1 : rem === half ? 0 : -1;
      if (rc === 0) up = cmp > 0 || (cmp === 0 && (m & 1n) === 1n);
      else if (rc === 1) up = x.sign === 1;
      else if (rc === 2) up = x.sign === 0;
      if (up) m += 1n;
      if (bitLength(m) > prec) {
        m >>= 1n;
        e += 1;
      }
    }
  } else {
    m <<= BigInt(-shift);
    e += shift;
  }
  const s64 = m << BigInt(64 - prec);
  const exp = e - (64 - prec) + 63 + BIAS;
  return { se: (x.sign << 15) | exp, hi: Number(s64 >> 32n), lo: Number(s64 & 0xffffffffn), inexact, up };
}

function randomNormal(r: Rng, spread: number): [number, number, number] {
  const exp = BIAS - spread + r.int(2 * spread + 1);
  let hi = (r.u32() | 0x80000000) >>> 0;
  let lo = r.u32();
  if (r.chance(0.2)) lo = 0;
  if (r.chance(0.1)) {
    hi = 0xffffffff;
    lo = 0xffffffff;
  }
  return [(r.chance(0.5) ? 0x8000 : 0) | exp, hi, lo];
}

const PC_OF_PREC: Record<number, number> = { 24: 0, 53: 2, 64: 3 };

function context(prec: number, rc: number): F80Context {
  const ctx = new F80Context();
  ctx.setControlWord(0x3f | 0x40 | (PC_OF_PREC[prec]! << 8) | (rc << 10));
  ctx.begin();
  return ctx;
}

function expectRounded(ctx: F80Context, want: ReturnType<typeof reference>, what: string): void {
  const got = `${ctx.se.toString(16)}:${ctx.hi.toString(16)}:${ctx.lo.toString(16)} pe=${(ctx.flags & FPU_EX_PE) !== 0} up=${ctx.roundedUp}`;
  const exp = `${want.se.toString(16)}:${want.hi.toString(16)}:${want.lo.toString(16)} pe=${want.inexact} up=${want.up ? 1 : 0}`;
  expect(got, what).toBe(exp);
}

describe("mul64 is an exact 64×64→128-bit product", () => {
  it("matches BigInt multiplication on edge and random operands", () => {
    const r = new Rng(7);
    const pick = (): number => r.pick([0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, r.u32(), r.u32()]);
    for (let i = 0; i < 20000; i++) {
      const ah = pick();
      const al = pick();
      const bh = pick();
      const bl = pick();
      mul64(ah, al, bh, bl);
      const got = (BigInt(product.w3) << 96n) | (BigInt(product.w2) << 64n) | (BigInt(product.w1) << 32n) | BigInt(product.w0);
      expect(got).toBe(sig(ah, al) * sig(bh, bl));
    }
  });
});

describe("basic arithmetic rounds exactly as the BigInt reference", () => {
  const r = new Rng(2024);
  for (const prec of [64, 53, 24]) {
    for (const rc of [0, 1, 2, 3]) {
      it(`add/sub, mul, div, sqrt at ${prec} bits, RC=${rc}`, () => {
        for (let i = 0; i < 400; i++) {
          const a = randomNormal(r, 30);
          const b = r.chance(0.3) ? ([a[0] ^ (r.chance(0.5) ? 0x8000 : 0), a[1], (a[2] ^ (1 << r.int(32))) >>> 0] as [number, number, number]) : randomNormal(r, 30);
          const A = exactOf(...a);
          const B = exactOf(...b);
          let ctx = context(prec, rc);
          // a + b
          ctx.setA(...a);
          ctx.setB(...b);
          f80Add(ctx, prec, false);
          const emin = Math.min(A.e, B.e);
          const sum = (A.sign ? -1n : 1n) * (A.m << BigInt(A.e - emin)) + (B.sign ? -1n : 1n) * (B.m << BigInt(B.e - emin));
          if (sum === 0n) {
            expect(ctx.se, "exact cancellation sign").toBe(rc === 1 ? 0x8000 : 0);
          } else {
            expectRounded(ctx, reference({ sign: sum < 0n ? 1 : 0, m: sum < 0n ? -sum : sum, e: emin }, prec, rc), `add ${a.join(":")} ${b.join(":")}`);
          }
          // a × b
          ctx = context(prec, rc);
          ctx.setA(...a);
          ctx.setB(...b);
          f80Mul(ctx, prec);
          expectRounded(ctx, reference({ sign: A.sign ^ B.sign, m: A.m * B.m, e: A.e + B.e }, prec, rc), `mul ${a.join(":")} ${b.join(":")}`);
          // a ÷ b: 160 quotient bits and a sticky remainder
          ctx = context(prec, rc);
          ctx.setA(...a);
          ctx.setB(...b);
          f80Div(ctx, prec);
          const num = A.m << 160n;
          const q = num / B.m;
          expectRounded(ctx, reference({ sign: A.sign ^ B.sign, m: q, e: A.e - B.e - 160 }, prec, rc, num % B.m !== 0n), `div ${a.join(":")} ${b.join(":")}`);
          // √|a|
          ctx = context(prec, rc);
          ctx.setA(a[0] & 0x7fff, a[1], a[2]);
          f80Sqrt(ctx, prec);
          let m = A.m << 200n;
          let e = A.e - 200;
          if ((e & 1) !== 0) {
            m <<= 1n;
            e -= 1;
          }
          let root = 1n << BigInt(Math.ceil(bitLength(m) / 2));
          for (;;) {
            const next = (root + m / root) >> 1n;
            if (next >= root) break;
            root = next;
          }
          expectRounded(ctx, reference({ sign: 0, m: root, e: e / 2 }, prec, rc, root * root !== m), `sqrt ${a.join(":")}`);
        }
      });
    }
  }
});

describe("special operands", () => {
  it("∞ − ∞, 0 × ∞, 0 ÷ 0 and √−x give the real indefinite with IE", () => {
    const inf: [number, number, number] = [0x7fff, 0x80000000, 0];
    const ninf: [number, number, number] = [0xffff, 0x80000000, 0];
    const zero: [number, number, number] = [0, 0, 0];
    const cases: [string, (c: F80Context) => boolean, [number, number, number], [number, number, number]][] = [
      ["add", (c) => f80Add(c, 64, false), inf, ninf],
      ["mul", (c) => f80Mul(c, 64), zero, inf],
      ["div", (c) => f80Div(c, 64), zero, zero],
      ["sqrt", (c) => f80Sqrt(c, 64), [0xbfff, 0x80000000, 0], zero],
    ];
    for (const [name, op, a, b] of cases) {
      const ctx = context(64, 0);
      ctx.setA(...a);
      ctx.setB(...b);
      expect(op(ctx), name).toBe(true);
      expect([ctx.se, ctx.hi, ctx.lo], name).toEqual([0xffff, 0xc0000000, 0]);
      expect(ctx.flags & FPU_EX_IE, name).toBe(FPU_EX_IE);
    }
  });

  it("x ÷ 0 raises ZE and gives a signed infinity; unmasked ZE gives no result", () => {
    const ctx = context(64, 0);
    ctx.setA(0xbfff, 0x80000000, 0);
    ctx.setB(0, 0, 0);
    expect(f80Div(ctx, 64)).toBe(true);
    expect([ctx.se, ctx.hi, ctx.lo, ctx.flags]).toEqual([0xffff, 0x80000000, 0, FPU_EX_ZE]);
    ctx.setControlWord(0x37b);
    ctx.begin();
    ctx.setA(0xbfff, 0x80000000, 0);
    ctx.setB(0, 0, 0);
    expect(f80Div(ctx, 64)).toBe(false);
  });

  it("a quiet NaN wins over a signalling one; two of a kind give the larger significand, quieted", () => {
    const ctx = context(64, 0);
    ctx.setA(0x7fff, 0xc0000001, 0); // QNaN, small payload
    ctx.setB(0x7fff, 0xbfffffff, 0); // SNaN, larger payload
    f80Add(ctx, 64, false);
    expect([ctx.se, ctx.hi, ctx.flags]).toEqual([0x7fff, 0xc0000001, FPU_EX_IE]);
    ctx.begin();
    ctx.setA(0x7fff, 0x80000001, 0); // SNaN
    ctx.setB(0xffff, 0x80000002, 0); // SNaN, larger
    f80Mul(ctx, 64);
    expect([ctx.se, ctx.hi]).toEqual([0xffff, 0xc0000002]);
  });

  it("denormal results underflow only when inexact (masked) and keep full precision otherwise", () => {
    const ctx = context(64, 0);
    // 2^-16383 × 1.5: exactly representable as a denormal.
    ctx.setA(0x0000 + 1, 0xc0000000, 0);
    ctx.setB(0x3ffe, 0x80000000, 0);
    f80Mul(ctx, 64);
    expect([ctx.se, ctx.hi, ctx.lo, ctx.flags]).toEqual([0, 0x60000000, 0, 0]);
  });
});
