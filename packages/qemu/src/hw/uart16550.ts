import type { CharBackend } from "../chardev/chardev.js";
import type { Clock, Timer } from "./clock.js";
import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";
import { NO_IRQ } from "./io-device.js";

/*
 * National Semiconductor PC16550D UART with FIFOs (datasheet "PC16550D Universal Asynchronous
 * Receiver/Transmitter with FIFOs", section 8 "Registers"), as QEMU's "isa-serial".
 */

/** Register offsets (datasheet table II); DLL/DLM replace RBR/THR and IER while LCR.DLAB = 1. */
export const UART_RBR = 0;
export const UART_THR = 0;
export const UART_DLL = 0;
export const UART_IER = 1;
export const UART_DLM = 1;
export const UART_IIR = 2;
export const UART_FCR = 2;
export const UART_LCR = 3;
export const UART_MCR = 4;
export const UART_LSR = 5;
export const UART_MSR = 6;
export const UART_SCR = 7;

/** IER (8.5). */
export const UART_IER_RDI = 0x01;
export const UART_IER_THRI = 0x02;
export const UART_IER_RLSI = 0x04;
export const UART_IER_MSI = 0x08;
/** IIR (8.6, table IV): bit 0 = no interrupt pending, bits 3-1 = source, bits 7-6 = FIFOs enabled. */
export const UART_IIR_NO_INT = 0x01;
export const UART_IIR_MSI = 0x00;
export const UART_IIR_THRI = 0x02;
export const UART_IIR_RDI = 0x04;
export const UART_IIR_RLSI = 0x06;
export const UART_IIR_CTI = 0x0c;
export const UART_IIR_FIFO_ENABLED = 0xc0;
/** FCR (8.7). */
export const UART_FCR_FE = 0x01;
export const UART_FCR_RFR = 0x02;
export const UART_FCR_XFR = 0x04;
export const UART_FCR_DMS = 0x08;
/** LCR (8.2). */
export const UART_LCR_DLAB = 0x80;
/** MCR (8.8). */
export const UART_MCR_DTR = 0x01;
export const UART_MCR_RTS = 0x02;
export const UART_MCR_OUT1 = 0x04;
export const UART_MCR_OUT2 = 0x08;
export const UART_MCR_LOOP = 0x10;
/** LSR (8.4). */
export const UART_LSR_DR = 0x01;
export const UART_LSR_OE = 0x02;
export const UART_LSR_PE = 0x04;
export const UART_LSR_FE = 0x08;
export const UART_LSR_BI = 0x10;
export const UART_LSR_THRE = 0x20;
export const UART_LSR_TEMT = 0x40;
export const UART_LSR_FIFO_ERROR = 0x80;
const UART_LSR_INT_ANY = UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI;
/** MSR (8.9). */
export const UART_MSR_DCTS = 0x01;
export const UART_MSR_DDSR = 0x02;
export const UART_MSR_TERI = 0x04;
export const UART_MSR_DDCD = 0x08;
export const UART_MSR_CTS = 0x10;
export const UART_MSR_DSR = 0x20;
export const UART_MSR_RI = 0x40;
export const UART_MSR_DCD = 0x80;
const UART_MSR_ANY_DELTA = 0x0f;

export const UART_FIFO_LENGTH = 16;
/** RCVR FIFO trigger levels by FCR bits 7-6 (table VI). */
const RX_TRIGGER_LEVELS = [1, 4, 8, 14] as const;
/** The 1.8432 MHz crystal divided by 16: baud = 115200 / divisor. */
export const UART_BAUD_BASE = 115200;

/** QEMU's ISA serial ports (hw/char/serial-isa.c isa_serial_io / isa_serial_irq). */
export const ISA_SERIAL_PORTS: readonly { readonly iobase: number; readonly irq: number }[] = [
  { iobase: 0x3f8, irq: 4 },
  { iobase: 0x2f8, irq: 3 },
  { iobase: 0x3e8, irq: 4 },
  { iobase: 0x2e8, irq: 3 },
];

export interface Uart16550State {
  ier: number;
  fcr: number;
  lcr: number;
  mcr: number;
  lsr: number;
  msr: number;
  scr: number;
  divisor: number;
  rx: number[];
  rxFlags: number[];
  thrIpending: boolean;
  timeoutIpending: boolean;
  timeoutDeadline: number;
  modemInputs: number;
}

