/**
 * The linux-boot runners' wiring: the exact command lines and v86 options (always), and, when tooling/guests'
 * Linux guest is already built on this machine and the emulator is installed, a boot on each emulator up to the
 * kernel's banner only — the firmware, the loader, the kernel image and the serial console are wired, and the
 * banner names the guest's kernel. The whole boot to the prompt is the benchmark's job (`--linux`), not the
 * suite's: it takes minutes on virtkit.
 */
import { existsSync, readFileSync } from "node:fs";
import { guestPaths } from "@virtkit/guests";
import { describe, expect, it } from "vitest";
import type { LinuxBootGuest } from "../linux-boot.js";
import { linuxBootGuestFrom } from "../linux-boot-guest.js";
import { LINUX_BOOT_RUNNERS } from "./index.js";
import { bootChildProcess, qemuTcgLinuxArgv, qemuTcgLinuxRunner, shellWords, virtkitLinuxArgv, virtkitLinuxRunner } from "./linux-boot-process.js";
import { qemuBinary, virtkitQemuCli } from "./qemu.js";
import { SEABIOS_PATH, bootOnV86, v86LinuxMissing, v86LinuxOptions, v86LinuxRunner } from "./linux-boot-v86.js";

const paper: LinuxBootGuest = linuxBootGuestFrom(
  { vmlinuz: "/g/out/vmlinuz", vmlinux: "/g/out/vmlinux", initramfs: "/g/out/initramfs.cpio" },
  { kernel: { name: "linux-image-6.1.0-50-686", version: "6.1.176-1" }, sha256: { vmlinuz: "ab12" } },
);

describe("the linux-boot runners' command lines", () => {
  it("boots the same files with the same command line, memory and console on QEMU TCG and on virtkit's qemu-system", () => {
    const machine = ["-M", "pc", "-m", "256", "-nodefaults", "-display", "none", "-initrd", "/g/out/initramfs.cpio", "-append", "console=ttyS0 panic=-1", "-serial", "stdio"];
    const tcg = qemuTcgLinuxArgv(paper, "/usr/bin/qemu-system-i386");
    expect(tcg).toEqual(["/usr/bin/qemu-system-i386", "-accel", "tcg", "-M", "pc", "-m", "256", "-nodefaults", "-display", "none", "-kernel", "/g/out/vmlinuz", "-initrd", "/g/out/initramfs.cpio", "-append", "console=ttyS0 panic=-1", "-serial", "stdio"]);
    const vk = virtkitLinuxArgv(paper, "vmlinux", "/repo/apps/qemu-system/dist/cli.js");
    expect(vk.slice(0, 2)).toEqual([process.execPath, "/repo/apps/qemu-system/dist/cli.js"]);
    expect(vk[vk.indexOf("-kernel") + 1]).toBe("/g/out/vmlinux");
    expect(virtkitLinuxArgv(paper, "bzImage", "cli.js")[virtkitLinuxArgv(paper, "bzImage", "cli.js").indexOf("-kernel") + 1]).toBe("/g/out/vmlinuz");
    // Apart from the kernel image and the accelerator, the machine options are the same words.
    const strip = (argv: string[]): string[] => argv.filter((_, i) => argv[i] !== "-kernel" && argv[i - 1] !== "-kernel");
    expect(strip(tcg.slice(3))).toEqual(machine);
    expect(strip(vk.slice(2))).toEqual(machine);
    expect(vk).not.toContain("-drive");
  });

  it("records each invocation as a shell command line with the files by name", () => {
    expect(shellWords(["a", "console=ttyS0 panic=-1", "it's", "-m", "x/y.cpio"])).toBe("a 'console=ttyS0 panic=-1' 'it'\\''s' -m x/y.cpio");
    expect(qemuTcgLinuxRunner.describe(paper)).toBe("qemu-system-i386 -accel tcg -M pc -m 256 -nodefaults -display none -kernel vmlinuz -initrd initramfs.cpio -append 'console=ttyS0 panic=-1' -serial stdio");
    expect(virtkitLinuxRunner("vmlinux").describe(paper)).toBe("node apps/qemu-system/dist/cli.js -M pc -m 256 -nodefaults -display none -kernel vmlinux -initrd initramfs.cpio -append 'console=ttyS0 panic=-1' -serial stdio");
    expect(LINUX_BOOT_RUNNERS.map((r) => `${r.id}:${r.group}:${r.kernel}`)).toEqual(["virtkit-vmlinux:virtkit:vmlinux", "virtkit-bzimage:virtkit:bzImage", "qemu-tcg:peer:bzImage", "v86-jit:peer:bzImage"]);
  });

  it("gives v86 the bzImage, the initramfs, the command line, SeaBIOS and the memory size, JIT on, and no disk", () => {
    const bios = new ArrayBuffer(4), bzimage = new ArrayBuffer(8), initrd = new ArrayBuffer(16);
    const o = v86LinuxOptions(paper, { bios, bzimage, initrd });
    expect(o.bios).toEqual({ buffer: bios });
    expect(o.bzimage).toEqual({ buffer: bzimage });
    expect(o.initrd).toEqual({ buffer: initrd });
    expect(o.cmdline).toBe("console=ttyS0 panic=-1");
    expect(o.memory_size).toBe(256 * 1024 * 1024);
    expect(o.disable_jit).toBe(false);
    expect(o.autostart).toBe(true);
    for (const k of ["hda", "hdb", "cdrom", "fda", "net_device", "filesystem", "vga_bios", "acpi"] as const) expect(o[k], k).toBeUndefined();
    expect(v86LinuxMissing("/nonexistent/bios.bin")).toBe("/nonexistent/bios.bin not found (Debian package: seabios)");
  });

  it("names the guest's kernel and where its files came from", () => {
    expect(paper.kernelVersion).toBe("Linux version 6.1.0-50-686");
    expect(paper.provenance).toEqual({ kernel: "linux-image-6.1.0-50-686 6.1.176-1", busybox: "? ?", "vmlinuz sha256": "ab12" });
  });
});

