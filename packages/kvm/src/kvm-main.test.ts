/**
 * The KVM API's error paths: errno values for bad ioctl numbers, bad arguments and bad memory slots,
 * as the real module returns them (checked against Linux 6.1's /dev/kvm on the development machines).
 */
import { describe, expect, it } from "vitest";
import { closeFd, ioctl, mmapVcpu, openDevKvm } from "./kvm-main.js";
import { hostMachine } from "./host/host-machine.js";
import * as IOC from "./uapi/ioctl.js";
import { E2BIG, EBADF, EEXIST, EFAULT, EINVAL, ENOTTY } from "./uapi/errno.js";
import { KVM_CAP_IRQCHIP, KVM_CAP_NR_MEMSLOTS, KVM_CAP_USER_MEMORY, KVM_MEM_READONLY } from "./uapi/constants.js";
import { encodeCpuid2, encodeMemoryRegion, type KvmUserspaceMemoryRegion } from "./uapi/structs.js";
import { Kvm, KvmError } from "./api.js";

function vm(): number {
  const kvm = openDevKvm();
  const fd = ioctl(kvm, IOC.KVM_CREATE_VM, 0);
  expect(fd).toBeGreaterThan(0);
  return fd;
}

function region(r: Partial<KvmUserspaceMemoryRegion> & { userspace_addr: number }): Uint8Array {
  return encodeMemoryRegion({ slot: 0, flags: 0, guest_phys_addr: 0x1000, memory_size: 0x1000, ...r });
}

describe("system ioctls", () => {
  it("KVM_GET_API_VERSION is 12; an argument other than 0 is EINVAL", () => {
    const kvm = openDevKvm();
    expect(ioctl(kvm, IOC.KVM_GET_API_VERSION, 0)).toBe(12);
    expect(ioctl(kvm, IOC.KVM_GET_API_VERSION, 1)).toBe(-EINVAL);
  });
  it("an unknown request on /dev/kvm is EINVAL, on a bad fd EBADF", () => {
    const kvm = openDevKvm();
    expect(ioctl(kvm, 0xaeff, 0)).toBe(-EINVAL);
    expect(ioctl(9999, IOC.KVM_GET_API_VERSION, 0)).toBe(-EBADF);
    closeFd(kvm);
    expect(ioctl(kvm, IOC.KVM_GET_API_VERSION, 0)).toBe(-EBADF);
  });
  it("KVM_GET_VCPU_MMAP_SIZE is three pages and takes no argument", () => {
    const kvm = openDevKvm();
    expect(ioctl(kvm, IOC.KVM_GET_VCPU_MMAP_SIZE, 0)).toBe(12288);
    expect(ioctl(kvm, IOC.KVM_GET_VCPU_MMAP_SIZE, 1)).toBe(-EINVAL);
  });
  it("KVM_CREATE_VM accepts only the default VM type", () => {
    const kvm = openDevKvm();
    expect(ioctl(kvm, IOC.KVM_CREATE_VM, 99)).toBe(-EINVAL);
  });
  it("KVM_CHECK_EXTENSION answers for what is implemented, 0 otherwise", () => {
    const kvm = openDevKvm();
    expect(ioctl(kvm, IOC.KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY)).toBe(1);
    expect(ioctl(kvm, IOC.KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS)).toBe(32);
    expect(ioctl(kvm, IOC.KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP)).toBe(1);
    expect(ioctl(kvm, IOC.KVM_CHECK_EXTENSION, 11 /* KVM_CAP_PIT: the old KVM_CREATE_PIT is not implemented */)).toBe(0);
    expect(ioctl(kvm, IOC.KVM_CHECK_EXTENSION, 9999)).toBe(0);
  });
  it("KVM_GET_SUPPORTED_CPUID fills the table, or says E2BIG with too small a buffer", () => {
    const kvm = openDevKvm();
    expect(ioctl(kvm, IOC.KVM_GET_SUPPORTED_CPUID, encodeCpuid2([], 1))).toBe(-E2BIG);
    const b = encodeCpuid2([], 64);
    expect(ioctl(kvm, IOC.KVM_GET_SUPPORTED_CPUID, b)).toBe(0);
    const entries = Kvm.open().getSupportedCpuid();
    const leaf1 = entries.find((e) => e.function === 1)!;
    // The guest CPU has FPU, CX8, CMOV and a local APIC but no VMX (nested virtualization is not offered).
    expect(leaf1.edx & ((1 << 0) | (1 << 8) | (1 << 9) | (1 << 15))).toBe((1 << 0) | (1 << 8) | (1 << 9) | (1 << 15));
    expect(leaf1.ecx & (1 << 5)).toBe(0);
  });
  it("a struct argument that is not user memory is EFAULT", () => {
    const kvm = openDevKvm();
    expect(ioctl(kvm, IOC.KVM_GET_SUPPORTED_CPUID, 8)).toBe(-EFAULT);
    expect(ioctl(kvm, IOC.KVM_GET_SUPPORTED_CPUID, new Uint8Array(4))).toBe(-EFAULT);
  });
});

