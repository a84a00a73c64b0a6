/**
 * The scripted session on the Linux guest (tooling/guests/linux/boot-test.sh and the VIRTKIT_LINUX_BOOT test):
 * boot to the initramfs marker and the busybox prompt, then what a person would check on a new machine —
 * uname, /proc/cpuinfo, /proc/interrupts, the virtio lines of dmesg, the virtio disk mounted, read and
 * written — and `reboot -f`, after which the machine must reset and boot to the prompt again.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INIT_MARKER, LINUX_CMDLINE, SHELL_PROMPT, type LinuxGuestPaths } from "./linux-guest.js";
import { type ProcessTimes, SerialSession } from "./serial-session.js";

/** apps/qemu-system's CLI in this repository (built by `pnpm --filter qemu-system build`). */
export const VIRTKIT_QEMU_CLI = fileURLToPath(new URL("../../../apps/qemu-system/dist/cli.js", import.meta.url));

export type Emulator = "virtkit" | "qemu";
export type BootPath = "bzImage" | "vmlinux";

export interface BootOptions {
  emulator: Emulator;
  path: BootPath;
  guest: Pick<LinuxGuestPaths, "vmlinuz" | "vmlinux" | "initramfs" | "disk">;
  /** Extra kernel parameters after LINUX_CMDLINE. */
  append?: string;
  memoryMiB?: number;
  /** Also plug virtio-net, virtio-serial (virtio_console) and virtio-rng (default true). */
  allVirtio?: boolean;
  /** A file that gets the console output as it arrives. */
  consoleLog?: string;
}

/** The command line (argv) for either emulator: the same machine, devices and console. */
export function bootArgv(o: BootOptions, disk: string): string[] {
  const kernel = o.path === "bzImage" ? o.guest.vmlinuz : o.guest.vmlinux;
  const cmdline = o.append === undefined || o.append === "" ? LINUX_CMDLINE : `${LINUX_CMDLINE} ${o.append}`;
  const args = [
    "-M", "pc", "-m", String(o.memoryMiB ?? 256), "-nodefaults", "-display", "none",
    "-kernel", kernel, "-initrd", o.guest.initramfs, "-append", cmdline,
    "-drive", `file=${disk},if=virtio,format=raw`,
    "-serial", "stdio",
  ];
  if (o.allVirtio !== false) {
    args.push("-device", "virtio-rng-pci", "-device", "virtio-serial-pci", "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0");
  }
  return o.emulator === "virtkit" ? [process.execPath, VIRTKIT_QEMU_CLI, ...args] : ["qemu-system-i386", "-accel", "tcg", ...args];
}

export interface SessionResult {
  argv: string[];
  toMarker: ProcessTimes;
  toPrompt: ProcessTimes;
  uname: string;
  cpuinfo: string;
  interrupts: string;
  dmesgVirtio: string;
  diskHello: string;
  diskReadBack: string;
  /** The second boot (after `reboot -f`), from typing the command to the prompt. */
  rebootToPrompt: ProcessTimes;
  diskImage: string;
  transcript: string;
}

/** Boots to the marker only (the CI smoke); returns the times. */
export async function bootToMarker(o: BootOptions): Promise<{ argv: string[]; toMarker: ProcessTimes; transcript: string }> {
  const disk = scratchDisk(o.guest.disk);
  const argv = bootArgv(o, disk);
  const s = new SerialSession(argv, o.consoleLog === undefined ? {} : { consoleLog: o.consoleLog });
  try {
    await s.expect(INIT_MARKER);
    return { argv, toMarker: s.times(), transcript: s.transcript };
  } finally {
    await s.kill();
  }
}

function scratchDisk(disk: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), "virtkit-linux-")), "disk.ext2");
  copyFileSync(disk, copy);
  return copy;
}

/** The whole scripted session; `log` sees each step as it happens. */
export async function runLinuxSession(o: BootOptions, log: (line: string) => void = () => undefined): Promise<SessionResult> {
  const disk = scratchDisk(o.guest.disk);
  const argv = bootArgv(o, disk);
  log(`$ ${argv.join(" ")}`);
  const s = new SerialSession(argv, o.consoleLog === undefined ? {} : { consoleLog: o.consoleLog });
  const p = SHELL_PROMPT;
  try {
    await s.expect(INIT_MARKER);
    const toMarker = s.times();
    log(`initramfs marker after ${fmt(toMarker)}`);
    await s.expect(p);
    const toPrompt = s.times();
    log(`shell prompt after ${fmt(toPrompt)}`);
    const uname = await s.run("uname -a", p);
    const cpuinfo = await s.run("cat /proc/cpuinfo", p);
    const interrupts = await s.run("cat /proc/interrupts", p);
    const dmesgVirtio = await s.run("dmesg | grep -i virtio", p);
    await s.run("mkdir -p /mnt/disk && mount -t ext2 /dev/vda /mnt/disk && echo mounted", p);
    const diskHello = await s.run("cat /mnt/disk/hello.txt", p);
    await s.run("echo written-by-the-guest > /mnt/disk/guest.txt && sync && umount /mnt/disk && echo unmounted", p);
    await s.run("mount -t ext2 /dev/vda /mnt/disk", p);
    const diskReadBack = await s.run("cat /mnt/disk/guest.txt && umount /mnt/disk", p);
    log("reboot -f");
    const before = s.times();
    s.type("reboot -f");
    await s.expect("Linux version");
    await s.expect(INIT_MARKER);
    await s.expect(p);
    const after = s.times();
    const rebootToPrompt = { wallMs: after.wallMs - before.wallMs, cpuMs: after.cpuMs - before.cpuMs };
    log(`prompt again ${fmt(rebootToPrompt)} after reboot -f`);
    return { argv, toMarker, toPrompt, uname, cpuinfo, interrupts, dmesgVirtio, diskHello, diskReadBack, rebootToPrompt, diskImage: disk, transcript: s.transcript };
  } finally {
    await s.kill();
  }
}

export function fmt(t: ProcessTimes): string {
  return `${(t.wallMs / 1000).toFixed(1)} s wall, ${(t.cpuMs / 1000).toFixed(1)} s CPU`;
}
