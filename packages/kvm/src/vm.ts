/**
 * A virtual machine inside the kernel (struct kvm) and the ioctl handlers of VM and vCPU files
 * (virt/kvm/kvm_main.c kvm_vm_ioctl / kvm_vcpu_ioctl, arch/x86/kvm/x86.c kvm_arch_*_ioctl). Handlers
 * take the raw argument (a value, or user memory holding the struct) and return >= 0 or -errno.
 */
import type { HostMachine } from "./host/host-machine.js";
import { Memslots } from "./memslots.js";
import { EptMmu } from "./mmu.js";
import { X86Emulator } from "./emulate.js";
import { KvmVcpu } from "./vcpu.js";
import { VmxVcpu } from "./vmx/vmx.js";
import { KvmMsrState, MSR_IA32_TSC, guestTsc, kvmGetMsr, kvmSetMsr } from "./msr.js";
import { E2BIG, EEXIST, EFAULT, EINVAL, ENOENT, ENOTTY, ENXIO } from "./uapi/errno.js";
import { KVM_MAX_VCPUS, KVM_MEM_LOG_DIRTY_PAGES } from "./uapi/constants.js";
import * as IOC from "./uapi/ioctl.js";
import {
  KVM_CPUID2_HEADER_SIZE, KVM_CPUID_ENTRY2_SIZE, KVM_DIRTY_LOG_SIZE, KVM_INTERRUPT_SIZE,
  KVM_MSRS_HEADER_SIZE, KVM_MSR_ENTRY_SIZE, KVM_REGS_SIZE, KVM_SREGS_SIZE, KVM_USERSPACE_MEMORY_REGION_SIZE,
  StructView, decodeCpuid2, decodeMemoryRegion, decodeRegs, decodeSregs, encodeCpuid2, encodeRegs, encodeSregs,
  type KvmSegment, type KvmSregs,
} from "./uapi/structs.js";
import { checkExtension } from "./capabilities.js";

import { getLe32, setLe32, userStruct, userStructInPlace, type IoctlArg } from "./uaccess.js";
import { KvmIoBus } from "./io-bus.js";
import type { KvmIrqchip } from "./irqchip/kvm-irqchip.js";
import type { KvmPit } from "./irqchip/i8254.js";
import { KvmLapic, type KvmLapicHost } from "./irqchip/lapic.js";
import { KvmVmStats, kvmTrace } from "./trace.js";
import { IRQCHIP_VM_IOCTLS } from "./irqchip-ioctls.js";
import { VCPU_STATE_IOCTLS } from "./vcpu-state-ioctls.js";
import { KVM_MP_STATE_UNINITIALIZED } from "./uapi/constants.js";
import type { KvmIrqfd, KvmIoeventfd } from "./eventfd-bindings.js";

export { userStruct, type IoctlArg };

/** kvm_segment order in kvm_sregs → the CPU's segment numbering (ES CS SS DS FS GS LDTR TR). */
const SREG_SEGS = [["cs", 1], ["ds", 3], ["es", 0], ["fs", 4], ["gs", 5], ["ss", 2], ["tr", 7], ["ldt", 6]] as const;
/** kvm_regs order → the kernel's GPR numbering (RAX RCX RDX RBX RSP RBP RSI RDI). */
const KVM_REGS_TO_GPR = { rax: 0, rbx: 3, rcx: 1, rdx: 2, rsi: 6, rdi: 7, rbp: 5 } as const;

/** CR4 bits a guest may set on this processor (kvm_is_valid_cr4: everything else is reserved). */
const CR4_GUEST_VALID = 0x7ff;

