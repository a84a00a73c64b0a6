import type { AccessSize, IoDevice, Stateful } from "./io-device.js";

/**
 * Port 0x80, the POST diagnostic port: firmware writes progress codes here and an ISA POST card
 * shows them; Linux also uses it as a short I/O delay. QEMU's "ioport80" ignores writes and reads
 * back all ones; this sink also remembers what was written so a test or the monitor can show it.
 */
export const POST_CODE_PORT = 0x80;

export interface PostCodePortState {
  lastCode: number;
  writes: number;
}

export class PostCodePort implements IoDevice, Stateful<PostCodePortState> {
  /** The last byte written, or -1 before any write. */
  lastCode = -1;
  /** How many writes arrived (Linux's outb_p delays count here too). */
  writes = 0;

  constructor(private readonly onCode?: (code: number) => void) {}

  read(_offset: number, size: AccessSize): number {
    return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    this.lastCode = value & 0xff;
    this.writes++;
    this.onCode?.(this.lastCode);
  }

  state(): PostCodePortState {
    return { lastCode: this.lastCode, writes: this.writes };
  }

  fromState(s: PostCodePortState): void {
    this.lastCode = s.lastCode;
    this.writes = s.writes;
  }
}
