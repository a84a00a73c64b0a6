import { I8259, type I8259State } from "./i8259.js";
import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";
import { NO_IRQ } from "./io-device.js";

/** PC/AT port assignments (QEMU i8259_init; 82371SB PIIX3 datasheet table 3, ELCR 4D0h/4D1h). */
export const I8259_MASTER_IOBASE = 0x20;
export const I8259_SLAVE_IOBASE = 0xa0;
export const I8259_ELCR_IOBASE = 0x4d0;
/** The master input the slave's INT drives on the PC/AT. */
export const I8259_CASCADE_IRQ = 2;
/**
 * ELCR bits that exist: IRQ0, 1, 2 (master) and IRQ8, 13 (slave) are always edge-triggered
 * (PIIX3 datasheet ELCR1/ELCR2 descriptions; QEMU elcr_mask 0xf8 / 0xde).
 */
export const ELCR1_MASK = 0xf8;
export const ELCR2_MASK = 0xde;

export interface I8259PairState {
  master: I8259State;
  slave: I8259State;
}

/**
 * The cascaded master/slave 8259A pair of the PC/AT: 16 ISA IRQ inputs, one INTR output to the CPU
 * and the INTA cycle as `acknowledge()`. The slave's INT output re-presents an edge on master IR2
 * every time it is (re)evaluated with a request pending, as KVM's in-kernel PIC does, so a slave
 * request arriving while IR2 is still high is not lost.
 */
export class I8259Pair implements Stateful<I8259PairState> {
  readonly master: I8259;
  readonly slave: I8259;
  /** ELCR1 (offset 0, port 0x4D0) and ELCR2 (offset 1, port 0x4D1). */
  readonly elcrPorts: IoDevice;
  private intrLine: IrqLine;
  private intrLevel = false;
  private readonly lines: IrqLine[] = [];

  constructor(options: { intr?: IrqLine } = {}) {
    this.intrLine = options.intr ?? NO_IRQ;
    this.master = new I8259({
      master: true,
      elcrMask: ELCR1_MASK,
      defaultIcw3: 1 << I8259_CASCADE_IRQ,
      int: { setLevel: (level) => { this.setIntr(level); } },
    });
    this.slave = new I8259({
      elcrMask: ELCR2_MASK,
      defaultIcw3: I8259_CASCADE_IRQ,
      int: {
        setLevel: (level) => {
          if (level) {
            this.master.pulseInput(I8259_CASCADE_IRQ);
          } else {
            this.master.setInput(I8259_CASCADE_IRQ, false);
          }
        },
      },
    });
    for (let i = 0; i < 16; i++) {
      this.lines.push(i < 8 ? this.master.input(i) : this.slave.input(i - 8));
    }
    this.elcrPorts = {
      read: (offset: number, _size: AccessSize): number =>
        (offset & 1) === 0 ? this.master.elcr : this.slave.elcr,
      write: (offset: number, _size: AccessSize, value: number): void => {
        if ((offset & 1) === 0) {
          this.master.writeElcr(value);
        } else {
          this.slave.writeElcr(value);
        }
      },
    };
  }

  /** Connects the INTR output (the CPU's maskable interrupt pin). */
  connectIntr(line: IrqLine): void {
    this.intrLine = line;
    line.setLevel(this.intrLevel);
  }

  private setIntr(level: boolean): void {
    if (level !== this.intrLevel) {
      this.intrLevel = level;
      this.intrLine.setLevel(level);
    }
  }

  /** INTR: some unmasked request beats everything in service. */
  get intr(): boolean {
    return this.intrLevel;
  }

  /** ISA IRQ `n` (0-15) as an input line. */
  irq(n: number): IrqLine {
    const line = this.lines[n];
    if (line === undefined) {
      throw new RangeError(`i8259: no ISA IRQ ${n}`);
    }
    return line;
  }

  /**
   * The CPU's INTA cycle: returns the vector and moves the request into service. With nothing to
   * present (the request went away) the 8259A answers IR7 of the chip concerned without setting
   * ISR: vector base+7 of the master, or of the slave with master IR2 in service (spurious IRQ7/15).
   */
  acknowledge(): number {
    const master = this.master;
    const irq = master.pendingIrq();
    if (irq < 0) {
      return master.vectorBase + 7;
    }
    if (!master.isCascade(irq)) {
      master.intack(irq);
      return master.vectorBase + irq;
    }
    // Only the slave on IR2 is wired on the PC/AT; other cascade inputs have no chip behind them.
    if (irq !== I8259_CASCADE_IRQ) {
      master.intack(irq);
      return 0xff;
    }
    const slave = this.slave;
    let irq2 = slave.pendingIrq();
    if (irq2 >= 0) {
      slave.intack(irq2);
    } else {
      irq2 = 7;
    }
    master.intack(irq);
    return slave.vectorBase + irq2;
  }

  reset(): void {
    this.master.reset();
    this.slave.reset();
  }

  state(): I8259PairState {
    return { master: this.master.state(), slave: this.slave.state() };
  }

  fromState(state: I8259PairState): void {
    this.slave.fromState(state.slave);
    this.master.fromState(state.master);
  }
}
