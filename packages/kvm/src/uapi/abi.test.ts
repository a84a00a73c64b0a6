/**
 * ABI facts: every ioctl number, struct size and field offset, exit reason and capability number this
 * module uses, against the values computed with gcc from the Linux 6.1 uapi headers (transcribed from
 * the project's reference notes; see DESIGN.md "Tests to have" #1).
 */
import { describe, expect, it } from "vitest";
import * as IOC from "./ioctl.js";
import * as C from "./constants.js";
import * as S from "./structs.js";

describe("ioctl request numbers match the x86-64 uapi headers", () => {
  const expected: [string, number][] = [
    ["KVM_GET_API_VERSION", 0x0000ae00], ["KVM_CREATE_VM", 0x0000ae01], ["KVM_GET_MSR_INDEX_LIST", 0xc004ae02],
    ["KVM_CHECK_EXTENSION", 0x0000ae03], ["KVM_GET_VCPU_MMAP_SIZE", 0x0000ae04], ["KVM_GET_SUPPORTED_CPUID", 0xc008ae05],
    ["KVM_GET_EMULATED_CPUID", 0xc008ae09], ["KVM_GET_MSR_FEATURE_INDEX_LIST", 0xc004ae0a],
    ["KVM_CREATE_VCPU", 0x0000ae41], ["KVM_GET_DIRTY_LOG", 0x4010ae42], ["KVM_SET_USER_MEMORY_REGION", 0x4020ae46],
    ["KVM_SET_USER_MEMORY_REGION2", 0x40a0ae49], ["KVM_SET_TSS_ADDR", 0x0000ae47], ["KVM_SET_IDENTITY_MAP_ADDR", 0x4008ae48],
    ["KVM_CREATE_IRQCHIP", 0x0000ae60], ["KVM_IRQ_LINE", 0x4008ae61], ["KVM_GET_IRQCHIP", 0xc208ae62],
    ["KVM_SET_IRQCHIP", 0x8208ae63], ["KVM_IRQ_LINE_STATUS", 0xc008ae67], ["KVM_REGISTER_COALESCED_MMIO", 0x4010ae67],
    ["KVM_UNREGISTER_COALESCED_MMIO", 0x4010ae68], ["KVM_SET_GSI_ROUTING", 0x4008ae6a], ["KVM_IRQFD", 0x4020ae76],
    ["KVM_CREATE_PIT2", 0x4040ae77], ["KVM_IOEVENTFD", 0x4040ae79], ["KVM_SET_CLOCK", 0x4030ae7b],
    ["KVM_GET_CLOCK", 0x8030ae7c], ["KVM_GET_PIT2", 0x8070ae9f], ["KVM_SET_PIT2", 0x4070aea0],
    ["KVM_ENABLE_CAP", 0x4068aea3], ["KVM_SIGNAL_MSI", 0x4020aea5], ["KVM_CLEAR_DIRTY_LOG", 0xc018aec0],
    ["KVM_CREATE_DEVICE", 0xc00caee0], ["KVM_RUN", 0x0000ae80], ["KVM_GET_REGS", 0x8090ae81], ["KVM_SET_REGS", 0x4090ae82],
    ["KVM_GET_SREGS", 0x8138ae83], ["KVM_SET_SREGS", 0x4138ae84], ["KVM_TRANSLATE", 0xc018ae85], ["KVM_INTERRUPT", 0x4004ae86],
    ["KVM_GET_MSRS", 0xc008ae88], ["KVM_SET_MSRS", 0x4008ae89], ["KVM_SET_SIGNAL_MASK", 0x4004ae8b],
    ["KVM_GET_FPU", 0x81a0ae8c], ["KVM_SET_FPU", 0x41a0ae8d], ["KVM_GET_LAPIC", 0x8400ae8e], ["KVM_SET_LAPIC", 0x4400ae8f],
    ["KVM_SET_CPUID2", 0x4008ae90], ["KVM_GET_CPUID2", 0xc008ae91], ["KVM_GET_MP_STATE", 0x8004ae98],
    ["KVM_SET_MP_STATE", 0x4004ae99], ["KVM_NMI", 0x0000ae9a], ["KVM_SET_GUEST_DEBUG", 0x4048ae9b],
    ["KVM_GET_VCPU_EVENTS", 0x8040ae9f], ["KVM_SET_VCPU_EVENTS", 0x4040aea0], ["KVM_GET_DEBUGREGS", 0x8080aea1],
    ["KVM_SET_DEBUGREGS", 0x4080aea2], ["KVM_SET_TSC_KHZ", 0x0000aea2], ["KVM_GET_TSC_KHZ", 0x0000aea3],
    ["KVM_GET_XSAVE", 0x9000aea4], ["KVM_SET_XSAVE", 0x5000aea5], ["KVM_GET_XCRS", 0x8188aea6], ["KVM_SET_XCRS", 0x4188aea7],
    ["KVM_GET_ONE_REG", 0x4010aeab], ["KVM_SET_ONE_REG", 0x4010aeac], ["KVM_KVMCLOCK_CTRL", 0x0000aead],
    ["KVM_SMI", 0x0000aeb7], ["KVM_GET_SREGS2", 0x8140aecc], ["KVM_SET_SREGS2", 0x4140aecd],
  ];
  it.each(expected)("%s = %s", (name, value) => {
    expect((IOC as unknown as Record<string, number>)[name]).toBe(value >>> 0);
  });
  it("keeps the direction quirks of the real headers", () => {
    // KVM_SET_IRQCHIP is _IOR; KVM_GET_DIRTY_LOG and KVM_GET_ONE_REG are _IOW.
    expect(IOC._IOC_DIR(IOC.KVM_SET_IRQCHIP)).toBe(IOC._IOC_READ);
    expect(IOC._IOC_DIR(IOC.KVM_GET_DIRTY_LOG)).toBe(IOC._IOC_WRITE);
    expect(IOC._IOC_DIR(IOC.KVM_GET_ONE_REG)).toBe(IOC._IOC_WRITE);
  });
  it("shares nr values across fd kinds, so dispatch needs the full number", () => {
    expect(IOC._IOC_NR(IOC.KVM_GET_PIT2)).toBe(IOC._IOC_NR(IOC.KVM_GET_VCPU_EVENTS));
    expect(IOC.KVM_GET_PIT2).not.toBe(IOC.KVM_GET_VCPU_EVENTS);
    expect(IOC._IOC_NR(IOC.KVM_SET_TSC_KHZ)).toBe(IOC._IOC_NR(IOC.KVM_SET_DEBUGREGS));
    expect(IOC._IOC_NR(IOC.KVM_IRQ_LINE_STATUS)).toBe(IOC._IOC_NR(IOC.KVM_REGISTER_COALESCED_MMIO));
  });
});

