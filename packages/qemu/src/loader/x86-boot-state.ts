import type { AccelVcpu } from "../accel/accel.js";

/*
 * The register state a direct-boot loader starts the boot vCPU in (what QEMU's linuxboot, multiboot
 * and pvh option ROMs leave behind before jumping to the kernel): flat 32-bit protected mode, paging
 * off, interrupts off, a small GDT in guest RAM with a code and a data descriptor (base 0, 4 GiB,
 * page granular), and the entry registers the boot protocol names.
 */

export interface X86BootState {
  /** The GDT image to place at gdtAddr (null descriptor first). */
  readonly gdt: Uint8Array;
  readonly gdtAddr: number;
  readonly codeSelector: number;
  readonly dataSelector: number;
  readonly eip: number;
  readonly eax: number;
  readonly ebx: number;
  readonly esi: number;
}

const CR0_PE = 0x1;

/** A flat code (execute/read) and data (read/write) descriptor pair at the given selectors. */
export function flatProtectedModeState(o: {
  gdtAddr: number;
  codeSelector: number;
  dataSelector: number;
  eip: number;
  eax?: number;
  ebx?: number;
  esi?: number;
}): X86BootState {
  const entries = Math.max(o.codeSelector, o.dataSelector) / 8 + 1;
  const gdt = new Uint8Array(entries * 8);
  const dv = new DataView(gdt.buffer);
  // limit 0xFFFFF, G=1, D/B=1, P=1, S=1, DPL 0; type 0xB (code, read, accessed) / 0x3 (data, write, accessed)
  dv.setUint32(o.codeSelector, 0x0000ffff, true);
  dv.setUint32(o.codeSelector + 4, 0x00cf9b00, true);
  dv.setUint32(o.dataSelector, 0x0000ffff, true);
  dv.setUint32(o.dataSelector + 4, 0x00cf9300, true);
  return {
    gdt,
    gdtAddr: o.gdtAddr,
    codeSelector: o.codeSelector,
    dataSelector: o.dataSelector,
    eip: o.eip,
    eax: o.eax ?? 0,
    ebx: o.ebx ?? 0,
    esi: o.esi ?? 0,
  };
}

/** Puts a vCPU (just reset) into the boot state. */
export function applyBootState(vcpu: AccelVcpu, s: X86BootState): void {
  const sregs = vcpu.getSregs();
  const flat = (selector: number, type: number): typeof sregs.cs => ({
    base: 0,
    limit: 0xffffffff,
    selector,
    type,
    present: 1,
    dpl: 0,
    db: 1,
    s: 1,
    l: 0,
    g: 1,
    avl: 0,
    unusable: 0,
  });
  sregs.cs = flat(s.codeSelector, 0xb);
  sregs.ds = flat(s.dataSelector, 0x3);
  sregs.es = flat(s.dataSelector, 0x3);
  sregs.fs = flat(s.dataSelector, 0x3);
  sregs.gs = flat(s.dataSelector, 0x3);
  sregs.ss = flat(s.dataSelector, 0x3);
  sregs.gdt = { base: s.gdtAddr, limit: s.gdt.length - 1 };
  sregs.cr0 = (sregs.cr0 | CR0_PE) >>> 0;
  vcpu.setSregs(sregs);
  const regs = vcpu.getRegs();
  vcpu.setRegs({
    ...regs,
    rax: s.eax,
    rbx: s.ebx,
    rcx: 0,
    rdx: 0,
    rsi: s.esi,
    rdi: 0,
    rbp: 0,
    rsp: 0,
    rip: s.eip,
    rflags: 0x2,
  });
}
