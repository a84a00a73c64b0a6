// The D8–DF opcode map: one handler per memory form (escape × ModR/M.reg, 64 entries) and per
// register form (escape × ModR/M bits 5..0, 512 entries), with attributes. Intel SDM vol. 2
// Appendix A.4 (Tables A-7 … A-22, "Escape Opcode Instructions") and the vol. 2A pages.

import { f80Add, f80Div, f80Mul, f80Sqrt } from "./float80-arith.js";
import { doublePathBinary, doublePathSqrt } from "./float80-double-path.js";
import { CMP_UNORDERED, FXAM_EMPTY, f80Compare, f80ExamineClass } from "./float80-compare.js";
import { f80LoadConstant } from "./float80-constants.js";
import {
  bcdOut,
  converted,
  f80FromBcd,
  f80FromFloat32,
  f80FromFloat64,
  f80FromInt32,
  f80FromInt64,
  f80ToBcd,
  f80ToFloat32,
  f80ToFloat64,
  f80ToInteger,
  f80WidenFloat32,
  f80WidenFloat64,
  widened,
} from "./float80-convert.js";
import { f80Remainder, remComplete, remQuotient } from "./float80-remainder.js";
import { f80RoundToIntegral } from "./float80-round-integer.js";
import { f80Extract, f80Scale } from "./float80-scale.js";
import {
  f80Atan2,
  f80Cos,
  f80Exp2m1,
  f80Sin,
  f80SinCos,
  f80Tan,
  f80Yl2x,
  f80Yl2xp1,
  trigOutOfRange,
} from "./float80-transcendental.js";
import { F80_EXP_MAX, F80_INDEFINITE_HI, F80_INDEFINITE_SE, type F80Context, roundsAway } from "./float80.js";
import {
  FPU_EX_ALL,
  FPU_EX_IE,
  FPU_EX_PE,
  FPU_RC_CHOP,
  FPU_RC_NEAREST,
  FPU_SW_B,
  FPU_SW_C0,
  FPU_SW_C2,
  FPU_SW_C3,
  FPU_SW_ES,
  FPU_SW_SF,
} from "./x87-control-status.js";
import { EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF } from "./x87-host.js";
import type { X87 } from "./x87.js";

/** Undefined encoding: #UD. */
export const X87_ATTR_UD = 1;
/** No-wait form: does not check for a pending unmasked exception. */
export const X87_ATTR_NOWAIT = 2;
/** Control instruction: does not update FIP/FCS/FOP/FDP/FDS (SDM vol. 1 §8.1.8). */
export const X87_ATTR_CONTROL = 4;
/** FISTTP: defined only with SSE3. */
export const X87_ATTR_FISTTP = 8;
/**
 * Register form that reads or writes the integer core's state through the host (FCMOVcc reads EFLAGS,
 * FCOMI/FUCOMI write it, FNSTSW AX writes AX); every other register form touches only the FPU.
 */
export const X87_ATTR_HOST = 16;

type MemHandler = (f: X87, linear: number) => void;
type RegHandler = (f: X87, i: number) => void;

const undefinedMem: MemHandler = () => undefined;
const undefinedReg: RegHandler = () => undefined;

export const memHandlers: MemHandler[] = new Array<MemHandler>(64).fill(undefinedMem);
export const memAttributes = new Uint8Array(64).fill(X87_ATTR_UD);
export const regHandlers: RegHandler[] = new Array<RegHandler>(512).fill(undefinedReg);
export const regAttributes = new Uint8Array(512).fill(X87_ATTR_UD);

function defMem(esc: number, reg: number, h: MemHandler, attr = 0): void {
  memHandlers[(esc << 3) | reg] = h;
  memAttributes[(esc << 3) | reg] = attr;
}

/** Defines register forms esc:modrm for modrm in [first, first + count). */
function defReg(esc: number, first: number, count: number, h: RegHandler, attr = 0): void {
  for (let m = first; m < first + count; m++) {
    regHandlers[(esc << 6) | (m & 0x3f)] = h;
    regAttributes[(esc << 6) | (m & 0x3f)] = attr;
  }
}

// ---------------------------------------------------------------------------------------
// Arithmetic: op is the ModR/M.reg of the D8 group: 0 add, 1 mul, 4 a−b, 5 b−a, 6 a/b, 7 b/a.

const OP_ADD = 0;
const OP_MUL = 1;
const OP_SUB = 4;
const OP_SUBR = 5;
const OP_DIV = 6;
const OP_DIVR = 7;

/** Runs arithmetic operation `op` on the operands already in ctx (a = destination side). */
function arithmetic(ctx: F80Context, op: number): boolean {
  const prec = ctx.precision;
  if (op === OP_SUBR || op === OP_DIVR) {
    ctx.swapOperands();
    op -= 1;
  }
  if (prec !== 24 && !ctx.denormalSource && doublePathBinary(ctx, op, prec !== 53 || ctx.rc !== FPU_RC_NEAREST)) return true;
  switch (op) {
    case OP_ADD:
      return f80Add(ctx, prec, false);
    case OP_MUL:
      return f80Mul(ctx, prec);
    case OP_SUB:
      return f80Add(ctx, prec, true);
    default:
      return f80Div(ctx, prec);
  }
}

/** dst ← dst op src on registers (D8: dst=ST0; DC/DE: dst=ST(i)), popping for DE. */
function arithRegister(f: X87, op: number, dst: number, src: number, pop: boolean): void {
  const ctx = f.ctx;
  ctx.begin();
  if (f.isEmpty(dst) || f.isEmpty(src)) {
    f.stackUnderflow(dst, pop ? 1 : 0);
    return;
  }
  f.operandA(dst);
  f.operandB(src);
  const ok = arithmetic(ctx, op);
  if (ok) {
    f.writeResult(dst);
    if (pop) f.pop();
  }
  f.finish(ctx.flags, ok ? ctx.roundedUp : 0);
}

