import type { Accel } from "../accel/accel.js";
import type { InterruptController } from "../accel/irqchip.js";
import type { CharBackend } from "../chardev/chardev.js";
import { VirtualClock } from "../hw/virtual-clock.js";
import { AddressSpace } from "../memory/address-space.js";
import { GuestMemory } from "../memory/guest-memory.js";
import { MemoryRegion, UINT64_SIZE } from "../memory/memory-region.js";
import { type MachineEvent, type RunState, type ShutdownCause, runStateNeedsReset, shutdownCausedByGuest } from "./run-state.js";
import { StepResult, type VcpuHost, type VcpuRunner } from "./vcpu-runner.js";

/*
 * The machine and its main loop (QEMU softmmu/runstate.c, softmmu/cpus.c, softmmu/main.c): the
 * system memory and I/O address spaces, the virtual clock, the vCPUs, the run state with its
 * request flags (reset, shutdown, powerdown, stop) processed between vCPU runs
 * (main_loop_should_exit), and the events a monitor reports.
 *
 * Node has one thread, so the "vCPU threads" are time slices of the event loop: the loop runs
 * KVM_RUN for a few milliseconds of host time, then yields so sockets, character devices and QMP
 * are served; a halted vCPU with nothing to wait for yields until an interrupt or a command wakes it.
 */

/** Host milliseconds of vCPU work between event-loop turns. */
const LOOP_SLICE_MS = 10;

export interface MachineOptions {
  accel: Accel;
  /** Guest nanoseconds per instruction (QEMU -icount shift=N is 2^N). Default 1. */
  nsPerInstruction?: number;
  /**
   * What a halted vCPU does while a timer is armed: "warp" jumps the virtual clock to the deadline
   * (deterministic, as -icount sleep=off); "sleep" waits that long in host time (sleep=on).
   */
  idle?: "warp" | "sleep";
  /** -name. */
  name?: string;
  /** -uuid, canonical text. */
  uuid?: string;
  /** -no-reboot: a guest reset request shuts down instead. */
  noReboot?: boolean;
  /** -no-shutdown: a shutdown stops the VM (state "shutdown") instead of exiting. */
  noShutdown?: boolean;
  /** Initial virtual time in ns. */
  startNs?: number;
  /** Where KVM error reports go (QEMU writes them to stderr). */
  errorSink?: (text: string) => void;
}

/** A -chardev (or implicit one) attached to the machine, as query-chardev lists it. */
export interface MachineChardev {
  readonly label: string;
  readonly chardev: CharBackend;
  /** The QMP "filename" (QEMU's legacy description, e.g. "unix:/tmp/s,server=on", "stdio"). */
  readonly filename: string;
  frontendOpen: boolean;
}

export class Machine implements VcpuHost {
  readonly accel: Accel;
  readonly clock: VirtualClock;
  readonly nsPerInstruction: number;
  readonly idle: "warp" | "sleep";
  /** The "system" container: everything the CPUs see (get_system_memory). */
  readonly systemMemory = MemoryRegion.container("system", UINT64_SIZE);
  /** The "io" root: unassigned ports read all ones (QEMU unassigned_io_ops). */
  readonly systemIo = MemoryRegion.io("io", 0x10000, {
    read: (_offset, size) => (size >= 4 ? 0xffffffff : 2 ** (size * 8) - 1),
    write: () => undefined,
  });
  readonly memoryAs: AddressSpace;
  readonly ioAs: AddressSpace;
  readonly guestMemory: GuestMemory;
  irqchip!: InterruptController;
  readonly vcpus: VcpuRunner[] = [];
  readonly name: string | undefined;
  readonly uuid: string | undefined;
  noReboot: boolean;
  noShutdown: boolean;
  /** Handlers run by every system reset, in registration order (qemu_register_reset). */
  private readonly resetHandlers: (() => void)[] = [];
  readonly chardevs: MachineChardev[] = [];
  /** Extra address spaces "info mtree" lists (bus masters), by name. */
  readonly extraAddressSpaces: { name: string; root: MemoryRegion }[] = [];

