import type { AccessSize, IoDevice } from "./io-device.js";

/**
 * QEMU's "isa-debug-exit" (hw/misc/debugexit.c): any write ends the emulator with exit status
 * (value << 1) | 1, so a test guest can report pass/fail without ever producing status 0.
 * Properties as QEMU: iobase 0x501, iosize 2; accesses of 1, 2 or 4 bytes.
 */
export const ISA_DEBUG_EXIT_IOBASE = 0x501;
export const ISA_DEBUG_EXIT_IOSIZE = 0x02;

export interface IsaDebugExitOptions {
  iobase?: number;
  iosize?: number;
  /**
   * Called with QEMU's exit code, `(value << 1) | 1` computed without truncation (the host
   * process exit status the shell sees is `code & 0xff`).
   */
  onExit: (code: number) => void;
}

export class IsaDebugExit implements IoDevice {
  readonly iobase: number;
  readonly iosize: number;
  private readonly onExit: (code: number) => void;

  constructor(options: IsaDebugExitOptions) {
    this.iobase = options.iobase ?? ISA_DEBUG_EXIT_IOBASE;
    this.iosize = options.iosize ?? ISA_DEBUG_EXIT_IOSIZE;
    this.onExit = options.onExit;
  }

  read(_offset: number, _size: AccessSize): number {
    return 0;
  }

  write(_offset: number, size: AccessSize, value: number): void {
    const width = size >= 4 ? 0x1_0000_0000 : 2 ** (size * 8);
    const v = ((value % width) + width) % width;
    this.onExit(v * 2 + 1);
  }
}
