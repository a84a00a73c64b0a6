/**
 * System instructions (SDM vol. 2): 0F 00 (SLDT STR LLDT LTR VERR VERW), 0F 01 (SGDT SIDT LGDT LIDT
 * SMSW LMSW INVLPG, VMCALL...), LAR, LSL, CLTS, MOV to/from CR and DR, INVD, WBINVD, WRMSR, RDTSC,
 * RDMSR, RDPMC, SYSENTER, SYSEXIT, CPUID, UD2, the multi-byte NOPs, ARPL, BOUND, and the VMX
 * instructions, which exit unconditionally in VMX non-root operation (SDM vol. 3C §25.1.2).
 */
import type { Cpu } from "../cpu.js";
import { EXC_BR, EXC_DB, EXC_GP, EXC_NP, EXC_UD } from "../core/exceptions.js";
import {
  AR_UNUSABLE, CR0_CD, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR4_DE, CR4_PAE, CR4_PCE, CR4_PGE, CR4_PSE, CR4_TSD, CR4_VMXE, CS,
  EAX, ECX, EDX, EBX, ESP, FLAG_IF, FLAG_RF, FLAG_VM, FLAG_ZF, LDTR, SS, TR,
} from "../core/registers.js";
import { commitSegment, fetchDescriptor, loadNullSegment } from "../core/segmentation.js";
import { armDataBreakpoints, DR6_BD, DR6_FIXED1, DR7_FIXED0, DR7_FIXED1, DR7_GD } from "../core/debug.js";
import { loadPdptes } from "../mmu/paging.js";
import { readMsr, writeMsr } from "../core/msr.js";
import { CR0_FIXED1, CR4_FIXED1 } from "../vmx/capabilities.js";
import {
  EXIT_REASON_INVEPT, EXIT_REASON_INVVPID, EXIT_REASON_VMCALL, EXIT_REASON_VMCLEAR, EXIT_REASON_VMLAUNCH,
  EXIT_REASON_VMOFF, EXIT_REASON_VMON, EXIT_REASON_VMPTRLD, EXIT_REASON_VMPTRST, EXIT_REASON_VMREAD,
  EXIT_REASON_VMRESUME, EXIT_REASON_VMWRITE,
} from "../vmx/exit-reasons.js";
import {
  instructionExit, vmxClts, vmxCpuid, vmxMergeCr0, vmxMergeCr4, vmxDescriptorTable, vmxGuestCr0, vmxGuestCr4, vmxInvd, vmxInvlpg, vmxLmsw,
  vmxMonitor, vmxMovDr, vmxMovFromCr, vmxMovToCr, vmxMsr, vmxMwait, vmxRdpmc, vmxRdtsc, vmxWbinvd,
} from "../vmx/intercepts.js";
import type { Handler } from "./table.js";

/** Privileged instructions need CPL 0 in protected mode; V86 mode is CPL 3 (SDM vol. 3A §5.9). */
function requireCpl0(cpu: Cpu): void {
  if (cpu.protectedMode && cpu.cpl !== 0) cpu.raise(EXC_GP, 0);
}

/** Instructions that do not exist in real-address or V86 mode (#UD there). */
function requireProtected(cpu: Cpu): void {
  if (cpu.realAddressing) cpu.ud();
}

const scratch = new Int32Array(4);

function cpuid(cpu: Cpu): void {
  if (cpu.nonRoot) {
    vmxCpuid(cpu);
    return;
  }
  // A serialising instruction: code another processor wrote (cross-modifying code, SDM vol. 3A §8.1.3)
  // must be fetched afresh after it.
  cpu.newCodeEpoch();
  cpu.cpuid.query(cpu.reg[EAX]!, cpu.reg[ECX]!, scratch);
  cpu.reg[EAX] = scratch[0]!;
  cpu.reg[EBX] = scratch[1]!;
  cpu.reg[ECX] = scratch[2]!;
  cpu.reg[EDX] = scratch[3]!;
}

// ---------------- control and debug registers ----------------

