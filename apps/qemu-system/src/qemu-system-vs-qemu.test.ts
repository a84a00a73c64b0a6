import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CPU_GUESTS, QEMU_GUESTS, hasQemu, runQemu, runVirtkit, withoutCpuWarnings } from "./testing/run.js";

/*
 * The same image, the same options: virtkit's qemu-system-i386 and the real one (7.2, TCG) must
 * print the same debug console and serial output and exit with the same status. The whole CPU
 * ROM list runs with scripts/vs-qemu-roms.sh; here a representative subset.
 */
if (!hasQemu) console.warn("skipping the comparisons with qemu-system-i386: it is not installed (Debian package qemu-system-x86)");

const dir = mkdtempSync(join(tmpdir(), "virtkit-vs-qemu-"));

/** CPU oracle ROMs whose output virtkit and QEMU TCG both produce exactly (see scripts/vs-qemu-roms.sh). */
const CPU_ROMS = ["hello", "alu-arith", "mode-switch", "int-real", "far-transfers", "paging-basic", "real-prefixes", "triple-fault"];

/** The oracle's QEMU options (packages/cpu/oracle/qemu.ts) minus the accelerator. */
const oracleArgs = (rom: string): string[] => [
  "-nodefaults", "-machine", "isapc", "-cpu", "pentium3", "-m", "32", "-bios", rom, "-display", "none", "-monitor", "none",
  "-serial", "none", "-parallel", "none", "-no-reboot", "-debugcon", "stdio", "-device", "isa-debug-exit,iobase=0x501,iosize=2",
];

describe.skipIf(!hasQemu)("ROM images: same output and exit status as qemu-system-i386", () => {
  for (const name of CPU_ROMS) {
    it(`CPU ROM ${name}`, async () => {
      const args = oracleArgs(`${CPU_GUESTS}${name}.bin`);
      const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args)]);
      expect(ours.stdout).toBe(qemu.stdout);
      expect(ours.status).toBe(qemu.status);
    });
  }

  for (const machine of ["pc", "isapc"]) {
    it(`pc-devices on ${machine}: debugcon, serial file and exit status (0x21 << 1) | 1`, async () => {
      const args = (tag: string): string[] => [
        "-M", machine, "-m", "32", "-nodefaults", "-display", "none", "-bios", `${QEMU_GUESTS}pc-devices.bin`,
        "-device", "isa-debug-exit", "-debugcon", "stdio", "-serial", `file:${join(dir, `serial-${machine}-${tag}.txt`)}`,
      ];
      const [ours, qemu] = await Promise.all([runVirtkit(args("virtkit")), runQemu(args("qemu"))]);
      expect(ours.stdout).toBe(qemu.stdout);
      expect(ours.status).toBe(0x43);
      expect(qemu.status).toBe(0x43);
      const { readFileSync } = await import("node:fs");
      expect(readFileSync(join(dir, `serial-${machine}-virtkit.txt`), "latin1")).toBe(readFileSync(join(dir, `serial-${machine}-qemu.txt`), "latin1"));
    });
  }

  it("reset: four resets, then -no-reboot turning the first into an exit with status 0", async () => {
    const base = ["-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-bios", `${QEMU_GUESTS}reset.bin`, "-device", "isa-debug-exit", "-debugcon", "stdio"];
    for (const extra of [[], ["-no-reboot"]]) {
      const [ours, qemu] = await Promise.all([runVirtkit([...base, ...extra]), runQemu([...base, ...extra])]);
      expect(ours.stdout).toBe(qemu.stdout);
      expect(ours.status).toBe(qemu.status);
    }
  });

  it("multiboot: magic, flags, command line, modules and boot loader name as QEMU's multiboot.bin passes them", async () => {
    const m1 = join(dir, "mod1.txt");
    const m2 = join(dir, "mod2.txt");
    writeFileSync(m1, "MODULE-ONE-CONTENT");
    writeFileSync(m2, "second module");
    // QEMU boots through SeaBIOS and its multiboot option ROM, virtkit enters the kernel directly;
    // the memory section differs (SeaBIOS reserves RAM for itself), everything before it must not.
    const args = ["-M", "pc", "-m", "128", "-nodefaults", "-display", "none", "-kernel", `${QEMU_GUESTS}multiboot-kernel.bin`, "-append", "console=debug x=1", "-initrd", `${m1} first arg,${m2}`, "-device", "isa-debug-exit", "-debugcon", "stdio"];
    const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args)]);
    const head = (s: string): string => s.slice(0, s.indexOf("memory:"));
    expect(head(ours.stdout)).toBe(head(qemu.stdout));
    expect(head(ours.stdout)).toContain("multiboot magic 2badb002\n");
    expect(ours.status).toBe(qemu.status);
  });
});

/** Command lines QEMU refuses, with its exact message and status. */
const BAD_COMMAND_LINES: string[][] = [
  ["-bogus"],
  ["-m"],
  ["-m", "abc"],
  ["-machine", "bogus"],
  ["-machine", "pc,foo=bar"],
  ["-cpu", "bogus"],
  ["-smp", "300"],
  ["-smp", "foo"],
  ["-initrd", "x"],
  ["-append", "x"],
  ["-uuid", "xyz"],
  ["-device", "foo"],
  ["-device", "isa-debug-exit,iobase=0x501,bar=1"],
  ["-serial", "bogus:x"],
  ["-chardev", "foo,id=x"],
  ["-chardev", "null,id=a", "-chardev", "null,id=a"],
  ["-monitor", "bogus:"],
  ["-qmp", "tcp:localhost"],
  ["-serial", "chardev:nope"],
  ["-mon", "chardev=nope"],
  ["-netdev", "bogus,id=x"],
  ["-netdev", "tap"],
  ["-bios", "/nonexistent"],
  ["-kernel", "/nonexistent"],
  ["-drive", "file=/nonexistent"],
  ["-rtc", "base=foo"],
  ["-boot", "order=zz"],
  ["-display", "bogus"],
  ["-serial", "stdio", "-serial", "stdio"],
  ["-monitor", "stdio", "-monitor", "stdio"],
  ["/nonexistent.img"],
];

describe.skipIf(!hasQemu)("refused command lines: QEMU's error text and exit status", () => {
  for (const bad of BAD_COMMAND_LINES) {
    it(bad.join(" "), async () => {
      const args = ["-display", "none", "-nodefaults", "-bios", `${CPU_GUESTS}hello.bin`, "-S", ...bad];
      const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args, 10_000)]);
      expect(withoutCpuWarnings(ours.stderr)).toBe(withoutCpuWarnings(qemu.stderr));
      expect(ours.status).toBe(qemu.status);
    });
  }
});