export interface Uart16550Options {
  irq?: IrqLine;
  chardev?: CharBackend;
  /**
   * Gate the interrupt output with MCR.OUT2 as the PC's serial adapters do. Off by default, like
   * QEMU's isa-serial, which drives the IRQ whatever OUT2 says.
   */
  out2GatesIrq?: boolean;
}

export class Uart16550 implements IoDevice, Stateful<Uart16550State> {
  private ier = 0;
  private fcr = 0;
  private lcr = 0;
  private mcr = 0;
  private lsr = UART_LSR_THRE | UART_LSR_TEMT;
  private msr = 0;
  private scr = 0;
  private divisor = 0x0c;
  /** Receiver FIFO ring (depth 1 while FIFOs are disabled) and per-character error bits. */
  private readonly rx = new Uint8Array(UART_FIFO_LENGTH);
  private readonly rxFlags = new Uint8Array(UART_FIFO_LENGTH);
  private rxHead = 0;
  private rxCount = 0;
  private thrIpending = false;
  private timeoutIpending = false;
  /** External modem status inputs (CTS, DSR, RI, DCD in MSR bit positions). */
  private modemInputs = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
  private charTimeNs = 0;
  private readonly timeoutTimer: Timer;
  private timeoutDeadline = -1;
  private irqLevel = false;
  private readonly irq: IrqLine;
  private readonly out2GatesIrq: boolean;
  private chardev: CharBackend | undefined;
  private detach: (() => void)[] = [];
  private readonly txByte = new Uint8Array(1);
  private readonly receiver = (bytes: Uint8Array): number => this.receive(bytes);

  constructor(
    private readonly clock: Clock,
    options: Uart16550Options = {},
  ) {
    this.irq = options.irq ?? NO_IRQ;
    this.out2GatesIrq = options.out2GatesIrq ?? false;
    this.timeoutTimer = clock.newTimer(() => {
      this.characterTimeout();
    });
    this.reset();
    if (options.chardev !== undefined) {
      this.attach(options.chardev);
    }
  }

