import type { AccessSize, IoDevice, IrqLine, Stateful } from "./io-device.js";
import { NO_IRQ } from "./io-device.js";
import { Ps2Keyboard, type Ps2KeyboardState } from "./ps2-keyboard.js";
import { Ps2Mouse, type Ps2MouseState } from "./ps2-mouse.js";
import { SET2_BREAK_PREFIX, SET2_TO_SET1 } from "./scancode-translation.js";

/*
 * Intel 8042 keyboard controller as in the PC/AT and PS/2 (IBM PS/2 Hardware Interface Technical
 * Reference, "Keyboard/Auxiliary Device Controller": status register, command byte, controller
 * commands, input/output ports), with a PS/2 keyboard and mouse on its two ports.
 */

export const I8042_DATA_PORT = 0x60;
export const I8042_COMMAND_PORT = 0x64;
export const I8042_KBD_IRQ = 1;
export const I8042_AUX_IRQ = 12;

/** Status register (read 0x64). */
export const KBD_STAT_OBF = 0x01;
export const KBD_STAT_IBF = 0x02;
export const KBD_STAT_SYS = 0x04;
export const KBD_STAT_CMD = 0x08;
export const KBD_STAT_UNLOCKED = 0x10;
export const KBD_STAT_AUX_OBF = 0x20;
export const KBD_STAT_TIMEOUT = 0x40;
export const KBD_STAT_PARITY = 0x80;

/** Controller command byte ("mode", RAM byte 0). */
export const KBD_MODE_KBD_INT = 0x01;
export const KBD_MODE_AUX_INT = 0x02;
export const KBD_MODE_SYS = 0x04;
export const KBD_MODE_NO_KEYLOCK = 0x08;
export const KBD_MODE_DISABLE_KBD = 0x10;
export const KBD_MODE_DISABLE_AUX = 0x20;
export const KBD_MODE_XLATE = 0x40;

/** Output port P2. */
export const KBD_OUT_RESET = 0x01;
export const KBD_OUT_A20 = 0x02;
export const KBD_OUT_OBF = 0x10;
export const KBD_OUT_AUX_OBF = 0x20;
/** Bits QEMU keeps set in the output port by default (keyboard clock/data lines, bits 2-3). */
const KBD_OUT_ONES = 0xcc;

/** Controller commands written to 0x64. */
export const KBD_CCMD_READ_MODE = 0x20;
export const KBD_CCMD_WRITE_MODE = 0x60;
export const KBD_CCMD_PASSWORD_TEST = 0xa4;
export const KBD_CCMD_AUX_DISABLE = 0xa7;
export const KBD_CCMD_AUX_ENABLE = 0xa8;
export const KBD_CCMD_AUX_TEST = 0xa9;
export const KBD_CCMD_SELF_TEST = 0xaa;
export const KBD_CCMD_KBD_TEST = 0xab;
export const KBD_CCMD_KBD_DISABLE = 0xad;
export const KBD_CCMD_KBD_ENABLE = 0xae;
export const KBD_CCMD_READ_INPORT = 0xc0;
export const KBD_CCMD_READ_OUTPORT = 0xd0;
export const KBD_CCMD_WRITE_OUTPORT = 0xd1;
export const KBD_CCMD_WRITE_KBD_OBUF = 0xd2;
export const KBD_CCMD_WRITE_AUX_OBUF = 0xd3;
export const KBD_CCMD_WRITE_AUX = 0xd4;
export const KBD_CCMD_DISABLE_A20 = 0xdd;
export const KBD_CCMD_ENABLE_A20 = 0xdf;
export const KBD_CCMD_READ_TEST_INPUTS = 0xe0;
export const KBD_CCMD_PULSE_BITS_3_0 = 0xf0;
export const KBD_CCMD_RESET = 0xfe;

const SELF_TEST_OK = 0x55;
const INTERFACE_TEST_OK = 0x00;
/** Input port P1: bit 7 = keyboard not inhibited by the keylock (QEMU returns 0x80). */
const INPUT_PORT = 0x80;
const PASSWORD_NOT_INSTALLED = 0xf1;

/** Who put the byte in the output buffer. */
const SRC_CONTROLLER = 0;
const SRC_KBD = 1;
const SRC_AUX = 2;

