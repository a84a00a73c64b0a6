/**
 * A writer for the "newc" (SVR4 portable, no CRC) cpio format, the only format the Linux kernel unpacks into
 * its initramfs (Documentation/driver-api/early-userspace/buffer-format.rst; cpio(5) "New ASCII Format").
 *
 * Every entry is a 110-byte ASCII header — the magic "070701" and thirteen 8-digit hex fields — then the
 * NUL-terminated name padded to a multiple of 4 bytes (counting from the header's start), then the data padded
 * to a multiple of 4. The archive ends with the entry "TRAILER!!!".
 *
 * The output is reproducible by construction: entries are sorted by name (byte order, so a directory precedes
 * what it holds), inode numbers are assigned in that order, and owner, group and mtime come from the options,
 * never from the host.
 */

/** cpio(5): the magic of the new ASCII format without checksums. */
export const CPIO_NEWC_MAGIC = "070701";
export const CPIO_NEWC_HEADER_SIZE = 110;
export const CPIO_TRAILER_NAME = "TRAILER!!!";

/** File type bits of st_mode (<sys/stat.h>). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

export type CpioEntry =
  | { type: "file"; path: string; mode: number; data: Uint8Array }
  | { type: "dir"; path: string; mode: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "char" | "block"; path: string; mode: number; major: number; minor: number }
  | { type: "fifo"; path: string; mode: number };

export interface CpioOptions {
  /** Seconds since the epoch stored as every entry's mtime (default 0; use SOURCE_DATE_EPOCH for a date). */
  mtime?: number;
  uid?: number;
  gid?: number;
}

export class CpioError extends Error {}

const TYPE_BITS: Readonly<Record<CpioEntry["type"], number>> = {
  file: S_IFREG,
  dir: S_IFDIR,
  symlink: S_IFLNK,
  char: S_IFCHR,
  block: S_IFBLK,
  fifo: S_IFIFO,
};

const encoder = new TextEncoder();

/** The archive name of `path`: no leading "/" or "./", no empty or ".." components. */
export function cpioName(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) {
    throw new CpioError(`cpio: ${JSON.stringify(path)}: an entry needs a name below the archive root`);
  }
  if (parts.includes("..")) {
    throw new CpioError(`cpio: ${path}: ".." is not allowed in an initramfs entry name`);
  }
  return parts.join("/");
}

function field(v: number, name: string, entry: string): string {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new CpioError(`cpio: ${entry}: ${name} ${String(v)} does not fit the 8-digit hex field`);
  }
  return v.toString(16).padStart(8, "0");
}

function pad4(n: number): number {
  return (4 - (n & 3)) & 3;
}

interface Prepared {
  name: Uint8Array;
  nameText: string;
  mode: number;
  data: Uint8Array;
  rdevMajor: number;
  rdevMinor: number;
  nlink: number;
}

function prepare(e: CpioEntry): Prepared {
  const nameText = cpioName(e.path);
  const name = encoder.encode(nameText);
  const base = { name, nameText, rdevMajor: 0, rdevMinor: 0 };
  switch (e.type) {
    case "file":
      return { ...base, mode: TYPE_BITS.file | (e.mode & 0o7777), data: e.data, nlink: 1 };
    case "dir":
      return { ...base, mode: TYPE_BITS.dir | (e.mode & 0o7777), data: new Uint8Array(0), nlink: 2 };
    case "symlink":
      if (e.target === "") {
        throw new CpioError(`cpio: ${e.path}: a symbolic link needs a target`);
      }
      return { ...base, mode: TYPE_BITS.symlink | 0o777, data: encoder.encode(e.target), nlink: 1 };
    case "char":
    case "block":
      return { ...base, mode: TYPE_BITS[e.type] | (e.mode & 0o7777), data: new Uint8Array(0), rdevMajor: e.major, rdevMinor: e.minor, nlink: 1 };
    case "fifo":
      return { ...base, mode: TYPE_BITS.fifo | (e.mode & 0o7777), data: new Uint8Array(0), nlink: 1 };
  }
}

