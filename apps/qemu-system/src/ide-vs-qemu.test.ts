import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { QEMU_GUESTS, hasQemu, runQemu, runVirtkit, withoutCpuWarnings } from "./testing/run.js";

/*
 * IDE disks against the real qemu-system-i386 7.2: SeaBIOS boots packages/qemu/guests/ide-disk.bin
 * from the primary master on both; the COM1 output, the exit status and the disk afterwards must
 * be the same (raw byte for byte; a qcow2 virtkit wrote passes `qemu-img check` and compares equal
 * to QEMU's raw result). Then the IDE command lines QEMU refuses, with its messages.
 */
const SEABIOS = "/usr/share/seabios/bios.bin";
const hasSeabios = existsSync(SEABIOS);
const hasQemuImg = spawnSync("qemu-img", ["--version"], { stdio: "ignore" }).status === 0;
if (!hasQemu) console.warn("ide-vs-qemu: qemu-system-i386 not installed (Debian package qemu-system-x86), skipping");
if (!hasSeabios) console.warn(`ide-vs-qemu: ${SEABIOS} not found (Debian package seabios), skipping the boots`);
if (!hasQemuImg) console.warn("ide-vs-qemu: qemu-img not found (Debian package qemu-utils), skipping the qcow2 check");

const dir = mkdtempSync(join(tmpdir(), "virtkit-ide-vs-qemu-"));

function diskImage(name: string): string {
  const path = join(dir, name);
  copyFileSync(`${QEMU_GUESTS}ide-disk.bin`, path);
  truncateSync(path, 4096 * 512);
  return path;
}

const bootArgs = (machine: string, drive: string[]): string[] => [
  "-M", machine, "-m", "32", "-nodefaults", "-display", "none", "-bios", SEABIOS, "-serial", "stdio", "-device", "isa-debug-exit", ...drive,
];

describe.skipIf(!hasQemu || !hasSeabios)("ide-disk booted by SeaBIOS: virtkit and qemu-system-i386 print and write the same", () => {
  const cases: [string, (img: string) => string[]][] = [
    ["pc", (img) => ["-drive", `file=${img},format=raw`]],
    ["isapc", (img) => ["-hda", img]],
  ];
  for (const [machine, drive] of cases) {
    it(`${machine}, ${drive("IMG").join(" ")}`, async () => {
      const ours = diskImage(`${machine}-virtkit.img`);
      const theirs = diskImage(`${machine}-qemu.img`);
      const [a, b] = await Promise.all([runVirtkit(bootArgs(machine, drive(ours))), runQemu(bootArgs(machine, drive(theirs)), 120_000)]);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout).toContain("\ndone\n");
      expect(a.status).toBe(0x63);
      expect(b.status).toBe(0x63);
      expect(readFileSync(ours).equals(readFileSync(theirs))).toBe(true);
    }, 180_000);
  }

  it.skipIf(!hasQemuImg)("a qcow2 disk (-device ide-hd) written by the guest passes qemu-img check and compares equal to QEMU's raw disk", async () => {
    const raw = diskImage("base.img");
    const qcow2 = join(dir, "disk.qcow2");
    const conv = spawnSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, qcow2], { encoding: "utf8" });
    expect(conv.status, conv.stderr).toBe(0);
    const theirs = diskImage("qcow2-ref-qemu.img");
    const [a, b] = await Promise.all([
      runVirtkit(bootArgs("pc", ["-drive", `file=${qcow2},format=qcow2,if=none,id=d0`, "-device", "ide-hd,drive=d0,bus=ide.0,unit=0"])),
      runQemu(bootArgs("pc", ["-drive", `file=${theirs},format=raw`]), 120_000),
    ]);
    expect(a.stdout).toBe(b.stdout);
    expect(a.status).toBe(0x63);
    const check = spawnSync("qemu-img", ["check", qcow2], { encoding: "utf8" });
    expect(check.stdout + check.stderr).toContain("No errors were found on the image.");
    expect(check.status).toBe(0);
    const cmp = spawnSync("qemu-img", ["compare", "-f", "qcow2", "-F", "raw", qcow2, theirs], { encoding: "utf8" });
    expect(cmp.stdout.trim()).toBe("Images are identical.");
    expect(cmp.status).toBe(0);
  }, 180_000);
});

const d = join(dir, "d.img");
const e = join(dir, "e.img");
writeFileSync(d, new Uint8Array(1 << 20));
writeFileSync(e, new Uint8Array(1 << 20));
const none = (id: string, file = d): string[] => ["-drive", `file=${file},format=raw,if=none,id=${id}`];

