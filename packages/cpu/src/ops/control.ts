/**
 * Control transfer and flag control (SDM vol. 2: Jcc, JMP, CALL, RET, IRET, INT n/INT3/INTO/INT1,
 * LOOP/LOOPcc/JCXZ, ENTER, LEAVE, HLT, CLI, STI, CLD, STD).
 */
import type { Cpu } from "../cpu.js";
import { LZ_DEC, LZ_INC } from "../cpu.js";
import { EXC_BP, EXC_DB, EXC_GP, EXC_OF } from "../core/exceptions.js";
import { EVENT_PRIV_SOFT_EXCEPTION, EVENT_SOFT_EXCEPTION, EVENT_SOFT_INT, softwareInterrupt } from "../core/interrupts.js";
import { CS, EBP, ECX, ESP, FLAG_DF, SS } from "../core/registers.js";
import { vmxHlt } from "../vmx/intercepts.js";
import { cli, sti, v86RedirectInterrupt } from "../core/virtual-interrupts.js";
import { callFar, interruptReturn, jumpFar, returnFar } from "./far-transfer.js";
import type { Handler } from "./table.js";

function jcc(cpu: Cpu, cc: number, disp: number): void {
  if (cpu.condition(cc)) cpu.jumpNear(cpu.eip + disp);
}

/** The count register of LOOP/JCXZ follows the address size (CX or ECX). */
function loopOp(cpu: Cpu, kind: number): void {
  const disp = (cpu.fetch8() << 24) >> 24;
  let count: number;
  if (kind === 3) {
    count = cpu.a32 ? cpu.reg[ECX]! : cpu.reg[ECX]! & 0xffff;
    if (count === 0) cpu.jumpNear(cpu.eip + disp);
    return;
  }
  if (cpu.a32) {
    count = (cpu.reg[ECX]! - 1) | 0;
    cpu.reg[ECX] = count;
  } else {
    count = (cpu.reg[ECX]! - 1) & 0xffff;
    cpu.setReg16(ECX, count);
  }
  // E0 LOOPNE, E1 LOOPE, E2 LOOP.
  const take = count !== 0 && (kind === 2 || (kind === 1 ? cpu.getZf() : !cpu.getZf()));
  if (take) cpu.jumpNear(cpu.eip + disp);
}

function enter(cpu: Cpu): void {
  const size = cpu.fetch16();
  const level = cpu.fetch8() & 0x1f;
  const w = cpu.o32 ? 4 : 2;
  const s32 = cpu.stackSize32;
  const bp = cpu.reg[EBP]!;
  // Probe the whole frame first so a #SS leaves no partial state (SDM vol. 2A ENTER).
  const frameBytes = w * (level + 1) + size;
  const low = s32 ? (cpu.reg[ESP]! - frameBytes) | 0 : (cpu.reg[ESP]! - frameBytes) & 0xffff;
  if (frameBytes > 0) cpu.segAddr(SS, low, Math.min(frameBytes, w * (level + 1)), true);
  cpu.pushV(bp);
  const frameTemp = s32 ? cpu.reg[ESP]! : cpu.reg[ESP]! & 0xffff;
  if (level > 0) {
    let p = s32 ? bp : bp & 0xffff;
    for (let i = 1; i < level; i++) {
      p = s32 ? (p - w) | 0 : (p - w) & 0xffff;
      cpu.pushV(w === 4 ? cpu.rd32(SS, p) : cpu.rd16(SS, p));
    }
    cpu.pushV(frameTemp);
  }
  if (cpu.o32) cpu.reg[EBP] = frameTemp;
  else cpu.setReg16(EBP, frameTemp);
  cpu.adjustSp(-size);
}

function leave(cpu: Cpu): void {
  if (cpu.stackSize32) cpu.reg[ESP] = cpu.reg[EBP]!;
  else cpu.setReg16(ESP, cpu.reg[EBP]!);
  const v = cpu.popV();
  if (cpu.o32) cpu.reg[EBP] = v;
  else cpu.setReg16(EBP, v);
}

function intN(cpu: Cpu, vector: number): void {
  // In V86 mode INT n may be redirected to the task's own IVT (VME), or is IOPL-sensitive (SDM vol. 3A §20.3.3).
  if (cpu.v86 && v86RedirectInterrupt(cpu, vector)) return;
  softwareInterrupt(cpu, vector, EVENT_SOFT_INT);
}

