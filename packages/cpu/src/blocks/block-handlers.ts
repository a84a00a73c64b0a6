/**
 * The block interpreter's handlers: the common instruction forms executed from their decoded
 * operands, with exactly the semantics of the interpreter's handlers in ops/ (the same helpers, the
 * same order of checks, reads, flag updates and writes, so a fault leaves the same partial state).
 * Everything else runs through the interpreter itself (`execGeneric`).
 *
 * Handlers never fetch: the decoder did. They do not write EIP unless they transfer control; the
 * block loop keeps `insnStart` current, so a fault rewinds EIP to the instruction as in step().
 */
import type { Cpu } from "../cpu.js";
import { LZ_ADD, LZ_DEC, LZ_INC, LZ_LOGIC, LZ_SUB } from "../core/lazy-flags.js";
import { CS, EAX, ECX, EDX, FLAG_CF, FLAGS_ARITH } from "../core/registers.js";
import { alu, imulTrunc, shift } from "../ops/alu.js";
import type { DecodedInsn, Exec } from "./decoded-insn.js";
import type { Block } from "./block.js";
import { ATTR_GENERIC, EXEC_ABORTED, EXEC_JUMPED, EXEC_NEXT, EXEC_STOP } from "./decoded-insn.js";
import { VM_EXIT } from "../core/exceptions.js";
import { selectX87Handler } from "./x87-handlers.js";

/** Runs the instruction through the interpreter (prefixes, decoding, every check) and ends the block when needed. */
export function execGeneric(cpu: Cpu, d: DecodedInsn): number {
  cpu.eip = d.eip;
  try {
    cpu.step();
    if (cpu.exitAbort) {
      cpu.exitAbort = false;
      cpu.vmExitTaken();
      return EXEC_ABORTED;
    }
  } catch (e) {
    // An intercepted instruction's VM exit, caught here rather than after unwinding every frame of the
    // run loop (a JavaScript throw costs per frame it crosses, and port I/O exits are frequent).
    if (e !== VM_EXIT) throw e;
    cpu.vmExitTaken();
    return EXEC_ABORTED;
  }
  if (cpu.stopReason !== 0 || cpu.atBoundaryWork()) {
    // The boundary has work now (a halt, a shadow, an event): the chain of blocks must end too.
    cpu.blockStop = EXEC_STOP;
    return EXEC_JUMPED;
  }
  if (cpu.eip !== d.next || cpu.blockStop !== 0) return EXEC_JUMPED;
  return EXEC_NEXT;
}

/** Offset of the memory operand (SDM vol. 2A §2.1.5), as decodeModrm computes it. */
export function effectiveOffset(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  let o = d.disp;
  if (d.base >= 0) o += R[d.base]!;
  if (d.index >= 0) o += R[d.index]! << d.scale;
  return d.a32 ? o | 0 : o & 0xffff;
}

function getReg8(R: Int32Array, r: number): number {
  return r < 4 ? R[r]! & 0xff : (R[r - 4]! >> 8) & 0xff;
}

function setReg8(R: Int32Array, r: number, v: number): void {
  if (r < 4) R[r] = (R[r]! & ~0xff) | (v & 0xff);
  else R[r - 4] = (R[r - 4]! & ~0xff00) | ((v & 0xff) << 8);
}

function setReg16(R: Int32Array, r: number, v: number): void {
  R[r] = (R[r]! & ~0xffff) | (v & 0xffff);
}

// ---------------- group 1 ALU: ADD OR ADC SBB AND SUB XOR CMP (op in d.imm2 for the 00-3F forms) ----------------

