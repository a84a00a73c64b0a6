// Entry points for an escape instruction whose ModR/M was decoded once, by the block cache or the
// JIT: the register forms run here without X87.execute's table lookups, and the hottest ones
// (FADD…FDIVR on registers, FLD/FST/FSTP ST(i), FXCH) have direct paths of their own.
//
// Each returns true when the instruction completed exactly as X87.execute completes it (registers,
// tags, FSW, FIP/FCS/FOP), and false, having changed nothing, when it must go through X87.execute
// instead: a pending unmasked exception to deliver (#MF or FERR#, SDM vol. 1 §8.6/§8.7), a stack
// fault, an operand or result the double path (float80-double-path.ts) does not take. The caller has
// raised #NM for CR0.EM/TS already, as the core does before X87.execute (SDM vol. 3A Table 2-2).
// None of them reads or writes anything outside the FPU, so compiled code calls them without handing
// its registers or flags back to the processor.

import { doubleOperands, doubleProduct, doubleQuotient, doubleResult, doubleSum, doubleToF80, f80ToExactDouble } from "./float80-double-path.js";
import { DOUBLE_PATH_NONE, DOUBLE_PATH_ROUNDED } from "./float80.js";
import { FPU_EX_PE, FPU_SW_C1, FPU_SW_ES } from "./x87-control-status.js";
import { floatStore, floatStoreBits, swapRegisters } from "./x87-opcodes.js";
import { X87_ATTR_CONTROL, X87_ATTR_FISTTP, X87_ATTR_HOST, X87_ATTR_NOWAIT, X87_ATTR_UD, regAttributes, regHandlers } from "./x87-opcodes.js";
import type { X87 } from "./x87.js";

/** Index of a register form (ModR/M ≥ C0) in the opcode map: escape × ModR/M bits 5..0. */
export function x87RegisterIndex(opcode: number, modrm: number): number {
  return ((opcode & 7) << 6) | (modrm & 0x3f);
}

/**
 * True when the register form (opcode, modrm) is defined and touches only the FPU (not FCMOVcc,
 * FCOMI/FUCOMI or FNSTSW AX), so x87ExecuteRegister can run it.
 */
export function x87RegisterFormIsLocal(opcode: number, modrm: number): boolean {
  if (modrm < 0xc0) return false;
  const attr = regAttributes[x87RegisterIndex(opcode, modrm)]!;
  return (attr & (X87_ATTR_UD | X87_ATTR_FISTTP | X87_ATTR_HOST)) === 0;
}

/**
 * Any register form x87RegisterFormIsLocal accepts, through its handler in the opcode map. `index`
 * is x87RegisterIndex; `ip` and `cs` are the instruction's offset and code selector (FIP, FCS).
 */
export function x87ExecuteRegister(f: X87, index: number, ip: number, cs: number): boolean {
  const attr = regAttributes[index]!;
  if ((attr & X87_ATTR_NOWAIT) === 0 && (f.swNoTop & FPU_SW_ES) !== 0) return false;
  f.unmaskedRaised = false;
  regHandlers[index]!(f, index & 7);
  if ((attr & X87_ATTR_CONTROL) === 0) f.recordInstruction(ip, cs, ((index >>> 6) << 8) | 0xc0 | (index & 0x3f));
  return true;
}

/**
 * The register arithmetic forms (D8, DC, DE C0–FF but the compares): ST(dst) ← ST(dst) op ST(src),
 * then a pop for DE. `op` is the D8 group's (0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr) with DC/DE's
 * direction swap already applied; `fop` the instruction's FOP. Only results the double path gives
 * exactly (double operands; precision 53 with round to nearest, or an exact result).
 */
export function x87ArithRegister(f: X87, op: number, dst: number, src: number, pop: boolean, fop: number, ip: number, cs: number): boolean {
  switch (op) {
    case 0: return x87AddRegister(f, false, dst, src, dst, pop, fop, ip, cs);
    case 1: return x87MulRegister(f, dst, src, pop, fop, ip, cs);
    case 4: return x87AddRegister(f, true, dst, src, dst, pop, fop, ip, cs);
    case 5: return x87AddRegister(f, true, src, dst, dst, pop, fop, ip, cs);
    case 6: return x87DivRegister(f, dst, src, dst, pop, fop, ip, cs);
    default: return x87DivRegister(f, src, dst, dst, pop, fop, ip, cs);
  }
}

/**
 * Both operands as exact doubles into doubleOperands (a: ST(first), b: ST(second)), with the FPU in a
 * state the double path may run in; false otherwise.
 */
