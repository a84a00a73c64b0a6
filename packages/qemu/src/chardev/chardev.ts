/**
 * Character backends, as QEMU's Chardev: the host side of a serial port, debug console or monitor.
 * A device (the frontend: a UART, isa-debugcon, a console stream) writes bytes out with `write`
 * and receives input through the handler it registers with `onData`. Flow control is QEMU's
 * can_read/accept_input pair: the handler returns how many bytes it took, the backend keeps the
 * rest (pausing its source) and offers it again when the frontend calls `acceptInput()`.
 */

export type ChardevEvent =
  /** The backend became connected (a socket client attached, the file was opened). */
  | "opened"
  /** The peer went away (socket disconnect, end of input). */
  | "closed"
  /** A serial BREAK condition from the host side (CHR_EVENT_BREAK). */
  | "break";

/**
 * Receives input. Returns the number of bytes taken from the front of `bytes` (undefined means all);
 * the buffer is only valid during the call.
 */
export type ChardevReceiver = (bytes: Uint8Array) => number | undefined;

export interface CharBackend {
  /** The -chardev id. */
  readonly id: string;
  /** The backend driver name as QEMU spells it ("socket", "file", "ringbuf", ...). */
  readonly driver: string;
  /** Whether a peer is connected that would see output (a socket backend without a client is not). */
  readonly connected: boolean;
  /**
   * Sends bytes from the device to the host side. Returns the number of bytes accepted (all of
   * them, except that a backend with no peer drops output as QEMU does). The caller may reuse
   * `bytes` as soon as this returns.
   */
  write(bytes: Uint8Array): number;
  /** Attaches the frontend's input handler (replacing any previous one); returns a detach function. */
  onData(receiver: ChardevReceiver): () => void;
  /** The frontend can take input again (qemu_chr_fe_accept_input). */
  acceptInput(): void;
  /** Subscribes to connection events; returns an unsubscribe function. */
  onEvent(listener: (event: ChardevEvent) => void): () => void;
  /** Opens the backend (listens, connects, opens files). Resolves once it is usable. */
  open(): Promise<void>;
  /** Releases every host resource (sockets, file descriptors, listeners). */
  close(): Promise<void>;
}

/** Beyond this many buffered input bytes the backend pauses its source until the frontend drains. */
const INPUT_HIGH_WATER = 64 * 1024;

/** Shared input queueing, event fan-out and optional output log (QEMU's logfile= option). */
export abstract class CharBackendBase implements CharBackend {
  abstract readonly driver: string;
  private receiver: ChardevReceiver | undefined;
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private sourcePaused = false;
  private readonly listeners = new Set<(event: ChardevEvent) => void>();
  private log: ((bytes: Uint8Array) => void) | undefined;

  constructor(readonly id: string) {}

  /** Whether output currently reaches a peer; backends with connections (socket) maintain it. */
  protected peerConnected = true;

  get connected(): boolean {
    return this.peerConnected;
  }

  write(bytes: Uint8Array): number {
    this.log?.(bytes);
    return this.writeOut(bytes);
  }

  /** Backend-specific output; must not keep `bytes` beyond the call (copy if buffering). */
  protected abstract writeOut(bytes: Uint8Array): number;

  onData(receiver: ChardevReceiver): () => void {
    this.receiver = receiver;
    this.drain();
    return () => {
      if (this.receiver === receiver) {
        this.receiver = undefined;
      }
    };
  }

  acceptInput(): void {
    this.drain();
  }

  onEvent(listener: (event: ChardevEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  abstract open(): Promise<void>;

  /** Releases the backend's own host resources. */
  protected abstract closeBackend(): Promise<void>;

  private readonly closeHooks: (() => void)[] = [];

  /** Runs `hook` after the backend has closed (log files and the like). */
  addCloseHook(hook: () => void): void {
    this.closeHooks.push(hook);
  }

  async close(): Promise<void> {
    await this.closeBackend();
    for (const hook of this.closeHooks.splice(0)) {
      hook();
    }
  }

  /** Copies every output byte to `sink` too (logfile=). */
  setLog(sink: ((bytes: Uint8Array) => void) | undefined): void {
    this.log = sink;
  }

  protected emit(event: ChardevEvent): void {
    for (const listener of this.listeners) {
      listener(event);
    }
  }

  /** Bytes arriving from the host side; queued (copied) until the frontend takes them. */
  protected deliver(bytes: Uint8Array): void {
    if (bytes.length === 0) {
      return;
    }
    if (this.queued === 0 && this.receiver !== undefined) {
      const taken = this.offer(this.receiver, bytes);
      if (taken >= bytes.length) {
        return;
      }
      bytes = bytes.subarray(taken);
    }
    this.queue.push(bytes.slice());
    this.queued += bytes.length;
    if (this.queued > INPUT_HIGH_WATER && !this.sourcePaused) {
      this.sourcePaused = true;
      this.pauseSource();
    }
  }

  /** Bytes still waiting for the frontend. */
  get pendingInput(): number {
    return this.queued;
  }

  private offer(receiver: ChardevReceiver, bytes: Uint8Array): number {
    const taken = receiver(bytes);
    return taken === undefined ? bytes.length : Math.max(0, Math.min(taken, bytes.length));
  }

  private drain(): void {
    const receiver = this.receiver;
    while (receiver !== undefined && this.queue.length > 0 && this.receiver === receiver) {
      const head = this.queue[0]!;
      const taken = this.offer(receiver, head);
      this.queued -= taken;
      if (taken >= head.length) {
        this.queue.shift();
      } else {
        this.queue[0] = head.subarray(taken);
        break;
      }
    }
    if (this.sourcePaused && this.queued <= INPUT_HIGH_WATER / 2) {
      this.sourcePaused = false;
      this.resumeSource();
    }
  }

  /** Stop reading the host source (stream.pause()); default: nothing to pause. */
  protected pauseSource(): void {
    // sources that cannot be paused keep queueing
  }

  protected resumeSource(): void {
    // see pauseSource
  }

  /** Drops queued input (the peer disconnected). */
  protected clearInput(): void {
    this.queue.length = 0;
    this.queued = 0;
    if (this.sourcePaused) {
      this.sourcePaused = false;
      this.resumeSource();
    }
  }
}
