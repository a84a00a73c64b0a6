import * as path from "node:path";
import type { BlockDriver, CreateOptions } from "./block-driver.js";
import { BlockError } from "./block-error.js";
import { FileProtocol } from "./file-protocol.js";
import { Qcow2Driver } from "./qcow2.js";
import { RawDriver } from "./raw.js";

/** Formats this block layer implements, by qemu name. */
export const FORMATS = ["raw", "qcow2"] as const;
export type FormatName = (typeof FORMATS)[number];

export function isFormat(name: string): name is FormatName {
  return (FORMATS as readonly string[]).includes(name);
}

/** bdrv_probe_all(): qcow2 by its magic, anything else is raw. */
export function probeFormat(filename: string): FormatName {
  const f = FileProtocol.open(filename, true);
  try {
    const first = new Uint8Array(512);
    f.preadSync(first, 0);
    return Qcow2Driver.probe(first) ? "qcow2" : "raw";
  } finally {
    f.close();
  }
}

export interface OpenImageOptions {
  /** Format; probed when absent. */
  format?: string | null;
  readOnly: boolean;
  /** Open the backing chain (qemu-img info uses BDRV_O_NO_BACKING). Default true. */
  openBacking?: boolean;
  /** qemu-img check opens with BDRV_O_CHECK. */
  checkMode?: boolean;
  /** cache=unsafe: flushes become no-ops (no crash safety, as in qemu). */
  unsafeCache?: boolean;
  /** Reads, small writes and flushes on the calling thread instead of the thread pool (FileProtocol.syncIo), backing files included. */
  syncIo?: boolean;
}

/**
 * Resolves a backing file name relative to the image that names it
 * (bdrv_get_full_backing_filename): absolute names stay, relative ones are
 * relative to the directory of the overlay.
 */
export function resolveBackingPath(overlay: string, backing: string): string {
  // path_combine(): keep the overlay's directory prefix verbatim, as qemu does.
  if (path.isAbsolute(backing)) return backing;
  const slash = overlay.lastIndexOf("/");
  return slash >= 0 ? overlay.slice(0, slash + 1) + backing : backing;
}

/** bdrv_open(): opens an image file with the given or probed format and its backing chain. */
export async function openImage(filename: string, opts: OpenImageOptions): Promise<BlockDriver> {
  const format = opts.format ?? probeFormat(filename);
  const syncIo = opts.syncIo ?? false;
  if (format === "raw") return RawDriver.open(filename, opts.readOnly, opts.unsafeCache ?? false, syncIo);
  if (format === "qcow2") {
    const withBacking = opts.openBacking ?? true;
    return Qcow2Driver.open(filename, {
      readOnly: opts.readOnly,
      checkMode: opts.checkMode ?? false,
      unsafeCache: opts.unsafeCache ?? false,
      syncIo,
      ...(withBacking
        ? {
            openBacking: async (name: string, fmt: string | null): Promise<BlockDriver> => {
              const full = resolveBackingPath(filename, name);
              try {
                // Backing files are opened read-only, like qemu does for a chain.
                return await openImage(full, { format: fmt, readOnly: true, openBacking: true, syncIo });
              } catch (e) {
                const msg = e instanceof BlockError ? e.message : String(e);
                throw new BlockError(`Could not open backing file: ${msg}`, e instanceof BlockError ? e.code : "EIO");
              }
            },
          }
        : {}),
    });
  }
  throw new BlockError(`Unknown driver '${format}'`);
}

/** bdrv_create(): creates an image of the given format. */
export async function createImage(format: string, filename: string, opts: CreateOptions & { backingSize?: number }): Promise<void> {
  if (format === "raw") {
    const { backingSize: _ignored, ...rest } = opts;
    await RawDriver.create(filename, rest);
    return;
  }
  if (format === "qcow2") {
    await Qcow2Driver.create(filename, opts);
    return;
  }
  throw new BlockError(`Unknown file format '${format}'`);
}
