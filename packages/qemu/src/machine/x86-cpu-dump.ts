import type { VcpuRegs, VcpuSregs } from "../accel/accel.js";
import type { GuestMemory } from "../memory/guest-memory.js";

/*
 * The x86 CPU state as QEMU prints it (target/i386/cpu-dump.c x86_cpu_dump_state and
 * cpu_x86_dump_seg_cache) for "info registers" and the KVM error reports, plus the debug
 * translation of linear addresses through the guest's page tables (x86_cpu_get_phys_page_debug)
 * that "x", "Code=" and the disassembler need.
 */

type KvmSegment = VcpuSregs["cs"];

const hex = (v: number, w: number): string => (v >>> 0).toString(16).padStart(w, "0");

const CR0_PE = 1;
const CR0_PG = 0x80000000;
const CR4_PSE = 0x10;
const CR4_PAE = 0x20;

/** Descriptor flags word as QEMU's SegmentCache.flags (the descriptor's high dword, bits 8-23). */
function segFlags(s: KvmSegment): number {
  return (
    ((s.type & 0xf) << 8) |
    ((s.s & 1) << 12) |
    ((s.dpl & 3) << 13) |
    ((s.present & 1) << 15) |
    ((s.avl & 1) << 20) |
    ((s.l & 1) << 21) |
    ((s.db & 1) << 22) |
    ((s.g & 1) << 23)
  ) >>> 0;
}

const SYS_TYPE_NAMES = [
  "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate", "IntGate16", "TrapGate16",
  "Reserved", "TSS32-avl", "Reserved", "TSS32-busy", "CallGate32", "Reserved", "IntGate32", "TrapGate32",
];

function segLine(name: string, s: KvmSegment, protectedMode: boolean): string {
  let line = `${name.padEnd(3)}=${hex(s.selector, 4)} ${hex(s.base, 8)} ${hex(s.limit, 8)} ${hex(segFlags(s) & 0x00ffff00, 8)}`;
  if (protectedMode && s.present) {
    line += ` DPL=${s.dpl} `;
    if (s.s) {
      if (s.type & 8) {
        line += s.l ? "CS64" : s.db ? "CS32" : "CS16";
        line += ` [${s.type & 4 ? "C" : "-"}${s.type & 2 ? "R" : "-"}`;
      } else {
        line += s.db ? "DS  " : "DS16";
        line += ` [${s.type & 4 ? "E" : "-"}${s.type & 2 ? "W" : "-"}`;
      }
      line += `${s.type & 1 ? "A" : "-"}]`;
    } else {
      line += SYS_TYPE_NAMES[s.type & 0xf]!;
    }
  }
  return `${line}\n`;
}

export interface CpuDumpOptions {
  /** CPU_DUMP_CODE: the bytes around EIP ("Code=... <xx> ..."). */
  code?: GuestMemory;
  /** CPU_DUMP_FPU: struct kvm_fpu bytes (x87 and SSE state). */
  fpu?: Uint8Array;
  /** DR0-DR3, DR6, DR7 (KVM_GET_DEBUGREGS); architectural reset values when absent. */
  debugRegs?: { db: number[]; dr6: number; dr7: number };
  /** The vCPU is halted (HLT=1). */
  halted?: boolean;
}

/** x86_cpu_dump_state for a 32-bit target (what qemu-system-i386 prints). */
export function formatCpuState(regs: VcpuRegs, sregs: VcpuSregs, opts: CpuDumpOptions = {}): string {
  const pe = (sregs.cr0 & CR0_PE) !== 0;
  const f = regs.rflags;
  const flag = (mask: number, c: string): string => (f & mask ? c : "-");
  const cpl = pe ? sregs.cs.dpl & 3 : 0;
  let out =
    `EAX=${hex(regs.rax, 8)} EBX=${hex(regs.rbx, 8)} ECX=${hex(regs.rcx, 8)} EDX=${hex(regs.rdx, 8)}\n` +
    `ESI=${hex(regs.rsi, 8)} EDI=${hex(regs.rdi, 8)} EBP=${hex(regs.rbp, 8)} ESP=${hex(regs.rsp, 8)}\n` +
    `EIP=${hex(regs.rip, 8)} EFL=${hex(f, 8)} [${flag(0x400, "D")}${flag(0x800, "O")}${flag(0x80, "S")}${flag(0x40, "Z")}${flag(0x10, "A")}${flag(0x4, "P")}${flag(0x1, "C")}] CPL=${cpl} II=0 A20=1 SMM=0 HLT=${opts.halted === true ? 1 : 0}\n`;
  const segs: [string, KvmSegment][] = [["ES", sregs.es], ["CS", sregs.cs], ["SS", sregs.ss], ["DS", sregs.ds], ["FS", sregs.fs], ["GS", sregs.gs], ["LDT", sregs.ldt], ["TR", sregs.tr]];
  for (const [name, s] of segs) {
    out += segLine(name, s, pe);
  }
  out += `GDT=     ${hex(sregs.gdt.base, 8)} ${hex(sregs.gdt.limit, 8)}\n`;
  out += `IDT=     ${hex(sregs.idt.base, 8)} ${hex(sregs.idt.limit, 8)}\n`;
  out += `CR0=${hex(sregs.cr0, 8)} CR2=${hex(sregs.cr2, 8)} CR3=${hex(sregs.cr3, 8)} CR4=${hex(sregs.cr4, 8)}\n`;
  const dr = opts.debugRegs ?? { db: [0, 0, 0, 0], dr6: 0xffff0ff0, dr7: 0x400 };
  for (let i = 0; i < 4; i++) {
    out += `DR${i}=${hex(dr.db[i] ?? 0, 8)} `;
  }
  out += `\nDR6=${hex(dr.dr6, 8)} DR7=${hex(dr.dr7, 8)}\n`;
  out += `EFER=${BigInt(sregs.efer).toString(16).padStart(16, "0")}\n`;
  if (opts.fpu !== undefined) {
    out += fpuLines(opts.fpu);
  }
  if (opts.code !== undefined) {
    out += codeLine(opts.code, regs, sregs);
  }
  return out;
}

