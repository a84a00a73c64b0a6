/**
 * Debian's i386 Linux through the whole stack (tooling/guests/linux): our CPU under our VMX and kvm, the pc
 * machine with the virtio devices on PCI, direct kernel boot, the console on qemu-system's stdio.
 *
 * The normal suite boots this guest once, through the whole daemon path instead: apps/libvirtd's
 * linux-guest-virsh.test.ts (our virsh → our libvirtd → the qemu driver → this qemu-system, the same session
 * over `virsh console`). Here, with VIRTKIT_LINUX_BOOT=1 only: the boot of the uncompressed vmlinux to the
 * initramfs marker, and the scripted session (tooling/guests/src/linux-boot-session.ts, also
 * tooling/guests/linux/boot-test.sh) on both boot paths — bzImage and vmlinux — to the shell prompt, the checks
 * a person would make, and `reboot -f`. Without apt or network the guest cannot be assembled: the tests skip and
 * say why.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type BootPath,
  GUEST_WRITTEN_TEXT,
  LINUX_CONSOLE_FAULTS,
  LINUX_SESSION_EXPECTATIONS,
  VIRTKIT_QEMU_CLI,
  bootToMarker,
  fmt,
  guestFileOnHost,
  runLinuxSession,
  tryBuildLinuxGuest,
} from "@virtkit/guests";

const full = process.env.VIRTKIT_LINUX_BOOT === "1";
// Without VIRTKIT_LINUX_BOOT nothing here runs: do not fetch or build the guest for nothing.
const guest: ReturnType<typeof tryBuildLinuxGuest> = full ? tryBuildLinuxGuest() : { why: "VIRTKIT_LINUX_BOOT is not 1" };
const built = existsSync(VIRTKIT_QEMU_CLI);
const skipReason = !full
  ? "the Linux boots on qemu-system run only with VIRTKIT_LINUX_BOOT=1 (tooling/guests/linux/boot-test.sh); the suite boots the guest through virsh and libvirtd (apps/libvirtd/src/linux-guest-virsh.test.ts)"
  : guest.paths === undefined
    ? `the Debian guest cannot be assembled here: ${guest.why ?? ""}`
    : !built
      ? `${VIRTKIT_QEMU_CLI} is not built`
      : undefined;
if (skipReason !== undefined) console.warn(`skipping the Linux guest boots on qemu-system: ${skipReason}`);

describe.skipIf(skipReason !== undefined)("Debian's i386 Linux on virtkit's qemu-system", () => {
  it("boots the vmlinux to the initramfs marker: the kernel, PCI interrupts, and the virtio modules /init loads", { timeout: 30 * 60_000 }, async () => {
    const r = await bootToMarker({ emulator: "virtkit", path: "vmlinux", guest: guest.paths!, allVirtio: false });
    console.log(`Linux (vmlinux) to the initramfs marker: ${fmt(r.toMarker)}`);
    expect(r.transcript).toContain("Linux version 6.1.0-50-686");
    expect(r.transcript).toMatch(/virtio_blk virtio0: \[vda\] 32768 512-byte logical blocks/);
    // Nothing on the way may be an unhandled error of ours (an unchecked MSR, a missing IRQ, an oops).
    expect(r.transcript).not.toMatch(LINUX_CONSOLE_FAULTS);
  });

  for (const path of ["bzImage", "vmlinux"] as BootPath[]) {
    it(`${path}: boots to the shell prompt; uname, cpuinfo, interrupts, virtio in dmesg, the disk read and written, reboot -f boots again`, { timeout: 60 * 60_000 }, async () => {
      const r = await runLinuxSession({ emulator: "virtkit", path, guest: guest.paths! }, (l) => console.log(`[${path}] ${l}`));
      for (const e of LINUX_SESSION_EXPECTATIONS) expect(r[e.name], e.what).toMatch(e.pattern);
      // The guest's write reached the image file: e2fsprogs reads it back on the host.
      expect(guestFileOnHost(r.diskImage)).toBe(`${GUEST_WRITTEN_TEXT}\n`);
    });
  }

  it("vmlinux with -machine pc,kernel_irqchip=on: the kvm module's PIC and PIT take the timer, serial and PCI INTx lines; the same session passes", { timeout: 60 * 60_000 }, async () => {
    const r = await runLinuxSession({ emulator: "virtkit", path: "vmlinux", guest: guest.paths!, machineOptions: "kernel_irqchip=on" }, (l) => console.log(`[kernel_irqchip=on] ${l}`));
    for (const e of LINUX_SESSION_EXPECTATIONS) expect(r[e.name], e.what).toMatch(e.pattern);
    // The kernel's 8259 pair is what Linux drives (XT-PIC), and its PIT ticks IRQ 0.
    expect(r.interrupts).toMatch(/^\s+0:\s+[1-9]\d*\s+XT-PIC\s+timer/m);
    expect(r.transcript).not.toMatch(LINUX_CONSOLE_FAULTS);
    expect(guestFileOnHost(r.diskImage)).toBe(`${GUEST_WRITTEN_TEXT}\n`);
  });
});