describe("struct layouts are byte-exact", () => {
  it("kvm_regs is 144 bytes in rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags order", () => {
    expect(S.KVM_REGS_SIZE).toBe(144);
    expect(S.KVM_REGS_OFFSETS).toMatchObject({ rax: 0, rbx: 8, rcx: 16, rdx: 24, rsi: 32, rdi: 40, rsp: 48, rbp: 56, r8: 64, r15: 120, rip: 128, rflags: 136 });
    const b = S.encodeRegs({ rip: 0x1000, rflags: 2, rbx: 0x1122334455 });
    const v = new S.StructView(b);
    expect(v.u64(128)).toBe(0x1000);
    expect(v.u64(136)).toBe(2);
    expect(v.u64(8)).toBe(0x1122334455);
    expect(S.decodeRegs(b).rbx).toBe(0x1122334455);
  });
  it("kvm_segment is 24 bytes, kvm_dtable 16, kvm_sregs 312", () => {
    expect(S.KVM_SEGMENT_SIZE).toBe(24);
    expect(S.KVM_SEGMENT_OFFSETS).toEqual({ base: 0, limit: 8, selector: 12, type: 14, present: 15, dpl: 16, db: 17, s: 18, l: 19, g: 20, avl: 21, unusable: 22, padding: 23 });
    expect(S.KVM_DTABLE_SIZE).toBe(16);
    expect(S.KVM_SREGS_SIZE).toBe(312);
    expect(S.KVM_SREGS_OFFSETS).toEqual({
      cs: 0, ds: 24, es: 48, fs: 72, gs: 96, ss: 120, tr: 144, ldt: 168, gdt: 192, idt: 208, cr0: 224, cr2: 232, cr3: 240,
      cr4: 248, cr8: 256, efer: 264, apic_base: 272, interrupt_bitmap: 280,
    });
  });
  it("kvm_sregs round-trips through its byte form", () => {
    const seg = { base: 0xffff0000, limit: 0xffff, selector: 0xf000, type: 11, present: 1, dpl: 0, db: 0, s: 1, l: 0, g: 0, avl: 0, unusable: 0 };
    const s: S.KvmSregs = {
      cs: seg, ds: { ...seg, type: 3 }, es: { ...seg, type: 3 }, fs: { ...seg, type: 3 }, gs: { ...seg, type: 3 }, ss: { ...seg, type: 3 },
      tr: { ...seg, type: 11, s: 0 }, ldt: { ...seg, type: 2, s: 0 }, gdt: { base: 0x1000, limit: 0x27 }, idt: { base: 0, limit: 0x3ff },
      cr0: 0x60000010, cr2: 5, cr3: 0x9000, cr4: 0x10, cr8: 0, efer: 0, apic_base: 0xfee00900, interrupt_bitmap: [0, 2 ** 33, 0, 0],
    };
    const b = S.encodeSregs(s);
    expect(b.length).toBe(312);
    expect(new S.StructView(b).u16(0 + 12)).toBe(0xf000);
    expect(new S.StructView(b).u64(224)).toBe(0x60000010);
    expect(S.decodeSregs(b)).toEqual(s);
  });
  it("kvm_userspace_memory_region is 32 bytes", () => {
    expect(S.KVM_USERSPACE_MEMORY_REGION_SIZE).toBe(32);
    expect(S.KVM_USERSPACE_MEMORY_REGION_OFFSETS).toEqual({ slot: 0, flags: 4, guest_phys_addr: 8, memory_size: 16, userspace_addr: 24 });
  });
  it("kvm_run has the documented offsets and union members", () => {
    expect(S.KVM_RUN_SIZE).toBe(2352);
    expect(S.KVM_RUN_OFFSETS).toEqual({
      request_interrupt_window: 0, immediate_exit: 1, exit_reason: 8, ready_for_interrupt_injection: 12, if_flag: 13, flags: 14,
      cr8: 16, apic_base: 24, exit: 32, kvm_valid_regs: 288, kvm_dirty_regs: 296, s: 304,
    });
    expect(S.KVM_RUN_EXIT_OFFSETS.io).toEqual({ direction: 32, size: 33, port: 34, count: 36, data_offset: 40 });
    expect(S.KVM_RUN_EXIT_OFFSETS.mmio).toEqual({ phys_addr: 32, data: 40, len: 48, is_write: 52 });
    expect(S.KVM_RUN_EXIT_OFFSETS.fail_entry).toEqual({ hardware_entry_failure_reason: 32, cpu: 40 });
    expect(S.KVM_RUN_EXIT_OFFSETS.internal).toEqual({ suberror: 32, ndata: 36, data: 40 });
    expect(S.KVM_RUN_EXIT_OFFSETS.ex).toEqual({ exception: 32, error_code: 36 });
    expect(S.KVM_RUN_EXIT_OFFSETS.system_event).toEqual({ type: 32, ndata: 36, data: 40 });
  });
  it("argument structs have their uapi sizes", () => {
    expect([S.KVM_CPUID_ENTRY2_SIZE, S.KVM_MSR_ENTRY_SIZE, S.KVM_IRQ_LEVEL_SIZE, S.KVM_DIRTY_LOG_SIZE, S.KVM_GUEST_DEBUG_SIZE, S.KVM_FPU_SIZE, S.KVM_VCPU_EVENTS_SIZE])
      .toEqual([40, 16, 8, 16, 72, 416, 64]);
  });
});