  /** Connects the host side: output goes to `chardev`, its input arrives on the receiver. */
  attach(chardev: CharBackend | undefined): void {
    for (const d of this.detach) {
      d();
    }
    this.detach = [];
    this.chardev = chardev;
    if (chardev !== undefined) {
      this.detach.push(chardev.onData(this.receiver));
      this.detach.push(
        chardev.onEvent((event) => {
          if (event === "break") {
            this.receiveBreak();
          }
        }),
      );
    }
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & UART_FCR_FE) !== 0;
  }

  private get rxCapacity(): number {
    return this.fifoEnabled ? UART_FIFO_LENGTH : 1;
  }

  private get triggerLevel(): number {
    return RX_TRIGGER_LEVELS[this.fcr >> 6]!;
  }

  private loopback(): boolean {
    return (this.mcr & UART_MCR_LOOP) !== 0;
  }

  /**
   * How many bytes the receiver takes now (QEMU serial_can_receive): up to the trigger level, then
   * one at a time, so interrupts come at the trigger level as they would on a real line; none while
   * the external input is disconnected by loopback mode.
   */
  canReceive(): number {
    if (this.loopback()) {
      return 0;
    }
    if (!this.fifoEnabled) {
      return this.lsr & UART_LSR_DR ? 0 : 1;
    }
    if (this.rxCount >= UART_FIFO_LENGTH) {
      return 0;
    }
    const itl = this.triggerLevel;
    return this.rxCount < itl ? itl - this.rxCount : 1;
  }

  /** Input from the character backend; returns how many bytes were taken. */
  receive(bytes: Uint8Array): number {
    const n = Math.min(this.canReceive(), bytes.length);
    for (let i = 0; i < n; i++) {
      this.pushRx(bytes[i]!, 0);
    }
    if (n > 0) {
      this.restartTimeout();
      this.update();
    }
    return n;
  }

  /** A BREAK on the line: a NUL character with BI (and FE) set (QEMU CHR_EVENT_BREAK). */
  receiveBreak(): void {
    this.pushRx(0, UART_LSR_BI);
    this.restartTimeout();
    this.update();
  }

  /** Sets the external CTS/DSR/RI/DCD inputs (MSR bit positions); deltas latch as on the chip. */
  setModemInputs(lines: number): void {
    this.modemInputs = lines & 0xf0;
    this.updateMsr();
    this.update();
  }

  /** One character into the receiver; a full receiver overruns (the character is lost, OE set). */
  private pushRx(byte: number, flags: number): void {
    if (this.rxCount >= this.rxCapacity) {
      this.lsr |= UART_LSR_OE;
      if (!this.fifoEnabled) {
        // Without FIFOs the new character overwrites RBR.
        const slot = this.rxHead;
        this.rx[slot] = byte;
        this.rxFlags[slot] = flags;
        this.lsr = (this.lsr & ~(UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)) | flags;
      }
      return;
    }
    const slot = (this.rxHead + this.rxCount) % UART_FIFO_LENGTH;
    this.rx[slot] = byte;
    this.rxFlags[slot] = flags;
    this.rxCount++;
    if (this.rxCount === 1) {
      // The error bits of the character at the top of the FIFO show in LSR (8.4).
      this.lsr |= flags;
    }
    if (flags !== 0 && this.fifoEnabled) {
      this.lsr |= UART_LSR_FIFO_ERROR;
    }
    this.lsr |= UART_LSR_DR;
  }

  private popRx(): number {
    if (this.rxCount === 0) {
      return this.rx[this.rxHead]!; // RBR keeps the last character
    }
    const byte = this.rx[this.rxHead]!;
    this.rxFlags[this.rxHead] = 0;
    if (this.rxCount > 1) {
      this.rxHead = (this.rxHead + 1) % UART_FIFO_LENGTH;
    }
    this.rxCount--;
    if (this.rxCount === 0) {
      this.lsr &= ~UART_LSR_DR;
    } else {
      this.lsr |= this.rxFlags[this.rxHead]!;
    }
    if (!this.rxHasErrors()) {
      this.lsr &= ~UART_LSR_FIFO_ERROR;
    }
    return byte;
  }

  private rxHasErrors(): boolean {
    for (let i = 0; i < this.rxCount; i++) {
      if (this.rxFlags[(this.rxHead + i) % UART_FIFO_LENGTH] !== 0) {
        return true;
      }
    }
    return false;
  }

  private clearRx(): void {
    this.rxHead = 0;
    this.rxCount = 0;
    this.rxFlags.fill(0);
    this.lsr &= ~(UART_LSR_DR | UART_LSR_FIFO_ERROR);
    this.timeoutIpending = false;
    this.timeoutTimer.del();
    this.timeoutDeadline = -1;
  }

  /**
   * Character timeout (8.6 "Timeout Interrupt"): with characters in the RCVR FIFO, none received
   * and none read for four character times.
   */
  private restartTimeout(): void {
    this.timeoutIpending = false;
    if (this.fifoEnabled && this.rxCount > 0) {
      this.timeoutDeadline = this.clock.now() + 4 * this.charTimeNs;
      this.timeoutTimer.mod(this.timeoutDeadline);
    } else {
      this.timeoutTimer.del();
      this.timeoutDeadline = -1;
    }
  }

  private characterTimeout(): void {
    this.timeoutDeadline = -1;
    if (this.fifoEnabled && this.rxCount > 0) {
      this.timeoutIpending = true;
      this.update();
    }
  }

  /** Time for one character frame: start bit, 5-8 data bits, parity, 1/1.5/2 stop bits (8.2). */
  private updateCharTime(): void {
    const divisor = this.divisor === 0 ? 0x10000 : this.divisor;
    const dataBits = 5 + (this.lcr & 3);
    const parity = this.lcr & 0x08 ? 1 : 0;
    const stop = this.lcr & 0x04 ? (dataBits === 5 ? 1.5 : 2) : 1;
    const bits = 1 + dataBits + parity + stop;
    this.charTimeNs = Math.ceil((bits * 1e9 * divisor) / UART_BAUD_BASE);
  }

  /** The current interrupt identification (8.6, table IV priorities). */
  private interruptId(): number {
    if (this.ier & UART_IER_RLSI && this.lsr & UART_LSR_INT_ANY) {
      return UART_IIR_RLSI;
    }
    if (this.ier & UART_IER_RDI) {
      if (this.timeoutIpending) {
        return UART_IIR_CTI;
      }
      if (this.lsr & UART_LSR_DR && (!this.fifoEnabled || this.rxCount >= this.triggerLevel)) {
        return UART_IIR_RDI;
      }
    }
    if (this.ier & UART_IER_THRI && this.thrIpending) {
      return UART_IIR_THRI;
    }
    if (this.ier & UART_IER_MSI && this.msr & UART_MSR_ANY_DELTA) {
      return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
  }

  private update(): void {
    let level = this.interruptId() !== UART_IIR_NO_INT;
    if (this.out2GatesIrq && !(this.mcr & UART_MCR_OUT2)) {
      level = false;
    }
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq.setLevel(level);
    }
  }

  /** MSR status bits from the external inputs, or from MCR in loopback (8.8), latching deltas. */
  private updateMsr(): void {
    let lines: number;
    if (this.loopback()) {
      lines =
        (this.mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) |
        (this.mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
        (this.mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
        (this.mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
    } else {
      lines = this.modemInputs;
    }
    const changed = (lines ^ this.msr) & 0xf0;
    let delta = this.msr & UART_MSR_ANY_DELTA;
    if (changed & UART_MSR_CTS) delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR) delta |= UART_MSR_DDSR;
    if (changed & UART_MSR_DCD) delta |= UART_MSR_DDCD;
    // TERI: trailing edge of RI only.
    if (changed & UART_MSR_RI && !(lines & UART_MSR_RI)) delta |= UART_MSR_TERI;
    this.msr = lines | delta;
  }

  read(offset: number, _size: AccessSize): number {
    switch (offset & 7) {
      case UART_RBR: {
        if (this.lcr & UART_LCR_DLAB) {
          return this.divisor & 0xff;
        }
        const byte = this.popRx();
        this.restartTimeout();
        this.update();
        if (!this.loopback()) {
          this.chardev?.acceptInput();
        }
        return byte;
      }
      case UART_IER:
        return this.lcr & UART_LCR_DLAB ? this.divisor >> 8 : this.ier;
      case UART_IIR: {
        const id = this.interruptId();
        if (id === UART_IIR_THRI) {
          // Reading IIR while THRE is the source clears it (table IV, "Reset Control").
          this.thrIpending = false;
          this.update();
        }
        return id | (this.fifoEnabled ? UART_IIR_FIFO_ENABLED : 0);
      }
      case UART_LCR:
        return this.lcr;
      case UART_MCR:
        return this.mcr;
      case UART_LSR: {
        const value = this.lsr;
        // Reading LSR clears OE, PE, FE, BI and with them the line status interrupt.
        this.lsr &= ~UART_LSR_INT_ANY;
        this.update();
        return value;
      }
      case UART_MSR: {
        const value = this.msr;
        this.msr &= ~UART_MSR_ANY_DELTA;
        this.update();
        return value;
      }
      default:
        return this.scr;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    switch (offset & 7) {
      case UART_THR:
        if (this.lcr & UART_LCR_DLAB) {
          this.divisor = (this.divisor & 0xff00) | value;
          this.updateCharTime();
        } else {
          this.transmit(value);
        }
        return;
      case UART_IER:
        if (this.lcr & UART_LCR_DLAB) {
          this.divisor = (this.divisor & 0x00ff) | (value << 8);
          this.updateCharTime();
          return;
        }
        this.writeIer(value & 0x0f);
        return;
      case UART_FCR:
        this.writeFcr(value);
        return;
      case UART_LCR:
        this.lcr = value;
        this.updateCharTime();
        return;
      case UART_MCR: {
        const wasLoop = this.loopback();
        this.mcr = value & 0x1f;
        this.updateMsr();
        this.update();
        if (wasLoop && !this.loopback()) {
          this.chardev?.acceptInput();
        }
        return;
      }
      case UART_LSR:
      case UART_MSR:
        return; // read-only (factory test registers on some parts)
      default:
        this.scr = value;
        return;
    }
  }

  private writeIer(value: number): void {
    const changed = this.ier ^ value;
    this.ier = value;
    if (changed & UART_IER_THRI) {
      // Enabling ETBEI with THR empty raises the THRE interrupt at once (QEMU, Bochs and Windows rely on it).
      this.thrIpending = (value & UART_IER_THRI) !== 0 && (this.lsr & UART_LSR_THRE) !== 0;
    }
    this.update();
  }

  private writeFcr(value: number): void {
    const enable = (value & UART_FCR_FE) !== 0;
    if (enable !== this.fifoEnabled) {
      // Changing the FIFO enable clears both FIFOs (8.7 bit 0).
      this.clearRx();
    }
    if (!enable) {
      // FCR0 must be set for the other bits to be programmed.
      this.fcr = 0;
    } else {
      if (value & UART_FCR_RFR) {
        this.clearRx();
      }
      this.fcr = value & ~(UART_FCR_RFR | UART_FCR_XFR);
    }
    this.restartTimeout();
    this.update();
    this.chardev?.acceptInput();
  }

  /**
   * THR write: the character leaves at once (the transmitter is never busy, as in QEMU), so THR
   * and the shift register are empty again and THRE interrupts anew. In loopback the serial output
   * feeds the receiver instead of the line.
   */
  private transmit(byte: number): void {
    this.thrIpending = false;
    this.lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
    this.update();
    if (this.loopback()) {
      this.pushRx(byte, 0);
      this.restartTimeout();
    } else if (this.chardev !== undefined) {
      this.txByte[0] = byte;
      this.chardev.write(this.txByte);
    }
    this.lsr |= UART_LSR_THRE | UART_LSR_TEMT;
    this.thrIpending = true;
    this.update();
  }

  /**
   * Master reset (datasheet table V): registers to their reset values, FIFOs empty, 9600 baud
   * divisor, except that MCR comes up with OUT2 set as QEMU's serial_reset leaves it (guest-visible
   * on QEMU 7.2; the datasheet says 0).
   */
  reset(): void {
    this.ier = 0;
    this.fcr = 0;
    this.lcr = 0;
    this.mcr = UART_MCR_OUT2;
    this.lsr = UART_LSR_THRE | UART_LSR_TEMT;
    this.scr = 0;
    this.divisor = 0x0c;
    this.thrIpending = false;
    this.clearRx();
    this.updateCharTime();
    this.msr = this.modemInputs;
    this.update();
  }

  state(): Uart16550State {
    const rx: number[] = [];
    const rxFlags: number[] = [];
    for (let i = 0; i < this.rxCount; i++) {
      const slot = (this.rxHead + i) % UART_FIFO_LENGTH;
      rx.push(this.rx[slot]!);
      rxFlags.push(this.rxFlags[slot]!);
    }
    return {
      ier: this.ier,
      fcr: this.fcr,
      lcr: this.lcr,
      mcr: this.mcr,
      lsr: this.lsr,
      msr: this.msr,
      scr: this.scr,
      divisor: this.divisor,
      rx,
      rxFlags,
      thrIpending: this.thrIpending,
      timeoutIpending: this.timeoutIpending,
      timeoutDeadline: this.timeoutDeadline,
      modemInputs: this.modemInputs,
    };
  }

  fromState(s: Uart16550State): void {
    this.ier = s.ier & 0x0f;
    this.fcr = s.fcr & 0xf9;
    this.lcr = s.lcr & 0xff;
    this.mcr = s.mcr & 0x1f;
    this.lsr = s.lsr & 0xff;
    this.msr = s.msr & 0xff;
    this.scr = s.scr & 0xff;
    this.divisor = s.divisor & 0xffff;
    this.modemInputs = s.modemInputs & 0xf0;
    this.rxHead = 0;
    this.rxCount = Math.min(s.rx.length, this.rxCapacity);
    this.rx.fill(0);
    this.rxFlags.fill(0);
    for (let i = 0; i < this.rxCount; i++) {
      this.rx[i] = s.rx[i]!;
      this.rxFlags[i] = (s.rxFlags[i] ?? 0) & (UART_LSR_PE | UART_LSR_FE | UART_LSR_BI);
    }
    this.thrIpending = s.thrIpending;
    this.timeoutIpending = s.timeoutIpending;
    this.updateCharTime();
    this.timeoutDeadline = s.timeoutDeadline;
    if (s.timeoutDeadline >= 0) {
      this.timeoutTimer.mod(s.timeoutDeadline);
    } else {
      this.timeoutTimer.del();
    }
    this.update();
  }
}
