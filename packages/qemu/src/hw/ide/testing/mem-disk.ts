import type { BlockDriver, BlockStatus } from "../../../block/block-driver.js";
import { BlockError } from "../../../block/block-error.js";

/** An in-memory disk for the IDE tests: bytes beyond `data` read as zeroes up to `length`. */
export class MemDisk implements BlockDriver {
  readonly format = "raw";
  readonly filename = "mem";
  readonly backing = null;
  readonly data: Uint8Array;
  writes = 0;
  flushes = 0;
  discards: [number, number][] = [];

  constructor(
    readonly length: number,
    readonly readOnly = false,
    stored = Math.min(length, 1 << 20),
  ) {
    this.data = new Uint8Array(stored);
  }

  getLength(): number {
    return this.length;
  }

  read(offset: number, buf: Uint8Array): Promise<void> {
    buf.fill(0);
    if (offset < this.data.length) {
      buf.set(this.data.subarray(offset, Math.min(offset + buf.length, this.data.length)));
    }
    return Promise.resolve();
  }

  write(offset: number, buf: Uint8Array): Promise<void> {
    if (this.readOnly) {
      return Promise.reject(new BlockError("read-only"));
    }
    this.writes++;
    if (offset < this.data.length) {
      this.data.set(buf.subarray(0, Math.min(buf.length, this.data.length - offset)), offset);
    }
    return Promise.resolve();
  }

  writeZeroes(offset: number, length: number): Promise<void> {
    this.data.fill(0, offset, offset + length);
    return Promise.resolve();
  }

  discard(offset: number, length: number): Promise<void> {
    this.discards.push([offset, length]);
    return Promise.resolve();
  }

  flush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }

  truncate(): Promise<void> {
    return Promise.reject(new BlockError("not supported"));
  }

  blockStatus(_offset: number, length: number): Promise<BlockStatus> {
    return Promise.resolve({ length, data: true, zero: false, allocated: true, hostOffset: -1 });
  }

  allocatedSize(): number {
    return this.data.length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Lets block completions (a few promise turns) run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
