/**
 * Data movement (SDM vol. 2: MOV, MOVZX, MOVSX, LEA, XCHG, XADD, CMPXCHG, CMPXCHG8B, BSWAP, CMOVcc,
 * SETcc, PUSH, POP, PUSHA, POPA, PUSHF, POPF, LAHF, SAHF, XLAT, LDS/LES/LSS/LFS/LGS).
 */
import type { Cpu } from "../cpu.js";
import { LZ_SUB } from "../cpu.js";
import {
  CS, DS, EAX, EBX, ECX, EDX, ES, ESP, FLAG_AC, FLAG_AF, FLAG_CF, FLAG_DF, FLAG_ID, FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_OF,
  FLAG_PF, FLAG_RF, FLAG_SF, FLAG_TF, FLAG_VM, FLAG_ZF, FS, GS, SS,
} from "../core/registers.js";
import { loadSegment } from "../core/segmentation.js";
import { vmxPause } from "../vmx/intercepts.js";
import { v86LoadVirtualFlags, v86PushFlags, v86VirtualFlagLoad } from "../core/virtual-interrupts.js";
import type { Handler } from "./table.js";

/** Loads a segment register from an instruction (MOV Sreg, POP Sreg, LxS). SS starts the interrupt shadow. */
export function loadSreg(cpu: Cpu, s: number, selector: number): void {
  loadSegment(cpu, s, selector);
  if (s === SS) cpu.setShadow(2);
}

function movSregFromRm(cpu: Cpu): void {
  cpu.decodeModrm();
  const s = cpu.modrmReg;
  // CS cannot be loaded by MOV; 6 and 7 are not segment registers.
  if (s === CS || s > GS) cpu.ud();
  loadSreg(cpu, s, cpu.readRm16());
}

function movRmFromSreg(cpu: Cpu): void {
  cpu.decodeModrm();
  const s = cpu.modrmReg;
  if (s > GS) cpu.ud();
  // A register destination with 32-bit operand size gets the selector zero-extended.
  if (cpu.modrm >= 0xc0 && cpu.o32) cpu.reg[cpu.modrm & 7] = cpu.segSel[s]!;
  else cpu.writeRm16(cpu.segSel[s]!);
}

/** moffs forms A0-A3: the offset has the address size and DS unless overridden. */
function moffs(cpu: Cpu): number {
  cpu.eaSeg = cpu.segOverride >= 0 ? cpu.segOverride : DS;
  return cpu.a32 ? cpu.fetch32() : cpu.fetch16();
}

function popSreg(cpu: Cpu, s: number): void {
  const v = cpu.o32 ? cpu.peekStack(0, 4) & 0xffff : cpu.peekStack(0, 2);
  loadSreg(cpu, s, v);
  cpu.adjustSp(cpu.o32 ? 4 : 2);
}

function pushSreg(cpu: Cpu, s: number): void {
  // A 32-bit push of a segment register writes 4 bytes with the selector in the low word.
  if (cpu.o32) cpu.push32(cpu.segSel[s]!);
  else cpu.push16(cpu.segSel[s]!);
}

/**
 * PUSHF: V86 mode at IOPL < 3 faults, unless CR4.VME virtualises a 16-bit PUSHF (IF from VIF, IOPL 3)
 * (SDM vol. 2B PUSHF); VM and RF are pushed as 0.
 */
function pushf(cpu: Cpu): void {
  const f = cpu.v86 ? v86PushFlags(cpu, cpu.o32) : cpu.getFlags();
  if (cpu.o32) cpu.push32(f & ~(FLAG_VM | FLAG_RF));
  else cpu.push16(f);
}