/** Memory operand kinds of the arithmetic/compare groups. */
const M32FP = 0;
const M32INT = 1;
const M64FP = 2;
const M16INT = 3;

/** The memory operand of the current arithmetic/compare instruction, widened to 80 bits. */
const memOperand = { se: 0, hi: 0, lo: 0, denormal: false };

function loadArithOperand(f: X87, kind: number, linear: number): void {
  const h = f.host;
  memOperand.denormal = false;
  switch (kind) {
    case M32FP:
      memOperand.denormal = f80WidenFloat32(h.read32(linear));
      memOperand.se = widened.se;
      memOperand.hi = widened.hi;
      memOperand.lo = widened.lo;
      return;
    case M64FP: {
      const lo = h.read32(linear);
      const hi = h.read32((linear + 4) >>> 0);
      memOperand.denormal = f80WidenFloat64(hi, lo);
      memOperand.se = widened.se;
      memOperand.hi = widened.hi;
      memOperand.lo = widened.lo;
      return;
    }
    case M32INT:
      f80FromInt32(f.ctx, h.read32(linear) | 0);
      break;
    default:
      f80FromInt32(f.ctx, (h.read16(linear) << 16) >> 16);
      break;
  }
  memOperand.se = f.ctx.se;
  memOperand.hi = f.ctx.hi;
  memOperand.lo = f.ctx.lo;
}

function arithMemory(f: X87, kind: number, op: number, linear: number): void {
  loadArithOperand(f, kind, linear);
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  if (f.isEmpty(p0)) {
    f.stackUnderflow(p0, 0);
    return;
  }
  ctx.denormalSource = memOperand.denormal;
  f.operandA(p0);
  ctx.setB(memOperand.se, memOperand.hi, memOperand.lo);
  const ok = arithmetic(ctx, op);
  if (ok) f.writeResult(p0);
  f.finish(ctx.flags, ok ? ctx.roundedUp : 0);
}

// ---------------------------------------------------------------------------------------
// Compares

const CC_OF_RELATION = [0, FPU_SW_C0, FPU_SW_C3, FPU_SW_C3 | FPU_SW_C2 | FPU_SW_C0];
const EFLAGS_OF_RELATION = [0, EFLAGS_CF, EFLAGS_ZF, EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF];
const CC_MASK = FPU_SW_C3 | FPU_SW_C2 | FPU_SW_C0;

function setConditionCodes(f: X87, relation: number): void {
  f.swNoTop = (f.swNoTop & ~CC_MASK) | CC_OF_RELATION[relation]!;
}

/**
 * FCOM/FCOMP/FCOMPP/FUCOM…: compares ST0 with physical register `other`, then pops `pops` times.
 * The condition codes are written even when the exception is unmasked (measured: an unmasked
 * invalid operand or stack fault leaves C3/C2/C0 = unordered); only the pops are suppressed.
 */
function compareRegisters(f: X87, other: number, quiet: boolean, pops: number): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  let rel: number;
  if (f.isEmpty(p0) || f.isEmpty(other)) {
    ctx.flags = FPU_EX_IE | FPU_SW_SF;
    rel = CMP_UNORDERED;
  } else {
    f.operandA(p0);
    f.operandB(other);
    rel = f80Compare(ctx, quiet);
  }
  finishCompare(f, rel, pops);
}

function finishCompare(f: X87, rel: number, pops: number): void {
  const ctx = f.ctx;
  setConditionCodes(f, rel);
  if (!ctx.unmasked(FPU_EX_ALL)) for (let k = 0; k < pops; k++) f.pop();
  f.finish(ctx.flags, 0);
}

function compareMemory(f: X87, kind: number, pop: boolean, linear: number): void {
  loadArithOperand(f, kind, linear);
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  let rel: number;
  if (f.isEmpty(p0)) {
    ctx.flags = FPU_EX_IE | FPU_SW_SF;
    rel = CMP_UNORDERED;
  } else {
    ctx.denormalSource = memOperand.denormal;
    f.operandA(p0);
    ctx.setB(memOperand.se, memOperand.hi, memOperand.lo);
    rel = f80Compare(ctx, false);
  }
  finishCompare(f, rel, pop ? 1 : 0);
}

/** FCOMI/FUCOMI(P): relation into ZF/PF/CF, OF/SF/AF cleared (SDM vol. 2A FCOMI); always written. */
function compareToEflags(f: X87, i: number, quiet: boolean, pop: boolean): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  const pi = f.phys(i);
  let rel: number;
  if (f.isEmpty(p0) || f.isEmpty(pi)) {
    ctx.flags = FPU_EX_IE | FPU_SW_SF;
    rel = CMP_UNORDERED;
  } else {
    f.operandA(p0);
    f.operandB(pi);
    rel = f80Compare(ctx, quiet);
  }
  const h = f.host;
  const fl = h.getEflags() & ~(EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF);
  h.setEflags(fl | EFLAGS_OF_RELATION[rel]!);
  if (pop && !ctx.unmasked(FPU_EX_ALL)) f.pop();
  f.finish(ctx.flags, (ctx.flags & FPU_SW_SF) !== 0 ? 0 : -1);
}

// ---------------------------------------------------------------------------------------
// Loads and stores

/** Pushes ctx's result after a conversion whose flags are in ctx (`ok` false: aborted). */
function pushConverted(f: X87, ok: boolean): void {
  const ctx = f.ctx;
  const p = (f.top - 1) & 7;
  if (!f.isEmpty(p)) {
    f.stackOverflow();
    return;
  }
  if (ok) f.push(ctx.se, ctx.hi, ctx.lo);
  f.finish(ctx.flags, 0);
}

// Loads of normal single/double values onto an empty slot cannot raise anything: they take a
// direct path that builds the 80-bit value in place (the general path handles every other case).

