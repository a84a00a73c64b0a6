/**
 * Instructions that cause VM exits in VMX non-root operation (SDM vol. 3C §25.1.2 unconditionally,
 * §25.1.3 per the execution controls), with the exit qualification of §27.2.1. Every instruction exit
 * is fault-like: the guest RIP saved is the instruction's own, and VM_EXIT_INSTRUCTION_LEN its length.
 */
import type { Cpu } from "../cpu.js";
import { VM_EXIT } from "../core/exceptions.js";
import {
  CPU_BASED_CR3_LOAD_EXITING, CPU_BASED_CR3_STORE_EXITING, CPU_BASED_HLT_EXITING, CPU_BASED_INVLPG_EXITING,
  CPU_BASED_MONITOR_EXITING, CPU_BASED_MOV_DR_EXITING, CPU_BASED_MWAIT_EXITING, CPU_BASED_PAUSE_EXITING,
  CPU_BASED_RDPMC_EXITING, CPU_BASED_RDTSC_EXITING, CPU_BASED_UNCOND_IO_EXITING, CPU_BASED_USE_IO_BITMAPS,
  CPU_BASED_USE_MSR_BITMAPS, SECONDARY_EXEC_DESC, SECONDARY_EXEC_WBINVD_EXITING,
} from "./capabilities.js";
import {
  EXIT_REASON_CPUID, EXIT_REASON_CR_ACCESS, EXIT_REASON_DR_ACCESS, EXIT_REASON_GDTR_IDTR, EXIT_REASON_HLT,
  EXIT_REASON_INVD, EXIT_REASON_INVLPG, EXIT_REASON_IO_INSTRUCTION, EXIT_REASON_LDTR_TR, EXIT_REASON_MONITOR_INSTRUCTION,
  EXIT_REASON_MSR_READ, EXIT_REASON_MSR_WRITE, EXIT_REASON_MWAIT_INSTRUCTION, EXIT_REASON_PAUSE_INSTRUCTION,
  EXIT_REASON_RDPMC, EXIT_REASON_RDTSC, EXIT_REASON_WBINVD,
} from "./exit-reasons.js";
import { vmExit } from "./vm-exit.js";

/** I/O exit-qualification bits (SDM vol. 3C table 27-5). */
export const IO_QUAL_IN = 1 << 3;
export const IO_QUAL_STRING = 1 << 4;
export const IO_QUAL_REP = 1 << 5;
export const IO_QUAL_IMMEDIATE = 1 << 6;

/** Control-register access qualification (SDM vol. 3C table 27-3). */
export const CR_ACCESS_MOV_TO_CR = 0;
export const CR_ACCESS_MOV_FROM_CR = 1;
export const CR_ACCESS_CLTS = 2;
export const CR_ACCESS_LMSW = 3;

/** Takes a fault-like VM exit for the instruction being executed. */
export function instructionExit(cpu: Cpu, reason: number, qualification: number): never {
  const vmx = cpu.vmx!;
  vmx.exitInsnLen = (cpu.eip - cpu.insnStart) & 0xf;
  vmExit(cpu, reason, qualification, cpu.insnStart);
  throw VM_EXIT;
}

/**
 * The same exit for the frequent intercepts (port I/O, HLT, CPUID) without unwinding: the exit is
 * taken, Cpu.exitAbort tells step()'s caller the instruction did not complete, and the handler must
 * return at once. (A JavaScript throw costs about a microsecond here; exits to port I/O are the
 * hot path of a virtual machine.) Always returns true.
 */
export function instructionExitNoUnwind(cpu: Cpu, reason: number, qualification: number): true {
  const vmx = cpu.vmx!;
  vmx.exitInsnLen = (cpu.eip - cpu.insnStart) & 0xf;
  vmExit(cpu, reason, qualification, cpu.insnStart);
  cpu.exitAbort = true;
  return true;
}

/** Whether the I/O bitmaps select any byte of the access (SDM vol. 3C §25.1.3). Wrapping past 0xFFFF exits. */
function ioBitmapHit(cpu: Cpu, port: number, size: number): boolean {
  const vmx = cpu.vmx!;
  if (port + size - 1 > 0xffff) return true;
  for (let p = port; p < port + size; p++) {
    const base = p < 0x8000 ? vmx.ioBitmapA : vmx.ioBitmapB;
    const bit = p & 0x7fff;
    if ((cpu.mem.read8(base + (bit >>> 3)) >>> (bit & 7)) & 1) return true;
  }
  return false;
}

/**
 * IN/OUT/INS/OUTS. `immediate` for the imm8 port forms; `stringSeg` is the segment of the memory operand
 * (for the VMX-instruction-information field, reported since IA32_VMX_BASIC[54] = 1).
 */
