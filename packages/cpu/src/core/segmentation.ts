/**
 * Protected-mode segmentation: descriptor fetch, selector checks and segment-register loads
 * (SDM vol. 3A chapter 3 and §5.4-5.8; MOV/POP Sreg, LDS... pseudo-code in vol. 2).
 */
import type { Cpu } from "../cpu.js";
import { EXC_GP, EXC_NP, EXC_SS, EXC_TS } from "./exceptions.js";
import {
  AR_UNUSABLE, CS, LDTR, SEG_TYPE_ACCESSED, SEG_TYPE_CODE, SEG_TYPE_EXPDOWN_CONFORMING, SEG_TYPE_RW, SS, TR,
} from "./registers.js";

export function descriptorBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) | 0;
}

/** Effective limit: 20-bit limit, scaled to 4 KiB units with the low 12 bits set when G = 1 (SDM vol. 3A §3.4.5). */
export function descriptorLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return hi & (1 << 23) ? ((raw << 12) | 0xfff) | 0 : raw;
}

/** Descriptor attribute bits 8-23 of the high dword → VMCS access-rights format (type, S, DPL, P, AVL, L, D/B, G). */
export function descriptorAr(hi: number): number {
  return (hi >>> 8) & 0xf0ff;
}

/**
 * Reads the descriptor for `selector` from the GDT or LDT into cpu.descLo/descHi.
 * Raises `vector`(selector & 0xFFFC) when the index is outside the table (SDM vol. 3A §3.4.2).
 */
export function fetchDescriptor(cpu: Cpu, selector: number, vector = EXC_GP): void {
  const index = selector & 0xfff8;
  let base: number, limit: number;
  if (selector & 4) {
    if (cpu.segAr[LDTR]! & AR_UNUSABLE || cpu.segSel[LDTR] === 0) cpu.raise(vector, selector & 0xfffc);
    base = cpu.segBase[LDTR]!;
    limit = cpu.segLimit[LDTR]! >>> 0;
  } else {
    base = cpu.gdtrBase;
    limit = cpu.gdtrLimit;
  }
  if (index + 7 > limit) cpu.raise(vector, selector & 0xfffc);
  cpu.descLo = cpu.readSys32((base + index) | 0);
  cpu.descHi = cpu.readSys32((base + index + 4) | 0);
}

/** Sets the accessed bit of the descriptor just fetched for `selector`, in memory (a locked write on hardware). */
export function markAccessed(cpu: Cpu, selector: number): void {
  if (cpu.descHi & (SEG_TYPE_ACCESSED << 8)) return;
  cpu.descHi |= SEG_TYPE_ACCESSED << 8;
  const base = selector & 4 ? cpu.segBase[LDTR]! : cpu.gdtrBase;
  cpu.writeSys8((base + (selector & 0xfff8) + 5) | 0, (cpu.descHi >>> 8) & 0xff);
}

/** Loads a segment register's hidden part from cpu.descLo/descHi. */
export function commitSegment(cpu: Cpu, s: number, selector: number): void {
  cpu.segSel[s] = selector;
  cpu.segBase[s] = descriptorBase(cpu.descLo, cpu.descHi);
  cpu.segLimit[s] = descriptorLimit(cpu.descLo, cpu.descHi);
  cpu.segAr[s] = descriptorAr(cpu.descHi);
  cpu.refreshSegment(s);
}

/** A null selector loaded into DS/ES/FS/GS: the register becomes unusable (SDM vol. 3A §5.4.1). */
export function loadNullSegment(cpu: Cpu, s: number, selector: number): void {
  cpu.segSel[s] = selector;
  cpu.segBase[s] = 0;
  cpu.segLimit[s] = 0;
  cpu.segAr[s] = AR_UNUSABLE;
  cpu.refreshSegment(s);
}

/**
 * MOV/POP/LxS to a data segment register or SS in protected mode, with every check of the
 * MOV instruction's pseudo-code (SDM vol. 2B MOV, "Protected Mode Exceptions").
 */
export function loadProtectedSegment(cpu: Cpu, s: number, selector: number): void {
  selector &= 0xffff;
  const rpl = selector & 3;
  if ((selector & 0xfffc) === 0) {
    if (s === SS) cpu.raise(EXC_GP, 0);
    loadNullSegment(cpu, s, selector);
    return;
  }
  fetchDescriptor(cpu, selector);
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  const isSystem = (hi & (1 << 12)) === 0;
  if (s === SS) {
    // SS needs a writable data segment with RPL = DPL = CPL.
    if (rpl !== cpu.cpl || isSystem || (type & SEG_TYPE_CODE) !== 0 || (type & SEG_TYPE_RW) === 0 || dpl !== cpu.cpl) {
      cpu.raise(EXC_GP, selector & 0xfffc);
    }
    if ((hi & (1 << 15)) === 0) cpu.raise(EXC_SS, selector & 0xfffc);
  } else {
    // Data segments, or readable code segments; non-conforming ones need DPL >= max(CPL, RPL).
    if (isSystem || ((type & SEG_TYPE_CODE) !== 0 && (type & SEG_TYPE_RW) === 0)) cpu.raise(EXC_GP, selector & 0xfffc);
    const conformingCode = (type & (SEG_TYPE_CODE | SEG_TYPE_EXPDOWN_CONFORMING)) === (SEG_TYPE_CODE | SEG_TYPE_EXPDOWN_CONFORMING);
    if (!conformingCode && (rpl > dpl || cpu.cpl > dpl)) cpu.raise(EXC_GP, selector & 0xfffc);
    if ((hi & (1 << 15)) === 0) cpu.raise(EXC_NP, selector & 0xfffc);
  }
  markAccessed(cpu, selector);
  commitSegment(cpu, s, selector);
}