function loadFloat32(f: X87, linear: number): void {
  const bits = f.host.read32(linear);
  const e = (bits >>> 23) & 0xff;
  const p = (f.top - 1) & 7;
  if (e !== 0 && e !== 0xff && f.isEmpty(p)) {
    f.top = p;
    f.writeReg(p, ((bits >>> 31) << 15) | (e + F32_TO_F80_BIAS), (0x80000000 | (bits << 8)) >>> 0, 0);
    f.finish(0, 0);
    return;
  }
  f.ctx.begin();
  pushConverted(f, f80FromFloat32(f.ctx, bits));
}

function loadFloat64(f: X87, linear: number): void {
  const lo = f.host.read32(linear);
  const hi = f.host.read32((linear + 4) >>> 0);
  const e = (hi >>> 20) & 0x7ff;
  const p = (f.top - 1) & 7;
  if (e !== 0 && e !== 0x7ff && f.isEmpty(p)) {
    f.top = p;
    f.writeReg(p, ((hi >>> 31) << 15) | (e + F64_TO_F80_BIAS), (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0, (lo << 11) >>> 0);
    f.finish(0, 0);
    return;
  }
  f.ctx.begin();
  pushConverted(f, f80FromFloat64(f.ctx, hi, lo));
}

/** Exponent bias differences between the memory formats and the 80-bit format. */
const F32_TO_F80_BIAS = 16383 - 127;
const F64_TO_F80_BIAS = 16383 - 1023;

function loadExtended(f: X87, linear: number): void {
  const h = f.host;
  const lo = h.read32(linear);
  const hi = h.read32((linear + 4) >>> 0);
  const se = h.read16((linear + 8) >>> 0);
  f.ctx.begin();
  f.ctx.result(se, hi, lo);
  pushConverted(f, true);
}

function loadInt16(f: X87, linear: number): void {
  const v = (f.host.read16(linear) << 16) >> 16;
  f.ctx.begin();
  f80FromInt32(f.ctx, v);
  pushConverted(f, true);
}

function loadInt32(f: X87, linear: number): void {
  const v = f.host.read32(linear) | 0;
  f.ctx.begin();
  f80FromInt32(f.ctx, v);
  pushConverted(f, true);
}

function loadInt64(f: X87, linear: number): void {
  const lo = f.host.read32(linear);
  const hi = f.host.read32((linear + 4) >>> 0);
  f.ctx.begin();
  f80FromInt64(f.ctx, hi, lo);
  pushConverted(f, true);
}

function loadBcd(f: X87, linear: number): void {
  f.readBytes(linear, 10);
  f.ctx.begin();
  f80FromBcd(f.ctx, f.scratch, 0);
  pushConverted(f, true);
}

/** Store formats. */
const ST_F32 = 0;
const ST_F64 = 1;
const ST_I16 = 3;
const ST_I32 = 4;
const ST_I64 = 5;
const ST_BCD = 6;

/** Converts ST0 for a store; false → nothing may be stored. Result in converted.hi/converted.lo or bcdOut. */
function convertForStore(f: X87, format: number, p0: number, rc: number): boolean {
  const ctx = f.ctx;
  f.operandA(p0);
  switch (format) {
    case ST_F32:
      return f80ToFloat32(ctx);
    case ST_F64:
      return f80ToFloat64(ctx);
    case ST_I16:
      return f80ToInteger(ctx, 16, rc);
    case ST_I32:
      return f80ToInteger(ctx, 32, rc);
    case ST_I64:
      return f80ToInteger(ctx, 64, rc);
    default:
      return f80ToBcd(ctx);
  }
}

/** Indefinite encodings stored on a masked stack underflow (SDM vol. 1 §4.8.3.7). */
function indefiniteForStore(f: X87, format: number): void {
  switch (format) {
    case ST_F32:
      storeCvt.lo = 0xffc00000;
      break;
    case ST_F64:
      storeCvt.hi = 0xfff80000;
      storeCvt.lo = 0;
      break;
    case ST_I16:
      storeCvt.lo = 0x8000;
      break;
    case ST_I32:
      storeCvt.lo = 0x80000000;
      break;
    case ST_I64:
      storeCvt.hi = 0x80000000;
      storeCvt.lo = 0;
      break;
    default:
      f.scratch.fill(0, 0, 10);
      f.scratch[9] = 0xff;
      f.scratch[8] = 0xff;
      f.scratch[7] = 0xc0;
      break;
  }
}

const storeCvt = { hi: 0, lo: 0 };

function writeStore(f: X87, format: number, linear: number): void {
  const h = f.host;
  switch (format) {
    case ST_F32:
    case ST_I32:
      h.write32(linear, storeCvt.lo);
      return;
    case ST_I16:
      h.write16(linear, storeCvt.lo);
      return;
    case ST_F64:
    case ST_I64:
      h.probeWrite(linear, 8);
      h.write32(linear, storeCvt.lo);
      h.write32((linear + 4) >>> 0, storeCvt.hi);
      return;
    default:
      f.writeBytes(linear, 10);
  }
}

/** FST/FSTP/FIST/FISTP/FISTTP/FBSTP to memory. */
function storeMemory(f: X87, format: number, pop: boolean, truncate: boolean, linear: number): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  if (f.isEmpty(p0)) {
    if (f.invalidMasked()) {
      indefiniteForStore(f, format);
      writeStore(f, format, linear);
      if (pop) f.pop();
    }
    f.finish(FPU_EX_IE | FPU_SW_SF, 0);
    return;
  }
  if ((format === ST_F64 || format === ST_F32) && storeFloatDirect(f, format === ST_F64, p0, pop, linear)) return;
  if (!convertForStore(f, format, p0, truncate ? FPU_RC_CHOP : ctx.rc)) {
    f.finish(ctx.flags, 0);
    return;
  }
  if (format === ST_BCD) f.scratch.set(bcdOut, 0);
  storeCvt.hi = converted.hi;
  storeCvt.lo = converted.lo;
  writeStore(f, format, linear);
  if (pop) f.pop();
  f.finish(ctx.flags, ctx.roundedUp);
}

