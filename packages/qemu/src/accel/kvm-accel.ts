import {
  type HostMachine,
  hostMachine,
  KVM_CAP_IRQCHIP,
  KVM_GET_MP_STATE,
  KVM_GET_MSRS,
  KVM_INTERRUPT,
  KVM_IRQ_LINE,
  KVM_RUN_OFFSETS,
  KVM_SET_MP_STATE,
  Kvm,
  type KvmCpuidEntry2,
  KvmError,
  type KvmRegs,
  type KvmSregs,
  type VcpuFd,
  type VmFd,
} from "@virtkit/kvm";
import type { RamBlock } from "../memory/memory-region.js";
import { type Accel, AccelError, type AccelVcpu, type KernelIrqchipOps, type VcpuExit, type VcpuState } from "./accel.js";
import { KvmMemoryListener } from "./kvm-memory-listener.js";

/*
 * The KVM accelerator over @virtkit/kvm (QEMU accel/kvm/kvm-all.c kvm_init, kvm_init_vcpu,
 * kvm_cpu_exec; target/i386/kvm/kvm.c kvm_arch_init): open /dev/kvm, check the API version, create
 * the VM, place the EPT identity map and the real-mode TSS below the BIOS as QEMU does, create vCPUs
 * and run them. Guest RAM comes from mmap in the host process, so memslots can point at it.
 */

/** KVM_GET_API_VERSION must return this (Documentation/virt/kvm/api.rst 4.1). */
const KVM_EXPECTED_API_VERSION = 12;
/**
 * Where QEMU puts the EPT identity map (4 KiB) and, one page above, the 3-page TSS KVM needs for
 * real mode on hosts without unrestricted guest; the range is reserved in the e820 map.
 */
export const KVM_IDENTITY_BASE = 0xfeffc000;
export const KVM_IDENTITY_RESERVED_SIZE = 0x4000;
const MSR_IA32_TSC = 0x10;
/** The TSC one KVM_RUN may advance at most beyond its alarm: the host's timer tick is 1M instructions. */
export const KVM_HOST_TICK_INSTRUCTIONS = 1_000_000;

export type KernelIrqchipMode = "on" | "off" | "split";

export interface KvmAccelOptions {
  /** -machine kernel_irqchip= (QEMU's default for pc is "on" when KVM has it, else off). */
  kernelIrqchip?: KernelIrqchipMode;
  /** The host to run on (default: the process's); tests pass a fresh one so memory is freed. */
  host?: HostMachine;
  /**
   * How the host idles while the in-kernel irqchip holds every vCPU halted (-icount sleep=on|off):
   * "sleep" keeps the guest's clock at real time (HostMachine.setIdlePacing), "warp" (the default)
   * jumps to the next timer at once.
   */
  idle?: "warp" | "sleep";
}

export class KvmAccel implements Accel {
  readonly name = "kvm";
  readonly kernelIrqchip: boolean;
  /** @virtkit/kvm's EPT maps a 32-bit guest-physical space. */
  readonly maxGuestPhysAddr = 2 ** 32;
  readonly memoryListener: KvmMemoryListener;
  readonly kernelChips: KernelIrqchipOps | undefined;
  private readonly vcpus: KvmAccelVcpu[] = [];
  private msrIndices: number[] | undefined;

  private constructor(
    readonly kvm: Kvm,
    readonly vm: VmFd,
    kernelIrqchip: boolean,
  ) {
    this.kernelIrqchip = kernelIrqchip;
    this.memoryListener = new KvmMemoryListener(vm);
    this.kernelChips = kernelIrqchip ? new KvmKernelChips(vm) : undefined;
  }

