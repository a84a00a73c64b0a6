/**
 * Hardware task switching (SDM vol. 3A chapter 7): JMP/CALL to a TSS descriptor or a task gate, INT n /
 * exceptions / interrupts through an IDT task gate, and IRET with EFLAGS.NT back to the previous task.
 *
 * The switch saves the current state in the old TSS, marks busy bits and the back link, loads the
 * new state from the new TSS, then checks the new segment registers. Faults found before the commit
 * point (§7.3 steps 1-8) belong to the old task; faults after it are delivered in the new task's
 * context, with its EIP (SDM vol. 3A §7.3, table 7-1).
 */
import type { Cpu } from "../cpu.js";
import { EXC_GP, EXC_NP, EXC_SS, EXC_TS } from "./exceptions.js";
import { DR6_BT } from "./debug.js";
import {
  AR_UNUSABLE, CR0_PG, CR0_TS, CR4_PAE, CS, DS, ES, FLAG_NT, FLAG_VM, FS, GS, LDTR, SEG_TYPE_CODE,
  SEG_TYPE_EXPDOWN_CONFORMING, SEG_TYPE_RW, SS, TR,
} from "./registers.js";
import { commitSegment, descriptorBase, descriptorLimit, fetchDescriptor, loadNullSegment, markAccessed } from "./segmentation.js";
import { loadPdptes } from "../mmu/paging.js";
import { vmExit } from "../vmx/vm-exit.js";
import { EXIT_REASON_TASK_SWITCH } from "../vmx/exit-reasons.js";
import { VM_EXIT } from "./exceptions.js";

/** What starts a task switch, numbered as the VMX exit qualification's "source" (SDM vol. 3C table 27-2). */
export const TASK_FROM_CALL = 0;
export const TASK_FROM_IRET = 1;
export const TASK_FROM_JUMP = 2;
export const TASK_FROM_INT = 3;

/** System descriptor types (SDM vol. 3A table 3-2). */
export const TSS16_AVAILABLE = 0x1;
export const TSS16_BUSY = 0x3;
export const TASK_GATE = 0x5;
export const TSS32_AVAILABLE = 0x9;
export const TSS32_BUSY = 0xb;
const TYPE_BUSY_BIT = 0x2;

/** Smallest limits a TSS may have: the dynamic fields must fit (SDM vol. 3A §7.2.2, §7.6). */
const TSS32_MIN_LIMIT = 0x67;
const TSS16_MIN_LIMIT = 0x2b;

const DESC_S = 1 << 12;
const DESC_P = 1 << 15;

/**
 * JMP or CALL whose far pointer selects a system descriptor that is a TSS or a task gate (in
 * cpu.descLo/descHi). Any other system type is #GP(selector), as the far-transfer code expects.
 */
export function farTransferToTask(cpu: Cpu, selector: number, source: number): void {
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  // The TSS or gate must be reachable: DPL >= CPL and DPL >= RPL (SDM vol. 2A JMP/CALL).
  if (dpl < cpu.cpl || dpl < (selector & 3)) cpu.raise(EXC_GP, selector & 0xfffc);
  if (type === TASK_GATE) {
    if ((hi & DESC_P) === 0) cpu.raise(EXC_NP, selector & 0xfffc);
    taskThroughGate(cpu, cpu.descLo >>> 16, source, 0, -1);
    return;
  }
  // A TSS descriptor must be available and in the GDT.
  if ((type !== TSS16_AVAILABLE && type !== TSS32_AVAILABLE) || (selector & 4) !== 0) cpu.raise(EXC_GP, selector & 0xfffc);
  if ((hi & DESC_P) === 0) cpu.raise(EXC_NP, selector & 0xfffc);
  taskSwitch(cpu, selector & 0xfffc, cpu.descLo, hi, source, -1);
}

/**
 * Follows a task gate to its TSS (JMP/CALL through a gate in the GDT/LDT, or an IDT task gate for an
 * interrupt or exception) and switches; `errorCode` >= 0 is pushed on the new task's stack.
 */
export function taskThroughGate(cpu: Cpu, tssSelector: number, source: number, ext: number, errorCode: number): void {
  if (tssSelector & 4) cpu.raise(EXC_GP, (tssSelector & 0xfffc) | ext);
  fetchDescriptor(cpu, tssSelector, EXC_GP);
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0x1f;
  if (type !== TSS16_AVAILABLE && type !== TSS32_AVAILABLE) cpu.raise(EXC_GP, (tssSelector & 0xfffc) | ext);
  if ((hi & DESC_P) === 0) cpu.raise(EXC_NP, (tssSelector & 0xfffc) | ext);
  taskSwitch(cpu, tssSelector & 0xfffc, cpu.descLo, hi, source, errorCode);
}

