/**
 * Far control transfers across segments and privilege levels: JMP/CALL far (direct, through call gates),
 * RET far and IRET, in real, V86 and protected mode (SDM vol. 2A CALL, JMP; vol. 2B RET, IRET;
 * vol. 3A §5.8 "Privilege level checking when transferring program control between code segments").
 */
import type { Cpu } from "../cpu.js";
import { EXC_GP, EXC_NP, EXC_SS } from "../core/exceptions.js";
import {
  AR_UNUSABLE, CS, DS, ES, ESP, FLAG_AC, FLAG_AF, FLAG_CF, FLAG_DF, FLAG_ID, FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_OF,
  FLAG_PF, FLAG_RF, FLAG_SF, FLAG_TF, FLAG_VIF, FLAG_VIP, FLAG_VM, FLAG_ZF, FS, GS, SS,
} from "../core/registers.js";
import {
  checkCodeTarget, checkInnerStack, commitCodeSegment, commitSegment, descriptorBase, descriptorLimit, fetchDescriptor,
  loadNullSegment, markAccessed, tssStack, tssStackSelector,
} from "../core/segmentation.js";
import { farTransferToTask, taskReturn, TASK_FROM_CALL, TASK_FROM_JUMP } from "../core/task-switch.js";
import { v86LoadVirtualFlags, v86VirtualFlagLoad } from "../core/virtual-interrupts.js";
import { iretUnblocksNmi } from "../vmx/vmx-events.js";

const DATA_SEGMENTS = [ES, DS, FS, GS] as const;
const CALL_GATE_16 = 0x4;
const CALL_GATE_32 = 0xc;

function checkOffset(cpu: Cpu, offset: number): void {
  if ((offset >>> 0) > (descriptorLimit(cpu.descLo, cpu.descHi) >>> 0)) cpu.raise(EXC_GP, 0);
}

/** JMP ptr16:16/32 or m16:16/32. */
export function jumpFar(cpu: Cpu, selector: number, offset: number): void {
  if (cpu.realAddressing) {
    cpu.loadRealSegment(CS, selector);
    cpu.eip = cpu.o32 ? offset : offset & 0xffff;
    cpu.resetFetch();
    return;
  }
  if ((selector & 0xfffc) === 0) cpu.raise(EXC_GP, 0);
  fetchDescriptor(cpu, selector);
  const hi = cpu.descHi;
  if (hi & (1 << 12)) {
    checkCodeTarget(cpu, selector);
    checkOffset(cpu, offset);
    commitCodeSegment(cpu, selector, cpu.cpl);
    cpu.eip = offset;
    cpu.resetFetch();
    return;
  }
  const type = (hi >>> 8) & 0xf;
  if (type === CALL_GATE_16 || type === CALL_GATE_32) {
    const gate = gateTarget(cpu, selector);
    fetchDescriptor(cpu, gate.selector);
    const chi = cpu.descHi;
    const dpl = (chi >>> 13) & 3;
    const ctype = (chi >>> 8) & 0xf;
    if ((chi & (1 << 12)) === 0 || (ctype & 8) === 0) cpu.raise(EXC_GP, gate.selector & 0xfffc);
    // Through a call gate, JMP may not change privilege: conforming DPL <= CPL, non-conforming DPL = CPL.
    if (ctype & 4 ? dpl > cpu.cpl : dpl !== cpu.cpl) cpu.raise(EXC_GP, gate.selector & 0xfffc);
    if ((chi & (1 << 15)) === 0) cpu.raise(EXC_NP, gate.selector & 0xfffc);
    checkOffset(cpu, gate.offset);
    commitCodeSegment(cpu, gate.selector, cpu.cpl);
    cpu.eip = gate.offset;
    cpu.resetFetch();
    return;
  }
  // A TSS descriptor or a task gate: a task switch without nesting (anything else is #GP(selector)).
  farTransferToTask(cpu, selector, TASK_FROM_JUMP);
}