export class KvmVm {
  readonly memslots: Memslots;
  readonly mmu: EptMmu;
  readonly emulator: X86Emulator;
  readonly vcpus = new Map<number, KvmVcpu>();
  /** Bumped on every memslot change (the emulator rebuilds its view of guest memory). */
  slotsGeneration = 0;
  tssAddr = -1;
  identityMapAddr = -1;
  /** The kernel I/O buses (KVM_PIO_BUS, KVM_MMIO_BUS). */
  readonly pioBus = new KvmIoBus("pio");
  readonly mmioBus = new KvmIoBus("mmio");
  /** In-kernel PIC/IOAPIC (KVM_CREATE_IRQCHIP) and PIT (KVM_CREATE_PIT2). */
  irqchip: KvmIrqchip | null = null;
  pit: KvmPit | null = null;
  /** The bootstrap processor (KVM_SET_BOOT_CPU_ID; 0 by default). */
  bspId = 0;
  /** kvmclock = host clock + this offset (KVM_SET_CLOCK). */
  kvmclockOffset = 0;
  /** KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 flags enabled with KVM_ENABLE_CAP. */
  manualDirtyLogProtect = 0;
  readonly irqfds: KvmIrqfd[] = [];
  readonly ioeventfds: KvmIoeventfd[] = [];
  readonly stats = new KvmVmStats();
  private readonly msrs = new WeakMap<KvmVcpu, KvmMsrState>();
  private readonly dregs = new WeakMap<KvmVcpu, Int32Array>();
  private static nextVpid = 1;

  constructor(readonly host: HostMachine) {
    this.memslots = new Memslots((a, l) => host.isUserRange(a, l));
    this.mmu = new EptMmu(host, this.memslots);
    this.emulator = new X86Emulator(host, this.memslots);
  }

  msrState(vcpu: KvmVcpu): KvmMsrState {
    let s = this.msrs.get(vcpu);
    if (!s) {
      s = new KvmMsrState();
      this.msrs.set(vcpu, s);
    }
    return s;
  }

  /** DR0-DR3 and DR6 (DR7 lives in the VMCS). */
  debugRegs(vcpu: KvmVcpu): Int32Array {
    let d = this.dregs.get(vcpu);
    if (!d) {
      d = new Int32Array(8);
      d[6] = 0xffff0ff0 | 0;
      this.dregs.set(vcpu, d);
    }
    return d;
  }

  // ------------------------------------------------------------------ VM ioctls

  ioctl(request: number, arg: IoctlArg): number {
    const h = VM_IOCTLS.get(request);
    return h ? h(this, arg) : -ENOTTY;
  }

  createVcpu(id: number): KvmVcpu | number {
    if (!Number.isInteger(id) || id < 0 || id >= KVM_MAX_VCPUS) return -EINVAL;
    if (this.vcpus.has(id)) return -EEXIST;
    const vcpu = new KvmVcpu(this, id);
    vcpu.vendor = new VmxVcpu(vcpu, KvmVm.nextVpid++);
    if (this.irqchip) {
      vcpu.lapic = new KvmLapic(id, this.lapicHost(vcpu), id === this.bspId);
      // kvm_arch_vcpu_create: with an in-kernel irqchip only the BSP starts runnable; APs wait for INIT/SIPI.
      if (id !== this.bspId) vcpu.mpState = KVM_MP_STATE_UNINITIALIZED;
    }
    this.vcpus.set(id, vcpu);
    return vcpu;
  }

  /** What a vCPU's local APIC reaches in the VM. */
  private lapicHost(vcpu: KvmVcpu): KvmLapicHost {
    return {
      now: () => this.host.now(),
      tscOffset: () => vcpu.tscOffset,
      sendIpi: (irq, from) => {
        if (kvmTrace.enabled.kvm_apic_ipi) {
          const low = irq.vector | (irq.deliveryMode << 8) | (irq.destMode << 11) | (irq.level ? 1 << 14 : 0) | (irq.trigMode << 15) | (irq.shorthand << 18);
          kvmTrace.emit("kvm_apic_ipi", { vcpu_id: vcpu.id, icr_low: low >>> 0, dest_id: irq.destId });
        }
        return this.irqchip!.deliverToApic(irq, from);
      },
      eoi: (vector, level) => {
        if (kvmTrace.enabled.kvm_eoi) kvmTrace.emit("kvm_eoi", { vcpu_id: vcpu.id, vector, level });
        this.irqchip!.ioapic.eoi(vector, level);
      },
      // One thread runs every vCPU here: a woken vCPU notices its event when it next runs or blocks.
      kick: () => undefined,
      nmi: () => {
        vcpu.nmiQueued++;
      },
    };
  }

  /** The local APICs of the vCPUs (for interrupt delivery). */
  *lapics(): Generator<KvmLapic> {
    for (const v of this.vcpus.values()) if (v.lapic) yield v.lapic;
  }

  /** Fires the VM-wide kernel timers that are due (the PIT). */
  checkTimers(): void {
    if (this.pit?.check()) this.stats.pit_irqs++;
  }

