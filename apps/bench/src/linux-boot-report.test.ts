import { describe, expect, it } from "vitest";
import type { BenchResult } from "./bench.js";
import type { BootTimes } from "./boot-milestones.js";
import type { LinuxBootCell, LinuxBootResult } from "./linux-boot.js";
import { fmtSeconds, formatLinuxBootTable, linuxBootMarkdown, linuxBootRow } from "./linux-boot-report.js";
import { fromJson, toJson, toMarkdown, toSvg } from "./report.js";

const t = (s: number, cpu = s): BootTimes => ({ wallMs: s * 1000, cpuMs: cpu * 1000 });
function cell(runner: string, kernel: "bzImage" | "vmlinux", prompt: number): LinuxBootCell {
  const m = { banner: t(prompt / 20), marker: t(prompt - 0.5), prompt: t(prompt, prompt * 0.9) };
  return { runner, kernel, runs: 1, median: m, samples: [m], kernelVersion: "Linux version 6.1.0-50-686" };
}

const linux: LinuxBootResult = {
  date: "2026-11-27T06:00:00.000Z",
  host: { cpus: 2, model: "test cpu", node: "v20" },
  options: { runs: 1, cmdline: "console=ttyS0 panic=-1", memoryMiB: 256, devices: "no disk, no network: the serial console (COM1) only" },
  guest: { kernel: "linux-image-6.1.0-50-686 6.1.176-1", busybox: "busybox-static 1:1.35.0-4+deb12u1+b1" },
  runners: [
    { id: "virtkit-vmlinux", title: "virtkit, vmlinux", group: "virtkit", kernel: "vmlinux", invocation: "node apps/qemu-system/dist/cli.js -kernel vmlinux" },
    { id: "virtkit-bzimage", title: "virtkit, bzImage", group: "virtkit", kernel: "bzImage", invocation: "node apps/qemu-system/dist/cli.js -kernel vmlinuz" },
    { id: "qemu-tcg", title: "QEMU TCG", group: "peer", kernel: "bzImage", invocation: "qemu-system-i386 -accel tcg" },
    { id: "v86-jit", title: "v86", group: "peer", kernel: "bzImage", invocation: "v86 in-process" },
  ],
  cells: [cell("virtkit-vmlinux", "vmlinux", 100), cell("virtkit-bzimage", "bzImage", 160), cell("qemu-tcg", "bzImage", 8)],
  failures: [{ runner: "v86-jit", error: "the guest reset before the initramfs marker (a second kernel banner; kernel panic?): x | y" }],
};

const workloads: BenchResult = {
  date: "2026-11-27T03:09:00.000Z",
  host: { cpus: 2, model: "test cpu", node: "v20" },
  options: { runs: 3, targetSeconds: 1 },
  runners: [{ id: "virtkit-jit", title: "virtkit", group: "virtkit" }, { id: "qemu-tcg", title: "QEMU", group: "peer" }],
  cells: [
    { workload: "integer", runner: "virtkit-jit", unit: "MIPS", n: 1, rate: 3000, cpuRate: 3000, medianWallMs: 1, medianCpuMs: 1, runs: 3, registers: "", instructionsExpected: 1 },
    { workload: "integer", runner: "qemu-tcg", unit: "MIPS", n: 1, rate: 2000, cpuRate: 2000, medianWallMs: 1, medianCpuMs: 1, runs: 3, registers: "", instructionsExpected: 1 },
  ],
  failures: [],
};

