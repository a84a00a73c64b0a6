/**
 * A virtual CPU inside the kernel (struct kvm_vcpu) and the generic x86 run loop (arch/x86/kvm/x86.c:
 * kvm_arch_vcpu_ioctl_run → vcpu_run → vcpu_enter_guest). The vendor module (VMX) enters the guest and
 * decodes exits; the shared routines here complete user-space I/O, inject events, emulate CPUID and
 * MSRs, and decide between re-entering the guest and returning to user space.
 */
import { CpuidTable, type CpuidEntry, PAGE_SIZE } from "@virtkit/cpu";
import type { KvmVm } from "./vm.js";
import type { VmxVcpu } from "./vmx/vmx.js";
import { EINTR, EINVAL } from "./uapi/errno.js";
import {
  KVM_EXIT_INTR, KVM_EXIT_IO, KVM_EXIT_IO_IN, KVM_EXIT_IO_OUT, KVM_EXIT_MMIO, KVM_EXIT_NAMES, KVM_EXIT_INTERNAL_ERROR,
  KVM_INTERNAL_ERROR_DELIVERY_EV, KVM_INTERNAL_ERROR_EMULATION, KVM_MP_STATE_RUNNABLE, KVM_PIO_PAGE_OFFSET, KVM_VCPU_MMAP_PAGES,
} from "./uapi/constants.js";
import { KVM_RUN_EXIT_OFFSETS, KVM_RUN_OFFSETS, StructView } from "./uapi/structs.js";
import { KvmVcpuStats, kvmTrace } from "./trace.js";
import { EMULATE_DONE, EMULATE_EXCEPTION, EMULATE_NEED_READ, type EmulatedAccess } from "./emulate.js";

/** Handler results (the kernel's convention): re-enter the guest, or return to user space with kvm_run filled. */
export const RESUME_GUEST = 1;
export const EXIT_TO_USER = 0;

/** Guest GPRs in the kernel's order (enum kvm_reg: RAX RCX RDX RBX RSP RBP RSI RDI — the ModRM order). */
export const VCPU_REGS_RAX = 0;
export const VCPU_REGS_RCX = 1;
export const VCPU_REGS_RDX = 2;
export const VCPU_REGS_RBX = 3;
export const VCPU_REGS_RSP = 4;
export const VCPU_REGS_RBP = 5;
export const VCPU_REGS_RSI = 6;
export const VCPU_REGS_RDI = 7;

export interface PendingException {
  vector: number;
  errorCode: number;
}

export class KvmVcpu {
  readonly regs = new Int32Array(8);
  /** The vCPU's mmap area: kvm_run page, PIO data page, coalesced-MMIO ring page (kernel memory). */
  readonly runPages: Uint8Array;
  readonly runAddr: number;
  readonly run: StructView;
  readonly stats = new KvmVcpuStats();
  /** CPUID as set by KVM_SET_CPUID2; empty until then (CPUID then reads as all zeros). */
  cpuid = new CpuidTable([]);
  cpuidEntries: CpuidEntry[] = [];
  mpState = KVM_MP_STATE_RUNNABLE;
  /** Guest CR2 (not part of the VMCS: the kernel switches it around VM entry). */
  cr2 = 0;
  /** What to do with user space's answer on the next KVM_RUN (complete_userspace_io). */
  completeUserspaceIo: ((vcpu: KvmVcpu) => number) | null = null;
  /**
   * An event whose delivery a VM exit interrupted, to re-inject at the next entry (vmx_complete_interrupts):
   * interruption information, error code and instruction length.
   */
  reinject: { info: number; errorCode: number; length: number } | null = null;
  /** A pending exception to inject at the next entry. */
  pendingException: PendingException | null = null;
  /** An interrupt queued by KVM_INTERRUPT (user-space irqchip), or -1. */
  pendingInterrupt = -1;
  /** A signal is pending for the thread running this vCPU: KVM_RUN returns -EINTR / KVM_EXIT_INTR. */
  signalPending = false;
  /**
   * Guest instruction count at which a timer signal arrives (setitimer(ITIMER_VIRTUAL)-style), or -1.
   * Checked when the host regains control (its timer interrupt exits the guest at least every tick).
   */
  alarmAt = -1;
  /** Linear RIP recorded when an instruction was handed to user space, to complete it (cui_linear_rip). */
  cuiRip = 0;
  pioSize = 0;
  /** The vendor (VMX) part of the vCPU. */
  vendor!: VmxVcpu;