function aluEbGbR(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const r = alu(cpu, op, getReg8(R, d.rm), getReg8(R, d.reg), 8);
  if (op !== 7) setReg8(R, d.rm, r);
  return EXEC_NEXT;
}
function aluEbGbM(cpu: Cpu, d: DecodedInsn): number {
  const off = effectiveOffset(cpu, d), s = d.seg, op = d.imm2;
  if (op !== 7) cpu.segAddr(s, off, 1, true);
  const r = alu(cpu, op, cpu.rd8(s, off), getReg8(cpu.reg, d.reg), 8);
  if (op !== 7) cpu.wr8(s, off, r);
  return cpu.blockStop;
}
function aluEvGvR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const r = alu(cpu, op, R[d.rm]!, R[d.reg]!, 32);
  if (op !== 7) R[d.rm] = r;
  return EXEC_NEXT;
}
function aluEvGvR16(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const r = alu(cpu, op, R[d.rm]! & 0xffff, R[d.reg]! & 0xffff, 16);
  if (op !== 7) setReg16(R, d.rm, r);
  return EXEC_NEXT;
}
function aluEvGvM32(cpu: Cpu, d: DecodedInsn): number {
  const off = effectiveOffset(cpu, d), s = d.seg, op = d.imm2;
  if (op !== 7) cpu.segAddr(s, off, 4, true);
  const r = alu(cpu, op, cpu.rd32(s, off), cpu.reg[d.reg]!, 32);
  if (op !== 7) cpu.wr32(s, off, r);
  return cpu.blockStop;
}
function aluEvGvM16(cpu: Cpu, d: DecodedInsn): number {
  const off = effectiveOffset(cpu, d), s = d.seg, op = d.imm2;
  if (op !== 7) cpu.segAddr(s, off, 2, true);
  const r = alu(cpu, op, cpu.rd16(s, off), cpu.reg[d.reg]! & 0xffff, 16);
  if (op !== 7) cpu.wr16(s, off, r);
  return cpu.blockStop;
}
function aluGbEb(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const b = d.mem ? cpu.rd8(d.seg, effectiveOffset(cpu, d)) : getReg8(R, d.rm);
  const r = alu(cpu, op, getReg8(R, d.reg), b, 8);
  if (op !== 7) setReg8(R, d.reg, r);
  return cpu.blockStop;
}
function aluGvEvR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const r = alu(cpu, op, R[d.reg]!, R[d.rm]!, 32);
  if (op !== 7) R[d.reg] = r;
  return EXEC_NEXT;
}
function aluGvEvM32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const b = cpu.rd32(d.seg, effectiveOffset(cpu, d));
  const r = alu(cpu, op, R[d.reg]!, b, 32);
  if (op !== 7) R[d.reg] = r;
  return cpu.blockStop;
}
function aluGvEv16(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const b = d.mem ? cpu.rd16(d.seg, effectiveOffset(cpu, d)) : R[d.rm]! & 0xffff;
  const r = alu(cpu, op, R[d.reg]! & 0xffff, b, 16);
  if (op !== 7) setReg16(R, d.reg, r);
  return cpu.blockStop;
}
function aluAlIb(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  const r = alu(cpu, op, R[EAX]! & 0xff, d.imm, 8);
  if (op !== 7) setReg8(R, EAX, r);
  return EXEC_NEXT;
}
function aluEaxIv(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.imm2;
  if (d.o32) {
    const r = alu(cpu, op, R[EAX]!, d.imm, 32);
    if (op !== 7) R[EAX] = r;
  } else {
    const r = alu(cpu, op, R[EAX]! & 0xffff, d.imm, 16);
    if (op !== 7) setReg16(R, EAX, r);
  }
  return EXEC_NEXT;
}
/** 80/82 r/m8, imm8 (the ALU op is the ModRM reg field). */
function aluEbIb(cpu: Cpu, d: DecodedInsn): number {
  const op = d.reg;
  if (!d.mem) {
    const R = cpu.reg;
    const r = alu(cpu, op, getReg8(R, d.rm), d.imm, 8);
    if (op !== 7) setReg8(R, d.rm, r);
    return EXEC_NEXT;
  }
  const off = effectiveOffset(cpu, d), s = d.seg;
  if (op !== 7) cpu.segAddr(s, off, 1, true);
  const r = alu(cpu, op, cpu.rd8(s, off), d.imm, 8);
  if (op !== 7) cpu.wr8(s, off, r);
  return cpu.blockStop;
}
/** 81/83 r/m32 with a 32-bit or sign-extended 8-bit immediate (already widened in imm2 by selectHandler). */
function aluEvIv32R(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, op = d.reg;
  const r = alu(cpu, op, R[d.rm]!, d.imm2, 32);
  if (op !== 7) R[d.rm] = r;
  return EXEC_NEXT;
}
function aluEvIv32M(cpu: Cpu, d: DecodedInsn): number {
  const off = effectiveOffset(cpu, d), s = d.seg, op = d.reg;
  if (op !== 7) cpu.segAddr(s, off, 4, true);
  const r = alu(cpu, op, cpu.rd32(s, off), d.imm2, 32);
  if (op !== 7) cpu.wr32(s, off, r);
  return cpu.blockStop;
}
function aluEvIv16(cpu: Cpu, d: DecodedInsn): number {
  const op = d.reg;
  if (!d.mem) {
    const R = cpu.reg;
    const r = alu(cpu, op, R[d.rm]! & 0xffff, d.imm2, 16);
    if (op !== 7) setReg16(R, d.rm, r);
    return EXEC_NEXT;
  }
  const off = effectiveOffset(cpu, d), s = d.seg;
  if (op !== 7) cpu.segAddr(s, off, 2, true);
  const r = alu(cpu, op, cpu.rd16(s, off), d.imm2, 16);
  if (op !== 7) cpu.wr16(s, off, r);
  return cpu.blockStop;
}

// ---------------- INC/DEC, TEST, NOT/NEG ----------------

