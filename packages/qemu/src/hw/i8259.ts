import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";
import { NO_IRQ } from "./io-device.js";

/*
 * One Intel 8259A Programmable Interrupt Controller (Intel 8259A datasheet, order 231468).
 * Register numbers below are the A0 address line: port base+0 (A0=0) and base+1 (A0=1).
 */

/** ICW1 (A0=0, D4=1): datasheet "Initialization Command Words", figure 7. */
export const ICW1_IC4 = 0x01;
export const ICW1_SNGL = 0x02;
export const ICW1_ADI = 0x04;
export const ICW1_LTIM = 0x08;
export const ICW1_INIT = 0x10;
/** ICW4 bits. */
export const ICW4_UPM = 0x01;
export const ICW4_AEOI = 0x02;
export const ICW4_MS = 0x04;
export const ICW4_BUF = 0x08;
export const ICW4_SFNM = 0x10;
/** OCW3 (A0=0, D4=0, D3=1): datasheet "Operation Command Words", figure 8. */
export const OCW3_SELECT = 0x08;
export const OCW3_RIS = 0x01;
export const OCW3_RR = 0x02;
export const OCW3_P = 0x04;
export const OCW3_SMM = 0x20;
export const OCW3_ESMM = 0x40;

/** Where the ICW sequence stands: expecting ICW2, ICW3, ICW4, or done (ready). */
const INIT_READY = 0;
const INIT_ICW2 = 1;
const INIT_ICW3 = 2;
const INIT_ICW4 = 3;

/**
 * OCW2 (A0=0, D4=0, D3=0) commands by the R SL EOI bits (D7-D5), datasheet figure 8 and
 * "End of Interrupt" / "Automatic Rotation" / "Specific Rotation".
 */
const OCW2_ROTATE_AEOI_CLEAR = 0;
const OCW2_NON_SPECIFIC_EOI = 1;
const OCW2_NOP = 2;
const OCW2_SPECIFIC_EOI = 3;
const OCW2_ROTATE_AEOI_SET = 4;
const OCW2_ROTATE_NON_SPECIFIC_EOI = 5;
const OCW2_SET_PRIORITY = 6;
const OCW2_ROTATE_SPECIFIC_EOI = 7;

export interface I8259State {
  inputLevel: number;
  irr: number;
  isr: number;
  imr: number;
  elcr: number;
  ltim: boolean;
  priorityAdd: number;
  vectorBase: number;
  icw3: number;
  icw4: number;
  initState: number;
  expectIcw4: boolean;
  single: boolean;
  rotateOnAeoi: boolean;
  specialMask: boolean;
  poll: boolean;
  readIsr: boolean;
}

export interface I8259Options {
  /** The chip's INT output. */
  int?: IrqLine;
  /** ELCR bits that may be set (PIIX: 0xF8 on the master, 0xDE on the slave; 82371SB 2.5.1.2). */
  elcrMask?: number;
  /** ICW3 before the guest programs it, i.e. the board's cascade wiring (0x04 for the PC/AT master). */
  defaultIcw3?: number;
  /** Wired as the master (SP/EN high): cascade inputs and special fully nested mode apply. */
  master?: boolean;
}

/**
 * The 8259A as a pure state machine. Inputs come through `input(n)` lines (level semantics; the
 * chip itself detects edges unless the line is level-triggered through ICW1.LTIM or the ELCR).
 * The pair ({@link I8259Pair}) wires cascading and the INTA cycle.
 */
export class I8259 implements IoDevice, Stateful<I8259State> {
  /** Current level of the IR0-7 input pins. */
  private inputLevel = 0;
  irr = 0;
  isr = 0;
  imr = 0;
  elcr = 0;
  private ltim = false;
  /** The IR number that currently has the highest priority (rotation). */
  priorityAdd = 0;
  vectorBase = 0;
  icw3: number;
  icw4 = 0;
  private initState = INIT_READY;
  private expectIcw4 = false;
  single = false;
  private rotateOnAeoi = false;
  specialMask = false;
  private poll = false;
  private readIsr = false;
  private readonly elcrMask: number;
  private readonly defaultIcw3: number;
  readonly master: boolean;
  int: IrqLine;
  private readonly inputs: IrqLine[];

  constructor(options: I8259Options = {}) {
    this.int = options.int ?? NO_IRQ;
    this.elcrMask = options.elcrMask ?? 0;
    this.defaultIcw3 = options.defaultIcw3 ?? 0;
    this.master = options.master ?? false;
    this.icw3 = this.defaultIcw3;
    this.inputs = [];
    for (let i = 0; i < 8; i++) {
      this.inputs.push({ setLevel: (level) => { this.setInput(i, level); } });
    }
  }