/** POPF with the privilege rules of SDM vol. 2B POPF: IOPL only at CPL 0, IF only at CPL <= IOPL; VME in V86 mode. */
export function popf(cpu: Cpu): void {
  const old = cpu.getFlags();
  const iopl = (old & FLAG_IOPL) >>> 12;
  if (cpu.v86 && v86VirtualFlagLoad(cpu, cpu.o32)) {
    v86LoadVirtualFlags(cpu, cpu.peekStack(0, 2));
    cpu.adjustSp(2);
    return;
  }
  const v = cpu.o32 ? cpu.pop32() : cpu.pop16();
  let mask = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_TF | FLAG_DF | FLAG_OF | FLAG_NT;
  if (cpu.o32) mask |= FLAG_AC | FLAG_ID;
  if (!cpu.protectedMode) mask |= FLAG_IF | FLAG_IOPL;
  else if (cpu.v86) mask |= FLAG_IF;
  else if (cpu.cpl === 0) mask |= FLAG_IF | FLAG_IOPL;
  else if (cpu.cpl <= iopl) mask |= FLAG_IF;
  let nf = (old & ~mask) | (v & mask);
  if (cpu.o32) nf &= ~FLAG_RF;
  cpu.setFlags(nf);
}

function xchgRm(cpu: Cpu): void {
  cpu.decodeModrm();
  const reg = cpu.modrmReg;
  if (cpu.o32) {
    cpu.checkRmWritable(4);
    const a = cpu.readRm32();
    cpu.writeRm32(cpu.reg[reg]!);
    cpu.reg[reg] = a;
  } else {
    cpu.checkRmWritable(2);
    const a = cpu.readRm16();
    cpu.writeRm16(cpu.reg[reg]!);
    cpu.setReg16(reg, a);
  }
}

/** LDS/LES/LSS/LFS/LGS: a far pointer from memory (register operands are #UD). */
function loadFarPointer(cpu: Cpu, s: number): void {
  cpu.decodeModrm();
  if (cpu.modrm >= 0xc0) cpu.ud();
  const off = cpu.o32 ? cpu.rd32(cpu.eaSeg, cpu.eaOff) : cpu.rd16(cpu.eaSeg, cpu.eaOff);
  const sel = cpu.rd16(cpu.eaSeg, (cpu.eaOff + (cpu.o32 ? 4 : 2)) | 0);
  loadSreg(cpu, s, sel);
  if (cpu.o32) cpu.reg[cpu.modrmReg] = off;
  else cpu.setReg16(cpu.modrmReg, off);
}