describe("exit reasons and capabilities", () => {
  it("KVM_EXIT_* numbers", () => {
    expect([C.KVM_EXIT_UNKNOWN, C.KVM_EXIT_EXCEPTION, C.KVM_EXIT_IO, C.KVM_EXIT_HYPERCALL, C.KVM_EXIT_DEBUG, C.KVM_EXIT_HLT,
      C.KVM_EXIT_MMIO, C.KVM_EXIT_IRQ_WINDOW_OPEN, C.KVM_EXIT_SHUTDOWN, C.KVM_EXIT_FAIL_ENTRY, C.KVM_EXIT_INTR])
      .toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([C.KVM_EXIT_INTERNAL_ERROR, C.KVM_EXIT_SYSTEM_EVENT, C.KVM_EXIT_IOAPIC_EOI, C.KVM_EXIT_X86_RDMSR, C.KVM_EXIT_X86_WRMSR])
      .toEqual([17, 24, 26, 29, 30]);
    expect([C.KVM_EXIT_IO_IN, C.KVM_EXIT_IO_OUT]).toEqual([0, 1]);
    expect([C.KVM_INTERNAL_ERROR_EMULATION, C.KVM_INTERNAL_ERROR_SIMUL_EX, C.KVM_INTERNAL_ERROR_DELIVERY_EV, C.KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON]).toEqual([1, 2, 3, 4]);
  });
  it("KVM_CAP_* numbers", () => {
    expect([C.KVM_CAP_IRQCHIP, C.KVM_CAP_HLT, C.KVM_CAP_USER_MEMORY, C.KVM_CAP_SET_TSS_ADDR, C.KVM_CAP_EXT_CPUID, C.KVM_CAP_NR_VCPUS,
      C.KVM_CAP_NR_MEMSLOTS, C.KVM_CAP_MP_STATE, C.KVM_CAP_SYNC_MMU, C.KVM_CAP_SET_IDENTITY_MAP_ADDR, C.KVM_CAP_INTERNAL_ERROR_DATA,
      C.KVM_CAP_MAX_VCPUS, C.KVM_CAP_READONLY_MEM, C.KVM_CAP_CHECK_EXTENSION_VM, C.KVM_CAP_MAX_VCPU_ID, C.KVM_CAP_IMMEDIATE_EXIT])
      .toEqual([0, 1, 3, 4, 7, 9, 10, 14, 16, 37, 40, 66, 81, 105, 128, 136]);
    expect(C.KVM_API_VERSION).toBe(12);
    expect([C.KVM_MP_STATE_RUNNABLE, C.KVM_MP_STATE_UNINITIALIZED, C.KVM_MP_STATE_INIT_RECEIVED, C.KVM_MP_STATE_HALTED, C.KVM_MP_STATE_SIPI_RECEIVED]).toEqual([0, 1, 2, 3, 4]);
  });
});
