/**
 * Bit instructions (SDM vol. 2A BT, BTS, BTR, BTC, BSF, BSR; vol. 2B SHLD, SHRD).
 */
import type { Cpu } from "../cpu.js";
import { LZ_LOGIC } from "../cpu.js";
import { FLAG_CF } from "../core/registers.js";
import type { Handler } from "./table.js";

/**
 * BT-family with op 0 BT, 1 BTS, 2 BTR, 3 BTC. A register bit offset addresses memory beyond the
 * operand: the signed offset selects the word/dword at ea + (offset >> 4 or 5) * size.
 */
function bitOp(cpu: Cpu, op: number, offset: number, immediate: boolean): void {
  const bits = cpu.o32 ? 32 : 16;
  if (cpu.modrm >= 0xc0) {
    const r = cpu.modrm & 7;
    const bit = offset & (bits - 1);
    const v = cpu.o32 ? cpu.reg[r]! : cpu.reg[r]! & 0xffff;
    setCf(cpu, (v >>> bit) & 1);
    if (op === 0) return;
    const nv = op === 1 ? v | (1 << bit) : op === 2 ? v & ~(1 << bit) : v ^ (1 << bit);
    if (cpu.o32) cpu.reg[r] = nv;
    else cpu.setReg16(r, nv);
    return;
  }
  let off = cpu.eaOff;
  let bit: number;
  if (immediate) {
    bit = offset & (bits - 1);
  } else {
    const signed = bits === 32 ? offset | 0 : (offset << 16) >> 16;
    const unitBytes = bits >> 3;
    off = cpu.a32 ? (off + Math.floor(signed / bits) * unitBytes) | 0 : (off + Math.floor(signed / bits) * unitBytes) & 0xffff;
    bit = signed & (bits - 1);
  }
  if (op !== 0) cpu.segAddr(cpu.eaSeg, off, bits >> 3, true);
  const v = bits === 32 ? cpu.rd32(cpu.eaSeg, off) : cpu.rd16(cpu.eaSeg, off);
  setCf(cpu, (v >>> bit) & 1);
  if (op === 0) return;
  const nv = op === 1 ? v | (1 << bit) : op === 2 ? v & ~(1 << bit) : v ^ (1 << bit);
  if (bits === 32) cpu.wr32(cpu.eaSeg, off, nv);
  else cpu.wr16(cpu.eaSeg, off, nv);
}

function setCf(cpu: Cpu, bit: number): void {
  cpu.setStatusFlag(FLAG_CF, bit !== 0);
}

/** BSF/BSR: ZF = (source == 0) and the destination is left unchanged then (as hardware does). */
function bitScan(cpu: Cpu, reverse: boolean): void {
  cpu.decodeModrm();
  const src = cpu.o32 ? cpu.readRm32() : cpu.readRm16();
  cpu.setLazy(LZ_LOGIC, src, src, src, cpu.o32 ? 32 : 16);
  if (src === 0) return;
  const idx = reverse ? 31 - Math.clz32(src) : 31 - Math.clz32(src & -src);
  if (cpu.o32) cpu.reg[cpu.modrmReg] = idx;
  else cpu.setReg16(cpu.modrmReg, idx);
}

/** SHLD/SHRD r/m, reg, imm8/CL. The count is masked to 5 bits; 16-bit counts above 16 follow P6 behaviour. */
function doubleShift(cpu: Cpu, left: boolean, countFromCl: boolean): void {
  cpu.decodeModrm();
  const count = (countFromCl ? cpu.reg[1]! : cpu.fetch8()) & 0x1f;
  const size = cpu.o32 ? 4 : 2;
  cpu.checkRmWritable(size);
  const dst = cpu.readRmV();
  const src = cpu.o32 ? cpu.reg[cpu.modrmReg]! : cpu.reg[cpu.modrmReg]! & 0xffff;
  if (count === 0) return;
  let result: number, cf: number, of: number;
  if (cpu.o32) {
    if (left) {
      result = ((dst << count) | (src >>> (32 - count))) | 0;
      cf = (dst >>> (32 - count)) & 1;
      of = (cf ^ (result >>> 31)) & 1;
    } else {
      result = ((dst >>> count) | (src << (32 - count))) | 0;
      cf = (dst >>> (count - 1)) & 1;
      of = (((result << 1) ^ result) >>> 31) & 1;
    }
    cpu.setResultFlags(result, 32, cf !== 0, of !== 0);
  } else {
    if (left) {
      const temp = ((dst << 16) | src) >>> 0;
      let r32 = count === 32 ? 0 : (temp << count) >>> 0;
      if (count > 16) r32 = (r32 | (dst << (count - 16))) >>> 0;
      result = (r32 >>> 16) & 0xffff;
      cf = (temp >>> (32 - count)) & 1;
      of = (cf ^ (result >>> 15)) & 1;
    } else {
      const temp = ((src << 16) | dst) >>> 0;
      let r32 = temp >>> count;
      if (count > 16) r32 = (r32 | (dst << (32 - count))) >>> 0;
      result = r32 & 0xffff;
      cf = (dst >>> (count - 1)) & 1;
      of = (((result << 1) ^ result) >>> 15) & 1;
    }
    cpu.setResultFlags(result, 16, cf !== 0, of !== 0);
  }
  cpu.writeRmV(result);
}

export function installBits(_t: Handler[], t0f: Handler[]): void {
  const regForm = (op: number): Handler => (cpu) => {
    cpu.decodeModrm();
    bitOp(cpu, op, cpu.reg[cpu.modrmReg]!, false);
  };
  t0f[0xa3] = regForm(0);
  t0f[0xab] = regForm(1);
  t0f[0xb3] = regForm(2);
  t0f[0xbb] = regForm(3);
  // 0F BA /4-/7: BT/BTS/BTR/BTC r/m, imm8.
  t0f[0xba] = (cpu) => {
    cpu.decodeModrm();
    const op = cpu.modrmReg;
    if (op < 4) cpu.ud();
    bitOp(cpu, op - 4, cpu.fetch8(), true);
  };
  // F3 0F BC is TZCNT only with BMI1; this processor does not advertise it, so it executes as BSF.
  t0f[0xbc] = (cpu) => bitScan(cpu, false);
  t0f[0xbd] = (cpu) => bitScan(cpu, true);
  t0f[0xa4] = (cpu) => doubleShift(cpu, true, false);
  t0f[0xa5] = (cpu) => doubleShift(cpu, true, true);
  t0f[0xac] = (cpu) => doubleShift(cpu, false, false);
  t0f[0xad] = (cpu) => doubleShift(cpu, false, true);
}