/** IRET with EFLAGS.NT: back to the task whose selector is the current TSS's back link (SDM vol. 2A IRET). */
export function taskReturn(cpu: Cpu): void {
  const link = cpu.readSys16(cpu.segBase[TR]!);
  if (link & 4) cpu.raise(EXC_TS, link & 0xfffc);
  fetchDescriptor(cpu, link, EXC_TS);
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0x1f;
  // The previous task is still busy (it was nested, not left).
  if (type !== TSS16_BUSY && type !== TSS32_BUSY) cpu.raise(EXC_TS, link & 0xfffc);
  if ((hi & DESC_P) === 0) cpu.raise(EXC_NP, link & 0xfffc);
  taskSwitch(cpu, link & 0xfffc, cpu.descLo, hi, TASK_FROM_IRET, -1);
}

/** Sets or clears the busy bit of the GDT descriptor for TSS selector `sel` (a locked update on hardware). */
function setBusy(cpu: Cpu, sel: number, busy: boolean): void {
  const at = (cpu.gdtrBase + (sel & 0xfff8) + 5) | 0;
  const b = cpu.readSys8(at);
  cpu.writeSys8(at, busy ? b | TYPE_BUSY_BIT : b & ~TYPE_BUSY_BIT);
}

/** The current task's state, written into its TSS (32-bit or 16-bit layout, SDM vol. 3A figures 7-2, 7-11). */
function saveState(cpu: Cpu, base: number, tss32: boolean, eflags: number): void {
  const r = cpu.reg;
  if (tss32) {
    cpu.writeSys32((base + 0x20) | 0, cpu.eip);
    cpu.writeSys32((base + 0x24) | 0, eflags);
    for (let i = 0; i < 8; i++) cpu.writeSys32((base + 0x28 + 4 * i) | 0, r[i]!);
    for (let s = 0; s < 6; s++) cpu.writeSys16((base + 0x48 + 4 * s) | 0, cpu.segSel[s]!);
  } else {
    cpu.writeSys16((base + 14) | 0, cpu.eip);
    cpu.writeSys16((base + 16) | 0, eflags);
    for (let i = 0; i < 8; i++) cpu.writeSys16((base + 18 + 2 * i) | 0, r[i]!);
    for (let s = 0; s < 4; s++) cpu.writeSys16((base + 34 + 2 * s) | 0, cpu.segSel[s]!);
  }
}

/** A VM exit for the switch in VMX non-root operation: task switches always exit (SDM vol. 3C §25.1.2). */
function vmxTaskSwitch(cpu: Cpu, selector: number, source: number): never {
  const vmx = cpu.vmx!;
  const viaIdt = source === TASK_FROM_INT && cpu.deliveringInfo !== 0;
  vmx.exitInsnLen = viaIdt ? cpu.deliveringLen : (cpu.eip - cpu.insnStart) & 0xf;
  vmExit(cpu, EXIT_REASON_TASK_SWITCH, (selector & 0xffff) | (source << 30), viaIdt ? cpu.deliveringRip : cpu.insnStart);
  throw VM_EXIT;
}

// Scratch for the new task's registers, read before anything of the old task is changed.
const newRegs = new Int32Array(8);
const newSegs = new Int32Array(7);

/**
 * Switches to the task whose TSS selector and descriptor are given (SDM vol. 3A §7.3 steps 3-14).
 * The caller has checked the descriptor type, privilege and presence.
 */