  private state: RunState = "prelaunch";
  private resetRequested: ShutdownCause | undefined;
  private shutdownRequested: ShutdownCause | undefined;
  private powerdownRequested = false;
  private vmstopRequested: RunState | undefined;
  private shutdownAction: "poweroff" | "pause";
  private exitStatus: number | undefined;
  private readonly eventListeners: ((e: MachineEvent) => void)[] = [];
  private readonly exitListeners: ((status: number) => void)[] = [];
  private scheduled = false;
  private sleepTimer: NodeJS.Timeout | undefined;
  private destroyed = false;
  /** An error report waiting to be written (to stderr by the CLI). */
  private readonly errorSink: (text: string) => void;

  constructor(options: MachineOptions) {
    this.accel = options.accel;
    this.nsPerInstruction = options.nsPerInstruction ?? 1;
    this.idle = options.idle ?? "warp";
    this.clock = new VirtualClock(options.startNs ?? 0);
    this.name = options.name;
    this.uuid = options.uuid;
    this.noReboot = options.noReboot ?? false;
    this.noShutdown = options.noShutdown ?? false;
    this.shutdownAction = this.noShutdown ? "pause" : "poweroff";
    this.memoryAs = new AddressSpace("memory", this.systemMemory);
    this.ioAs = new AddressSpace("I/O", this.systemIo);
    this.guestMemory = new GuestMemory(this.memoryAs);
    this.memoryAs.addListener(this.accel.memoryListener);
    this.errorSink =
      options.errorSink ??
      ((t) => {
        process.stderr.write(t);
      });
  }

  // ------------------------------------------------------------------ construction helpers

  /** qemu_register_reset. */
  registerReset(handler: () => void): void {
    this.resetHandlers.push(handler);
  }

  private readonly postCpuResetHandlers: (() => void)[] = [];

  /** Runs after the vCPUs are back at power-on (x86_cpu_after_reset; direct kernel boot sets registers here). */
  registerPostCpuReset(handler: () => void): void {
    this.postCpuResetHandlers.push(handler);
  }

  addVcpu(runner: VcpuRunner): void {
    this.vcpus.push(runner);
  }

  attachChardev(entry: MachineChardev): void {
    this.chardevs.push(entry);
  }

  /** Connects the irqchip's INTR to the loop: a rising INTR wakes a halted vCPU. */
  setIrqchip(irqchip: InterruptController): void {
    this.irqchip = irqchip;
    irqchip.onIntr((level) => {
      if (level) {
        this.wake();
      }
    });
  }

  // ------------------------------------------------------------------ events and exit

  onEvent(listener: (e: MachineEvent) => void): () => void {
    this.eventListeners.push(listener);
    return () => {
      const i = this.eventListeners.indexOf(listener);
      if (i >= 0) this.eventListeners.splice(i, 1);
    };
  }

  /** Sends an event from a device (qapi_event_send_*) to the monitors. */
  emitEvent(e: MachineEvent): void {
    this.emit(e);
  }

  private emit(e: MachineEvent): void {
    for (const l of [...this.eventListeners]) {
      l(e);
    }
  }

  /** Called once when the machine wants the process to exit, with QEMU's exit status. */
  onExit(listener: (status: number) => void): void {
    if (this.exitStatus !== undefined) {
      listener(this.exitStatus);
      return;
    }
    this.exitListeners.push(listener);
  }

  /** Resolves with the exit status when the machine exits. */
  waitForExit(): Promise<number> {
    return new Promise((resolve) => {
      this.onExit(resolve);
    });
  }