export function installData(t: Handler[], t0f: Handler[]): void {
  t[0x88] = (cpu) => {
    cpu.decodeModrm();
    cpu.writeRm8(cpu.getReg8(cpu.modrmReg));
  };
  t[0x89] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.o32) cpu.writeRm32(cpu.reg[cpu.modrmReg]!);
    else cpu.writeRm16(cpu.reg[cpu.modrmReg]!);
  };
  t[0x8a] = (cpu) => {
    cpu.decodeModrm();
    cpu.setReg8(cpu.modrmReg, cpu.readRm8());
  };
  t[0x8b] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.o32) cpu.reg[cpu.modrmReg] = cpu.readRm32();
    else cpu.setReg16(cpu.modrmReg, cpu.readRm16());
  };
  t[0x8c] = movRmFromSreg;
  t[0x8e] = movSregFromRm;
  t[0x8d] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.modrm >= 0xc0) cpu.ud();
    if (cpu.o32) cpu.reg[cpu.modrmReg] = cpu.eaOff;
    else cpu.setReg16(cpu.modrmReg, cpu.eaOff);
  };
  t[0xa0] = (cpu) => {
    const off = moffs(cpu);
    cpu.setReg8(EAX, cpu.rd8(cpu.eaSeg, off));
  };
  t[0xa1] = (cpu) => {
    const off = moffs(cpu);
    if (cpu.o32) cpu.reg[EAX] = cpu.rd32(cpu.eaSeg, off);
    else cpu.setReg16(EAX, cpu.rd16(cpu.eaSeg, off));
  };
  t[0xa2] = (cpu) => {
    const off = moffs(cpu);
    cpu.wr8(cpu.eaSeg, off, cpu.reg[EAX]!);
  };
  t[0xa3] = (cpu) => {
    const off = moffs(cpu);
    if (cpu.o32) cpu.wr32(cpu.eaSeg, off, cpu.reg[EAX]!);
    else cpu.wr16(cpu.eaSeg, off, cpu.reg[EAX]!);
  };
  for (let r = 0; r < 8; r++) {
    t[0xb0 + r] = (cpu) => cpu.setReg8(r, cpu.fetch8());
    t[0xb8 + r] = (cpu) => {
      if (cpu.o32) cpu.reg[r] = cpu.fetch32();
      else cpu.setReg16(r, cpu.fetch16());
    };
    t[0x50 + r] = (cpu) => {
      // PUSH eSP pushes the value before the push (SDM vol. 2B PUSH).
      cpu.pushV(cpu.reg[r]!);
    };
    t[0x58 + r] = (cpu) => {
      const v = cpu.popV();
      if (cpu.o32) cpu.reg[r] = v;
      else cpu.setReg16(r, v);
    };
    if (r > 0) {
      t[0x90 + r] = (cpu) => {
        if (cpu.o32) {
          const a = cpu.reg[EAX]!;
          cpu.reg[EAX] = cpu.reg[r]!;
          cpu.reg[r] = a;
        } else {
          const a = cpu.reg[EAX]! & 0xffff;
          cpu.setReg16(EAX, cpu.reg[r]!);
          cpu.setReg16(r, a);
        }
      };
    }
  }
  // 90: NOP, or PAUSE with F3 (SDM vol. 2B PAUSE; a VM exit with "PAUSE exiting").
  t[0x90] = (cpu) => {
    if (cpu.rep === 1 && cpu.nonRoot) vmxPause(cpu);
  };
  t[0xc6] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.modrmReg !== 0) cpu.ud();
    cpu.writeRm8(cpu.fetch8());
  };
  t[0xc7] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.modrmReg !== 0) cpu.ud();
    if (cpu.o32) cpu.writeRm32(cpu.fetch32());
    else cpu.writeRm16(cpu.fetch16());
  };
  t[0x86] = (cpu) => {
    cpu.decodeModrm();
    cpu.checkRmWritable(1);
    const reg = cpu.modrmReg;
    const a = cpu.readRm8();
    cpu.writeRm8(cpu.getReg8(reg));
    cpu.setReg8(reg, a);
  };
  t[0x87] = xchgRm;
  t[0x68] = (cpu) => cpu.pushV(cpu.fetchImm());
  t[0x6a] = (cpu) => cpu.pushV((cpu.fetch8() << 24) >> 24);
  t[0x8f] = (cpu) => {
    // POP r/m: the address is computed after ESP is incremented (SDM vol. 2B POP).
    const size = cpu.o32 ? 4 : 2;
    const v = cpu.peekStack(0, size);
    const oldEsp = cpu.reg[ESP]!;
    cpu.adjustSp(size);
    try {
      cpu.decodeModrm();
      if (cpu.modrmReg !== 0) cpu.ud();
      if (cpu.o32) cpu.writeRm32(v);
      else cpu.writeRm16(v);
    } catch (e) {
      cpu.reg[ESP] = oldEsp;
      throw e;
    }
  };
  t[0x06] = (cpu) => pushSreg(cpu, ES);
  t[0x07] = (cpu) => popSreg(cpu, ES);
  t[0x0e] = (cpu) => pushSreg(cpu, CS);
  t[0x16] = (cpu) => pushSreg(cpu, SS);
  t[0x17] = (cpu) => popSreg(cpu, SS);
  t[0x1e] = (cpu) => pushSreg(cpu, DS);
  t[0x1f] = (cpu) => popSreg(cpu, DS);
  t0f[0xa0] = (cpu) => pushSreg(cpu, FS);
  t0f[0xa1] = (cpu) => popSreg(cpu, FS);
  t0f[0xa8] = (cpu) => pushSreg(cpu, GS);
  t0f[0xa9] = (cpu) => popSreg(cpu, GS);
  // PUSHA/POPA (SDM vol. 2B): POPA skips the stored eSP.
  t[0x60] = (cpu) => {
    const size = cpu.o32 ? 4 : 2;
    const sp = cpu.stackSize32 ? (cpu.reg[ESP]! - 8 * size) | 0 : (cpu.reg[ESP]! - 8 * size) & 0xffff;
    cpu.segAddr(SS, sp, 8 * size, true);
    const oldSp = cpu.reg[ESP]!;
    for (let r = 0; r < 8; r++) cpu.pushV(r === ESP ? oldSp : cpu.reg[r]!);
  };
  t[0x61] = (cpu) => {
    const size = cpu.o32 ? 4 : 2;
    const vals = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 8; i++) vals[7 - i] = cpu.peekStack(i * size, size);
    for (let r = 0; r < 8; r++) {
      if (r === ESP) continue;
      if (cpu.o32) cpu.reg[r] = vals[r]!;
      else cpu.setReg16(r, vals[r]!);
    }
    cpu.adjustSp(8 * size);
  };
  t[0x9c] = pushf;
  t[0x9d] = popf;
  t[0x9e] = (cpu) => {
    // SAHF: SF ZF AF PF CF from AH.
    const ah = (cpu.reg[EAX]! >> 8) & 0xff;
    const f = cpu.getFlags();
    const m = FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF;
    cpu.flagsRaw = (f & ~m) | (ah & m);
  };
  t[0x9f] = (cpu) => cpu.setReg8(4, (cpu.getFlags() & 0xd5) | 2);
  t[0xd6] = (cpu) => cpu.setReg8(EAX, cpu.getCf() ? 0xff : 0); // SALC
  t[0xd7] = (cpu) => {
    const s = cpu.segOverride >= 0 ? cpu.segOverride : DS;
    const off = cpu.a32 ? (cpu.reg[EBX]! + (cpu.reg[EAX]! & 0xff)) | 0 : (cpu.reg[EBX]! + (cpu.reg[EAX]! & 0xff)) & 0xffff;
    cpu.setReg8(EAX, cpu.rd8(s, off));
  };
  t[0xc4] = (cpu) => loadFarPointer(cpu, ES);
  t[0xc5] = (cpu) => loadFarPointer(cpu, DS);
  t0f[0xb2] = (cpu) => loadFarPointer(cpu, SS);
  t0f[0xb4] = (cpu) => loadFarPointer(cpu, FS);
  t0f[0xb5] = (cpu) => loadFarPointer(cpu, GS);
  t0f[0xb6] = (cpu) => {
    cpu.decodeModrm();
    const v = cpu.readRm8();
    if (cpu.o32) cpu.reg[cpu.modrmReg] = v;
    else cpu.setReg16(cpu.modrmReg, v);
  };
  t0f[0xb7] = (cpu) => {
    cpu.decodeModrm();
    const v = cpu.readRm16();
    if (cpu.o32) cpu.reg[cpu.modrmReg] = v;
    else cpu.setReg16(cpu.modrmReg, v);
  };
  t0f[0xbe] = (cpu) => {
    cpu.decodeModrm();
    const v = (cpu.readRm8() << 24) >> 24;
    if (cpu.o32) cpu.reg[cpu.modrmReg] = v;
    else cpu.setReg16(cpu.modrmReg, v);
  };
  t0f[0xbf] = (cpu) => {
    cpu.decodeModrm();
    const v = (cpu.readRm16() << 16) >> 16;
    if (cpu.o32) cpu.reg[cpu.modrmReg] = v;
    else cpu.setReg16(cpu.modrmReg, v);
  };
  for (let r = 0; r < 8; r++) {
    // BSWAP r32; with a 16-bit operand the result is undefined (hardware clears the register's low word).
    t0f[0xc8 + r] = (cpu) => {
      const v = cpu.reg[r]!;
      if (cpu.o32) cpu.reg[r] = ((v >>> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) | 0;
      else cpu.setReg16(r, 0);
    };
  }
  for (let cc = 0; cc < 16; cc++) {
    // CMOVcc always reads its source (and may fault) even when the condition is false; a 32-bit
    // destination register is written (zero-extended) only when the condition holds.
    t0f[0x40 + cc] = (cpu) => {
      cpu.decodeModrm();
      const v = cpu.readRmV();
      if (cpu.condition(cc)) {
        if (cpu.o32) cpu.reg[cpu.modrmReg] = v;
        else cpu.setReg16(cpu.modrmReg, v);
      }
    };
    t0f[0x90 + cc] = (cpu) => {
      cpu.decodeModrm();
      cpu.writeRm8(cpu.condition(cc) ? 1 : 0);
    };
  }
  // XADD (SDM vol. 2B): TEMP = SRC + DEST; SRC = DEST; DEST = TEMP.
  t0f[0xc0] = (cpu) => {
    cpu.decodeModrm();
    cpu.checkRmWritable(1);
    const reg = cpu.modrmReg;
    const d = cpu.readRm8(), s = cpu.getReg8(reg);
    const r = d + s;
    cpu.setLazy(0, d, s, r, 8);
    cpu.setReg8(reg, d);
    cpu.writeRm8(r);
  };
  t0f[0xc1] = (cpu) => {
    cpu.decodeModrm();
    const reg = cpu.modrmReg;
    if (cpu.o32) {
      cpu.checkRmWritable(4);
      const d = cpu.readRm32(), s = cpu.reg[reg]!;
      const r = (d + s) | 0;
      cpu.setLazy(0, d, s, r, 32);
      cpu.reg[reg] = d;
      cpu.writeRm32(r);
    } else {
      cpu.checkRmWritable(2);
      const d = cpu.readRm16(), s = cpu.reg[reg]! & 0xffff;
      const r = d + s;
      cpu.setLazy(0, d, s, r, 16);
      cpu.setReg16(reg, d);
      cpu.writeRm16(r);
    }
  };
  // CMPXCHG (SDM vol. 2A): the destination is always written (with its own value when unequal).
  t0f[0xb0] = (cpu) => {
    cpu.decodeModrm();
    cpu.checkRmWritable(1);
    const d = cpu.readRm8(), a = cpu.reg[EAX]! & 0xff;
    cpu.setLazy(LZ_SUB, a, d, a - d, 8);
    if (a === d) cpu.writeRm8(cpu.getReg8(cpu.modrmReg));
    else {
      cpu.writeRm8(d);
      cpu.setReg8(EAX, d);
    }
  };
  t0f[0xb1] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.o32) {
      cpu.checkRmWritable(4);
      const d = cpu.readRm32(), a = cpu.reg[EAX]!;
      cpu.setLazy(LZ_SUB, a, d, (a - d) | 0, 32);
      if (a === d) cpu.writeRm32(cpu.reg[cpu.modrmReg]!);
      else {
        cpu.writeRm32(d);
        cpu.reg[EAX] = d;
      }
    } else {
      cpu.checkRmWritable(2);
      const d = cpu.readRm16(), a = cpu.reg[EAX]! & 0xffff;
      cpu.setLazy(LZ_SUB, a, d, a - d, 16);
      if (a === d) cpu.writeRm16(cpu.reg[cpu.modrmReg]!);
      else {
        cpu.writeRm16(d);
        cpu.setReg16(EAX, d);
      }
    }
  };
  // 0F C7 /1: CMPXCHG8B m64 (register operand #UD).
  t0f[0xc7] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.modrmReg !== 1 || cpu.modrm >= 0xc0) cpu.ud();
    // A read-modify-write of a quadword: segment checks for writing first, then alignment (a multiple
    // of 8, SDM vol. 3A table 6-7), then the reads.
    cpu.checkAlignment(cpu.segAddr(cpu.eaSeg, cpu.eaOff, 8, true), 8);
    const lo = cpu.rd32(cpu.eaSeg, cpu.eaOff);
    const hi = cpu.rd32(cpu.eaSeg, (cpu.eaOff + 4) | 0);
    const equal = lo === cpu.reg[EAX] && hi === cpu.reg[EDX];
    if (equal) {
      cpu.wr32(cpu.eaSeg, cpu.eaOff, cpu.reg[EBX]!);
      cpu.wr32(cpu.eaSeg, (cpu.eaOff + 4) | 0, cpu.reg[ECX]!);
    } else {
      cpu.wr32(cpu.eaSeg, cpu.eaOff, lo);
      cpu.wr32(cpu.eaSeg, (cpu.eaOff + 4) | 0, hi);
      cpu.reg[EAX] = lo;
      cpu.reg[EDX] = hi;
    }
    cpu.setStatusFlag(FLAG_ZF, equal);
  };
}
