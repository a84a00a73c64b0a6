import * as zlib from "node:zlib";

/**
 * zlib compression of one cluster as qemu does it (block/qcow2-threads.c
 * qcow2_zlib_compress/qcow2_zlib_decompress): raw deflate (no zlib or gzip
 * wrapper) with a 4 KiB window (windowBits -12), default level.
 */
export const QCOW2_DEFLATE_WINDOW_BITS = 12;

/**
 * Compresses `src` (one cluster). Returns null when the result would not be
 * smaller than `src.length - 1` bytes, in which case qemu stores the cluster
 * uncompressed.
 */
export function qcow2Compress(src: Uint8Array): Uint8Array | null {
  const out = zlib.deflateRawSync(src, { windowBits: QCOW2_DEFLATE_WINDOW_BITS, level: zlib.constants.Z_DEFAULT_COMPRESSION });
  if (out.length >= src.length - 1) return null;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Inflates a compressed cluster into `dest` (exactly one cluster). Like qemu,
 * trailing bytes after the end of the deflate stream (the rest of the last
 * 512-byte sector) are ignored, and the output must fill the whole cluster.
 * Returns false on a malformed stream.
 */
export function qcow2Decompress(src: Uint8Array, dest: Uint8Array): boolean {
  let out: Buffer;
  try {
    // A 15-bit window inflates streams made with any smaller window too.
    out = zlib.inflateRawSync(src, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: dest.length + 1 });
  } catch {
    return false;
  }
  if (out.length < dest.length) return false;
  dest.set(out.subarray(0, dest.length));
  return true;
}