  constructor(readonly vm: KvmVm, readonly id: number) {
    const host = vm.host;
    // The three pages are physically contiguous so that one mapping covers them.
    this.runAddr = host.allocKernelPages(KVM_VCPU_MMAP_PAGES);
    this.runPages = host.kernelBytes(this.runAddr, KVM_VCPU_MMAP_PAGES * PAGE_SIZE);
    this.run = new StructView(this.runPages);
  }

  get exitReason(): number {
    return this.run.u32(KVM_RUN_OFFSETS.exit_reason);
  }

  setExitReason(reason: number): void {
    this.run.setU32(KVM_RUN_OFFSETS.exit_reason, reason);
  }

  // ------------------------------------------------------------------ the run loop

  /** KVM_RUN (kvm_arch_vcpu_ioctl_run). Returns 0, or a negative errno (-EINTR with KVM_EXIT_INTR). */
  ioctlRun(): number {
    let r: number;
    const cui = this.completeUserspaceIo;
    if (cui) {
      this.completeUserspaceIo = null;
      r = cui(this);
      if (r <= 0) return this.finishRun(r);
    }
    if (this.run.u8(KVM_RUN_OFFSETS.immediate_exit) !== 0) {
      this.setExitReason(KVM_EXIT_INTR);
      this.stats.signal_exits++;
      return this.finishRun(-EINTR);
    }
    for (;;) {
      r = this.enterGuest();
      if (r <= 0) break;
      if (this.alarmAt >= 0 && this.vendor.cpu.instructionsRetired >= this.alarmAt) {
        this.alarmAt = -1;
        this.signalPending = true;
      }
      if (this.signalPending) {
        this.signalPending = false;
        this.setExitReason(KVM_EXIT_INTR);
        this.stats.signal_exits++;
        r = -EINTR;
        break;
      }
    }
    return this.finishRun(r);
  }

  private finishRun(r: number): number {
    if (kvmTrace.enabled.kvm_userspace_exit) {
      const reason = this.exitReason;
      kvmTrace.emit("kvm_userspace_exit", { vcpu_id: this.id, reason, name: KVM_EXIT_NAMES[reason] ?? String(reason), errno: r < 0 ? -r : 0 });
    }
    return r < 0 ? r : 0;
  }

  /** vcpu_enter_guest: inject what is pending, enter, handle the exit. */
  private enterGuest(): number {
    const v = this.vendor;
    if (this.reinject) {
      v.reinjectEvent(this.reinject.info, this.reinject.errorCode, this.reinject.length);
      this.reinject = null;
    } else if (this.pendingException) {
      v.injectException(this.pendingException.vector, this.pendingException.errorCode);
      this.pendingException = null;
      this.stats.exception_injections++;
    } else if (this.pendingInterrupt >= 0) {
      if (v.interruptAllowed()) {
        v.injectIrq(this.pendingInterrupt);
        this.pendingInterrupt = -1;
        this.stats.irq_injections++;
      } else {
        v.enableIrqWindow();
      }
    } else if (this.run.u8(KVM_RUN_OFFSETS.request_interrupt_window) !== 0 && !v.interruptAllowed()) {
      v.enableIrqWindow();
    }
    v.enter();
    const r = v.handleExit();
    // ready_for_interrupt_injection / if_flag tell a user-space irqchip whether KVM_INTERRUPT can go in now.
    const allowed = v.interruptAllowed() && this.pendingInterrupt < 0;
    this.run.setU8(KVM_RUN_OFFSETS.ready_for_interrupt_injection, allowed ? 1 : 0);
    this.run.setU8(KVM_RUN_OFFSETS.if_flag, v.guestIf() ? 1 : 0);
    return r;
  }