describe("VM and vCPU ioctls", () => {
  it("an unknown VM ioctl is ENOTTY, an unknown vCPU ioctl EINVAL (as kvm_arch_vm_ioctl / kvm_arch_vcpu_ioctl)", () => {
    const v = vm();
    expect(ioctl(v, 0xaeff, 0)).toBe(-ENOTTY);
    const vcpu = ioctl(v, IOC.KVM_CREATE_VCPU, 0);
    expect(ioctl(vcpu, IOC.KVM_CREATE_VM, 0)).toBe(-EINVAL);
  });
  it("a second vCPU with the same id is EEXIST; an id out of range EINVAL", () => {
    const v = vm();
    expect(ioctl(v, IOC.KVM_CREATE_VCPU, 0)).toBeGreaterThan(0);
    expect(ioctl(v, IOC.KVM_CREATE_VCPU, 0)).toBe(-EEXIST);
    expect(ioctl(v, IOC.KVM_CREATE_VCPU, 4096)).toBe(-EINVAL);
  });
  it("KVM_GET_REGS into a bad pointer is EFAULT", () => {
    const v = vm();
    const vcpu = ioctl(v, IOC.KVM_CREATE_VCPU, 0);
    expect(ioctl(vcpu, IOC.KVM_GET_REGS, 8)).toBe(-EFAULT);
    expect(ioctl(vcpu, IOC.KVM_GET_REGS, new Uint8Array(10))).toBe(-EFAULT);
  });
  it("KVM_SET_SREGS rejects reserved CR4 bits with EINVAL", () => {
    const k = Kvm.open();
    const vcpu = k.createVm().createVcpu(0);
    const s = vcpu.getSregs();
    expect(() => vcpu.setSregs({ ...s, cr4: 1 << 20 })).toThrow(KvmError);
    try {
      vcpu.setSregs({ ...s, cr4: 1 << 20 });
    } catch (e) {
      expect((e as KvmError).errno).toBe(EINVAL);
      expect((e as KvmError).message).toBe("KVM_SET_SREGS failed: Invalid argument (EINVAL)");
    }
  });
  it("the vCPU mmap area is only on vCPU fds and within the three pages", () => {
    const v = vm();
    const vcpu = ioctl(v, IOC.KVM_CREATE_VCPU, 0);
    expect(mmapVcpu(v, 4096)).toBe(-EINVAL);
    expect((mmapVcpu(vcpu, 12288) as Uint8Array).byteLength).toBe(12288);
    expect(mmapVcpu(vcpu, 16384)).toBe(-EINVAL);
  });
  it("the vCPU starts in the architectural RESET state", () => {
    const vcpu = Kvm.open().createVm().createVcpu(0);
    const s = vcpu.getSregs();
    const r = vcpu.getRegs();
    expect(s.cs).toMatchObject({ selector: 0xf000, base: 0xffff0000, limit: 0xffff, type: 11, present: 1, s: 1, dpl: 0, db: 0, g: 0 });
    expect([s.ds.type, s.tr.type, s.ldt.type, s.ldt.present]).toEqual([3, 11, 2, 1]);
    expect(s.cr0).toBe(0x60000010);
    expect(s.gdt.limit).toBe(0xffff);
    expect([r.rip, r.rdx, r.rflags]).toEqual([0xfff0, 0x600, 2]);
  });
});

describe("KVM_SET_USER_MEMORY_REGION", () => {
  const mem = (): number => hostMachine().mmap(0x4000)!.addr;
  it("rejects an overlapping slot with EEXIST", () => {
    const v = vm();
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ userspace_addr: mem() }))).toBe(0);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 1, guest_phys_addr: 0, memory_size: 0x2000, userspace_addr: mem() }))).toBe(-EEXIST);
  });
  it("rejects unaligned addresses, bad flags, resizing, and deleting a slot that does not exist with EINVAL", () => {
    const v = vm();
    const a = mem();
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 2, guest_phys_addr: 0x100, userspace_addr: a }))).toBe(-EINVAL);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 2, userspace_addr: a + 1 }))).toBe(-EINVAL);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 4, flags: 0x80, userspace_addr: a }))).toBe(-EINVAL);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 0, userspace_addr: a }))).toBe(0);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 0, memory_size: 0x2000, userspace_addr: a }))).toBe(-EINVAL);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 3, guest_phys_addr: 0x8000, memory_size: 0, userspace_addr: a }))).toBe(-EINVAL);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 0, flags: KVM_MEM_READONLY, userspace_addr: a }))).toBe(-EINVAL);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 32, guest_phys_addr: 0x10000, userspace_addr: a }))).toBe(-EINVAL);
  });
  it("rejects memory that is not mapped in the user address space with EFAULT", () => {
    const v = vm();
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ userspace_addr: 0x10000000 }))).toBe(-EFAULT);
  });
  it("lets a slot move and be deleted, after which the range can be reused", () => {
    const v = vm();
    const a = mem();
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ userspace_addr: a }))).toBe(0);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ guest_phys_addr: 0x5000, userspace_addr: a }))).toBe(0);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 1, userspace_addr: mem() }))).toBe(0);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ guest_phys_addr: 0x5000, memory_size: 0, userspace_addr: a }))).toBe(0);
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, region({ slot: 2, guest_phys_addr: 0x5000, userspace_addr: a }))).toBe(0);
  });
  it("reads the region struct from user memory given by address, like a C pointer", () => {
    const v = vm();
    const arg = hostMachine().mmap(32)!;
    arg.bytes.set(region({ userspace_addr: mem() }));
    expect(ioctl(v, IOC.KVM_SET_USER_MEMORY_REGION, arg.addr)).toBe(0);
  });
});
