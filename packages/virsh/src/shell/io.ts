// Where the shell writes. virsh flushes stdout before every error line so that `virsh 2>&1`
// keeps the order; writing synchronously to the file descriptors gives the same guarantee.
import { writeSync } from "node:fs";

export interface ShellIO {
  stdout(data: string | Uint8Array): void;
  stderr(data: string | Uint8Array): void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** write(2) until everything is out; a non-blocking descriptor that is full is waited on. */
export function writeAllSync(fd: number, data: string | Uint8Array): void {
  let buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  while (buf.length > 0) {
    try {
      const n = writeSync(fd, buf);
      buf = buf.subarray(n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

/** The process's own stdout and stderr. */
export const processIO: ShellIO = {
  stdout: (d) => { writeAllSync(1, d); },
  stderr: (d) => { writeAllSync(2, d); },
};

/** Collects output in memory (tests, embedding). */
export class BufferIO implements ShellIO {
  out = "";
  err = "";
  /** Interleaved transcript, as a terminal shows `2>&1`. */
  both = "";
  stdout(d: string | Uint8Array): void {
    const s = typeof d === "string" ? d : Buffer.from(d).toString("utf8");
    this.out += s;
    this.both += s;
  }
  stderr(d: string | Uint8Array): void {
    const s = typeof d === "string" ? d : Buffer.from(d).toString("utf8");
    this.err += s;
    this.both += s;
  }
  take(): { stdout: string; stderr: string } {
    const r = { stdout: this.out, stderr: this.err };
    this.out = "";
    this.err = "";
    return r;
  }
}
