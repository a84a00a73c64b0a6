import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";
import { NO_IRQ } from "./io-device.js";

/**
 * Port 0x92, PS/2 "System Control Port A" (IBM PS/2 Hardware Interface Technical Reference,
 * "System Control Port A"; QEMU's "port92"): bit 1 gates A20 (fast A20), a 0->1 transition of
 * bit 0 resets the processor. The other bits read back as written.
 */
export const SYSTEM_CONTROL_PORT_A = 0x92;
export const PORTA_FAST_RESET = 0x01;
export const PORTA_A20 = 0x02;

export interface SystemControlPortAState {
  value: number;
}

export interface SystemControlPortAOptions {
  /** The A20 gate this port drives (OR it with the i8042 output port's A20 line on the board). */
  a20?: IrqLine;
  /** Called on the fast-reset edge: the machine must perform a system reset. */
  onReset?: () => void;
}

export class SystemControlPortA implements IoDevice, Stateful<SystemControlPortAState> {
  private value = 0;
  private readonly a20: IrqLine;
  private readonly onReset: () => void;

  constructor(options: SystemControlPortAOptions = {}) {
    this.a20 = options.a20 ?? NO_IRQ;
    this.onReset =
      options.onReset ??
      (() => {
        // no reset handler wired
      });
  }

  read(_offset: number, _size: AccessSize): number {
    return this.value;
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    const old = this.value;
    this.value = value & 0xff;
    this.a20.setLevel((this.value & PORTA_A20) !== 0);
    if (this.value & PORTA_FAST_RESET && !(old & PORTA_FAST_RESET)) {
      this.onReset();
    }
  }

  get a20Enabled(): boolean {
    return (this.value & PORTA_A20) !== 0;
  }

  /** System reset clears the reset bit so the next 0->1 write resets again (QEMU port92_reset). */
  reset(): void {
    this.value &= ~PORTA_FAST_RESET;
  }

  state(): SystemControlPortAState {
    return { value: this.value };
  }

  fromState(s: SystemControlPortAState): void {
    this.value = s.value & 0xff;
    this.a20.setLevel((this.value & PORTA_A20) !== 0);
  }
}