function movFromCr(cpu: Cpu): void {
  const m = cpu.fetch8();
  const cr = (m >> 3) & 7, gpr = m & 7;
  requireCpl0(cpu);
  if (cr === 1 || cr > 4) cpu.ud();
  if (cpu.nonRoot) vmxMovFromCr(cpu, cr, gpr);
  let v: number;
  switch (cr) {
    case 0: v = cpu.nonRoot ? vmxGuestCr0(cpu) : cpu.cr0; break;
    case 2: v = cpu.cr2; break;
    case 3: v = cpu.cr3; break;
    default: v = cpu.nonRoot ? vmxGuestCr4(cpu) : cpu.cr4; break;
  }
  cpu.reg[gpr] = v;
}

/** Loads CR0 with the checks of SDM vol. 2B MOV CR and vol. 3A §2.5. */
export function writeCr0(cpu: Cpu, value: number): void {
  value |= 0x10; // ET is hardwired to 1 on P6-family processors.
  if ((value & ~CR0_FIXED1) !== 0) cpu.raise(EXC_GP, 0);
  if ((value & CR0_PG) !== 0 && (value & CR0_PE) === 0) cpu.raise(EXC_GP, 0);
  if ((value & CR0_NW) !== 0 && (value & CR0_CD) === 0) cpu.raise(EXC_GP, 0);
  const old = cpu.cr0;
  if ((value & CR0_PG) !== 0 && (old & CR0_PG) === 0 && (cpu.cr4 & CR4_PAE) !== 0) {
    if (!loadPdptes(cpu, cpu.cr3)) cpu.raise(EXC_GP, 0);
  }
  cpu.cr0 = value;
  if ((old ^ value) & (CR0_PG | CR0_PE | (1 << 16))) cpu.flushTlb(true);
  if ((old ^ value) & CR0_PE) cpu.onModeChange();
}

export function writeCr3(cpu: Cpu, value: number): void {
  if ((cpu.cr0 & CR0_PG) !== 0 && (cpu.cr4 & CR4_PAE) !== 0 && !loadPdptes(cpu, value)) cpu.raise(EXC_GP, 0);
  cpu.cr3 = value;
  cpu.flushTlb(false);
}

export function writeCr4(cpu: Cpu, value: number): void {
  if ((value & ~CR4_FIXED1) !== 0) cpu.raise(EXC_GP, 0);
  // CR4.VMXE cannot be cleared in VMX operation (SDM vol. 3C §23.8).
  if (cpu.vmx !== null && !cpu.nonRoot && (value & CR4_VMXE) === 0) cpu.raise(EXC_GP, 0);
  const old = cpu.cr4;
  if ((value & CR4_PAE) !== 0 && (old & CR4_PAE) === 0 && (cpu.cr0 & CR0_PG) !== 0 && !loadPdptes(cpu, cpu.cr3)) cpu.raise(EXC_GP, 0);
  cpu.cr4 = value;
  if ((old ^ value) & (CR4_PSE | CR4_PGE | CR4_PAE)) cpu.flushTlb(true);
}

function movToCr(cpu: Cpu): void {
  const m = cpu.fetch8();
  const cr = (m >> 3) & 7, gpr = m & 7;
  requireCpl0(cpu);
  if (cr === 1 || cr > 4) cpu.ud();
  const value = cpu.reg[gpr]!;
  if (cpu.nonRoot) vmxMovToCr(cpu, cr, value, gpr);
  switch (cr) {
    // In VMX non-root operation a MOV to CR0/CR4 that does not exit leaves the bits the host owns
    // (set in the guest/host mask) unchanged (SDM vol. 3C §25.3).
    case 0: writeCr0(cpu, cpu.nonRoot ? vmxMergeCr0(cpu, value) : value); break;
    case 2: cpu.cr2 = value; break;
    case 3: writeCr3(cpu, value); break;
    default: writeCr4(cpu, cpu.nonRoot ? vmxMergeCr4(cpu, value) : value); break;
  }
}

