/**
 * A virtual CPU inside the kernel (struct kvm_vcpu) and the generic x86 run loop (arch/x86/kvm/x86.c:
 * kvm_arch_vcpu_ioctl_run → vcpu_run → vcpu_enter_guest). The vendor module (VMX) enters the guest and
 * decodes exits; the shared routines here complete user-space I/O, inject events, emulate CPUID and
 * MSRs, and decide between re-entering the guest and returning to user space.
 */
import { CpuidTable, type CpuidEntry, PAGE_SIZE } from "@virtkit/cpu";
import type { KvmVm } from "./vm.js";
import type { KvmMsrState } from "./msr.js";
import type { VmxVcpu } from "./vmx/vmx.js";
import { EAGAIN, EINTR, EINVAL } from "./uapi/errno.js";
import {
  KVM_EXIT_INTR, KVM_EXIT_IO, KVM_EXIT_IO_IN, KVM_EXIT_IO_OUT, KVM_EXIT_MMIO, KVM_EXIT_NAMES, KVM_EXIT_INTERNAL_ERROR,
  KVM_INTERNAL_ERROR_DELIVERY_EV, KVM_INTERNAL_ERROR_EMULATION, KVM_MP_STATE_RUNNABLE, KVM_PIO_PAGE_OFFSET, KVM_VCPU_MMAP_PAGES,
  KVM_MP_STATE_HALTED, KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_UNINITIALIZED, KVM_GUESTDBG_USE_HW_BP,
} from "./uapi/constants.js";
import { KVM_APIC_INIT, KVM_APIC_SIPI, type KvmLapic } from "./irqchip/lapic.js";
import { HOST_TSC_KHZ } from "./host/host-machine.js";
import { KVM_RUN_EXIT_OFFSETS, KVM_RUN_OFFSETS, StructView } from "./uapi/structs.js";
import { KvmVcpuStats, kvmTrace } from "./trace.js";
import { EMULATE_DONE, EMULATE_EXCEPTION, EMULATE_NEED_READ, type EmulatedAccess, type KernelDevices, type X86Emulator } from "./emulate.js";

/** Signal numbers (asm-generic/signal.h) of the signals the VMM's helpers send: the alarm timer, a kick. */
export const SIGUSR1 = 10;
export const SIGALRM = 14;

/** Handler results (the kernel's convention): re-enter the guest, or return to user space with kvm_run filled. */
export const RESUME_GUEST = 1;
/**
 * ERESTARTSYS (include/linux/errno.h): the kernel's internal "restart this system call". With the kernel in
 * its own thread, KVM_RUN returns it to park a vCPU that would block (or whose slice ended); the kernel thread
 * calls KVM_RUN again later and user space never sees it.
 */
export const ERESTARTSYS = 512;
export const EXIT_TO_USER = 0;

/**
 * A complete_userspace_io callback. `fastPio` marks complete_fast_pio_in/out, which survive KVM_SET_REGS
 * (they check the guest's RIP themselves); an instruction the emulator was in the middle of does not.
 */