/** Validates a call gate (in cpu.descLo/descHi) and returns its target. */
function gateTarget(cpu: Cpu, selector: number): { selector: number; offset: number; params: number; size32: boolean } {
  const lo = cpu.descLo, hi = cpu.descHi;
  const dpl = (hi >>> 13) & 3;
  if (dpl < cpu.cpl || dpl < (selector & 3)) cpu.raise(EXC_GP, selector & 0xfffc);
  if ((hi & (1 << 15)) === 0) cpu.raise(EXC_NP, selector & 0xfffc);
  const size32 = ((hi >>> 8) & 0xf) === CALL_GATE_32;
  const target = lo >>> 16;
  if ((target & 0xfffc) === 0) cpu.raise(EXC_GP, 0);
  return {
    selector: target,
    offset: size32 ? ((lo & 0xffff) | (hi & 0xffff0000)) | 0 : lo & 0xffff,
    params: hi & 0x1f,
    size32,
  };
}

const gateParams = new Int32Array(32);

/** One word or dword of a call-gate frame on the new stack (supervisor write); returns the new SP/ESP. */
function pushGateFrame(cpu: Cpu, base: number, ss32: boolean, sp: number, size: number, v: number): number {
  const next = ss32 ? (sp - size) | 0 : (sp - size) & 0xffff;
  const lin = (base + next) | 0;
  if (size === 4) cpu.writeSys32(lin, v);
  else cpu.writeSys16(lin, v);
  return next;
}

/** CALL ptr16:16/32 or m16:16/32. */
export function callFar(cpu: Cpu, selector: number, offset: number): void {
  const retEip = cpu.eip;
  const retCs = cpu.segSel[CS]!;
  if (cpu.realAddressing) {
    // Probe the stack for both words before changing anything.
    const size = cpu.o32 ? 4 : 2;
    const sp = cpu.stackSize32 ? (cpu.reg[ESP]! - 2 * size) | 0 : (cpu.reg[ESP]! - 2 * size) & 0xffff;
    cpu.segAddr(SS, sp, 2 * size, true);
    cpu.pushV(retCs);
    cpu.pushV(retEip);
    cpu.loadRealSegment(CS, selector);
    cpu.eip = cpu.o32 ? offset : offset & 0xffff;
    cpu.resetFetch();
    return;
  }
  if ((selector & 0xfffc) === 0) cpu.raise(EXC_GP, 0);
  fetchDescriptor(cpu, selector);
  const hi = cpu.descHi;
  if (hi & (1 << 12)) {
    checkCodeTarget(cpu, selector);
    checkOffset(cpu, offset);
    const dlo = cpu.descLo, dhi = cpu.descHi;
    const size = cpu.o32 ? 4 : 2;
    const sp = cpu.stackSize32 ? (cpu.reg[ESP]! - 2 * size) | 0 : (cpu.reg[ESP]! - 2 * size) & 0xffff;
    cpu.segAddr(SS, sp, 2 * size, true);
    cpu.pushV(retCs);
    cpu.pushV(retEip);
    cpu.descLo = dlo;
    cpu.descHi = dhi;
    commitCodeSegment(cpu, selector, cpu.cpl);
    cpu.eip = offset;
    cpu.resetFetch();
    return;
  }
  const type = (hi >>> 8) & 0xf;
  if (type !== CALL_GATE_16 && type !== CALL_GATE_32) {
    // A TSS descriptor or a task gate: a nested task switch (the new task's back link is this task).
    farTransferToTask(cpu, selector, TASK_FROM_CALL);
    return;
  }
  const gate = gateTarget(cpu, selector);
  fetchDescriptor(cpu, gate.selector);
  const clo = cpu.descLo, chi = cpu.descHi;
  const dpl = (chi >>> 13) & 3;
  const ctype = (chi >>> 8) & 0xf;
  if ((chi & (1 << 12)) === 0 || (ctype & 8) === 0 || dpl > cpu.cpl) cpu.raise(EXC_GP, gate.selector & 0xfffc);
  if ((chi & (1 << 15)) === 0) cpu.raise(EXC_NP, gate.selector & 0xfffc);
  if ((gate.offset >>> 0) > (descriptorLimit(clo, chi) >>> 0)) cpu.raise(EXC_GP, 0);
  const size = gate.size32 ? 4 : 2;
  if ((ctype & 4) === 0 && dpl < cpu.cpl) {
    // More privileged: new stack from the TSS, copy `params` words/dwords, push old SS:ESP and CS:EIP.
    const esp = tssStack(cpu, dpl, 0);
    const ss = tssStackSelector();
    checkInnerStack(cpu, ss, dpl, 0);
    const ssLo = cpu.descLo, ssHi = cpu.descHi;
    const ss32 = (ssHi & (1 << 22)) !== 0;
    const ssBase = descriptorBase(ssLo, ssHi);
    const oldSs = cpu.segSel[SS]!, oldEsp = cpu.reg[ESP]!;
    // The parameters are read from the caller's stack before the new one is written (5 bits: at most 31).
    const count = gate.params;
    for (let i = 0; i < count; i++) gateParams[i] = cpu.peekStack((count - 1 - i) * size, size === 4 ? 4 : 2);
    let sp = esp;
    sp = pushGateFrame(cpu, ssBase, ss32, sp, size, oldSs);
    sp = pushGateFrame(cpu, ssBase, ss32, sp, size, oldEsp);
    for (let i = 0; i < count; i++) sp = pushGateFrame(cpu, ssBase, ss32, sp, size, gateParams[i]!);
    sp = pushGateFrame(cpu, ssBase, ss32, sp, size, retCs);
    sp = pushGateFrame(cpu, ssBase, ss32, sp, size, retEip);
    cpu.descLo = ssLo;
    cpu.descHi = ssHi;
    markAccessed(cpu, ss);
    cpu.cpl = dpl;
    commitSegment(cpu, SS, (ss & 0xfffc) | dpl);
    if (ss32) cpu.reg[ESP] = sp;
    else cpu.setReg16(ESP, sp);
    cpu.descLo = clo;
    cpu.descHi = chi;
    commitCodeSegment(cpu, gate.selector, dpl);
  } else {
    const sp = cpu.stackSize32 ? (cpu.reg[ESP]! - 2 * size) | 0 : (cpu.reg[ESP]! - 2 * size) & 0xffff;
    cpu.segAddr(SS, sp, 2 * size, true);
    if (size === 4) {
      cpu.push32(retCs);
      cpu.push32(retEip);
    } else {
      cpu.push16(retCs);
      cpu.push16(retEip);
    }
    cpu.descLo = clo;
    cpu.descHi = chi;
    commitCodeSegment(cpu, gate.selector, cpu.cpl);
  }
  cpu.eip = gate.offset;
  cpu.resetFetch();
}

