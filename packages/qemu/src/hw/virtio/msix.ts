import type { IoDevice } from "../io-device.js";
import { PCI_CAP_ID_MSIX, type PciDevice } from "../pci-device.js";

/*
 * MSI-X (PCI Local Bus Specification 3.0, 6.8.2; QEMU hw/pci/msix.c msix_init_exclusive_bar): a
 * capability in config space, a vector table (address, data, vector control per entry) and a
 * pending bit array in a memory BAR of the function's own. A vector fires by writing its data to
 * its address (an MSI to the local APICs); a masked vector latches its pending bit instead and
 * fires when unmasked.
 */

export const PCI_MSIX_FLAGS = 2;
export const PCI_MSIX_TABLE = 4;
export const PCI_MSIX_PBA = 8;
export const PCI_MSIX_CAP_SIZE = 12;
export const PCI_MSIX_FLAGS_QSIZE = 0x07ff;
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;
export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
export const PCI_MSIX_ENTRY_SIZE = 16;
export const PCI_MSIX_ENTRY_LOWER_ADDR = 0;
export const PCI_MSIX_ENTRY_UPPER_ADDR = 4;
export const PCI_MSIX_ENTRY_DATA = 8;
export const PCI_MSIX_ENTRY_VECTOR_CTRL = 12;
export const PCI_MSIX_ENTRY_CTRL_MASKBIT = 1;
/** QEMU's exclusive MSI-X BAR: 4 KiB, table at 0, PBA at 2 KiB. */
export const MSIX_EXCLUSIVE_BAR_SIZE = 4096;
export const MSIX_PBA_OFFSET = 2048;

/** Delivers one MSI: a 32-bit write of `data` to `address` (KVM_SIGNAL_MSI on kvm). */
export type MsiSink = (addressLo: number, addressHi: number, data: number) => void;

export interface MsixState {
  table: number[];
  pba: number[];
}

export class Msix {
  readonly table: Uint8Array;
  private readonly tableView: DataView;
  readonly pba: Uint8Array;
  /** The table and PBA BAR: map it on the MMIO bus where the BAR decodes. */
  readonly mmio: IoDevice;
  readonly cap: number;

  constructor(
    private readonly dev: PciDevice,
    readonly vectors: number,
    readonly bar: number,
    private readonly sink: MsiSink,
  ) {
    this.table = new Uint8Array(vectors * PCI_MSIX_ENTRY_SIZE);
    this.tableView = new DataView(this.table.buffer);
    this.pba = new Uint8Array(MSIX_EXCLUSIVE_BAR_SIZE - MSIX_PBA_OFFSET);
    dev.registerBar(bar, { type: "mem32", size: MSIX_EXCLUSIVE_BAR_SIZE });
    const cap = dev.addCapability(PCI_CAP_ID_MSIX, PCI_MSIX_CAP_SIZE);
    this.cap = cap;
    const c = dev.config;
    c[cap + PCI_MSIX_FLAGS] = (vectors - 1) & 0xff;
    c[cap + PCI_MSIX_FLAGS + 1] = ((vectors - 1) >> 8) & 0x07;
    writeLong(c, cap + PCI_MSIX_TABLE, 0 | bar);
    writeLong(c, cap + PCI_MSIX_PBA, MSIX_PBA_OFFSET | bar);
    // Only the enable and function-mask bits are writable (QEMU msix_init).
    dev.wmask[cap + PCI_MSIX_FLAGS + 1] = (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;
    this.reset();
    this.mmio = {
      read: (offset, size) => this.mmioRead(offset, size),
      write: (offset, size, value) => {
        this.mmioWrite(offset, size, value);
      },
    };
  }

  private get control(): number {
    return this.dev.word(this.cap + PCI_MSIX_FLAGS);
  }

  get enabled(): boolean {
    return (this.control & PCI_MSIX_FLAGS_ENABLE) !== 0;
  }

  private get functionMasked(): boolean {
    return (this.control & PCI_MSIX_FLAGS_MASKALL) !== 0;
  }

  private vectorMasked(v: number): boolean {
    return this.functionMasked || (this.tableView.getUint32(v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL, true) & PCI_MSIX_ENTRY_CTRL_MASKBIT) !== 0;
  }

  private isPending(v: number): boolean {
    return (this.pba[v >> 3]! & (1 << (v & 7))) !== 0;
  }

  private setPending(v: number, on: boolean): void {
    if (on) this.pba[v >> 3]! |= 1 << (v & 7);
    else this.pba[v >> 3]! &= ~(1 << (v & 7));
  }

  private send(v: number): void {
    const at = v * PCI_MSIX_ENTRY_SIZE;
    this.sink(this.tableView.getUint32(at, true), this.tableView.getUint32(at + 4, true), this.tableView.getUint32(at + 8, true));
  }

  /** Fires vector `v` (QEMU msix_notify): sent now, or left pending while masked. */
  notify(v: number): void {
    if (!this.enabled || v >= this.vectors) {
      return;
    }
    if (this.vectorMasked(v)) {
      this.setPending(v, true);
      return;
    }
    this.send(v);
  }

  /** A mask changed: pending vectors that are now unmasked fire (6.8.2.9). */
  private maskUpdate(v: number): void {
    if (this.enabled && !this.vectorMasked(v) && this.isPending(v)) {
      this.setPending(v, false);
      this.send(v);
    }
  }

  /** Config space write hook (QEMU msix_write_config): enable / function mask changed. */
  configWritten(oldControl: number): void {
    const now = this.control;
    if ((oldControl ^ now) & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)) {
      for (let v = 0; v < this.vectors; v++) this.maskUpdate(v);
    }
  }

  private mmioRead(offset: number, size: number): number {
    const src = offset < MSIX_PBA_OFFSET ? this.table : this.pba;
    const off = offset < MSIX_PBA_OFFSET ? offset : offset - MSIX_PBA_OFFSET;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (src[off + i] ?? 0);
    return v;
  }

  private mmioWrite(offset: number, size: number, value: number): void {
    if (offset >= MSIX_PBA_OFFSET || offset >= this.table.length) {
      return; // the PBA is read-only; past the table nothing decodes
    }
    const v = Math.floor(offset / PCI_MSIX_ENTRY_SIZE);
    for (let i = 0; i < size && offset + i < this.table.length; i++, value = Math.floor(value / 256)) {
      this.table[offset + i] = value & 0xff;
    }
    this.maskUpdate(v);
  }

  /** Every vector masked, nothing pending (QEMU msix_reset; enable cleared by the config reset). */
  reset(): void {
    this.table.fill(0);
    for (let v = 0; v < this.vectors; v++) {
      this.tableView.setUint32(v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT, true);
    }
    this.pba.fill(0);
  }

  state(): MsixState {
    return { table: Array.from(this.table), pba: Array.from(this.pba) };
  }

  fromState(s: MsixState): void {
    this.table.set(s.table.slice(0, this.table.length).map((b) => b & 0xff));
    this.pba.set(s.pba.slice(0, this.pba.length).map((b) => b & 0xff));
  }
}

function writeLong(target: Uint8Array, at: number, value: number): void {
  target[at] = value & 0xff;
  target[at + 1] = (value >>> 8) & 0xff;
  target[at + 2] = (value >>> 16) & 0xff;
  target[at + 3] = (value >>> 24) & 0xff;
}
