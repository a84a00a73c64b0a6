/**
 * Byte-exact views of the KVM ABI structures (x86-64 layouts from include/uapi/linux/kvm.h and
 * arch/x86/include/uapi/asm/kvm.h). Userspace passes these as ArrayBuffer-backed byte arrays, exactly
 * as a C VMM passes pointers; the kernel side copies in and out of them ("copy_from_user").
 */

/** Little-endian field accessors on a byte array (u64 values are exact below 2^53). */
export class StructView {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(off: number): number { return this.dv.getUint8(off); }
  u16(off: number): number { return this.dv.getUint16(off, true); }
  u32(off: number): number { return this.dv.getUint32(off, true); }
  i32(off: number): number { return this.dv.getInt32(off, true); }
  u64(off: number): number { return this.dv.getUint32(off + 4, true) * 0x100000000 + this.dv.getUint32(off, true); }
  setU8(off: number, v: number): void { this.dv.setUint8(off, v); }
  setU16(off: number, v: number): void { this.dv.setUint16(off, v, true); }
  setU32(off: number, v: number): void { this.dv.setUint32(off, v >>> 0, true); }
  setU64(off: number, v: number): void {
    this.dv.setUint32(off, v >>> 0, true);
    this.dv.setUint32(off + 4, v >= 0 ? Math.floor(v / 0x100000000) >>> 0 : 0xffffffff, true);
  }
}

/** Allocates a zeroed struct buffer of `size` bytes. */
export function structBuffer(size: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(size));
}

// ---------- struct kvm_regs (144 bytes) ----------
export const KVM_REGS_SIZE = 144;
/** Field order of struct kvm_regs: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags, 8 bytes each. */
export const KVM_REGS_FIELDS = [
  "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
] as const;
export type KvmRegs = Record<(typeof KVM_REGS_FIELDS)[number], number>;
export const KVM_REGS_OFFSETS: Readonly<Record<(typeof KVM_REGS_FIELDS)[number], number>> = Object.fromEntries(
  KVM_REGS_FIELDS.map((f, i) => [f, i * 8]),
) as Record<(typeof KVM_REGS_FIELDS)[number], number>;

export function encodeRegs(r: Partial<KvmRegs>, out = structBuffer(KVM_REGS_SIZE)): Uint8Array {
  const v = new StructView(out);
  for (const f of KVM_REGS_FIELDS) v.setU64(KVM_REGS_OFFSETS[f], r[f] ?? 0);
  return out;
}
export function decodeRegs(bytes: Uint8Array): KvmRegs {
  const v = new StructView(bytes);
  const r = {} as KvmRegs;
  for (const f of KVM_REGS_FIELDS) r[f] = v.u64(KVM_REGS_OFFSETS[f]);
  return r;
}

// ---------- struct kvm_segment (24) and kvm_dtable (16) ----------
export const KVM_SEGMENT_SIZE = 24;
export interface KvmSegment {
  base: number;
  limit: number;
  selector: number;
  type: number;
  present: number;
  dpl: number;
  db: number;
  s: number;
  l: number;
  g: number;
  avl: number;
  unusable: number;
}
export const KVM_SEGMENT_OFFSETS = { base: 0, limit: 8, selector: 12, type: 14, present: 15, dpl: 16, db: 17, s: 18, l: 19, g: 20, avl: 21, unusable: 22, padding: 23 } as const;

export function writeSegment(v: StructView, at: number, s: KvmSegment): void {
  const o = KVM_SEGMENT_OFFSETS;
  v.setU64(at + o.base, s.base);
  v.setU32(at + o.limit, s.limit);
  v.setU16(at + o.selector, s.selector);
  v.setU8(at + o.type, s.type);
  v.setU8(at + o.present, s.present);
  v.setU8(at + o.dpl, s.dpl);
  v.setU8(at + o.db, s.db);
  v.setU8(at + o.s, s.s);
  v.setU8(at + o.l, s.l);
  v.setU8(at + o.g, s.g);
  v.setU8(at + o.avl, s.avl);
  v.setU8(at + o.unusable, s.unusable);
  v.setU8(at + o.padding, 0);
}
export function readSegment(v: StructView, at: number): KvmSegment {
  const o = KVM_SEGMENT_OFFSETS;
  return {
    base: v.u64(at + o.base), limit: v.u32(at + o.limit), selector: v.u16(at + o.selector), type: v.u8(at + o.type),
    present: v.u8(at + o.present), dpl: v.u8(at + o.dpl), db: v.u8(at + o.db), s: v.u8(at + o.s), l: v.u8(at + o.l),
    g: v.u8(at + o.g), avl: v.u8(at + o.avl), unusable: v.u8(at + o.unusable),
  };
}