/** Loads a segment register by the rules of the current mode. */
export function loadSegment(cpu: Cpu, s: number, selector: number): void {
  if (cpu.realAddressing) cpu.loadRealSegment(s, selector);
  else loadProtectedSegment(cpu, s, selector);
}

/** Loads CS from cpu.descLo/descHi (already checked by the caller) with RPL forced to the new CPL. */
export function commitCodeSegment(cpu: Cpu, selector: number, cpl: number): void {
  markAccessed(cpu, selector);
  commitSegment(cpu, CS, (selector & 0xfffc) | cpl);
  if (cpu.cpl !== cpl) {
    cpu.cpl = cpl;
    cpu.updatePrivilegeMasks();
  }
}

/**
 * Checks that the fetched descriptor is a present code segment usable as a far JMP/CALL target at the
 * current privilege (SDM vol. 2A JMP "far jump to a code segment"): conforming DPL <= CPL, non-conforming
 * RPL <= CPL and DPL = CPL.
 */
export function checkCodeTarget(cpu: Cpu, selector: number): void {
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  const rpl = selector & 3;
  if ((hi & (1 << 12)) === 0 || (type & SEG_TYPE_CODE) === 0) cpu.raise(EXC_GP, selector & 0xfffc);
  if (type & SEG_TYPE_EXPDOWN_CONFORMING) {
    if (dpl > cpu.cpl) cpu.raise(EXC_GP, selector & 0xfffc);
  } else if (rpl > cpu.cpl || dpl !== cpu.cpl) {
    cpu.raise(EXC_GP, selector & 0xfffc);
  }
  if ((hi & (1 << 15)) === 0) cpu.raise(EXC_NP, selector & 0xfffc);
}

/** The SS selector the last tssStack() call read (kept here so the call allocates nothing). */
let tssSs = 0;
export function tssStackSelector(): number {
  return tssSs;
}

/**
 * Reads the inner-level stack for privilege `dpl` from the current TSS (SDM vol. 3A §7.2.1, §6.12.1):
 * returns ESP; the SS selector is then tssStackSelector().
 */
export function tssStack(cpu: Cpu, dpl: number, ext: number): number {
  const tss32 = (cpu.segAr[TR]! & 0xf) === 0xb || (cpu.segAr[TR]! & 0xf) === 0x9;
  const base = cpu.segBase[TR]!;
  const limit = cpu.segLimit[TR]! >>> 0;
  if (tss32) {
    const off = 4 + dpl * 8;
    if (off + 5 > limit) cpu.raise(EXC_TS, (cpu.segSel[TR]! & 0xfffc) | ext);
    const esp = cpu.readSys32((base + off) | 0);
    tssSs = cpu.readSys16((base + off + 4) | 0);
    return esp;
  }
  const off = 2 + dpl * 4;
  if (off + 3 > limit) cpu.raise(EXC_TS, (cpu.segSel[TR]! & 0xfffc) | ext);
  const esp = cpu.readSys16((base + off) | 0);
  tssSs = cpu.readSys16((base + off + 2) | 0);
  return esp;
}

/**
 * Validates the SS for a privilege change to `dpl` (SDM vol. 3A §6.12.1 and CALL pseudo-code): on failure
 * #TS(selector); not present #SS(selector). Leaves the descriptor in cpu.descLo/descHi.
 */
export function checkInnerStack(cpu: Cpu, ss: number, dpl: number, ext: number): void {
  if ((ss & 0xfffc) === 0) cpu.raise(EXC_TS, ext);
  fetchDescriptor(cpu, ss, EXC_TS);
  const hi = cpu.descHi;
  const type = (hi >>> 8) & 0xf;
  if ((ss & 3) !== dpl || ((hi >>> 13) & 3) !== dpl || (hi & (1 << 12)) === 0 || (type & SEG_TYPE_CODE) !== 0 || (type & SEG_TYPE_RW) === 0) {
    cpu.raise(EXC_TS, (ss & 0xfffc) | ext);
  }
  if ((hi & (1 << 15)) === 0) cpu.raise(EXC_SS, (ss & 0xfffc) | ext);
}