function incDecReg32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, r = d.imm2;
  const a = R[r]!;
  const dec = d.op >= 0x48;
  const res = dec ? (a - 1) | 0 : (a + 1) | 0;
  R[r] = res;
  cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, res, 32);
  return EXEC_NEXT;
}
function incDecReg16(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, r = d.imm2;
  const a = R[r]! & 0xffff;
  const dec = d.op >= 0x48;
  const res = dec ? a - 1 : a + 1;
  setReg16(R, r, res);
  cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, res, 16);
  return EXEC_NEXT;
}
/** FE /0 /1 and FF /0 /1: INC/DEC r/m. */
function incDecRm(cpu: Cpu, d: DecodedInsn): number {
  const dec = d.reg === 1;
  const size = d.op === 0xfe ? 1 : d.o32 ? 4 : 2;
  const R = cpu.reg;
  if (!d.mem) {
    const rm = d.rm;
    if (size === 1) {
      const a = getReg8(R, rm);
      const r = dec ? a - 1 : a + 1;
      setReg8(R, rm, r);
      cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, r, 8);
    } else if (size === 4) {
      const a = R[rm]!;
      const r = dec ? a - 1 : a + 1;
      R[rm] = r;
      cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, r, 32);
    } else {
      const a = R[rm]! & 0xffff;
      const r = dec ? a - 1 : a + 1;
      setReg16(R, rm, r);
      cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, r, 16);
    }
    return EXEC_NEXT;
  }
  const off = effectiveOffset(cpu, d), s = d.seg;
  cpu.segAddr(s, off, size, true);
  const a = size === 1 ? cpu.rd8(s, off) : size === 4 ? cpu.rd32(s, off) : cpu.rd16(s, off);
  const r = dec ? a - 1 : a + 1;
  if (size === 1) cpu.wr8(s, off, r);
  else if (size === 4) cpu.wr32(s, off, r);
  else cpu.wr16(s, off, r);
  cpu.setLazyKeepCf(dec ? LZ_DEC : LZ_INC, a, r, size * 8);
  return cpu.blockStop;
}
/** 84/85: TEST r/m, reg. */
function testEvGv(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  if (d.op === 0x84) {
    const a = d.mem ? cpu.rd8(d.seg, effectiveOffset(cpu, d)) : getReg8(R, d.rm);
    const b = getReg8(R, d.reg);
    cpu.setLazy(LZ_LOGIC, a, b, a & b, 8);
  } else if (d.o32) {
    const a = d.mem ? cpu.rd32(d.seg, effectiveOffset(cpu, d)) : R[d.rm]!;
    const b = R[d.reg]!;
    cpu.setLazy(LZ_LOGIC, a, b, a & b, 32);
  } else {
    const a = d.mem ? cpu.rd16(d.seg, effectiveOffset(cpu, d)) : R[d.rm]! & 0xffff;
    const b = R[d.reg]! & 0xffff;
    cpu.setLazy(LZ_LOGIC, a, b, a & b, 16);
  }
  return cpu.blockStop;
}
/** A8/A9: TEST AL/eAX, imm. */
function testAccImm(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, b = d.imm;
  if (d.op === 0xa8) {
    const a = R[EAX]! & 0xff;
    cpu.setLazy(LZ_LOGIC, a, b, a & b, 8);
  } else if (d.o32) {
    const a = R[EAX]!;
    cpu.setLazy(LZ_LOGIC, a, b, a & b, 32);
  } else {
    const a = R[EAX]! & 0xffff;
    cpu.setLazy(LZ_LOGIC, a, b, a & b, 16);
  }
  return EXEC_NEXT;
}
/** Reads the r/m operand of `bits` at (s, off) or register rm, as readRm8/16/32 do. */
function readRm(cpu: Cpu, d: DecodedInsn, bits: number, off: number): number {
  if (d.mem) return bits === 8 ? cpu.rd8(d.seg, off) : bits === 32 ? cpu.rd32(d.seg, off) : cpu.rd16(d.seg, off);
  const R = cpu.reg;
  return bits === 8 ? getReg8(R, d.rm) : bits === 32 ? R[d.rm]! : R[d.rm]! & 0xffff;
}
function writeRm(cpu: Cpu, d: DecodedInsn, bits: number, off: number, v: number): void {
  if (d.mem) {
    if (bits === 8) cpu.wr8(d.seg, off, v);
    else if (bits === 32) cpu.wr32(d.seg, off, v);
    else cpu.wr16(d.seg, off, v);
    return;
  }
  const R = cpu.reg;
  if (bits === 8) setReg8(R, d.rm, v);
  else if (bits === 32) R[d.rm] = v;
  else setReg16(R, d.rm, v);
}
/** F6/F7 group 3 /0 /1 TEST, /2 NOT, /3 NEG (MUL and DIV stay generic). */
function group3(cpu: Cpu, d: DecodedInsn): number {
  const bits = d.op === 0xf6 ? 8 : d.o32 ? 32 : 16;
  const off = d.mem ? effectiveOffset(cpu, d) : 0;
  const op = d.reg;
  if (op < 2) {
    const a = readRm(cpu, d, bits, off);
    cpu.setLazy(LZ_LOGIC, a, d.imm, a & d.imm, bits);
  } else if (op === 2) {
    if (d.mem) cpu.segAddr(d.seg, off, bits >> 3, true);
    writeRm(cpu, d, bits, off, ~readRm(cpu, d, bits, off));
  } else {
    if (d.mem) cpu.segAddr(d.seg, off, bits >> 3, true);
    const a = readRm(cpu, d, bits, off);
    const r = -a;
    cpu.setLazy(LZ_SUB, 0, a, r, bits);
    writeRm(cpu, d, bits, off, r);
  }
  return cpu.blockStop;
}

// ---------------- data movement ----------------