  /** The next VM-wide timer deadline on the host clock, or -1. */
  nextTimerDeadline(): number {
    return this.pit ? this.pit.timerTarget : -1;
  }

  destroy(): void {
    for (const v of this.vcpus.values()) v.destroy();
    this.vcpus.clear();
    this.mmu.destroy();
  }
}

export type VmHandler = (vm: KvmVm, arg: IoctlArg) => number;
export type VcpuHandler = (vcpu: KvmVcpu, arg: IoctlArg) => number;

const VM_IOCTLS = new Map<number, VmHandler>([
  [IOC.KVM_SET_USER_MEMORY_REGION, (vm, arg) => {
    const b = userStruct(vm.host, arg, KVM_USERSPACE_MEMORY_REGION_SIZE);
    if (!b) return -EFAULT;
    const change = vm.memslots.set(decodeMemoryRegion(b));
    if (typeof change === "number") return change;
    vm.mmu.commit(change, vm.manualDirtyLogProtect);
    vm.slotsGeneration++;
    vm.stats.memslot_changes++;
    return 0;
  }],
  [IOC.KVM_CHECK_EXTENSION, (_vm, arg) => checkExtension(typeof arg === "number" ? arg : -1)],
  [IOC.KVM_SET_TSS_ADDR, (vm, arg) => {
    // The three pages KVM would use to emulate real mode without unrestricted guest; they must fit below 4 GiB.
    if (typeof arg !== "number" || arg < 0 || arg > 0xffffffff - 3 * 4096) return -EINVAL;
    vm.tssAddr = arg;
    return 0;
  }],
  [IOC.KVM_SET_IDENTITY_MAP_ADDR, (vm, arg) => {
    const b = userStruct(vm.host, arg, 8);
    if (!b) return -EFAULT;
    if (vm.vcpus.size > 0) return -EINVAL;
    vm.identityMapAddr = new StructView(b).u64(0);
    return 0;
  }],
  [IOC.KVM_GET_DIRTY_LOG, (vm, arg) => {
    const b = userStruct(vm.host, arg, KVM_DIRTY_LOG_SIZE);
    if (!b) return -EFAULT;
    const v = new StructView(b);
    const slot = vm.memslots.get(v.u32(0) & 0xffff);
    if (!slot || (v.u32(0) >>> 16) !== 0) return -EINVAL;
    if ((slot.flags & KVM_MEM_LOG_DIRTY_PAGES) === 0) return -ENOENT;
    // With manual protection the log is only read; KVM_CLEAR_DIRTY_LOG clears and re-protects.
    const bitmap = vm.manualDirtyLogProtect ? slot.dirtyBitmap!.slice() : vm.mmu.takeDirtyLog(slot);
    // The bitmap is rounded up to a multiple of 64 bits (kvm_dirty_bitmap_bytes).
    const bytes = Math.ceil(slot.size / 4096 / 64) * 8;
    const dst = userStruct(vm.host, v.u64(8), bytes);
    if (!dst) return -EFAULT;
    dst.fill(0);
    dst.set(bitmap.subarray(0, Math.min(bitmap.length, bytes)));
    return 0;
  }],
]);
for (const [req, h] of IRQCHIP_VM_IOCTLS) VM_IOCTLS.set(req, h);

// ------------------------------------------------------------------ vCPU ioctls

function getRegs(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_REGS_SIZE);
  if (!b) return -EFAULT;
  const r = vcpu.regs, v = vcpu.vendor;
  const u = (x: number): number => x >>> 0;
  encodeRegs({
    rax: u(r[0]!), rbx: u(r[3]!), rcx: u(r[1]!), rdx: u(r[2]!), rsi: u(r[6]!), rdi: u(r[7]!), rbp: u(r[5]!),
    rsp: v.rsp, rip: v.rip, rflags: v.rflags,
  }, b);
  return 0;
}

function setRegs(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_REGS_SIZE);
  if (!b) return -EFAULT;
  const regs = decodeRegs(b);
  for (const [k, i] of Object.entries(KVM_REGS_TO_GPR)) vcpu.regs[i] = regs[k as keyof typeof KVM_REGS_TO_GPR] | 0;
  vcpu.vendor.rsp = regs.rsp | 0;
  vcpu.vendor.rip = regs.rip | 0;
  vcpu.vendor.rflags = regs.rflags | 0;
  // __set_regs leaves complete_userspace_io pending: a fast IN/OUT still completes on the next KVM_RUN
  // when RIP was left at it (user space syncing registers at every exit must not run the OUT twice).
  // New register state cancels an instruction the emulator was in the middle of.
  if (vcpu.completeUserspaceIo?.fastPio !== true) {
    vcpu.vm.emulator.reset();
    vcpu.completeUserspaceIo = null;
  }
  vcpu.pendingException = null;
  return 0;
}

