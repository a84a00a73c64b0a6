import { fwCfgString } from "./fw-cfg.js";

/*
 * The fw_cfg "bootorder" file (QEMU softmmu/bootdevice.c get_boot_devices_list): the firmware
 * device paths (Open Firmware style, qdev_get_fw_dev_path) of the devices with a bootindex, lowest
 * index first, one per line, NUL-terminated; with -boot strict=on a last line "HALT" tells SeaBIOS
 * not to try other devices. Empty when no device has a bootindex.
 */

export class BootIndexError extends Error {}

/** The PCI host bridge of the pc machines (i440FX, config ports at 0xcf8: "i" for I/O space). */
export const PC_PCI_HOST_FW_PATH = "/pci@i0cf8";

/** pci_dev_fw_name + pcibus_get_fw_dev_path: "name@slot" or "name@slot,fn". */
export function pciFwPath(name: string, slot: number, fn: number): string {
  return `${PC_PCI_HOST_FW_PATH}/${name}@${slot.toString(16)}${fn === 0 ? "" : `,${fn.toString(16)}`}`;
}

/**
 * An IDE device: idebus_get_fw_dev_path "drive@<bus id>" under its controller, then the
 * "/disk@<unit>" suffix of ide_dev_get_bootindex. On the pc machine both channels hang off the
 * PIIX3 IDE function (00:01.1); isapc has one ISA IDE controller per channel, each named by its
 * first I/O port (isabus_get_fw_dev_path "%04x") with a single bus 0.
 */
export function ideFwPath(controller: { pci: true } | { pci: false; iobase: number }, bus: number, unit: number): string {
  const parent = controller.pci ? `${pciFwPath("ide", 1, 1)}/drive@${bus.toString(16)}` : `/isa/ide@${controller.iobase.toString(16).padStart(4, "0")}/drive@0`;
  return `${parent}/disk@${unit}`;
}

/** add_boot_device_path / check_boot_index and get_boot_devices_list. */
export class BootDeviceList {
  private readonly entries: { index: number; path: string }[] = [];

  /** Adds a device; a bootindex already taken is QEMU's error. */
  add(index: number, path: string): void {
    if (this.entries.some((e) => e.index === index)) {
      throw new BootIndexError(`The bootindex ${index} has already been used`);
    }
    this.entries.push({ index, path });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The paths in boot order (lowest bootindex first), plus "HALT" when strict. */
  paths(strict: boolean): string[] {
    const list = [...this.entries].sort((a, b) => a.index - b.index).map((e) => e.path);
    if (strict && list.length > 0) list.push("HALT");
    return list;
  }

  /** The "bootorder" file: newline-separated, NUL-terminated; no bytes when empty. */
  fileContents(strict: boolean): Uint8Array {
    const list = this.paths(strict);
    return list.length === 0 ? new Uint8Array(0) : fwCfgString(list.join("\n"));
  }
}
