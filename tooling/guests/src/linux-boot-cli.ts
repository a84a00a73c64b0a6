/**
 * tooling/guests/linux/boot-test.sh: the scripted session (linux-boot-session.ts) on our qemu-system or the real
 * qemu-system-i386, printing each step's output and the boot times. Exit status 0 passed, 1 failed, 2 skipped
 * (the guest could not be assembled here or the emulator is missing; the message says why).
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { hasCommand } from "./host-tools.js";
import { type BootPath, type Emulator, VIRTKIT_QEMU_CLI, bootToMarker, fmt, runLinuxSession } from "./linux-boot-session.js";
import { LinuxGuestError, buildLinuxGuest } from "./linux-guest.js";

const USAGE = "usage: boot-test.sh [--emulator virtkit|qemu] [--path bzImage|vmlinux] [--marker-only] [--append PARAMS] [--only-blk] [--console FILE]";

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        emulator: { type: "string", default: "virtkit" },
        path: { type: "string", default: "bzImage" },
        "marker-only": { type: "boolean" },
        append: { type: "string" },
        "only-blk": { type: "boolean" },
        console: { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (e) {
    process.stderr.write(`boot-test.sh: ${(e as Error).message}\n${USAGE}\n`);
    return 1;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const emulator = values.emulator as Emulator;
  const path = values.path as BootPath;
  if (!["virtkit", "qemu"].includes(emulator) || !["bzImage", "vmlinux"].includes(path)) {
    process.stderr.write(`boot-test.sh: unknown emulator or boot path\n${USAGE}\n`);
    return 1;
  }
  if (emulator === "qemu" && !hasCommand("qemu-system-i386")) {
    process.stderr.write("boot-test.sh: SKIP: qemu-system-i386 is not installed (Debian package qemu-system-x86)\n");
    return 2;
  }
  if (emulator === "qemu" && path === "vmlinux") {
    process.stderr.write("boot-test.sh: the real QEMU boots an ELF kernel only through its PVH note, which this kernel lacks (CONFIG_PVH is off)\n");
    return 1;
  }
  if (emulator === "virtkit" && !existsSync(VIRTKIT_QEMU_CLI)) {
    process.stderr.write(`boot-test.sh: ${VIRTKIT_QEMU_CLI} is missing: run 'pnpm --filter qemu-system... build' first\n`);
    return 1;
  }
  let guest;
  try {
    guest = buildLinuxGuest({ log: (l) => process.stderr.write(`build: ${l}\n`) });
  } catch (e) {
    if (e instanceof LinuxGuestError) {
      const skip = /cannot fetch|does not know/.test(e.message);
      process.stderr.write(`boot-test.sh: ${skip ? "SKIP: " : ""}${e.message}\n`);
      return skip ? 2 : 1;
    }
    throw e;
  }
  const opts = { emulator, path, guest, ...(values.append !== undefined ? { append: values.append } : {}), allVirtio: values["only-blk"] !== true, ...(values.console !== undefined ? { consoleLog: values.console } : {}) };
  if (values["marker-only"] === true) {
    const r = await bootToMarker(opts);
    process.stdout.write(`${r.argv.join(" ")}\ninitramfs marker after ${fmt(r.toMarker)}\n`);
    return 0;
  }
  const r = await runLinuxSession(opts, (l) => process.stdout.write(`boot-test: ${l}\n`));
  const section = (title: string, body: string): void => void process.stdout.write(`--- ${title}\n${body.trimEnd()}\n`);
  section("uname -a", r.uname);
  section("cat /proc/cpuinfo", r.cpuinfo);
  section("cat /proc/interrupts", r.interrupts);
  section("dmesg | grep -i virtio", r.dmesgVirtio);
  section("cat /mnt/disk/hello.txt", r.diskHello);
  section("cat /mnt/disk/guest.txt (after umount and mount)", r.diskReadBack);
  process.stdout.write(`--- times (${emulator}, ${path})\nto the initramfs marker: ${fmt(r.toMarker)}\nto the shell prompt:     ${fmt(r.toPrompt)}\nreboot -f to the prompt: ${r.rebootToPrompt === undefined ? "-" : fmt(r.rebootToPrompt)}\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`boot-test.sh: FAIL: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