function getSregs(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_SREGS_SIZE);
  if (!b) return -EFAULT;
  const v = vcpu.vendor;
  const segs = {} as Record<(typeof SREG_SEGS)[number][0], KvmSegment>;
  for (const [k, s] of SREG_SEGS) segs[k] = v.getSegment(s);
  const bitmap: [number, number, number, number] = [0, 0, 0, 0];
  if (vcpu.pendingInterrupt >= 0) bitmap[vcpu.pendingInterrupt >>> 6] = 2 ** (vcpu.pendingInterrupt & 63);
  const s: KvmSregs = {
    ...segs,
    gdt: { base: v.read(0x6816), limit: v.read(0x4810) },
    idt: { base: v.read(0x6818), limit: v.read(0x4812) },
    cr0: v.getCr0(), cr2: vcpu.cr2 >>> 0, cr3: v.getCr3(), cr4: v.getCr4(), cr8: vcpu.lapic ? (vcpu.lapic.get(0x80) >>> 4) & 0xf : 0,
    efer: v.read(0x2806), apic_base: (vcpu.lapic ? vcpu.lapic.apicBase : vcpu.vm.msrState(vcpu).apicBase) >>> 0, interrupt_bitmap: bitmap,
  };
  encodeSregs(s, b);
  return 0;
}

function setSregs(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_SREGS_SIZE);
  if (!b) return -EFAULT;
  const s = decodeSregs(b);
  // kvm_is_valid_sregs: reserved CR4 or EFER bits are rejected before anything changes.
  if (s.cr4 > 0xffffffff || (s.cr4 & ~CR4_GUEST_VALID) !== 0 || s.efer !== 0) return -EINVAL;
  const v = vcpu.vendor;
  for (const [k, seg] of SREG_SEGS) v.setSegment(seg, s[k]);
  v.write(0x6816, s.gdt.base);
  v.write(0x4810, s.gdt.limit);
  v.write(0x6818, s.idt.base);
  v.write(0x4812, s.idt.limit);
  vcpu.cr2 = s.cr2 | 0;
  v.setCr3(s.cr3);
  v.setCr4(s.cr4);
  v.setCr0(s.cr0);
  vcpu.vm.msrState(vcpu).apicBase = s.apic_base | 0;
  if (vcpu.lapic) {
    vcpu.lapic.setBase(s.apic_base);
    // kvm_set_cr8: CR8 is the task priority (TPR bits 7:4).
    vcpu.lapic.writeReg(0x80, (s.cr8 & 0xf) << 4);
  }
  // The lowest pending vector of interrupt_bitmap is queued (user-space irqchip only).
  vcpu.pendingInterrupt = -1;
  for (let w = 0; w < 4 && vcpu.pendingInterrupt < 0; w++) {
    const word = s.interrupt_bitmap[w]!;
    for (let bit = 0; bit < 64; bit++) {
      if (Math.floor(word / 2 ** bit) % 2 === 1) {
        vcpu.pendingInterrupt = w * 64 + bit;
        break;
      }
    }
  }
  vcpu.vm.emulator.reset();
  return 0;
}

function setCpuid2(vcpu: KvmVcpu, arg: IoctlArg): number {
  const head = userStruct(vcpu.vm.host, arg, KVM_CPUID2_HEADER_SIZE);
  if (!head) return -EFAULT;
  const n = new StructView(head).u32(0);
  if (n > 256) return -E2BIG;
  const b = userStruct(vcpu.vm.host, arg, KVM_CPUID2_HEADER_SIZE + n * KVM_CPUID_ENTRY2_SIZE);
  if (!b) return -EFAULT;
  return vcpu.setCpuid(decodeCpuid2(b));
}

