/**
 * KVM_CHECK_EXTENSION: answers for exactly what this module implements (0 for everything else).
 * Numbers and meanings: include/uapi/linux/kvm.h and Documentation/virt/kvm/api.rst.
 */
import * as C from "./uapi/constants.js";

const CAPS = new Map<number, number>([
  [C.KVM_CAP_HLT, 1],
  [C.KVM_CAP_USER_MEMORY, 1],
  [C.KVM_CAP_SET_TSS_ADDR, 1],
  [C.KVM_CAP_EXT_CPUID, 1],
  [C.KVM_CAP_NR_VCPUS, C.KVM_SOFT_MAX_VCPUS],
  [C.KVM_CAP_MAX_VCPUS, C.KVM_MAX_VCPUS],
  [C.KVM_CAP_MAX_VCPU_ID, C.KVM_MAX_VCPUS],
  [C.KVM_CAP_NR_MEMSLOTS, C.KVM_USER_MEM_SLOTS],
  [C.KVM_CAP_MP_STATE, 1],
  // User-space writes to guest memory are visible to the guest at once (one shared mapping).
  [C.KVM_CAP_SYNC_MMU, 1],
  [C.KVM_CAP_SET_IDENTITY_MAP_ADDR, 1],
  [C.KVM_CAP_INTERNAL_ERROR_DATA, 1],
  [C.KVM_CAP_READONLY_MEM, 1],
  [C.KVM_CAP_IMMEDIATE_EXIT, 1],
  [C.KVM_CAP_CHECK_EXTENSION_VM, 1],
  // In-kernel PIC/IOAPIC/LAPIC (KVM_CREATE_IRQCHIP), GSI routing, line status, MSIs, irqfd/ioeventfd.
  [C.KVM_CAP_IRQCHIP, 1],
  [C.KVM_CAP_IRQ_ROUTING, 4096],
  [C.KVM_CAP_IRQ_INJECT_STATUS, 1],
  [C.KVM_CAP_SIGNAL_MSI, 1],
  [C.KVM_CAP_IRQFD, 1],
  [C.KVM_CAP_IRQFD_RESAMPLE, 1],
  [C.KVM_CAP_IOEVENTFD, 1],
  [C.KVM_CAP_IOEVENTFD_NO_LENGTH, 1],
  // KVM_CREATE_PIT2 and KVM_GET/SET_PIT2 (the old KVM_CREATE_PIT / KVM_GET_PIT are not implemented: KVM_CAP_PIT is 0).
  [C.KVM_CAP_PIT2, 1],
  [C.KVM_CAP_PIT_STATE2, 1],
  [C.KVM_CAP_SET_BOOT_CPU_ID, 1],
  [C.KVM_CAP_TSC_DEADLINE_TIMER, 1],
  // vCPU state.
  [C.KVM_CAP_USER_NMI, 1],
  [C.KVM_CAP_VCPU_EVENTS, 1],
  [C.KVM_CAP_DEBUGREGS, 1],
  [C.KVM_CAP_SET_GUEST_DEBUG, 1],
  [C.KVM_CAP_SET_GUEST_DEBUG2, C.KVM_GUESTDBG_VALID_MASK],
  [C.KVM_CAP_X86_ROBUST_SINGLESTEP, 1],
  [C.KVM_CAP_GET_TSC_KHZ, 1],
  // kvmclock: KVM_GET/SET_CLOCK with the valid flags (TSC_STABLE | REALTIME | HOST_TSC).
  [C.KVM_CAP_ADJUST_CLOCK, C.KVM_CLOCK_TSC_STABLE | C.KVM_CLOCK_REALTIME | C.KVM_CLOCK_HOST_TSC],
  // KVM_CLEAR_DIRTY_LOG after KVM_ENABLE_CAP (ENABLE | INITIALLY_SET); KVM_ENABLE_CAP exists on VMs only.
  [C.KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, C.KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | C.KVM_DIRTY_LOG_INITIALLY_SET],
  [C.KVM_CAP_ENABLE_CAP_VM, 1],
]);

export function checkExtension(cap: number): number {
  return CAPS.get(cap) ?? 0;
}

/** The capabilities answered non-zero, for documentation and tests. */
export function supportedCapabilities(): ReadonlyMap<number, number> {
  return CAPS;
}
