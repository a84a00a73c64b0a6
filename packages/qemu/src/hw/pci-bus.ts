import { PCI_BAR_UNMAPPED, type PciBarListener, PciDevice, type PciDeviceState, PciError, type PciIntxSink } from "./pci-device.js";

/*
 * A PCI bus segment: up to 32 devices x 8 functions addressed by devfn, configuration dispatch, and
 * INTx aggregation (QEMU hw/pci/pci.c: pci_bus_irqs, pci_change_irq_level, irq_count). Which bus
 * interrupt a device's INTx pin lands on is the board's swizzle; what that interrupt drives is the
 * router's business (PIIX3 PIRQ routing on the PC).
 */

/** devfn = slot << 3 | function (QEMU PCI_DEVFN). */
export function pciDevfn(slot: number, fn: number): number {
  return ((slot & 0x1f) << 3) | (fn & 7);
}

/**
 * The i440FX/PIIX board swizzle (QEMU pci_slot_get_pirq): INTA# of slot 1 goes to PIRQA, each slot
 * rotates by one, so the four PIRQs are shared evenly. `pin` is 0 for INTA# .. 3 for INTD#.
 */
export function pciSlotGetPirq(devfn: number, pin: number): number {
  return (pin + (devfn >> 3) - 1) & 3;
}

export interface PciBusOptions {
  /** Number of bus interrupt lines (4 PIRQs on the PC). */
  irqCount?: number;
  /** Board swizzle from (device, INTx pin 0-3) to a bus interrupt line. */
  mapIrq?: (device: PciDevice, pin: number) => number;
  /** The interrupt router: a bus line's level changed (OR of every INTx mapped to it). */
  setIrq?: (irq: number, level: boolean) => void;
  /** Told when any device's BAR starts or stops decoding. */
  barListener?: PciBarListener;
}

export interface PciBusState {
  functions: { devfn: number; state: PciDeviceState }[];
}

export class PciBus implements PciIntxSink {
  private readonly functions: (PciDevice | undefined)[] = new Array<PciDevice | undefined>(256).fill(undefined);
  private readonly irqCounts: number[];
  private readonly mapIrq: (device: PciDevice, pin: number) => number;
  private setIrq: (irq: number, level: boolean) => void;
  private readonly barListener: PciBarListener | undefined;

  constructor(options: PciBusOptions = {}) {
    this.irqCounts = new Array<number>(options.irqCount ?? 4).fill(0);
    this.mapIrq = options.mapIrq ?? ((device, pin) => pciSlotGetPirq(device.devfn, pin));
    this.setIrq =
      options.setIrq ??
      (() => {
        // no router yet
      });
    this.barListener = options.barListener;
  }

  /** Connects the interrupt router (it is often a function on this very bus). */
  setIrqRouter(setIrq: (irq: number, level: boolean) => void): void {
    this.setIrq = setIrq;
    for (let i = 0; i < this.irqCounts.length; i++) {
      setIrq(i, this.irqCounts[i]! > 0);
    }
  }

  /** Plugs `device` in at slot/function and realizes it (its current config becomes its reset state). */
  attach<T extends PciDevice>(device: T, slot: number, fn = 0): T {
    if (!Number.isInteger(slot) || slot < 0 || slot > 31 || !Number.isInteger(fn) || fn < 0 || fn > 7) {
      throw new PciError(`PCI: invalid address ${slot}.${fn}`);
    }
    const devfn = pciDevfn(slot, fn);
    const existing = this.functions[devfn];
    if (existing !== undefined) {
      throw new PciError(`PCI: slot ${slot} function ${fn} not available for ${device.name}, in use by ${existing.name}`);
    }
    device.devfn = devfn;
    device.bus = this;
    device.barListener = this.barListener;
    device.realize();
    this.functions[devfn] = device;
    return device;
  }

  device(devfn: number): PciDevice | undefined {
    return this.functions[devfn & 0xff];
  }

  /** Every plugged function, in devfn order. */
  devices(): PciDevice[] {
    return this.functions.filter((d): d is PciDevice => d !== undefined);
  }

  /** Configuration read of `size` bytes; a missing function reads all ones (master abort). */
  configRead(devfn: number, offset: number, size: number): number {
    const device = this.functions[devfn & 0xff];
    if (device === undefined) {
      return size >= 4 ? 0xffffffff : 2 ** (size * 8) - 1;
    }
    return device.configRead(offset, size);
  }

  configWrite(devfn: number, offset: number, size: number, value: number): void {
    this.functions[devfn & 0xff]?.configWrite(offset, size, value);
  }

  intxChanged(device: PciDevice, pin: number, level: boolean): void {
    const irq = this.mapIrq(device, pin);
    const count = this.irqCounts[irq];
    if (count === undefined) {
      return;
    }
    const next = count + (level ? 1 : -1);
    this.irqCounts[irq] = Math.max(next, 0);
    if ((count > 0) !== (next > 0)) {
      this.setIrq(irq, next > 0);
    }
  }

  /** Whether any INTx mapped to bus line `irq` is asserted (QEMU pci_bus_get_irq_level). */
  irqLevel(irq: number): boolean {
    return (this.irqCounts[irq] ?? 0) > 0;
  }

  /** Bus reset: every function back to its power-on configuration. */
  reset(): void {
    for (const device of this.functions) {
      device?.reset();
    }
  }

  state(): PciBusState {
    return { functions: this.devices().map((d) => ({ devfn: d.devfn, state: d.state() })) };
  }

  /** Restores every function's config space and INTx level; BAR listeners see the decoded addresses. */
  fromState(state: PciBusState): void {
    for (const entry of state.functions) {
      this.functions[entry.devfn & 0xff]?.fromState(entry.state);
    }
  }

  /** Decoded address of `device`'s region `index`, or PCI_BAR_UNMAPPED. */
  static barAddress(device: PciDevice, index: number): number {
    return device.barAddresses[index] ?? PCI_BAR_UNMAPPED;
  }
}