function movDr(cpu: Cpu, toDr: boolean): void {
  const m = cpu.fetch8();
  let dr = (m >> 3) & 7;
  const gpr = m & 7;
  requireCpl0(cpu);
  // DR4/DR5 alias DR6/DR7 unless CR4.DE, which makes them #UD (SDM vol. 3B §17.2.2).
  if (dr === 4 || dr === 5) {
    if (cpu.cr4 & CR4_DE) cpu.ud();
    dr += 2;
  }
  // DR7.GD: any debug-register access is a #DB fault with DR6.BD (the delivery clears GD).
  if (cpu.dr[7]! & DR7_GD) {
    cpu.debugTrap = DR6_BD;
    cpu.raise(EXC_DB);
  }
  if (cpu.nonRoot) vmxMovDr(cpu, dr, toDr, gpr);
  if (toDr) {
    const v = cpu.reg[gpr]!;
    if (dr === 6) cpu.dr[6] = (v | DR6_FIXED1) & ~0x1000;
    else if (dr === 7) cpu.dr[7] = (v | DR7_FIXED1) & ~DR7_FIXED0;
    else cpu.dr[dr] = v;
    // New addresses or conditions: the pages watched for data breakpoints change.
    if (dr !== 6) armDataBreakpoints(cpu);
  } else {
    cpu.reg[gpr] = cpu.dr[dr]!;
  }
}

// ---------------- descriptor tables (0F 00 and 0F 01) ----------------

function group0F00(cpu: Cpu): void {
  cpu.decodeModrm();
  const op = cpu.modrmReg;
  requireProtected(cpu);
  if (cpu.nonRoot) vmxDescriptorTable(cpu, true, op << 28);
  switch (op) {
    case 0:
    case 1: {
      const sel = cpu.segSel[op === 0 ? LDTR : TR]!;
      if (cpu.modrm >= 0xc0 && cpu.o32) cpu.reg[cpu.modrm & 7] = sel;
      else cpu.writeRm16(sel);
      return;
    }
    case 2: {
      requireCpl0(cpu);
      const sel = cpu.readRm16();
      if ((sel & 0xfffc) === 0) {
        loadNullSegment(cpu, LDTR, sel);
        return;
      }
      if (sel & 4) cpu.raise(EXC_GP, sel & 0xfffc);
      fetchDescriptor(cpu, sel);
      if ((cpu.descHi & 0x1f00) !== 0x0200) cpu.raise(EXC_GP, sel & 0xfffc);
      if ((cpu.descHi & 0x8000) === 0) cpu.raise(EXC_NP, sel & 0xfffc);
      commitSegment(cpu, LDTR, sel);
      return;
    }
    case 3: {
      requireCpl0(cpu);
      const sel = cpu.readRm16();
      if ((sel & 0xfffc) === 0 || sel & 4) cpu.raise(EXC_GP, sel & 0xfffc);
      fetchDescriptor(cpu, sel);
      const type = (cpu.descHi >>> 8) & 0x1f;
      // Only an available TSS (16-bit type 1, 32-bit type 9) can be loaded; it becomes busy.
      if (type !== 0x01 && type !== 0x09) cpu.raise(EXC_GP, sel & 0xfffc);
      if ((cpu.descHi & 0x8000) === 0) cpu.raise(EXC_NP, sel & 0xfffc);
      cpu.descHi |= 0x200;
      cpu.writeSys32((cpu.gdtrBase + (sel & 0xfff8) + 4) | 0, cpu.descHi);
      commitSegment(cpu, TR, sel);
      return;
    }
    default: {
      // VERR (4) / VERW (5): ZF = 1 when the segment is accessible for reading / writing at CPL and RPL.
      if (op > 5) cpu.ud();
      const sel = cpu.readRm16();
      cpu.setStatusFlag(FLAG_ZF, verify(cpu, sel, op === 5));
    }
  }
}

