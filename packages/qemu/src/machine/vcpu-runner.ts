import {
  KVM_INTERNAL_ERROR_EMULATION,
  KVM_MP_STATE_INIT_RECEIVED,
  KVM_MP_STATE_SIPI_RECEIVED,
  KVM_SYSTEM_EVENT_CRASH,
  KVM_SYSTEM_EVENT_RESET,
  KVM_SYSTEM_EVENT_SHUTDOWN,
} from "@virtkit/kvm";
import type { AccelVcpu, VcpuExit } from "../accel/accel.js";
import type { InterruptController } from "../accel/irqchip.js";
import { KVM_HOST_TICK_INSTRUCTIONS } from "../accel/kvm-accel.js";
import type { VirtualClock } from "../hw/virtual-clock.js";
import type { AddressSpace } from "../memory/address-space.js";
import type { GuestMemory } from "../memory/guest-memory.js";
import type { ShutdownCause } from "./run-state.js";
import { formatCpuState } from "./x86-cpu-dump.js";

/*
 * One vCPU's side of the run loop (QEMU accel/kvm/kvm-all.c kvm_cpu_exec with
 * target/i386/kvm/kvm.c kvm_arch_pre_run / kvm_arch_post_run / kvm_arch_handle_exit):
 *
 *  - with the in-kernel irqchip (kernel_irqchip=on) the kernel delivers interrupts, handles HLT and
 *    holds application processors until INIT/SIPI, so KVM_RUN is simply called again; an AP still
 *    waiting for SIPI gets a one-instruction alarm, so the host clock does not idle on its behalf;
 *  - before KVM_RUN, with the user-space irqchip: if the PIC raises INTR and the guest can take an
 *    interrupt now, run the INTA cycle and KVM_INTERRUPT the vector; while INTR stays up, ask for
 *    an interrupt-window exit;
 *  - arm the alarm so KVM_RUN returns by the next timer deadline;
 *  - after KVM_RUN: move the virtual clock by the guest instructions executed (read from the
 *    guest's TSC), firing due timers; then dispatch the exit: port I/O and MMIO to the address
 *    spaces (count x size, as kvm_handle_io), HLT to the halted state, triple fault to a reset
 *    request, errors to the internal-error stop.
 *
 * Virtual time: one guest instruction is `nsPerInstruction` ns (QEMU -icount shift=0 is 1 ns), so
 * device timing depends only on the instruction stream. A halted vCPU jumps the clock to the next
 * timer deadline and moves its TSC along, so guest time sources agree.
 */

/** What the machine gives a vCPU runner. */
export interface VcpuHost {
  readonly clock: VirtualClock;
  readonly irqchip: InterruptController;
  readonly memoryAs: AddressSpace;
  readonly ioAs: AddressSpace;
  readonly guestMemory: GuestMemory;
  readonly nsPerInstruction: number;
  /** What a halted vCPU does while a timer is armed (-icount sleep=off|on): jump the clock, or leave the wait to the loop. */
  readonly idle: "warp" | "sleep";
  resetRequest(cause: ShutdownCause): void;
  shutdownRequest(cause: ShutdownCause): void;
  /** vm_stop(RUN_STATE_INTERNAL_ERROR) after printing the error report. */
  internalError(report: string): void;
  /** True when the loop must stop before the next KVM_RUN (a request or an exit is pending). */
  readonly stopPending: boolean;
  /** The machine's vCPU count (-smp). */
  readonly vcpus: readonly unknown[];
}

export const StepResult = {
  /** Ran (or warped the clock); run again. */
  Ran: 0,
  /** Halted with nothing that can wake it but an external event (an interrupt from I/O, a monitor command). */
  Idle: 1,
  /** Not runnable (an AP waiting for SIPI). */
  NotRunnable: 2,
} as const;
export type StepResult = (typeof StepResult)[keyof typeof StepResult];

/** Most instructions one KVM_RUN may take before the loop looks at its event sources again. */
export const MAX_SLICE_INSTRUCTIONS = 2_000_000;
/**
 * With several vCPUs on the loop's one thread, the slice each gets before the next one runs. A guest
 * vCPU spinning until a sibling answers (an IPI's function call, a spinlock, a TLB shootdown) wastes at
 * most this much, and a sibling's timer interrupt waits at most this long.
 */
export const SMP_SLICE_INSTRUCTIONS = 50_000;
const MSR_IA32_TSC = 0x10;

export class VcpuRunner {
  halted = false;
  /** An application processor waiting for INIT/SIPI with no LAPIC to deliver them (user-space irqchip). */
  waitForSipi: boolean;
  /** In-kernel irqchip: the vCPU waits in the kernel for INIT/SIPI (KVM_MP_STATE_INIT/SIPI_RECEIVED). */
  private kernelWaitsForSipi = false;
  private lastTsc = 0;
  private budget = 0;
  /** Exits counted by reason so far, without the current run of equal reasons (see exitCounts). */
  private readonly exitCountsFlushed = new Map<string, number>();
  /**
   * The reason of the latest exits and how many in a row had it: the loop counts a run of equal reasons
   * (a guest polling a port exits with the same reason millions of times) with a compare and an add, and
   * touches the Map only when the reason changes or someone reads the counts.
   */
  private runReason = "";
  private runCount = 0;
  /** The last exit, for error reports. */
  lastExit: VcpuExit | undefined;