/**
 * FST/FSTP m32fp/m64fp of a normal value that stays normal in the destination format: rounds
 * inline and stores, with PE/C1 as the general path gives them. Returns false (nothing done) for
 * every other case, which the general path then handles.
 */
function storeFloatDirect(f: X87, double: boolean, p0: number, pop: boolean, linear: number): boolean {
  if (!floatStoreBits(f, double, p0)) return false;
  const h = f.host;
  if (double) {
    h.probeWrite(linear, 8);
    h.write32(linear, floatStore.lo);
    h.write32((linear + 4) >>> 0, floatStore.hi);
  } else {
    h.write32(linear, floatStore.hi);
  }
  if (pop) f.pop();
  f.finish(floatStore.inexact ? FPU_EX_PE : 0, floatStore.up ? 1 : 0);
  return true;
}

/**
 * Memory image of FST m32fp/m64fp (m32fp: in `hi`) when physical register p0 holds a normal value
 * that stays normal in the destination format, its rounding's PE and C1 (SDM vol. 1 §4.8.4).
 */
export const floatStore = { hi: 0, lo: 0, inexact: false, up: false };

/**
 * Rounds physical register p0 to single (double false) or double precision into floatStore, changing
 * nothing else; false when it is not a normal value that stays normal (the general path's cases).
 */
export function floatStoreBits(f: X87, double: boolean, p0: number): boolean {
  const se = f.regSe[p0]!;
  const exp = se & 0x7fff;
  let hi = f.regHi[p0]!;
  if ((hi & 0x80000000) === 0) return false;
  const lo = f.regLo[p0]!;
  const sign = se >>> 15;
  let up = false;
  let inexact: boolean;
  let e: number;
  let bitsHi: number;
  let bitsLo = 0;
  if (double) {
    if (exp < 0x3c01 || exp > 0x43fe) return false;
    const r = lo & 0x7ff;
    let l = lo - r;
    inexact = r !== 0;
    e = exp;
    if (inexact) {
      up = roundsAway(f.ctx.rc, sign, r > 0x400 ? 1 : r < 0x400 ? -1 : 0, (l >>> 11) & 1);
      if (up) {
        l += 0x800;
        if (l > 0xffffffff) {
          l -= 0x100000000;
          hi = (hi + 1) >>> 0;
          if (hi === 0) {
            hi = 0x80000000;
            e++;
            if (e > 0x43fe) return false;
          }
        }
      }
    }
    bitsHi = (((sign << 31) | ((e - F64_TO_F80_BIAS) << 20) | ((hi >>> 11) & 0xfffff)) >>> 0);
    bitsLo = ((hi << 21) | (l >>> 11)) >>> 0;
  } else {
    if (exp < 0x3f81 || exp > 0x407e) return false;
    const r = hi & 0xff;
    inexact = (r | lo) !== 0;
    let h = hi - r;
    e = exp;
    if (inexact) {
      up = roundsAway(f.ctx.rc, sign, r > 0x80 ? 1 : r < 0x80 ? -1 : lo !== 0 ? 1 : 0, (h >>> 8) & 1);
      if (up) {
        h += 0x100;
        if (h > 0xffffffff) {
          h = 0x80000000;
          e++;
          if (e > 0x407e) return false;
        }
      }
    }
    bitsHi = (((sign << 31) | ((e - F32_TO_F80_BIAS) << 23) | ((h >>> 8) & 0x7fffff)) >>> 0);
  }
  floatStore.hi = bitsHi;
  floatStore.lo = bitsLo;
  floatStore.inexact = inexact;
  floatStore.up = up;
  return true;
}

/** FSTP m80fp: raw copy, no exceptions besides stack underflow. */
function storeExtended(f: X87, linear: number): void {
  const p0 = f.phys(0);
  const v = f.scratchView;
  if (f.isEmpty(p0)) {
    if (f.invalidMasked()) {
      v.setUint32(0, 0, true);
      v.setUint32(4, F80_INDEFINITE_HI, true);
      v.setUint16(8, F80_INDEFINITE_SE, true);
      f.writeBytes(linear, 10);
      f.pop();
    }
    f.finish(FPU_EX_IE | FPU_SW_SF, 0);
    return;
  }
  v.setUint32(0, f.regLo[p0]!, true);
  v.setUint32(4, f.regHi[p0]!, true);
  v.setUint16(8, f.regSe[p0]!, true);
  f.writeBytes(linear, 10);
  f.pop();
  f.finish(0, 0);
}

// ---------------------------------------------------------------------------------------
// Register-stack instructions

/** FLD ST(i): an empty source is reported as underflow (C1=0) even when the push would overflow (measured). */
function fldRegister(f: X87, i: number): void {
  const src = f.phys(i);
  f.ctx.begin();
  if (f.isEmpty(src)) {
    if (f.invalidMasked()) f.push(F80_INDEFINITE_SE, F80_INDEFINITE_HI, 0);
    f.finish(FPU_EX_IE | FPU_SW_SF, 0);
    return;
  }
  if (!f.isEmpty((f.top - 1) & 7)) {
    f.stackOverflow();
    return;
  }
  f.push(f.regSe[src]!, f.regHi[src]!, f.regLo[src]!);
  f.finish(0, 0);
}

function fxch(f: X87, i: number): void {
  const p0 = f.phys(0);
  const pi = f.phys(i);
  if (f.isEmpty(p0) || f.isEmpty(pi)) {
    if (f.invalidMasked()) {
      if (f.isEmpty(p0)) f.writeIndefinite(p0);
      if (f.isEmpty(pi)) f.writeIndefinite(pi);
      swapRegisters(f, p0, pi);
    }
    f.finish(FPU_EX_IE | FPU_SW_SF, 0);
    return;
  }
  swapRegisters(f, p0, pi);
  f.finish(0, 0);
}