  // ------------------------------------------------------------------ port I/O (x86.c emulator_pio_in_out)

  /**
   * Hands a port access to user space: fills kvm_run.io and the PIO data page. For OUT the data is
   * already copied; for IN user space writes it there and the next KVM_RUN completes the instruction.
   */
  pioExit(isIn: boolean, port: number, size: number, count: number, data: number): void {
    const o = KVM_RUN_EXIT_OFFSETS.io;
    this.setExitReason(KVM_EXIT_IO);
    this.run.setU8(o.direction, isIn ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT);
    this.run.setU8(o.size, size);
    this.run.setU16(o.port, port);
    this.run.setU32(o.count, count);
    this.run.setU64(o.data_offset, KVM_PIO_PAGE_OFFSET * PAGE_SIZE);
    if (!isIn) {
      for (let i = 0; i < size; i++) this.runPages[KVM_PIO_PAGE_OFFSET * PAGE_SIZE + i] = (data >>> (8 * i)) & 0xff;
    }
    this.stats.io_exits++;
    if (kvmTrace.enabled.kvm_pio) {
      kvmTrace.emit("kvm_pio", { vcpu_id: this.id, rw: isIn ? "read" : "write", port, size, count, val: isIn ? 0 : data });
    }
  }

  /** The value user space left in the PIO data page for an IN of `size` bytes. */
  pioData(size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.runPages[KVM_PIO_PAGE_OFFSET * PAGE_SIZE + i]! << (8 * i);
    return v >>> 0;
  }

  // ------------------------------------------------------------------ MMIO and emulation

  /** Fills kvm_run.mmio for an access the emulator needs user space for. */
  mmioExit(a: EmulatedAccess): void {
    const o = KVM_RUN_EXIT_OFFSETS.mmio;
    this.setExitReason(KVM_EXIT_MMIO);
    this.run.setU64(o.phys_addr, a.addr);
    for (let i = 0; i < 8; i++) this.run.setU8(o.data + i, i < a.len && a.write ? (a.value >>> (8 * i)) & 0xff : 0);
    this.run.setU32(o.len, a.len);
    this.run.setU8(o.is_write, a.write ? 1 : 0);
    this.stats.mmio_exits++;
    if (kvmTrace.enabled.kvm_mmio) {
      kvmTrace.emit("kvm_mmio", { vcpu_id: this.id, type: a.write ? "write" : "unsatisfied-read", len: a.len, gpa: a.addr, val: a.write ? a.value : 0 });
    }
  }

  private mmioData(len: number): number {
    let v = 0;
    for (let i = 0; i < len && i < 4; i++) v |= this.run.u8(KVM_RUN_EXIT_OFFSETS.mmio.data + i) << (8 * i);
    return v >>> 0;
  }

  /**
   * Emulates the instruction at the guest's RIP (x86_emulate_instruction). Device accesses go to user
   * space one per exit; the instruction completes when every read has been answered.
   */
  emulateInstruction(): number {
    const v = this.vendor;
    const em = this.vm.emulator;
    em.syncSlots(this.vm.slotsGeneration);
    v.loadEmulator(em.cpu);
    this.stats.insn_emulation++;
    const r = em.step();
    switch (r) {
      case EMULATE_DONE: {
        v.storeEmulator(em.cpu);
        return this.flushEmulatedWrites();
      }
      case EMULATE_NEED_READ: {
        const a = em.pendingRead!;
        if (a.kind === "mmio") this.mmioExit(a);
        else this.pioExit(true, a.addr, a.len, 1, 0);
        this.completeUserspaceIo = (vcpu) => {
          em.answer(a.kind === "mmio" ? vcpu.mmioData(a.len) : vcpu.pioData(a.len));
          if (kvmTrace.enabled.kvm_mmio && a.kind === "mmio") {
            kvmTrace.emit("kvm_mmio", { vcpu_id: vcpu.id, type: "read", len: a.len, gpa: a.addr, val: a.value });
          }
          return vcpu.emulateInstruction();
        };
        return EXIT_TO_USER;
      }
      case EMULATE_EXCEPTION:
        em.reset();
        this.queueException(em.cpu.pendingVector, em.cpu.pendingError);
        return RESUME_GUEST;
      default:
        em.reset();
        this.stats.insn_emulation_fail++;
        this.emulationFailure();
        return EXIT_TO_USER;
    }
  }