function arithOperands(f: X87, first: number, second: number): boolean {
  if ((f.swNoTop & FPU_SW_ES) !== 0 || f.ctx.doublePath === DOUBLE_PATH_NONE) return false;
  const top = f.top;
  const pa = (top + first) & 7;
  const pb = (top + second) & 7;
  const tags = f.tagValid;
  if (((tags >>> pa) & (tags >>> pb) & 1) === 0) return false;
  if (!cacheRegister(f, pa) || !cacheRegister(f, pb)) return false;
  doubleOperands.a = f.regF64[pa]!;
  doubleOperands.b = f.regF64[pb]!;
  return true;
}

/** Rounding beyond what is exact is allowed only at precision 53 with round to nearest (file comment of float80-double-path.ts). */
function exactOnly(f: X87): boolean {
  return f.ctx.doublePath !== DOUBLE_PATH_ROUNDED;
}

/** doubleResult into ST(dst), then the pop, FSW and the instruction pointers. */
function arithDone(f: X87, dst: number, pop: boolean, fop: number, ip: number, cs: number): true {
  const pd = (f.top + dst) & 7;
  const r = doubleResult.r;
  doubleToF80(r, f.regSe, f.regHi, f.regLo, pd);
  f.regF64[pd] = r;
  f.f64Valid |= 1 << pd;
  if (pop) f.pop();
  f.unmaskedRaised = false;
  if (doubleResult.inexact) f.finish(FPU_EX_PE, doubleResult.up ? 1 : 0);
  else f.swNoTop &= ~FPU_SW_C1;
  f.recordInstruction(ip, cs, fop);
  return true;
}

/** ST(dst) ← ST(a) ± ST(b): FADD and FSUB (a = dst), FSUBR (a = src, b = dst). */
export function x87AddRegister(f: X87, subtract: boolean, a: number, b: number, dst: number, pop: boolean, fop: number, ip: number, cs: number): boolean {
  if (!arithOperands(f, a, b)) return false;
  if (subtract) doubleOperands.b = -doubleOperands.b;
  if (!doubleSum(exactOnly(f))) return false;
  return arithDone(f, dst, pop, fop, ip, cs);
}

/** ST(dst) ← ST(dst) · ST(src). */
export function x87MulRegister(f: X87, dst: number, src: number, pop: boolean, fop: number, ip: number, cs: number): boolean {
  if (!arithOperands(f, dst, src)) return false;
  if (!doubleProduct(exactOnly(f))) return false;
  return arithDone(f, dst, pop, fop, ip, cs);
}

/** ST(dst) ← ST(a) / ST(b): FDIV (a = dst), FDIVR (a = src, b = dst). */
export function x87DivRegister(f: X87, a: number, b: number, dst: number, pop: boolean, fop: number, ip: number, cs: number): boolean {
  if (!arithOperands(f, a, b)) return false;
  if (!doubleQuotient(exactOnly(f))) return false;
  return arithDone(f, dst, pop, fop, ip, cs);
}

/** Makes regF64[p] hold physical register p's value; false when it is not an exact normal double. */
function cacheRegister(f: X87, p: number): boolean {
  if (((f.f64Valid >>> p) & 1) !== 0) return true;
  const v = f80ToExactDouble(f.regSe[p]!, f.regHi[p]!, f.regLo[p]!);
  if (v !== v) return false;
  f.regF64[p] = v;
  f.f64Valid |= 1 << p;
  return true;
}

/** Copies physical register `from` (bits and cached double) to `to`. */
function copyRegister(f: X87, from: number, to: number): void {
  f.regSe[to] = f.regSe[from]!;
  f.regHi[to] = f.regHi[from]!;
  f.regLo[to] = f.regLo[from]!;
  f.regF64[to] = f.regF64[from]!;
  f.f64Valid = (f.f64Valid & ~(1 << to)) | (((f.f64Valid >>> from) & 1) << to);
}

/** FLD ST(i) (D9 C0+i) onto an empty slot from a non-empty register. */
export function x87LoadRegister(f: X87, i: number, ip: number, cs: number): boolean {
  if ((f.swNoTop & FPU_SW_ES) !== 0) return false;
  const top = f.top;
  const ps = (top + i) & 7;
  const pt = (top - 1) & 7;
  const tags = f.tagValid;
  if (((tags >>> ps) & 1) === 0 || ((tags >>> pt) & 1) !== 0) return false;
  copyRegister(f, ps, pt);
  f.tagValid = tags | (1 << pt);
  f.top = pt;
  f.unmaskedRaised = false;
  f.swNoTop &= ~FPU_SW_C1;
  f.recordInstruction(ip, cs, 0x1c0 | i);
  return true;
}

