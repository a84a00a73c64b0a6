import { PS2_ACK, PS2_BAT_OK, PS2_ERROR, PS2_RESEND, Ps2Device, type Ps2DeviceState } from "./ps2-device.js";

/*
 * A PS/2 mouse on the i8042's auxiliary port (IBM PS/2 Mouse Technical Reference, "Commands" and
 * "Data Report"), with the IntelliMouse extensions Linux's psmouse probes: the sample-rate knock
 * 200,100,80 turns it into an IMPS/2 wheel mouse (ID 3), then 200,200,80 into an Explorer (ID 4).
 */

export const AUX_SET_SCALE11 = 0xe6;
export const AUX_SET_SCALE21 = 0xe7;
export const AUX_SET_RES = 0xe8;
export const AUX_GET_SCALE = 0xe9;
export const AUX_SET_STREAM = 0xea;
export const AUX_POLL = 0xeb;
export const AUX_RESET_WRAP = 0xec;
export const AUX_SET_WRAP = 0xee;
export const AUX_SET_REMOTE = 0xf0;
export const AUX_GET_TYPE = 0xf2;
export const AUX_SET_SAMPLE = 0xf3;
export const AUX_ENABLE_DEV = 0xf4;
export const AUX_DISABLE_DEV = 0xf5;
export const AUX_SET_DEFAULT = 0xf6;
export const AUX_RESEND = 0xfe;
export const AUX_RESET = 0xff;

/** Status byte (E9 response byte 1). */
const STATUS_REMOTE = 0x40;
const STATUS_ENABLED = 0x20;
const STATUS_SCALE21 = 0x10;

/** Button bits as callers pass them (and as packet byte 0 carries them). */
export const MOUSE_BUTTON_LEFT = 0x01;
export const MOUSE_BUTTON_RIGHT = 0x02;
export const MOUSE_BUTTON_MIDDLE = 0x04;

export interface Ps2MouseState extends Ps2DeviceState {
  status: number;
  resolution: number;
  sampleRate: number;
  wrap: boolean;
  type: number;
  detect: number[];
  expecting: number;
  invalidRun: number;
  dx: number;
  dy: number;
  dz: number;
  buttons: number;
}

export class Ps2Mouse extends Ps2Device {
  private status = 0;
  private resolution = 2;
  private sampleRate = 100;
  private wrap = false;
  /** Device ID: 0 standard, 3 IntelliMouse (wheel), 4 IntelliMouse Explorer. */
  private type = 0;
  /** The last three sample rates set, for the IntelliMouse knock. */
  private readonly detect = [0, 0, 0];
  private expecting = 0;
  private invalidRun = 0;
  private dx = 0;
  private dy = 0;
  private dz = 0;
  private buttons = 0;

  write(byte: number): void {
    byte &= 0xff;
    if (this.wrap && byte !== AUX_RESET_WRAP && byte !== AUX_RESET) {
      this.queue(byte); // wrap (echo) mode
      return;
    }
    if (this.expecting !== 0) {
      const command = this.expecting;
      this.expecting = 0;
      this.parameter(command, byte);
      return;
    }
    this.invalidRun = byte === AUX_RESEND ? this.invalidRun : 0;
    switch (byte) {
      case AUX_SET_SCALE11:
        this.status &= ~STATUS_SCALE21;
        this.queue(PS2_ACK);
        return;
      case AUX_SET_SCALE21:
        this.status |= STATUS_SCALE21;
        this.queue(PS2_ACK);
        return;
      case AUX_SET_RES:
      case AUX_SET_SAMPLE:
        this.queue(PS2_ACK);
        this.expecting = byte;
        return;
      case AUX_GET_SCALE:
        this.queue(PS2_ACK);
        this.queue(this.status | this.statusButtons());
        this.queue(this.resolution);
        this.queue(this.sampleRate);
        return;
      case AUX_SET_STREAM:
        this.status &= ~STATUS_REMOTE;
        this.queue(PS2_ACK);
        return;
      case AUX_POLL:
        this.queue(PS2_ACK);
        this.sendPacket(true);
        return;
      case AUX_RESET_WRAP:
        this.wrap = false;
        this.queue(PS2_ACK);
        return;
      case AUX_SET_WRAP:
        this.wrap = true;
        this.queue(PS2_ACK);
        return;
      case AUX_SET_REMOTE:
        this.status |= STATUS_REMOTE;
        this.queue(PS2_ACK);
        return;
      case AUX_GET_TYPE:
        this.queue(PS2_ACK);
        this.queue(this.type);
        return;
      case AUX_ENABLE_DEV:
        this.status |= STATUS_ENABLED;
        this.queue(PS2_ACK);
        return;
      case AUX_DISABLE_DEV:
        this.status &= ~STATUS_ENABLED;
        this.queue(PS2_ACK);
        return;
      case AUX_SET_DEFAULT:
        this.setDefaults();
        this.queue(PS2_ACK);
        return;
      case AUX_RESEND:
        this.queue(this.lastSent);
        return;
      case AUX_RESET:
        this.setDefaults();
        this.type = 0;
        this.wrap = false;
        this.clearQueue();
        this.queue(PS2_ACK);
        this.queue(PS2_BAT_OK);
        this.queue(0x00); // device ID after BAT
        return;
      default:
        // Invalid command: Resend, and Error on a second invalid byte in a row.
        this.invalidRun++;
        this.queue(this.invalidRun >= 2 ? PS2_ERROR : PS2_RESEND);
    }
  }