  /** kvm_init: fails with QEMU's messages when /dev/kvm is unusable. */
  static create(options: KvmAccelOptions = {}): KvmAccel {
    let kvm: Kvm;
    try {
      kvm = Kvm.open(options.host);
    } catch (e) {
      throw new AccelError(`Could not access KVM kernel module: ${(e as Error).message}`);
    }
    const version = kvm.getApiVersion();
    if (version < KVM_EXPECTED_API_VERSION) {
      throw new AccelError("kvm version too old");
    }
    if (version > KVM_EXPECTED_API_VERSION) {
      throw new AccelError("kvm version not supported");
    }
    // kvm_init: kernel_irqchip unset means "use the kernel's if it has one" (kernel_irqchip_allowed
    // without kernel_irqchip_required); an explicit "on" requires it.
    const hasIrqchip = kvm.checkExtension(KVM_CAP_IRQCHIP) > 0;
    const mode = options.kernelIrqchip ?? (hasIrqchip ? "on" : "off");
    if (mode !== "off" && !hasIrqchip) {
      // The kvm module has no in-kernel PIC/IOAPIC/LAPIC yet (KVM_CAP_IRQCHIP = 0).
      throw new AccelError("kernel_irqchip requested but unavailable: KVM_CAP_IRQCHIP is not supported by this kvm module");
    }
    if (mode === "split") {
      // kvm_arch_irqchip_create: split mode is KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP), which this kvm
      // module does not offer, so kvm_vm_enable_cap fails with -EINVAL as on a kernel without it.
      throw new AccelError("Could not enable split irqchip mode: Invalid argument");
    }
    (options.host ?? hostMachine()).setIdlePacing(options.idle === "sleep");
    const vm = kvm.createVm();
    // kvm_arch_init: EPT identity map, then the TSS one page above it.
    vm.setIdentityMapAddr(KVM_IDENTITY_BASE);
    vm.setTssAddr(KVM_IDENTITY_BASE + 0x1000);
    if (mode === "on") {
      // kvm_irqchip_create: before any vCPU, so each vCPU gets its in-kernel local APIC.
      try {
        vm.createIrqchip();
      } catch (e) {
        vm.close();
        kvm.close();
        throw new AccelError(`Create kernel irqchip failed: ${(e as Error).message}`);
      }
    }
    return new KvmAccel(kvm, vm, mode === "on");
  }

  allocRam(name: string, size: number): RamBlock {
    let m;
    try {
      m = this.kvm.mmap(size);
    } catch {
      throw new AccelError(`cannot set up guest memory '${name}': Cannot allocate memory`);
    }
    return { name, size, bytes: m.bytes, hostAddr: m.addr };
  }

  supportedCpuid(): KvmCpuidEntry2[] {
    return this.kvm.getSupportedCpuid();
  }

  /** KVM_GET_MSR_INDEX_LIST: the MSRs saved with a vCPU. */
  msrIndexList(): number[] {
    this.msrIndices ??= this.kvm.getMsrIndexList();
    return this.msrIndices;
  }

  createVcpu(index: number): AccelVcpu {
    const fd = this.vm.createVcpu(index);
    const vcpu = new KvmAccelVcpu(index, fd, this.msrIndexList(), this.kernelIrqchip);
    this.vcpus.push(vcpu);
    return vcpu;
  }

  destroy(): void {
    for (const v of this.vcpus) {
      v.close();
    }
    this.vcpus.length = 0;
    this.vm.close();
    this.kvm.close();
  }
}

/** The in-kernel chips' ioctls, with preallocated argument buffers (KVM_IRQ_LINE is on the device hot path). */
class KvmKernelChips implements KernelIrqchipOps {
  /** struct kvm_irq_level: gsi (u32), level (u32). */
  private readonly irqLevel = new Uint8Array(8);
  private readonly irqLevelView = new DataView(this.irqLevel.buffer);

  constructor(private readonly vm: VmFd) {}

  setIrq(gsi: number, level: boolean): void {
    this.irqLevelView.setUint32(0, gsi, true);
    this.irqLevelView.setUint32(4, level ? 1 : 0, true);
    const r = this.vm.ioctl(KVM_IRQ_LINE, this.irqLevel);
    if (r < 0) {
      throw new KvmError("KVM_IRQ_LINE", -r);
    }
  }

  getChip(chip: number): Uint8Array {
    return this.vm.getIrqchip(chip).slice();
  }

  setChip(chip: number, state: Uint8Array): void {
    this.vm.setIrqchip(chip, state);
  }

  createPit(flags: number): void {
    this.vm.createPit2(flags);
  }

  getPit(): Uint8Array {
    return this.vm.getPit2();
  }

  setPit(state: Uint8Array): void {
    this.vm.setPit2(state);
  }

  setGsiRouting(routes: readonly { gsi: number; irqchip: number; pin: number }[]): void {
    this.vm.setGsiRouting(routes);
  }
}

class KvmAccelVcpu implements AccelVcpu {
  /** kvm_msrs with one entry, for the TSC read after every exit (no allocation per exit). */
  private readonly tscMsrs = new Uint8Array(8 + 16);
  private readonly tscView = new DataView(this.tscMsrs.buffer);
  private readonly irqBuf = new Uint8Array(4);
  private readonly mpBuf = new Uint8Array(4);
  private readonly powerOn: VcpuState;

  constructor(
    readonly index: number,
    private readonly fd: VcpuFd,
    private readonly msrIndices: number[],
    /** KVM_CREATE_IRQCHIP gave this vCPU a local APIC in the kernel. */
    private readonly inKernelLapic: boolean,
  ) {
    this.tscView.setUint32(0, 1, true);
    this.tscView.setUint32(8, MSR_IA32_TSC, true);
    // The vCPU comes out of KVM_CREATE_VCPU in its reset state (kvm_vcpu_reset): keep it for resets.
    this.powerOn = this.saveState();
  }

