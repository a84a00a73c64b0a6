/**
 * The libvirt domain XML for the Linux guest (https://libvirt.org/formatdomain.html): direct kernel boot
 * (<kernel>, <initrd>, <cmdline>) on the pc machine with the kvm accelerator, the ext2 image as a virtio disk,
 * COM1 as a pty serial console, and the other virtio devices the initramfs loads drivers for (virtio-net on
 * the user network, virtio-serial, virtio-rng). ACPI is left out of <features>: the pc machine has none yet.
 * No USB controller (libvirt would add a PIIX3 UHCI, which virtkit's qemu-system does not provide), and
 * `emulator` names the QEMU binary: the real one or virtkit's apps/qemu-system CLI.
 */
import { LINUX_CMDLINE, type LinuxGuestPaths } from "./linux-guest.js";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface LinuxDomainOptions {
  name?: string;
  memoryMiB?: number;
  kernel?: string;
  emulator?: string;
  /** <vcpu> (default 1). */
  vcpus?: number;
  /**
   * <features><ioapic driver='kvm'/>: the PIC, IOAPIC, local APICs and PIT in the kvm module (the emulator's
   * kernel_irqchip=on) — what a guest needs to use the local APICs and to start a second vCPU.
   */
  kernelIrqchip?: boolean;
}

export function linuxDomainXml(paths: Pick<LinuxGuestPaths, "vmlinuz" | "initramfs" | "disk">, opts: LinuxDomainOptions = {}): string {
  const features = opts.kernelIrqchip === true ? "  <features>\n    <ioapic driver='kvm'/>\n  </features>\n" : "";
  return `<domain type='kvm'>
  <name>${esc(opts.name ?? "virtkit-linux")}</name>
  <memory unit='MiB'>${String(opts.memoryMiB ?? 256)}</memory>
  <vcpu>${String(opts.vcpus ?? 1)}</vcpu>
  <os>
    <type arch='i686' machine='pc'>hvm</type>
    <kernel>${esc(opts.kernel ?? paths.vmlinuz)}</kernel>
    <initrd>${esc(paths.initramfs)}</initrd>
    <cmdline>${esc(LINUX_CMDLINE)}</cmdline>
  </os>
${features}  <on_reboot>restart</on_reboot>
  <devices>
    <emulator>${esc(opts.emulator ?? "/usr/bin/qemu-system-i386")}</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${esc(paths.disk)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <controller type='virtio-serial' index='0'/>
    <interface type='user'>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target type='isa-serial' port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