function verify(cpu: Cpu, sel: number, write: boolean): boolean {
  if ((sel & 0xfffc) === 0) return false;
  const limit = sel & 4 ? cpu.segLimit[LDTR]! >>> 0 : cpu.gdtrLimit;
  if ((sel & 4 && (cpu.segAr[LDTR]! & AR_UNUSABLE) !== 0) || (sel & 0xfff8) + 7 > limit) return false;
  fetchDescriptor(cpu, sel);
  const hi = cpu.descHi;
  if ((hi & (1 << 12)) === 0) return false;
  const type = (hi >>> 8) & 0xf;
  const dpl = (hi >>> 13) & 3;
  const conformingCode = (type & 0xc) === 0xc;
  if (!conformingCode && (dpl < cpu.cpl || dpl < (sel & 3))) return false;
  if (write) return (type & 8) === 0 && (type & 2) !== 0;
  return (type & 8) === 0 || (type & 2) !== 0;
}

/** LAR (0F 02) / LSL (0F 03): access rights or limit of a visible descriptor, ZF = 1 on success. */
function larLsl(cpu: Cpu, lsl: boolean): void {
  cpu.decodeModrm();
  requireProtected(cpu);
  const sel = cpu.readRm16();
  const ok = (): boolean => {
    if ((sel & 0xfffc) === 0) return false;
    const limit = sel & 4 ? cpu.segLimit[LDTR]! >>> 0 : cpu.gdtrLimit;
    if ((sel & 4 && (cpu.segAr[LDTR]! & AR_UNUSABLE) !== 0) || (sel & 0xfff8) + 7 > limit) return false;
    fetchDescriptor(cpu, sel);
    const hi = cpu.descHi;
    const type = (hi >>> 8) & 0xf;
    const dpl = (hi >>> 13) & 3;
    if ((hi & (1 << 12)) === 0) {
      // System descriptors: LAR accepts TSS (1,3,9,11), LDT (2), call/task gates (4,5,12); LSL only those with limits.
      const valid = lsl ? [1, 2, 3, 9, 11] : [1, 2, 3, 4, 5, 9, 11, 12];
      if (!valid.includes(type)) return false;
    } else if ((type & 0xc) === 0xc) {
      return true;
    }
    return dpl >= cpu.cpl && dpl >= (sel & 3);
  };
  if (!ok()) {
    cpu.setStatusFlag(FLAG_ZF, false);
    return;
  }
  let v: number;
  if (lsl) {
    const raw = (cpu.descLo & 0xffff) | (cpu.descHi & 0xf0000);
    v = cpu.descHi & (1 << 23) ? ((raw << 12) | 0xfff) | 0 : raw;
  } else {
    v = cpu.descHi & 0x00f0ff00;
  }
  if (cpu.o32) cpu.reg[cpu.modrmReg] = v;
  else cpu.setReg16(cpu.modrmReg, v);
  cpu.setStatusFlag(FLAG_ZF, true);
}

/** 0F 01 with a register operand encodes other instructions (SDM vol. 2D table A-6). */
const VMX_0F01_EXITS: Record<number, number> = {
  0xc1: EXIT_REASON_VMCALL,
  0xc2: EXIT_REASON_VMLAUNCH,
  0xc3: EXIT_REASON_VMRESUME,
  0xc4: EXIT_REASON_VMOFF,
};