// The real guest, only when tooling/guests has built it here (building it means downloading Debian packages).
const built = guestPaths();
const guestReady = [built.vmlinuz, built.vmlinux, built.initramfs, built.manifest].every((f) => existsSync(f));
if (!guestReady) console.warn(`skipping the linux-boot wiring boots: the Linux guest is not built (${built.dir}; run tooling/guests/linux/build.sh)`);
const guest = guestReady ? linuxBootGuestFrom(built, JSON.parse(readFileSync(built.manifest, "utf8")) as Parameters<typeof linuxBootGuestFrom>[1]) : paper;

function available(what: string, why: string | null): boolean {
  if (why !== null && guestReady) console.warn(`skipping the ${what} wiring boot: ${why}`);
  return guestReady && why === null;
}

describe("the linux-boot runners boot the guest's kernel (to its banner only)", () => {
  it.skipIf(!available("QEMU TCG", qemuTcgLinuxRunner.unavailable()))("QEMU TCG: the bzImage's banner on COM1", { timeout: 5 * 60_000 }, async () => {
    const c = await bootChildProcess("qemu-system-i386", qemuTcgLinuxArgv(guest, qemuBinary() ?? ""), guest, { until: "banner" });
    expect(c.kernelVersion).toBe(guest.kernelVersion);
    expect(c.reached.banner?.wallMs).toBeGreaterThan(0);
  });

  it.skipIf(!available("v86", v86LinuxRunner.unavailable()))(`v86 in-process with ${SEABIOS_PATH}: the bzImage's banner from serial0`, { timeout: 5 * 60_000 }, async () => {
    const c = await bootOnV86(guest, { until: "banner" });
    expect(c.kernelVersion).toBe(guest.kernelVersion);
    expect(c.reached.banner?.cpuMs).toBeGreaterThan(0);
  });

  it.skipIf(!available("virtkit", virtkitLinuxRunner("vmlinux").unavailable()))("virtkit's qemu-system: the vmlinux's banner on COM1", { timeout: 10 * 60_000 }, async () => {
    const c = await bootChildProcess("virtkit qemu-system", virtkitLinuxArgv(guest, "vmlinux", virtkitQemuCli() ?? ""), guest, { until: "banner" });
    expect(c.kernelVersion).toBe(guest.kernelVersion);
  });

  it.skipIf(qemuTcgLinuxRunner.unavailable() !== null)("an emulator that exits before the prompt is a failed boot with its reason", { timeout: 60_000 }, async () => {
    const broken = { ...paper, vmlinuz: "/nonexistent/vmlinuz" };
    await expect(bootChildProcess("qemu-system-i386", qemuTcgLinuxArgv(broken, qemuBinary() ?? ""), broken)).rejects.toThrow(/qemu-system-i386 ended \(exit status 1\) before the banner; the console last printed: \(nothing on the serial console\); stderr: qemu: could not open kernel file '\/nonexistent\/vmlinuz'/);
  });
});
