import type { DmaMemory, IrqLine } from "../io-device.js";
import { PCI_VENDOR_ID_INTEL } from "../i440fx.js";
import { PCI_COMMAND_MASTER, PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM, PCI_STATUS_FAST_BACK, PciDevice, type PciDeviceState } from "../pci-device.js";
import { BusMasterDma, type BmdmaState } from "./bmdma.js";
import { IdeBus, type IdeBusState } from "./ide-bus.js";

/*
 * The PIIX3 IDE function, 0:1.1 of QEMU's pc machine (Intel 82371SB datasheet, order 290550:
 * 2.3 "PCI Configuration Registers - IDE Interface", 2.7 "Bus Master IDE I/O Registers"; QEMU
 * hw/ide/piix.c "piix3-ide"). It runs in legacy ("compatibility") mode: programming interface
 * 80h (bus-master capable, both channels fixed), the channels at the ISA ports 1F0h-1F7h/3F6h
 * (IRQ 14) and 170h-177h/376h (IRQ 15) whether or not I/O decoding is enabled, and no PCI
 * interrupt pin (register 3Dh reads 0). BAR4 (BMIBA, 16 bytes of I/O) holds the bus-master DMA
 * registers: channel 0 at +0, channel 1 at +8.
 */

export const PCI_DEVICE_ID_INTEL_82371SB_1 = 0x7010;
/** Mass storage, IDE, programming interface 80h: legacy mode, bus master. */
export const PCI_CLASS_STORAGE_IDE_LEGACY_BM = 0x010180;
/** Bus Master Interface Base Address (BMIBA) is BAR4 at 20h. */
export const PIIX_IDE_BMIBA_BAR = 4;
export const PIIX_IDE_BMIBA_SIZE = 16;
/**
 * IDETIM, the IDE timing registers of the primary (40h) and secondary (42h) channel (82371SB 2.3.10);
 * bit 15 (IDE decode enable) is what firmware sets so the OS sees the channel enabled.
 */
export const PIIX_IDETIM_PRIMARY = 0x40;
export const PIIX_IDETIM_SECONDARY = 0x42;
export const PIIX_IDETIM_IDE_DECODE_ENABLE = 0x8000;
/** Where QEMU's pc machine puts the function. */
export const PIIX3_IDE_SLOT = 1;
export const PIIX3_IDE_FUNCTION = 1;

export interface Piix3IdeState {
  pci: PciDeviceState;
  buses: IdeBusState[];
  bmdma: BmdmaState[];
}

export interface Piix3IdeOptions {
  /** The ISA interrupt line `n` (14 and 15). */
  isaIrq: (n: number) => IrqLine;
  /** Guest memory as the function's bus-master accesses see it. */
  dma: DmaMemory;
}

export class Piix3Ide extends PciDevice {
  readonly buses: readonly [IdeBus, IdeBus];
  readonly bmdma: readonly [BusMasterDma, BusMasterDma];

  constructor(options: Piix3IdeOptions) {
    super({
      vendorId: PCI_VENDOR_ID_INTEL,
      deviceId: PCI_DEVICE_ID_INTEL_82371SB_1,
      classCode: PCI_CLASS_STORAGE_IDE_LEGACY_BM,
      name: "piix3-ide",
    });
    // piix_ide_reset: status DEVSEL medium + fast back-to-back.
    const status = PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_FAST_BACK;
    this.config[PCI_STATUS] = status & 0xff;
    this.config[PCI_STATUS + 1] = status >> 8;
    this.registerBar(PIIX_IDE_BMIBA_BAR, { size: PIIX_IDE_BMIBA_SIZE, type: "io" });
    const master = (): boolean => (this.command & PCI_COMMAND_MASTER) !== 0;
    const bus0 = new IdeBus(0, options.isaIrq(14));
    const bus1 = new IdeBus(1, options.isaIrq(15));
    this.buses = [bus0, bus1];
    this.bmdma = [new BusMasterDma(bus0, options.dma, master), new BusMasterDma(bus1, options.dma, master)];
    this.buses.forEach((bus, i) => {
      const bm = this.bmdma[i]!;
      bus.dma = bm;
      bus.setIrqLine(bm.wrapIrq(options.isaIrq(i === 0 ? 14 : 15)));
    });
  }

  /** Device reset: the PCI side (PciDevice.reset) plus both channels and their engines. */
  override reset(): void {
    super.reset();
    for (const bus of this.buses) {
      bus.reset();
    }
  }

  async drain(): Promise<void> {
    for (const bus of this.buses) {
      await bus.drain();
    }
  }

  /** Everything the function holds: config space, both channels, both DMA engines. */
  ideState(): Piix3IdeState {
    return { pci: super.state(), buses: this.buses.map((b) => b.state()), bmdma: this.bmdma.map((b) => b.state()) };
  }

  fromIdeState(s: Piix3IdeState): void {
    super.fromState(s.pci);
    s.buses.forEach((b, i) => {
      this.buses[i]?.fromState(b);
    });
    s.bmdma.forEach((b, i) => {
      this.bmdma[i]?.fromState(b);
    });
    // A DMA command waiting for the guest to start the engine finds its drive again.
    this.buses.forEach((bus, i) => {
      for (const d of bus.drives) {
        if (d.waitingForDma) {
          this.bmdma[i]!.startDma(d);
        }
      }
    });
  }
}
