// Test support: seeded random x87 cases for the native differential test. Each family picks
// instructions and operands that exercise one area (rounding, specials, stack faults, …).

import type { X87Case } from "./x87-native-oracle.js";

/** xorshift128+ style generator on 32-bit halves; deterministic per seed. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = seed | 0 || 1;
    this.b = 0x9e3779b9;
    this.c = 0x243f6a88;
    this.d = 0xb7e15162;
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** xoshiro128** */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** An 80-bit value as [se, hi, lo]. */
export type F80Bits = [number, number, number];

/** Significand patterns that stress rounding: random, short (float/double-exact), runs of ones. */
function significand(r: Rng): [number, number] {
  let hi = (r.u32() | 0x80000000) >>> 0;
  let lo = r.u32();
  switch (r.int(8)) {
    case 0:
      lo = 0;
      hi = (hi & 0xffffff00) >>> 0; // float-exact
      break;
    case 1:
      lo = (lo & 0xfffff800) >>> 0; // double-exact
      break;
    case 2:
      hi = 0xffffffff;
      lo = r.chance(0.5) ? 0xffffffff : (0xffffffff << r.int(32)) >>> 0;
      break;
    case 3:
      hi = 0x80000000;
      lo = r.chance(0.5) ? 0 : r.int(4);
      break;
    case 4:
      // Half-way patterns for 24/53/64-bit rounding.
      hi = (hi & 0xffffff00) | 0x80;
      lo = r.chance(0.5) ? 0 : 0x400;
      break;
    default:
      break;
  }
  return [hi >>> 0, lo >>> 0];
}

export interface ValueProfile {
  /** Exponent centre and spread for "typical" normals. */
  expCentre?: number;
  expSpread?: number;
  /** Probability of a special (zero, denormal, inf, NaN, unsupported) instead of a normal. */
  special?: number;
  /** Allow unsupported encodings among the specials. */
  unsupported?: boolean;
}

export function randomF80(r: Rng, p: ValueProfile = {}): F80Bits {
  const sign = r.chance(0.5) ? 0x8000 : 0;
  const special = p.special ?? 0.25;
  if (r.chance(special)) {
    const kinds = p.unsupported === false ? 8 : 11;
    const [hi, lo] = significand(r);
    switch (r.int(kinds)) {
      case 0:
        return [sign, 0, 0];
      case 1: {
        // Denormal: exponent 0, integer bit clear, varied leading zeros.
        const shift = r.int(64);
        const h = shift >= 32 ? 0 : (hi >>> 1) >>> shift;
        const l = shift >= 32 ? (lo >>> 1) >>> (shift - 32) || 1 : lo;
        return [sign, h >>> 0, l >>> 0];
      }
      case 2:
        return [sign | 0x7fff, 0x80000000, 0];
      case 3:
        return [sign | 0x7fff, (0xc0000000 | hi) >>> 0, lo]; // QNaN
      case 4:
        return [sign | 0x7fff, ((hi & 0xbfffffff) | 0x80000000 | (((hi & 0x3fffffff) | lo) === 0 ? 1 : 0)) >>> 0, lo]; // SNaN
      case 5:
        return [0xffff, 0xc0000000, 0]; // real indefinite
      case 6:
        return [sign | (1 + r.int(3)), hi, lo]; // smallest normals
      case 7:
        return [sign | (0x7ffe - r.int(3)), hi, lo]; // largest normals
      case 8:
        return [sign, (hi | 0x80000000) >>> 0, lo]; // pseudo-denormal
      case 9:
        return [sign | (1 + r.int(0x7ffe)), hi & 0x7fffffff, lo]; // unnormal
      default:
        return [sign | 0x7fff, r.chance(0.5) ? 0 : hi & 0x7fffffff, r.chance(0.5) ? 0 : lo]; // pseudo-NaN / pseudo-infinity
    }
  }
  const [hi, lo] = significand(r);
  const centre = p.expCentre ?? 0x3fff;
  const spread = p.expSpread ?? 40;
  let exp: number;
  switch (r.int(10)) {
    case 0:
      exp = 1 + r.int(0x7ffe);
      break;
    case 1:
      exp = 1 + r.int(80);
      break;
    case 2:
      exp = 0x7ffe - r.int(80);
      break;
    default:
      exp = centre - spread + r.int(2 * spread + 1);
  }
  exp = Math.min(0x7ffe, Math.max(1, exp));
  return [sign | exp, hi, lo];
}