  /** The IRn input pin as an interrupt line. */
  input(n: number): IrqLine {
    const line = this.inputs[n];
    if (line === undefined) {
      throw new RangeError(`i8259: no input IR${n}`);
    }
    return line;
  }

  /** Bits whose IRR follows the input level rather than latching rising edges. */
  private get levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  setInput(n: number, level: boolean): void {
    const mask = 1 << n;
    const was = (this.inputLevel & mask) !== 0;
    if (was === level) {
      return;
    }
    if (level) {
      this.inputLevel |= mask;
      // Edge mode latches the rising edge; level mode follows the pin (datasheet "Edge and Level Triggered Modes").
      this.irr |= mask;
    } else {
      this.inputLevel &= ~mask;
      if (this.levelMask & mask) {
        this.irr &= ~mask;
      }
    }
    this.update();
  }

  /** Re-presents an input edge even if the pin did not visibly change (cascade pulse from a slave). */
  pulseInput(n: number): void {
    const mask = 1 << n;
    if (this.levelMask & mask) {
      this.setInput(n, true);
      return;
    }
    this.irr |= mask;
    this.inputLevel &= ~mask;
    this.update();
  }

  /** The highest-priority set bit of `mask` as a rotated priority 0-7, or 8 for none. */
  private priorityOf(mask: number): number {
    if (mask === 0) {
      return 8;
    }
    let priority = 0;
    while ((mask & (1 << ((priority + this.priorityAdd) & 7))) === 0) {
      priority++;
    }
    return priority;
  }

  /**
   * The IR that would be presented now, or -1: the highest-priority unmasked request that beats
   * everything in service (datasheet "Priority Resolver"; special mask mode ignores masked ISR bits;
   * special fully nested mode ignores in-service cascade inputs so a slave can nest).
   */
  pendingIrq(): number {
    const requested = this.priorityOf(this.irr & ~this.imr);
    if (requested === 8) {
      return -1;
    }
    let inService = this.isr;
    if (this.specialMask) {
      inService &= ~this.imr;
    }
    if (this.master && this.icw4 & ICW4_SFNM && !this.single) {
      inService &= ~this.icw3;
    }
    return requested < this.priorityOf(inService) ? (requested + this.priorityAdd) & 7 : -1;
  }

  private update(): void {
    this.int.setLevel(this.pendingIrq() >= 0);
  }

  /** Whether the IR `irq` is a cascade input (a slave answers its INTA). */
  isCascade(irq: number): boolean {
    return this.master && !this.single && (this.icw3 & (1 << irq)) !== 0;
  }

  /**
   * The INTA cycle for `irq` (first pulse sets ISR and clears an edge-latched IRR; AEOI clears ISR
   * again at the end of the last pulse, optionally rotating).
   */
  intack(irq: number): void {
    const mask = 1 << irq;
    if (this.icw4 & ICW4_AEOI) {
      if (this.rotateOnAeoi) {
        this.priorityAdd = (irq + 1) & 7;
      }
    } else {
      this.isr |= mask;
    }
    if ((this.levelMask & mask) === 0) {
      this.irr &= ~mask;
    }
    this.update();
  }

  read(offset: number, _size: AccessSize): number {
    if (this.poll) {
      // Poll command (OCW3.P): this read is the interrupt acknowledge, datasheet "The Poll Command".
      this.poll = false;
      const irq = this.pendingIrq();
      if (irq < 0) {
        return 0;
      }
      this.intack(irq);
      return 0x80 | irq;
    }
    if ((offset & 1) === 0) {
      return this.readIsr ? this.isr : this.irr;
    }
    return this.imr;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    if ((offset & 1) === 0) {
      if (value & ICW1_INIT) {
        this.icw1(value);
      } else if (value & OCW3_SELECT) {
        this.ocw3(value);
      } else {
        this.ocw2(value);
      }
      return;
    }
    switch (this.initState) {
      case INIT_READY:
        this.imr = value; // OCW1
        this.update();
        break;
      case INIT_ICW2:
        this.vectorBase = value & 0xf8;
        this.initState = this.single ? (this.expectIcw4 ? INIT_ICW4 : INIT_READY) : INIT_ICW3;
        break;
      case INIT_ICW3:
        this.icw3 = value;
        this.initState = this.expectIcw4 ? INIT_ICW4 : INIT_READY;
        break;
      case INIT_ICW4:
        this.icw4 = value & 0x1f;
        this.initState = INIT_READY;
        this.update();
        break;
    }
  }

