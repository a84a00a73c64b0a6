import type { CharBackend } from "../chardev/chardev.js";
import type { AccessSize, IoDevice } from "./io-device.js";

/**
 * QEMU's "isa-debugcon" (hw/char/debugcon.c), the Bochs "port E9 hack": bytes written to the port
 * go straight to a character backend; a read returns the `readback` property (0xE9) so firmware
 * can detect the console.
 */
export const ISA_DEBUGCON_IOBASE = 0xe9;
export const ISA_DEBUGCON_READBACK = 0xe9;

export interface IsaDebugconOptions {
  iobase?: number;
  readback?: number;
  chardev?: CharBackend;
}

export class IsaDebugcon implements IoDevice {
  readonly iobase: number;
  private readonly readback: number;
  private chardev: CharBackend | undefined;
  /** One preallocated byte: writes allocate nothing. */
  private readonly byte = new Uint8Array(1);

  constructor(options: IsaDebugconOptions = {}) {
    this.iobase = options.iobase ?? ISA_DEBUGCON_IOBASE;
    this.readback = (options.readback ?? ISA_DEBUGCON_READBACK) & 0xff;
    this.chardev = options.chardev;
  }

  attach(chardev: CharBackend | undefined): void {
    this.chardev = chardev;
  }

  read(_offset: number, _size: AccessSize): number {
    return this.readback;
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    if (this.chardev !== undefined) {
      this.byte[0] = value;
      this.chardev.write(this.byte);
    }
  }
}
