/**
 * A minimal VMM on the raw KVM interface, the same code over virtkit's kvm module (in this process:
 * virtkit's CPU with VMX under the kvm module, exits handed to this loop) and over the host's real
 * /dev/kvm (packages/kvm-native; on these machines /dev/kvm is itself a nested, software-assisted
 * hypervisor). Memory: 32 MiB RAM with the ROM window at F0000h and the ROM again below 4 GiB; the vCPU
 * starts at its reset state (F000:FFF0). Every KVM_EXIT_IO / KVM_EXIT_MMIO is one exit to user space.
 */
import { encodeMemoryRegion, KVM_CREATE_VCPU, KVM_CREATE_VM, KVM_RUN, KVM_SET_TSS_ADDR, KVM_SET_USER_MEMORY_REGION, StructView } from "@virtkit/kvm";
import { nativeKvm, nativeUnavailable, virtkitKvm, type KvmSyscalls } from "@virtkit/kvm-native";
import { GuestProtocol, MMIO_ADDR, PORT_DEBUG_EXIT, PORT_DEBUGCON, PORT_POST } from "../guest-protocol.js";
import { romFor, ROM_SIZE, type Workload } from "../rom.js";
import { processCpuMs, type RunResult, type Runner } from "../runner.js";

// struct kvm_run (include/uapi/linux/kvm.h): exit_reason at 8, the exit union at 32.
export const KVM_EXIT_IO = 2;
export const KVM_EXIT_HLT = 5;
export const KVM_EXIT_MMIO = 6;
export const KVM_EXIT_SHUTDOWN = 8;
const KVM_EXIT_IO_OUT = 1;
const RAM_BYTES = 32 << 20;
const ROM_BASE = 0x100000 - ROM_SIZE;
const ROM_HIGH = 0x100000000 - ROM_SIZE;
/** Where KVM on Intel keeps the real-mode TSS (QEMU's choice: just below the BIOS alias). */
const TSS_ADDR = 0xfffbd000;

function check(what: string, r: number): number {
  if (r < 0) throw new Error(`${what} failed: errno ${-r}`);
  return r;
}

export function runOnKvm(sys: KvmSyscalls, w: Workload, n: number): RunResult {
  const kvm = check("open /dev/kvm", sys.openDevKvm());
  const fds = [kvm];
  try {
    const vm = check("KVM_CREATE_VM", sys.ioctl(kvm, KVM_CREATE_VM, 0));
    fds.push(vm);
    check("KVM_SET_TSS_ADDR", sys.ioctl(vm, KVM_SET_TSS_ADDR, TSS_ADDR));
    const ram = sys.mmap(RAM_BYTES);
    const rom = sys.mmap(ROM_SIZE);
    rom.bytes.set(romFor(w, n));
    const slots = [
      { guest_phys_addr: 0, memory_size: ROM_BASE, userspace_addr: ram.addr },
      { guest_phys_addr: ROM_BASE, memory_size: ROM_SIZE, userspace_addr: rom.addr },
      { guest_phys_addr: 0x100000, memory_size: RAM_BYTES - 0x100000, userspace_addr: ram.addr + 0x100000 },
      { guest_phys_addr: ROM_HIGH, memory_size: ROM_SIZE, userspace_addr: rom.addr },
    ];
    slots.forEach((s, slot) => check(`KVM_SET_USER_MEMORY_REGION slot ${slot}`, sys.ioctl(vm, KVM_SET_USER_MEMORY_REGION, encodeMemoryRegion({ slot, flags: 0, ...s }))));
    const vcpu = check("KVM_CREATE_VCPU", sys.ioctl(vm, KVM_CREATE_VCPU, 0));
    fds.push(vcpu);
    const runBytes = sys.mmapVcpu(vcpu, 3 * 4096);
    if (typeof runBytes === "number") throw new Error(`mmap of the vCPU failed: errno ${-runBytes}`);
    const run = new StructView(runBytes);
    const proto = new GuestProtocol();
    let t0 = 0, c0 = 0, exits = 0, exits0 = 0;
    let wallMs = Number.NaN, cpuMs = Number.NaN, regionExits = 0;
    for (;;) {
      check("KVM_RUN", sys.ioctl(vcpu, KVM_RUN, 0));
      const reason = run.u32(8);
      if (reason === KVM_EXIT_IO) {
        exits++;
        if (run.u8(32) !== KVM_EXIT_IO_OUT) continue; // IN: the data page keeps what it holds (the ROM never reads ports)
        const port = run.u16(34);
        if (port === PORT_DEBUGCON) {
          const size = run.u8(33), count = run.u32(36), off = run.u64(40);
          for (let i = 0; i < size * count; i++) {
            const e = proto.byte(runBytes[off + i] ?? 0);
            if (e === "start") {
              exits0 = exits;
              c0 = processCpuMs();
              t0 = performance.now();
            } else if (e === "end") {
              wallMs = performance.now() - t0;
              cpuMs = processCpuMs() - c0;
              regionExits = exits - exits0;
            }
          }
        } else if (port === PORT_DEBUG_EXIT) {
          break;
        } else if (port !== PORT_POST) {
          throw new Error(`unexpected OUT to port ${port.toString(16)}h`);
        }
      } else if (reason === KVM_EXIT_MMIO) {
        exits++;
        const addr = run.u64(32);
        if (addr !== MMIO_ADDR) throw new Error(`unexpected MMIO ${run.u8(52) ? "write" : "read"} at ${addr.toString(16)}h`);
      } else {
        throw new Error(`unexpected exit ${reason === KVM_EXIT_HLT ? "KVM_EXIT_HLT" : reason === KVM_EXIT_SHUTDOWN ? "KVM_EXIT_SHUTDOWN" : String(reason)} (guest output ${JSON.stringify(proto.output)})`);
      }
    }
    if (proto.registers === null) throw new Error(`the guest ended without its register line (output ${JSON.stringify(proto.output)})`);
    // The region's exits: every OUT 80h or store, plus the 'E' OUT itself.
    return w.unit === "exits/s" ? { wallMs, cpuMs, registers: proto.registers, exits: regionExits - 1 } : { wallMs, cpuMs, registers: proto.registers };
  } finally {
    for (const fd of fds.reverse()) sys.closeFd(fd);
  }
}

export const virtkitKvmRunner: Runner = {
  id: "virtkit-kvm",
  title: "virtkit CPU + kvm module (in-process VMM)",
  inProcess: true,
  group: "virtkit",
  unavailable: () => null,
  supports: () => true,
  run: (w, n) => Promise.resolve(runOnKvm(virtkitKvm, w, n)),
};

export const hostKvmRunner: Runner = {
  id: "host-kvm",
  title: "host /dev/kvm (nested, software-assisted)",
  inProcess: true,
  group: "peer",
  unavailable: () => nativeUnavailable,
  supports: () => true,
  run: (w, n) => Promise.resolve(runOnKvm(nativeKvm, w, n)),
};