function group0F01(cpu: Cpu): void {
  const lin = (cpu.segBase[CS]! + cpu.eip) | 0;
  const peek = cpu.read8(lin);
  if (peek >= 0xc0) {
    cpu.fetch8();
    const exit = VMX_0F01_EXITS[peek];
    if (exit !== undefined) {
      // VMCALL and the other VMX instructions exit unconditionally in non-root operation; outside VMX they are #UD.
      if (cpu.nonRoot) instructionExit(cpu, exit, 0);
      cpu.ud();
    }
    if (peek === 0xc8 || peek === 0xc9) {
      // MONITOR / MWAIT: not advertised in CPUID, so #UD outside a VMM that intercepts them.
      if (cpu.nonRoot) {
        if (peek === 0xc8) vmxMonitor(cpu);
        else vmxMwait(cpu);
      }
      cpu.ud();
    }
    const op = (peek >> 3) & 7;
    // SMSW r / LMSW r.
    if (op === 4) {
      const v = cpu.nonRoot ? vmxGuestCr0(cpu) : cpu.cr0;
      if (cpu.o32) cpu.reg[peek & 7] = v;
      else cpu.setReg16(peek & 7, v);
      return;
    }
    if (op === 6) {
      lmsw(cpu, cpu.reg[peek & 7]! & 0xffff, false);
      return;
    }
    cpu.ud();
  }
  cpu.decodeModrm();
  const op = cpu.modrmReg;
  switch (op) {
    case 0:
    case 1: {
      if (cpu.nonRoot) vmxDescriptorTable(cpu, false, op << 28);
      const base = op === 0 ? cpu.gdtrBase : cpu.idtrBase;
      const limit = op === 0 ? cpu.gdtrLimit : cpu.idtrLimit;
      cpu.segAddr(cpu.eaSeg, cpu.eaOff, 6, true);
      cpu.wr16(cpu.eaSeg, cpu.eaOff, limit);
      // With a 16-bit operand the sixth byte is stored as 0 (SDM vol. 2B SGDT).
      cpu.wr32(cpu.eaSeg, (cpu.eaOff + 2) | 0, cpu.o32 ? base : base & 0xffffff);
      return;
    }
    case 2:
    case 3: {
      requireCpl0(cpu);
      if (cpu.nonRoot) vmxDescriptorTable(cpu, false, op << 28);
      const limit = cpu.rd16(cpu.eaSeg, cpu.eaOff);
      let base = cpu.rd32(cpu.eaSeg, (cpu.eaOff + 2) | 0);
      if (!cpu.o32) base &= 0xffffff;
      if (op === 2) {
        cpu.gdtrBase = base;
        cpu.gdtrLimit = limit;
      } else {
        cpu.idtrBase = base;
        cpu.idtrLimit = limit;
      }
      return;
    }
    case 4:
      cpu.writeRm16(cpu.nonRoot ? vmxGuestCr0(cpu) : cpu.cr0);
      return;
    case 6:
      lmsw(cpu, cpu.readRm16(), true);
      return;
    case 7: {
      requireCpl0(cpu);
      const linear = (cpu.segBase[cpu.eaSeg]! + cpu.eaOff) | 0;
      if (cpu.nonRoot) vmxInvlpg(cpu, linear);
      cpu.invalidatePage(linear);
      return;
    }
    default:
      cpu.ud();
  }
}

/** LMSW: loads CR0 bits 3:0; it can set PE but never clear it (SDM vol. 2A LMSW). */
function lmsw(cpu: Cpu, source: number, mem: boolean): void {
  requireCpl0(cpu);
  if (cpu.nonRoot) vmxLmsw(cpu, source, mem);
  const v = (cpu.cr0 & ~0xe) | (source & 0xe) | ((cpu.cr0 | source) & CR0_PE);
  writeCr0(cpu, cpu.nonRoot ? vmxMergeCr0(cpu, v) : v);
}

// ---------------- fast system calls (SDM vol. 2B SYSENTER/SYSEXIT) ----------------

function flatSegment(cpu: Cpu, s: number, selector: number, ar: number): void {
  cpu.segSel[s] = selector;
  cpu.segBase[s] = 0;
  cpu.segLimit[s] = -1;
  cpu.segAr[s] = ar;
  cpu.refreshSegment(s);
}

function sysenter(cpu: Cpu): void {
  if (!cpu.protectedMode) cpu.raise(EXC_GP, 0);
  const cs = cpu.sysenterCs & 0xfffc;
  if (cs === 0) cpu.raise(EXC_GP, 0);
  cpu.setFlags(cpu.getFlags() & ~(FLAG_VM | FLAG_IF | FLAG_RF));
  cpu.cpl = 0;
  // Flat 4 GiB code (execute/read, accessed) and stack (read/write, accessed) at DPL 0, 32-bit.
  flatSegment(cpu, CS, cs, 0xc09b);
  flatSegment(cpu, SS, (cs + 8) & 0xfffc, 0xc093);
  cpu.onModeChange();
  cpu.reg[ESP] = cpu.sysenterEsp;
  cpu.eip = cpu.sysenterEip;
  cpu.resetFetch();
}

