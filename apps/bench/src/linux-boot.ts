/**
 * The linux-boot benchmark (opt-in: `virtkit-bench --linux`): Debian's i386 kernel and our initramfs
 * (tooling/guests, the same files and the same kernel command line for everyone) booted on virtkit's
 * qemu-system (vmlinux and bzImage), on QEMU TCG and on v86, timed from the emulator's start (process start
 * for a child process, `new V86()` for v86 in this process) to the kernel banner, the initramfs marker and
 * the busybox shell prompt on the serial console. The boots run one at a time, round-robin over the
 * runners so that a change in the machine's load falls on all of them; each figure is the median of
 * `runs` boots. A boot that fails is reported with its reason and that runner is not booted again.
 * Nothing here is a pass/fail limit on speed.
 */
import { BOOT_MILESTONES, type BootMilestone, type BootRecord, type BootTimes } from "./boot-milestones.js";
import { median } from "./measure.js";
import type { RunnerGroup } from "./runner.js";

export type KernelImage = "bzImage" | "vmlinux";

/** What every runner boots: the same files, command line, memory size and console milestones. */
export interface LinuxBootGuest {
  /** The bzImage as Debian ships it. */
  vmlinuz: string;
  /** Its payload decompressed: the ELF kernel (virtkit's loader boots it directly). */
  vmlinux: string;
  initramfs: string;
  cmdline: string;
  memoryMiB: number;
  /** The line /init prints once its modules are loaded. */
  marker: string;
  /** The busybox shell prompt on ttyS0. */
  prompt: string;
  /** The banner's version every runner must print ("Linux version 6.1.0-50-686"): the check that they booted the same kernel. */
  kernelVersion: string;
  /** Where the files came from (package versions and sha256 of each file), copied into the results. */
  provenance: Record<string, string>;
}

/** One boot: the times of each milestone from the emulator's start, and the banner's version. */
export type LinuxBootRun = BootRecord;

export interface LinuxBootRunner {
  /** "virtkit-vmlinux", "qemu-tcg", ... (the CLI's --runners picks by this id). */
  readonly id: string;
  readonly title: string;
  readonly group: RunnerGroup;
  readonly kernel: KernelImage;
  /** Why this runner cannot run here (a missing tool or build), or null. */
  unavailable(): string | null;
  /** Boots the guest once to the shell prompt and stops the emulator. */
  boot(guest: LinuxBootGuest): Promise<LinuxBootRun>;
  /** The emulator invocation, for the results (argv, or the v86 options in words). */
  describe(guest: LinuxBootGuest): string;
}

export interface LinuxBootCell {
  runner: string;
  kernel: KernelImage;
  runs: number;
  /** Median of each milestone over the runs (wall and CPU separately). */
  median: Record<BootMilestone, BootTimes>;
  samples: Record<BootMilestone, BootTimes>[];
  kernelVersion: string;
}

export interface LinuxBootResult {
  date: string;
  host: { cpus: number; model: string; node: string };
  options: { runs: number; cmdline: string; memoryMiB: number; devices: string };
  guest: Record<string, string>;
  runners: { id: string; title: string; group: RunnerGroup; kernel: KernelImage; invocation: string; skipped?: string }[];
  cells: LinuxBootCell[];
  failures: { runner: string; error: string }[];
}

export interface LinuxBootRatio {
  milestone: "marker" | "prompt";
  subject: string;
  peer: string;
  /** peer's time / subject's time (wall): above 1 = virtkit boots faster. */
  ratio: number;
  /** The same on CPU time. */
  cpuRatio: number;
}

/** The devices of the benchmark's machine, the same on every emulator (v86 has no virtio-blk, so no disk for anyone). */
export const LINUX_BOOT_DEVICES = "no disk, no network: the serial console (COM1) only";

export interface LinuxBootOptions {
  runners: readonly LinuxBootRunner[];
  guest: LinuxBootGuest;
  runs: number;
  progress?: (line: string) => void;
}