function movEbGb(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, v = getReg8(R, d.reg);
  if (d.mem) {
    cpu.wr8(d.seg, effectiveOffset(cpu, d), v);
    return cpu.blockStop;
  }
  setReg8(R, d.rm, v);
  return EXEC_NEXT;
}
function movEvGvM32(cpu: Cpu, d: DecodedInsn): number {
  cpu.wr32(d.seg, effectiveOffset(cpu, d), cpu.reg[d.reg]!);
  return cpu.blockStop;
}
function movEvGv16(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  if (d.mem) {
    cpu.wr16(d.seg, effectiveOffset(cpu, d), R[d.reg]!);
    return cpu.blockStop;
  }
  setReg16(R, d.rm, R[d.reg]!);
  return EXEC_NEXT;
}
function movGbEb(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  setReg8(R, d.reg, d.mem ? cpu.rd8(d.seg, effectiveOffset(cpu, d)) : getReg8(R, d.rm));
  return cpu.blockStop;
}
/** MOV r32, r32 (8B or 89 with a register operand): x = destination, y = source (set by fastForm). */
function movGvEvR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  R[d.x] = R[d.y]!;
  return EXEC_NEXT;
}
function movGvEvM32(cpu: Cpu, d: DecodedInsn): number {
  cpu.reg[d.reg] = cpu.rd32(d.seg, effectiveOffset(cpu, d));
  return cpu.blockStop;
}
function movGvEv16(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  setReg16(R, d.reg, d.mem ? cpu.rd16(d.seg, effectiveOffset(cpu, d)) : R[d.rm]! & 0xffff);
  return cpu.blockStop;
}
function movRegImm8(cpu: Cpu, d: DecodedInsn): number {
  setReg8(cpu.reg, d.imm2, d.imm);
  return EXEC_NEXT;
}
function movRegImm(cpu: Cpu, d: DecodedInsn): number {
  if (d.o32) cpu.reg[d.imm2] = d.imm;
  else setReg16(cpu.reg, d.imm2, d.imm);
  return EXEC_NEXT;
}
/** C6 /0, C7 /0: MOV r/m, imm. */
function movEvIv(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  const size = d.op === 0xc6 ? 1 : d.o32 ? 4 : 2;
  if (d.mem) {
    const off = effectiveOffset(cpu, d);
    if (size === 1) cpu.wr8(d.seg, off, d.imm);
    else if (size === 4) cpu.wr32(d.seg, off, d.imm);
    else cpu.wr16(d.seg, off, d.imm);
    return cpu.blockStop;
  }
  if (size === 1) setReg8(R, d.rm, d.imm);
  else if (size === 4) R[d.rm] = d.imm;
  else setReg16(R, d.rm, d.imm);
  return EXEC_NEXT;
}
/** A0-A3: MOV with a moffs operand (offset in imm, segment DS unless overridden). */
function movMoffs(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, s = d.seg, off = d.imm;
  switch (d.op) {
    case 0xa0: setReg8(R, EAX, cpu.rd8(s, off)); break;
    case 0xa1:
      if (d.o32) R[EAX] = cpu.rd32(s, off);
      else setReg16(R, EAX, cpu.rd16(s, off));
      break;
    case 0xa2: cpu.wr8(s, off, R[EAX]!); break;
    default:
      if (d.o32) cpu.wr32(s, off, R[EAX]!);
      else cpu.wr16(s, off, R[EAX]!);
  }
  return cpu.blockStop;
}
function lea(cpu: Cpu, d: DecodedInsn): number {
  const v = effectiveOffset(cpu, d);
  if (d.o32) cpu.reg[d.reg] = v;
  else setReg16(cpu.reg, d.reg, v);
  return EXEC_NEXT;
}
/** 0F B6/B7/BE/BF: MOVZX / MOVSX. */
function movExtend(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  const word = (d.op & 1) !== 0;
  let v = word ? (d.mem ? cpu.rd16(d.seg, effectiveOffset(cpu, d)) : R[d.rm]! & 0xffff) : d.mem ? cpu.rd8(d.seg, effectiveOffset(cpu, d)) : getReg8(R, d.rm);
  if (d.op >= 0x1be) v = word ? (v << 16) >> 16 : (v << 24) >> 24;
  if (d.o32) R[d.reg] = v;
  else setReg16(R, d.reg, v);
  return cpu.blockStop;
}
/** 91-97: XCHG eAX, reg. */
function xchgAcc(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, r = d.imm2;
  if (d.o32) {
    const a = R[EAX]!;
    R[EAX] = R[r]!;
    R[r] = a;
  } else {
    const a = R[EAX]! & 0xffff;
    setReg16(R, EAX, R[r]!);
    setReg16(R, r, a);
  }
  return EXEC_NEXT;
}
function nop(): number {
  return EXEC_NEXT;
}
/** 98 CBW/CWDE, 99 CWD/CDQ. */
function convert(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  if (d.op === 0x98) {
    if (d.o32) R[EAX] = (R[EAX]! << 16) >> 16;
    else setReg16(R, EAX, (R[EAX]! << 24) >> 24);
  } else if (d.o32) R[EDX] = R[EAX]! >> 31;
  else setReg16(R, EDX, ((R[EAX]! << 16) >> 31) & 0xffff);
  return EXEC_NEXT;
}
/** F5 CMC, F8 CLC, F9 STC. */
function carryFlag(cpu: Cpu, d: DecodedInsn): number {
  cpu.setStatusFlag(FLAG_CF, d.op === 0xf5 ? cpu.getCf() === 0 : d.op === 0xf9);
  return EXEC_NEXT;
}

// ---------------- stack ----------------

function push(cpu: Cpu, o32: boolean, v: number): void {
  if (o32) cpu.push32(v);
  else cpu.push16(v);
}
function pushReg(cpu: Cpu, d: DecodedInsn): number {
  push(cpu, d.o32, cpu.reg[d.imm2]!);
  return cpu.blockStop;
}
function pushImm(cpu: Cpu, d: DecodedInsn): number {
  push(cpu, d.o32, d.imm2);
  return cpu.blockStop;
}
function popReg(cpu: Cpu, d: DecodedInsn): number {
  if (d.o32) cpu.reg[d.imm2] = cpu.pop32();
  else setReg16(cpu.reg, d.imm2, cpu.pop16());
  return cpu.blockStop;
}

// ---------------- control transfer ----------------

