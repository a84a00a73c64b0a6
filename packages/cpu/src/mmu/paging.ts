/**
 * Linear → physical translation: no paging, 32-bit paging with 4 KiB and 4 MiB (PSE) pages, and PAE
 * paging with 4 KiB and 2 MiB pages (SDM vol. 3A chapter 4), feeding the CPU's TLB. In VMX non-root
 * operation with EPT every guest-physical address the walk touches, and the final one, go through EPT.
 */
import type { Cpu } from "../cpu.js";
import { EXC_PF, PF_P, PF_RSVD, PF_U, PF_W } from "../core/exceptions.js";
import { CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE } from "../core/registers.js";
import { guestPhysicalToHost } from "../vmx/ept.js";

export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_FETCH = 2;

/** TLB permission bits: read/write/execute for supervisor and user accesses. */
export const TLB_R_SUP = 1;
export const TLB_R_USER = 2;
export const TLB_W_SUP = 4;
export const TLB_W_USER = 8;
export const TLB_X_SUP = 16;
export const TLB_X_USER = 32;
const TLB_ALL = 63;

/** Paging-entry bits (SDM vol. 3A §4.3 tables 4-4 .. 4-6). */
const PTE_P = 1;
const PTE_RW = 2;
const PTE_US = 4;
const PTE_A = 0x20;
const PTE_D = 0x40;
const PTE_PS = 0x80;
const PTE_G = 0x100;

/** MAXPHYADDR for paging reserved-bit checks: 36 bits, as P6-family processors with PAE (CPUID 0x80000008). */
export const MAXPHYADDR = 36;
/** PAE entry high-dword bits 62:MAXPHYADDR and XD (63, reserved without IA32_EFER.NXE) must be zero. */
const PAE_HIGH_RESERVED = ~((1 << (MAXPHYADDR - 32)) - 1) | 0;

function pageFault(cpu: Cpu, lin: number, access: number, user: boolean, code: number): never {
  cpu.cr2 = lin;
  return cpu.raise(EXC_PF, code | (access === ACCESS_WRITE ? PF_W : 0) | (user ? PF_U : 0));
}

/** Reads a paging-structure entry at guest-physical `gpa` (through EPT when active). */
function readEntry(cpu: Cpu, gpa: number, lin: number): number {
  return cpu.mem.read32(guestPhysicalToHost(cpu, gpa, ACCESS_READ, lin, false));
}

function writeEntry(cpu: Cpu, gpa: number, lin: number, value: number): void {
  const hpa = guestPhysicalToHost(cpu, gpa, ACCESS_WRITE, lin, false);
  // Accessed/dirty updates are processor writes like any other: code in the same bytes is dropped.
  cpu.noteWrite(hpa, 4);
  cpu.mem.write32(hpa, value);
}

/**
 * Translates `lin` for `access` at user (CPL 3) or supervisor privilege, raising #PF (or causing an EPT
 * VM exit) on failure, filling the TLB on success. Returns the host-physical address.
 */
export function translate(cpu: Cpu, lin: number, access: number, user: boolean): number {
  lin |= 0;
  let gpa: number;
  let perm: number;
  let global = false;
  let large = false;
  if ((cpu.cr0 & CR0_PG) === 0) {
    gpa = lin;
    perm = TLB_ALL;
  } else if (cpu.cr4 & CR4_PAE) {
    const r = walkPae(cpu, lin, access, user);
    gpa = r;
    perm = walkPerm;
    global = walkGlobal;
    large = walkLarge;
  } else {
    gpa = walk32(cpu, lin, access, user);
    perm = walkPerm;
    global = walkGlobal;
    large = walkLarge;
  }
  // A20M#: bit 20 of the physical address is forced to 0 while the gate is closed (not in VMX non-root).
  if (!cpu.a20 && !cpu.nonRoot) gpa &= ~(1 << 20);
  const hpa = guestPhysicalToHost(cpu, gpa, access, lin, true);
  perm &= eptPermMask(cpu);
  cpu.tlbFill(lin >>> 12, perm, hpa, global, large);
  return hpa;
}

