import { CharBackendBase } from "./chardev.js";

/** QEMU's default ring size (chardev/char-ringbuf.c: size defaults to 64 KiB). */
export const RINGBUF_DEFAULT_SIZE = 64 * 1024;

/**
 * `-chardev ringbuf,size=N` (alias "memory"): device output accumulates in a power-of-two ring that
 * keeps the newest `size` bytes; QMP's ringbuf-read drains it and ringbuf-write feeds the device.
 * A consumer attached later first receives what the ring holds, then every new byte.
 */
export class RingbufChardev extends CharBackendBase {
  readonly driver = "ringbuf";
  readonly size: number;
  private readonly buf: Uint8Array;
  /** Producer and consumer positions, counted in bytes since creation (QEMU prod/cons). */
  private prod = 0;
  private cons = 0;
  private consumer: ((bytes: Uint8Array) => void) | undefined;

  constructor(id: string, size = RINGBUF_DEFAULT_SIZE) {
    super(id);
    if (!Number.isInteger(size) || size <= 0 || (size & (size - 1)) !== 0 || size > 0x40000000) {
      throw new RangeError("size of ringbuf chardev must be power of two");
    }
    this.size = size;
    this.buf = new Uint8Array(size);
  }

  /** Bytes waiting to be read. */
  get count(): number {
    return this.prod - this.cons;
  }

  protected writeOut(bytes: Uint8Array): number {
    if (this.consumer !== undefined) {
      this.consumer(bytes);
      return bytes.length;
    }
    const mask = this.size - 1;
    for (let i = 0; i < bytes.length; i++) {
      this.buf[(this.prod + i) & mask] = bytes[i]!;
    }
    this.prod += bytes.length;
    if (this.prod - this.cons > this.size) {
      this.cons = this.prod - this.size; // overwrite the oldest
    }
    return bytes.length;
  }

  /** QMP ringbuf-read: removes and returns up to `max` of the oldest bytes. */
  read(max = this.size): Uint8Array {
    const n = Math.max(0, Math.min(max, this.count));
    const out = new Uint8Array(n);
    const mask = this.size - 1;
    for (let i = 0; i < n; i++) {
      out[i] = this.buf[(this.cons + i) & mask]!;
    }
    this.cons += n;
    return out;
  }

  /** QMP ringbuf-write: sends bytes to the device as input. */
  writeToDevice(bytes: Uint8Array): void {
    this.deliver(bytes);
  }

  /**
   * Attaches (or with `undefined` detaches) a consumer of device output: it gets the buffered
   * bytes at once, then output as it is written instead of the ring.
   */
  attachConsumer(consumer: ((bytes: Uint8Array) => void) | undefined): void {
    this.consumer = undefined;
    if (consumer !== undefined) {
      const pending = this.read();
      if (pending.length > 0) {
        consumer(pending);
      }
    }
    this.consumer = consumer;
  }

  open(): Promise<void> {
    this.emit("opened");
    return Promise.resolve();
  }

  protected closeBackend(): Promise<void> {
    this.consumer = undefined;
    return Promise.resolve();
  }
}