/** A near jump to `target` (already truncated to the operand size): #GP(0) beyond the CS limit. */
function jumpNear(cpu: Cpu, target: number): number {
  if (target >>> 0 > cpu.segHi[CS]!) cpu.gp0();
  cpu.eip = target;
  return EXEC_JUMPED;
}
// A branch not taken goes on with the block's next instruction (EXEC_NEXT): blocks are traces.
function jcc(cpu: Cpu, d: DecodedInsn): number {
  if (cpu.condition(d.imm2)) return jumpNear(cpu, d.imm);
  return EXEC_NEXT;
}
function jmpRel(cpu: Cpu, d: DecodedInsn): number {
  return jumpTo(cpu, d);
}
/** A JMP the block follows: its target is the block's next instruction (checked against the CS limit with the block). */
function jmpFollowed(): number {
  return EXEC_NEXT;
}
/** Turns a decoded JMP rel into one the block follows. */
export function markFollowed(d: DecodedInsn): void {
  d.exec = jmpFollowed;
  d.hid = H_FOLLOWED;
}
/** A jump to the decoded target; the #GP(0) beyond the CS limit faults this instruction. */
function jumpTo(cpu: Cpu, d: DecodedInsn): number {
  const target = d.imm;
  if (target >>> 0 > cpu.segHi[CS]!) {
    cpu.insnStart = d.eip;
    cpu.gp0();
  }
  cpu.eip = target;
  return EXEC_JUMPED;
}
function callRel(cpu: Cpu, d: DecodedInsn): number {
  const target = d.imm;
  if (target >>> 0 > cpu.segHi[CS]!) cpu.gp0();
  push(cpu, d.o32, d.next);
  cpu.eip = target;
  return EXEC_JUMPED;
}
/** C3 RET / C2 RET imm16. */
function retNear(cpu: Cpu, d: DecodedInsn): number {
  const size = d.o32 ? 4 : 2;
  const target = cpu.peekStack(0, size);
  jumpNear(cpu, d.o32 ? target | 0 : target & 0xffff);
  cpu.adjustSp(d.op === 0xc2 ? size + d.imm : size);
  return EXEC_JUMPED;
}
/** E0 LOOPNE, E1 LOOPE, E2 LOOP, E3 JCXZ/JECXZ: the count register follows the address size. */
function loop(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  let count: number;
  if (d.op === 0xe3) {
    count = d.a32 ? R[ECX]! : R[ECX]! & 0xffff;
    if (count === 0) return jumpNear(cpu, d.imm);
    return EXEC_NEXT;
  }
  if (d.a32) {
    count = (R[ECX]! - 1) | 0;
    R[ECX] = count;
  } else {
    count = (R[ECX]! - 1) & 0xffff;
    setReg16(R, ECX, count);
  }
  const take = count !== 0 && (d.op === 0xe2 || (d.op === 0xe1 ? cpu.getZf() : !cpu.getZf()));
  if (take) return jumpNear(cpu, d.imm);
  return EXEC_NEXT;
}
/** FF /2 CALL r/m and FF /4 JMP r/m (near, absolute). */
function indirectNear(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  const v = d.mem ? (d.o32 ? cpu.rd32(d.seg, effectiveOffset(cpu, d)) : cpu.rd16(d.seg, effectiveOffset(cpu, d))) : d.o32 ? R[d.rm]! : R[d.rm]! & 0xffff;
  const t = d.o32 ? v : v & 0xffff;
  if (d.reg === 4) return jumpNear(cpu, t);
  if (t >>> 0 > cpu.segHi[CS]!) cpu.gp0();
  push(cpu, d.o32, d.next);
  cpu.eip = t;
  return EXEC_JUMPED;
}

// ---------------- conditions, shifts, multiply ----------------

function setcc(cpu: Cpu, d: DecodedInsn): number {
  const v = cpu.condition(d.op & 0xf) ? 1 : 0;
  if (d.mem) {
    cpu.wr8(d.seg, effectiveOffset(cpu, d), v);
    return cpu.blockStop;
  }
  setReg8(cpu.reg, d.rm, v);
  return EXEC_NEXT;
}
function cmovcc(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  const v = d.mem ? (d.o32 ? cpu.rd32(d.seg, effectiveOffset(cpu, d)) : cpu.rd16(d.seg, effectiveOffset(cpu, d))) : d.o32 ? R[d.rm]! : R[d.rm]! & 0xffff;
  if (cpu.condition(d.op & 0xf)) {
    if (d.o32) R[d.reg] = v;
    else setReg16(R, d.reg, v);
  }
  return cpu.blockStop;
}
/** C0/C1 (imm8), D0/D1 (1), D2/D3 (CL): group 2 shifts and rotates. */
function group2(cpu: Cpu, d: DecodedInsn): number {
  const op = d.reg;
  const R = cpu.reg;
  const count = (d.op <= 0xc1 ? d.imm : d.op <= 0xd1 ? 1 : R[ECX]! & 0xff) & 0x1f;
  const byte = (d.op & 1) === 0;
  const size = byte ? 1 : d.o32 ? 4 : 2;
  if (!d.mem) {
    const rm = d.rm;
    if (byte) {
      const r = shift(cpu, op, getReg8(R, rm), count, 8);
      if (count !== 0) setReg8(R, rm, r);
    } else if (size === 4) {
      const r = shift(cpu, op, R[rm]!, count, 32);
      if (count !== 0) R[rm] = r;
    } else {
      const r = shift(cpu, op, R[rm]! & 0xffff, count, 16);
      if (count !== 0) setReg16(R, rm, r);
    }
    return EXEC_NEXT;
  }
  const off = effectiveOffset(cpu, d), s = d.seg;
  cpu.segAddr(s, off, size, true);
  if (byte) {
    const r = shift(cpu, op, cpu.rd8(s, off), count, 8);
    if (count !== 0) cpu.wr8(s, off, r);
  } else if (size === 4) {
    const r = shift(cpu, op, cpu.rd32(s, off), count, 32);
    if (count !== 0) cpu.wr32(s, off, r);
  } else {
    const r = shift(cpu, op, cpu.rd16(s, off), count, 16);
    if (count !== 0) cpu.wr16(s, off, r);
  }
  return cpu.blockStop;
}
/** 0F AF, 69, 6B: IMUL reg, r/m[, imm]. imulTrunc reads the operand size from the decode state. */
function imul(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg;
  cpu.o32 = d.o32;
  const src = d.mem ? (d.o32 ? cpu.rd32(d.seg, effectiveOffset(cpu, d)) : cpu.rd16(d.seg, effectiveOffset(cpu, d))) : d.o32 ? R[d.rm]! : R[d.rm]! & 0xffff;
  const r = d.op === 0x1af ? imulTrunc(cpu, R[d.reg]!, src) : imulTrunc(cpu, src, d.imm2);
  if (d.o32) R[d.reg] = r;
  else setReg16(R, d.reg, r);
  return cpu.blockStop;
}


