import { KVM_FPU_SIZE, KVM_GUEST_DEBUG_SIZE, KVM_IRQ_LEVEL_SIZE, KVM_VCPU_EVENTS_SIZE } from "./structs.js";

export { KVM_FPU_SIZE, KVM_GUEST_DEBUG_SIZE, KVM_IRQ_LEVEL_SIZE, KVM_VCPU_EVENTS_SIZE };

/**
 * Byte layouts of the interrupt-controller and vCPU-state ioctl arguments (include/uapi/linux/kvm.h,
 * arch/x86/include/uapi/asm/kvm.h; sizes and offsets computed with gcc from the Linux 6.1 headers).
 */

/** struct kvm_irqchip: chip_id u32, pad u32, a 512-byte union with the chip's state. */
export const KVM_IRQCHIP_SIZE = 520;
export const KVM_IRQCHIP_CHIP_OFFSET = 8;
/** struct kvm_irq_level: irq (or status on return) u32, level u32. */
/** struct kvm_pit_config: flags u32, pad u32[15]. */
export const KVM_PIT_CONFIG_SIZE = 64;
/** struct kvm_lapic_state: the first 1 KiB of the APIC register page. */
export const KVM_LAPIC_STATE_SIZE = 1024;
/** struct kvm_irqfd: fd u32, gsi u32, flags u32, resamplefd u32, pad[16]. */
export const KVM_IRQFD_SIZE = 32;
/** struct kvm_ioeventfd: datamatch u64 @0, addr u64 @8, len u32 @16, fd s32 @20, flags u32 @24, pad[36]. */
export const KVM_IOEVENTFD_SIZE = 64;
/** struct kvm_msi: address_lo @0, address_hi @4, data @8, flags @12, devid @16, pad[12]. */
export const KVM_MSI_SIZE = 32;
/** struct kvm_clock_data: clock u64 @0, flags u32 @8, pad0 @12, realtime u64 @16, host_tsc u64 @24, pad[4] @32. */
export const KVM_CLOCK_DATA_SIZE = 48;
/** struct kvm_clear_dirty_log: slot u32 @0, num_pages u32 @4, first_page u64 @8, dirty_bitmap ptr @16. */
export const KVM_CLEAR_DIRTY_LOG_SIZE = 24;
/** struct kvm_enable_cap: cap u32 @0, flags u32 @4, args u64[4] @8, pad[64] @40. */
export const KVM_ENABLE_CAP_SIZE = 104;

/** struct kvm_vcpu_events (64 bytes). */
export const KVM_VCPU_EVENTS_OFFSETS = {
  exception_injected: 0, exception_nr: 1, exception_has_error_code: 2, exception_pending: 3, exception_error_code: 4,
  interrupt_injected: 8, interrupt_nr: 9, interrupt_soft: 10, interrupt_shadow: 11,
  nmi_injected: 12, nmi_pending: 13, nmi_masked: 14,
  sipi_vector: 16, flags: 20,
  smi_smm: 24, smi_pending: 25, smi_smm_inside_nmi: 26, smi_latched_init: 27,
  triple_fault_pending: 28, exception_has_payload: 55, exception_payload: 56,
} as const;

/** struct kvm_debugregs: db[4] u64 @0, dr6 @32, dr7 @40, flags @48, reserved[9]. */
export const KVM_DEBUGREGS_SIZE = 128;
/** struct kvm_guest_debug: control u32 @0, pad @4, debugreg[8] u64 @8. */
/** struct kvm_debug_exit_arch inside kvm_run: exception u32 @32, pad @36, pc u64 @40, dr6 @48, dr7 @56. */
export const KVM_RUN_DEBUG_OFFSETS = { exception: 32, pc: 40, dr6: 48, dr7: 56 } as const;

/** struct kvm_fpu (416 bytes). */
export const KVM_FPU_OFFSETS = { fpr: 0, fcw: 128, fsw: 130, ftwx: 132, last_opcode: 134, last_ip: 136, last_dp: 144, xmm: 152, mxcsr: 408 } as const;

/** struct kvm_signal_mask: len u32 then the sigset; x86-64 sigset_t is 8 bytes. */
export const KVM_SIGSET_SIZE = 8;
