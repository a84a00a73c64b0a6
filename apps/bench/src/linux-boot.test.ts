import { describe, expect, it } from "vitest";
import type { BootTimes } from "./boot-milestones.js";
import { linuxBootRatios, medianTimes, runLinuxBoot, type LinuxBootGuest, type LinuxBootRun, type LinuxBootRunner } from "./linux-boot.js";

const guest: LinuxBootGuest = {
  vmlinuz: "/g/vmlinuz", vmlinux: "/g/vmlinux", initramfs: "/g/initramfs.cpio", cmdline: "console=ttyS0 panic=-1", memoryMiB: 256,
  marker: "MARK", prompt: "# ", kernelVersion: "Linux version 6.1.0-50-686", provenance: { kernel: "linux-image-6.1.0-50-686 6.1.176-1" },
};

const t = (s: number, cpu = s): BootTimes => ({ wallMs: s * 1000, cpuMs: cpu * 1000 });
const run = (prompt: number, version = guest.kernelVersion): LinuxBootRun => ({ times: { banner: t(prompt / 10), marker: t(prompt - 1), prompt: t(prompt, prompt * 2) }, kernelVersion: version });

/** A runner that replays the given boots (or throws the given errors) and logs the order it was called in. */
function fake(id: string, group: "virtkit" | "peer", boots: (LinuxBootRun | Error)[], log: string[], unavailable: string | null = null): LinuxBootRunner {
  let i = 0;
  return {
    id, title: id, group, kernel: id.includes("vmlinux") ? "vmlinux" : "bzImage",
    unavailable: () => unavailable,
    boot: (g) => {
      expect(g).toBe(guest);
      log.push(id);
      const b = boots[i++];
      if (b === undefined) throw new Error(`${id} booted more often than planned`);
      return b instanceof Error ? Promise.reject(b) : Promise.resolve(b);
    },
    describe: () => `${id} --boot`,
  };
}

describe("the linux-boot benchmark", () => {
  it("boots round-robin, one boot at a time, and keeps the median of each milestone", async () => {
    const log: string[] = [];
    const result = await runLinuxBoot({
      guest, runs: 3,
      runners: [
        fake("virtkit-vmlinux", "virtkit", [run(100), run(80), run(120)], log),
        fake("qemu-tcg", "peer", [run(8), run(6), run(7)], log),
      ],
    });
    expect(log).toEqual(["virtkit-vmlinux", "qemu-tcg", "virtkit-vmlinux", "qemu-tcg", "virtkit-vmlinux", "qemu-tcg"]);
    expect(result.failures).toEqual([]);
    const vk = result.cells.find((c) => c.runner === "virtkit-vmlinux")!;
    expect(vk.runs).toBe(3);
    expect(vk.kernel).toBe("vmlinux");
    expect(vk.median).toEqual({ banner: t(10), marker: t(99), prompt: t(100, 200) });
    expect(vk.samples).toHaveLength(3);
    expect(result.options).toEqual({ runs: 3, cmdline: "console=ttyS0 panic=-1", memoryMiB: 256, devices: "no disk, no network: the serial console (COM1) only" });
    expect(result.guest).toEqual(guest.provenance);
    expect(result.runners.map((r) => r.invocation)).toEqual(["virtkit-vmlinux --boot", "qemu-tcg --boot"]);
  });

  it("reports a runner that did not boot with its reason, boots it no more and gives it no figure; skips an unavailable one", async () => {
    const log: string[] = [];
    const result = await runLinuxBoot({
      guest, runs: 2,
      runners: [
        fake("virtkit-vmlinux", "virtkit", [run(100), run(90)], log),
        fake("v86-jit", "peer", [new Error("the guest reset before the initramfs marker")], log),
        fake("qemu-tcg", "peer", [], log, "qemu-system-i386 not found"),
      ],
    });
    expect(log).toEqual(["virtkit-vmlinux", "v86-jit", "virtkit-vmlinux"]);
    expect(result.failures).toEqual([{ runner: "v86-jit", error: "the guest reset before the initramfs marker" }]);
    expect(result.cells.map((c) => c.runner)).toEqual(["virtkit-vmlinux"]);
    expect(result.runners.find((r) => r.id === "qemu-tcg")?.skipped).toBe("qemu-system-i386 not found");
    expect(linuxBootRatios(result)).toEqual([]);
  });

  it("fails a runner whose kernel banner is not the guest's kernel", async () => {
    const result = await runLinuxBoot({ guest, runs: 1, runners: [fake("qemu-tcg", "peer", [run(5, "Linux version 5.10.0-99-686")], [])] });
    expect(result.failures[0]?.error).toBe('booted another kernel: its banner says "Linux version 5.10.0-99-686", not "Linux version 6.1.0-50-686"');
    expect(result.cells).toEqual([]);
  });

  it("gives each virtkit boot path's ratio to each peer as the peer's time over virtkit's, to the marker and to the prompt", async () => {
    const result = await runLinuxBoot({
      guest, runs: 1,
      runners: [
        fake("virtkit-vmlinux", "virtkit", [run(100)], []),
        fake("virtkit-bzimage", "virtkit", [run(200)], []),
        fake("qemu-tcg", "peer", [run(10)], []),
        fake("v86-jit", "peer", [run(50)], []),
      ],
    });
    const rs = linuxBootRatios(result);
    expect(rs).toHaveLength(8);
    expect(rs).toContainEqual({ milestone: "prompt", subject: "virtkit-vmlinux", peer: "qemu-tcg", ratio: 0.1, cpuRatio: 0.1 });
    expect(rs).toContainEqual({ milestone: "prompt", subject: "virtkit-bzimage", peer: "v86-jit", ratio: 0.25, cpuRatio: 0.25 });
    const marker = rs.find((q) => q.milestone === "marker" && q.subject === "virtkit-vmlinux" && q.peer === "v86-jit");
    expect(marker?.ratio).toBeCloseTo(49 / 99, 12);
  });

  it("takes medians of wall and CPU time separately (the upper middle for an even count)", () => {
    const m = medianTimes([run(10).times, run(30).times, run(20).times, run(40).times]);
    expect(m.prompt).toEqual(t(30, 60));
    expect(m.banner).toEqual(t(3));
  });
});
