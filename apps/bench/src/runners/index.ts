/** Every runner, virtkit's first; the CLI and tests pick from this list by id. */
import type { Runner } from "../runner.js";
import { bochsRunner } from "./bochs.js";
import { hostKvmRunner, virtkitKvmRunner } from "./kvm-vmm.js";
import { qemuTcgRunner, virtkitQemuRunner } from "./qemu.js";
import { v86Runner } from "./v86.js";
import { virtkitCpuRunner } from "./virtkit-cpu.js";

export const ALL_RUNNERS: readonly Runner[] = [
  virtkitCpuRunner("jit"),
  virtkitCpuRunner("interpreter"),
  virtkitCpuRunner("step"),
  virtkitKvmRunner,
  virtkitQemuRunner,
  qemuTcgRunner,
  bochsRunner,
  v86Runner(true),
  v86Runner(false),
  hostKvmRunner,
];

export function runnerById(id: string): Runner | undefined {
  return ALL_RUNNERS.find((r) => r.id === id);
}
