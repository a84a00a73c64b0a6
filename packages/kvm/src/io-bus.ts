/**
 * The kernel's I/O buses (virt/kvm/kvm_main.c kvm_io_bus_*): KVM_PIO_BUS and KVM_MMIO_BUS hold the
 * in-kernel devices (PIC, PIT, IOAPIC) and ioeventfds. A guest access is offered to the devices whose
 * range contains it; a device may decline (an ioeventfd whose datamatch differs), and an access no device
 * takes goes to user space as KVM_EXIT_IO / KVM_EXIT_MMIO. A device has the same {read, write} shape as a
 * user-space device model, so moving one between kernel and user space is a registration change.
 */
import { EEXIST, ENOENT, ENOSPC } from "./uapi/errno.js";

/**
 * A device on an I/O bus. `offset` is relative to the base it was registered at. `read` returns the value
 * (or undefined to decline); `write` returns false to decline (kvm_iodevice_write's -EOPNOTSUPP).
 */
export interface KvmIoDevice {
  read(offset: number, size: number): number | undefined;
  write(offset: number, size: number, value: number): boolean | undefined;
}

export interface KvmIoRange {
  readonly base: number;
  readonly len: number;
  readonly dev: KvmIoDevice;
}

/** NR_IOBUS_DEVS (include/linux/kvm_host.h). */
export const NR_IOBUS_DEVS = 1000;

export class KvmIoBus {
  /** Sorted by base (kvm_io_bus_sort_cmp); several devices may share an address (ioeventfds). */
  private ranges: KvmIoRange[] = [];

  constructor(readonly name: "pio" | "mmio") {}

  get devices(): readonly KvmIoRange[] {
    return this.ranges;
  }

  /** kvm_io_bus_register_dev. The same device object twice at one base is EEXIST. */
  register(base: number, len: number, dev: KvmIoDevice): number {
    if (this.ranges.length >= NR_IOBUS_DEVS) return -ENOSPC;
    if (this.ranges.some((r) => r.dev === dev && r.base === base)) return -EEXIST;
    const r: KvmIoRange = { base, len, dev };
    let i = this.ranges.length;
    while (i > 0 && this.ranges[i - 1]!.base > base) i--;
    this.ranges = [...this.ranges.slice(0, i), r, ...this.ranges.slice(i)];
    return 0;
  }

  /** kvm_io_bus_unregister_dev: removes every range of `dev`; ENOENT when it had none. */
  unregister(dev: KvmIoDevice): number {
    const before = this.ranges.length;
    this.ranges = this.ranges.filter((r) => r.dev !== dev);
    return this.ranges.length === before ? -ENOENT : 0;
  }

  /** kvm_io_bus_write: true when a device took the access. */
  write(addr: number, size: number, value: number): boolean {
    const rs = this.ranges;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      if (r.base > addr) break;
      // The whole access must fall inside the device's range (kvm_io_bus_cmp).
      if (addr + size <= r.base + r.len && r.dev.write(addr - r.base, size, value) !== false) return true;
    }
    return false;
  }

  /** kvm_io_bus_read: the value, or undefined when no device took the access. */
  read(addr: number, size: number): number | undefined {
    const rs = this.ranges;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      if (r.base > addr) break;
      if (addr + size <= r.base + r.len) {
        const v = r.dev.read(addr - r.base, size);
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }
}