/**
 * After a return to an outer privilege level, data segment registers that the new CPL may not use
 * (DPL < CPL, unless conforming code) become null (SDM vol. 2B RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL").
 */
function nullInaccessibleSegments(cpu: Cpu): void {
  for (const s of DATA_SEGMENTS) {
    const ar = cpu.segAr[s]!;
    if (ar & AR_UNUSABLE) continue;
    const dpl = (ar >>> 5) & 3;
    const conformingCode = (ar & 0xc) === 0xc;
    if (dpl < cpu.cpl && !conformingCode) loadNullSegment(cpu, s, 0);
  }
}

/** RET far [imm16]. */
export function returnFar(cpu: Cpu, release: number): void {
  const size = cpu.o32 ? 4 : 2;
  const eip = cpu.peekStack(0, size);
  const cs = cpu.peekStack(size, size) & 0xffff;
  if (cpu.realAddressing) {
    cpu.loadRealSegment(CS, cs);
    cpu.eip = cpu.o32 ? eip : eip & 0xffff;
    cpu.adjustSp(2 * size + release);
    cpu.resetFetch();
    return;
  }
  if ((cs & 0xfffc) === 0) cpu.raise(EXC_GP, 0);
  fetchDescriptor(cpu, cs);
  const hi = cpu.descHi;
  const rpl = cs & 3;
  const dpl = (hi >>> 13) & 3;
  const type = (hi >>> 8) & 0xf;
  if ((hi & (1 << 12)) === 0 || (type & 8) === 0 || rpl < cpu.cpl) cpu.raise(EXC_GP, cs & 0xfffc);
  if (type & 4 ? dpl > rpl : dpl !== rpl) cpu.raise(EXC_GP, cs & 0xfffc);
  if ((hi & (1 << 15)) === 0) cpu.raise(EXC_NP, cs & 0xfffc);
  checkOffset(cpu, eip);
  const clo = cpu.descLo, chi = cpu.descHi;
  if (rpl === cpu.cpl) {
    commitCodeSegment(cpu, cs, cpu.cpl);
    cpu.eip = eip;
    cpu.adjustSp(2 * size + release);
  } else {
    // Return to an outer level: the outer SS:ESP sits above the released parameters.
    const esp = cpu.peekStack(2 * size + release, size);
    const ss = cpu.peekStack(3 * size + release, size) & 0xffff;
    if ((ss & 0xfffc) === 0) cpu.raise(EXC_GP, 0);
    fetchDescriptor(cpu, ss);
    const shi = cpu.descHi;
    const stype = (shi >>> 8) & 0xf;
    if ((ss & 3) !== rpl || ((shi >>> 13) & 3) !== rpl || (shi & (1 << 12)) === 0 || (stype & 8) !== 0 || (stype & 2) === 0) {
      cpu.raise(EXC_GP, ss & 0xfffc);
    }
    if ((shi & (1 << 15)) === 0) cpu.raise(EXC_SS, ss & 0xfffc);
    const slo = cpu.descLo;
    cpu.descLo = clo;
    cpu.descHi = chi;
    commitCodeSegment(cpu, cs, rpl);
    cpu.descLo = slo;
    cpu.descHi = shi;
    markAccessed(cpu, ss);
    commitSegment(cpu, SS, ss);
    if (cpu.stackSize32) cpu.reg[ESP] = (esp + release) | 0;
    else cpu.setReg16(ESP, esp + release);
    cpu.eip = eip;
    nullInaccessibleSegments(cpu);
  }
  cpu.resetFetch();
}