/** Returns true when the instruction caused a VM exit (the caller returns at once; see instructionExitNoUnwind). */
export function vmxIo(cpu: Cpu, port: number, size: number, isIn: boolean, isString: boolean, immediate: boolean, stringSeg = 0, linear = 0): boolean {
  const vmx = cpu.vmx!;
  const exits = vmx.proc & CPU_BASED_USE_IO_BITMAPS ? ioBitmapHit(cpu, port, size) : (vmx.proc & CPU_BASED_UNCOND_IO_EXITING) !== 0;
  if (!exits) return false;
  let q = (size - 1) | (isIn ? IO_QUAL_IN : 0) | (immediate ? IO_QUAL_IMMEDIATE : 0) | (port << 16);
  if (isString) {
    q |= IO_QUAL_STRING | (cpu.rep !== 0 ? IO_QUAL_REP : 0);
    vmx.exitInsnInfo = ((cpu.a32 ? 1 : 0) << 7) | (stringSeg << 15);
    vmx.exitGuestLinear = linear;
  }
  return instructionExitNoUnwind(cpu, EXIT_REASON_IO_INSTRUCTION, q);
}

/** Returns true when HLT caused a VM exit (the caller returns at once). */
export function vmxHlt(cpu: Cpu): boolean {
  return (cpu.vmx!.proc & CPU_BASED_HLT_EXITING) !== 0 && instructionExitNoUnwind(cpu, EXIT_REASON_HLT, 0);
}

/** CPUID always exits in non-root operation (the caller returns at once). */
export function vmxCpuid(cpu: Cpu): true {
  return instructionExitNoUnwind(cpu, EXIT_REASON_CPUID, 0);
}

export function vmxRdtsc(cpu: Cpu): void {
  if (cpu.vmx!.proc & CPU_BASED_RDTSC_EXITING) instructionExit(cpu, EXIT_REASON_RDTSC, 0);
}

export function vmxRdpmc(cpu: Cpu): void {
  if (cpu.vmx!.proc & CPU_BASED_RDPMC_EXITING) instructionExit(cpu, EXIT_REASON_RDPMC, 0);
}

/**
 * RDMSR/WRMSR: with MSR bitmaps, the bit for ECX decides (read-low 0x000, read-high 0x400, write-low
 * 0x800, write-high 0xC00; MSRs outside both ranges always exit); without them every access exits.
 */
export function vmxMsr(cpu: Cpu, index: number, write: boolean): void {
  const vmx = cpu.vmx!;
  let exits = true;
  if (vmx.proc & CPU_BASED_USE_MSR_BITMAPS) {
    index >>>= 0;
    let off = -1;
    if (index <= 0x1fff) off = (write ? 0x800 : 0) + (index >>> 3);
    else if (index >= 0xc0000000 && index <= 0xc0001fff) off = (write ? 0xc00 : 0x400) + ((index - 0xc0000000) >>> 3);
    if (off >= 0) exits = ((cpu.mem.read8(vmx.msrBitmap + off) >>> (index & 7)) & 1) !== 0;
  }
  if (exits) instructionExit(cpu, write ? EXIT_REASON_MSR_WRITE : EXIT_REASON_MSR_READ, 0);
}

export function vmxInvlpg(cpu: Cpu, linear: number): void {
  if (cpu.vmx!.proc & CPU_BASED_INVLPG_EXITING) instructionExit(cpu, EXIT_REASON_INVLPG, linear);
}

export function vmxWbinvd(cpu: Cpu): void {
  if (cpu.vmx!.proc2 & SECONDARY_EXEC_WBINVD_EXITING) instructionExit(cpu, EXIT_REASON_WBINVD, 0);
}

/** INVD always exits. */
export function vmxInvd(cpu: Cpu): never {
  return instructionExit(cpu, EXIT_REASON_INVD, 0);
}

export function vmxPause(cpu: Cpu): void {
  if (cpu.vmx!.proc & CPU_BASED_PAUSE_EXITING) instructionExit(cpu, EXIT_REASON_PAUSE_INSTRUCTION, 0);
}

export function vmxMwait(cpu: Cpu): void {
  if (cpu.vmx!.proc & CPU_BASED_MWAIT_EXITING) instructionExit(cpu, EXIT_REASON_MWAIT_INSTRUCTION, 0);
}

export function vmxMonitor(cpu: Cpu): void {
  if (cpu.vmx!.proc & CPU_BASED_MONITOR_EXITING) instructionExit(cpu, EXIT_REASON_MONITOR_INSTRUCTION, 0);
}

