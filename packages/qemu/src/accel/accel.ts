import type { KvmCpuidEntry2, KvmRegs, KvmSregs } from "@virtkit/kvm";
import type { MemoryListener } from "../memory/address-space.js";
import type { RamAllocator } from "../memory/memory-region.js";

/*
 * The accelerator interface (QEMU AccelClass + AccelOpsClass, accel/kvm/kvm-all.c and
 * kvm-accel-ops.c): what the machine needs from whatever runs guest code. The machine never touches
 * /dev/kvm itself; it allocates RAM, registers the accelerator's memory listener on the system
 * address space (memslots follow the layout), creates vCPUs and runs them. @virtkit/kvm implements
 * it now (KvmAccel); a native /dev/kvm backend can implement the same shape later.
 *
 * Register and exit shapes are the KVM ABI's (struct kvm_regs/kvm_sregs, the decoded kvm_run
 * exits), the lingua franca of every x86 accelerator QEMU supports.
 */

export type { KvmRegs as VcpuRegs, KvmSregs as VcpuSregs, KvmCpuidEntry2 as CpuidEntry };

/** What KVM_RUN returned, decoded from kvm_run. io/mmio `data` views point into the shared run page. */
export type VcpuExit =
  | { reason: "io-in"; port: number; size: number; count: number; data: Uint8Array }
  | { reason: "io-out"; port: number; size: number; count: number; data: Uint8Array }
  | { reason: "mmio-read"; addr: number; len: number; data: Uint8Array }
  | { reason: "mmio-write"; addr: number; len: number; data: Uint8Array }
  | { reason: "hlt" }
  | { reason: "shutdown" }
  | { reason: "intr" }
  | { reason: "irq-window-open" }
  | { reason: "exception"; exception: number; errorCode: number }
  | { reason: "debug"; exception: number; pc: number; dr6: number; dr7: number }
  | { reason: "fail-entry"; hardwareEntryFailureReason: number; cpu: number }
  | { reason: "internal-error"; suberror: number; data: number[] }
  | { reason: "system-event"; type: number; data: number[] }
  | { reason: "unknown"; exitReason: number };

/** The per-vCPU state a snapshot or migration carries (QEMU's CPUX86State as KVM exposes it). */
export interface VcpuState {
  regs: KvmRegs;
  sregs: KvmSregs;
  /** [index, value] for every MSR the accelerator saves (KVM_GET_MSR_INDEX_LIST). */
  msrs: [number, number][];
  /** KVM_MP_STATE_*. */
  mpState: number;
  /** struct kvm_fpu (x87, SSE), struct kvm_vcpu_events (pending events, shadows), as bytes. */
  fpu?: number[];
  events?: number[];
  /** DR0-DR3, DR6, DR7. */
  debugRegs?: { db: number[]; dr6: number; dr7: number };
  /** With the in-kernel irqchip: struct kvm_lapic_state, the 1 KiB register page (KVM_GET_LAPIC). */
  lapic?: number[];
}

export interface AccelVcpu {
  readonly index: number;
  /** KVM_RUN: runs until the next exit to user space. */
  run(): VcpuExit;
  getRegs(): KvmRegs;
  setRegs(regs: KvmRegs): void;
  getSregs(): KvmSregs;
  setSregs(sregs: KvmSregs): void;
  getMsrs(indices: readonly number[]): [number, number][];
  setMsrs(entries: readonly [number, number][]): number;
  getMpState(): number;
  setMpState(state: number): void;
  setCpuid(entries: readonly KvmCpuidEntry2[]): void;
  /** KVM_GET_FPU (struct kvm_fpu bytes), when the accelerator has it. */
  getFpu?(): Uint8Array;
  setFpu?(fpu: Uint8Array): void;
  /** KVM_GET_DEBUGREGS, when the accelerator has it. */
  getDebugRegs?(): { db: number[]; dr6: number; dr7: number };
  /**
   * Finishes an I/O or MMIO instruction whose exit was handled, without running further guest
   * code (KVM_RUN with immediate_exit; api.rst: required before saving state for migration).
   */
  completePendingIo(): void;
  /** Everything a snapshot needs, and its restore. */
  saveState(): VcpuState;
  loadState(state: VcpuState): void;
  /** Back to the power-on state the vCPU had when created (x86_cpu_reset as KVM sees it). */
  reset(): void;

