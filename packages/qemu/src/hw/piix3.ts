import type { AccessSize, IoDevice, IrqLine } from "./io-device.js";
import { PCI_VENDOR_ID_INTEL } from "./i440fx.js";
import { PCI_HEADER_TYPE_MULTI_FUNCTION, PciDevice, type PciDeviceState, rangesOverlap } from "./pci-device.js";

/*
 * The PIIX3 PCI-to-ISA bridge, function 0:1.0 (Intel 82371SB datasheet, order 290550: 2.2
 * "PCI to ISA Bridge Configuration Registers"; QEMU hw/isa/piix3.c): PIRQ[A-D] route registers at
 * 0x60-0x63 steer the PCI interrupt lines to ISA IRQs, and the reset control register sits at 0xCF9.
 * The ELCR (0x4D0/0x4D1) that makes the steered IRQs level-triggered is carried by I8259Pair.
 */

export const PCI_DEVICE_ID_INTEL_82371SB_0 = 0x7000;
export const PCI_CLASS_BRIDGE_ISA = 0x060100;
/** PIRQRC[A:D] (82371SB 2.2.9). */
export const PIIX_PIRQCA = 0x60;
export const PIIX_NUM_PIRQS = 4;
/** Bit 7: routing disabled (IRQEN#). Bits 3-0: the ISA IRQ. */
export const PIIX_PIRQ_DISABLE = 0x80;
/** ISA IRQs a PIRQ may not be steered to (reserved encodings in 2.2.9). */
const RESERVED_PIRQ_TARGETS = new Set([0, 1, 2, 8, 13]);
/** Reset control register (82371SB 4.1.5 RC, port 0xCF9). */
export const PIIX_RCR_IOPORT = 0xcf9;
export const RCR_SYS_RST = 0x02;
export const RCR_RST_CPU = 0x04;

/**
 * QEMU piix3_reset: the power-on values of the registers QEMU models. (piix3_reset also writes
 * 0x07 to the command register, but the generic PCI reset that follows clears every writable
 * command bit, so a guest reads 0x0000 there, as on QEMU 7.2.)
 */
const PIIX3_RESET_VALUES: readonly [number, number][] = [
  [0x05, 0x00],
  [0x06, 0x00],
  [0x07, 0x02], // status: DEVSEL medium
  [0x4c, 0x4d],
  [0x4e, 0x03],
  [0x4f, 0x00],
  [0x60, 0x80],
  [0x61, 0x80],
  [0x62, 0x80],
  [0x63, 0x80],
  [0x69, 0x02],
  [0x70, 0x80],
  [0x76, 0x0c],
  [0x77, 0x0c],
  [0x78, 0x02],
  [0x79, 0x00],
  [0x80, 0x00],
  [0x82, 0x00],
  [0xa0, 0x08],
  [0xa2, 0x00],
  [0xa3, 0x00],
  [0xa4, 0x00],
  [0xa5, 0x00],
  [0xa6, 0x00],
  [0xa7, 0x00],
  [0xa8, 0x0f],
  [0xaa, 0x00],
  [0xab, 0x00],
  [0xac, 0x00],
  [0xae, 0x00],
];

export interface Piix3Options {
  /** ISA IRQ input `n` (the PIC pair's irq(n)); PIRQs drive these. */
  isaIrq: (n: number) => IrqLine;
  /** Optional: the raw PIRQ[A-D] levels, for IOAPIC pins 16-19. */
  pirqOut?: IrqLine[];
  /** Reset control register asked for a reset (RST_CPU written). */
  onReset?: () => void;
}

export interface Piix3State extends PciDeviceState {
  pirqLevels: boolean[];
  rcr: number;
}

export class Piix3IsaBridge extends PciDevice {
  /** Port 0xCF9, the reset control register (one byte). */
  readonly resetControl: IoDevice;
  private readonly isaIrq: (n: number) => IrqLine;
  private readonly pirqOut: IrqLine[] | undefined;
  private readonly onReset: () => void;
  private readonly pirqLevels = [false, false, false, false];
  /** Current level driven on each ISA IRQ by the PIRQ router. */
  private readonly isaLevels = new Array<boolean>(16).fill(false);
  private rcr = 0;

  constructor(options: Piix3Options) {
    super({
      vendorId: PCI_VENDOR_ID_INTEL,
      deviceId: PCI_DEVICE_ID_INTEL_82371SB_0,
      classCode: PCI_CLASS_BRIDGE_ISA,
      headerType: PCI_HEADER_TYPE_MULTI_FUNCTION,
      name: "PIIX3",
    });
    this.isaIrq = options.isaIrq;
    this.pirqOut = options.pirqOut;
    this.onReset =
      options.onReset ??
      (() => {
        // no reset handler wired
      });
    for (const [reg, value] of PIIX3_RESET_VALUES) {
      this.config[reg] = value;
    }
    this.resetControl = {
      read: (_offset: number, _size: AccessSize) => this.rcr,
      write: (_offset: number, _size: AccessSize, value: number) => {
        if (value & RCR_RST_CPU) {
          this.onReset();
          return;
        }
        this.rcr = value & RCR_SYS_RST; // keep the reset type only (QEMU rcr_write)
      },
    };
  }

  /** The ISA IRQ PIRQ `pirq` is steered to, or -1 when routing is disabled or reserved. */
  pirqRoute(pirq: number): number {
    const reg = this.config[PIIX_PIRQCA + pirq]!;
    if (reg & PIIX_PIRQ_DISABLE) {
      return -1;
    }
    const irq = reg & 0x0f;
    return RESERVED_PIRQ_TARGETS.has(irq) ? -1 : irq;
  }

  /** The bus interrupt router: PIRQ `pirq` (0 = A) changed level. */
  setPirq(pirq: number, level: boolean): void {
    if (pirq < 0 || pirq >= PIIX_NUM_PIRQS || this.pirqLevels[pirq] === level) {
      return;
    }
    this.pirqLevels[pirq] = level;
    this.pirqOut?.[pirq]?.setLevel(level);
    this.updateIsaLevels();
  }

  /** ISA IRQ levels are the OR of the PIRQs routed to each (PCI interrupts are shared, level, active low). */
  private updateIsaLevels(): void {
    for (let irq = 0; irq < 16; irq++) {
      let level = false;
      for (let p = 0; p < PIIX_NUM_PIRQS; p++) {
        if (this.pirqLevels[p] && this.pirqRoute(p) === irq) {
          level = true;
        }
      }
      if (level !== this.isaLevels[irq]) {
        this.isaLevels[irq] = level;
        this.isaIrq(irq).setLevel(level);
      }
    }
  }

  protected override configWritten(offset: number, length: number): void {
    if (rangesOverlap(offset, length, PIIX_PIRQCA, PIIX_NUM_PIRQS)) {
      this.updateIsaLevels();
    }
  }

  override reset(): void {
    super.reset();
    this.rcr = 0;
    this.updateIsaLevels();
  }

  override state(): Piix3State {
    return { ...super.state(), pirqLevels: [...this.pirqLevels], rcr: this.rcr };
  }

  override fromState(s: Piix3State): void {
    super.fromState(s);
    for (let p = 0; p < PIIX_NUM_PIRQS; p++) {
      this.pirqLevels[p] = s.pirqLevels[p] ?? false;
      this.pirqOut?.[p]?.setLevel(this.pirqLevels[p]!);
    }
    this.rcr = s.rcr & RCR_SYS_RST;
    this.updateIsaLevels();
  }
}