function getCpuid2(vcpu: KvmVcpu, arg: IoctlArg): number {
  const head = userStruct(vcpu.vm.host, arg, KVM_CPUID2_HEADER_SIZE);
  if (!head) return -EFAULT;
  const cap = new StructView(head).u32(0);
  const entries = vcpu.cpuidEntries;
  if (cap < entries.length) return -E2BIG;
  const b = userStruct(vcpu.vm.host, arg, KVM_CPUID2_HEADER_SIZE + entries.length * KVM_CPUID_ENTRY2_SIZE);
  if (!b) return -EFAULT;
  b.set(encodeCpuid2(entries));
  return 0;
}

/** KVM_GET_MSRS / KVM_SET_MSRS: returns the number of MSRs processed (stops at the first failure). */
function msrs(vcpu: KvmVcpu, arg: IoctlArg, write: boolean): number {
  // QEMU's loop reads the TSC this way after every exit: no view or DataView per call.
  const head = userStructInPlace(vcpu.vm.host, arg, KVM_MSRS_HEADER_SIZE);
  if (!head) return -EFAULT;
  const n = getLe32(head, 0);
  if (n > 256) return -E2BIG;
  const b = userStructInPlace(vcpu.vm.host, arg, KVM_MSRS_HEADER_SIZE + n * KVM_MSR_ENTRY_SIZE);
  if (!b) return -EFAULT;
  for (let i = 0; i < n; i++) {
    const at = KVM_MSRS_HEADER_SIZE + i * KVM_MSR_ENTRY_SIZE;
    const index = getLe32(b, at);
    if (write) {
      if (!kvmSetMsr(vcpu, index, getLe32(b, at + 8), getLe32(b, at + 12), true)) return i;
    } else if (index === MSR_IA32_TSC) {
      // (kvmGetMsr's TSC without its array: the read that QEMU's loop makes after every exit.)
      const t = guestTsc(vcpu);
      setLe32(b, at + 8, t >>> 0);
      setLe32(b, at + 12, Math.floor(t / 0x100000000) | 0);
    } else {
      const val = kvmGetMsr(vcpu, index);
      if (!val) return i;
      setLe32(b, at + 8, val[0]);
      setLe32(b, at + 12, val[1]);
    }
  }
  return n;
}

/** KVM_RUN takes no argument. */
function kvmRun(vcpu: KvmVcpu, arg: IoctlArg): number {
  return arg !== undefined && arg !== 0 ? -EINVAL : vcpu.ioctlRun();
}

const VCPU_IOCTLS = new Map<number, VcpuHandler>([
  [IOC.KVM_RUN, kvmRun],
  [IOC.KVM_GET_REGS, getRegs],
  [IOC.KVM_SET_REGS, setRegs],
  [IOC.KVM_GET_SREGS, getSregs],
  [IOC.KVM_SET_SREGS, setSregs],
  [IOC.KVM_SET_CPUID2, setCpuid2],
  [IOC.KVM_GET_CPUID2, getCpuid2],
  [IOC.KVM_GET_MSRS, (vcpu, arg) => msrs(vcpu, arg, false)],
  [IOC.KVM_SET_MSRS, (vcpu, arg) => msrs(vcpu, arg, true)],
  [IOC.KVM_INTERRUPT, (vcpu, arg) => {
    const b = userStruct(vcpu.vm.host, arg, KVM_INTERRUPT_SIZE);
    if (!b) return -EFAULT;
    const irq = new StructView(b).u32(0);
    // kvm_vcpu_ioctl_interrupt: vectors above 255 are invalid; only one can be pending without an irqchip;
    // with the in-kernel PIC the interrupt controller is the kernel's (ENXIO).
    if (irq >= 256) return -EINVAL;
    if (vcpu.vm.irqchip) return -ENXIO;
    if (vcpu.pendingInterrupt >= 0) return -EEXIST;
    vcpu.pendingInterrupt = irq;
    return 0;
  }],
]);

for (const [req, h] of VCPU_STATE_IOCTLS) VCPU_IOCTLS.set(req, h);

export function vcpuIoctl(vcpu: KvmVcpu, request: number, arg: IoctlArg): number {
  // The ioctl a VMM makes once per exit skips the table lookup.
  if (request === IOC.KVM_RUN) return kvmRun(vcpu, arg);
  const h = VCPU_IOCTLS.get(request);
  // Unknown vCPU ioctls are EINVAL (kvm_arch_vcpu_ioctl's default), unlike unknown VM ioctls (ENOTTY).
  return h ? h(vcpu, arg) : -EINVAL;
}