export interface I8042State {
  ram: number[];
  status: number;
  outport: number;
  pendingCommand: number;
  obf: boolean;
  obData: number;
  obSource: number;
  replies: number[];
  replySources: number[];
  xlateBreak: boolean;
  keyboard: Ps2KeyboardState;
  mouse: Ps2MouseState;
}

export interface I8042Options {
  kbdIrq?: IrqLine;
  auxIrq?: IrqLine;
  /** A20 gate driven by output port bit 1 (and commands DD/DF). */
  a20?: IrqLine;
  /** System reset requested: output port bit 0 pulsed or written low (command FE, D1). */
  onReset?: () => void;
}

export class I8042 implements Stateful<I8042State> {
  readonly keyboard = new Ps2Keyboard();
  readonly mouse = new Ps2Mouse();
  /** Port 0x60: output buffer (read), input buffer to the keyboard or a command's parameter (write). */
  readonly dataPort: IoDevice;
  /** Port 0x64: status register (read), controller command (write). */
  readonly commandPort: IoDevice;
  /** 32 bytes of controller RAM; byte 0 is the command byte. */
  private readonly ram = new Uint8Array(32);
  private status = KBD_STAT_CMD | KBD_STAT_UNLOCKED;
  private outport = KBD_OUT_RESET | KBD_OUT_A20 | KBD_OUT_ONES;
  /** A command that takes its parameter through port 0x60, or 0. */
  private pendingCommand = 0;
  private obf = false;
  private obData = 0;
  private obSource = SRC_CONTROLLER;
  /** Controller replies waiting for the output buffer (they go before device data). */
  private readonly replies: number[] = [];
  private readonly replySources: number[] = [];
  /** Translation saw the set-2 break prefix and folds it into the next byte. */
  private xlateBreak = false;
  private kbdIrqLevel = false;
  private auxIrqLevel = false;
  private readonly kbdIrq: IrqLine;
  private readonly auxIrq: IrqLine;
  private readonly a20: IrqLine;
  private readonly onReset: () => void;

  constructor(options: I8042Options = {}) {
    this.kbdIrq = options.kbdIrq ?? NO_IRQ;
    this.auxIrq = options.auxIrq ?? NO_IRQ;
    this.a20 = options.a20 ?? NO_IRQ;
    this.onReset =
      options.onReset ??
      (() => {
        // no reset handler wired
      });
    this.ram[0] = KBD_MODE_KBD_INT | KBD_MODE_AUX_INT;
    this.keyboard.onDataAvailable = () => {
      this.fill();
    };
    this.mouse.onDataAvailable = () => {
      this.fill();
    };
    this.dataPort = {
      read: (_offset: number, _size: AccessSize) => this.readData(),
      write: (_offset: number, _size: AccessSize, value: number) => {
        this.writeData(value & 0xff);
      },
    };
    this.commandPort = {
      read: (_offset: number, _size: AccessSize) => this.readStatus(),
      write: (_offset: number, _size: AccessSize, value: number) => {
        this.writeCommand(value & 0xff);
      },
    };
  }

  get mode(): number {
    return this.ram[0]!;
  }

  get a20Enabled(): boolean {
    return (this.outport & KBD_OUT_A20) !== 0;
  }

  readStatus(): number {
    return this.status | (this.obf ? KBD_STAT_OBF : 0) | (this.obf && this.obSource === SRC_AUX ? KBD_STAT_AUX_OBF : 0);
  }

  readData(): number {
    const value = this.obData;
    if (this.obf) {
      this.obf = false;
      this.updateIrq();
      this.fill();
    }
    return value;
  }

  private reply(byte: number, source = SRC_CONTROLLER): void {
    this.replies.push(byte & 0xff);
    this.replySources.push(source);
    this.fill();
  }