// ---------------- fast forms: 32-bit register operands (x = destination, y = source register) ----------------
// Same results and flags as alu(): the lazy result is kept as an int32, which the lazy flag functions
// mask to the width anyway.

function setLazy32(cpu: Cpu, kind: number, a: number, b: number, r: number): void {
  cpu.lzKind = kind;
  cpu.lzOp1 = a;
  cpu.lzOp2 = b;
  cpu.lzRes = r;
  cpu.lzBits = 32;
  cpu.lazyMask = FLAGS_ARITH;
}
function addRR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = R[d.y]!, r = (a + b) | 0;
  R[d.x] = r;
  setLazy32(cpu, LZ_ADD, a, b, r);
  return EXEC_NEXT;
}
function subRR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = R[d.y]!, r = (a - b) | 0;
  R[d.x] = r;
  setLazy32(cpu, LZ_SUB, a, b, r);
  return EXEC_NEXT;
}
function cmpRR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = R[d.y]!;
  setLazy32(cpu, LZ_SUB, a, b, (a - b) | 0);
  return EXEC_NEXT;
}
function andRR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = R[d.y]!, r = a & b;
  R[d.x] = r;
  setLazy32(cpu, LZ_LOGIC, a, b, r);
  return EXEC_NEXT;
}
function orRR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = R[d.y]!, r = a | b;
  R[d.x] = r;
  setLazy32(cpu, LZ_LOGIC, a, b, r);
  return EXEC_NEXT;
}
function xorRR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = R[d.y]!, r = a ^ b;
  R[d.x] = r;
  setLazy32(cpu, LZ_LOGIC, a, b, r);
  return EXEC_NEXT;
}
function testRR32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = R[d.y]!;
  setLazy32(cpu, LZ_LOGIC, a, b, a & b);
  return EXEC_NEXT;
}
// Register, immediate (y = the immediate as alu() receives it).
function addRI32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = d.y, r = (a + b) | 0;
  R[d.x] = r;
  setLazy32(cpu, LZ_ADD, a, b, r);
  return EXEC_NEXT;
}
function subRI32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = d.y, r = (a - b) | 0;
  R[d.x] = r;
  setLazy32(cpu, LZ_SUB, a, b, r);
  return EXEC_NEXT;
}
function cmpRI32(cpu: Cpu, d: DecodedInsn): number {
  const a = cpu.reg[d.x]!, b = d.y;
  setLazy32(cpu, LZ_SUB, a, b, (a - b) | 0);
  return EXEC_NEXT;
}
function andRI32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = d.y, r = a & b;
  R[d.x] = r;
  setLazy32(cpu, LZ_LOGIC, a, b, r);
  return EXEC_NEXT;
}
function orRI32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = d.y, r = a | b;
  R[d.x] = r;
  setLazy32(cpu, LZ_LOGIC, a, b, r);
  return EXEC_NEXT;
}
function xorRI32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, b = d.y, r = a ^ b;
  R[d.x] = r;
  setLazy32(cpu, LZ_LOGIC, a, b, r);
  return EXEC_NEXT;
}
/** TEST r8, imm8 (F6 /0 with a register operand; x = the byte register number). */
function testRI8(cpu: Cpu, d: DecodedInsn): number {
  const a = getReg8(cpu.reg, d.x), b = d.y;
  cpu.setLazy(LZ_LOGIC, a, b, a & b, 8);
  return EXEC_NEXT;
}
function inc32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, r = (a + 1) | 0;
  R[d.x] = r;
  cpu.setLazyKeepCf(LZ_INC, a, r, 32);
  return EXEC_NEXT;
}
function dec32(cpu: Cpu, d: DecodedInsn): number {
  const R = cpu.reg, a = R[d.x]!, r = (a - 1) | 0;
  R[d.x] = r;
  cpu.setLazyKeepCf(LZ_DEC, a, r, 32);
  return EXEC_NEXT;
}
/** JZ/JNZ (x = 1 for JNZ): ZF from the lazy result or EFLAGS. */
function jzFast(cpu: Cpu, d: DecodedInsn): number {
  if (cpu.getZf() !== (d.x !== 0)) return jumpTo(cpu, d);
  return EXEC_NEXT;
}

const H_GENERIC = 0;
const H_ADD_RR = 1, H_SUB_RR = 2, H_CMP_RR = 3, H_AND_RR = 4, H_OR_RR = 5, H_XOR_RR = 6, H_TEST_RR = 7;
const H_ADD_RI = 8, H_SUB_RI = 9, H_CMP_RI = 10, H_AND_RI = 11, H_OR_RI = 12, H_XOR_RI = 13, H_TEST_RI8 = 14;
const H_INC = 15, H_DEC = 16, H_JZ = 17, H_JCC = 18, H_JMP = 19, H_MOV_RR = 20, H_MOV_RI = 21, H_LOAD = 22, H_STORE = 23;
const H_PUSH = 24, H_POP = 25, H_CALL = 26, H_RET = 27, H_LEA = 28, H_LOOP = 29, H_FOLLOWED = 30;