export function taskSwitch(cpu: Cpu, selector: number, lo: number, hi: number, source: number, errorCode: number): void {
  const newType = (hi >>> 8) & 0xf;
  const new32 = (newType & 8) !== 0;
  const newBase = descriptorBase(lo, hi);
  const newLimit = descriptorLimit(lo, hi) >>> 0;
  if (newLimit < (new32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT)) cpu.raise(EXC_TS, selector);
  if (cpu.nonRoot) vmxTaskSwitch(cpu, selector, source);
  const oldSel = cpu.segSel[TR]!;
  const oldType = cpu.segAr[TR]! & 0xf;
  const old32 = (oldType & 8) !== 0;
  const oldBase = cpu.segBase[TR]!;
  if ((cpu.segLimit[TR]! >>> 0) < (old32 ? 0x5f : 0x29)) cpu.raise(EXC_TS, oldSel & 0xfffc);

  // Read the whole new state first: a page fault here leaves everything as it was.
  let newEip: number, newFlags: number, newCr3 = cpu.cr3, newLdt: number, trapBit = 0;
  if (new32) {
    newCr3 = cpu.readSys32((newBase + 0x1c) | 0);
    newEip = cpu.readSys32((newBase + 0x20) | 0);
    newFlags = cpu.readSys32((newBase + 0x24) | 0);
    for (let i = 0; i < 8; i++) newRegs[i] = cpu.readSys32((newBase + 0x28 + 4 * i) | 0);
    for (let s = 0; s < 6; s++) newSegs[s] = cpu.readSys16((newBase + 0x48 + 4 * s) | 0);
    newLdt = cpu.readSys16((newBase + 0x60) | 0);
    trapBit = cpu.readSys16((newBase + 0x64) | 0) & 1;
  } else {
    newEip = cpu.readSys16((newBase + 14) | 0);
    newFlags = cpu.readSys16((newBase + 16) | 0);
    // A 16-bit TSS holds the low words; the upper halves read as ones (as P6-family processors load them).
    for (let i = 0; i < 8; i++) newRegs[i] = cpu.readSys16((newBase + 18 + 2 * i) | 0) | 0xffff0000;
    for (let s = 0; s < 4; s++) newSegs[s] = cpu.readSys16((newBase + 34 + 2 * s) | 0);
    newSegs[FS] = 0;
    newSegs[GS] = 0;
    newLdt = cpu.readSys16((newBase + 42) | 0);
  }
  // CALL and interrupts write the back link: probe it now, before the old task's state is touched.
  const nests = source === TASK_FROM_CALL || source === TASK_FROM_INT;
  if (nests) cpu.readSys16(newBase);

  // The old TSS's dynamic fields must be writable too (a supervisor access: probe by rewriting the ends).
  const oldEnd = (oldBase + (old32 ? 0x5d : 41)) | 0;
  const oldStart = (oldBase + (old32 ? 0x20 : 14)) | 0;
  cpu.writeSys8(oldStart, cpu.readSys8(oldStart));
  cpu.writeSys8(oldEnd, cpu.readSys8(oldEnd));

  // Leaving the old task: JMP and IRET make it available again; CALL/INT keep it busy (nested).
  if (source === TASK_FROM_JUMP || source === TASK_FROM_IRET) setBusy(cpu, oldSel, false);
  let oldFlags = cpu.getFlags();
  if (source === TASK_FROM_IRET) oldFlags &= ~FLAG_NT;
  saveState(cpu, oldBase, old32, oldFlags);
  if (nests) cpu.writeSys16(newBase, oldSel);
  if (source !== TASK_FROM_IRET) setBusy(cpu, selector, true);

  // Commit point: TR, CR0.TS, the local breakpoint enables, then the new registers.
  cpu.segSel[TR] = selector;
  cpu.segBase[TR] = newBase;
  cpu.segLimit[TR] = newLimit;
  cpu.segAr[TR] = (hi >>> 8) & 0xf0ff | TYPE_BUSY_BIT;
  cpu.refreshSegment(TR);
  cpu.cr0 |= CR0_TS;
  // L0-L3 and LE are cleared so local breakpoints do not follow into the new task (SDM vol. 3B §17.2.4).
  cpu.dr[7] = cpu.dr[7]! & ~0x155;
  if (nests) newFlags |= FLAG_NT;
  cpu.eip = newEip;
  // Faults from here on belong to the new task and report its EIP.
  cpu.insnStart = newEip;
  cpu.reg.set(newRegs);
  cpu.interruptShadow = 0;
  cpu.setFlags(newFlags & ~FLAG_VM);
  const v86 = (newFlags & FLAG_VM) !== 0;
  // The visible selectors are loaded at once; their descriptors are loaded and checked below, and a
  // fault on the way leaves the rest unusable (SDM vol. 3A §7.3 step 12).
  for (let s = 0; s < 6; s++) {
    cpu.segSel[s] = newSegs[s]!;
    if (s !== CS) {
      cpu.segAr[s] = AR_UNUSABLE;
      cpu.refreshSegment(s);
    }
  }
  cpu.segSel[LDTR] = newLdt;
  cpu.segAr[LDTR] = AR_UNUSABLE;
  cpu.refreshSegment(LDTR);
  if (new32 && (cpu.cr0 & CR0_PG) !== 0 && newCr3 !== cpu.cr3) {
    cpu.cr3 = newCr3;
    if ((cpu.cr4 & CR4_PAE) !== 0 && !loadPdptes(cpu, newCr3)) cpu.raise(EXC_TS, 0);
    cpu.flushTlb(false);
  }
  cpu.resetFetch();
  // Until SS is loaded the privilege level is taken as 3, so a fault switches to a known stack (the
  // frame shows the new task's CS selector as loaded from its TSS).
  cpu.cpl = 3;
  cpu.updatePrivilegeMasks();
  loadTaskLdt(cpu, newLdt);
  if (v86) {
    cpu.setFlags(newFlags);
    for (const s of [ES, SS, DS, FS, GS, CS]) cpu.loadRealSegment(s, newSegs[s]!);
  } else {
    const csRpl = newSegs[CS]! & 3;
    loadTaskStack(cpu, newSegs[SS]!, csRpl);
    cpu.cpl = csRpl;
    cpu.updatePrivilegeMasks();
    for (const s of [DS, ES, FS, GS]) loadTaskData(cpu, s, newSegs[s]!, csRpl);
    loadTaskCode(cpu, newSegs[CS]!);
  }
  // The T bit of the new TSS reports a debug trap with DR6.BT once the switch completes (SDM vol. 3B §17.3.1.5).
  if (trapBit !== 0) {
    cpu.debugTrap |= DR6_BT;
    cpu.debugWatch = 1;
  }
  if (errorCode >= 0) {
    if (new32) cpu.push32(errorCode);
    else cpu.push16(errorCode);
  }
  if ((cpu.eip >>> 0) > cpu.segHi[CS]!) cpu.raise(EXC_GP, 0);
}