/** A value close to `v` (same or adjacent exponent, few significand bits changed): cancellation. */
export function nearby(r: Rng, v: F80Bits): F80Bits {
  const exp = v[0] & 0x7fff;
  if (exp === 0 || exp === 0x7fff) return randomF80(r);
  const e = Math.min(0x7ffe, Math.max(1, exp + r.int(3) - 1));
  let lo = v[2];
  let hi = v[1];
  const flips = r.int(3);
  for (let k = 0; k < flips; k++) {
    const bit = r.int(64);
    if (bit < 32) lo = (lo ^ (1 << bit)) >>> 0;
    else if (bit < 63) hi = (hi ^ (1 << (bit - 32))) >>> 0;
  }
  return [(r.chance(0.5) ? v[0] & 0x8000 : (v[0] & 0x8000) ^ 0x8000) | e, (hi | 0x80000000) >>> 0, lo];
}

// ---------------------------------------------------------------------------------------
// Machine state images

export interface StateSpec {
  cw: number;
  /** Status word bits other than TOP (flags must be masked in cw unless a pending fault is wanted). */
  sw: number;
  top: number;
  /** Values of ST(0..7). */
  st: F80Bits[];
  /** Bit i set: ST(i) is empty. */
  emptyMask: number;
  fip: number;
  fop: number;
  fdp: number;
}

export function randomControlWord(r: Rng, maskedProbability = 0.8): number {
  const masks = r.chance(maskedProbability) ? 0x3f : r.u32() & 0x3f;
  const pc = r.pick([3, 3, 3, 2, 0, 1]);
  const rc = r.int(4);
  return 0x40 | masks | (pc << 8) | (rc << 10) | (r.chance(0.1) ? 0x1000 : 0);
}

export function randomState(r: Rng, values: (i: number) => F80Bits, opts: { emptyProbability?: number; cw?: number } = {}): StateSpec {
  const cw = opts.cw ?? randomControlWord(r);
  // Condition codes random; exception flags only where masked (no pending #MF).
  let sw = r.u32() & 0x4700;
  sw |= r.u32() & 0x3f & cw & (r.chance(0.3) ? 0x3f : 0);
  const st: F80Bits[] = [];
  for (let i = 0; i < 8; i++) st.push(values(i));
  let emptyMask = 0;
  const pe = opts.emptyProbability ?? 0.04;
  for (let i = 0; i < 8; i++) if (r.chance(i < 2 ? pe : 0.5)) emptyMask |= 1 << i;
  return { cw, sw, top: r.int(8), st, emptyMask, fip: r.u32(), fop: r.u32() & 0x7ff, fdp: r.u32() };
}

/** Serialises a state as a 108-byte 32-bit protected-mode FSAVE image. */
export function stateImage(s: StateSpec): Uint8Array {
  const b = new Uint8Array(108);
  const v = new DataView(b.buffer);
  let tw = 0;
  for (let i = 0; i < 8; i++) {
    const phys = (s.top + i) & 7;
    if ((s.emptyMask >>> i) & 1) tw |= 3 << (2 * phys);
  }
  v.setUint32(0, (0xffff0000 | s.cw) >>> 0, true);
  v.setUint32(4, (0xffff0000 | s.sw | (s.top << 11)) >>> 0, true);
  v.setUint32(8, (0xffff0000 | tw) >>> 0, true);
  v.setUint32(12, s.fip, true);
  v.setUint32(16, (s.fop << 16) | 0x1234, true);
  v.setUint32(20, s.fdp, true);
  v.setUint32(24, 0xffff0000 | 0x5678, true);
  for (let i = 0; i < 8; i++) {
    const o = 28 + 10 * i;
    const x = s.st[i]!;
    v.setUint32(o, x[2], true);
    v.setUint32(o + 4, x[1], true);
    v.setUint16(o + 8, x[0], true);
  }
  return b;
}