  run(): VcpuExit {
    return this.fd.runExit();
  }

  completePendingIo(): void {
    this.fd.immediateExit = true;
    try {
      this.fd.runExit();
    } finally {
      this.fd.immediateExit = false;
    }
  }

  getRegs(): KvmRegs {
    return this.fd.getRegs();
  }

  setRegs(regs: KvmRegs): void {
    this.fd.setRegs(regs);
  }

  getSregs(): KvmSregs {
    return this.fd.getSregs();
  }

  setSregs(sregs: KvmSregs): void {
    this.fd.setSregs(sregs);
  }

  getMsrs(indices: readonly number[]): [number, number][] {
    return this.fd.getMsrs(indices);
  }

  setMsrs(entries: readonly [number, number][]): number {
    return this.fd.setMsrs(entries);
  }

  getMpState(): number {
    const r = this.fd.ioctl(KVM_GET_MP_STATE, this.mpBuf);
    if (r < 0) {
      throw new KvmError("KVM_GET_MP_STATE", -r);
    }
    return new DataView(this.mpBuf.buffer).getUint32(0, true);
  }

  setMpState(state: number): void {
    new DataView(this.mpBuf.buffer).setUint32(0, state, true);
    const r = this.fd.ioctl(KVM_SET_MP_STATE, this.mpBuf);
    if (r < 0) {
      throw new KvmError("KVM_SET_MP_STATE", -r);
    }
  }

  setCpuid(entries: readonly KvmCpuidEntry2[]): void {
    this.fd.setCpuid2(entries);
  }

  getFpu(): Uint8Array {
    return this.fd.getFpu();
  }

  setFpu(fpu: Uint8Array): void {
    this.fd.setFpu(fpu);
  }

  getDebugRegs(): { db: number[]; dr6: number; dr7: number } {
    return this.fd.getDebugRegs();
  }

  saveState(): VcpuState {
    return {
      regs: this.fd.getRegs(),
      sregs: this.fd.getSregs(),
      msrs: this.fd.getMsrs(this.msrIndices),
      mpState: this.getMpState(),
      fpu: [...this.fd.getFpu()],
      events: [...this.fd.getVcpuEvents()],
      debugRegs: this.fd.getDebugRegs(),
      ...(this.inKernelLapic ? { lapic: [...this.fd.getLapic()] } : {}),
    };
  }

  loadState(state: VcpuState): void {
    this.fd.setSregs(state.sregs);
    this.fd.setRegs(state.regs);
    this.fd.setMsrs(state.msrs);
    this.setMpState(state.mpState);
    // kvm_arch_put_registers puts the APIC after the MP state (kvm_put_apic).
    if (state.lapic !== undefined && this.inKernelLapic) this.fd.setLapic(Uint8Array.from(state.lapic));
    if (state.fpu !== undefined) this.fd.setFpu(Uint8Array.from(state.fpu));
    if (state.debugRegs !== undefined) this.fd.setDebugRegs(state.debugRegs);
    if (state.events !== undefined) this.fd.setVcpuEvents(Uint8Array.from(state.events));
  }

  reset(): void {
    this.loadState(this.powerOn);
    this.fd.requestInterruptWindow = false;
  }

  get readyForInterruptInjection(): boolean {
    return this.fd.readyForInterruptInjection;
  }

  get interruptFlag(): boolean {
    return this.fd.kvmRun[KVM_RUN_OFFSETS.if_flag] !== 0;
  }

  setRequestInterruptWindow(on: boolean): void {
    this.fd.requestInterruptWindow = on;
  }

  injectInterrupt(vector: number): void {
    new DataView(this.irqBuf.buffer).setUint32(0, vector, true);
    const r = this.fd.ioctl(KVM_INTERRUPT, this.irqBuf);
    if (r < 0) {
      throw new KvmError("KVM_INTERRUPT", -r);
    }
  }

  setAlarm(instructions: number): void {
    this.fd.alarm(instructions);
  }

  readTsc(): number {
    const r = this.fd.ioctl(KVM_GET_MSRS, this.tscMsrs);
    if (r !== 1) {
      return 0;
    }
    return this.tscView.getUint32(16, true) + this.tscView.getUint32(20, true) * 0x1_0000_0000;
  }

  kick(): void {
    this.fd.kick();
  }

  close(): void {
    this.fd.close();
  }
}

export { KVM_EXPECTED_API_VERSION };