function loadTaskLdt(cpu: Cpu, sel: number): void {
  if (sel & 4) cpu.raise(EXC_TS, sel & 0xfffc);
  if ((sel & 0xfffc) === 0) {
    loadNullSegment(cpu, LDTR, sel);
    return;
  }
  fetchDescriptor(cpu, sel, EXC_TS);
  const hi = cpu.descHi;
  if ((hi & DESC_S) !== 0 || ((hi >>> 8) & 0xf) !== 2 || (hi & DESC_P) === 0) cpu.raise(EXC_TS, sel & 0xfffc);
  commitSegment(cpu, LDTR, sel);
}

function loadTaskStack(cpu: Cpu, sel: number, csRpl: number): void {
  if ((sel & 0xfffc) === 0) cpu.raise(EXC_TS, sel & 0xfffc);
  fetchDescriptor(cpu, sel, EXC_TS);
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  if ((hi & DESC_S) === 0 || (type & SEG_TYPE_CODE) !== 0 || (type & SEG_TYPE_RW) === 0) cpu.raise(EXC_TS, sel & 0xfffc);
  if ((hi & DESC_P) === 0) cpu.raise(EXC_SS, sel & 0xfffc);
  if (dpl !== csRpl || dpl !== (sel & 3)) cpu.raise(EXC_TS, sel & 0xfffc);
  markAccessed(cpu, sel);
  commitSegment(cpu, SS, sel);
}

function loadTaskData(cpu: Cpu, s: number, sel: number, csRpl: number): void {
  if ((sel & 0xfffc) === 0) {
    loadNullSegment(cpu, s, sel);
    return;
  }
  fetchDescriptor(cpu, sel, EXC_TS);
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  const code = (type & SEG_TYPE_CODE) !== 0;
  // Data, or readable code; data and non-conforming code need RPL <= DPL and CPL <= DPL.
  if ((hi & DESC_S) === 0 || (code && (type & SEG_TYPE_RW) === 0)) cpu.raise(EXC_TS, sel & 0xfffc);
  if ((!code || (type & SEG_TYPE_EXPDOWN_CONFORMING) === 0) && ((sel & 3) > dpl || csRpl > dpl)) cpu.raise(EXC_TS, sel & 0xfffc);
  if ((hi & DESC_P) === 0) cpu.raise(EXC_NP, sel & 0xfffc);
  markAccessed(cpu, sel);
  commitSegment(cpu, s, sel);
}

function loadTaskCode(cpu: Cpu, sel: number): void {
  if ((sel & 0xfffc) === 0) cpu.raise(EXC_TS, sel & 0xfffc);
  fetchDescriptor(cpu, sel, EXC_TS);
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  const rpl = sel & 3;
  if ((hi & DESC_S) === 0 || (type & SEG_TYPE_CODE) === 0) cpu.raise(EXC_TS, sel & 0xfffc);
  if ((type & SEG_TYPE_EXPDOWN_CONFORMING) !== 0 ? dpl > rpl : dpl !== rpl) cpu.raise(EXC_TS, sel & 0xfffc);
  if ((hi & DESC_P) === 0) cpu.raise(EXC_NP, sel & 0xfffc);
  markAccessed(cpu, sel);
  commitSegment(cpu, CS, sel);
}