/** Exchanges physical registers a and b: their bits, their cached doubles and the caches' valid bits. */
export function swapRegisters(f: X87, a: number, b: number): void {
  const se = f.regSe[a]!;
  const hi = f.regHi[a]!;
  const lo = f.regLo[a]!;
  const v = f.regF64[a]!;
  const valid = f.f64Valid;
  f.regSe[a] = f.regSe[b]!;
  f.regHi[a] = f.regHi[b]!;
  f.regLo[a] = f.regLo[b]!;
  f.regF64[a] = f.regF64[b]!;
  f.regSe[b] = se;
  f.regHi[b] = hi;
  f.regLo[b] = lo;
  f.regF64[b] = v;
  const va = (valid >>> a) & 1;
  const vb = (valid >>> b) & 1;
  f.f64Valid = (valid & ~((1 << a) | (1 << b))) | (vb << a) | (va << b);
}

/** FST/FSTP ST(i): raw register copy. */
function fstRegister(f: X87, i: number, pop: boolean): void {
  const p0 = f.phys(0);
  const pi = f.phys(i);
  if (f.isEmpty(p0)) {
    f.stackUnderflow(pi, pop ? 1 : 0);
    return;
  }
  f.writeReg(pi, f.regSe[p0]!, f.regHi[p0]!, f.regLo[p0]!);
  if (pop) f.pop();
  f.finish(0, 0);
}

/** FCHS/FABS: sign manipulation only, no exceptions for NaNs (SDM vol. 2A FCHS). */
function signOp(f: X87, op: (se: number) => number): void {
  const p0 = f.phys(0);
  if (f.isEmpty(p0)) {
    f.stackUnderflow(p0, 0);
    return;
  }
  f.regSe[p0] = op(f.regSe[p0]!);
  f.f64Valid &= ~(1 << p0);
  f.finish(0, 0);
}

function ftst(f: X87): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  let rel: number;
  if (f.isEmpty(p0)) {
    ctx.flags = FPU_EX_IE | FPU_SW_SF;
    rel = CMP_UNORDERED;
  } else {
    f.operandA(p0);
    ctx.setB(0, 0, 0);
    rel = f80Compare(ctx, false);
  }
  finishCompare(f, rel, 0);
}

function fxam(f: X87): void {
  const p0 = f.phys(0);
  const cc = f.isEmpty(p0) ? FXAM_EMPTY : f80ExamineClass(f.regSe[p0]!, f.regHi[p0]!, f.regLo[p0]!);
  const sign = (f.regSe[p0]! >>> 15) & 1;
  f.swNoTop = (f.swNoTop & ~CC_MASK) | cc;
  f.finish(0, sign);
}

function loadConstant(f: X87, index: number): void {
  if (!f.isEmpty((f.top - 1) & 7)) {
    f.stackOverflow();
    return;
  }
  f80LoadConstant(f.ctx, index);
  f.push(f.ctx.se, f.ctx.hi, f.ctx.lo);
  f.finish(0, 0);
}

/** One-operand ST(0) ← g(ST(0)) (FSQRT, FRNDINT, F2XM1). */
function unaryOp(f: X87, g: (ctx: F80Context) => boolean): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  if (f.isEmpty(p0)) {
    f.stackUnderflow(p0, 0);
    return;
  }
  f.operandA(p0);
  const ok = g(ctx);
  if (ok) f.writeResult(p0);
  f.finish(ctx.flags, ok ? ctx.roundedUp : 0);
}

function fsqrt(ctx: F80Context): boolean {
  if (ctx.precision !== 24 && doublePathSqrt(ctx, ctx.precision !== 53 || ctx.rc !== FPU_RC_NEAREST)) return true;
  return f80Sqrt(ctx, ctx.precision);
}

/**
 * Two-operand x = ST(0), y = ST(1) with the result in ST(1) and a pop (FYL2X, FYL2XP1,
 * FPATAN), or in ST(0) without a pop (FSCALE, FPREM, FPREM1).
 */
function binaryStackOp(
  f: X87,
  g: (ctx: F80Context) => boolean,
  intoSt1: boolean,
): boolean {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  const p1 = f.phys(1);
  if (f.isEmpty(p0) || f.isEmpty(p1)) {
    f.stackUnderflow(intoSt1 ? p1 : p0, intoSt1 ? 1 : 0);
    return false;
  }
  f.operandA(p0);
  f.operandB(p1);
  const ok = g(ctx);
  if (ok) {
    if (intoSt1) {
      f.writeResult(p1);
      f.pop();
    } else {
      f.writeResult(p0);
    }
  }
  f.finish(ctx.flags, ok ? ctx.roundedUp : 0);
  return ok;
}

/** FPATAN: atan2(y = ST(1), x = ST(0)); f80Atan2 takes y first. */
function fpatan(ctx: F80Context): boolean {
  ctx.swapOperands();
  return f80Atan2(ctx);
}

function fprem(f: X87, ieee: boolean): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  const p1 = f.phys(1);
  // On a stack fault, an unmasked exception or a NaN/indefinite result C0 and C3 keep their
  // values and C2 is cleared (measured).
  if (f.isEmpty(p0) || f.isEmpty(p1)) {
    f.swNoTop &= ~FPU_SW_C2;
    f.stackUnderflow(p0, 0);
    return;
  }
  f.operandA(p0);
  f.operandB(p1);
  const ok = f80Remainder(ctx, ieee);
  const q = remQuotient;
  if (q < 0 || !ok) {
    f.swNoTop &= ~FPU_SW_C2;
    if (ok) f.writeResult(p0);
    f.finish(ctx.flags, 0);
    return;
  }
  f.writeResult(p0);
  // Quotient bits: C0 = Q2, C3 = Q1, C1 = Q0; C2 = incomplete reduction.
  let cc = 0;
  if (remComplete) {
    if ((q & 4) !== 0) cc |= FPU_SW_C0;
    if ((q & 2) !== 0) cc |= FPU_SW_C3;
  } else {
    cc |= FPU_SW_C2;
  }
  f.swNoTop = (f.swNoTop & ~CC_MASK) | cc;
  f.finish(ctx.flags, remComplete ? q & 1 : 0);
}

