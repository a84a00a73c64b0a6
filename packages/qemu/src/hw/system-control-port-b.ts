import type { I8254 } from "./i8254.js";
import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";
import { NO_IRQ } from "./io-device.js";

/**
 * Port 0x61, "NMI Status and Control Register" of the PIIX3 (82371SB datasheet 4.2.1.6; IBM AT
 * "port B"): PIT counter 2 GATE and speaker enable, NMI source enables and status, and the
 * refresh-cycle toggle that old timing loops watch. QEMU models it as part of "isa-pcspk".
 */
export const SYSTEM_CONTROL_PORT_B = 0x61;

/** Bits of port 0x61 (82371SB 4.2.1.6). */
export const PORTB_TIMER2_GATE = 0x01;
export const PORTB_SPEAKER_DATA = 0x02;
/** Write 1: disable SERR#/parity NMI and clear its status (bit 7). */
export const PORTB_PARITY_CHECK_DISABLE = 0x04;
/** Write 1: disable IOCHK# NMI and clear its status (bit 6). */
export const PORTB_IOCHK_DISABLE = 0x08;
export const PORTB_REFRESH_TOGGLE = 0x10;
export const PORTB_TIMER2_OUT = 0x20;
export const PORTB_IOCHK_STATUS = 0x40;
export const PORTB_PARITY_STATUS = 0x80;
const PORTB_WRITABLE = 0x0f;

export interface SystemControlPortBState {
  control: number;
  refresh: boolean;
  parityError: boolean;
  ioChannelCheck: boolean;
}

export class SystemControlPortB implements IoDevice, Stateful<SystemControlPortBState> {
  private control = 0;
  private refresh = false;
  private parityError = false;
  private ioChannelCheck = false;
  private nmiLevel = false;
  private readonly nmi: IrqLine;

  /**
   * @param pit the 8254 whose counter 2 GATE/OUT this port reaches
   * @param options.nmi NMI request out of this port (still subject to the NMI mask in port 0x70 bit 7)
   */
  constructor(
    private readonly pit: I8254,
    options: { nmi?: IrqLine } = {},
  ) {
    this.nmi = options.nmi ?? NO_IRQ;
  }

  read(_offset: number, _size: AccessSize): number {
    // The refresh request bit toggles on every read, as QEMU's pcspk does, so that delay loops
    // polling it make progress however the virtual clock is advanced.
    this.refresh = !this.refresh;
    return (
      (this.control & PORTB_WRITABLE) |
      (this.refresh ? PORTB_REFRESH_TOGGLE : 0) |
      (this.pit.out(2) ? PORTB_TIMER2_OUT : 0) |
      (this.ioChannelCheck ? PORTB_IOCHK_STATUS : 0) |
      (this.parityError ? PORTB_PARITY_STATUS : 0)
    );
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    const old = this.control;
    this.control = value & PORTB_WRITABLE;
    if (this.control & PORTB_PARITY_CHECK_DISABLE) {
      this.parityError = false;
    }
    if (this.control & PORTB_IOCHK_DISABLE) {
      this.ioChannelCheck = false;
    }
    if ((old ^ this.control) & PORTB_TIMER2_GATE) {
      this.pit.setGate(2, (this.control & PORTB_TIMER2_GATE) !== 0);
    }
    this.updateNmi();
  }

  /** The speaker cone: counter 2 OUT gated by the speaker data bit. */
  get speakerLevel(): boolean {
    return (this.control & PORTB_SPEAKER_DATA) !== 0 && this.pit.out(2);
  }

  /** SERR#/parity error input (latched into bit 7 while enabled). */
  setParityError(): void {
    if (!(this.control & PORTB_PARITY_CHECK_DISABLE)) {
      this.parityError = true;
      this.updateNmi();
    }
  }

  /** IOCHK# input (latched into bit 6 while enabled). */
  setIoChannelCheck(): void {
    if (!(this.control & PORTB_IOCHK_DISABLE)) {
      this.ioChannelCheck = true;
      this.updateNmi();
    }
  }

  private updateNmi(): void {
    const level = this.parityError || this.ioChannelCheck;
    if (level !== this.nmiLevel) {
      this.nmiLevel = level;
      this.nmi.setLevel(level);
    }
  }

  reset(): void {
    this.control = 0;
    this.parityError = false;
    this.ioChannelCheck = false;
    this.pit.setGate(2, false);
    this.updateNmi();
  }

  state(): SystemControlPortBState {
    return {
      control: this.control,
      refresh: this.refresh,
      parityError: this.parityError,
      ioChannelCheck: this.ioChannelCheck,
    };
  }

  /** Restores the port; the PIT's own state (including counter 2 GATE) is restored by the PIT. */
  fromState(s: SystemControlPortBState): void {
    this.control = s.control & PORTB_WRITABLE;
    this.refresh = s.refresh;
    this.parityError = s.parityError;
    this.ioChannelCheck = s.ioChannelCheck;
    this.updateNmi();
  }
}