  private parameter(command: number, value: number): void {
    if (command === AUX_SET_RES) {
      this.resolution = value & 3;
      this.queue(PS2_ACK);
      return;
    }
    this.sampleRate = value;
    this.detect[0] = this.detect[1]!;
    this.detect[1] = this.detect[2]!;
    this.detect[2] = value;
    if (this.detect[0] === 200 && this.detect[1] === 100 && this.detect[2] === 80) {
      if (this.type === 0) this.type = 3;
    } else if (this.detect[0] === 200 && this.detect[1] === 200 && this.detect[2] === 80) {
      if (this.type === 3) this.type = 4;
    }
    this.queue(PS2_ACK);
  }

  private setDefaults(): void {
    this.status = 0;
    this.resolution = 2;
    this.sampleRate = 100;
    this.expecting = 0;
    this.dx = 0;
    this.dy = 0;
    this.dz = 0;
  }

  /** Buttons in status-byte order: bit 2 left, bit 1 middle, bit 0 right. */
  private statusButtons(): number {
    return (
      (this.buttons & MOUSE_BUTTON_LEFT ? 0x04 : 0) |
      (this.buttons & MOUSE_BUTTON_MIDDLE ? 0x02 : 0) |
      (this.buttons & MOUSE_BUTTON_RIGHT ? 0x01 : 0)
    );
  }

  /** Movement (dy positive = up, as the mouse reports) and wheel; buttons with the MOUSE_BUTTON_* bits. */
  move(dx: number, dy: number, dz = 0): void {
    this.dx += Math.trunc(dx);
    this.dy += Math.trunc(dy);
    this.dz += Math.trunc(dz);
    this.report();
  }

  setButtons(buttons: number): void {
    this.buttons = buttons & 7;
    this.report();
  }

  /** Stream mode with reporting enabled: send as many packets as it takes to flush the movement. */
  private report(): void {
    if ((this.status & (STATUS_ENABLED | STATUS_REMOTE)) !== STATUS_ENABLED || this.wrap) {
      return;
    }
    do {
      if (!this.sendPacket(false)) {
        return;
      }
    } while (this.dx !== 0 || this.dy !== 0 || this.dz !== 0);
  }

  private scale(d: number): number {
    if (!(this.status & STATUS_SCALE21)) {
      return d;
    }
    // 2:1 scaling table (Mouse Technical Reference, "Scaling").
    const mag = Math.abs(d);
    const scaled = mag <= 5 ? [0, 1, 1, 3, 6, 9][mag]! : 2 * mag;
    return d < 0 ? -scaled : scaled;
  }

  /** Queues one movement packet from the accumulated motion; false if the queue has no room. */
  private sendPacket(polled: boolean): boolean {
    const size = this.type === 0 ? 3 : 4;
    if (this.free < size) {
      return false;
    }
    const dx = Math.max(-256, Math.min(255, this.dx));
    const dy = Math.max(-256, Math.min(255, this.dy));
    const dz = Math.max(-8, Math.min(7, this.dz));
    const sx = polled ? dx : this.scale(dx);
    const sy = polled ? dy : this.scale(dy);
    const overflowX = sx < -256 || sx > 255;
    const overflowY = sy < -256 || sy > 255;
    const px = Math.max(-256, Math.min(255, sx));
    const py = Math.max(-256, Math.min(255, sy));
    this.queue(
      0x08 |
        (this.buttons & 7) |
        (px < 0 ? 0x10 : 0) |
        (py < 0 ? 0x20 : 0) |
        (overflowX ? 0x40 : 0) |
        (overflowY ? 0x80 : 0),
    );
    this.queue(px & 0xff);
    this.queue(py & 0xff);
    if (this.type === 3) {
      this.queue(dz & 0xff);
    } else if (this.type === 4) {
      this.queue(dz & 0x0f);
    }
    this.dx -= dx;
    this.dy -= dy;
    this.dz -= dz;
    return true;
  }

  get id(): number {
    return this.type;
  }

  reset(): void {
    this.setDefaults();
    this.type = 0;
    this.wrap = false;
    this.buttons = 0;
    this.clearQueue();
  }

  state(): Ps2MouseState {
    return {
      ...this.queueState(),
      status: this.status,
      resolution: this.resolution,
      sampleRate: this.sampleRate,
      wrap: this.wrap,
      type: this.type,
      detect: [...this.detect],
      expecting: this.expecting,
      invalidRun: this.invalidRun,
      dx: this.dx,
      dy: this.dy,
      dz: this.dz,
      buttons: this.buttons,
    };
  }

  fromState(s: Ps2MouseState): void {
    this.restoreQueue(s);
    this.status = s.status & (STATUS_REMOTE | STATUS_ENABLED | STATUS_SCALE21);
    this.resolution = s.resolution & 3;
    this.sampleRate = s.sampleRate & 0xff;
    this.wrap = s.wrap;
    this.type = s.type === 3 || s.type === 4 ? s.type : 0;
    for (let i = 0; i < 3; i++) {
      this.detect[i] = s.detect[i] ?? 0;
    }
    this.expecting = s.expecting & 0xff;
    this.invalidRun = s.invalidRun;
    this.dx = s.dx;
    this.dy = s.dy;
    this.dz = s.dz;
    this.buttons = s.buttons & 7;
  }
}