/** packages/qemu/guests/cmos-dump.asm: copies CMOS bytes 0Eh-7Fh to the debug console, then exits. */
const CMOS_DUMP = join(QEMU_GUESTS, "cmos-dump.bin");

/** An image whose MBR has one partition ending at head `endHead`, sector 32 (the LCHS QEMU guesses from). */
function mbrImage(name: string, endHead: number, size: number): string {
  const b = new Uint8Array(512);
  const p = 0x1be;
  b[p + 4] = 0x83;
  b[p + 5] = endHead;
  b[p + 6] = 32;
  new DataView(b.buffer).setUint32(p + 12, 1000, true);
  b[510] = 0x55;
  b[511] = 0xaa;
  const path = join(dir, name);
  writeFileSync(path, b);
  truncateSync(path, size);
  return path;
}

describe.skipIf(!hasQemu)("CMOS disk fields (types, geometry, translation) as QEMU's pc_cmos_init_late writes them", () => {
  it("for disks sized below and above 1024 cylinders and MBRs with 8 and 255 heads", async () => {
    const small = diskImage("cmos-small.img");
    const large = join(dir, "cmos-large.img");
    writeFileSync(large, "");
    truncateSync(large, 600 << 20);
    const heads8 = mbrImage("cmos-h8.img", 7, 64 << 20);
    const heads255 = mbrImage("cmos-h255.img", 254, 600 << 20);
    const raw = (f: string, i: number): string[] => ["-drive", `file=${f},format=raw,index=${i}`];
    for (const disks of [[...raw(small, 0)], [...raw(small, 0), ...raw(large, 1), ...raw(heads8, 2)], [...raw(heads255, 0), ...raw(heads8, 1), ...raw(large, 3)]]) {
      const args = ["-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-bios", CMOS_DUMP, "-debugcon", "stdio", "-device", "isa-debug-exit", ...disks];
      const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args)]);
      expect(ours.stdout).toBe(qemu.stdout);
      expect(ours.stdout.length).toBe(0x72);
      expect(ours.stdout.charCodeAt(0x12 - 0x0e)).not.toBe(0); // a disk type is there
    }
  }, 120_000);
});

/** IDE command lines QEMU refuses, with its exact message and status. */
const BAD_IDE_LINES: string[][] = [
  ["-drive", `file=${d},format=raw,if=ide,index=4`],
  ["-drive", `file=${d},format=raw,index=0`, "-drive", `file=${e},format=raw,index=0`],
  ["-drive", `file=${d},format=raw,unit=2`],
  ["-drive", `file=${d},format=raw,index=0,unit=1`],
  ["-drive", `file=${d},format=raw,if=ide,bus=2`],
  ["-drive", `file=${d},format=raw,index=x`],
  ["-drive", `file=${d},format=raw,if=scsi`],
  ["-drive", `file=${d},format=raw,if=foo`],
  ["-drive", `file=${d},format=raw,readonly=on`],
  [...none("d0"), "-device", "ide-hd,drive=d0,bus=ide.2"],
  [...none("d0"), "-device", "ide-hd,drive=d0,unit=2"],
  [...none("d0"), "-device", "ide-hd,drive=d1"],
  [...none("d0"), "-device", "ide-hd"],
  [...none("d0"), "-device", "ide-hd,drive=d0,foo=1"],
  [...none("d0"), "-device", "ide-hd,drive=d0", "-device", "ide-hd,drive=d0"],
  ["-drive", `file=${d},format=raw,if=none,id=d0,readonly=on`, "-device", "ide-hd,drive=d0"],
  ["-hda", d, ...none("d0", e), "-device", "ide-hd,drive=d0,bus=ide.0,unit=0"],
  [...none("d0"), "-device", "ide-hd,drive=d0,bus=ide.0", ...none("d1", e), "-device", "ide-hd,drive=d1,bus=ide.0", ...none("d2", e), "-device", "ide-hd,drive=d2,bus=ide.0"],
  ["-M", "isapc", "-drive", `file=${d},format=raw,index=4`],
];

describe.skipIf(!hasQemu)("refused IDE command lines: QEMU's error text and exit status", () => {
  for (const bad of BAD_IDE_LINES) {
    it(bad.join(" ").replaceAll(dir, "DIR"), async () => {
      const args = ["-display", "none", "-nodefaults", "-bios", SEABIOS, "-S", ...bad];
      const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args, 10_000)]);
      expect(withoutCpuWarnings(ours.stderr)).toBe(withoutCpuWarnings(qemu.stderr));
      expect(ours.status).toBe(qemu.status);
    });
  }
});