export const KVM_DTABLE_SIZE = 16;
export interface KvmDtable {
  base: number;
  limit: number;
}

// ---------- struct kvm_sregs (312) ----------
export const KVM_SREGS_SIZE = 312;
export const KVM_SREGS_OFFSETS = {
  cs: 0, ds: 24, es: 48, fs: 72, gs: 96, ss: 120, tr: 144, ldt: 168, gdt: 192, idt: 208,
  cr0: 224, cr2: 232, cr3: 240, cr4: 248, cr8: 256, efer: 264, apic_base: 272, interrupt_bitmap: 280,
} as const;
export interface KvmSregs {
  cs: KvmSegment; ds: KvmSegment; es: KvmSegment; fs: KvmSegment; gs: KvmSegment; ss: KvmSegment;
  tr: KvmSegment; ldt: KvmSegment;
  gdt: KvmDtable; idt: KvmDtable;
  cr0: number; cr2: number; cr3: number; cr4: number; cr8: number; efer: number; apic_base: number;
  /** 256-bit bitmap of pending external interrupts (only without an in-kernel irqchip), as 4 u64 words. */
  interrupt_bitmap: [number, number, number, number];
}
const SEG_KEYS = ["cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"] as const;

export function encodeSregs(s: KvmSregs, out = structBuffer(KVM_SREGS_SIZE)): Uint8Array {
  const v = new StructView(out);
  const o = KVM_SREGS_OFFSETS;
  for (const k of SEG_KEYS) writeSegment(v, o[k], s[k]);
  for (const k of ["gdt", "idt"] as const) {
    v.setU64(o[k], s[k].base);
    v.setU16(o[k] + 8, s[k].limit);
    v.setU16(o[k] + 10, 0);
    v.setU32(o[k] + 12, 0);
  }
  for (const k of ["cr0", "cr2", "cr3", "cr4", "cr8", "efer", "apic_base"] as const) v.setU64(o[k], s[k]);
  for (let i = 0; i < 4; i++) v.setU64(o.interrupt_bitmap + i * 8, s.interrupt_bitmap[i]!);
  return out;
}
export function decodeSregs(bytes: Uint8Array): KvmSregs {
  const v = new StructView(bytes);
  const o = KVM_SREGS_OFFSETS;
  const seg = (k: (typeof SEG_KEYS)[number]): KvmSegment => readSegment(v, o[k]);
  return {
    cs: seg("cs"), ds: seg("ds"), es: seg("es"), fs: seg("fs"), gs: seg("gs"), ss: seg("ss"), tr: seg("tr"), ldt: seg("ldt"),
    gdt: { base: v.u64(o.gdt), limit: v.u16(o.gdt + 8) },
    idt: { base: v.u64(o.idt), limit: v.u16(o.idt + 8) },
    cr0: v.u64(o.cr0), cr2: v.u64(o.cr2), cr3: v.u64(o.cr3), cr4: v.u64(o.cr4), cr8: v.u64(o.cr8), efer: v.u64(o.efer),
    apic_base: v.u64(o.apic_base),
    interrupt_bitmap: [0, 1, 2, 3].map((i) => v.u64(o.interrupt_bitmap + i * 8)) as [number, number, number, number],
  };
}

// ---------- struct kvm_userspace_memory_region (32) ----------
export const KVM_USERSPACE_MEMORY_REGION_SIZE = 32;
export const KVM_USERSPACE_MEMORY_REGION_OFFSETS = { slot: 0, flags: 4, guest_phys_addr: 8, memory_size: 16, userspace_addr: 24 } as const;
export interface KvmUserspaceMemoryRegion {
  /** Bits 0-15 slot id, bits 16-31 address-space id. */
  slot: number;
  flags: number;
  guest_phys_addr: number;
  memory_size: number;
  userspace_addr: number;
}
export function encodeMemoryRegion(r: KvmUserspaceMemoryRegion, out = structBuffer(KVM_USERSPACE_MEMORY_REGION_SIZE)): Uint8Array {
  const v = new StructView(out);
  const o = KVM_USERSPACE_MEMORY_REGION_OFFSETS;
  v.setU32(o.slot, r.slot);
  v.setU32(o.flags, r.flags);
  v.setU64(o.guest_phys_addr, r.guest_phys_addr);
  v.setU64(o.memory_size, r.memory_size);
  v.setU64(o.userspace_addr, r.userspace_addr);
  return out;
}
export function decodeMemoryRegion(bytes: Uint8Array): KvmUserspaceMemoryRegion {
  const v = new StructView(bytes);
  const o = KVM_USERSPACE_MEMORY_REGION_OFFSETS;
  return {
    slot: v.u32(o.slot), flags: v.u32(o.flags), guest_phys_addr: v.u64(o.guest_phys_addr), memory_size: v.u64(o.memory_size),
    userspace_addr: v.u64(o.userspace_addr),
  };
}

