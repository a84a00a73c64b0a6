import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import type { PcMachine } from "../machine/pc.js";
import { VmStateError, loadVmState, saveVmState } from "./vmstate.js";

/*
 * Migration to and from a file (QEMU migration/file.c, the "file:" transport of QEMU 8.1+):
 * "file:PATH[,offset=N]" writes the migration stream into PATH starting at byte N, leaving the
 * bytes before it alone. That is how libvirt lays out a save image: its own header and the domain
 * XML first, QEMU's stream after them at a page-aligned offset (src/qemu/qemu_saveimage.c). The
 * same URI given to -incoming (or migrate-incoming) loads the stream back.
 *
 * The state of the last outgoing migration is kept per machine for query-migrate
 * (qapi/migration.json MigrationInfo: status "active", "completed" or "failed" with error-desc).
 */

export interface FileMigrationUri {
  path: string;
  offset: number;
}

export class MigrationError extends Error {}

/** Parses "file:PATH[,offset=N]" (N decimal or 0x hex), as migration/file.c file_parse_offset. */
export function parseFileMigrationUri(uri: string): FileMigrationUri {
  if (!uri.startsWith("file:")) {
    throw new MigrationError("Parameter 'uri' expects a valid migration protocol");
  }
  let path = uri.slice("file:".length);
  let offset = 0;
  const comma = path.lastIndexOf(",offset=");
  if (comma >= 0) {
    const text = path.slice(comma + ",offset=".length);
    const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      throw new MigrationError(`file URI has bad offset ${text}`);
    }
    offset = n;
    path = path.slice(0, comma);
  }
  if (path === "") {
    throw new MigrationError("Parameter 'uri' expects a valid migration protocol");
  }
  return { path, offset };
}

export type MigrationStatus = "none" | "setup" | "active" | "completed" | "failed";

export interface MigrationInfo {
  status: MigrationStatus;
  /** Bytes of the stream written (ram.transferred in QEMU's report). */
  transferred: number;
  /** Host milliseconds the migration took. */
  totalTimeMs: number;
  errorDesc?: string;
}

const outgoing = new WeakMap<PcMachine, MigrationInfo>();

/** query-migrate's view of the machine's last outgoing migration. */
export function migrationInfo(pc: PcMachine): MigrationInfo {
  return outgoing.get(pc) ?? { status: "none", transferred: 0, totalTimeMs: 0 };
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const table: Record<string, string> = { ENOENT: "No such file or directory", EACCES: "Permission denied", ENOSPC: "No space left on device", EISDIR: "Is a directory" };
  return (err.code !== undefined ? table[err.code] : undefined) ?? err.message;
}

/**
 * qmp_migrate to a file: a running VM stops (STOP, state "postmigrate", where QEMU leaves the
 * source of a completed migration and from which "cont" resumes it), the whole stream is written
 * at the offset. A failure restarts a VM that was running.
 */
export function migrateToFile(pc: PcMachine, uri: string): MigrationInfo {
  const target = parseFileMigrationUri(uri);
  const began = performance.now();
  const wasRunning = pc.running;
  const info: MigrationInfo = { status: "active", transferred: 0, totalTimeMs: 0 };
  outgoing.set(pc, info);
  let fd: number | undefined;
  try {
    fd = openSync(target.path, "r+");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      info.status = "failed";
      info.errorDesc = `Could not open '${target.path}': ${errnoText(e)}`;
      throw new MigrationError(info.errorDesc);
    }
    try {
      fd = openSync(target.path, "w", 0o600);
    } catch (e2) {
      info.status = "failed";
      info.errorDesc = `Could not open '${target.path}': ${errnoText(e2)}`;
      throw new MigrationError(info.errorDesc);
    }
  }
  try {
    pc.vmStop("postmigrate");
    const stream = saveVmState(pc);
    let at = 0;
    while (at < stream.length) {
      at += writeSync(fd, stream, at, stream.length - at, target.offset + at);
    }
    info.transferred = stream.length;
    info.status = "completed";
  } catch (e) {
    info.status = "failed";
    info.errorDesc = `Unable to write to file: ${errnoText(e)}`;
    if (wasRunning) {
      pc.vmStart();
    }
  } finally {
    closeSync(fd);
    info.totalTimeMs = Math.round(performance.now() - began);
  }
  return info;
}

/** -incoming file:PATH[,offset=N]: loads the stream into the machine (which stays stopped). */
export function incomingFromFile(pc: PcMachine, uri: string): void {
  const source = parseFileMigrationUri(uri);
  let fd: number;
  try {
    fd = openSync(source.path, "r");
  } catch (e) {
    throw new MigrationError(`Could not open '${source.path}': ${errnoText(e)}`);
  }
  try {
    const size = fstatSync(fd).size - source.offset;
    if (size <= 0) {
      throw new VmStateError("load of migration failed: Input/output error");
    }
    const stream = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, stream, at, size - at, source.offset + at);
      if (n === 0) break;
      at += n;
    }
    loadVmState(pc, stream.subarray(0, at));
  } finally {
    closeSync(fd);
  }
}