  /** ICW1 starts initialization: datasheet lists exactly what it resets. */
  private icw1(value: number): void {
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.specialMask = false;
    this.readIsr = false;
    this.poll = false;
    this.rotateOnAeoi = false;
    this.icw4 = 0;
    this.expectIcw4 = (value & ICW1_IC4) !== 0;
    this.single = (value & ICW1_SNGL) !== 0;
    this.ltim = (value & ICW1_LTIM) !== 0;
    // The edge sense latches are cleared: an edge input needs a new low-to-high transition.
    this.irr = this.inputLevel & this.levelMask;
    this.initState = INIT_ICW2;
    this.update();
  }

  private ocw2(value: number): void {
    const level = value & 7;
    const command = value >> 5;
    switch (command) {
      case OCW2_ROTATE_AEOI_CLEAR:
        this.rotateOnAeoi = false;
        return;
      case OCW2_ROTATE_AEOI_SET:
        this.rotateOnAeoi = true;
        return;
      case OCW2_NON_SPECIFIC_EOI:
      case OCW2_ROTATE_NON_SPECIFIC_EOI: {
        const priority = this.priorityOf(this.isr);
        if (priority === 8) {
          return;
        }
        const irq = (priority + this.priorityAdd) & 7;
        this.isr &= ~(1 << irq);
        if (command === OCW2_ROTATE_NON_SPECIFIC_EOI) {
          this.priorityAdd = (irq + 1) & 7;
        }
        break;
      }
      case OCW2_SPECIFIC_EOI:
        this.isr &= ~(1 << level);
        break;
      case OCW2_ROTATE_SPECIFIC_EOI:
        this.isr &= ~(1 << level);
        this.priorityAdd = (level + 1) & 7;
        break;
      case OCW2_SET_PRIORITY:
        // L2-L0 becomes the lowest priority.
        this.priorityAdd = (level + 1) & 7;
        break;
      case OCW2_NOP:
        return;
    }
    this.update();
  }

  private ocw3(value: number): void {
    if (value & OCW3_P) {
      this.poll = true;
    }
    if (value & OCW3_RR) {
      this.readIsr = (value & OCW3_RIS) !== 0;
    }
    if (value & OCW3_ESMM) {
      this.specialMask = (value & OCW3_SMM) !== 0;
      this.update();
    }
  }

  /** Edge/Level Control Register (82371SB PIIX3 ELCR1/ELCR2): 1 = level-triggered. */
  writeElcr(value: number): void {
    this.elcr = value & this.elcrMask;
    // Inputs that became level-triggered now report their pin level.
    const level = this.levelMask;
    this.irr = (this.irr & ~level) | (this.inputLevel & level);
    this.update();
  }

  /** Hardware reset (RESET pin / machine reset): ELCR cleared as the PIIX does. */
  reset(): void {
    this.elcr = 0;
    this.ltim = false;
    this.icw1(0);
    this.initState = INIT_READY;
    this.vectorBase = 0;
    this.icw3 = this.defaultIcw3;
    this.single = false;
    this.expectIcw4 = false;
    this.irr = 0;
    this.update();
  }

  state(): I8259State {
    return {
      inputLevel: this.inputLevel,
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      elcr: this.elcr,
      ltim: this.ltim,
      priorityAdd: this.priorityAdd,
      vectorBase: this.vectorBase,
      icw3: this.icw3,
      icw4: this.icw4,
      initState: this.initState,
      expectIcw4: this.expectIcw4,
      single: this.single,
      rotateOnAeoi: this.rotateOnAeoi,
      specialMask: this.specialMask,
      poll: this.poll,
      readIsr: this.readIsr,
    };
  }

  fromState(s: I8259State): void {
    this.inputLevel = s.inputLevel & 0xff;
    this.irr = s.irr & 0xff;
    this.isr = s.isr & 0xff;
    this.imr = s.imr & 0xff;
    this.elcr = s.elcr & this.elcrMask;
    this.ltim = s.ltim;
    this.priorityAdd = s.priorityAdd & 7;
    this.vectorBase = s.vectorBase & 0xf8;
    this.icw3 = s.icw3 & 0xff;
    this.icw4 = s.icw4 & 0x1f;
    this.initState = s.initState & 3;
    this.expectIcw4 = s.expectIcw4;
    this.single = s.single;
    this.rotateOnAeoi = s.rotateOnAeoi;
    this.specialMask = s.specialMask;
    this.poll = s.poll;
    this.readIsr = s.readIsr;
    this.update();
  }
}
