// virStream (src/libvirt-stream.c): a data channel opened by a stream API such as
// virDomainOpenConsole or virStorageVolUpload. The driver that opens it attaches a backend (where
// sent bytes go, how finish/abort are carried out) and pushes received data into the stream's
// sink. Data, holes (sparse streams) and EOF arrive in order; readers either pull (recv) or
// install a handler (push), which is how the daemon pumps a stream onto the wire.
import { VirError, virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import type { MaybePromise } from "./driver.js";

/** virStreamFlags. */
export const VIR_STREAM_NONBLOCK = 1 << 0;

/** virStreamRecvFlagsValues. */
export const VIR_STREAM_RECV_STOP_AT_HOLE = 1 << 0;

/** Where the bytes written into a stream go, and how it ends. */
export interface StreamBackend {
  send(data: Uint8Array): MaybePromise<void>;
  sendHole?(length: number, flags: number): MaybePromise<void>;
  finish(): MaybePromise<void>;
  abort(): MaybePromise<void>;
}

/** What a backend calls to deliver incoming data. */
export interface StreamSink {
  data(chunk: Uint8Array): void;
  hole(length: number): void;
  eof(): void;
  error(err: VirError): void;
}

export type StreamItem = { kind: "data"; data: Uint8Array } | { kind: "hole"; length: number } | { kind: "eof" };

export interface StreamHandler {
  data(chunk: Uint8Array): void;
  hole(length: number): void;
  eof(): void;
  error(err: VirError): void;
}

interface Waiter {
  resolve: (item: StreamItem) => void;
  reject: (e: VirError) => void;
}

export class Stream {
  private backend: StreamBackend | null = null;
  private readonly queue: StreamItem[] = [];
  private waiters: Waiter[] = [];
  private handler: StreamHandler | null = null;
  private failed: VirError | null = null;
  private ended = false;
  private closed = false;

  constructor(readonly flags = 0) {}

  /** Called by the driver that opened the stream. Returns the sink for incoming data. */
  attach(backend: StreamBackend): StreamSink {
    this.backend = backend;
    return {
      data: (chunk) => { this.deliver({ kind: "data", data: chunk }); },
      hole: (length) => { this.deliver({ kind: "hole", length }); },
      eof: () => { this.deliver({ kind: "eof" }); },
      error: (err) => { this.fail(err); },
    };
  }

  get isAttached(): boolean {
    return this.backend !== null;
  }

  /** Push mode: every queued and future item goes to `h` instead of recv(). */
  setHandler(h: StreamHandler | null): void {
    this.handler = h;
    if (!h) return;
    while (this.queue.length > 0) this.dispatch(this.queue.shift()!);
    if (this.failed) h.error(this.failed);
  }

  private deliver(item: StreamItem): void {
    if (this.ended || this.closed) return;
    if (item.kind === "eof") this.ended = true;
    if (this.handler) {
      this.dispatch(item);
      return;
    }
    const w = this.waiters.shift();
    if (w) w.resolve(item);
    else this.queue.push(item);
  }

  private dispatch(item: StreamItem): void {
    const h = this.handler!;
    if (item.kind === "data") h.data(item.data);
    else if (item.kind === "hole") h.hole(item.length);
    else h.eof();
  }

  private fail(err: VirError): void {
    if (this.failed) return;
    this.failed = err;
    if (this.handler) this.handler.error(err);
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
  }

  private need(api: string): StreamBackend {
    if (this.failed) throw this.failed;
    if (!this.backend || this.closed) {
      throw virError(VirErrorDomain.VIR_FROM_STREAMS, VirErrorNumber.VIR_ERR_INVALID_STREAM, api);
    }
    return this.backend;
  }

  /** virStreamSend: returns the number of bytes accepted. */
  async send(data: Uint8Array): Promise<number> {
    await this.need("virStreamSend").send(data);
    return data.length;
  }

  /** virStreamSendHole. */
  async sendHole(length: number, flags = 0): Promise<void> {
    const b = this.need("virStreamSendHole");
    if (!b.sendHole) throw virError(VirErrorDomain.VIR_FROM_STREAMS, VirErrorNumber.VIR_ERR_NO_SUPPORT, "virStreamSendHole");
    await b.sendHole(length, flags);
  }

  /** Next item (data, hole or EOF); data of a sparse stream comes with its holes in order. */
  next(): Promise<StreamItem> {
    if (this.failed) return Promise.reject(this.failed);
    const item = this.queue.shift();
    if (item) return Promise.resolve(item);
    if (this.ended || this.closed) return Promise.resolve({ kind: "eof" });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** virStreamRecv: the next data chunk, or null at EOF. Holes are returned as zero bytes. */
  async recv(): Promise<Uint8Array | null> {
    const item = await this.next();
    if (item.kind === "eof") return null;
    if (item.kind === "hole") return new Uint8Array(item.length);
    return item.data;
  }

  /** virStreamFinish: flush and complete; the backend confirms or raises. */
  async finish(): Promise<void> {
    const b = this.need("virStreamFinish");
    this.closed = true;
    await b.finish();
  }

  /** virStreamAbort. */
  async abort(): Promise<void> {
    const b = this.backend;
    if (!b) throw virError(VirErrorDomain.VIR_FROM_STREAMS, VirErrorNumber.VIR_ERR_INVALID_STREAM, "virStreamAbort");
    this.closed = true;
    await b.abort();
    for (const w of this.waiters) w.resolve({ kind: "eof" });
    this.waiters = [];
  }

  get error(): VirError | null {
    return this.failed;
  }
}

export { VirError };