/** FST/FSTP ST(i) (DD D0+i, DD D8+i and the aliases D9 D8+i, DF D0+i, DF D8+i) from a non-empty ST(0). */
export function x87StoreRegister(f: X87, i: number, pop: boolean, fop: number, ip: number, cs: number): boolean {
  if ((f.swNoTop & FPU_SW_ES) !== 0) return false;
  const top = f.top;
  if (((f.tagValid >>> top) & 1) === 0) return false;
  const pi = (top + i) & 7;
  copyRegister(f, top, pi);
  f.tagValid |= 1 << pi;
  if (pop) f.pop();
  f.unmaskedRaised = false;
  f.swNoTop &= ~FPU_SW_C1;
  f.recordInstruction(ip, cs, fop);
  return true;
}

/** FXCH ST(i) (D9 C8+i and the aliases DD C8+i, DF C8+i) of two non-empty registers. */
export function x87Exchange(f: X87, i: number, fop: number, ip: number, cs: number): boolean {
  if ((f.swNoTop & FPU_SW_ES) !== 0) return false;
  const top = f.top;
  const pi = (top + i) & 7;
  const tags = f.tagValid;
  if (((tags >>> top) & (tags >>> pi) & 1) === 0) return false;
  swapRegisters(f, top, pi);
  f.unmaskedRaised = false;
  f.swNoTop &= ~FPU_SW_C1;
  f.recordInstruction(ip, cs, fop);
  return true;
}

/**
 * FCOMI/FUCOMI ST(0), ST(i) and FCOMIP/FUCOMIP (DB E8/F0+i, DF E8/F0+i) of two registers whose values
 * are cached doubles (normal numbers: no exception is possible, FCOM and FUCOM agree): the pop, C1
 * unchanged, the pointers. Returns the relation for the caller's ZF/PF/CF (0 greater, 1 less, 2 equal;
 * OF, SF, AF cleared: SDM vol. 2A FCOMI), or -1 having changed nothing.
 */
export function x87CompareToFlags(f: X87, i: number, pop: boolean, fop: number, ip: number, cs: number): number {
  if ((f.swNoTop & FPU_SW_ES) !== 0) return -1;
  const top = f.top;
  const pi = (top + i) & 7;
  const known = f.tagValid & f.f64Valid;
  if (((known >>> top) & (known >>> pi) & 1) === 0) return -1;
  const a = f.regF64[top]!;
  const b = f.regF64[pi]!;
  const relation = a > b ? 0 : a < b ? 1 : 2;
  if (pop) f.pop();
  f.unmaskedRaised = false;
  f.recordInstruction(ip, cs, fop);
  return relation;
}

// ---------------------------------------------------------------------------------------
// Memory forms: the compiled code has read the operand (or checked that the store may be done) on
// its fast path; `offset` and `ds` are the operand's offset and segment selector (FDP, FDS).

const pun = new Float64Array(1);
const punWords = new Uint32Array(pun.buffer);
const punSingle = new Float32Array(punWords.buffer, 0, 1);

/**
 * FLD m32fp (lo) or m64fp (lo, hi) of a normal value onto an empty slot: the value widens exactly
 * and nothing can be raised (loadFloat32/loadFloat64's direct case in x87-opcodes.ts).
 */
