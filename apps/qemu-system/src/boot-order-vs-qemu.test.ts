import { copyFileSync, existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildElToritoIso, cdTestPattern } from "../../../packages/qemu/src/hw/ide/testing/el-torito.js";
import { QEMU_GUESTS, hasQemu, runQemu, runVirtkit, withoutCpuWarnings } from "./testing/run.js";

/*
 * bootindex against the real qemu-system-i386 7.2: the fw_cfg "bootorder" file SeaBIOS reads. Its
 * debug console (port 402h) prints the list it parsed ("boot order:" then "N: path"); both
 * emulators must give the same list, and SeaBIOS must boot the device with the lowest bootindex:
 * the CD guest (packages/qemu/guests/cdrom-boot.bin) although a bootable disk (ide-disk.bin) is
 * present, and the disk when it has the lower index. These are the command lines libvirt 9.0 builds
 * (-boot strict=on, bootindex on the devices).
 */
const SEABIOS = "/usr/share/seabios/bios.bin";
const hasSeabios = existsSync(SEABIOS);
if (!hasQemu) console.warn("boot-order-vs-qemu: qemu-system-i386 not installed (Debian package qemu-system-x86), skipping");
if (!hasSeabios) console.warn(`boot-order-vs-qemu: ${SEABIOS} not found (Debian package seabios), skipping`);

const dir = mkdtempSync(join(tmpdir(), "virtkit-boot-order-vs-qemu-"));
const iso = join(dir, "boot.iso");
writeFileSync(iso, buildElToritoIso({ bootImage: new Uint8Array(readFileSync(join(QEMU_GUESTS, "cdrom-boot.bin"))), data: { lba: 32, bytes: cdTestPattern(32, 8) } }));

/** A fresh copy of the ide-disk guest per emulator (it writes to its disk; QEMU locks images). */
function diskCopy(name: string): string {
  const path = join(dir, name);
  copyFileSync(join(QEMU_GUESTS, "ide-disk.bin"), path);
  truncateSync(path, 4096 * 512);
  return path;
}

/** SeaBIOS's "boot order:" block from its debug output. */
function bootOrderBlock(debug: string): string[] {
  const lines = debug.split("\n");
  const at = lines.indexOf("boot order:");
  if (at < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (!/^\d+: /.test(l)) break;
    out.push(l);
  }
  return out;
}

async function bothRun(name: string, devices: (disk: string) => string[]): Promise<{ ours: { stdout: string; status: number; order: string[] }; qemu: { stdout: string; status: number; order: string[] } }> {
  const run = async (who: "ours" | "qemu"): Promise<{ stdout: string; stderr: string; status: number; order: string[] }> => {
    const debug = join(dir, `${name}-${who}.debug`);
    const args = [
      "-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-bios", SEABIOS, "-serial", "stdio", "-device", "isa-debug-exit",
      "-chardev", `file,id=seabios,path=${debug}`, "-device", "isa-debugcon,iobase=0x402,chardev=seabios", "-boot", "strict=on",
      ...devices(diskCopy(`${name}-${who}.img`)),
    ];
    const r = who === "ours" ? await runVirtkit(args) : await runQemu(args, 120_000);
    return { ...r, order: bootOrderBlock(existsSync(debug) ? readFileSync(debug, "latin1") : "") };
  };
  const [ours, qemu] = await Promise.all([run("ours"), run("qemu")]);
  expect(withoutCpuWarnings(ours.stderr)).toBe(withoutCpuWarnings(qemu.stderr));
  return { ours, qemu };
}

describe.skipIf(!hasQemu || !hasSeabios)("bootindex: the firmware's boot order on virtkit and qemu-system-i386", () => {
  it("the CD with the lower bootindex boots before a bootable disk", async () => {
    const { ours, qemu } = await bothRun("cd-first", (disk) => [
      "-drive", `file=${disk},format=raw,if=none,id=disk0`, "-device", "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=2",
      "-drive", `file=${iso},format=raw,if=none,id=cd0,media=cdrom`, "-device", "ide-cd,drive=cd0,bus=ide.1,unit=0,bootindex=1",
    ]);
    expect(ours.order).toEqual(qemu.order);
    expect(ours.order).toEqual(["1: /pci@i0cf8/ide@1,1/drive@1/disk@0", "2: /pci@i0cf8/ide@1,1/drive@0/disk@0", "3: HALT"]);
    expect(ours.stdout).toBe(qemu.stdout);
    expect(ours.stdout).toMatch(/^cdrom-boot: booted from the CD/);
    expect(ours.status).toBe(0x63);
    expect(qemu.status).toBe(0x63);
  }, 180_000);

  it("the disk boots when it has the lower bootindex (CD on the primary slave, virtio-blk last)", async () => {
    const spare = join(dir, "spare.img");
    writeFileSync(spare, new Uint8Array(1 << 20));
    const { ours, qemu } = await bothRun("disk-first", (disk) => [
      "-drive", `file=${disk},format=raw,if=none,id=disk0`, "-device", "ide-hd,drive=disk0,bus=ide.0,unit=0,bootindex=1",
      "-drive", `file=${iso},format=raw,if=none,id=cd0,media=cdrom`, "-device", "ide-cd,drive=cd0,bus=ide.0,unit=1,bootindex=5",
      "-drive", `file=${spare},format=raw,if=none,id=vd0,readonly=on`, "-device", "virtio-blk-pci,drive=vd0,addr=0x4,bootindex=9",
    ]);
    expect(ours.order).toEqual(qemu.order);
    expect(ours.order).toEqual(["1: /pci@i0cf8/ide@1,1/drive@0/disk@0", "2: /pci@i0cf8/ide@1,1/drive@0/disk@1", "3: /pci@i0cf8/scsi@4/disk@0,0", "4: HALT"]);
    expect(ours.stdout).toBe(qemu.stdout);
    expect(ours.stdout).not.toContain("cdrom-boot");
    expect(ours.status).toBe(0x63);
  }, 180_000);

  it("a bootindex used twice is refused with QEMU's message", async () => {
    const args = ["-display", "none", "-nodefaults", "-bios", SEABIOS, "-S", "-device", "ide-cd,bootindex=1", "-device", "ide-cd,bootindex=1"];
    const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args, 10_000)]);
    expect(withoutCpuWarnings(ours.stderr)).toBe(withoutCpuWarnings(qemu.stderr));
    expect(ours.stderr).toContain("The bootindex 1 has already been used");
    expect(ours.status).toBe(qemu.status);
  });

  it("bootindex=x and -boot strict=maybe: QEMU's messages", async () => {
    for (const bad of [["-device", "ide-cd,bootindex=x"], ["-boot", "strict=maybe"]]) {
      const args = ["-display", "none", "-nodefaults", "-bios", SEABIOS, "-S", ...bad];
      const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args, 10_000)]);
      expect(withoutCpuWarnings(ours.stderr)).toBe(withoutCpuWarnings(qemu.stderr));
      expect(ours.status).toBe(qemu.status);
    }
  });
});