/** Fast register-register and register-immediate handlers by ALU op (ADD OR ADC SBB AND SUB XOR CMP); ADC/SBB stay general. */
const RR: (readonly [Exec, number] | null)[] = [[addRR32, H_ADD_RR], [orRR32, H_OR_RR], null, null, [andRR32, H_AND_RR], [subRR32, H_SUB_RR], [xorRR32, H_XOR_RR], [cmpRR32, H_CMP_RR]];
const RI: (readonly [Exec, number] | null)[] = [[addRI32, H_ADD_RI], [orRI32, H_OR_RI], null, null, [andRI32, H_AND_RI], [subRI32, H_SUB_RI], [xorRI32, H_XOR_RI], [cmpRI32, H_CMP_RI]];

/** Gives a 32-bit register form its fast handler when there is one. */
function fastForm(d: DecodedInsn): void {
  const op = d.op;
  if (op < 0x40 && (op & 7) <= 3 && (op & 1) === 1 && d.o32 && !d.mem) {
    // 01/03 forms: destination r/m or reg.
    const f = RR[op >> 3];
    if (f === null || f === undefined) return;
    d.exec = f[0];
    d.hid = f[1];
    if ((op & 2) === 0) {
      d.x = d.rm;
      d.y = d.reg;
    } else {
      d.x = d.reg;
      d.y = d.rm;
    }
    return;
  }
  if ((op === 0x81 || op === 0x83) && d.o32 && !d.mem) {
    const f = RI[d.reg];
    if (f === null || f === undefined) return;
    d.exec = f[0];
    d.hid = f[1];
    d.x = d.rm;
    d.y = d.imm2;
    return;
  }
  if (op === 0x85 && d.o32 && !d.mem) {
    d.exec = testRR32;
    d.hid = H_TEST_RR;
    d.x = d.rm;
    d.y = d.reg;
    return;
  }
  if (op === 0xf6 && d.reg === 0 && !d.mem) {
    d.exec = testRI8;
    d.hid = H_TEST_RI8;
    d.x = d.rm;
    d.y = d.imm;
    return;
  }
  if (op >= 0x40 && op <= 0x4f && d.o32) {
    d.exec = op < 0x48 ? inc32 : dec32;
    d.hid = op < 0x48 ? H_INC : H_DEC;
    d.x = op & 7;
    return;
  }
  if (op === 0x74 || op === 0x75 || op === 0x184 || op === 0x185) {
    d.exec = jzFast;
    d.hid = H_JZ;
    d.x = op & 1;
    return;
  }
  const e = d.exec;
  if (e === jcc) d.hid = H_JCC;
  else if (e === jmpRel) d.hid = H_JMP;
  else if (e === movGvEvR32) {
    d.exec = movGvEvR32;
    d.hid = H_MOV_RR;
    // movGvEvR32 copies rm into reg; 89 copies reg into rm.
    d.x = op === 0x8b ? d.reg : d.rm;
    d.y = op === 0x8b ? d.rm : d.reg;
  } else if (e === movRegImm && d.o32) d.hid = H_MOV_RI;
  else if (e === movGvEvM32) d.hid = H_LOAD;
  else if (e === movEvGvM32) d.hid = H_STORE;
  else if (e === pushReg) d.hid = H_PUSH;
  else if (e === popReg) d.hid = H_POP;
  else if (e === callRel) d.hid = H_CALL;
  else if (e === retNear) d.hid = H_RET;
  else if (e === lea) d.hid = H_LEA;
  else if (e === loop) d.hid = H_LOOP;
}

/** Chooses the handler for a decoded instruction (and stores what it needs in imm2, x, y, hid). */
export function selectHandler(d: DecodedInsn): void {
  d.hid = H_GENERIC;
  chooseHandler(d);
  if (d.exec !== execGeneric) fastForm(d);
}