  constructor(
    readonly vcpu: AccelVcpu,
    private readonly host: VcpuHost,
    /** CPUID.01H:EAX, which EDX holds after reset. */
    private readonly cpuidVersion: number,
  ) {
    this.waitForSipi = vcpu.index !== 0 && !host.irqchip.inKernel;
    this.reset();
  }

  get index(): number {
    return this.vcpu.index;
  }

  /** x86_cpu_reset: power-on register state, EDX = CPUID version. */
  reset(): void {
    this.vcpu.reset();
    const regs = this.vcpu.getRegs();
    regs.rdx = this.cpuidVersion;
    this.vcpu.setRegs(regs);
    // x86_cpu_reset's FPU: FCW 037Fh, empty tags, MXCSR 1F80h (SDM Vol. 3A table 9-1).
    const fpu = this.vcpu.getFpu?.();
    if (fpu !== undefined && this.vcpu.setFpu !== undefined) {
      fpu.fill(0);
      const dv = new DataView(fpu.buffer, fpu.byteOffset, fpu.byteLength);
      dv.setUint16(128, 0x037f, true);
      dv.setUint32(408, 0x1f80, true);
      this.vcpu.setFpu(fpu);
    }
    this.halted = false;
    this.waitForSipi = this.vcpu.index !== 0 && !this.host.irqchip.inKernel;
    this.kernelWaitsForSipi = this.host.irqchip.inKernel && this.waitingInKernel();
    this.lastTsc = this.vcpu.readTsc();
  }

  /** KVM_GET_MP_STATE says the kernel holds this vCPU until INIT/SIPI. */
  private waitingInKernel(): boolean {
    const mp = this.vcpu.getMpState();
    return mp === KVM_MP_STATE_INIT_RECEIVED || mp === KVM_MP_STATE_SIPI_RECEIVED;
  }

  /** After a snapshot load: the TSC was restored, so time accounting restarts from it. */
  resyncTsc(): void {
    this.lastTsc = this.vcpu.readTsc();
  }

  /** One step of the loop: a KVM_RUN and its exit, or a halted vCPU's clock warp. */
  step(): StepResult {
    if (this.waitForSipi) {
      return StepResult.NotRunnable;
    }
    const host = this.host;
    const irqchip = host.irqchip;
    if (this.halted) {
      // kvm_arch_process_async_events: an interrupt the guest accepts ends the halt.
      if (!irqchip.inKernel && irqchip.intr && this.vcpu.interruptFlag) {
        this.halted = false;
      } else {
        return this.idleStep();
      }
    }
    if (!irqchip.inKernel) {
      if (irqchip.intr && this.vcpu.readyForInterruptInjection) {
        this.vcpu.injectInterrupt(irqchip.acknowledge());
      }
      this.vcpu.setRequestInterruptWindow(irqchip.intr);
    }
    const clock = host.clock;
    const untilDeadline = clock.nextDeadline() - clock.now();
    let budget = host.vcpus.length > 1 ? SMP_SLICE_INSTRUCTIONS : MAX_SLICE_INSTRUCTIONS;
    if (untilDeadline < budget * host.nsPerInstruction) {
      budget = Math.max(1, Math.ceil(untilDeadline / host.nsPerInstruction));
    }
    if (this.kernelWaitsForSipi) {
      budget = 1;
    }
    this.budget = budget;
    this.vcpu.setAlarm(budget);
    const exit = this.vcpu.run();
    this.accountTime();
    this.lastExit = exit;
    if (exit.reason === this.runReason) {
      this.runCount++;
    } else {
      this.flushExitCounts();
      this.runReason = exit.reason;
      this.runCount = 1;
    }
    this.dispatch(exit);
    if (irqchip.inKernel && exit.reason === "intr") {
      this.kernelWaitsForSipi = this.waitingInKernel();
      if (this.kernelWaitsForSipi) {
        return StepResult.NotRunnable;
      }
    }
    return StepResult.Ran;
  }

  /** KVM exits handled, by reason (for tests and "info kvm"-style statistics). */
  get exitCounts(): ReadonlyMap<string, number> {
    this.flushExitCounts();
    return this.exitCountsFlushed;
  }

  private flushExitCounts(): void {
    if (this.runCount === 0) {
      return;
    }
    const m = this.exitCountsFlushed;
    m.set(this.runReason, (m.get(this.runReason) ?? 0) + this.runCount);
    this.runCount = 0;
  }