export function x87LoadFloat(f: X87, double: boolean, lo: number, hi: number, fop: number, ip: number, cs: number, offset: number, ds: number): boolean {
  if ((f.swNoTop & FPU_SW_ES) !== 0) return false;
  const p = (f.top - 1) & 7;
  if (((f.tagValid >>> p) & 1) !== 0) return false;
  if (double) {
    const e = (hi >>> 20) & 0x7ff;
    if (e === 0 || e === 0x7ff) return false;
    f.top = p;
    f.writeReg(p, ((hi >>> 31) << 15) | (e + (16383 - 1023)), (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0, (lo << 11) >>> 0);
  } else {
    const e = (lo >>> 23) & 0xff;
    if (e === 0 || e === 0xff) return false;
    f.top = p;
    f.writeReg(p, ((lo >>> 31) << 15) | (e + (16383 - 127)), (0x80000000 | (lo << 8)) >>> 0, 0);
  }
  f.unmaskedRaised = false;
  f.swNoTop &= ~FPU_SW_C1;
  f.recordInstruction(ip, cs, fop);
  f.recordData(offset, ds);
  return true;
}

/**
 * FST/FSTP m32fp/m64fp, first half: ST(0)'s memory image into floatStore (m32fp: its `hi`) when the
 * direct case applies (x87-opcodes.ts storeFloatDirect), nothing changed. The caller stores it, then
 * calls x87StoreFloatDone.
 */
export function x87StoreFloatBits(f: X87, double: boolean): boolean {
  if ((f.swNoTop & FPU_SW_ES) !== 0) return false;
  const top = f.top;
  if (((f.tagValid >>> top) & 1) === 0) return false;
  return floatStoreBits(f, double, top);
}

/** FST/FSTP m32fp/m64fp, second half, once the image is stored: the pop, FSW (PE, C1) and the pointers. */
export function x87StoreFloatDone(f: X87, pop: boolean, fop: number, ip: number, cs: number, offset: number, ds: number): boolean {
  if (pop) f.pop();
  f.unmaskedRaised = false;
  f.finish(floatStore.inexact ? FPU_EX_PE : 0, floatStore.up ? 1 : 0);
  f.recordInstruction(ip, cs, fop);
  f.recordData(offset, ds);
  return true;
}

/**
 * FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR ST(0), m32fp (lo) or m64fp (lo, hi) (D8, DC /0 /1 /4-/7), when the
 * operand is a normal value and the double path gives the result (arithMemory's own double path).
 */
export function x87ArithFloat(f: X87, op: number, double: boolean, lo: number, hi: number, fop: number, ip: number, cs: number, offset: number, ds: number): boolean {
  if ((f.swNoTop & FPU_SW_ES) !== 0 || f.ctx.doublePath === DOUBLE_PATH_NONE) return false;
  const top = f.top;
  if (((f.tagValid >>> top) & 1) === 0 || !cacheRegister(f, top)) return false;
  let m: number;
  if (double) {
    const e = (hi >>> 20) & 0x7ff;
    if (e === 0 || e === 0x7ff) return false;
    punWords[0] = lo;
    punWords[1] = hi;
    m = pun[0]!;
  } else {
    const e = (lo >>> 23) & 0xff;
    if (e === 0 || e === 0xff) return false;
    punWords[0] = lo;
    m = punSingle[0]!;
  }
  const st = f.regF64[top]!;
  const reversed = op === 5 || op === 7;
  doubleOperands.a = reversed ? m : st;
  doubleOperands.b = reversed ? st : m;
  const exact = exactOnly(f);
  let ok: boolean;
  if (op === 1) ok = doubleProduct(exact);
  else if (op >= 6) ok = doubleQuotient(exact);
  else {
    if (op >= 4) doubleOperands.b = -doubleOperands.b;
    ok = doubleSum(exact);
  }
  if (!ok) return false;
  arithDone(f, 0, false, fop, ip, cs);
  f.recordData(offset, ds);
  return true;
}

// ---------------------------------------------------------------------------------------
// Which entry runs an encoding

/** Register forms with no direct entry (memory operands too): X87.execute. */
export const X87_GENERAL = 0;
/** FADD…FDIVR(P) on registers: x = op | dst << 3 | src << 6 | pop << 9 (as x87ArithRegister takes them). */
export const X87_ARITH = 1;
/** FLD ST(i): x = i. */
export const X87_LOAD_REG = 2;
/** FST/FSTP ST(i) and aliases: x = i | pop << 3. */
export const X87_STORE_REG = 3;
/** FXCH ST(i) and aliases: x = i. */
export const X87_EXCHANGE = 4;
/** Any other register form that touches only the FPU (x87ExecuteRegister): x = its register-form index. */
export const X87_REGISTER = 5;
/** FNSTSW AX (DF E0): the caller writes AX itself. */
export const X87_FNSTSW_AX = 6;
/** FCOMI/FUCOMI(P) ST(0), ST(i): x = i | pop << 3 (x87CompareToFlags; the caller writes EFLAGS). */
export const X87_COMPARE_FLAGS = 10;
/** FLD m32fp/m64fp: x = 1 for m64fp (x87LoadFloat). */
export const X87_LOAD_FLOAT = 7;
/** FST/FSTP m32fp/m64fp: x = m64fp | pop << 1 (x87StoreFloatBits, x87StoreFloatDone). */
export const X87_STORE_FLOAT = 8;
/** FADD…FDIVR ST(0), m32fp/m64fp: x = m64fp | op << 1 (x87ArithFloat). */
export const X87_ARITH_FLOAT = 9;

/**
 * The entry for a memory form of escape `opcode` with ModR/M.reg `reg`, for code that reads and
 * writes the operand itself (the JIT): X87_LOAD_FLOAT, X87_STORE_FLOAT, X87_ARITH_FLOAT or
 * X87_GENERAL, operand word in x87FormOperands.x.
 */
export function x87MemoryForm(opcode: number, reg: number): number {
  const esc = opcode & 7;
  const ops = x87FormOperands;
  if (esc === 1 || esc === 5) {
    const double = esc === 5 ? 1 : 0;
    if (reg === 0) {
      ops.x = double;
      return X87_LOAD_FLOAT;
    }
    if (reg === 2 || reg === 3) {
      ops.x = double | (reg === 3 ? 2 : 0);
      return X87_STORE_FLOAT;
    }
    return X87_GENERAL;
  }
  if ((esc === 0 || esc === 4) && reg !== 2 && reg !== 3) {
    ops.x = (esc === 4 ? 1 : 0) | (reg << 1);
    return X87_ARITH_FLOAT;
  }
  return X87_GENERAL;
}

/** The operand word of x87RegisterForm's result. */
export const x87FormOperands = { x: 0 };

/**
 * The entry for a register form (ModR/M ≥ C0) of escape `opcode`: one of X87_*, with its operand
 * word in x87FormOperands.x. SDM vol. 2 Appendix A.4 (Tables A-7 … A-22): the DC and DE arithmetic
 * forms swap SUB/SUBR and DIV/DIVR, and D9 D8+i, DF D0+i, DF D8+i are FSTP aliases, DD C8+i and
 * DF C8+i FXCH aliases (x87-opcodes.ts).
 */
export function x87RegisterForm(opcode: number, modrm: number): number {
  const esc = opcode & 7;
  const reg = (modrm >>> 3) & 7;
  const i = modrm & 7;
  const ops = x87FormOperands;
  if ((esc === 0 || esc === 4 || esc === 6) && reg !== 2 && reg !== 3) {
    // D8: ST(0) ← ST(0) op ST(i); DC/DE: ST(i) ← ST(i) op ST(0) with SUB/SUBR and DIV/DIVR swapped.
    const toSt0 = esc === 0;
    const op = toSt0 || reg < 4 ? reg : reg ^ 1;
    ops.x = op | ((toSt0 ? 0 : i) << 3) | ((toSt0 ? i : 0) << 6) | (esc === 6 ? 0x200 : 0);
    return X87_ARITH;
  }
  if (esc === 1 && reg === 0) {
    ops.x = i;
    return X87_LOAD_REG;
  }
  if ((esc === 5 && (reg === 2 || reg === 3)) || (esc === 1 && reg === 3) || (esc === 7 && (reg === 2 || reg === 3))) {
    ops.x = i | (esc === 5 && reg === 2 ? 0 : 8);
    return X87_STORE_REG;
  }
  if ((esc === 1 || esc === 5 || esc === 7) && reg === 1) {
    ops.x = i;
    return X87_EXCHANGE;
  }
  if (esc === 7 && modrm === 0xe0) return X87_FNSTSW_AX;
  if ((esc === 3 || esc === 7) && (reg === 5 || reg === 6)) {
    ops.x = i | (esc === 7 ? 8 : 0);
    return X87_COMPARE_FLAGS;
  }
  if (x87RegisterFormIsLocal(opcode, modrm)) {
    ops.x = x87RegisterIndex(opcode, modrm);
    return X87_REGISTER;
  }
  return X87_GENERAL;
}

/**
 * Runs a register form through the entry x87RegisterForm chose (not X87_GENERAL or X87_FNSTSW_AX);
 * `fop` is (escape & 7) << 8 | ModR/M. Same contract as the entries: true when done, false for X87.execute.
 */
export function x87RunRegisterForm(f: X87, form: number, x: number, fop: number, ip: number, cs: number): boolean {
  switch (form) {
    case X87_ARITH: return x87ArithRegister(f, x & 7, (x >>> 3) & 7, (x >>> 6) & 7, (x & 0x200) !== 0, fop, ip, cs);
    case X87_LOAD_REG: return x87LoadRegister(f, x, ip, cs);
    case X87_STORE_REG: return x87StoreRegister(f, x & 7, (x & 8) !== 0, fop, ip, cs);
    case X87_EXCHANGE: return x87Exchange(f, x, fop, ip, cs);
    case X87_REGISTER: return x87ExecuteRegister(f, x, ip, cs);
    default: return false;
  }
}
