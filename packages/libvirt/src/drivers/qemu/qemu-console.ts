// virDomainOpenConsole for the qemu driver (libvirt 9.0 qemuDomainOpenConsole + src/conf/virchrdev.c):
// the stream is connected to the character device behind the console (the first <console>, or
// the serial/console/channel named by alias). libvirt opens the pty; virtkit's emulator serves
// the device as a unix socket, so the driver connects to it and pumps bytes both ways. One
// session per device: another open fails unless VIR_DOMAIN_CONSOLE_FORCE takes it over. The
// guest's output comes from the device's log (see LogTail), its input goes into the socket.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { connect, type Socket } from "node:net";
import * as C from "../../api/constants.js";
import type { Stream } from "../../api/stream.js";
import type { ChrDef, DomainDef } from "../../conf/domain-def.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

/** At most this much of the backlog is replayed (about what a pty's buffer holds). */
const BACKLOG_MAX = 16 * 1024;

/** Read size for the log tail. */
const TAIL_CHUNK = 64 * 1024;

/**
 * The guest's output as the console sees it: the device's log file, from the offset the last
 * session consumed, followed as it grows. The emulator writes every output byte to the log
 * (synchronously, before the socket sees it), while its socket only carries what is written after
 * the emulator got round to accepting the connection — a moment the driver cannot observe.
 * Splicing "log so far" with "socket from now" therefore lost or repeated whatever the guest
 * printed in between; the log alone is gapless, ordered, and what a pty would have buffered.
 */
class LogTail {
  private readonly fd: number;
  private offset: number;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly buf = Buffer.allocUnsafe(TAIL_CHUNK);
  private closed = false;

  constructor(
    private readonly path: string,
    from: number,
    private readonly deliver: (chunk: Uint8Array) => void,
  ) {
    this.fd = openSync(path, "r");
    this.offset = from;
  }

  /** Replays the backlog, then follows the file (inotify; polling where watches are unavailable). */
  start(): void {
    this.pump();
    try {
      this.watcher = watch(this.path, { persistent: false }, () => {
        this.pump();
      });
      this.watcher.on("error", () => {
        this.poll();
      });
    } catch {
      this.poll();
    }
  }

  private poll(): void {
    this.watcher?.close();
    this.watcher = null;
    this.timer ??= setInterval(() => {
      this.pump();
    }, 50).unref();
  }

  /** Delivers everything between the offset and the end of the file. */
  pump(): void {
    if (this.closed) return;
    const size = fstatSync(this.fd).size;
    if (size < this.offset) this.offset = 0; // a new emulator truncated the log
    while (this.offset < size) {
      const n = readSync(this.fd, this.buf, 0, Math.min(TAIL_CHUNK, size - this.offset), this.offset);
      if (n <= 0) break;
      this.offset += n;
      this.deliver(Uint8Array.prototype.slice.call(this.buf, 0, n));
    }
  }

  /** Stops following; returns the offset consumed so far. */
  close(): number {
    if (!this.closed) {
      this.closed = true;
      this.watcher?.close();
      if (this.timer) clearInterval(this.timer);
      closeSync(this.fd);
    }
    return this.offset;
  }
}

/** Where the previous session stopped reading the log (bounded to the last BACKLOG_MAX bytes). */
function backlogStart(logFile: string, offsetFile: string): number {
  const size = statSync(logFile).size;
  let from: number;
  try {
    from = Number(readFileSync(offsetFile, "utf8").trim()) || 0;
  } catch {
    from = 0;
  }
  if (from > size) from = 0;
  return Math.max(from, size - BACKLOG_MAX);
}

function markConsumed(offsetFile: string, offset: number): void {
  try {
    writeFileSync(offsetFile, `${offset}\n`);
  } catch {
    /* the domain is gone */
  }
}

/** Open console sessions by socket path (virChrdevs). */
const sessions = new Map<string, { sock: Socket; stream: Stream; hangUp: () => void }>();

/** qemuDomainOpenConsole's device choice. */
export function findConsoleDevice(def: DomainDef, devName: string | null): ChrDef {
  let chr: ChrDef | undefined;
  if (devName !== null) {
    const all = [...def.consoles, ...def.serials, ...def.parallels, ...def.channels];
    chr = all.find((c) => c.info.alias === devName);
  } else {
    chr = def.consoles[0] ?? def.serials[0];
    // the serial alias of consoles[0] lives in serials[0]
    if (chr && def.consoles[0] === chr && chr.targetType === "serial" && def.serials.length > 0) chr = def.serials[0];
  }
  if (!chr) throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, `cannot find character device ${devName ?? "<null>"}`);
  if (chr.source.type !== "pty" && chr.source.type !== "unix") {
    throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, `character device ${chr.info.alias ?? ""} is not using a PTY`);
  }
  return chr;
}

export async function openConsole(def: DomainDef, devName: string | null, stream: Stream, flags: number): Promise<void> {
  const chr = findConsoleDevice(def, devName);
  const path = chr.source.path;
  if (chr.source.type !== "unix" || path === null || !chr.source.listen) {
    throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, `character device ${chr.info.alias ?? ""} has no socket the driver can open`);
  }
  const existing = sessions.get(path);
  if (existing) {
    if (!(flags & C.VIR_DOMAIN_CONSOLE_FORCE)) {
      throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, "Active console session exists for this domain");
    }
    // the old session ends first, so the new one replays from where it stopped
    existing.hangUp();
    existing.stream.abort().catch(() => undefined);
  }
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = connect(path);
    s.once("connect", () => {
      resolve(s);
    });
    s.once("error", (e) => {
      reject(virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `Unable to open console socket '${path}': ${e.message}`));
    });
  });
  const offsetFile = `${path}.consumed`;
  const logFile = chr.source.logFile !== null && existsSync(chr.source.logFile) ? chr.source.logFile : null;
  let ended = false;
  let tail: LogTail | null = null;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (sessions.get(path)?.sock === sock) sessions.delete(path);
    sock.destroy();
    if (tail) markConsumed(offsetFile, tail.close());
  };
  const sink = stream.attach({
    send: (data) => {
      if (!ended) sock.write(data);
    },
    finish: () => {
      end();
    },
    abort: () => {
      end();
    },
  });
  if (logFile !== null) {
    tail = new LogTail(logFile, backlogStart(logFile, offsetFile), (chunk) => {
      sink.data(chunk);
    });
    tail.start();
    // the same bytes arrive on the socket (those written after the emulator accepted it): drained
    sock.on("data", () => undefined);
  } else {
    sock.on("data", (d: Buffer) => {
      sink.data(new Uint8Array(d.buffer, d.byteOffset, d.length));
    });
  }
  // the emulator went away (or another session took over): what it wrote last is in the log
  const hangUp = (): void => {
    if (ended) return;
    tail?.pump();
    end();
    sink.eof();
  };
  sessions.set(path, { sock, stream, hangUp });
  sock.on("close", hangUp);
  sock.on("error", () => undefined);
}
