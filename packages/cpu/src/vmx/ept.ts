/**
 * Extended page tables (SDM vol. 3C §29.3): the guest-physical → host-physical walk the processor
 * performs in VMX non-root operation with "enable EPT", with EPT violations and misconfigurations as
 * VM exits (§29.3.3). Entries are 8 bytes; this 32-bit-physical model requires address bits 63:32 of
 * every entry to be 0 (MAXPHYADDR 32) and reports anything else as a misconfiguration.
 */
import type { Cpu } from "../cpu.js";
import { VM_EXIT } from "../core/exceptions.js";
import { EXIT_REASON_EPT_MISCONFIG, EXIT_REASON_EPT_VIOLATION } from "./exit-reasons.js";
import { faultExitRip, vmExit } from "./vm-exit.js";

/** EPT entry bits (SDM vol. 3C §29.3.2, tables 29-1 .. 29-6). */
export const VMX_EPT_READABLE_MASK = 1 << 0;
export const VMX_EPT_WRITABLE_MASK = 1 << 1;
export const VMX_EPT_EXECUTABLE_MASK = 1 << 2;
export const VMX_EPT_IPAT_BIT = 1 << 6;
export const VMX_EPT_LARGE_PAGE = 1 << 7;
export const VMX_EPT_ACCESS_BIT = 1 << 8;
export const VMX_EPT_DIRTY_BIT = 1 << 9;
export const VMX_EPT_MT_SHIFT = 3;

/** EPT-violation exit-qualification bits (SDM vol. 3C §28.2.1, table 28-7; Linux EPT_VIOLATION_*). */
export const EPT_VIOLATION_ACC_READ = 1 << 0;
export const EPT_VIOLATION_ACC_WRITE = 1 << 1;
export const EPT_VIOLATION_ACC_INSTR = 1 << 2;
export const EPT_VIOLATION_PROT_SHIFT = 3;
export const EPT_VIOLATION_GVA_IS_VALID = 1 << 7;
export const EPT_VIOLATION_GVA_TRANSLATED = 1 << 8;

const ACCESS_WRITE = 1;
const ACCESS_FETCH = 2;

/**
 * Translates a guest-physical address for `access` (0 read, 1 write, 2 fetch). `lin` is the guest-linear
 * address behind the access (-1 when there is none, e.g. PDPTE loads), `final` says whether this is the
 * access's own address (true) or a paging-structure entry (false). Identity outside non-root/EPT.
 */
export function guestPhysicalToHost(cpu: Cpu, gpa: number, access: number, lin: number, final: boolean): number {
  const vmx = cpu.vmx;
  if (!cpu.nonRoot || vmx?.eptActive !== true) return gpa >>> 0;
  gpa >>>= 0;
  const mem = cpu.mem;
  let table = vmx.eptRoot;
  let perm = 7;
  // 4-level walk: PML4 (bits 47:39, always 0 for 32-bit addresses), PDPT (38:30), PD (29:21), PT (20:12).
  for (let level = 4; level >= 1; level--) {
    const shift = 12 + 9 * (level - 1);
    const idx = level === 4 ? 0 : (gpa >>> shift) & 0x1ff;
    const entryAddr = table + idx * 8;
    const lo = mem.read32(entryAddr);
    const hi = mem.read32(entryAddr + 4);
    const rwx = lo & 7;
    if (rwx === 0) return violation(cpu, gpa, access, lin, final, 0);
    // Write without read is a misconfiguration; so are address bits above MAXPHYADDR.
    if ((rwx & 3) === VMX_EPT_WRITABLE_MASK || (hi & 0x000fffff) !== 0) misconfig(cpu, gpa);
    perm &= rwx;
    const leaf = level === 1 || (level <= 3 && (lo & VMX_EPT_LARGE_PAGE) !== 0);
    if (level === 4 && (lo & 0xf8) !== 0) misconfig(cpu, gpa);
    if (leaf) {
      const mt = (lo >>> VMX_EPT_MT_SHIFT) & 7;
      if (mt === 2 || mt === 3 || mt === 7) misconfig(cpu, gpa);
      const pageBits = shift;
      // A large page's address bits below its size are reserved.
      if (pageBits > 12 && (lo & (((1 << (pageBits - 12)) - 1) << 12)) !== 0 && pageBits < 32) misconfig(cpu, gpa);
      const need = access === ACCESS_WRITE ? VMX_EPT_WRITABLE_MASK : access === ACCESS_FETCH ? VMX_EPT_EXECUTABLE_MASK : VMX_EPT_READABLE_MASK;
      if ((perm & need) === 0) return violation(cpu, gpa, access, lin, final, perm);
      vmx.lastEptPerm = perm;
      // Leaves are 4 KiB, 2 MiB or 1 GiB pages (levels 1-3): the offset bits fit below bit 31.
      const pageMask = (1 << pageBits) - 1;
      return ((lo & 0xfffff000 & ~pageMask) | (gpa & pageMask)) >>> 0;
    }
    // Non-leaf: bits 7:3 reserved.
    if ((lo & 0xf8) !== 0) misconfig(cpu, gpa);
    table = (lo & 0xfffff000) >>> 0;
  }
  return misconfig(cpu, gpa);
}

function violation(cpu: Cpu, gpa: number, access: number, lin: number, final: boolean, perm: number): never {
  const vmx = cpu.vmx!;
  let q = access === ACCESS_WRITE ? EPT_VIOLATION_ACC_WRITE : access === ACCESS_FETCH ? EPT_VIOLATION_ACC_INSTR : EPT_VIOLATION_ACC_READ;
  q |= perm << EPT_VIOLATION_PROT_SHIFT;
  if (lin !== -1) {
    q |= EPT_VIOLATION_GVA_IS_VALID;
    if (final) q |= EPT_VIOLATION_GVA_TRANSLATED;
    vmx.exitGuestLinear = lin;
  }
  vmx.exitGuestPhysical = gpa;
  // EPT violations are fault-like: the guest resumes at the faulting instruction (or event delivery).
  vmExit(cpu, EXIT_REASON_EPT_VIOLATION, q, faultExitRip(cpu));
  throw VM_EXIT;
}

function misconfig(cpu: Cpu, gpa: number): never {
  cpu.vmx!.exitGuestPhysical = gpa;
  vmExit(cpu, EXIT_REASON_EPT_MISCONFIG, 0, faultExitRip(cpu));
  throw VM_EXIT;
}