/** FF group: INC, DEC, CALL near, CALL far, JMP near, JMP far, PUSH. */
function groupFF(cpu: Cpu): void {
  cpu.decodeModrm();
  const op = cpu.modrmReg;
  switch (op) {
    case 0:
    case 1: {
      const size = cpu.o32 ? 4 : 2;
      cpu.checkRmWritable(size);
      const a = cpu.readRmV();
      const r = op === 0 ? a + 1 : a - 1;
      cpu.writeRmV(r);
      cpu.setLazyKeepCf(op === 0 ? LZ_INC : LZ_DEC, a, r, size * 8);
      return;
    }
    case 2: {
      const target = cpu.readRmV();
      const ret = cpu.eip;
      const t = cpu.o32 ? target : target & 0xffff;
      if ((t >>> 0) > cpu.segHi[CS]!) cpu.gp0();
      cpu.pushV(ret);
      cpu.eip = t;
      return;
    }
    case 3:
    case 5: {
      if (cpu.modrm >= 0xc0) cpu.ud();
      const off = cpu.o32 ? cpu.rd32(cpu.eaSeg, cpu.eaOff) : cpu.rd16(cpu.eaSeg, cpu.eaOff);
      const sel = cpu.rd16(cpu.eaSeg, (cpu.eaOff + (cpu.o32 ? 4 : 2)) | 0);
      if (op === 3) callFar(cpu, sel, off);
      else jumpFar(cpu, sel, off);
      return;
    }
    case 4:
      cpu.jumpNear(cpu.readRmV());
      return;
    case 6:
      cpu.pushV(cpu.readRmV());
      return;
    default:
      cpu.ud();
  }
}

export function installControl(t: Handler[], t0f: Handler[]): void {
  for (let cc = 0; cc < 16; cc++) {
    t[0x70 + cc] = (cpu) => jcc(cpu, cc, (cpu.fetch8() << 24) >> 24);
    t0f[0x80 + cc] = (cpu) => jcc(cpu, cc, cpu.o32 ? cpu.fetch32() : (cpu.fetch16() << 16) >> 16);
  }
  t[0xeb] = (cpu) => {
    const d = (cpu.fetch8() << 24) >> 24;
    cpu.jumpNear(cpu.eip + d);
  };
  t[0xe9] = (cpu) => {
    const d = cpu.o32 ? cpu.fetch32() : cpu.fetch16();
    cpu.jumpNear(cpu.eip + d);
  };
  t[0xe8] = (cpu) => {
    const d = cpu.o32 ? cpu.fetch32() : cpu.fetch16();
    const ret = cpu.eip;
    const target = cpu.o32 ? (ret + d) | 0 : (ret + d) & 0xffff;
    if ((target >>> 0) > cpu.segHi[CS]!) cpu.gp0();
    cpu.pushV(ret);
    cpu.eip = target;
  };
  t[0xc3] = (cpu) => {
    const size = cpu.o32 ? 4 : 2;
    const target = cpu.peekStack(0, size);
    cpu.jumpNear(target);
    cpu.adjustSp(size);
  };
  t[0xc2] = (cpu) => {
    const release = cpu.fetch16();
    const size = cpu.o32 ? 4 : 2;
    const target = cpu.peekStack(0, size);
    cpu.jumpNear(target);
    cpu.adjustSp(size + release);
  };
  t[0xea] = (cpu) => {
    const off = cpu.o32 ? cpu.fetch32() : cpu.fetch16();
    const sel = cpu.fetch16();
    jumpFar(cpu, sel, off);
  };
  t[0x9a] = (cpu) => {
    const off = cpu.o32 ? cpu.fetch32() : cpu.fetch16();
    const sel = cpu.fetch16();
    callFar(cpu, sel, off);
  };
  t[0xcb] = (cpu) => returnFar(cpu, 0);
  t[0xca] = (cpu) => returnFar(cpu, cpu.fetch16());
  t[0xcf] = interruptReturn;
  t[0xcc] = (cpu) => softwareInterrupt(cpu, EXC_BP, EVENT_SOFT_EXCEPTION);
  t[0xcd] = (cpu) => intN(cpu, cpu.fetch8());
  t[0xce] = (cpu) => {
    if (cpu.getOf()) softwareInterrupt(cpu, EXC_OF, EVENT_SOFT_EXCEPTION);
  };
  t[0xf1] = (cpu) => softwareInterrupt(cpu, EXC_DB, EVENT_PRIV_SOFT_EXCEPTION);
  t[0xe0] = (cpu) => loopOp(cpu, 0);
  t[0xe1] = (cpu) => loopOp(cpu, 1);
  t[0xe2] = (cpu) => loopOp(cpu, 2);
  t[0xe3] = (cpu) => loopOp(cpu, 3);
  t[0xc8] = enter;
  t[0xc9] = leave;
  t[0xff] = groupFF;
  t[0xf4] = (cpu) => {
    if (cpu.protectedMode && cpu.cpl !== 0) cpu.raise(EXC_GP, 0);
    if (cpu.nonRoot && vmxHlt(cpu)) return;
    cpu.halted = true;
  };
  // CLI/STI are IOPL-sensitive in protected and V86 mode; VME and PVI make them work on VIF.
  t[0xfa] = cli;
  t[0xfb] = (cpu) => {
    // STI inhibits interrupts until after the next instruction, only when IF was clear (SDM vol. 2B STI).
    if (sti(cpu)) cpu.setShadow(1);
  };
  t[0xfc] = (cpu) => cpu.setStatusFlag(FLAG_DF, false);
  t[0xfd] = (cpu) => cpu.setStatusFlag(FLAG_DF, true);
}