/** EPT permissions of the last final translation folded into TLB bits (all bits outside EPT). */
function eptPermMask(cpu: Cpu): number {
  const vmx = cpu.vmx;
  if (!cpu.nonRoot || vmx?.eptActive !== true) return TLB_ALL;
  const p = vmx.lastEptPerm;
  return (p & 1 ? TLB_R_SUP | TLB_R_USER : 0) | (p & 2 ? TLB_W_SUP | TLB_W_USER : 0) | (p & 4 ? TLB_X_SUP | TLB_X_USER : 0);
}

// Walk results beyond the address, kept in module state to avoid allocating per walk.
let walkPerm = 0;
let walkGlobal = false;
/** The translation came from a 4 MiB or 2 MiB page (INVLPG must then drop the whole page's entries). */
let walkLarge = false;

function permissions(cpu: Cpu, rw: number, us: number, dirty: boolean): number {
  const wp = (cpu.cr0 & CR0_WP) !== 0;
  let p = TLB_R_SUP | TLB_X_SUP;
  if (us) p |= TLB_R_USER | TLB_X_USER;
  // Writes stay on the slow path until the dirty bit is set, so the walk can set it.
  if (dirty) {
    if (rw || !wp) p |= TLB_W_SUP;
    if (rw && us) p |= TLB_W_USER;
  }
  return p;
}

function checkAccess(cpu: Cpu, lin: number, access: number, user: boolean, rw: number, us: number): void {
  if (user && !us) pageFault(cpu, lin, access, user, PF_P);
  if (access === ACCESS_WRITE && !rw && (user || (cpu.cr0 & CR0_WP) !== 0)) pageFault(cpu, lin, access, user, PF_P);
}

/** 32-bit paging (SDM vol. 3A §4.3). */
function walk32(cpu: Cpu, lin: number, access: number, user: boolean): number {
  const pdeAddr = (cpu.cr3 & 0xfffff000) | ((lin >>> 22) << 2);
  const pde = readEntry(cpu, pdeAddr, lin);
  if ((pde & PTE_P) === 0) pageFault(cpu, lin, access, user, 0);
  const write = access === ACCESS_WRITE;
  if (pde & PTE_PS && cpu.cr4 & CR4_PSE) {
    // 4 MiB page. Bits 20:13 are PSE-36 address bits 39:32, reserved above MAXPHYADDR; bit 21 is reserved.
    if (pde & 0x003fe000 & ~(((1 << (MAXPHYADDR - 32)) - 1) << 13)) pageFault(cpu, lin, access, user, PF_P | PF_RSVD);
    checkAccess(cpu, lin, access, user, pde & PTE_RW, pde & PTE_US);
    const want = PTE_A | (write ? PTE_D : 0);
    if ((pde & want) !== want) writeEntry(cpu, pdeAddr, lin, pde | want);
    walkPerm = permissions(cpu, pde & PTE_RW, pde & PTE_US, write || (pde & PTE_D) !== 0);
    walkGlobal = (pde & PTE_G) !== 0 && (cpu.cr4 & CR4_PGE) !== 0;
    walkLarge = true;
    return ((pde & 0xffc00000) | (lin & 0x3fffff)) | 0;
  }
  const pteAddr = (pde & 0xfffff000) | (((lin >>> 12) & 0x3ff) << 2);
  const pte = readEntry(cpu, pteAddr, lin);
  if ((pte & PTE_P) === 0) pageFault(cpu, lin, access, user, 0);
  const rw = pde & pte & PTE_RW;
  const us = pde & pte & PTE_US;
  checkAccess(cpu, lin, access, user, rw, us);
  if ((pde & PTE_A) === 0) writeEntry(cpu, pdeAddr, lin, pde | PTE_A);
  const want = PTE_A | (write ? PTE_D : 0);
  if ((pte & want) !== want) writeEntry(cpu, pteAddr, lin, pte | want);
  walkPerm = permissions(cpu, rw, us, write || (pte & PTE_D) !== 0);
  walkGlobal = (pte & PTE_G) !== 0 && (cpu.cr4 & CR4_PGE) !== 0;
  walkLarge = false;
  return ((pte & 0xfffff000) | (lin & 0xfff)) | 0;
}