function fxtract(f: X87): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  if (f.isEmpty(p0)) {
    // Masked: exponent and significand are both the indefinite (ST(0) replaced, one pushed).
    if (f.invalidMasked()) {
      f.writeIndefinite(p0);
      f.push(F80_INDEFINITE_SE, F80_INDEFINITE_HI, 0);
    }
    f.finish(FPU_EX_IE | FPU_SW_SF, 0);
    return;
  }
  if (!f.isEmpty((f.top - 1) & 7)) {
    // Masked: ST(0) is replaced by the indefinite too, then the indefinite is pushed (measured).
    if (f.invalidMasked()) f.writeIndefinite(p0);
    f.stackOverflow();
    return;
  }
  f.operandA(p0);
  if (!f80Extract(ctx)) {
    f.finish(ctx.flags, 0);
    return;
  }
  f.writeResult(p0);
  f.push(ctx.se2, ctx.hi2, ctx.lo2);
  f.finish(ctx.flags, 0);
}

/** FSIN/FCOS: C2=1 and ST0 unchanged when |x| ≥ 2^63 (SDM vol. 2A FSIN). */
function trig(f: X87, g: (ctx: F80Context) => boolean): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  if (f.isEmpty(p0)) {
    f.swNoTop &= ~FPU_SW_C2;
    f.stackUnderflow(p0, 0);
    return;
  }
  f.operandA(p0);
  const ok = g(ctx);
  if (trigOutOfRange) {
    f.swNoTop |= FPU_SW_C2;
    f.finish(ctx.flags, 0);
    return;
  }
  f.swNoTop &= ~FPU_SW_C2;
  if (ok) f.writeResult(p0);
  f.finish(ctx.flags, ok ? ctx.roundedUp : 0);
}

/**
 * FSINCOS (ST0 ← sin, push cos) and FPTAN (ST0 ← tan, push 1.0). A stack fault clears C2 and,
 * masked, leaves the indefinite in both ST(0) and the pushed register (measured).
 */
function trigPush(f: X87, tan: boolean): void {
  const ctx = f.ctx;
  ctx.begin();
  const p0 = f.phys(0);
  const underflow = f.isEmpty(p0);
  if (underflow || !f.isEmpty((f.top - 1) & 7)) {
    f.swNoTop &= ~FPU_SW_C2;
    if (f.invalidMasked()) {
      f.writeIndefinite(p0);
      f.push(F80_INDEFINITE_SE, F80_INDEFINITE_HI, 0);
    }
    f.finish(FPU_EX_IE | FPU_SW_SF, underflow ? 0 : 1);
    return;
  }
  f.operandA(p0);
  const ok = tan ? f80Tan(ctx) : f80SinCos(ctx);
  if (trigOutOfRange) {
    f.swNoTop |= FPU_SW_C2;
    f.finish(ctx.flags, 0);
    return;
  }
  f.swNoTop &= ~FPU_SW_C2;
  if (ok) {
    f.writeResult(p0);
    if (tan) {
      // A NaN tangent (NaN operand, invalid) is pushed a second time in place of 1.0.
      if ((ctx.se & F80_EXP_MAX) === F80_EXP_MAX && ((ctx.hi & 0x7fffffff) | ctx.lo) !== 0) f.push(ctx.se, ctx.hi, ctx.lo);
      else f.push(0x3fff, 0x80000000, 0);
    } else {
      f.push(ctx.se2, ctx.hi2, ctx.lo2);
    }
  }
  f.finish(ctx.flags, ok ? ctx.roundedUp : 0);
}

function fcmov(f: X87, i: number, cond: (eflags: number) => boolean): void {
  const p0 = f.phys(0);
  const pi = f.phys(i);
  if (f.isEmpty(p0) || f.isEmpty(pi)) {
    f.stackUnderflow(p0, 0);
    return;
  }
  if (cond(f.host.getEflags())) f.writeReg(p0, f.regSe[pi]!, f.regHi[pi]!, f.regLo[pi]!);
  f.finish(0, -1);
}

// ---------------------------------------------------------------------------------------
// Control instructions

function fnstsw(f: X87, linear: number): void {
  f.host.write16(linear, f.sw);
}

function fnstcw(f: X87, linear: number): void {
  f.host.write16(linear, f.cw);
}

function fldcw(f: X87, linear: number): void {
  f.setControlWord(f.host.read16(linear));
}

function fnclex(f: X87): void {
  f.swNoTop &= ~(FPU_EX_ALL | FPU_SW_SF | FPU_SW_ES | FPU_SW_B);
}

// ---------------------------------------------------------------------------------------
// The map

const ESC_D8 = 0;
const ESC_D9 = 1;
const ESC_DA = 2;
const ESC_DB = 3;
const ESC_DC = 4;
const ESC_DD = 5;
const ESC_DE = 6;
const ESC_DF = 7;

const CONTROL = X87_ATTR_CONTROL;
const NOWAIT_CONTROL = X87_ATTR_NOWAIT | X87_ATTR_CONTROL;

// D8 / DC / DA / DE memory: arithmetic and compares on m32fp, m64fp, m32int, m16int.
const ARITH_KIND_BY_ESC: readonly (readonly [number, number])[] = [
  [ESC_D8, M32FP],
  [ESC_DA, M32INT],
  [ESC_DC, M64FP],
  [ESC_DE, M16INT],
];
for (const [esc, kind] of ARITH_KIND_BY_ESC) {
  for (const op of [OP_ADD, OP_MUL, OP_SUB, OP_SUBR, OP_DIV, OP_DIVR]) {
    defMem(esc, op, (f, a) => {
      arithMemory(f, kind, op, a);
    });
  }
  defMem(esc, 2, (f, a) => {
    compareMemory(f, kind, false, a);
  });
  defMem(esc, 3, (f, a) => {
    compareMemory(f, kind, true, a);
  });
}