function chooseHandler(d: DecodedInsn): void {
  d.exec = execGeneric;
  if (d.lock) {
    d.attrs |= ATTR_GENERIC;
    return;
  }
  const op = d.op;
  if (op < 0x40 && (op & 7) < 6) {
    d.imm2 = op >> 3;
    switch (op & 7) {
      case 0: d.exec = d.mem ? aluEbGbM : aluEbGbR; return;
      case 1: d.exec = d.mem ? (d.o32 ? aluEvGvM32 : aluEvGvM16) : d.o32 ? aluEvGvR32 : aluEvGvR16; return;
      case 2: d.exec = aluGbEb; return;
      case 3: d.exec = d.o32 ? (d.mem ? aluGvEvM32 : aluGvEvR32) : aluGvEv16; return;
      case 4: d.exec = aluAlIb; return;
      default: d.exec = aluEaxIv; return;
    }
  }
  if (op >= 0x40 && op <= 0x4f) {
    d.imm2 = op & 7;
    d.exec = d.o32 ? incDecReg32 : incDecReg16;
    return;
  }
  if (op >= 0x50 && op <= 0x57) {
    d.imm2 = op & 7;
    d.exec = pushReg;
    return;
  }
  if (op >= 0x58 && op <= 0x5f) {
    d.imm2 = op & 7;
    d.exec = popReg;
    return;
  }
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) {
    d.imm2 = op & 0xf;
    d.exec = jcc;
    return;
  }
  if (op >= 0xb0 && op <= 0xb7) {
    d.imm2 = op & 7;
    d.exec = movRegImm8;
    return;
  }
  if (op >= 0xb8 && op <= 0xbf) {
    d.imm2 = op & 7;
    d.exec = movRegImm;
    return;
  }
  if (op >= 0x91 && op <= 0x97) {
    d.imm2 = op & 7;
    d.exec = xchgAcc;
    return;
  }
  if (op >= 0x190 && op <= 0x19f) {
    d.exec = setcc;
    return;
  }
  if (op >= 0x140 && op <= 0x14f) {
    d.exec = cmovcc;
    return;
  }
  if (selectX87Handler(d)) return;
  switch (op) {
    case 0x80:
    case 0x82:
      d.exec = aluEbIb;
      return;
    case 0x81:
    case 0x83:
      // The immediate as the interpreter passes it: 83 sign-extends (to 16 bits for a 16-bit operand).
      d.imm2 = op === 0x83 ? (d.o32 ? (d.imm << 24) >> 24 : ((d.imm << 24) >> 24) & 0xffff) : d.imm;
      d.exec = d.o32 ? (d.mem ? aluEvIv32M : aluEvIv32R) : aluEvIv16;
      return;
    case 0x84:
    case 0x85:
      d.exec = testEvGv;
      return;
    case 0xa8:
    case 0xa9:
      d.exec = testAccImm;
      return;
    case 0x88: d.exec = movEbGb; return;
    case 0x89: d.exec = d.o32 ? (d.mem ? movEvGvM32 : movGvEvR32) : movEvGv16; return;
    case 0x8a: d.exec = movGbEb; return;
    case 0x8b: d.exec = d.o32 ? (d.mem ? movGvEvM32 : movGvEvR32) : movGvEv16; return;
    case 0x8d:
      if (d.mem) d.exec = lea;
      return;
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3:
      d.exec = movMoffs;
      return;
    case 0xc6:
    case 0xc7:
      if (d.reg === 0) d.exec = movEvIv;
      return;
    case 0x68:
      d.imm2 = d.imm;
      d.exec = pushImm;
      return;
    case 0x6a:
      d.imm2 = (d.imm << 24) >> 24;
      d.exec = pushImm;
      return;
    case 0x90:
      // F3 90 is PAUSE, which VMX may intercept: the interpreter runs it.
      if (d.rep !== 1) d.exec = nop;
      return;
    case 0x98:
    case 0x99:
      d.exec = convert;
      return;
    case 0xf5:
    case 0xf8:
    case 0xf9:
      d.exec = carryFlag;
      return;
    case 0xeb:
    case 0xe9:
      d.exec = jmpRel;
      return;
    case 0xe8:
      d.exec = callRel;
      return;
    case 0xc3:
    case 0xc2:
      d.exec = retNear;
      return;
    case 0xe0:
    case 0xe1:
    case 0xe2:
    case 0xe3:
      d.exec = loop;
      return;
    case 0xf6:
    case 0xf7:
      if (d.reg < 4) d.exec = group3;
      return;
    case 0xfe:
      if (d.reg < 2) d.exec = incDecRm;
      return;
    case 0xff:
      if (d.reg < 2) d.exec = incDecRm;
      else if (d.reg === 2 || d.reg === 4) d.exec = indirectNear;
      return;
    case 0xc0:
    case 0xc1:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      d.exec = group2;
      return;
    case 0x1af:
      d.exec = imul;
      return;
    case 0x69:
      d.imm2 = d.imm;
      d.exec = imul;
      return;
    case 0x6b:
      d.imm2 = (d.imm << 24) >> 24;
      d.exec = imul;
      return;
    case 0x1b6:
    case 0x1b7:
    case 0x1be:
    case 0x1bf:
      d.exec = movExtend;
      return;
  }
  d.attrs |= ATTR_GENERIC;
}

/**
 * Runs up to `budget` instructions of block `insns` from its first; returns how many completed (EIP
 * is left where execution continues). When the block ends by branching back to its own start and
 * nothing it relies on changed, it runs again without a lookup. The hottest forms are dispatched by
 * a switch (V8 inlines them) instead of an indirect call; a fault leaves the number completed in
 * Cpu.blockFaultAt.
 */
export function runBlock(cpu: Cpu, b: Block, budget: number): number {
  const insns = b.insns;
  const len = insns.length;
  // With the JIT on, a hot loop goes back to the run loop, which compiles it: every round counts as an
  // entry to the block (its heat), and the loop returns once that makes it hot.
  const rounds = cpu.jit && b.region === null && !b.jitDeclined ? Math.max(1, cpu.jitThreshold + 1 - b.heat) : 0x7fffffff;
  let round = 0;
  const start = insns[0]!.eip;
  let done = 0;
  let n = len < budget ? len : budget;
  let i = 0;
  try {
    for (;;) {
      const d = insns[i]!;
      let r: number;
      // The register-only forms here cannot fault (JZ/JMP record their EIP before a #GP): no insnStart needed.
      switch (d.hid) {
        case H_ADD_RR: r = addRR32(cpu, d); break;
        case H_SUB_RR: r = subRR32(cpu, d); break;
        case H_CMP_RR: r = cmpRR32(cpu, d); break;
        case H_TEST_RI8: r = testRI8(cpu, d); break;
        case H_DEC: r = dec32(cpu, d); break;
        case H_JZ: r = jzFast(cpu, d); break;
        case H_FOLLOWED: r = EXEC_NEXT; break;
        default:
          cpu.insnStart = d.eip;
          // (What a TSC read by this instruction adds: the block's instructions before it.)
          cpu.blockPartial = done + i;
          r = d.exec(cpu, d);
      }
      if (r !== EXEC_NEXT) {
        if (r === EXEC_ABORTED) return done + i;
        i++;
        if (r !== EXEC_JUMPED) {
          cpu.eip = d.after;
          return done + i;
        }
        // Back to the block's own start with nothing changed: go round again.
        done += i;
        if (cpu.eip !== start || cpu.blockStop !== 0 || budget - done < len || ++round >= rounds) return done;
        b.heat++;
        i = 0;
        n = len;
        continue;
      }
      i++;
      if (i === n) {
        cpu.eip = d.after;
        return done + i;
      }
    }
  } catch (e) {
    cpu.blockFaultAt = done + i;
    throw e;
  }
}