const IRET_ALWAYS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_TF | FLAG_DF | FLAG_OF | FLAG_NT;

/** IRET / IRETD (SDM vol. 2A IRET). */
export function interruptReturn(cpu: Cpu): void {
  iretUnblocksNmi(cpu);
  const size = cpu.o32 ? 4 : 2;
  const old = cpu.getFlags();
  if (!cpu.protectedMode) {
    const eip = cpu.peekStack(0, size), cs = cpu.peekStack(size, size), fl = cpu.peekStack(2 * size, size);
    cpu.loadRealSegment(CS, cs);
    cpu.eip = cpu.o32 ? eip : eip & 0xffff;
    cpu.adjustSp(3 * size);
    const mask = IRET_ALWAYS | FLAG_IF | FLAG_IOPL | (cpu.o32 ? FLAG_AC | FLAG_ID | FLAG_RF : 0);
    cpu.setFlags((old & ~(cpu.o32 ? mask : mask & 0xffff)) | (fl & (cpu.o32 ? mask : mask & 0xffff)));
    cpu.resetFetch();
    return;
  }
  if (cpu.v86) {
    if (v86VirtualFlagLoad(cpu, cpu.o32)) {
      // VME at IOPL < 3: a 16-bit IRET loads VIF from the image's IF (SDM vol. 3A §20.3.1.2).
      const ip = cpu.peekStack(0, 2), cs = cpu.peekStack(2, 2), fl = cpu.peekStack(4, 2);
      v86LoadVirtualFlags(cpu, fl);
      cpu.loadRealSegment(CS, cs);
      cpu.eip = ip;
      cpu.adjustSp(6);
      cpu.resetFetch();
      return;
    }
    const eip = cpu.peekStack(0, size), cs = cpu.peekStack(size, size), fl = cpu.peekStack(2 * size, size);
    cpu.loadRealSegment(CS, cs);
    cpu.eip = cpu.o32 ? eip : eip & 0xffff;
    cpu.adjustSp(3 * size);
    // IOPL, VM, VIP, VIF stay (SDM IRET "RETURN-FROM-VIRTUAL-8086-MODE").
    const mask = (IRET_ALWAYS | FLAG_IF | (cpu.o32 ? FLAG_AC | FLAG_ID | FLAG_RF : 0)) & (cpu.o32 ? -1 : 0xffff);
    cpu.setFlags((old & ~mask) | (fl & mask));
    cpu.resetFetch();
    return;
  }
  if (old & FLAG_NT) {
    // Return from a nested task through the back link in the current TSS.
    taskReturn(cpu);
    return;
  }
  const eip = cpu.peekStack(0, size);
  const cs = cpu.peekStack(size, size) & 0xffff;
  const fl = cpu.peekStack(2 * size, size);
  if (cpu.o32 && fl & FLAG_VM && cpu.cpl === 0) {
    returnToV86(cpu, eip, cs, fl);
    return;
  }
  if ((cs & 0xfffc) === 0) cpu.raise(EXC_GP, 0);
  fetchDescriptor(cpu, cs);
  const hi = cpu.descHi;
  const rpl = cs & 3;
  const dpl = (hi >>> 13) & 3;
  const type = (hi >>> 8) & 0xf;
  if ((hi & (1 << 12)) === 0 || (type & 8) === 0 || rpl < cpu.cpl) cpu.raise(EXC_GP, cs & 0xfffc);
  if (type & 4 ? dpl > rpl : dpl !== rpl) cpu.raise(EXC_GP, cs & 0xfffc);
  if ((hi & (1 << 15)) === 0) cpu.raise(EXC_NP, cs & 0xfffc);
  checkOffset(cpu, eip);
  const clo = cpu.descLo, chi = cpu.descHi;
  const oldCpl = cpu.cpl;
  const iopl = (old & FLAG_IOPL) >>> 12;
  let mask = IRET_ALWAYS | (cpu.o32 ? FLAG_RF | FLAG_AC | FLAG_ID : 0);
  if (oldCpl <= iopl) mask |= FLAG_IF;
  if (oldCpl === 0) mask |= FLAG_IOPL | (cpu.o32 ? FLAG_VIP | FLAG_VIF : 0);
  if (!cpu.o32) mask &= 0xffff;
  const newFlags = (old & ~mask) | (fl & mask);
  if (rpl === cpu.cpl) {
    commitCodeSegment(cpu, cs, cpu.cpl);
    cpu.eip = eip;
    cpu.adjustSp(3 * size);
    cpu.setFlags(newFlags);
  } else {
    const esp = cpu.peekStack(3 * size, size);
    const ss = cpu.peekStack(4 * size, size) & 0xffff;
    if ((ss & 0xfffc) === 0) cpu.raise(EXC_GP, 0);
    fetchDescriptor(cpu, ss);
    const shi = cpu.descHi;
    const stype = (shi >>> 8) & 0xf;
    if ((ss & 3) !== rpl || ((shi >>> 13) & 3) !== rpl || (shi & (1 << 12)) === 0 || (stype & 8) !== 0 || (stype & 2) === 0) {
      cpu.raise(EXC_GP, ss & 0xfffc);
    }
    if ((shi & (1 << 15)) === 0) cpu.raise(EXC_SS, ss & 0xfffc);
    const slo = cpu.descLo;
    cpu.descLo = clo;
    cpu.descHi = chi;
    commitCodeSegment(cpu, cs, rpl);
    cpu.descLo = slo;
    cpu.descHi = shi;
    markAccessed(cpu, ss);
    commitSegment(cpu, SS, ss);
    if (cpu.stackSize32) cpu.reg[ESP] = esp;
    else cpu.setReg16(ESP, esp);
    cpu.eip = eip;
    cpu.setFlags(newFlags);
    nullInaccessibleSegments(cpu);
  }
  cpu.onModeChange();
  cpu.resetFetch();
}

/** IRETD at CPL 0 with VM set in the popped EFLAGS: back to virtual-8086 mode (SDM IRET "RETURN-TO-VIRTUAL-8086-MODE"). */
function returnToV86(cpu: Cpu, eip: number, cs: number, fl: number): void {
  const esp = cpu.peekStack(12, 4);
  const ss = cpu.peekStack(16, 4) & 0xffff;
  const es = cpu.peekStack(20, 4) & 0xffff;
  const ds = cpu.peekStack(24, 4) & 0xffff;
  const fs = cpu.peekStack(28, 4) & 0xffff;
  const gs = cpu.peekStack(32, 4) & 0xffff;
  cpu.setFlags(fl | FLAG_VM);
  cpu.cpl = 3;
  cpu.loadRealSegment(CS, cs);
  cpu.loadRealSegment(SS, ss);
  cpu.loadRealSegment(ES, es);
  cpu.loadRealSegment(DS, ds);
  cpu.loadRealSegment(FS, fs);
  cpu.loadRealSegment(GS, gs);
  cpu.reg[ESP] = esp;
  cpu.eip = eip & 0xffff;
  cpu.onModeChange();
  cpu.resetFetch();
}