/** Descriptor-table exiting: LGDT/LIDT/SGDT/SIDT (reason 46), LLDT/LTR/SLDT/STR (reason 47). */
export function vmxDescriptorTable(cpu: Cpu, ldtrTr: boolean, info: number): void {
  const vmx = cpu.vmx!;
  if ((vmx.proc2 & SECONDARY_EXEC_DESC) === 0) return;
  vmx.exitInsnInfo = info;
  instructionExit(cpu, ldtrTr ? EXIT_REASON_LDTR_TR : EXIT_REASON_GDTR_IDTR, 0);
}

/**
 * MOV to CR0/CR4: exits when the write would change a bit the host owns (set in the guest/host mask) to a
 * value different from the read shadow. Returns normally when the guest may write.
 */
export function vmxMovToCr(cpu: Cpu, cr: number, value: number, gpr: number): void {
  const vmx = cpu.vmx!;
  const q = cr | (CR_ACCESS_MOV_TO_CR << 4) | (gpr << 8);
  if (cr === 0) {
    if (((value ^ vmx.cr0Shadow) & vmx.cr0Mask) !== 0) instructionExit(cpu, EXIT_REASON_CR_ACCESS, q);
  } else if (cr === 4) {
    if (((value ^ vmx.cr4Shadow) & vmx.cr4Mask) !== 0) instructionExit(cpu, EXIT_REASON_CR_ACCESS, q);
  } else if (cr === 3 && vmx.proc & CPU_BASED_CR3_LOAD_EXITING) {
    for (let i = 0; i < vmx.cr3TargetCount; i++) if (vmx.cr3Targets[i] === value) return;
    instructionExit(cpu, EXIT_REASON_CR_ACCESS, q);
  }
}

export function vmxMovFromCr(cpu: Cpu, cr: number, gpr: number): void {
  if (cr === 3 && cpu.vmx!.proc & CPU_BASED_CR3_STORE_EXITING) {
    instructionExit(cpu, EXIT_REASON_CR_ACCESS, 3 | (CR_ACCESS_MOV_FROM_CR << 4) | (gpr << 8));
  }
}

/** The value a guest reads from CR0/CR4: host-owned bits come from the read shadow (SDM §25.3). */
export function vmxGuestCr0(cpu: Cpu): number {
  const vmx = cpu.vmx!;
  return (cpu.cr0 & ~vmx.cr0Mask) | (vmx.cr0Shadow & vmx.cr0Mask);
}

export function vmxGuestCr4(cpu: Cpu): number {
  const vmx = cpu.vmx!;
  return (cpu.cr4 & ~vmx.cr4Mask) | (vmx.cr4Shadow & vmx.cr4Mask);
}

/** The CR0 a non-exiting MOV to CR0 produces: guest-owned bits from `value`, host-owned bits kept (SDM §25.3). */
export function vmxMergeCr0(cpu: Cpu, value: number): number {
  const mask = cpu.vmx!.cr0Mask;
  return (value & ~mask) | (cpu.cr0 & mask);
}

export function vmxMergeCr4(cpu: Cpu, value: number): number {
  const mask = cpu.vmx!.cr4Mask;
  return (value & ~mask) | (cpu.cr4 & mask);
}

/** CLTS exits when CR0.TS is host-owned and its shadow is 1. */
export function vmxClts(cpu: Cpu): void {
  const vmx = cpu.vmx!;
  if (vmx.cr0Mask & 8 && vmx.cr0Shadow & 8) instructionExit(cpu, EXIT_REASON_CR_ACCESS, CR_ACCESS_CLTS << 4);
}

/** LMSW exits when it would change a host-owned bit among PE/MP/EM/TS (it can set PE but never clear it). */
export function vmxLmsw(cpu: Cpu, source: number, memOperand: boolean): void {
  const vmx = cpu.vmx!;
  const owned = vmx.cr0Mask & 0xf;
  const changes = ((source ^ vmx.cr0Shadow) & owned & 0xe) !== 0 || ((owned & 1) !== 0 && (vmx.cr0Shadow & 1) === 0 && (source & 1) !== 0);
  if (changes) {
    instructionExit(cpu, EXIT_REASON_CR_ACCESS, (CR_ACCESS_LMSW << 4) | (memOperand ? 1 << 6 : 0) | ((source & 0xffff) << 16));
  }
}

export function vmxMovDr(cpu: Cpu, dr: number, toDr: boolean, gpr: number): void {
  if (cpu.vmx!.proc & CPU_BASED_MOV_DR_EXITING) {
    instructionExit(cpu, EXIT_REASON_DR_ACCESS, dr | (toDr ? 0 : 1 << 4) | (gpr << 8));
  }
}