/** The median of each milestone's wall and CPU times over the runs. */
export function medianTimes(samples: readonly Record<BootMilestone, BootTimes>[]): Record<BootMilestone, BootTimes> {
  const out = {} as Record<BootMilestone, BootTimes>;
  for (const m of BOOT_MILESTONES) {
    out[m] = { wallMs: median(samples.map((s) => s[m].wallMs)), cpuMs: median(samples.map((s) => s[m].cpuMs)) };
  }
  return out;
}

export async function runLinuxBoot(opts: LinuxBootOptions): Promise<LinuxBootResult> {
  const os = await import("node:os");
  const cpus = os.cpus();
  const result: LinuxBootResult = {
    date: new Date().toISOString(),
    host: { cpus: cpus.length, model: `${cpus[0]?.model ?? "unknown"} (${os.machine()})`, node: process.version },
    options: { runs: opts.runs, cmdline: opts.guest.cmdline, memoryMiB: opts.guest.memoryMiB, devices: LINUX_BOOT_DEVICES },
    guest: { ...opts.guest.provenance },
    runners: [],
    cells: [],
    failures: [],
  };
  const active: LinuxBootRunner[] = [];
  for (const r of opts.runners) {
    const why = r.unavailable();
    result.runners.push({ id: r.id, title: r.title, group: r.group, kernel: r.kernel, invocation: r.describe(opts.guest), ...(why === null ? {} : { skipped: why }) });
    if (why === null) active.push(r);
    else opts.progress?.(`skipping ${r.title}: ${why}`);
  }
  const samples = new Map<string, LinuxBootRun[]>(active.map((r) => [r.id, []]));
  for (let i = 0; i < opts.runs; i++) {
    for (const r of active) {
      if (result.failures.some((f) => f.runner === r.id)) continue;
      opts.progress?.(`linux-boot on ${r.id} (${r.kernel}): boot ${i + 1}/${opts.runs}`);
      try {
        const run = await r.boot(opts.guest);
        if (run.kernelVersion !== opts.guest.kernelVersion) {
          throw new Error(`booted another kernel: its banner says "${run.kernelVersion}", not "${opts.guest.kernelVersion}"`);
        }
        samples.get(r.id)?.push(run);
        opts.progress?.(`linux-boot on ${r.id}: prompt after ${(run.times.prompt.wallMs / 1000).toFixed(1)} s`);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        result.failures.push({ runner: r.id, error });
        opts.progress?.(`linux-boot on ${r.id}: did not boot: ${error}`);
      }
    }
  }
  for (const r of active) {
    const runs = samples.get(r.id) ?? [];
    // A runner that failed any boot has no figure: a median over the boots that happened to work would hide it.
    if (runs.length === 0 || result.failures.some((f) => f.runner === r.id)) continue;
    result.cells.push({
      runner: r.id, kernel: r.kernel, runs: runs.length,
      median: medianTimes(runs.map((s) => s.times)), samples: runs.map((s) => s.times),
      kernelVersion: runs[0]!.kernelVersion,
    });
  }
  return result;
}

/** Every virtkit runner against every peer that booted in the same run, to the marker and to the prompt. */
export function linuxBootRatios(result: LinuxBootResult): LinuxBootRatio[] {
  const group = new Map(result.runners.map((r) => [r.id, r.group]));
  const out: LinuxBootRatio[] = [];
  for (const milestone of ["marker", "prompt"] as const) {
    for (const s of result.cells) {
      if (group.get(s.runner) !== "virtkit") continue;
      for (const p of result.cells) {
        if (group.get(p.runner) !== "peer") continue;
        out.push({
          milestone, subject: s.runner, peer: p.runner,
          ratio: p.median[milestone].wallMs / s.median[milestone].wallMs,
          cpuRatio: p.median[milestone].cpuMs / s.median[milestone].cpuMs,
        });
      }
    }
  }
  return out;
}