function sysexit(cpu: Cpu): void {
  const cs = cpu.sysenterCs & 0xfffc;
  if (!cpu.protectedMode || cpu.cpl !== 0 || cs === 0) cpu.raise(EXC_GP, 0);
  cpu.cpl = 3;
  flatSegment(cpu, CS, (cs + 16) | 3, 0xc0fb);
  flatSegment(cpu, SS, (cs + 24) | 3, 0xc0f3);
  cpu.onModeChange();
  cpu.reg[ESP] = cpu.reg[ECX]!;
  cpu.eip = cpu.reg[EDX]!;
  cpu.resetFetch();
}

// ---------------- MSRs and counters ----------------

function rdmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const index = cpu.reg[ECX]!;
  if (cpu.nonRoot) vmxMsr(cpu, index, false);
  const v = readMsr(cpu, index);
  if (v === undefined) cpu.raise(EXC_GP, 0);
  cpu.reg[EAX] = v[0];
  cpu.reg[EDX] = v[1];
}

function wrmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const index = cpu.reg[ECX]!;
  if (cpu.nonRoot) vmxMsr(cpu, index, true);
  if (!writeMsr(cpu, index, cpu.reg[EAX]!, cpu.reg[EDX]!)) cpu.raise(EXC_GP, 0);
}

function rdtsc(cpu: Cpu): void {
  if (cpu.cr4 & CR4_TSD && cpu.protectedMode && cpu.cpl !== 0) cpu.raise(EXC_GP, 0);
  if (cpu.nonRoot) vmxRdtsc(cpu);
  let t = cpu.readTsc();
  if (cpu.nonRoot && cpu.vmx !== null) t += cpu.vmx.tscOffsetHi * 0x100000000 + cpu.vmx.tscOffsetLo;
  cpu.reg[EAX] = t >>> 0;
  cpu.reg[EDX] = Math.floor(t / 0x100000000) | 0;
}

function rdpmc(cpu: Cpu): void {
  if (cpu.protectedMode && cpu.cpl !== 0 && (cpu.cr4 & CR4_PCE) === 0) cpu.raise(EXC_GP, 0);
  if (cpu.nonRoot) vmxRdpmc(cpu);
  // No performance-monitoring counters are implemented (CPUID leaf 0AH absent): every index is invalid.
  cpu.raise(EXC_GP, 0);
}

