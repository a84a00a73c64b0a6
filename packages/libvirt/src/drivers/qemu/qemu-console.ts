// virDomainOpenConsole for the qemu driver (libvirt 9.0 qemuDomainOpenConsole + src/conf/virchrdev.c):
// the stream is connected to the character device behind the console (the first <console>, or
// the serial/console/channel named by alias). libvirt opens the pty; virtkit's emulator serves
// the device as a unix socket, so the driver connects to it and pumps bytes both ways. One
// session per device: another open fails unless VIR_DOMAIN_CONSOLE_FORCE takes it over.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
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

/**
 * What the guest wrote to the device's log since the last console session ended: replayed at
 * open as a pty would deliver its buffered output. The consumed offset lives beside the socket.
 */
function backlog(logFile: string | null, offsetFile: string): Uint8Array {
  if (logFile === null || !existsSync(logFile)) return new Uint8Array(0);
  const size = statSync(logFile).size;
  let from: number;
  try {
    from = Number(readFileSync(offsetFile, "utf8").trim()) || 0;
  } catch {
    from = 0;
  }
  if (from > size) from = 0;
  from = Math.max(from, size - BACKLOG_MAX);
  const buf = Buffer.alloc(size - from);
  const fd = openSync(logFile, "r");
  try {
    readSync(fd, buf, 0, buf.length, from);
  } finally {
    closeSync(fd);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

function markConsumed(logFile: string | null, offsetFile: string): void {
  if (logFile === null) return;
  try {
    writeFileSync(offsetFile, `${statSync(logFile).size}\n`);
  } catch {
    /* the domain is gone */
  }
}

/** Open console sessions by socket path (virChrdevs). */
const sessions = new Map<string, { sock: Socket; stream: Stream }>();

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
    sessions.delete(path);
    existing.sock.destroy();
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
  sessions.set(path, { sock, stream });
  const offsetFile = `${path}.consumed`;
  const replay = backlog(chr.source.logFile, offsetFile);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (sessions.get(path)?.sock === sock) sessions.delete(path);
    sock.destroy();
    markConsumed(chr.source.logFile, offsetFile);
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
  if (replay.length > 0) sink.data(replay);
  sock.on("data", (d: Buffer) => {
    sink.data(new Uint8Array(d.buffer, d.byteOffset, d.length));
  });
  sock.on("close", () => {
    const wasOpen = !ended;
    end();
    if (wasOpen) sink.eof();
  });
  sock.on("error", () => undefined);
}
