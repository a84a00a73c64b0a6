/**
 * The one shape every port-I/O or MMIO device presents to a bus (PIO, MMIO, or kvm's in-kernel io bus).
 * Offsets are relative to the start of the range the device was given; the bus splits or widens
 * accesses before they reach the device (see the access-size rules in the bus), so a device only
 * sees the sizes it declared it supports.
 */
export type AccessSize = 1 | 2 | 4 | 8;

export interface IoDevice {
  /** Returns the value read, zero-extended to `size` bytes (8-byte reads return a number only up to 2^53). */
  read(offset: number, size: AccessSize): number;
  write(offset: number, size: AccessSize, value: number): void;
}

/**
 * An interrupt line, as QEMU's qemu_irq: the device drives a level; edge-triggered consumers
 * (the 8259 in edge mode) detect the 0 → 1 transition themselves.
 */
export interface IrqLine {
  setLevel(level: boolean): void;
}

/** A line that goes nowhere, for devices wired to no interrupt. */
export const NO_IRQ: IrqLine = {
  setLevel() {
    // not connected
  },
};

/** Devices that can be saved and restored (savevm/loadvm, migration). The state is plain JSON data. */
export interface Stateful<S> {
  state(): S;
  fromState(state: S): void;
}

/**
 * Guest-physical memory as a bus-master (DMA-capable) device sees it, like QEMU's
 * dma_memory_read/dma_memory_write. Each call returns false when part of the range is not
 * backed by anything that accepts the access (a MEMTX error), after transferring nothing.
 */
export interface DmaMemory {
  read(address: number, dest: Uint8Array): boolean;
  write(address: number, src: Uint8Array): boolean;
}