function header(p: Prepared, ino: number, o: Required<CpioOptions>): string {
  const n = p.nameText;
  return (
    CPIO_NEWC_MAGIC +
    field(ino, "inode", n) +
    field(p.mode, "mode", n) +
    field(o.uid, "uid", n) +
    field(o.gid, "gid", n) +
    field(p.nlink, "nlink", n) +
    field(o.mtime, "mtime", n) +
    field(p.data.length, "file size", n) +
    field(0, "devmajor", n) +
    field(0, "devminor", n) +
    field(p.rdevMajor, "rdevmajor", n) +
    field(p.rdevMinor, "rdevminor", n) +
    field(p.name.length + 1, "name size", n) +
    field(0, "check", n)
  );
}

/** Byte-order comparison of UTF-8 names (what `LC_ALL=C sort` gives). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      return a[i]! - b[i]!;
    }
  }
  return a.length - b.length;
}

/** Writes `entries` as a newc archive (sorted, inodes from 1, the trailer last). Duplicate names are an error. */
export function writeCpioNewc(entries: readonly CpioEntry[], options: CpioOptions = {}): Uint8Array {
  const o: Required<CpioOptions> = { mtime: options.mtime ?? 0, uid: options.uid ?? 0, gid: options.gid ?? 0 };
  const prepared = entries.map(prepare).sort((a, b) => compareBytes(a.name, b.name));
  for (let i = 1; i < prepared.length; i++) {
    if (prepared[i]!.nameText === prepared[i - 1]!.nameText) {
      throw new CpioError(`cpio: ${prepared[i]!.nameText}: the archive already has an entry of that name`);
    }
  }
  const trailer: Prepared = { name: encoder.encode(CPIO_TRAILER_NAME), nameText: CPIO_TRAILER_NAME, mode: 0, data: new Uint8Array(0), rdevMajor: 0, rdevMinor: 0, nlink: 1 };
  let size = 0;
  const all = [...prepared, trailer];
  for (const p of all) {
    const h = CPIO_NEWC_HEADER_SIZE + p.name.length + 1;
    size += h + pad4(h) + p.data.length + pad4(p.data.length);
  }
  const out = new Uint8Array(size);
  let at = 0;
  all.forEach((p, i) => {
    // The trailer carries inode 0 and mtime 0, as GNU cpio and the kernel's gen_init_cpio write it.
    const isTrailer = p === trailer;
    const h = header(p, isTrailer ? 0 : i + 1, isTrailer ? { mtime: 0, uid: 0, gid: 0 } : o);
    at += encoder.encodeInto(h, out.subarray(at)).written;
    out.set(p.name, at);
    at += p.name.length + 1;
    at += pad4(CPIO_NEWC_HEADER_SIZE + p.name.length + 1);
    out.set(p.data, at);
    at += p.data.length + pad4(p.data.length);
  });
  return out;
}

export interface CpioListing {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Uint8Array;
}

/** Reads a newc archive back (up to the trailer); used by tests and to check what was written. */
export function readCpioNewc(archive: Uint8Array): CpioListing[] {
  const dec = new TextDecoder();
  const out: CpioListing[] = [];
  let at = 0;
  for (;;) {
    if (at + CPIO_NEWC_HEADER_SIZE > archive.length) {
      throw new CpioError(`cpio: premature end of archive at byte ${String(at)}`);
    }
    const h = dec.decode(archive.subarray(at, at + CPIO_NEWC_HEADER_SIZE));
    if (!h.startsWith(CPIO_NEWC_MAGIC)) {
      throw new CpioError(`cpio: bad magic at byte ${String(at)}: not a newc archive`);
    }
    const f = (i: number): number => Number.parseInt(h.slice(6 + i * 8, 14 + i * 8), 16);
    const nameSize = f(11);
    const fileSize = f(6);
    const nameStart = at + CPIO_NEWC_HEADER_SIZE;
    const name = dec.decode(archive.subarray(nameStart, nameStart + nameSize - 1));
    const dataStart = nameStart + nameSize + pad4(CPIO_NEWC_HEADER_SIZE + nameSize);
    if (dataStart + fileSize > archive.length) {
      throw new CpioError(`cpio: ${name}: premature end of archive`);
    }
    if (name === CPIO_TRAILER_NAME) {
      return out;
    }
    out.push({ name, mode: f(1), uid: f(2), gid: f(3), mtime: f(5), rdevMajor: f(9), rdevMinor: f(10), data: archive.subarray(dataStart, dataStart + fileSize) });
    at = dataStart + fileSize + pad4(fileSize);
  }
}
