// The bundled guest as a libvirt domain: tooling/guests/virtkit-demo/demo.bin (a multiboot v1
// kernel: banner on COM1, a legacy virtio-blk driver, a small command shell) booted directly with
// <kernel>, its first disk a raw image whose first sector starts with a line the guest prints,
// its serial port as the console, and virtkit's own qemu-system-i386 as the <emulator>.
import { writeFileSync, truncateSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_KERNEL } from "@virtkit/guests";

export { DEMO_KERNEL };

/** Size of the demo's disk: 2048 sectors, which the guest reports at boot ("virtio-blk: 2048 sectors"). */
export const DEMO_DISK_BYTES = 1 << 20;

/** The line the guest finds in sector 0 and prints at boot and for `disk`. */
export const DEMO_DISK_LINE = "hello from the virtkit demo disk";

/** The commands demo.asm's shell answers (its cmd_* table). */
export const DEMO_GUEST_COMMANDS = ["help", "info", "disk", "read", "write TEXT", "reboot", "halt"] as const;

/**
 * virtkit's qemu-system-i386 (apps/qemu-system's CLI, a workspace dependency of this app): named
 * in the domain XML as libvirt names any emulator binary. The qemu driver runs a `.js` emulator
 * with the Node that runs the driver.
 */
export function virtkitEmulator(): string {
  return join(dirname(fileURLToPath(import.meta.resolve("qemu-system"))), "cli.js");
}

/**
 * A raw disk image: the first sector starts with `line` and a newline (the guest prints the first
 * sector up to the newline), the rest is zeros — sector 1 is where the guest's `write` goes.
 */
export function createDemoDisk(path: string, line = DEMO_DISK_LINE): void {
  writeFileSync(path, `${line}\n`, { mode: 0o644 });
  truncateSync(path, DEMO_DISK_BYTES);
}

export interface DemoDomainOptions {
  name: string;
  disk: string;
  kernel?: string;
  emulator?: string;
}

function xmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;");
}

/**
 * The domain XML a person would write for the guest. Machine 'pc' without USB or a memory balloon
 * (the guest drives neither); the <serial type='pty'> is the console `virsh console` attaches to.
 */
export function demoDomainXML(o: DemoDomainOptions): string {
  return `<domain type='kvm'>
  <name>${xmlText(o.name)}</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='i686' machine='pc'>hvm</type>
    <kernel>${xmlText(o.kernel ?? DEMO_KERNEL)}</kernel>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>${xmlText(o.emulator ?? virtkitEmulator())}</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${xmlText(o.disk)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