  /** Advances the virtual clock by the instructions the guest retired (its TSC delta). */
  private accountTime(): void {
    const tsc = this.vcpu.readTsc();
    let delta = tsc - this.lastTsc;
    this.lastTsc = tsc;
    // A guest WRMSR to the TSC moves it arbitrarily: credit no more than one run can execute.
    const max = this.budget + 2 * KVM_HOST_TICK_INSTRUCTIONS;
    if (delta < 0 || delta > max) {
      delta = delta < 0 ? 0 : max;
    }
    if (delta > 0) {
      const clock = this.host.clock;
      clock.advanceTo(clock.now() + delta * this.host.nsPerInstruction);
    }
  }

  /**
   * Halted: jump to the next timer deadline (its callbacks may raise INTR), moving the TSC along.
   * With IF clear or no timer armed only an outside event can help, and with idle=sleep the loop waits
   * for the deadline in host time (Machine.idleWait): report idle.
   */
  private idleStep(): StepResult {
    const clock = this.host.clock;
    const next = clock.nextDeadline();
    if (!this.vcpu.interruptFlag || next === Infinity || this.host.idle === "sleep") {
      return StepResult.Idle;
    }
    this.warpTo(next);
    return StepResult.Ran;
  }

  /** Moves the virtual clock to `target` while halted; the guest TSC follows. */
  warpTo(target: number): void {
    const clock = this.host.clock;
    const now = clock.now();
    if (target <= now) {
      clock.runDue();
      return;
    }
    const insns = Math.ceil((target - now) / this.host.nsPerInstruction);
    const tsc = this.vcpu.readTsc() + insns;
    this.vcpu.setMsrs([[MSR_IA32_TSC, tsc]]);
    this.lastTsc = tsc;
    clock.advanceTo(target);
  }

  private dispatch(exit: VcpuExit): void {
    const host = this.host;
    switch (exit.reason) {
      case "io-in": {
        const { port, size, data } = exit;
        for (let i = 0; i < exit.count; i++) {
          host.ioAs.read(port, data, i * size, size);
        }
        return;
      }
      case "io-out": {
        const { port, size, data } = exit;
        for (let i = 0; i < exit.count; i++) {
          host.ioAs.write(port, data, i * size, size);
        }
        return;
      }
      case "mmio-read":
        host.memoryAs.read(exit.addr, exit.data, 0, exit.len);
        return;
      case "mmio-write":
        host.memoryAs.write(exit.addr, exit.data, 0, exit.len);
        return;
      case "hlt":
        // kvm_handle_halt: halt unless an interrupt the guest accepts is already pending.
        if (!(host.irqchip.intr && this.vcpu.interruptFlag)) {
          this.halted = true;
        }
        return;
      case "intr":
      case "irq-window-open":
        return;
      case "shutdown":
        // A triple fault: the CPU's shutdown cycle resets the PC.
        host.resetRequest("guest-reset");
        return;
      case "system-event":
        if (exit.type === KVM_SYSTEM_EVENT_SHUTDOWN) {
          host.shutdownRequest("guest-shutdown");
        } else if (exit.type === KVM_SYSTEM_EVENT_RESET) {
          host.resetRequest("guest-reset");
        } else if (exit.type === KVM_SYSTEM_EVENT_CRASH) {
          host.shutdownRequest("guest-panic");
        } else {
          this.fail(`KVM_EXIT_SYSTEM_EVENT with type ${exit.type}\n`);
        }
        return;
      case "internal-error": {
        let report = `KVM internal error. Suberror: ${exit.suberror}\n`;
        exit.data.forEach((d, i) => {
          report += `extra data[${i}]: 0x${BigInt(d).toString(16).padStart(16, "0")}\n`;
        });
        if (exit.suberror === KVM_INTERNAL_ERROR_EMULATION) {
          report += "emulation failure\n";
        }
        this.fail(report);
        return;
      }
      case "fail-entry": {
        const reason = exit.hardwareEntryFailureReason;
        let report = `KVM: entry failed, hardware error 0x${reason.toString(16)}\n`;
        if (reason === 0x80000021) {
          report +=
            "\nIf you're running a guest on an Intel machine without unrestricted mode\n" +
            "support, the failure can be most likely due to the guest entering an invalid\n" +
            "state for Intel VT. For example, the guest maybe running in big real mode\n" +
            "which is not supported on less recent Intel processors.\n\n";
        }
        this.fail(report);
        return;
      }
      case "exception":
        this.fail(`KVM: unknown exit reason 1\n`);
        return;
      case "debug":
        // KVM_EXIT_DEBUG without a gdbstub attached (kvm_handle_debug would hand it to gdb).
        this.fail(`KVM: unknown exit reason 4\n`);
        return;
      case "unknown":
        this.fail(`KVM: unknown exit reason ${exit.exitReason}\n`);
        return;
    }
  }

  /** kvm_cpu_exec's error path: report with the register dump (CPU_DUMP_CODE), then stop. */
  private fail(report: string): void {
    const dump = formatCpuState(this.vcpu.getRegs(), this.vcpu.getSregs(), { code: this.host.guestMemory, halted: this.halted });
    this.host.internalError(report + dump);
  }
}
