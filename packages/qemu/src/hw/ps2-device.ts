/**
 * What the two PS/2 devices (keyboard, mouse) share: the 16-byte output queue the PS/2 protocol
 * requires (IBM PS/2 Keyboard/Mouse Technical References: the devices buffer up to 16 bytes while
 * the controller inhibits the clock line), the last byte sent for the Resend command, and a hook the
 * controller uses to learn that data is waiting.
 */

export const PS2_QUEUE_SIZE = 16;
/** Acknowledge, sent for every valid command byte. */
export const PS2_ACK = 0xfa;
/** Resend request: the device did not understand the byte (or wants it again). */
export const PS2_RESEND = 0xfe;
/** Second invalid byte in a row (mouse) / hardware error. */
export const PS2_ERROR = 0xfc;
/** Basic Assurance Test passed. */
export const PS2_BAT_OK = 0xaa;

export interface Ps2DeviceState {
  queue: number[];
  lastSent: number;
}

export abstract class Ps2Device {
  private readonly buf = new Uint8Array(PS2_QUEUE_SIZE);
  private head = 0;
  private count = 0;
  /** Last byte handed to the controller (for the 0xFE Resend command). */
  protected lastSent = 0;
  /** Set by the controller: called when the queue goes from empty to non-empty. */
  onDataAvailable: () => void = () => undefined;

  /** A byte from the controller to the device. */
  abstract write(byte: number): void;

  get pending(): number {
    return this.count;
  }

  get free(): number {
    return PS2_QUEUE_SIZE - this.count;
  }

  /** Queues a byte for the controller; returns false (dropping it) when the queue is full. */
  protected queue(byte: number): boolean {
    if (this.count >= PS2_QUEUE_SIZE) {
      return false;
    }
    this.buf[(this.head + this.count) % PS2_QUEUE_SIZE] = byte;
    this.count++;
    if (this.count === 1) {
      this.onDataAvailable();
    }
    return true;
  }

  protected clearQueue(): void {
    this.head = 0;
    this.count = 0;
  }

  /** The controller takes the next byte (the caller checks `pending` first). */
  read(): number {
    if (this.count === 0) {
      return this.lastSent;
    }
    const byte = this.buf[this.head]!;
    this.head = (this.head + 1) % PS2_QUEUE_SIZE;
    this.count--;
    this.lastSent = byte;
    return byte;
  }

  protected queueState(): Ps2DeviceState {
    const queue: number[] = [];
    for (let i = 0; i < this.count; i++) {
      queue.push(this.buf[(this.head + i) % PS2_QUEUE_SIZE]!);
    }
    return { queue, lastSent: this.lastSent };
  }

  protected restoreQueue(s: Ps2DeviceState): void {
    this.head = 0;
    this.count = Math.min(s.queue.length, PS2_QUEUE_SIZE);
    for (let i = 0; i < this.count; i++) {
      this.buf[i] = s.queue[i]! & 0xff;
    }
    this.lastSent = s.lastSent & 0xff;
  }
}