/** The CPU_DUMP_FPU part from struct kvm_fpu (fpr[8][16], fcw, fsw, ftwx, ..., xmm[16][16], mxcsr). */
function fpuLines(fpu: Uint8Array): string {
  const dv = new DataView(fpu.buffer, fpu.byteOffset, fpu.byteLength);
  const fsw = dv.getUint16(130, true);
  let out = `FCW=${hex(dv.getUint16(128, true), 4)} FSW=${hex(fsw, 4)} [ST=${(fsw >> 11) & 7}] FTW=${hex(fpu[132]!, 2)} MXCSR=${hex(dv.getUint32(408, true), 8)}\n`;
  const q = (at: number): string => hex(dv.getUint32(at + 4, true), 8) + hex(dv.getUint32(at, true), 8);
  for (let i = 0; i < 8; i++) {
    out += `FPR${i}=${q(i * 16)} ${hex(dv.getUint16(i * 16 + 8, true), 4)}${i & 1 ? "\n" : " "}`;
  }
  for (let i = 0; i < 8; i++) {
    const at = 152 + i * 16;
    out += `XMM${i.toString().padStart(2, "0")}=${q(at + 8)} ${q(at)}${i & 1 ? "\n" : " "}`;
  }
  return out;
}

const DUMP_CODE_BYTES_TOTAL = 50;
const DUMP_CODE_BYTES_BACKWARD = 43;

function codeLine(mem: GuestMemory, regs: VcpuRegs, sregs: VcpuSregs): string {
  const eip = regs.rip >>> 0;
  const base = (sregs.cs.base + eip) >>> 0;
  const offs = Math.min(eip, DUMP_CODE_BYTES_BACKWARD);
  const parts: string[] = [];
  for (let i = 0; i < DUMP_CODE_BYTES_TOTAL; i++) {
    const b = readLinearByte(mem, sregs, (base - offs + i) >>> 0);
    const s = b < 0 ? "??" : hex(b, 2);
    parts.push(i === offs ? `<${s}>` : s);
  }
  return `Code=${parts.join(" ")}\n`;
}

function readLinearByte(mem: GuestMemory, sregs: VcpuSregs, linear: number): number {
  const phys = linearToPhysical(mem, sregs, linear);
  if (phys < 0) {
    return -1;
  }
  const b = new Uint8Array(1);
  return mem.read(phys, b) ? b[0]! : -1;
}

/**
 * The physical address of `linear` under the guest's current paging (32-bit, PSE, PAE), or -1 when
 * it is not mapped (x86_cpu_get_phys_page_debug).
 */
export function linearToPhysical(mem: GuestMemory, sregs: VcpuSregs, linear: number): number {
  linear >>>= 0;
  if (!(sregs.cr0 & CR0_PG)) {
    return linear;
  }
  if (sregs.cr4 & CR4_PAE) {
    const pdpte = mem.readU64((sregs.cr3 & 0xffffffe0) + ((linear >>> 30) & 3) * 8);
    if (!(pdpte & 1)) {
      return -1;
    }
    const pdBase = pdpte - (pdpte % 4096);
    const pde = mem.readU64((pdBase % 2 ** 52) + ((linear >>> 21) & 0x1ff) * 8);
    if (!(pde & 1)) {
      return -1;
    }
    if (pde & 0x80) {
      return (pde - (pde % 0x200000)) % 2 ** 52 + (linear & 0x1fffff);
    }
    const ptBase = (pde - (pde % 4096)) % 2 ** 52;
    const pte = mem.readU64(ptBase + ((linear >>> 12) & 0x1ff) * 8);
    if (!(pte & 1)) {
      return -1;
    }
    return (pte - (pte % 4096)) % 2 ** 52 + (linear & 0xfff);
  }
  const pde = mem.readU32((sregs.cr3 & 0xfffff000) + (linear >>> 22) * 4);
  if (!(pde & 1)) {
    return -1;
  }
  if (pde & 0x80 && sregs.cr4 & CR4_PSE) {
    return ((pde & 0xffc00000) >>> 0) + (linear & 0x3fffff);
  }
  const pte = mem.readU32(((pde & 0xfffff000) >>> 0) + ((linear >>> 12) & 0x3ff) * 4);
  if (!(pte & 1)) {
    return -1;
  }
  return ((pte & 0xfffff000) >>> 0) + (linear & 0xfff);
}
