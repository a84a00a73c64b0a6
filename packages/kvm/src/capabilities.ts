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
]);

export function checkExtension(cap: number): number {
  return CAPS.get(cap) ?? 0;
}

/** The capabilities answered non-zero, for documentation and tests. */
export function supportedCapabilities(): ReadonlyMap<number, number> {
  return CAPS;
}