  // ---- user-space irqchip (QEMU kernel_irqchip=off): kvm_arch_pre_run / kvm_arch_post_run
  /** kvm_run.ready_for_interrupt_injection after the last exit. */
  readonly readyForInterruptInjection: boolean;
  /** kvm_run.if_flag after the last exit. */
  readonly interruptFlag: boolean;
  /** kvm_run.request_interrupt_window: exit as soon as an interrupt could be injected. */
  setRequestInterruptWindow(on: boolean): void;
  /** KVM_INTERRUPT: queue an external interrupt vector for the next entry. */
  injectInterrupt(vector: number): void;

  // ---- regaining control and keeping time
  /**
   * Arms a timer signal after about `instructions` more guest instructions (KVM_RUN then returns
   * "intr"), so a single-threaded loop regains control at timer deadlines.
   */
  setAlarm(instructions: number): void;
  /** The guest's time-stamp counter (a clock that advances with guest instructions). */
  readTsc(): number;
  /** Makes the current or next run return "intr" (another thread or a signal handler's kick). */
  kick(): void;
  close(): void;
}

/**
 * The in-kernel interrupt controllers and PIT as the machine drives them (QEMU kvm_set_irq,
 * kvm_pic_get/put, kvm_pit_get/put over KVM_IRQ_LINE, KVM_GET/SET_IRQCHIP, KVM_GET/SET_PIT2).
 * Chip ids are KVM_IRQCHIP_PIC_MASTER (0), KVM_IRQCHIP_PIC_SLAVE (1), KVM_IRQCHIP_IOAPIC (2).
 */
export interface KernelIrqchipOps {
  /** KVM_IRQ_LINE: GSI `gsi` to `level`. */
  setIrq(gsi: number, level: boolean): void;
  /** KVM_GET_IRQCHIP: struct kvm_pic_state / kvm_ioapic_state bytes of chip `chip`. */
  getChip(chip: number): Uint8Array;
  /** KVM_SET_IRQCHIP. */
  setChip(chip: number, state: Uint8Array): void;
  /** KVM_CREATE_PIT2 with struct kvm_pit_config.flags. */
  createPit(flags: number): void;
  /** KVM_GET_PIT2: struct kvm_pit_state2 bytes. */
  getPit(): Uint8Array;
  /** KVM_SET_PIT2. */
  setPit(state: Uint8Array): void;
  /** KVM_SET_GSI_ROUTING with irqchip-pin entries (replaces the whole table). */
  setGsiRouting(routes: readonly { gsi: number; irqchip: number; pin: number }[]): void;
}

export interface Accel extends RamAllocator {
  /** "kvm". */
  readonly name: string;
  /** Interrupt controllers and PIT live in the kernel (QEMU kernel_irqchip=on). */
  readonly kernelIrqchip: boolean;
  /** With kernelIrqchip: the ioctls of the in-kernel chips (KVM_CREATE_IRQCHIP was done at VM creation). */
  readonly kernelChips?: KernelIrqchipOps;
  /** CPUID the accelerator can give guests (KVM_GET_SUPPORTED_CPUID). */
  supportedCpuid(): KvmCpuidEntry2[];
  /** Largest guest-physical address + 1 the accelerator can map RAM at. */
  readonly maxGuestPhysAddr: number;
  createVcpu(index: number): AccelVcpu;
  /** The listener to register on the system memory address space (kvm_memory_listener_register). */
  readonly memoryListener: MemoryListener;
  /** Releases the VM. */
  destroy(): void;
}

export class AccelError extends Error {}
