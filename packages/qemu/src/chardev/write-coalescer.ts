/**
 * Collects the small writes a UART makes (one byte per THR write) into one buffer and hands them
 * to the host sink once per event-loop turn, so a backend does one syscall per burst instead of one
 * allocation and one syscall per guest byte.
 */
export class WriteCoalescer {
  private buf: Uint8Array;
  private length = 0;
  private scheduled = false;
  private immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly sink: (bytes: Uint8Array) => void,
    initialSize = 4096,
  ) {
    this.buf = new Uint8Array(initialSize);
  }

  /** Buffers a copy of `bytes`; they reach the sink on the next turn of the event loop. */
  push(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.length + bytes.length) {
        size *= 2;
      }
      const grown = new Uint8Array(size);
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    if (!this.scheduled) {
      this.scheduled = true;
      this.immediate = setImmediate(() => {
        this.flush();
      });
    }
  }

  /** Hands everything buffered to the sink now (the sink gets its own copy). */
  flush(): void {
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    this.scheduled = false;
    if (this.length === 0) {
      return;
    }
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    this.sink(out);
  }

  /** Drops buffered bytes (the peer went away). */
  discard(): void {
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    this.scheduled = false;
    this.length = 0;
  }

  get pending(): number {
    return this.length;
  }
}
