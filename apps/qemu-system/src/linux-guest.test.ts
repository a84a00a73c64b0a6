/**
 * Debian's i386 Linux through the whole stack (tooling/guests/linux): our CPU under our VMX and kvm, the pc
 * machine with the virtio devices on PCI, direct kernel boot, the console on qemu-system's stdio.
 *
 * The normal suite boots this guest through the whole daemon path (apps/libvirtd's linux-guest-virsh.test.ts
 * and linux-guest-smp-virsh.test.ts: our virsh → our libvirtd → the qemu driver → this qemu-system, on the
 * default machine, whose interrupt controllers are the kvm module's). Here it boots once on the machine a
 * domain cannot ask for through libvirt: -machine kernel_irqchip=off, the device layer's own 8259 pair and
 * PIT and no local APIC, to the shell prompt and through the session's checks. With VIRTKIT_LINUX_BOOT=1 also:
 * the boot of the uncompressed vmlinux to the initramfs marker, and the whole scripted session
 * (tooling/guests/src/linux-boot-session.ts, also tooling/guests/linux/boot-test.sh) on both boot paths —
 * bzImage and vmlinux — to the shell prompt, the checks a person would make, and `reboot -f`. Without apt or
 * network the guest cannot be assembled: the tests skip and say why.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type BootPath,
  GUEST_WRITTEN_TEXT,
  LINUX_CONSOLE_FAULTS,
  VIRTKIT_QEMU_CLI,
  bootToMarker,
  fmt,
  guestFileOnHost,
  linuxSessionExpectations,
  runLinuxSession,
  tryBuildLinuxGuest,
} from "@virtkit/guests";

const full = process.env.VIRTKIT_LINUX_BOOT === "1";
const guest = tryBuildLinuxGuest();
const built = existsSync(VIRTKIT_QEMU_CLI);
const cannotBoot = guest.paths === undefined
  ? `the Debian guest cannot be assembled here: ${guest.why ?? ""}`
  : !built
    ? `${VIRTKIT_QEMU_CLI} is not built`
    : undefined;
const skipReason = cannotBoot ?? (full
  ? undefined
  : "the other Linux boots on qemu-system run only with VIRTKIT_LINUX_BOOT=1 (tooling/guests/linux/boot-test.sh); the suite boots the guest through virsh and libvirtd (apps/libvirtd/src/linux-guest-virsh.test.ts)");
if (cannotBoot !== undefined) console.warn(`skipping the Linux guest boots on qemu-system: ${cannotBoot}`);
else if (skipReason !== undefined) console.warn(`skipping the longer Linux guest boots on qemu-system: ${skipReason}`);

describe.skipIf(cannotBoot !== undefined)("Debian's i386 Linux on virtkit's qemu-system with kernel_irqchip=off", () => {
  it("vmlinux with -machine pc,kernel_irqchip=off: the device layer's 8259 pair and PIT take the timer, serial and PCI INTx lines; the session passes", { timeout: 60 * 60_000 }, async () => {
    const r = await runLinuxSession({ emulator: "virtkit", path: "vmlinux", guest: guest.paths!, machineOptions: "kernel_irqchip=off", reboot: false }, (l) => console.log(`[kernel_irqchip=off] ${l}`));
    for (const e of linuxSessionExpectations("8259")) expect(r[e.name], e.what).toMatch(e.pattern);
    // The user-space PIT ticks IRQ 0 on the user-space 8259 (XT-PIC), and there is no local APIC to tick.
    expect(r.interrupts).toMatch(/^\s+0:\s+[1-9]\d*\s+XT-PIC\s+timer/m);
    expect(r.interrupts).toMatch(/^\s*LOC:\s+0\s+Local timer interrupts/m);
    expect(r.transcript).not.toMatch(LINUX_CONSOLE_FAULTS);
    expect(guestFileOnHost(r.diskImage)).toBe(`${GUEST_WRITTEN_TEXT}\n`);
  });
});

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
      // the default machine: the kvm module's irqchip, so the IOAPIC and a local APIC
      for (const e of linuxSessionExpectations("ioapic")) expect(r[e.name], e.what).toMatch(e.pattern);
      // The guest's write reached the image file: e2fsprogs reads it back on the host.
      expect(guestFileOnHost(r.diskImage)).toBe(`${GUEST_WRITTEN_TEXT}\n`);
    });
  }
});
