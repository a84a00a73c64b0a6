/**
 * Virtual-8086 mode extensions and protected-mode virtual interrupts (SDM vol. 3A §20.3 and §20.4):
 * with CR4.VME, V86 code at IOPL < 3 runs CLI/STI/PUSHF/POPF/IRET against EFLAGS.VIF instead of
 * trapping to the monitor, and INT n is redirected through the V86 task's own real-mode IVT when the
 * TSS's interrupt redirection bitmap says so. With CR4.PVI, CLI/STI at CPL 3 and IOPL < 3 in
 * protected mode do the same. Setting VIF while VIP is pending is #GP(0) so the monitor can deliver
 * the pending virtual interrupt.
 */
import type { Cpu } from "../cpu.js";
import { EXC_GP } from "./exceptions.js";
import {
  CR4_PVI, CR4_VME, CS, FLAG_AF, FLAG_CF, FLAG_DF, FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_OF, FLAG_PF, FLAG_RF, FLAG_SF,
  FLAG_TF, FLAG_VIF, FLAG_VIP, FLAG_ZF, TR,
} from "./registers.js";

/** 32-byte interrupt redirection bitmap, just below the I/O permission bitmap (SDM vol. 3A figure 20-5). */
const REDIRECTION_BITMAP_BYTES = 32;
/** The I/O map base field of a 32-bit TSS. */
const TSS_IOMAP_BASE = 0x66;

export function iopl(cpu: Cpu): number {
  return (cpu.getFlags() & FLAG_IOPL) >>> 12;
}

/** CLI (SDM vol. 2A CLI, "Decision table for CLI results"). */
export function cli(cpu: Cpu): void {
  if (cpu.protectedMode) {
    const pl = iopl(cpu);
    if (cpu.v86) {
      if (pl < 3) {
        if ((cpu.cr4 & CR4_VME) === 0) cpu.raise(EXC_GP, 0);
        cpu.setFlags(cpu.getFlags() & ~FLAG_VIF);
        return;
      }
    } else if (cpu.cpl === 3 && (cpu.cr4 & CR4_PVI) !== 0 && pl < 3) {
      cpu.setFlags(cpu.getFlags() & ~FLAG_VIF);
      return;
    } else if (cpu.cpl > pl) {
      cpu.raise(EXC_GP, 0);
    }
  }
  cpu.setStatusFlag(FLAG_IF, false);
}

/** STI (SDM vol. 2B STI): returns true when IF went from 0 to 1 (the interrupt shadow starts). */
export function sti(cpu: Cpu): boolean {
  if (cpu.protectedMode) {
    const pl = iopl(cpu);
    const virtual = cpu.v86 ? pl < 3 && (cpu.cr4 & CR4_VME) !== 0 : cpu.cpl === 3 && (cpu.cr4 & CR4_PVI) !== 0 && pl < 3;
    if (virtual) {
      if ((cpu.getFlags() & FLAG_VIP) !== 0) cpu.raise(EXC_GP, 0);
      cpu.setFlags(cpu.getFlags() | FLAG_VIF);
      return false;
    }
    if (cpu.v86 ? pl < 3 : cpu.cpl > pl) cpu.raise(EXC_GP, 0);
  }
  const wasSet = (cpu.getFlags() & FLAG_IF) !== 0;
  cpu.setStatusFlag(FLAG_IF, true);
  return !wasSet;
}

/** The FLAGS image a 16-bit PUSHF (or a redirected INT n) stores under VME: IF from VIF, IOPL as 3. */
export function virtualFlags16(cpu: Cpu): number {
  let f = cpu.getFlags() & 0xffff;
  f |= FLAG_IOPL;
  f = (cpu.getFlags() & FLAG_VIF) !== 0 ? f | FLAG_IF : f & ~FLAG_IF;
  return f;
}

/** PUSHF/PUSHFD in V86 mode: IOPL 3 pushes as usual; VME turns a 16-bit one at IOPL < 3 virtual. Returns the image. */
export function v86PushFlags(cpu: Cpu, o32: boolean): number {
  if (iopl(cpu) === 3) return cpu.getFlags();
  if (o32 || (cpu.cr4 & CR4_VME) === 0) cpu.raise(EXC_GP, 0);
  return virtualFlags16(cpu);
}

/**
 * Loads a 16-bit FLAGS image popped by POPF or IRET in V86 mode at IOPL < 3 with VME: IF and IOPL stay,
 * VIF takes the image's IF; an image with TF, or with IF while VIP is pending, is #GP(0).
 */
export function v86LoadVirtualFlags(cpu: Cpu, image: number): void {
  const old = cpu.getFlags();
  if (((image & FLAG_IF) !== 0 && (old & FLAG_VIP) !== 0) || (image & FLAG_TF) !== 0) cpu.raise(EXC_GP, 0);
  const mask = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF | FLAG_TF | FLAG_DF | FLAG_NT;
  let f = (old & ~mask & ~FLAG_VIF) | (image & mask);
  if ((image & FLAG_IF) !== 0) f |= FLAG_VIF;
  cpu.setFlags(f);
}

/** Whether POPF/IRET of this operand size at the current IOPL go through v86LoadVirtualFlags. */
export function v86VirtualFlagLoad(cpu: Cpu, o32: boolean): boolean {
  if (iopl(cpu) === 3) return false;
  if (o32 || (cpu.cr4 & CR4_VME) === 0) cpu.raise(EXC_GP, 0);
  return true;
}

/**
 * INT n in V86 mode (SDM vol. 3A §20.3.3, table 20-2): with VME and the vector's bit clear in the
 * redirection bitmap, the interrupt goes through the real-mode IVT at linear 0 and stays in V86 mode
 * (returns true). Otherwise IOPL < 3 is #GP(0), and IOPL 3 uses the protected-mode IDT (returns false).
 */
export function v86RedirectInterrupt(cpu: Cpu, vector: number): boolean {
  if ((cpu.cr4 & CR4_VME) !== 0) {
    const base = cpu.segBase[TR]!;
    const limit = cpu.segLimit[TR]! >>> 0;
    if (limit < TSS_IOMAP_BASE + 1) cpu.raise(EXC_GP, 0);
    const at = cpu.readSys16((base + TSS_IOMAP_BASE) | 0) - REDIRECTION_BITMAP_BYTES + (vector >>> 3);
    if (at > limit) cpu.raise(EXC_GP, 0);
    if (((cpu.readSys8((base + at) | 0) >>> (vector & 7)) & 1) === 0) {
      // Delivered like an interrupt: traps the INT collected and the STI/MOV SS shadow are dropped.
      cpu.debugTrap = 0;
      cpu.interruptShadow = 0;
      const ip = cpu.readSys16(vector * 4);
      const cs = cpu.readSys16(vector * 4 + 2);
      const flags = iopl(cpu) < 3 ? virtualFlags16(cpu) : cpu.getFlags() & 0xffff;
      cpu.push16(flags);
      cpu.push16(cpu.segSel[CS]!);
      cpu.push16(cpu.eip);
      cpu.loadRealSegment(CS, cs);
      cpu.eip = ip;
      cpu.resetFetch();
      // TF and RF clear; IF (IOPL 3) or VIF (IOPL < 3) clear.
      let f = cpu.getFlags() & ~(FLAG_TF | FLAG_RF);
      f &= iopl(cpu) === 3 ? ~FLAG_IF : ~FLAG_VIF;
      cpu.setFlags(f);
      return true;
    }
  }
  if (iopl(cpu) < 3) cpu.raise(EXC_GP, 0);
  return false;
}