  /** After an emulated instruction completed: one exit per store it made, then back to the guest. */
  private flushEmulatedWrites(): number {
    const em = this.vm.emulator;
    const a = em.writes.shift();
    if (!a) return RESUME_GUEST;
    if (a.kind === "mmio") this.mmioExit(a);
    else this.pioExit(false, a.addr, a.len, 1, a.value);
    this.completeUserspaceIo = (vcpu) => vcpu.flushEmulatedWrites();
    return EXIT_TO_USER;
  }

  /**
   * KVM_EXIT_INTERNAL_ERROR / KVM_INTERNAL_ERROR_EMULATION with the vendor's exit information
   * (prepare_emulation_failure_exit): reason, qualification, IDT-vectoring info, interruption info,
   * error code, and the CPU of the last VM entry.
   */
  emulationFailure(): void {
    const o = KVM_RUN_EXIT_OFFSETS.internal;
    this.setExitReason(KVM_EXIT_INTERNAL_ERROR);
    this.run.setU32(o.suberror, KVM_INTERNAL_ERROR_EMULATION);
    const info = this.vendor.exitInfo();
    this.run.setU32(o.ndata, info.length);
    info.forEach((d, i) => this.run.setU64(o.data + i * 8, d));
  }

  /**
   * KVM_EXIT_INTERNAL_ERROR / KVM_INTERNAL_ERROR_DELIVERY_EV: an exit during event delivery that KVM cannot
   * resolve (MMIO in the IDT or on the stack). Data: IDT-vectoring info, exit reason, qualification,
   * guest-physical address, and the CPU of the last entry.
   */
  deliveryFailure(vectoring: number, reason: number, qualification: number, gpa: number): void {
    const o = KVM_RUN_EXIT_OFFSETS.internal;
    this.setExitReason(KVM_EXIT_INTERNAL_ERROR);
    this.run.setU32(o.suberror, KVM_INTERNAL_ERROR_DELIVERY_EV);
    const data = [vectoring >>> 0, reason >>> 0, qualification >>> 0, gpa >>> 0, this.id];
    this.run.setU32(o.ndata, data.length);
    data.forEach((d, i) => this.run.setU64(o.data + i * 8, d));
  }

  queueException(vector: number, errorCode: number): void {
    this.pendingException = { vector, errorCode };
    if (kvmTrace.enabled.kvm_inj_exception) {
      kvmTrace.emit("kvm_inj_exception", { vcpu_id: this.id, exception: vector, has_error: errorCode >= 0, error_code: Math.max(errorCode, 0) });
    }
  }

  /** KVM_SET_CPUID2. */
  setCpuid(entries: CpuidEntry[]): number {
    if (entries.length > 256) return -EINVAL;
    this.cpuidEntries = entries.map((e) => ({ ...e }));
    this.cpuid = new CpuidTable(this.cpuidEntries);
    return 0;
  }

  destroy(): void {
    this.vendor.free();
    for (let i = 0; i < KVM_VCPU_MMAP_PAGES; i++) this.vm.host.freeKernelPage(this.runAddr + i * PAGE_SIZE);
  }
}

/** Name of a KVM exit reason, for messages. */
export function kvmExitName(reason: number): string {
  return KVM_EXIT_NAMES[reason] ?? `0x${reason.toString(16)}`;
}