describe("the linux-boot report", () => {
  it("shows a runner's medians, or 'did not boot: <reason>', or why it was skipped", () => {
    expect(linuxBootRow(linux, "qemu-tcg").cell?.median.prompt).toEqual(t(8, 7.2));
    expect(linuxBootRow(linux, "v86-jit").note).toBe("did not boot: the guest reset before the initramfs marker (a second kernel banner; kernel panic?): x | y");
    expect(linuxBootRow({ ...linux, runners: [{ ...linux.runners[2]!, id: "bochs", skipped: "no bochs" }] }, "bochs").note).toBe("skipped: no bochs");
    expect(fmtSeconds(129291.2)).toBe("129.3 s");
  });

  it("prints the terminal table and the ratios of each virtkit path to each peer", () => {
    const table = formatLinuxBootTable(linux);
    expect(table).toMatch(/^virtkit-vmlinux\s+vmlinux\s+5\.0 s \(5\.0 s\)\s+99\.5 s \(99\.5 s\)\s+100\.0 s \(90\.0 s\)$/m);
    expect(table).toMatch(/^v86-jit\s+bzImage\s+did not boot: the guest reset/m);
    expect(table).toMatch(/to prompt virtkit-bzimage\s+vs qemu-tcg\s+0\.05x \(0\.05x\)/);
  });

  it("writes the Markdown section: the guest, the medians, the ratios, the failure and every invocation", () => {
    const md = linuxBootMarkdown(linux);
    expect(md).toContain("## Linux boot");
    expect(md).toContain("Guest: linux-image-6.1.0-50-686 6.1.176-1, initramfs with busybox-static 1:1.35.0-4+deb12u1+b1 (tooling/guests); kernel command line `console=ttyS0 panic=-1`; 256 MiB");
    expect(md).toContain("| virtkit-vmlinux | vmlinux | 5.0 s (5.0 s) | 99.5 s (99.5 s) | 100.0 s (90.0 s) |");
    // The pipe in the reason is escaped so the table keeps its columns.
    expect(md).toContain("| v86-jit | bzImage | did not boot: the guest reset before the initramfs marker (a second kernel banner; kernel panic?): x \\| y |  |  |");
    expect(md).toContain("| virtkit | to prompt: vs qemu-tcg | to marker: vs qemu-tcg |");
    expect(md).toContain("| virtkit-vmlinux | 0.08× | 0.08× |");
    expect(md).toContain("- v86-jit: did not boot: the guest reset");
    expect(md).toContain("- qemu-tcg: `qemu-system-i386 -accel tcg`");
  });

  it("lands in latest.json with its ratios, and reads back so that the next run of the other kind keeps it", () => {
    const both: BenchResult = { ...workloads, linuxBoot: linux };
    const json = toJson(both);
    const parsed = JSON.parse(json) as { ratios: unknown[]; linuxBoot: { ratios: { milestone: string; subject: string; peer: string; ratio: number }[] } };
    expect(parsed.ratios).toHaveLength(1);
    expect(parsed.linuxBoot.ratios).toContainEqual({ milestone: "prompt", subject: "virtkit-vmlinux", peer: "qemu-tcg", ratio: 0.08, cpuRatio: 0.08 });
    expect(fromJson(json)).toEqual(both);
    expect(fromJson(toJson(workloads))).toEqual(workloads);
    expect(fromJson("not json")).toBeNull();
    expect(fromJson('{"date": 5}')).toBeNull();
  });

  it("adds a Linux boot group to the chart: to the prompt, each virtkit path against each peer that booted", () => {
    const svg = toSvg({ ...workloads, linuxBoot: linux });
    expect(svg.match(/<title>Linux boot to the shell prompt/g)).toHaveLength(2);
    expect(svg).toContain("<title>Linux boot to the shell prompt: virtkit-vmlinux vs qemu-tcg 0.080× (2026-11-27)</title>");
    expect(svg).toMatch(/<text x="144" y="[\d.]+" text-anchor="end">Linux boot<\/text>/);
    expect(svg).toContain("Linux boot: time to the shell prompt, peer / virtkit, measured 2026-11-27");
    expect(svg.match(/<title>integer:/g)).toHaveLength(1);
    // Every series has a colour of its own (the palette has one for each of a full run's 15).
    const fills = [...svg.matchAll(/<rect x="150" y="[\d.]+" width="10" height="10" fill="(#[0-9a-f]{6})"\/>/g)].map((m) => m[1]);
    expect(fills).toHaveLength(3);
    expect(new Set(fills).size).toBe(3);
  });

  it("appends the section to latest.md after the workloads, or stands alone before any workload run", () => {
    const md = toMarkdown({ ...workloads, linuxBoot: linux });
    expect(md.indexOf("| integer | MIPS |")).toBeGreaterThan(0);
    expect(md.indexOf("## Linux boot")).toBeGreaterThan(md.indexOf("| integer | MIPS |"));
    const alone = toMarkdown({ ...workloads, runners: [], cells: [], linuxBoot: linux });
    expect(alone.startsWith("## Linux boot")).toBe(true);
  });
});
