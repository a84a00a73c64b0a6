/**
 * A runner executes the benchmark ROM for one workload and N and reports the measured region: wall and
 * CPU time between the 'S' and 'E' markers, the register line, and the instruction or exit counts it can
 * see. Start-up (process launch, firmware, memory set-up before 'S') is outside the region on every runner.
 */
import type { Workload } from "./rom.js";

export interface RunResult {
  /** Wall time of the measured region in milliseconds. */
  wallMs: number;
  /** CPU time (user + system, all threads of the process running the guest) of the region, milliseconds. */
  cpuMs: number;
  /** The guest's register line ("eax ecx edx ebx ebp esi edi"), identical on every correct runner. */
  registers: string;
  /**
   * The region's length in instructions as this runner counts them: exact on virtkit's CPU, Bochs' tick
   * count (the region plus the POP and magic-break XCHG after 'E'), v86's approximate counter.
   */
  instructions?: number;
  /** Exits to user space the VMM saw in the region (KVM runners). */
  exits?: number;
}

export type RunnerGroup = "virtkit" | "peer";

export interface Runner {
  /** Short identifier used in JSON and on the command line ("virtkit-jit", "qemu-tcg", ...). */
  readonly id: string;
  readonly title: string;
  readonly group: RunnerGroup;
  /**
   * The guest runs inside the bench's own process (virtkit's CPU and kvm module, v86, the native /dev/kvm
   * addon). Such runners each get a process of their own (runBench's `isolate`): V8 state one leaves
   * behind would otherwise tax the next — above all a detached ArrayBuffer (v86's WebAssembly memory
   * growing detaches its old buffer), after which every typed-array access in optimised code checks for
   * detachment and memory-bound guests run at about half speed.
   */
  readonly inProcess?: boolean;
  /** Why this runner cannot run here (a missing tool or device), or null. */
  unavailable(): string | null;
  /** Whether the workload is meaningful on this runner (exit workloads need a VMM that sees exits). */
  supports(w: Workload): boolean;
  run(w: Workload, n: number): Promise<RunResult>;
}

/** The CPU time of this process so far, milliseconds. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
