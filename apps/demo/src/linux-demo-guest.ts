// Debian's i386 Linux as the demo's domain, when tooling/guests can provide it (built once from
// Debian's packages where apt works; see tooling/guests/linux/README.md): the extracted vmlinux
// with the busybox initramfs, a copy of the ext2 disk on virtio, the serial console, and two vCPUs
// with the in-kernel irqchip (<ioapic driver='kvm'/>: local APICs and the IOAPIC), on virtkit's
// qemu-system-i386. The bundled guest (demo-guest.ts) is the demo wherever this one is not available.
import { copyFileSync } from "node:fs";
import { SHELL_PROMPT, linuxDomainXml, type LinuxGuestPaths } from "@virtkit/guests";
import { virtkitEmulator } from "./demo-guest.js";

export { SHELL_PROMPT as LINUX_PROMPT };

/** What the demo types into the Linux guest's shell when nobody is at a terminal. */
export const LINUX_CONSOLE_SCRIPT = [
  "uname -a",
  "grep -m1 'model name' /proc/cpuinfo",
  "grep -c ^processor /proc/cpuinfo",
  "mount -t ext2 /dev/vda /mnt && cat /mnt/hello.txt && umount /mnt",
] as const;

/** Copies the guest's disk to `disk` (the guest writes to it) and returns the domain XML for `name`. */
export function linuxDemoDomain(guest: LinuxGuestPaths, name: string, disk: string): string {
  copyFileSync(guest.disk, disk);
  return linuxDomainXml({ ...guest, disk }, { name, kernel: guest.vmlinux, emulator: virtkitEmulator(), vcpus: 2, kernelIrqchip: true });
}