  get exited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** Exits now with `status` (QEMU's exit(): isa-debug-exit, a fatal error, the end of main). */
  exit(status: number): void {
    if (this.exitStatus !== undefined) {
      return;
    }
    this.exitStatus = status;
    this.cancelSleep();
    for (const l of this.exitListeners.splice(0)) {
      l(status);
    }
  }

  // ------------------------------------------------------------------ run state

  get runState(): RunState {
    return this.state;
  }

  get running(): boolean {
    return this.state === "running";
  }

  private setState(s: RunState): void {
    this.state = s;
  }

  /** vm_start (qmp_cont after its checks): emits RESUME and runs the vCPUs. */
  vmStart(): void {
    if (this.state === "running") {
      // QEMU 7.2 sends no event for "cont" on a running VM.
      return;
    }
    this.emit({ event: "RESUME" });
    this.setState("running");
    this.wake();
  }

  /** vm_stop: a running VM stops in `state` and STOP is emitted; otherwise nothing happens. */
  vmStop(state: RunState = "paused"): void {
    if (this.state !== "running") {
      return;
    }
    this.setState(state);
    this.cancelSleep();
    this.emit({ event: "STOP" });
  }

  /** qmp_cont: the checks, then vm_start. Returns an error text or undefined. */
  cont(): string | undefined {
    if (runStateNeedsReset(this.state)) {
      return "Resetting the Virtual Machine is required";
    }
    if (this.state === "suspended") {
      return undefined;
    }
    if (this.state === "finish-migrate") {
      return "Migration is not finalized yet";
    }
    this.vmStart();
    return undefined;
  }

  /** qemu_system_reset_request. */
  resetRequest(cause: ShutdownCause): void {
    if (this.noReboot && cause !== "subsystem-reset") {
      this.shutdownRequested = cause;
    } else {
      this.resetRequested = cause;
    }
    this.wake();
  }

  /** qemu_system_shutdown_request. */
  shutdownRequest(cause: ShutdownCause): void {
    this.shutdownRequested = cause;
    this.wake();
  }

  /** qemu_system_powerdown_request (the ACPI power button, when the machine has one). */
  powerdownRequest(): void {
    this.powerdownRequested = true;
    this.wake();
  }

  /** qmp_quit (and qemu_system_killed for signals): always exits, whatever -no-shutdown says. */
  quit(cause: ShutdownCause = "host-qmp-quit"): void {
    this.shutdownAction = "poweroff";
    this.shutdownRequest(cause);
  }

  /** qemu_system_vmstop_request. */
  vmstopRequest(state: RunState): void {
    this.vmstopRequested = state;
    this.wake();
  }

  get stopPending(): boolean {
    return (
      this.state !== "running" ||
      this.exitStatus !== undefined ||
      this.resetRequested !== undefined ||
      this.shutdownRequested !== undefined ||
      this.powerdownRequested ||
      this.vmstopRequested !== undefined
    );
  }

  internalError(report: string): void {
    this.errorSink(report);
    this.vmstopRequest("internal-error");
  }

  /** qemu_system_reset: devices, ROM contents and CPUs back to power-on, then RESET (unless internal). */
  systemReset(cause: ShutdownCause): void {
    for (const h of this.resetHandlers) {
      h();
    }
    for (const v of this.vcpus) {
      v.reset();
    }
    for (const h of this.postCpuResetHandlers) {
      h();
    }
    if (cause !== "none" && cause !== "subsystem-reset" && cause !== "snapshot-load") {
      this.emit({ event: "RESET", data: { guest: shutdownCausedByGuest(cause), reason: cause } });
    }
  }

  /**
   * main_loop_should_exit: handles pending requests in QEMU's order. Returns true when the machine
   * exited. Monitor commands call it right after making a request so their events come first.
   */
  processRequests(): boolean {
    if (this.exitStatus !== undefined) {
      return true;
    }
    const shutdown = this.shutdownRequested;
    if (shutdown !== undefined) {
      this.shutdownRequested = undefined;
      this.emit({ event: "SHUTDOWN", data: { guest: shutdownCausedByGuest(shutdown), reason: shutdown } });
      if (this.shutdownAction === "pause") {
        this.vmStop("shutdown");
      } else {
        this.exit(0);
        return true;
      }
    }
    const reset = this.resetRequested;
    if (reset !== undefined) {
      this.resetRequested = undefined;
      this.systemReset(reset);
      if (this.state !== "running" && this.state !== "inmigrate" && this.state !== "finish-migrate") {
        this.setState("prelaunch");
      }
    }
    if (this.powerdownRequested) {
      this.powerdownRequested = false;
      this.emit({ event: "POWERDOWN" });
      for (const h of this.powerdownHandlers) {
        h();
      }
    }
    const stop = this.vmstopRequested;
    if (stop !== undefined) {
      this.vmstopRequested = undefined;
      this.vmStop(stop);
    }
    return false;
  }

  private readonly powerdownHandlers: (() => void)[] = [];

  /** What the power button does (ACPI PM's SCI); QEMU's powerdown notifiers. */
  onPowerdown(handler: () => void): void {
    this.powerdownHandlers.push(handler);
  }

  // ------------------------------------------------------------------ the loop

  /** Makes sure the loop runs soon (qemu_notify_event). */
  wake(): void {
    if (this.scheduled || this.destroyed || this.exitStatus !== undefined) {
      return;
    }
    this.cancelSleep();
    this.scheduled = true;
    setImmediate(this.tick);
  }

  private cancelSleep(): void {
    if (this.sleepTimer !== undefined) {
      clearTimeout(this.sleepTimer);
      this.sleepTimer = undefined;
    }
  }

  private readonly tick = (): void => {
    this.scheduled = false;
    if (this.destroyed) {
      return;
    }
    const until = performance.now() + LOOP_SLICE_MS;
    for (;;) {
      if (this.processRequests() || this.state !== "running") {
        return;
      }
      const r = this.runVcpus();
      if (r === StepResult.Idle || r === StepResult.NotRunnable) {
        this.idleWait();
        return;
      }
      if (this.stopPending) {
        continue;
      }
      if (performance.now() >= until) {
        this.wake();
        return;
      }
    }
  };

  /** One step of every runnable vCPU; the combined result. */
  private runVcpus(): StepResult {
    let result: StepResult = StepResult.NotRunnable;
    for (const v of this.vcpus) {
      if (this.stopPending) {
        return StepResult.Ran;
      }
      const r = v.step();
      if (r === StepResult.Ran) {
        result = StepResult.Ran;
      } else if (r === StepResult.Idle && result === StepResult.NotRunnable) {
        result = StepResult.Idle;
      }
    }
    return result;
  }

  /**
   * Every vCPU waits for an event. With idle=sleep and a timer armed, wait that long in host time
   * and then move the clock there; otherwise an interrupt (wake) or a command resumes the loop.
   */
  private idleWait(): void {
    if (this.idle !== "sleep") {
      return;
    }
    const next = this.clock.nextDeadline();
    if (next === Infinity) {
      return;
    }
    const ms = Math.max(0, (next - this.clock.now()) / 1e6);
    this.sleepTimer = setTimeout(() => {
      this.sleepTimer = undefined;
      for (const v of this.vcpus) {
        if (v.halted && !v.waitForSipi) {
          v.warpTo(next);
          break;
        }
      }
      this.wake();
    }, Math.min(ms, 2 ** 31 - 1));
  }

  /**
   * Runs the machine synchronously until `until()` holds, it stops, or it exits (for tests and
   * tools that have no event loop to share). Idle vCPUs end the run.
   */
  runSync(until: () => boolean = () => false, maxSteps = Infinity): void {
    let steps = 0;
    while (steps++ < maxSteps && !until()) {
      if (this.processRequests() || this.state !== "running") {
        return;
      }
      const r = this.runVcpus();
      if (r === StepResult.Idle || r === StepResult.NotRunnable) {
        return;
      }
    }
  }

  /** Stops the loop and releases the VM (vCPUs, memslots). Chardevs are closed by whoever opened them. */
  destroy(): void {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    this.cancelSleep();
    this.memoryAs.destroy();
    this.ioAs.destroy();
    this.accel.destroy();
  }
}