// ---------- struct kvm_run (2352 bytes; the first page of the vCPU mmap) ----------
export const KVM_RUN_SIZE = 2352;
export const KVM_RUN_OFFSETS = {
  request_interrupt_window: 0,
  immediate_exit: 1,
  exit_reason: 8,
  ready_for_interrupt_injection: 12,
  if_flag: 13,
  flags: 14,
  cr8: 16,
  apic_base: 24,
  /** Start of the exit-reason union. */
  exit: 32,
  kvm_valid_regs: 288,
  kvm_dirty_regs: 296,
  s: 304,
} as const;
/** Absolute offsets of union members used for the exits this module produces. */
export const KVM_RUN_EXIT_OFFSETS = {
  hw: { hardware_exit_reason: 32 },
  fail_entry: { hardware_entry_failure_reason: 32, cpu: 40 },
  ex: { exception: 32, error_code: 36 },
  io: { direction: 32, size: 33, port: 34, count: 36, data_offset: 40 },
  debug: { exception: 32, pc: 40, dr6: 48, dr7: 56 },
  mmio: { phys_addr: 32, data: 40, len: 48, is_write: 52 },
  hypercall: { nr: 32, args: 40, ret: 88, longmode: 96 },
  internal: { suberror: 32, ndata: 36, data: 40 },
  system_event: { type: 32, ndata: 36, data: 40 },
  msr: { error: 32, reason: 40, index: 44, data: 48 },
  eoi: { vector: 32 },
} as const;

// ---------- other argument structs ----------
export const KVM_CPUID_ENTRY2_SIZE = 40;
export const KVM_CPUID2_HEADER_SIZE = 8;
export const KVM_MSR_ENTRY_SIZE = 16;
export const KVM_MSRS_HEADER_SIZE = 8;
export const KVM_IRQ_LEVEL_SIZE = 8;
export const KVM_INTERRUPT_SIZE = 4;
export const KVM_DIRTY_LOG_SIZE = 16;
export const KVM_GUEST_DEBUG_SIZE = 72;
export const KVM_FPU_SIZE = 416;
export const KVM_VCPU_EVENTS_SIZE = 64;
export const KVM_MP_STATE_SIZE = 4;

export interface KvmCpuidEntry2 {
  function: number;
  index: number;
  flags: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

export function encodeCpuid2(entries: readonly KvmCpuidEntry2[], capacity = entries.length): Uint8Array {
  const out = structBuffer(KVM_CPUID2_HEADER_SIZE + capacity * KVM_CPUID_ENTRY2_SIZE);
  const v = new StructView(out);
  v.setU32(0, capacity);
  entries.forEach((e, i) => {
    const at = KVM_CPUID2_HEADER_SIZE + i * KVM_CPUID_ENTRY2_SIZE;
    v.setU32(at, e.function);
    v.setU32(at + 4, e.index);
    v.setU32(at + 8, e.flags);
    v.setU32(at + 12, e.eax);
    v.setU32(at + 16, e.ebx);
    v.setU32(at + 20, e.ecx);
    v.setU32(at + 24, e.edx);
  });
  return out;
}

export function decodeCpuid2(bytes: Uint8Array): KvmCpuidEntry2[] {
  const v = new StructView(bytes);
  const n = v.u32(0);
  const out: KvmCpuidEntry2[] = [];
  for (let i = 0; i < n; i++) {
    const at = KVM_CPUID2_HEADER_SIZE + i * KVM_CPUID_ENTRY2_SIZE;
    out.push({ function: v.u32(at), index: v.u32(at + 4), flags: v.u32(at + 8), eax: v.u32(at + 12), ebx: v.u32(at + 16), ecx: v.u32(at + 20), edx: v.u32(at + 24) });
  }
  return out;
}