export type CompleteUserspaceIo = ((vcpu: KvmVcpu) => number) & { fastPio?: boolean };

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
  /**
   * The guest GPRs (vcpu->arch.regs) in the kernel's order. The vendor module makes this its processor's own
   * register file (VmxVcpu's constructor): the kernel runs no x86 code, so the guest's registers stay in the
   * processor across exits and entry and exit move only RSP (which the VMCS holds).
   */
  regs = new Int32Array(8);
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
  completeUserspaceIo: CompleteUserspaceIo | null = null;
  /**
   * An event whose delivery a VM exit interrupted, to re-inject at the next entry (vmx_complete_interrupts):
   * interruption information, error code and instruction length.
   */
  reinject: { info: number; errorCode: number; length: number } | null = null;
  /** A pending exception to inject at the next entry. */
  pendingException: PendingException | null = null;
  /** An interrupt queued by KVM_INTERRUPT (user-space irqchip), or -1. */
  pendingInterrupt = -1;
  /**
   * Signals pending for the thread running this vCPU (bit n-1 for signal n). One that KVM_SET_SIGNAL_MASK
   * does not block makes KVM_RUN return -EINTR / KVM_EXIT_INTR; a blocked one stays pending.
   */
  pendingSignals = 0;
  /** The x87/SSE state in FXSAVE layout, when the processor model has no FPU attached to keep it. */
  private readonly fxImage = KvmVcpu.initialFxImage();
  /**
   * Guest instruction count at which a timer signal arrives (setitimer(ITIMER_VIRTUAL)-style), or -1.
   * Checked when the host regains control (its timer interrupt exits the guest at least every tick).
   */
  alarmAt = -1;
  /** Linear RIP recorded when an instruction was handed to user space, to complete it (cui_linear_rip). */
  cuiRip = 0;
  pioSize = 0;
  /** This KVM_RUN entered the guest before (the next entry follows an exit handled in the kernel). */
  private reentering = false;
  /** The vendor (VMX) part of the vCPU. */
  vendor!: VmxVcpu;
  /** The in-kernel local APIC (with KVM_CREATE_IRQCHIP), else null. */
  lapic: KvmLapic | null = null;
  /** NMIs sent (KVM_NMI, LAPIC NMI messages) and not yet folded into nmiPending (process_nmi). */
  nmiQueued = 0;
  /** NMIs waiting for injection (at most 2, or 1 while one is masked or being injected). */
  nmiPending = 0;
  /** KVM_SET_GUEST_DEBUG control bits, the debugger's DR0-DR3 and DR7 (KVM_GUESTDBG_USE_HW_BP). */
  guestDebug = 0;
  readonly debuggerDb = new Int32Array(4);
  debuggerDr7 = 0x400;
  /** The guest's own DR7 (vcpu->arch.dr7); the VMCS holds the effective one. */
  dr7 = 0x400;
  /** KVM_SET_SIGNAL_MASK: signals blocked while the vCPU runs the guest (null: the thread's own mask). */
  sigmask: Uint8Array | null = null;
  /** Guest TSC frequency (KVM_SET_TSC_KHZ); above the host's rate the guest TSC catches up at each entry. */
  tscKhz = HOST_TSC_KHZ;
  tscCatchup = false;
  /** The VM's per-vCPU MSR state and debug registers (created once; kept here to skip the WeakMap at every entry). */
  private msrs: KvmMsrState | null = null;
  private guestDb: Int32Array | null = null;
  /** Host clock and guest TSC when catch-up started, to compute what the guest TSC should read. */
  private catchupBase: [number, number] = [0, 0];

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
    if (this.mpState === KVM_MP_STATE_UNINITIALIZED) {
      // An AP that never saw INIT waits for it; KVM returns -EAGAIN once woken (the VMM calls KVM_RUN again).
      if (this.run.u8(KVM_RUN_OFFSETS.immediate_exit) !== 0) return this.finishRun(-EINTR);
      r = this.block();
      if (r < 0) return this.finishRun(r);
      return this.finishRun(-EAGAIN);
    }
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
    // User space ran since this vCPU's last entry (it may have written guest memory).
    this.reentering = false;
    for (;;) {
      r = this.mpState === KVM_MP_STATE_RUNNABLE ? this.enterGuest() : this.block();
      if (r <= 0) break;
      // Kernel thread: after an exit, give the thread to others waiting (the state is all in the VMCS now).
      if (this.vm.host.kernelThread?.shouldPreempt(this) === true) {
        r = -ERESTARTSYS;
        break;
      }
      if (this.alarmAt >= 0 && this.vm.host.now() >= this.alarmAt) {
        this.alarmAt = -1;
        this.raiseSignal(SIGALRM);
      }
      if (this.takeSignal()) {
        r = this.interrupted();
        break;
      }
    }
    return this.finishRun(r);
  }

  /** A signal arrives for the vCPU's thread (kill / pthread_kill / the alarm timer). */
  raiseSignal(signo: number): void {
    this.pendingSignals |= 1 << (signo - 1);
  }

  /** Consumes the pending signals the KVM_RUN signal mask lets through; true when there were any. */
  private takeSignal(): boolean {
    let blocked = 0;
    if (this.sigmask) blocked = (this.sigmask[0]! | (this.sigmask[1]! << 8) | (this.sigmask[2]! << 16) | (this.sigmask[3]! << 24)) | 0;
    // SIGKILL and SIGSTOP cannot be blocked.
    blocked &= ~((1 << 8) | (1 << 18));
    const deliver = this.pendingSignals & ~blocked;
    if (deliver === 0) return false;
    this.pendingSignals &= ~deliver;
    return true;
  }

  private static initialFxImage(): Uint8Array {
    // What KVM_GET_FPU reports for a new vCPU on Linux (measured with the differential test): FCW 037Fh and
    // everything else 0 — MXCSR included, since the guest's SSE state is still in its XSAVE init state.
    const fx = new Uint8Array(512);
    const d = new DataView(fx.buffer);
    d.setUint16(0, 0x37f, true);
    return fx;
  }

  /** The guest's FPU state as an FXSAVE image (from the processor's x87 when one is attached). */
  fpuImage(): Uint8Array {
    const f = this.vendor.cpu.fpu as { fxsaveImage?: (img: Uint8Array) => void } | null;
    if (f?.fxsaveImage) f.fxsaveImage(this.fxImage);
    return this.fxImage;
  }

  setFpuImage(img: Uint8Array): void {
    this.fxImage.set(img.subarray(0, 512));
    const f = this.vendor.cpu.fpu as { fxrstorImage?: (img: Uint8Array) => void } | null;
    if (f?.fxrstorImage) f.fxrstorImage(this.fxImage);
  }

  /** A signal interrupted KVM_RUN: -EINTR with KVM_EXIT_INTR. */
  private interrupted(): number {
    this.setExitReason(KVM_EXIT_INTR);
    this.stats.signal_exits++;
    return -EINTR;
  }

  private finishRun(r: number): number {
    if (r === -ERESTARTSYS) return r;
    if (kvmTrace.enabled.kvm_userspace_exit) {
      const reason = this.exitReason;
      kvmTrace.emit("kvm_userspace_exit", { vcpu_id: this.id, reason, name: KVM_EXIT_NAMES[reason] ?? String(reason), errno: r < 0 ? -r : 0 });
    }
    return r < 0 ? r : 0;
  }

  setMpState(state: number): void {
    if (state === this.mpState) return;
    if (kvmTrace.enabled.kvm_mp_state) kvmTrace.emit("kvm_mp_state", { vcpu_id: this.id, from: this.mpState, to: state });
    this.mpState = state;
  }

  // ------------------------------------------------------------------ events (x86.c, lapic.c)

  /** Fires the kernel timers that are due: this vCPU's local APIC timer and the VM's PIT. */
  checkTimers(): void {
    this.vm.checkTimers();
    if (this.lapic?.checkTimer()) {
      this.stats.apic_timer_fired++;
      if (kvmTrace.enabled.kvm_apic_timer) {
        const lvtt = this.lapic.get(0x320);
        const mode = (lvtt >>> 17) & 3;
        kvmTrace.emit("kvm_apic_timer", { vcpu_id: this.id, vector: lvtt & 0xff, mode: mode === 1 ? "periodic" : mode === 2 ? "tscdeadline" : "oneshot" });
      }
    }
  }

  /** The next host-clock deadline that needs this vCPU's attention (timers, the alarm signal), or -1. */
  nextDeadline(): number {
    return earlierDeadline(earlierDeadline(this.lapic?.timerTarget ?? -1, this.vm.nextTimerDeadline()), this.alarmAt);
  }

  /** kvm_apic_accept_events: INIT resets the vCPU (an AP then waits for SIPI), SIPI starts it at vector:0000. */
  acceptEvents(): void {
    const apic = this.lapic;
    if (!apic || apic.pendingEvents === 0) return;
    if (apic.pendingEvents & KVM_APIC_INIT) {
      apic.pendingEvents &= ~KVM_APIC_INIT;
      this.reset(true);
      this.setMpState(this.id === this.vm.bspId ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_INIT_RECEIVED);
    }
    if (apic.pendingEvents & KVM_APIC_SIPI) {
      apic.pendingEvents &= ~KVM_APIC_SIPI;
      if (this.mpState === KVM_MP_STATE_INIT_RECEIVED) {
        this.vendor.deliverSipiVector(apic.sipiVector);
        this.setMpState(KVM_MP_STATE_RUNNABLE);
      }
    }
  }

  /** kvm_vcpu_reset: RESET, or INIT (init = true: the APIC base and x87/SSE state survive). */
  reset(init: boolean): void {
    this.vendor.reset();
    this.vm.emulator.reset();
    this.completeUserspaceIo = null;
    this.reinject = null;
    this.pendingException = null;
    this.pendingInterrupt = -1;
    this.nmiQueued = 0;
    this.nmiPending = 0;
    this.cr2 = 0;
    this.dr7 = 0x400;
    const dregs = this.vm.debugRegs(this);
    dregs.fill(0);
    dregs[6] = 0xffff0ff0 | 0;
    this.updateDr7();
    this.lapic?.reset(this.id === this.vm.bspId, init);
  }

  /** process_nmi: fold queued NMIs into the pending count (two at most: one running, one latched). */
  processNmi(): void {
    if (this.nmiQueued === 0) return;
    const limit = this.vendor.getNmiMask() || (this.vendor.pendingEntryEvent() >>> 31 === 1 && ((this.vendor.pendingEntryEvent() >>> 8) & 7) === 2) ? 1 : 2;
    this.nmiPending = Math.min(this.nmiPending + this.nmiQueued, limit);
    this.nmiQueued = 0;
  }

  /** kvm_cpu_has_extint: the PIC's output reaches this vCPU through LINT0 (virtual wire). */
  private hasExtint(): boolean {
    const chip = this.vm.irqchip;
    return chip !== null && chip.pic.output && this.lapic?.acceptsPicIntr() === true;
  }

  /** kvm_cpu_has_injectable_intr. */
  hasInterrupt(): boolean {
    if (!this.lapic) return this.pendingInterrupt >= 0;
    return this.hasExtint() || this.lapic.pendingVector() >= 0;
  }

  /** kvm_cpu_get_interrupt: ExtINT from the PIC first, else the local APIC's highest deliverable vector. */
  private getInterrupt(): number {
    if (this.hasExtint()) return this.vm.irqchip!.pic.readIrq();
    const v = this.lapic!.pendingVector();
    if (v >= 0) this.lapic!.acknowledge(v);
    return v;
  }

  /** kvm_arch_vcpu_runnable for a vCPU that is not running: what wakes it. */
  private hasEvents(): boolean {
    if (this.lapic && this.lapic.pendingEvents !== 0) return true;
    if (this.mpState !== KVM_MP_STATE_HALTED) return false;
    this.processNmi();
    if (this.nmiPending > 0 && !this.vendor.getNmiMask()) return true;
    return this.vendor.interruptAllowed() && this.hasInterrupt();
  }

  /**
   * vcpu_block: a halted vCPU (or one waiting for INIT/SIPI) waits for an event. In this single-threaded
   * kernel nothing else runs while it waits, so the host idles until the next deadline of a kernel timer
   * (or the VMM's alarm signal); with nothing that could ever wake it, the wait is interrupted as if the
   * VMM's scheduling signal arrived (-EINTR, KVM_EXIT_INTR) and the vCPU stays halted.
   */
  private block(): number {
    const host = this.vm.host;
    const start = host.now();
    for (;;) {
      this.checkTimers();
      if (this.hasEvents()) break;
      if (this.alarmAt >= 0 && host.now() >= this.alarmAt) {
        this.alarmAt = -1;
        this.raiseSignal(SIGALRM);
      }
      if (this.takeSignal()) {
        this.traceWakeup(start, false);
        return this.interrupted();
      }
      // Kernel thread: other threads may wake this vCPU; park it (the kernel thread idles the host when all wait).
      if (host.kernelThread) return -ERESTARTSYS;
      // In-process, the VMM's one thread runs every vCPU: idling here would stop a sibling that could run (and
      // move the clock while no instruction executes). Hand the thread back instead, as the scheduler would
      // switch to the sibling's thread; the vCPU stays halted and the VMM sees KVM_EXIT_INTR.
      if (this.siblingRunnable()) {
        this.traceWakeup(start, false);
        return this.interrupted();
      }
      const next = this.nextDeadline();
      if (next < 0) {
        this.traceWakeup(start, false);
        return this.interrupted();
      }
      host.idleUntil(next);
    }
    this.acceptEvents();
    if (this.mpState === KVM_MP_STATE_HALTED) this.setMpState(KVM_MP_STATE_RUNNABLE);
    this.stats.halt_wakeup++;
    this.traceWakeup(start, true);
    return 1;
  }

  /** Another vCPU of the VM is RUNNABLE (not halted, not waiting for INIT/SIPI). */
  private siblingRunnable(): boolean {
    for (const v of this.vm.vcpus.values()) if (v !== this && v.mpState === KVM_MP_STATE_RUNNABLE) return true;
    return false;
  }

  private traceWakeup(start: number, valid: boolean): void {
    const waited = this.vm.host.now() - start;
    this.stats.halt_wait_ns += waited;
    if (kvmTrace.enabled.kvm_vcpu_wakeup) kvmTrace.emit("kvm_vcpu_wakeup", { vcpu_id: this.id, waited_ns: waited, valid });
  }

  /** kvm_update_dr7: the effective DR7 is the debugger's with KVM_GUESTDBG_USE_HW_BP, else the guest's. */
  updateDr7(): void {
    this.vendor.write(0x681a, this.guestDebug & KVM_GUESTDBG_USE_HW_BP ? this.debuggerDr7 : this.dr7);
  }

  /** DR0-DR3 the processor gets for the guest's run. */
  effectiveDb(): Int32Array {
    return this.guestDebug & KVM_GUESTDBG_USE_HW_BP ? this.debuggerDb : (this.guestDb ??= this.vm.debugRegs(this));
  }

  /** The guest TSC offset (VMCS TSC_OFFSET): guest TSC = host TSC + offset. */
  get tscOffset(): number {
    return (this.msrs ??= this.vm.msrState(this)).tscOffset;
  }

  /** Starts TSC catch-up from the current guest TSC (KVM_SET_TSC_KHZ above the host rate). */
  startCatchup(): void {
    this.catchupBase = [this.vm.host.now(), this.vm.host.now() + this.tscOffset];
  }

  /** kvm_guest_time_update with tsc_catchup: advance the offset so the guest TSC runs at tscKhz. */
  private catchupTsc(): void {
    const [h0, g0] = this.catchupBase;
    const want = g0 + Math.floor(((this.vm.host.now() - h0) * this.tscKhz) / HOST_TSC_KHZ);
    const cur = this.vm.host.now() + this.tscOffset;
    if (want > cur) this.vm.msrState(this).tscOffset += want - cur;
  }

  /** vcpu_enter_guest: accept events, inject what is pending, program the timer, enter, handle the exit. */
  private enterGuest(): number {
    const v = this.vendor;
    if (this.lapic) {
      this.acceptEvents();
      if (this.mpState !== KVM_MP_STATE_RUNNABLE) return 1;
      this.checkTimers();
    }
    this.processNmi();
    if (this.reinject) {
      v.reinjectEvent(this.reinject.info, this.reinject.errorCode, this.reinject.length);
      this.reinject = null;
    } else if (this.pendingException) {
      v.injectException(this.pendingException.vector, this.pendingException.errorCode);
      this.pendingException = null;
      this.stats.exception_injections++;
    } else {
      let injected = false;
      if (this.nmiPending > 0) {
        if (v.nmiAllowed()) {
          this.nmiPending--;
          v.injectNmi();
          this.stats.nmi_injections++;
          injected = true;
        } else {
          v.enableNmiWindow();
        }
      }
      if (this.lapic) {
        if (this.hasInterrupt()) {
          if (!injected && v.interruptAllowed()) {
            const vector = this.getInterrupt();
            if (vector >= 0) {
              v.injectIrq(vector);
              this.stats.irq_injections++;
            }
          } else {
            v.enableIrqWindow();
          }
        }
      } else if (this.pendingInterrupt >= 0) {
        if (!injected && v.interruptAllowed()) {
          v.injectIrq(this.pendingInterrupt);
          this.pendingInterrupt = -1;
          this.stats.irq_injections++;
        } else {
          v.enableIrqWindow();
        }
      } else if (this.run.u8(KVM_RUN_OFFSETS.request_interrupt_window) !== 0 && !v.interruptAllowed()) {
        v.enableIrqWindow();
      }
    }
    if (this.tscCatchup) this.catchupTsc();
    v.timerDeadline = this.nextDeadline();
    // Re-entering within this KVM_RUN after an exit the kernel handled without writing guest memory, with
    // nothing else running in between (no kernel thread: user space waits in this ioctl): the guest's code
    // is as it left it.
    v.enter(this.reentering && v.exitLeftGuestMemory && this.vm.host.kernelThread === null);
    this.reentering = true;
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

  /** The VM's instruction emulator with this vCPU's state, devices and memslots loaded (init_emulate_ctxt). */
  private loadEmulator(): X86Emulator {
    const em = this.vm.emulator;
    em.kernel = this.kernelDevices;
    em.syncSlots(this.vm.slotsGeneration);
    this.vendor.loadEmulator(em.cpu);
    this.stats.insn_emulation++;
    return em;
  }

  /**
   * Emulates the instruction at the guest's RIP (x86_emulate_instruction). Device accesses go to user
   * space one per exit; the instruction completes when every read has been answered.
   */
  emulateInstruction(): number {
    const v = this.vendor;
    const em = this.loadEmulator();
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

  /**
   * handle_task_switch for an event delivered through an IDT task gate (kvm_task_switch, reason
   * TASK_SWITCH_GATE): the emulator performs the switch on the guest's state and memory. A fault after the
   * commit point is the new task's (its state is kept, the exception queued); one before it leaves the old
   * task as it was.
   */
  emulateTaskSwitch(tssSelector: number, ext: number, errorCode: number): number {
    const v = this.vendor;
    const em = this.loadEmulator();
    const r = em.taskSwitch(tssSelector, ext, errorCode);
    if (r === EMULATE_DONE || (r === EMULATE_EXCEPTION && em.switchCommitted)) {
      v.storeEmulator(em.cpu);
      if (r === EMULATE_EXCEPTION) this.queueException(em.cpu.pendingVector, em.cpu.pendingError);
      return this.flushEmulatedWrites();
    }
    em.reset();
    if (r === EMULATE_EXCEPTION) {
      this.queueException(em.cpu.pendingVector, em.cpu.pendingError);
      return RESUME_GUEST;
    }
    this.stats.insn_emulation_fail++;
    this.emulationFailure();
    return EXIT_TO_USER;
  }

  /**
   * vcpu_mmio_read/write and kernel_pio: the local APIC page (when this vCPU's APIC is enabled at that
   * base) and the kernel I/O buses, before user space.
   */
  private readonly kernelDevices: KernelDevices = {
    read: (kind, addr, len) => {
      const apic = this.lapic;
      if (kind === "mmio") {
        if (apic?.hwEnabled && addr >= apic.baseAddress && addr < apic.baseAddress + 0x1000) return apic.read(addr - apic.baseAddress, len);
        return this.vm.mmioBus.read(addr, len);
      }
      return this.vm.pioBus.read(addr, len);
    },
    write: (kind, addr, len, value) => {
      const apic = this.lapic;
      if (kind === "mmio") {
        if (apic?.hwEnabled && addr >= apic.baseAddress && addr < apic.baseAddress + 0x1000) {
          apic.write(addr - apic.baseAddress, len, value);
          return true;
        }
        return this.vm.mmioBus.write(addr, len, value);
      }
      return this.vm.pioBus.write(addr, len, value);
    },
  };

  /** complete_emulated_mmio for stores: the next store of the instruction, or back to the guest (one function, no closure per exit). */
  private static readonly completeEmulatedWrites = (vcpu: KvmVcpu): number => vcpu.flushEmulatedWrites();

  /** After an emulated instruction completed: kernel devices take their stores, then one exit per other store. */
  private flushEmulatedWrites(): number {
    const em = this.vm.emulator;
    let a = em.writes.shift();
    while (a && this.kernelDevices.write(a.kind, a.addr, a.len, a.value)) a = em.writes.shift();
    if (!a) return RESUME_GUEST;
    if (a.kind === "mmio") this.mmioExit(a);
    else this.pioExit(false, a.addr, a.len, 1, a.value);
    this.completeUserspaceIo = KvmVcpu.completeEmulatedWrites;
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

/** The earlier of two deadlines, where -1 means none. */
function earlierDeadline(a: number, b: number): number {
  if (a < 0) return b;
  return b >= 0 && b < a ? b : a;
}

/** Name of a KVM exit reason, for messages. */
export function kvmExitName(reason: number): string {
  return KVM_EXIT_NAMES[reason] ?? `0x${reason.toString(16)}`;
}
