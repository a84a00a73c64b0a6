import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import type { PcMachine } from "../machine/pc.js";
import type { JsonValue } from "../monitor/qmp-json.js";
import { VmStateError, loadVmState, ramBytesTotal, saveVmStateSteps } from "./vmstate.js";

/*
 * Migration to and from a file (QEMU migration/file.c, the "file:" transport of QEMU 8.1+):
 * "file:PATH[,offset=N]" writes the migration stream into PATH starting at byte N, leaving the
 * bytes before it alone. That is how libvirt lays out a save image: its own header and the domain
 * XML first, QEMU's stream after them at a page-aligned offset (src/qemu/qemu_saveimage.c). The
 * same URI given to -incoming (or migrate-incoming) loads the stream back.
 *
 * The state of the last outgoing migration is kept per machine for query-migrate
 * (qapi/migration.json MigrationInfo: status "active", "completed" or "failed" with error-desc).
 * As in QEMU, "migrate" only starts the job: the stream is written a step of RAM pages at a
 * time, the event loop (and so the monitor) running between steps as QEMU's main loop runs beside
 * its migration thread, and query-migrate shows the RAM transferred, remaining and total.
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
  /** Bytes of the stream written so far (ram.transferred in QEMU's report). */
  transferred: number;
  /** Guest RAM bytes not yet sent (ram.remaining). */
  remaining: number;
  /** Guest RAM bytes the migration covers (ram.total). */
  total: number;
  /** Zero pages sent as a flag alone (ram.duplicate). */
  duplicate: number;
  /** Pages sent whole (ram.normal; normal-bytes is this times the page size). */
  normal: number;
  /** Host milliseconds since the migration started, or that it took once over. */
  totalTimeMs: number;
  /** performance.now() at the start, for total-time while active. */
  startedAt: number;
  errorDesc?: string;
  /** Settles when the migration is over (completed or failed); never rejects. */
  done: Promise<void>;
}

/** RAM pages per step of the migration: 8 MiB of guest RAM between two turns of the event loop. */
export const MIGRATION_PAGES_PER_STEP = 2048;

const outgoing = new WeakMap<PcMachine, MigrationInfo>();

/** query-migrate's view of the machine's last outgoing migration. */
export function migrationInfo(pc: PcMachine): MigrationInfo {
  return outgoing.get(pc) ?? { status: "none", transferred: 0, remaining: 0, total: 0, duplicate: 0, normal: 0, totalTimeMs: 0, startedAt: 0, done: Promise.resolve() };
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const table: Record<string, string> = { ENOENT: "No such file or directory", EACCES: "Permission denied", ENOSPC: "No space left on device", EISDIR: "Is a directory" };
  return (err.code !== undefined ? table[err.code] : undefined) ?? err.message;
}

/**
 * qmp_migrate to a file: a running VM stops (STOP, state "postmigrate", where QEMU leaves the
 * source of a completed migration and from which "cont" resumes it), then the stream is written
 * at the offset in steps (see MIGRATION_PAGES_PER_STEP); the call returns once the job started,
 * as QEMU's does, and `done` settles at its end. A file that cannot be opened fails the command
 * itself; a failed write ends the job "failed" and restarts a VM that was running.
 */
export function migrateToFile(pc: PcMachine, uri: string, pagesPerStep = MIGRATION_PAGES_PER_STEP): MigrationInfo {
  const target = parseFileMigrationUri(uri);
  const info: MigrationInfo = {
    status: "setup",
    transferred: 0,
    remaining: 0,
    total: 0,
    duplicate: 0,
    normal: 0,
    totalTimeMs: 0,
    startedAt: performance.now(),
    done: Promise.resolve(),
  };
  outgoing.set(pc, info);
  let fd: number;
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
  const wasRunning = pc.running;
  pc.vmStop("postmigrate");
  info.total = ramBytesTotal(pc);
  info.remaining = info.total;
  info.status = "active";
  info.done = runMigration(pc, info, fd, target.offset, pagesPerStep, wasRunning);
  return info;
}

/** The migration thread's loop: one step of the stream, then a turn of the event loop. */
async function runMigration(pc: PcMachine, info: MigrationInfo, fd: number, offset: number, pagesPerStep: number, wasRunning: boolean): Promise<void> {
  try {
    // no block request may be half done in the stream (QEMU's bdrv_drain_all when the VM stops)
    await pc.drainIde();
    const steps = saveVmStateSteps(pc, pagesPerStep);
    for (;;) {
      const r = steps.next();
      if (r.done === true) break;
      const seg = r.value;
      let at = 0;
      while (at < seg.bytes.length) {
        at += writeSync(fd, seg.bytes, at, seg.bytes.length - at, offset + seg.at + at);
      }
      info.transferred = Math.max(info.transferred, seg.at + seg.bytes.length);
      info.remaining = info.total - seg.ramDone;
      info.duplicate = seg.duplicate;
      info.normal = seg.normal;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    info.status = "completed";
  } catch (e) {
    info.status = "failed";
    info.errorDesc = `Unable to write to file: ${errnoText(e)}`;
    if (wasRunning) {
      pc.vmStart();
    }
  } finally {
    closeSync(fd);
    info.totalTimeMs = Math.round(performance.now() - info.startedAt);
  }
}

/**
 * query-migrate's MigrationInfo (qapi/migration.json): nothing before a first migration; the
 * status with total-time and the "ram" statistics while active and once completed; error-desc
 * once failed.
 */
export function queryMigrate(pc: PcMachine): JsonValue {
  const m = migrationInfo(pc);
  if (m.status === "none") return {};
  const out: Record<string, JsonValue> = { status: m.status };
  if (m.status === "active" || m.status === "completed") {
    const elapsed = m.status === "active" ? Math.round(performance.now() - m.startedAt) : m.totalTimeMs;
    out["total-time"] = elapsed;
    // mbps as QEMU's migration_update_counters: bits over the elapsed time, in Mbit/s
    const mbps = elapsed > 0 ? (m.transferred * 8) / (elapsed * 1000) : 0;
    out.ram = {
      transferred: m.transferred,
      remaining: m.remaining,
      total: m.total,
      duplicate: m.duplicate,
      normal: m.normal,
      "normal-bytes": m.normal * 4096,
      "dirty-pages-rate": 0,
      mbps,
      "dirty-sync-count": 1,
      "postcopy-requests": 0,
      "page-size": 4096,
      multifd_bytes: 0,
      "pages-per-second": elapsed > 0 ? Math.round(((m.duplicate + m.normal) * 1000) / elapsed) : 0,
      precopy_bytes: m.transferred,
      downtime_bytes: 0,
      postcopy_bytes: 0,
      "dirty-sync-missed-zero-copy": 0,
    };
  }
  if (m.status === "failed" && m.errorDesc !== undefined) out["error-desc"] = m.errorDesc;
  return out;
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
