// The "dir" storage backend (libvirt 9.0 src/storage/storage_backend_fs.c with
// storage_util.c): a pool is a directory, each regular file in it a volume. Refresh probes every
// file's format and sizes (raw: the file size; qcow2: the header's virtual size), the pool's
// capacity and free space come from statvfs. Volumes are created as sparse raw files or as qcow2
// images written by @virtkit/qemu's block layer (what libvirt does by running qemu-img create).
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statfsSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createImage, openImage, probeFormat } from "@virtkit/qemu";
import type { StorageVolDef } from "../../conf/storage-conf.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";

const STO = VirErrorDomain.VIR_FROM_STORAGE;
const E = VirErrorNumber;

function sysErr(fmt: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const text = code === "ENOENT" ? "No such file or directory" : code === "EACCES" ? "Permission denied" : code === "EEXIST" ? "File exists" : code === "ENOTDIR" ? "Not a directory" : (e as Error).message;
  return virError(STO, E.VIR_ERR_SYSTEM_ERROR, `${fmt}: ${text}`);
}

export interface PoolSizes {
  capacity: number;
  allocation: number;
  available: number;
}

/** virStorageBackendFileSystemBuild for dir pools: mkdir (mode 0711 when no perms given). */
export function buildDirPool(target: string, mode: number | null): void {
  try {
    mkdirSync(target, { recursive: true, mode: mode ?? 0o711 });
  } catch (e) {
    throw sysErr(`cannot create path '${target}'`, e);
  }
}

/** virStorageBackendFileSystemCheck / start: the directory must exist. */
export function checkDirPool(target: string): void {
  let st;
  try {
    st = statSync(target);
  } catch (e) {
    throw sysErr(`cannot open directory '${target}'`, e);
  }
  if (!st.isDirectory()) throw virError(STO, E.VIR_ERR_INTERNAL_ERROR, `${target} is not a directory`);
}

/** statvfs of the pool's directory. */
export function dirPoolSizes(target: string): PoolSizes {
  const s = statfsSync(target);
  const capacity = s.blocks * s.bsize;
  const available = s.bavail * s.bsize;
  return { capacity, allocation: capacity - s.bfree * s.bsize, available };
}

export interface ScannedVolume {
  name: string;
  path: string;
  format: string;
  capacity: number;
  allocation: number;
}

/** The virtual size of a qcow2 image (header offset 24, big-endian u64). */
function qcow2VirtualSize(path: string): number {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(32);
    readSync(fd, b, 0, 32, 0);
    return Number(b.readBigUInt64BE(24));
  } finally {
    closeSync(fd);
  }
}

/** virStorageBackendVolOpen + virStorageBackendUpdateVolInfo for one file. */
export function scanVolume(dir: string, name: string): ScannedVolume | null {
  const path = join(dir, name);
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  if (!st.isFile()) return null;
  let format: string;
  try {
    format = probeFormat(path);
  } catch {
    format = "raw";
  }
  const capacity = format === "qcow2" ? qcow2VirtualSize(path) : st.size;
  return { name, path, format, capacity, allocation: st.blocks * 512 };
}

/** virStorageBackendFileSystemRefresh: every regular file, sorted by name. */
export function scanDirPool(dir: string): ScannedVolume[] {
  const out: ScannedVolume[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (f.startsWith(".")) continue;
    const v = scanVolume(dir, f);
    if (v) out.push(v);
  }
  return out;
}

/** storageBackendCreateRaw / storageBackendCreateQemuImg for a dir pool volume. */
export async function createDirVolume(dir: string, vol: StorageVolDef): Promise<string> {
  const path = join(dir, vol.name);
  if (existsSync(path)) throw virError(STO, E.VIR_ERR_OPERATION_FAILED, `storage vol '${vol.name}' exists already`);
  const format = vol.target.format ?? "raw";
  const size = Number(vol.capacity);
  if (format === "raw") {
    try {
      const fd = openSync(path, "wx", vol.target.perms.mode ?? 0o600);
      try {
        if (vol.hasAllocation && vol.allocation > 0n) {
          // preallocate what <allocation> asks for, as libvirt writes zeroes (fallocate)
          const chunk = Buffer.alloc(1 << 20);
          let left = Number(vol.allocation < vol.capacity ? vol.allocation : vol.capacity);
          let at = 0;
          while (left > 0) {
            const n = Math.min(left, chunk.length);
            writeSync(fd, chunk, 0, n, at);
            at += n;
            left -= n;
          }
        }
        ftruncateSync(fd, size);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if ((e as { code?: string }).code) throw sysErr(`cannot create path '${path}'`, e);
      throw e;
    }
    return path;
  }
  if (format === "qcow2") {
    try {
      await createImage("qcow2", path, {
        size,
        ...(vol.target.compat ? { compat: vol.target.compat } : { compat: "1.1" }),
        ...(vol.target.clusterSize ? { clusterSize: Number(vol.target.clusterSize) } : {}),
        ...(vol.target.features?.includes("lazy_refcounts") ? { lazyRefcounts: true } : {}),
        ...(vol.backingStore ? { backingFile: vol.backingStore.path, ...(vol.backingStore.format ? { backingFormat: vol.backingStore.format } : {}) } : {}),
      });
    } catch (e) {
      rmSync(path, { force: true });
      throw virError(STO, E.VIR_ERR_INTERNAL_ERROR, `Failed to create qcow2 volume '${vol.name}': ${(e as Error).message}`);
    }
    // the image must open as what we made
    const d = await openImage(path, { format: "qcow2", readOnly: true, openBacking: false });
    await d.close();
    return path;
  }
  throw virError(STO, E.VIR_ERR_CONFIG_UNSUPPORTED, `volume format '${format}' is not supported by virtkit's dir pool (raw, qcow2)`);
}

/** virStorageBackendVolDeleteLocal. */
export function deleteDirVolume(path: string): void {
  try {
    rmSync(path);
  } catch (e) {
    throw sysErr(`cannot unlink file '${path}'`, e);
  }
}