// D8 register: ST0 ← ST0 op ST(i); FCOM/FCOMP ST(i).
for (const op of [OP_ADD, OP_MUL, OP_SUB, OP_SUBR, OP_DIV, OP_DIVR]) {
  defReg(ESC_D8, 0xc0 + op * 8, 8, (f, i) => {
    arithRegister(f, op, f.phys(0), f.phys(i), false);
  });
  // DC/DE: ST(i) ← ST(i) op ST0 with the sub/div directions swapped (SDM vol. 2 Table A-?)
  const swapped = op >= OP_SUB ? op ^ 1 : op;
  defReg(ESC_DC, 0xc0 + op * 8, 8, (f, i) => {
    arithRegister(f, swapped, f.phys(i), f.phys(0), false);
  });
  defReg(ESC_DE, 0xc0 + op * 8, 8, (f, i) => {
    arithRegister(f, swapped, f.phys(i), f.phys(0), true);
  });
}
defReg(ESC_D8, 0xd0, 8, (f, i) => {
  compareRegisters(f, f.phys(i), false, 0);
});
defReg(ESC_D8, 0xd8, 8, (f, i) => {
  compareRegisters(f, f.phys(i), false, 1);
});
// Reserved aliases that behave as FCOM/FCOMP (DC D0, DC D8, DE D0 — "FCOM2/FCOMP3/FCOMP5").
defReg(ESC_DC, 0xd0, 8, (f, i) => {
  compareRegisters(f, f.phys(i), false, 0);
});
defReg(ESC_DC, 0xd8, 8, (f, i) => {
  compareRegisters(f, f.phys(i), false, 1);
});
defReg(ESC_DE, 0xd0, 8, (f, i) => {
  compareRegisters(f, f.phys(i), false, 1);
});
defReg(ESC_DE, 0xd9, 1, (f) => {
  compareRegisters(f, f.phys(1), false, 2);
});

// D9 memory
defMem(ESC_D9, 0, loadFloat32);
defMem(ESC_D9, 2, (f, a) => {
  storeMemory(f, ST_F32, false, false, a);
});
defMem(ESC_D9, 3, (f, a) => {
  storeMemory(f, ST_F32, true, false, a);
});
defMem(ESC_D9, 4, (f, a) => {
  f.loadEnvironment(a);
}, CONTROL);
defMem(ESC_D9, 5, fldcw, CONTROL);
defMem(ESC_D9, 6, (f, a) => {
  f.storeEnvironment(a);
}, NOWAIT_CONTROL);
defMem(ESC_D9, 7, fnstcw, NOWAIT_CONTROL);

// D9 register
defReg(ESC_D9, 0xc0, 8, fldRegister);
defReg(ESC_D9, 0xc8, 8, fxch);
defReg(ESC_D9, 0xd0, 1, (f) => {
  f.finish(0, -1);
});
// FSTP1 (reserved alias of FSTP ST(i)): with ST(0) empty it only pops, without a stack fault
// (measured; the DD/DF forms do fault).
defReg(ESC_D9, 0xd8, 8, (f, i) => {
  if (f.isEmpty(f.phys(0))) {
    f.pop();
    f.finish(0, 0);
    return;
  }
  fstRegister(f, i, true);
});
defReg(ESC_D9, 0xe0, 1, (f) => {
  signOp(f, (se) => se ^ 0x8000);
});
defReg(ESC_D9, 0xe1, 1, (f) => {
  signOp(f, (se) => se & 0x7fff);
});
defReg(ESC_D9, 0xe4, 1, ftst);
defReg(ESC_D9, 0xe5, 1, fxam);
for (let k = 0; k < 7; k++) {
  defReg(ESC_D9, 0xe8 + k, 1, (f) => {
    loadConstant(f, k);
  });
}
defReg(ESC_D9, 0xf0, 1, (f) => {
  unaryOp(f, f80Exp2m1);
});
defReg(ESC_D9, 0xf1, 1, (f) => {
  binaryStackOp(f, f80Yl2x, true);
});
defReg(ESC_D9, 0xf2, 1, (f) => {
  trigPush(f, true);
});
defReg(ESC_D9, 0xf3, 1, (f) => {
  binaryStackOp(f, fpatan, true);
});
defReg(ESC_D9, 0xf4, 1, fxtract);
defReg(ESC_D9, 0xf5, 1, (f) => {
  fprem(f, true);
});
defReg(ESC_D9, 0xf6, 1, (f) => {
  f.top = (f.top - 1) & 7;
  f.finish(0, 0);
});
defReg(ESC_D9, 0xf7, 1, (f) => {
  f.top = (f.top + 1) & 7;
  f.finish(0, 0);
});
defReg(ESC_D9, 0xf8, 1, (f) => {
  fprem(f, false);
});
defReg(ESC_D9, 0xf9, 1, (f) => {
  binaryStackOp(f, f80Yl2xp1, true);
});
defReg(ESC_D9, 0xfa, 1, (f) => {
  unaryOp(f, fsqrt);
});
defReg(ESC_D9, 0xfb, 1, (f) => {
  trigPush(f, false);
});
defReg(ESC_D9, 0xfc, 1, (f) => {
  unaryOp(f, f80RoundToIntegral);
});
defReg(ESC_D9, 0xfd, 1, (f) => {
  binaryStackOp(f, f80Scale, false);
});
defReg(ESC_D9, 0xfe, 1, (f) => {
  trig(f, f80Sin);
});
defReg(ESC_D9, 0xff, 1, (f) => {
  trig(f, f80Cos);
});

