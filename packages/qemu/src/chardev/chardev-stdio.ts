import type { Readable, Writable } from "node:stream";
import { CharBackendBase } from "./chardev.js";
import { WriteCoalescer } from "./write-coalescer.js";

/** Ctrl-C, which a terminal in raw mode passes through instead of raising SIGINT. */
const ETX = 0x03;

export interface StdioChardevOptions {
  /** signal=on (QEMU's default): Ctrl-C typed on a terminal still interrupts the emulator. */
  signal?: boolean;
  input?: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output?: Writable;
  /** What Ctrl-C does when signal=on and the input is a terminal; default: SIGINT to this process. */
  onInterrupt?: () => void;
}

/**
 * `-chardev stdio[,signal=on|off]` (QEMU chardev/char-stdio.c): the process's standard input and
 * output. A terminal is put into raw mode while open (and restored on close) so the guest sees
 * every key; with signal=on Ctrl-C keeps its meaning as QEMU does by leaving ISIG set.
 */
export class StdioChardev extends CharBackendBase {
  readonly driver = "stdio";
  private readonly input: NonNullable<StdioChardevOptions["input"]>;
  private readonly output: Writable;
  private readonly signal: boolean;
  private readonly onInterrupt: () => void;
  private rawModeSet = false;
  private readonly onInputData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    const etx = this.signal && this.rawModeSet ? bytes.indexOf(ETX) : -1;
    if (etx >= 0) {
      this.deliver(bytes.subarray(0, etx));
      this.onInterrupt();
      return;
    }
    this.deliver(bytes);
  };
  private readonly onInputEnd = (): void => {
    this.emit("closed");
  };
  private readonly out = new WriteCoalescer((bytes) => {
    this.output.write(bytes);
  });

  constructor(id: string, options: StdioChardevOptions = {}) {
    super(id);
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.signal = options.signal ?? true;
    this.onInterrupt =
      options.onInterrupt ??
      (() => {
        process.kill(process.pid, "SIGINT");
      });
  }

  open(): Promise<void> {
    if (this.input.isTTY === true && this.input.setRawMode !== undefined) {
      this.input.setRawMode(true);
      this.rawModeSet = true;
    }
    this.input.on("data", this.onInputData);
    this.input.on("end", this.onInputEnd);
    this.input.resume();
    this.emit("opened");
    return Promise.resolve();
  }

  protected writeOut(bytes: Uint8Array): number {
    this.out.push(bytes);
    return bytes.length;
  }

  protected override pauseSource(): void {
    this.input.pause();
  }

  protected override resumeSource(): void {
    this.input.resume();
  }

  protected closeBackend(): Promise<void> {
    this.out.flush();
    this.input.off("data", this.onInputData);
    this.input.off("end", this.onInputEnd);
    this.input.pause();
    if (this.rawModeSet) {
      this.input.setRawMode?.(false);
      this.rawModeSet = false;
    }
    return Promise.resolve();
  }
}