// ---------------------------------------------------------------------------------------
// Memory operands

export function randomFloat32(r: Rng): number {
  const sign = r.chance(0.5) ? 0x80000000 : 0;
  switch (r.int(10)) {
    case 0:
      return sign;
    case 1:
      return (sign | (r.u32() & 0x7fffff) | 1) >>> 0; // denormal
    case 2:
      return (sign | 0x7f800000) >>> 0;
    case 3:
      return (sign | 0x7fc00000 | (r.u32() & 0x3fffff)) >>> 0; // QNaN
    case 4:
      return (sign | 0x7f800000 | (r.u32() & 0x3fffff) | 1) >>> 0; // SNaN
    default: {
      const e = r.chance(0.2) ? 1 + r.int(254) : 127 - 20 + r.int(41);
      return (sign | (e << 23) | (r.u32() & 0x7fffff)) >>> 0;
    }
  }
}

export function randomFloat64(r: Rng): [number, number] {
  const sign = r.chance(0.5) ? 0x80000000 : 0;
  const lo = r.u32();
  switch (r.int(10)) {
    case 0:
      return [sign, 0];
    case 1:
      return [(sign | (r.u32() & 0xfffff)) >>> 0, lo | 1]; // denormal
    case 2:
      return [(sign | 0x7ff00000) >>> 0, 0];
    case 3:
      return [(sign | 0x7ff80000 | (r.u32() & 0x7ffff)) >>> 0, lo];
    case 4:
      return [(sign | 0x7ff00000 | (r.u32() & 0x7ffff)) >>> 0, lo | 1];
    default: {
      const e = r.chance(0.2) ? 1 + r.int(2046) : 1023 - 30 + r.int(61);
      return [(sign | (e << 20) | (r.u32() & 0xfffff)) >>> 0, lo];
    }
  }
}

export function bytesLE(words: readonly number[], sizes: readonly number[]): Uint8Array {
  const total = sizes.reduce((a, b) => a + b, 0);
  const b = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < words.length; i++) {
    for (let k = 0; k < sizes[i]!; k++) b[o++] = (words[i]! >>> (8 * k)) & 0xff;
  }
  return b;
}

export function randomBcd(r: Rng): Uint8Array {
  const b = new Uint8Array(10);
  const digits = r.int(19);
  for (let i = 0; i < 9; i++) {
    const lowDigit = 2 * i < digits ? r.int(10) : 0;
    const highDigit = 2 * i + 1 < digits ? r.int(10) : 0;
    b[i] = (highDigit << 4) | lowDigit;
  }
  if (r.chance(0.1)) b[r.int(9)] = r.u32() & 0xff; // invalid digit nibbles
  b[9] = r.chance(0.5) ? 0x80 : 0;
  if (r.chance(0.05)) b[9] = r.u32() & 0xff;
  return b;
}

export function makeCase(family: string, insn: number[], state: StateSpec, mem: Uint8Array, eflags = 0x202): X87Case {
  return { family, insn: new Uint8Array(insn), state: stateImage(state), mem, eflags };
}

/**
 * A value for the double path's tests: an exact small integer, a double (53 significant bits) near 1, or
 * (with probability `any`) any 80-bit value from randomF80; `integers` weighs the first two.
 */
export function randomDoublePathValue(g: Rng, any = 0.5, integers = 0.5): F80Bits {
  switch (g.chance(any) ? 2 : g.chance(integers) ? 0 : 1) {
    case 0: {
      const v = 1 + g.int(1000);
      const e = 31 - Math.clz32(v);
      return [(g.chance(0.2) ? 0x8000 : 0) | (0x3fff + e), (v << (31 - e)) >>> 0, 0];
    }
    case 1:
      return [(g.chance(0.5) ? 0x8000 : 0) | (0x3fff - 20 + g.int(40)), (g.u32() | 0x80000000) >>> 0, (g.u32() & 0xfffff800) >>> 0];
    default:
      return randomF80(g);
  }
}
