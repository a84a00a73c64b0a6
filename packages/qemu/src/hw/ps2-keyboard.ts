import { PS2_ACK, PS2_BAT_OK, PS2_RESEND, Ps2Device, type Ps2DeviceState } from "./ps2-device.js";
import { SET2_TO_SET1 } from "./scancode-translation.js";

/*
 * A PS/2 (MF II) keyboard (IBM PS/2 Keyboard and Auxiliary Device Controller / Keyboard Technical
 * Reference, "Commands from the System" and "Commands to the System"). It speaks scan code set 2
 * by default; the i8042 translates to set 1 when the guest asks it to.
 */

export const KBD_CMD_SET_LEDS = 0xed;
export const KBD_CMD_ECHO = 0xee;
export const KBD_CMD_SCANCODE_SET = 0xf0;
export const KBD_CMD_GET_ID = 0xf2;
export const KBD_CMD_SET_RATE = 0xf3;
export const KBD_CMD_ENABLE = 0xf4;
export const KBD_CMD_RESET_DISABLE = 0xf5;
export const KBD_CMD_RESET_ENABLE = 0xf6;
export const KBD_CMD_RESEND = 0xfe;
export const KBD_CMD_RESET = 0xff;
/** Keyboard ID bytes after F2 (MF II keyboard: AB 83). */
export const KBD_ID = [0xab, 0x83] as const;
/** Prefix of extended (grey) keys in sets 1 and 2. */
export const SCANCODE_EXTENDED = 0xe0;
/** Overrun code when the keyboard's buffer is full: 00 in set 2, FF in set 1. */
const OVERRUN_SET2 = 0x00;
const OVERRUN_SET1 = 0xff;

export interface Ps2KeyboardState extends Ps2DeviceState {
  scanEnabled: boolean;
  scancodeSet: number;
  leds: number;
  typematic: number;
  expecting: number;
}

export class Ps2Keyboard extends Ps2Device {
  private scanEnabled = true;
  private scancodeSet = 2;
  /** LED state from ED (bit 0 Scroll, 1 Num, 2 Caps Lock). */
  leds = 0;
  private typematic = 0x2b;
  /** The command whose parameter byte is expected next, or 0. */
  private expecting = 0;

  write(byte: number): void {
    byte &= 0xff;
    if (this.expecting !== 0) {
      const command = this.expecting;
      this.expecting = 0;
      this.parameter(command, byte);
      return;
    }
    switch (byte) {
      case KBD_CMD_ECHO:
        this.queue(KBD_CMD_ECHO);
        return;
      case KBD_CMD_SET_LEDS:
      case KBD_CMD_SCANCODE_SET:
      case KBD_CMD_SET_RATE:
        this.queue(PS2_ACK);
        this.expecting = byte;
        return;
      case KBD_CMD_GET_ID:
        this.queue(PS2_ACK);
        this.queue(KBD_ID[0]);
        this.queue(KBD_ID[1]);
        return;
      case KBD_CMD_ENABLE:
        this.clearQueue();
        this.queue(PS2_ACK);
        this.scanEnabled = true;
        return;
      case KBD_CMD_RESET_DISABLE:
        this.setDefaults();
        this.clearQueue();
        this.queue(PS2_ACK);
        this.scanEnabled = false;
        return;
      case KBD_CMD_RESET_ENABLE:
        this.setDefaults();
        this.clearQueue();
        this.queue(PS2_ACK);
        this.scanEnabled = true;
        return;
      case KBD_CMD_RESEND:
        this.queue(this.lastSent);
        return;
      case KBD_CMD_RESET:
        this.setDefaults();
        this.clearQueue();
        this.queue(PS2_ACK);
        this.queue(PS2_BAT_OK); // Basic Assurance Test completed
        this.scanEnabled = true;
        return;
      default:
        if (byte >= 0xf7 && byte <= 0xfd) {
          this.queue(PS2_ACK); // set-3 key type commands: accepted
          return;
        }
        this.queue(PS2_RESEND);
    }
  }

  private parameter(command: number, value: number): void {
    switch (command) {
      case KBD_CMD_SET_LEDS:
        this.leds = value & 7;
        this.queue(PS2_ACK);
        return;
      case KBD_CMD_SET_RATE:
        this.typematic = value & 0x7f;
        this.queue(PS2_ACK);
        return;
      default: // KBD_CMD_SCANCODE_SET
        if (value === 0) {
          this.queue(PS2_ACK);
          this.queue(this.scancodeSet);
        } else if (value === 1 || value === 2) {
          this.scancodeSet = value;
          this.queue(PS2_ACK);
        } else {
          this.queue(PS2_RESEND); // set 3 is not implemented by this keyboard
        }
    }
  }

  private setDefaults(): void {
    this.scancodeSet = 2;
    this.typematic = 0x2b;
    this.leds = 0;
    this.expecting = 0;
  }

  /**
   * A key event, named by its set-2 make code (`extended` for the E0-prefixed grey keys). The
   * keyboard sends it in its current scan code set; nothing is sent while scanning is disabled.
   */
  key(set2Code: number, pressed: boolean, extended = false): void {
    if (!this.scanEnabled) {
      return;
    }
    const need = (extended ? 1 : 0) + (pressed || this.scancodeSet === 1 ? 1 : 2);
    if (this.free < need) {
      this.overrun();
      return;
    }
    if (extended) {
      this.queue(SCANCODE_EXTENDED);
    }
    if (this.scancodeSet === 1) {
      this.queue(SET2_TO_SET1[set2Code & 0xff]! | (pressed ? 0 : 0x80));
    } else {
      if (!pressed) {
        this.queue(0xf0);
      }
      this.queue(set2Code & 0xff);
    }
  }

  /** Raw bytes exactly as the keyboard would send them (Pause, Print Screen sequences). */
  sendRaw(bytes: readonly number[]): void {
    if (!this.scanEnabled) {
      return;
    }
    if (this.free < bytes.length) {
      this.overrun();
      return;
    }
    for (const b of bytes) {
      this.queue(b & 0xff);
    }
  }

  private overrun(): void {
    if (this.free > 0) {
      this.queue(this.scancodeSet === 1 ? OVERRUN_SET1 : OVERRUN_SET2);
    }
  }

  get scanning(): boolean {
    return this.scanEnabled;
  }

  get currentSet(): number {
    return this.scancodeSet;
  }

  reset(): void {
    this.setDefaults();
    this.clearQueue();
    this.scanEnabled = true;
  }

  state(): Ps2KeyboardState {
    return {
      ...this.queueState(),
      scanEnabled: this.scanEnabled,
      scancodeSet: this.scancodeSet,
      leds: this.leds,
      typematic: this.typematic,
      expecting: this.expecting,
    };
  }

  fromState(s: Ps2KeyboardState): void {
    this.restoreQueue(s);
    this.scanEnabled = s.scanEnabled;
    this.scancodeSet = s.scancodeSet === 1 ? 1 : 2;
    this.leds = s.leds & 7;
    this.typematic = s.typematic & 0x7f;
    this.expecting = s.expecting & 0xff;
  }
}
