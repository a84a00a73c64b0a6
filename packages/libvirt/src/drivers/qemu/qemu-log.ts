// The per-domain log (libvirt 9.0 src/qemu/qemu_logcontext.c / qemu_process.c): logDir/NAME.log
// gets "TIMESTAMP: starting up libvirt version..., qemu version..., hostname: ..." and the command
// line before each start, the emulator's stderr while it runs, and "TIMESTAMP: shutting down,
// reason=..." when it stops. libvirt quotes the log's tail in start errors; so does the driver.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** virTimeStringNow: "2023-01-31 12:34:56.789+0000". */
export function logTimestamp(d = new Date()): string {
  return d.toISOString().replace("T", " ").replace("Z", "+0000");
}

export class DomainLog {
  readonly path: string;

  constructor(logDir: string, name: string) {
    mkdirSync(logDir, { recursive: true });
    this.path = join(logDir, `${name}.log`);
  }

  /** Opens the log for the emulator's stdout/stderr (append). */
  openForEmulator(): number {
    return openSync(this.path, "a", 0o600);
  }

  size(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }

  startingUp(qemuVersion: string, commandText: string): void {
    appendFileSync(
      this.path,
      `${logTimestamp()}: starting up libvirt version: 9.0.0, package: virtkit, qemu version: ${qemuVersion}, hostname: ${hostname()}\n${commandText}`,
      { mode: 0o600 },
    );
  }

  shuttingDown(reason: string): void {
    try {
      appendFileSync(this.path, `${logTimestamp()}: shutting down, reason=${reason}\n`, { mode: 0o600 });
    } catch {
      /* the log is best effort, as in libvirt */
    }
  }

  /** What the emulator wrote since `offset` (qemuProcessReadLog), without its warning lines. */
  readSince(offset: number): string {
    try {
      const fd = openSync(this.path, "r");
      try {
        const len = Math.max(0, Math.min(statSync(this.path).size - offset, 64 * 1024));
        const buf = Buffer.alloc(len);
        readSync(fd, buf, 0, len, offset);
        return buf
          .toString("utf8")
          .split("\n")
          .filter((l) => l !== "" && !l.includes(": warning: "))
          .join("\n");
      } finally {
        closeSync(fd);
      }
    } catch {
      return "";
    }
  }
}