// DA register: FCMOVB/E/BE/U, FUCOMPP
defReg(ESC_DA, 0xc0, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & EFLAGS_CF) !== 0);
}, X87_ATTR_HOST);
defReg(ESC_DA, 0xc8, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & EFLAGS_ZF) !== 0);
}, X87_ATTR_HOST);
defReg(ESC_DA, 0xd0, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & (EFLAGS_CF | EFLAGS_ZF)) !== 0);
}, X87_ATTR_HOST);
defReg(ESC_DA, 0xd8, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & EFLAGS_PF) !== 0);
}, X87_ATTR_HOST);
defReg(ESC_DA, 0xe9, 1, (f) => {
  compareRegisters(f, f.phys(1), true, 2);
});

// DB memory
defMem(ESC_DB, 0, loadInt32);
defMem(ESC_DB, 1, (f, a) => {
  storeMemory(f, ST_I32, true, true, a);
}, X87_ATTR_FISTTP);
defMem(ESC_DB, 2, (f, a) => {
  storeMemory(f, ST_I32, false, false, a);
});
defMem(ESC_DB, 3, (f, a) => {
  storeMemory(f, ST_I32, true, false, a);
});
defMem(ESC_DB, 5, loadExtended);
defMem(ESC_DB, 7, storeExtended);

// DB register
defReg(ESC_DB, 0xc0, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & EFLAGS_CF) === 0);
}, X87_ATTR_HOST);
defReg(ESC_DB, 0xc8, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & EFLAGS_ZF) === 0);
}, X87_ATTR_HOST);
defReg(ESC_DB, 0xd0, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & (EFLAGS_CF | EFLAGS_ZF)) === 0);
}, X87_ATTR_HOST);
defReg(ESC_DB, 0xd8, 8, (f, i) => {
  fcmov(f, i, (fl) => (fl & EFLAGS_PF) === 0);
}, X87_ATTR_HOST);
// FNENI, FNDISI (8087) and FNSETPM (287) execute as no-ops on the 387 and later.
defReg(ESC_DB, 0xe0, 2, () => undefined, NOWAIT_CONTROL);
defReg(ESC_DB, 0xe2, 1, fnclex, NOWAIT_CONTROL);
defReg(ESC_DB, 0xe3, 1, (f) => {
  f.reset();
}, NOWAIT_CONTROL);
defReg(ESC_DB, 0xe4, 1, () => undefined, NOWAIT_CONTROL);
defReg(ESC_DB, 0xe8, 8, (f, i) => {
  compareToEflags(f, i, true, false);
}, X87_ATTR_HOST);
defReg(ESC_DB, 0xf0, 8, (f, i) => {
  compareToEflags(f, i, false, false);
}, X87_ATTR_HOST);

// DD memory
defMem(ESC_DD, 0, loadFloat64);
defMem(ESC_DD, 1, (f, a) => {
  storeMemory(f, ST_I64, true, true, a);
}, X87_ATTR_FISTTP);
defMem(ESC_DD, 2, (f, a) => {
  storeMemory(f, ST_F64, false, false, a);
});
defMem(ESC_DD, 3, (f, a) => {
  storeMemory(f, ST_F64, true, false, a);
});
defMem(ESC_DD, 4, (f, a) => {
  f.restoreState(a);
}, CONTROL);
defMem(ESC_DD, 6, (f, a) => {
  f.saveState(a);
}, NOWAIT_CONTROL);
defMem(ESC_DD, 7, fnstsw, NOWAIT_CONTROL);

// DD register
defReg(ESC_DD, 0xc0, 8, (f, i) => {
  f.tagValid &= ~(1 << f.phys(i));
  f.finish(0, 0);
});
defReg(ESC_DD, 0xc8, 8, fxch); // FXCH4 alias
defReg(ESC_DD, 0xd0, 8, (f, i) => {
  fstRegister(f, i, false);
});
defReg(ESC_DD, 0xd8, 8, (f, i) => {
  fstRegister(f, i, true);
});
defReg(ESC_DD, 0xe0, 8, (f, i) => {
  compareRegisters(f, f.phys(i), true, 0);
});
defReg(ESC_DD, 0xe8, 8, (f, i) => {
  compareRegisters(f, f.phys(i), true, 1);
});

// DF memory
defMem(ESC_DF, 0, loadInt16);
defMem(ESC_DF, 1, (f, a) => {
  storeMemory(f, ST_I16, true, true, a);
}, X87_ATTR_FISTTP);
defMem(ESC_DF, 2, (f, a) => {
  storeMemory(f, ST_I16, false, false, a);
});
defMem(ESC_DF, 3, (f, a) => {
  storeMemory(f, ST_I16, true, false, a);
});
defMem(ESC_DF, 4, loadBcd);
defMem(ESC_DF, 5, loadInt64);
defMem(ESC_DF, 6, (f, a) => {
  storeMemory(f, ST_BCD, true, false, a);
});
defMem(ESC_DF, 7, (f, a) => {
  storeMemory(f, ST_I64, true, false, a);
});

// DF register
defReg(ESC_DF, 0xc0, 8, (f, i) => {
  f.tagValid &= ~(1 << f.phys(i));
  f.pop();
  f.finish(0, 0);
}); // FFREEP
defReg(ESC_DF, 0xc8, 8, fxch); // FXCH7 alias
defReg(ESC_DF, 0xd0, 8, (f, i) => {
  fstRegister(f, i, true);
}); // FSTP8 alias
defReg(ESC_DF, 0xd8, 8, (f, i) => {
  fstRegister(f, i, true);
}); // FSTP9 alias
defReg(ESC_DF, 0xe0, 1, (f) => {
  f.host.setAx(f.sw);
}, NOWAIT_CONTROL | X87_ATTR_HOST);
defReg(ESC_DF, 0xe8, 8, (f, i) => {
  compareToEflags(f, i, true, true);
}, X87_ATTR_HOST);
defReg(ESC_DF, 0xf0, 8, (f, i) => {
  compareToEflags(f, i, false, true);
}, X87_ATTR_HOST);