  /** Loads the output buffer when it is empty: controller replies, then keyboard, then mouse. */
  private fill(): void {
    while (!this.obf) {
      if (this.replies.length > 0) {
        this.obData = this.replies.shift()!;
        this.obSource = this.replySources.shift()!;
        this.obf = true;
        break;
      }
      const mode = this.ram[0]!;
      if (!(mode & KBD_MODE_DISABLE_KBD) && this.keyboard.pending > 0) {
        const byte = this.keyboard.read();
        if (mode & KBD_MODE_XLATE) {
          if (byte === SET2_BREAK_PREFIX) {
            this.xlateBreak = true;
            continue; // absorbed: the next byte carries the break bit
          }
          this.obData = SET2_TO_SET1[byte]! | (this.xlateBreak ? 0x80 : 0);
          this.xlateBreak = false;
        } else {
          this.obData = byte;
        }
        this.obSource = SRC_KBD;
        this.obf = true;
        break;
      }
      if (!(mode & KBD_MODE_DISABLE_AUX) && this.mouse.pending > 0) {
        this.obData = this.mouse.read();
        this.obSource = SRC_AUX;
        this.obf = true;
        break;
      }
      return;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const mode = this.ram[0]!;
    const aux = this.obSource === SRC_AUX;
    const kbdLevel = this.obf && !aux && (mode & KBD_MODE_KBD_INT) !== 0;
    const auxLevel = this.obf && aux && (mode & KBD_MODE_AUX_INT) !== 0;
    this.outport = (this.outport & ~(KBD_OUT_OBF | KBD_OUT_AUX_OBF)) | (kbdLevel ? KBD_OUT_OBF : 0) | (auxLevel ? KBD_OUT_AUX_OBF : 0);
    if (kbdLevel !== this.kbdIrqLevel) {
      this.kbdIrqLevel = kbdLevel;
      this.kbdIrq.setLevel(kbdLevel);
    }
    if (auxLevel !== this.auxIrqLevel) {
      this.auxIrqLevel = auxLevel;
      this.auxIrq.setLevel(auxLevel);
    }
  }

  private writeOutport(value: number): void {
    this.outport = (value & ~(KBD_OUT_OBF | KBD_OUT_AUX_OBF)) | (this.outport & (KBD_OUT_OBF | KBD_OUT_AUX_OBF));
    this.a20.setLevel((value & KBD_OUT_A20) !== 0);
    if (!(value & KBD_OUT_RESET)) {
      this.onReset();
    }
  }

  writeCommand(command: number): void {
    this.status |= KBD_STAT_CMD;
    // F0-FF pulse the output port bits whose command bit is 0 for ~6 us; only bit 0 (reset) does anything.
    if ((command & KBD_CCMD_PULSE_BITS_3_0) === KBD_CCMD_PULSE_BITS_3_0) {
      if (!(command & KBD_OUT_RESET)) {
        this.onReset();
      }
      return;
    }
    if (command >= KBD_CCMD_READ_MODE && command < KBD_CCMD_READ_MODE + 0x20) {
      this.reply(this.ram[command - KBD_CCMD_READ_MODE]!);
      return;
    }
    if (command >= KBD_CCMD_WRITE_MODE && command < KBD_CCMD_WRITE_MODE + 0x20) {
      this.pendingCommand = command;
      return;
    }
    switch (command) {
      case KBD_CCMD_WRITE_OUTPORT:
      case KBD_CCMD_WRITE_KBD_OBUF:
      case KBD_CCMD_WRITE_AUX_OBUF:
      case KBD_CCMD_WRITE_AUX:
        this.pendingCommand = command;
        return;
      case KBD_CCMD_PASSWORD_TEST:
        this.reply(PASSWORD_NOT_INSTALLED);
        return;
      case KBD_CCMD_AUX_DISABLE:
        this.ram[0] = this.ram[0]! | KBD_MODE_DISABLE_AUX;
        return;
      case KBD_CCMD_AUX_ENABLE:
        this.ram[0] = this.ram[0]! & ~KBD_MODE_DISABLE_AUX;
        this.fill();
        return;
      case KBD_CCMD_AUX_TEST:
      case KBD_CCMD_KBD_TEST:
        this.reply(INTERFACE_TEST_OK);
        return;
      case KBD_CCMD_SELF_TEST:
        this.status |= KBD_STAT_SYS;
        this.reply(SELF_TEST_OK);
        return;
      case KBD_CCMD_KBD_DISABLE:
        this.ram[0] = this.ram[0]! | KBD_MODE_DISABLE_KBD;
        return;
      case KBD_CCMD_KBD_ENABLE:
        this.ram[0] = this.ram[0]! & ~KBD_MODE_DISABLE_KBD;
        this.fill();
        return;
      case KBD_CCMD_READ_INPORT:
        this.reply(INPUT_PORT);
        return;
      case KBD_CCMD_READ_OUTPORT:
        this.reply(this.outport);
        return;
      case KBD_CCMD_ENABLE_A20:
        this.outport |= KBD_OUT_A20;
        this.a20.setLevel(true);
        return;
      case KBD_CCMD_DISABLE_A20:
        this.outport &= ~KBD_OUT_A20;
        this.a20.setLevel(false);
        return;
      case KBD_CCMD_READ_TEST_INPUTS:
        this.reply(0x00);
        return;
      default:
        return; // unsupported command: ignored, as QEMU does
    }
  }

  writeData(value: number): void {
    this.status &= ~KBD_STAT_CMD;
    const command = this.pendingCommand;
    this.pendingCommand = 0;
    if (command >= KBD_CCMD_WRITE_MODE && command < KBD_CCMD_WRITE_MODE + 0x20) {
      this.ram[command - KBD_CCMD_WRITE_MODE] = value;
      if (command === KBD_CCMD_WRITE_MODE) {
        // The system flag in the status register follows command byte bit 2.
        this.status = (this.status & ~KBD_STAT_SYS) | (value & KBD_MODE_SYS);
        this.fill();
        this.updateIrq();
      }
      return;
    }
    switch (command) {
      case KBD_CCMD_WRITE_OUTPORT:
        this.writeOutport(value);
        return;
      case KBD_CCMD_WRITE_KBD_OBUF:
        this.reply(value, SRC_KBD);
        return;
      case KBD_CCMD_WRITE_AUX_OBUF:
        this.reply(value, SRC_AUX);
        return;
      case KBD_CCMD_WRITE_AUX:
        this.mouse.write(value);
        return;
      default:
        this.keyboard.write(value);
    }
  }

  /** Power-on / system reset of the controller (QEMU kbd_reset) and of both devices. */
  reset(): void {
    this.ram.fill(0);
    this.ram[0] = KBD_MODE_KBD_INT | KBD_MODE_AUX_INT;
    this.status = KBD_STAT_CMD | KBD_STAT_UNLOCKED;
    this.outport = KBD_OUT_RESET | KBD_OUT_A20 | KBD_OUT_ONES;
    this.pendingCommand = 0;
    this.obf = false;
    this.replies.length = 0;
    this.replySources.length = 0;
    this.xlateBreak = false;
    this.keyboard.reset();
    this.mouse.reset();
    this.updateIrq();
  }

  state(): I8042State {
    return {
      ram: Array.from(this.ram),
      status: this.status,
      outport: this.outport,
      pendingCommand: this.pendingCommand,
      obf: this.obf,
      obData: this.obData,
      obSource: this.obSource,
      replies: [...this.replies],
      replySources: [...this.replySources],
      xlateBreak: this.xlateBreak,
      keyboard: this.keyboard.state(),
      mouse: this.mouse.state(),
    };
  }

  fromState(s: I8042State): void {
    for (let i = 0; i < 32; i++) {
      this.ram[i] = (s.ram[i] ?? 0) & 0xff;
    }
    this.status = s.status & ~(KBD_STAT_OBF | KBD_STAT_AUX_OBF | KBD_STAT_IBF);
    this.outport = s.outport & 0xff;
    this.pendingCommand = s.pendingCommand & 0xff;
    this.obf = s.obf;
    this.obData = s.obData & 0xff;
    this.obSource = s.obSource === SRC_AUX || s.obSource === SRC_KBD ? s.obSource : SRC_CONTROLLER;
    this.replies.length = 0;
    this.replySources.length = 0;
    for (let i = 0; i < s.replies.length; i++) {
      this.replies.push(s.replies[i]! & 0xff);
      this.replySources.push(s.replySources[i] ?? SRC_CONTROLLER);
    }
    this.xlateBreak = s.xlateBreak;
    this.keyboard.fromState(s.keyboard);
    this.mouse.fromState(s.mouse);
    this.a20.setLevel((this.outport & KBD_OUT_A20) !== 0);
    this.updateIrq();
  }
}
