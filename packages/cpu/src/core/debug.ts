/**
 * Debug facilities (SDM vol. 3B chapter 17): the breakpoint registers DR0-DR3 with their DR7
 * conditions (instruction, data write, data read/write, I/O with CR4.DE), the DR6 status bits, the
 * single-step trap (EFLAGS.TF), the resume flag (EFLAGS.RF) and the task-switch trap (TSS T bit).
 *
 * Debug events found while an instruction runs are collected in `cpu.debugTrap` (DR6 layout) and
 * reported as one trap-class #DB at the next instruction boundary; an instruction breakpoint is a
 * fault raised at the boundary before the instruction. Delivering any event discards collected
 * traps (the instruction did not complete; SDM vol. 3B §17.3.1).
 */
import type { Cpu } from "../cpu.js";

/** DR6 bits (SDM vol. 3B §17.2.3): B0-B3 breakpoint conditions, BD debug-register access, BS single step, BT task switch. */
export const DR6_B0 = 1 << 0;
export const DR6_BREAKPOINTS = 0xf;
export const DR6_BD = 1 << 13;
export const DR6_BS = 1 << 14;
export const DR6_BT = 1 << 15;
/** DR6 reads as 1 in bits 4-11 and 16-31, 0 in bit 12, on P6-family processors. */
export const DR6_FIXED1 = 0xffff0ff0 | 0;
/**
 * Not a DR6 bit: marks that an *enabled* breakpoint matched. Disabled breakpoints whose condition
 * matched also set their B bit, but only when an enabled one fired (SDM vol. 3B §17.2.3).
 */
export const DEBUG_HIT = 1 << 12;

/** DR7 bits (SDM vol. 3B §17.2.4): L0/G0..L3/G3 enables, LE/GE, GD, then R/W and LEN per breakpoint. */
export const DR7_ENABLES = 0xff;
export const DR7_LOCAL_ENABLES = 0x55 | 0x100;
export const DR7_GD = 1 << 13;
/** Bit 10 reads as 1; bits 11, 12, 14, 15 read as 0. */
export const DR7_FIXED1 = 0x400;
export const DR7_FIXED0 = 0xd800;

/** DR7 R/W field values. */
export const BP_EXECUTE = 0;
export const BP_WRITE = 1;
export const BP_IO = 2;
export const BP_READ_WRITE = 3;

/** Byte length - 1 for DR7 LEN 00, 01, 10 (8 bytes where defined), 11. */
const LEN_MASK = [0, 1, 7, 3] as const;

/**
 * DR6 bits for an access of `size` bytes at `addr` (linear address or port) against every breakpoint
 * whose R/W is `kindA` or `kindB`; DEBUG_HIT is set when an enabled one matched, else 0 is returned.
 */
export function matchBreakpoints(cpu: Cpu, addr: number, size: number, kindA: number, kindB: number): number {
  const dr7 = cpu.dr[7]!;
  const first = addr >>> 0;
  const last = first + size - 1;
  let bits = 0;
  for (let n = 0; n < 4; n++) {
    const kind = (dr7 >>> (16 + 4 * n)) & 3;
    if (kind !== kindA && kind !== kindB) continue;
    const lenMask = LEN_MASK[(dr7 >>> (18 + 4 * n)) & 3]!;
    const start = (cpu.dr[n]! & ~lenMask) >>> 0;
    if (first <= start + lenMask && last >= start) {
      bits |= DR6_B0 << n;
      if (dr7 & (3 << (2 * n))) bits |= DEBUG_HIT;
    }
  }
  return (bits & DEBUG_HIT) !== 0 ? bits : 0;
}

/** Instruction breakpoint check for the instruction at linear address `lin` (before it executes). */
export function instructionBreakpoint(cpu: Cpu, lin: number): number {
  return matchBreakpoints(cpu, lin, 1, BP_EXECUTE, BP_EXECUTE);
}

/** A data access of `size` bytes at `lin`: write breakpoints match writes, read/write ones match both. */
export function dataBreakpoint(cpu: Cpu, lin: number, size: number, write: boolean): void {
  const bits = matchBreakpoints(cpu, lin, size, BP_READ_WRITE, write ? BP_WRITE : BP_READ_WRITE);
  if (bits !== 0) {
    cpu.debugTrap |= bits & ~DEBUG_HIT;
    cpu.debugWatch = 1;
  }
}

/** IN/OUT/INS/OUTS: I/O breakpoints (R/W = 10) exist only with CR4.DE (SDM vol. 3B §17.2.4). */
export function ioBreakpoint(cpu: Cpu, port: number, size: number): void {
  if ((cpu.cr4 & (1 << 3)) === 0) return;
  const bits = matchBreakpoints(cpu, port, size, BP_IO, BP_IO);
  if (bits !== 0) {
    cpu.debugTrap |= bits & ~DEBUG_HIT;
    cpu.debugWatch = 1;
  }
}

/**
 * Recomputes which linear pages hold an enabled data breakpoint. Those pages leave the TLB's fast
 * path so every access to them reaches the check; called when DR0-DR3 or DR7 change.
 */
export function armDataBreakpoints(cpu: Cpu): void {
  const dr7 = cpu.dr[7]!;
  let count = 0;
  for (let n = 0; n < 4; n++) {
    const kind = (dr7 >>> (16 + 4 * n)) & 3;
    if ((dr7 & (3 << (2 * n))) === 0 || (kind !== BP_WRITE && kind !== BP_READ_WRITE)) continue;
    const lenMask = LEN_MASK[(dr7 >>> (18 + 4 * n)) & 3]!;
    const start = cpu.dr[n]! & ~lenMask;
    cpu.watchPages[count++] = start >>> 12;
    cpu.watchPages[count++] = ((start + lenMask) | 0) >>> 12;
  }
  cpu.watchCount = count;
  cpu.dr7Armed = dr7;
  cpu.flushTlb(true);
  cpu.updateDebugWatch();
}

/** True when linear page `page` holds an armed data breakpoint. */
export function isWatchedPage(cpu: Cpu, page: number): boolean {
  for (let i = 0; i < cpu.watchCount; i++) if (cpu.watchPages[i] === page) return true;
  return false;
}

/** DR6 as a #DB delivery leaves it: B0-B3 and BT describe this event; BD and BS stay set once set. */
export function commitDr6(cpu: Cpu): void {
  const bits = cpu.debugTrap;
  cpu.dr[6] = (cpu.dr[6]! & ~(DR6_BREAKPOINTS | DR6_BT | (1 << 12))) | (bits & (DR6_BREAKPOINTS | DR6_BD | DR6_BS | DR6_BT)) | DR6_FIXED1;
  // The handler must be able to use the debug registers: GD is cleared on entry (SDM vol. 3B §17.2.4).
  cpu.dr[7] = cpu.dr[7]! & ~DR7_GD;
  cpu.updateDebugWatch();
}