export function installSystem(t: Handler[], t0f: Handler[]): void {
  t0f[0x00] = group0F00;
  t0f[0x01] = group0F01;
  t0f[0x02] = (cpu) => larLsl(cpu, false);
  t0f[0x03] = (cpu) => larLsl(cpu, true);
  t0f[0x06] = (cpu) => {
    requireCpl0(cpu);
    if (cpu.nonRoot) vmxClts(cpu);
    // A host-owned TS is left alone by a non-exiting CLTS (SDM vol. 3C §25.3).
    if (!cpu.nonRoot || (cpu.vmx!.cr0Mask & CR0_TS) === 0) cpu.cr0 &= ~CR0_TS;
  };
  t0f[0x08] = (cpu) => {
    requireCpl0(cpu);
    if (cpu.nonRoot) vmxInvd(cpu);
  };
  t0f[0x09] = (cpu) => {
    requireCpl0(cpu);
    if (cpu.nonRoot) vmxWbinvd(cpu);
  };
  t0f[0x0b] = (cpu) => cpu.raise(EXC_UD);
  // 0F 18-1F: hint NOPs with a ModRM operand (NOP r/m is 0F 1F /0).
  for (let op = 0x18; op <= 0x1f; op++) t0f[op] = (cpu) => cpu.decodeModrm();
  t0f[0x20] = movFromCr;
  t0f[0x22] = movToCr;
  t0f[0x21] = (cpu) => movDr(cpu, false);
  t0f[0x23] = (cpu) => movDr(cpu, true);
  t0f[0x30] = wrmsr;
  t0f[0x31] = rdtsc;
  t0f[0x32] = rdmsr;
  t0f[0x33] = rdpmc;
  t0f[0x34] = sysenter;
  t0f[0x35] = sysexit;
  t0f[0xa2] = cpuid;
  // VMREAD/VMWRITE (0F 78/79), and 0F C7 /6 /7 (VMPTRLD, VMCLEAR with 66, VMXON with F3, VMPTRST).
  t0f[0x78] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.nonRoot) instructionExit(cpu, EXIT_REASON_VMREAD, 0);
    cpu.ud();
  };
  t0f[0x79] = (cpu) => {
    cpu.decodeModrm();
    if (cpu.nonRoot) instructionExit(cpu, EXIT_REASON_VMWRITE, 0);
    cpu.ud();
  };
  // INVEPT / INVVPID are 66 0F 38 80/81.
  t0f[0x38] = (cpu) => {
    const op = cpu.fetch8();
    if (op !== 0x80 && op !== 0x81) cpu.ud();
    cpu.decodeModrm();
    if (cpu.nonRoot) instructionExit(cpu, op === 0x80 ? EXIT_REASON_INVEPT : EXIT_REASON_INVVPID, 0);
    cpu.ud();
  };
  t[0x63] = (cpu) => {
    // ARPL: protected mode only.
    requireProtected(cpu);
    cpu.decodeModrm();
    cpu.checkRmWritable(2);
    const dst = cpu.readRm16();
    const src = cpu.reg[cpu.modrmReg]! & 3;
    if ((dst & 3) < src) {
      cpu.writeRm16((dst & ~3) | src);
      cpu.setStatusFlag(FLAG_ZF, true);
    } else {
      cpu.setStatusFlag(FLAG_ZF, false);
    }
  };
  t[0x62] = (cpu) => {
    // BOUND: a register operand is #UD; out of bounds raises #BR (SDM vol. 2A BOUND).
    cpu.decodeModrm();
    if (cpu.modrm >= 0xc0) cpu.ud();
    const idx = cpu.o32 ? cpu.reg[cpu.modrmReg]! : (cpu.reg[cpu.modrmReg]! << 16) >> 16;
    const lower = cpu.o32 ? cpu.rd32(cpu.eaSeg, cpu.eaOff) : (cpu.rd16(cpu.eaSeg, cpu.eaOff) << 16) >> 16;
    const upper = cpu.o32 ? cpu.rd32(cpu.eaSeg, (cpu.eaOff + 4) | 0) : (cpu.rd16(cpu.eaSeg, (cpu.eaOff + 2) | 0) << 16) >> 16;
    if (idx < lower || idx > upper) cpu.raise(EXC_BR);
  };
  // 0F C7 /1 is CMPXCHG8B (data.ts); /6 /7 are VMX instructions here.
  const cmpxchg8b = t0f[0xc7]!;
  t0f[0xc7] = (cpu) => {
    const lin = (cpu.segBase[CS]! + cpu.eip) | 0;
    const r = (cpu.read8(lin) >> 3) & 7;
    if (r === 1) {
      cmpxchg8b(cpu);
      return;
    }
    cpu.decodeModrm();
    if ((r === 6 || r === 7) && cpu.modrm < 0xc0 && cpu.nonRoot) {
      const reason = r === 7 ? EXIT_REASON_VMPTRST : cpu.rep === 1 ? EXIT_REASON_VMON : cpu.o32 !== cpu.codeSize32 ? EXIT_REASON_VMCLEAR : EXIT_REASON_VMPTRLD;
      instructionExit(cpu, reason, (cpu.eaOff >>> 0));
    }
    cpu.ud();
  };
}
