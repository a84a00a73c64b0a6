/**
 * Tiny guests for tests, in the style of the kernel's KVM selftests: one 64 KiB RAM slot at guest-physical
 * 0 (real-mode IVT at 0, code at 1000h, handlers at 2000h, stack below 0FFF0h), a vCPU in real mode with
 * CS base 0 and DS/ES set up as "unreal" 4 GiB segments so 32-bit addresses reach the APIC pages.
 * The machine code is hand-checked NASM output (the source is beside each byte array in the tests).
 */
import { Kvm, type KvmExit, type VcpuFd, type VmFd } from "../api.js";
import type { HostMapping } from "../host/host-machine.js";

export interface TinyVm {
  kvm: Kvm;
  vm: VmFd;
  mem: HostMapping;
}

export const GUEST_MEM_SIZE = 0x10000;

/** A VM with the 64 KiB slot; `setup` runs before any vCPU exists (KVM_CREATE_IRQCHIP must). */
export function tinyVm(setup?: (vm: VmFd) => void): TinyVm {
  const kvm = Kvm.open();
  const vm = kvm.createVm();
  setup?.(vm);
  const mem = kvm.mmap(GUEST_MEM_SIZE);
  vm.setUserMemoryRegion({ slot: 0, flags: 0, guest_phys_addr: 0, memory_size: GUEST_MEM_SIZE, userspace_addr: mem.addr });
  return { kvm, vm, mem };
}

/** Puts `code` at guest-physical `at`. */
export function load(t: TinyVm, at: number, code: readonly number[]): void {
  t.mem.bytes.set(code, at);
}

/** IVT entry `vector` → 0:`handler`. */
export function setVector(t: TinyVm, vector: number, handler: number): void {
  const dv = new DataView(t.mem.bytes.buffer, t.mem.bytes.byteOffset);
  dv.setUint16(vector * 4, handler, true);
  dv.setUint16(vector * 4 + 2, 0, true);
}

/** A vCPU starting at 0:`rip` in real mode with unreal DS/ES. */
export function tinyVcpu(t: TinyVm, id = 0, rip = 0x1000): VcpuFd {
  const vcpu = t.vm.createVcpu(id);
  const s = vcpu.getSregs();
  s.cs.base = 0;
  s.cs.selector = 0;
  for (const seg of [s.ds, s.es]) {
    seg.limit = 0xffffffff;
    seg.g = 1;
  }
  vcpu.setSregs(s);
  vcpu.setRegs({ rip, rflags: 2, rsp: 0xfff0 });
  return vcpu;
}

/** One-line description of an exit for exit-sequence assertions. */
export function describe(e: KvmExit): string {
  switch (e.reason) {
    case "io-in":
      return `io-in ${e.port.toString(16)}`;
    case "io-out":
      return `io-out ${e.port.toString(16)} ${[...e.data].map((b) => b.toString(16)).join(",")}`;
    case "mmio-read":
      return `mmio-read ${e.addr.toString(16)} len ${e.len}`;
    case "mmio-write":
      return `mmio-write ${e.addr.toString(16)} len ${e.len}`;
    case "debug":
      return `debug #${e.exception} pc ${e.pc.toString(16)}`;
    default:
      return e.reason;
  }
}
