/** Every runner of the ROM workloads, virtkit's first; the CLI and tests pick from this list by id. */
import type { LinuxBootRunner } from "../linux-boot.js";
import type { Runner } from "../runner.js";
import { bochsRunner } from "./bochs.js";
import { hostKvmRunner, virtkitKvmRunner } from "./kvm-vmm.js";
import { qemuTcgLinuxRunner, virtkitLinuxRunner } from "./linux-boot-process.js";
import { v86LinuxRunner } from "./linux-boot-v86.js";
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

/** The runners of the opt-in linux-boot benchmark (`--linux`), virtkit's boot paths first. */
export const LINUX_BOOT_RUNNERS: readonly LinuxBootRunner[] = [
  virtkitLinuxRunner("vmlinux"),
  virtkitLinuxRunner("bzImage"),
  qemuTcgLinuxRunner,
  v86LinuxRunner,
];