/** PAE paging (SDM vol. 3A §4.4): PDPTE registers, 8-byte PDEs/PTEs, 2 MiB pages. */
function walkPae(cpu: Cpu, lin: number, access: number, user: boolean): number {
  const i = lin >>> 30;
  const pdpteLo = cpu.pdpte[i * 2]!;
  if ((pdpteLo & PTE_P) === 0) pageFault(cpu, lin, access, user, 0);
  const pdeAddr = (pdpteLo & 0xfffff000) + (((lin >>> 21) & 0x1ff) << 3);
  const pde = readEntry(cpu, pdeAddr, lin);
  const pdeHi = readEntry(cpu, pdeAddr + 4, lin);
  if ((pde & PTE_P) === 0) pageFault(cpu, lin, access, user, 0);
  if (pdeHi & PAE_HIGH_RESERVED) pageFault(cpu, lin, access, user, PF_P | PF_RSVD);
  const write = access === ACCESS_WRITE;
  if (pde & PTE_PS) {
    if (pde & 0x001fe000) pageFault(cpu, lin, access, user, PF_P | PF_RSVD);
    checkAccess(cpu, lin, access, user, pde & PTE_RW, pde & PTE_US);
    const want = PTE_A | (write ? PTE_D : 0);
    if ((pde & want) !== want) writeEntry(cpu, pdeAddr, lin, pde | want);
    walkPerm = permissions(cpu, pde & PTE_RW, pde & PTE_US, write || (pde & PTE_D) !== 0);
    walkGlobal = (pde & PTE_G) !== 0 && (cpu.cr4 & CR4_PGE) !== 0;
    walkLarge = true;
    return ((pde & 0xffe00000) | (lin & 0x1fffff)) | 0;
  }
  const pteAddr = (pde & 0xfffff000) + (((lin >>> 12) & 0x1ff) << 3);
  const pte = readEntry(cpu, pteAddr, lin);
  const pteHi = readEntry(cpu, pteAddr + 4, lin);
  if ((pte & PTE_P) === 0) pageFault(cpu, lin, access, user, 0);
  if (pteHi & PAE_HIGH_RESERVED) pageFault(cpu, lin, access, user, PF_P | PF_RSVD);
  const rw = pde & pte & PTE_RW;
  const us = pde & pte & PTE_US;
  checkAccess(cpu, lin, access, user, rw, us);
  if ((pde & PTE_A) === 0) writeEntry(cpu, pdeAddr, lin, pde | PTE_A);
  const want = PTE_A | (write ? PTE_D : 0);
  if ((pte & want) !== want) writeEntry(cpu, pteAddr, lin, pte | want);
  walkPerm = permissions(cpu, rw, us, write || (pte & PTE_D) !== 0);
  walkGlobal = (pte & PTE_G) !== 0 && (cpu.cr4 & CR4_PGE) !== 0;
  walkLarge = false;
  return ((pte & 0xfffff000) | (lin & 0xfff)) | 0;
}

/**
 * Loads the four PDPTE registers from the table CR3 points to (SDM vol. 3A §4.4.1). Returns false when a
 * present entry has reserved bits set (the MOV CR3/CR0/CR4 then raises #GP(0)).
 */
export function loadPdptes(cpu: Cpu, cr3: number): boolean {
  const base = cr3 & 0xffffffe0;
  const tmp = new Int32Array(8);
  for (let i = 0; i < 4; i++) {
    const gpa = (base + i * 8) | 0;
    const lo = cpu.mem.read32(guestPhysicalToHost(cpu, gpa, ACCESS_READ, -1, false));
    const hi = cpu.mem.read32(guestPhysicalToHost(cpu, gpa + 4, ACCESS_READ, -1, false));
    if (lo & PTE_P && ((lo & 0x1e6) !== 0 || (hi & PAE_HIGH_RESERVED) !== 0 || (hi & 0x80000000) !== 0)) return false;
    tmp[i * 2] = lo;
    tmp[i * 2 + 1] = hi;
  }
  cpu.pdpte.set(tmp);
  return true;
}

