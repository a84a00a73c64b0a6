/**
 * Debian's i386 Linux through the whole stack (tooling/guests/linux): our CPU under our VMX and kvm, the pc
 * machine with the virtio devices on PCI, direct kernel boot.
 *
 * The suite boots the uncompressed vmlinux to the initramfs marker (the kernel's whole boot, PCI probing,
 * the virtio modules loaded by /init). VIRTKIT_LINUX_BOOT=1 adds the scripted session on both boot paths —
 * bzImage and vmlinux — to the shell prompt, the checks a person would make, and `reboot -f` (also
 * tooling/guests/linux/boot-test.sh). Without apt or network the guest cannot be assembled: the tests skip
 * and say why.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BootPath, DISK_HELLO, LinuxGuestError, VIRTKIT_QEMU_CLI, aptUnavailableReason, bootToMarker, buildLinuxGuest, fmt, runLinuxSession } from "@virtkit/guests";

const guest: { paths?: ReturnType<typeof buildLinuxGuest>; why?: string } = (() => {
  const noApt = aptUnavailableReason();
  if (noApt !== undefined) return { why: noApt };
  try {
    return { paths: buildLinuxGuest() };
  } catch (e) {
    if (e instanceof LinuxGuestError) return { why: e.message.split("\n")[0] };
    throw e;
  }
})();
const built = existsSync(VIRTKIT_QEMU_CLI);
const skipReason = guest.paths === undefined ? `the Debian guest cannot be assembled here: ${guest.why ?? ""}` : !built ? `${VIRTKIT_QEMU_CLI} is not built` : undefined;
if (skipReason !== undefined) console.warn(`skipping the Linux guest boot: ${skipReason}`);
const full = process.env.VIRTKIT_LINUX_BOOT === "1";
if (!full) console.warn("the whole Linux session (prompt, commands, reboot) runs only with VIRTKIT_LINUX_BOOT=1 (tooling/guests/linux/boot-test.sh)");

describe.skipIf(skipReason !== undefined)("Debian's i386 Linux on virtkit", () => {
  it("boots the vmlinux to the initramfs marker: the kernel, PCI interrupts, and the virtio modules /init loads", { timeout: 30 * 60_000 }, async () => {
    const r = await bootToMarker({ emulator: "virtkit", path: "vmlinux", guest: guest.paths!, allVirtio: false });
    console.log(`Linux (vmlinux) to the initramfs marker: ${fmt(r.toMarker)}`);
    expect(r.transcript).toContain("Linux version 6.1.0-50-686");
    expect(r.transcript).toMatch(/virtio_blk virtio0: \[vda\] 32768 512-byte logical blocks/);
    // Nothing on the way may be an unhandled error of ours (an unchecked MSR, a missing IRQ, an oops).
    expect(r.transcript).not.toMatch(/unchecked MSR access|can't find IRQ|BUG:|Oops|Call Trace/);
  });

  for (const path of ["bzImage", "vmlinux"] as BootPath[]) {
    it.skipIf(!full)(`${path}: boots to the shell prompt; uname, cpuinfo, interrupts, virtio in dmesg, the disk read and written, reboot -f boots again`, { timeout: 60 * 60_000 }, async () => {
      const r = await runLinuxSession({ emulator: "virtkit", path, guest: guest.paths! }, (l) => console.log(`[${path}] ${l}`));
      expect(r.uname).toMatch(/^Linux virtkit 6\.1\.0-50-686 #1 SMP PREEMPT_DYNAMIC Debian 6\.1\.176-1 .* i686 GNU\/Linux/m);
      expect(r.cpuinfo).toMatch(/^model name\s*: QEMU Virtual CPU version 2\.5\+/m);
      expect(r.interrupts).toMatch(/^\s*4:\s+\d+\s+XT-PIC\s+ttyS0/m);
      expect(r.interrupts).toMatch(/virtio0/);
      expect(r.dmesgVirtio).toMatch(/virtio_blk virtio\d: \[vda\]/);
      expect(r.diskHello).toBe(DISK_HELLO);
      expect(r.diskReadBack.trim()).toBe("written-by-the-guest");
      // The guest's write reached the image file: e2fsprogs reads it back on the host.
      const hostView = execFileSync("debugfs", ["-R", "cat /guest.txt", r.diskImage], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      expect(hostView).toBe("written-by-the-guest\n");
    });
  }
});
