// libvirt's qemu save image (src/qemu/qemu_saveimage.h virQEMUSaveHeader, qemu_saveimage.c
// virQEMUSaveDataWrite / qemuSaveImageOpen, libvirt 9.0), byte for byte:
//
//   0   char     magic[16]      "LibvirtQemudPart" while written, "LibvirtQemudSave" once complete
//   16  uint32   version        2
//   20  uint32   data_len       bytes of XML + cookie + padding that follow the header
//   24  uint32   was_running    1: resume after restore
//   28  uint32   compressed     QEMU_SAVE_FORMAT_* (0 = raw)
//   32  uint32   cookieOffset   where the save cookie starts inside the data (0: none)
//   36  uint32   unused[14]
//   92  the domain XML, NUL-terminated, then 64 KiB of zeros (room for an edited XML)
//   92 + data_len   the emulator's migration stream ("QEVM"...)
//
// Fields are in the writer's byte order (little-endian here); a reader that finds version > 2
// swaps them, as qemuSaveImageBswapHeader does. The emulator writes and reads the stream itself
// ("migrate" to file:PATH,offset=N, "-incoming file:PATH,offset=N") where libvirt hands it the
// file descriptor positioned at the same offset. The magic becomes final only when the stream is
// complete, so a crash mid-save never leaves an image that looks valid. No save cookie is written
// (libvirt's carries the guest CPU definition, which virtkit's emulator does not negotiate).
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { virError } from "../../errors/vir-error.js";
import { virSystemError } from "../../errors/system-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

export const QEMU_SAVE_MAGIC = "LibvirtQemudSave";
export const QEMU_SAVE_PARTIAL = "LibvirtQemudPart";
export const QEMU_SAVE_VERSION = 2;
/** sizeof(virQEMUSaveHeader): magic[16], version, data_len, was_running, compressed, cookieOffset, unused[14]. */
export const QEMU_SAVE_HEADER_SIZE = 16 + 4 * 5 + 4 * 14;
/** virQEMUSaveDataWrite pads the XML with 64 KiB so that an edited XML still fits. */
export const QEMU_SAVE_XML_PADDING = 64 * 1024;
/** QEMU_SAVE_FORMAT_RAW .. ZSTD (virQEMUSaveFormat). */
export const QEMU_SAVE_FORMATS = ["raw", "gzip", "bzip2", "xz", "lzop", "zstd"] as const;

export interface SaveImageHeader {
  version: number;
  dataLen: number;
  wasRunning: boolean;
  compressed: number;
  cookieOffset: number;
}

export interface SaveImage {
  /** the file it was read from */
  path: string;
  header: SaveImageHeader;
  /** the domain XML (up to its NUL) */
  xml: string;
  /** the save cookie's XML, or null */
  cookie: string | null;
  /** where the emulator's stream starts: header + data_len */
  streamOffset: number;
}

function encodeHeader(h: SaveImageHeader, magic: string): Buffer {
  const buf = Buffer.alloc(QEMU_SAVE_HEADER_SIZE);
  buf.write(magic, 0, "latin1");
  buf.writeUInt32LE(h.version, 16);
  buf.writeUInt32LE(h.dataLen, 20);
  buf.writeUInt32LE(h.wasRunning ? 1 : 0, 24);
  buf.writeUInt32LE(h.compressed, 28);
  buf.writeUInt32LE(h.cookieOffset, 32);
  return buf;
}

/** What virQEMUSaveDataNew + virQEMUSaveDataWrite put before the stream, with the partial magic. */
export function encodeSaveImageData(xml: string, wasRunning: boolean): { bytes: Buffer; header: SaveImageHeader } {
  const xmlBytes = Buffer.from(`${xml}\0`, "utf8");
  const header: SaveImageHeader = { version: QEMU_SAVE_VERSION, dataLen: xmlBytes.length + QEMU_SAVE_XML_PADDING, wasRunning, compressed: 0, cookieOffset: 0 };
  const bytes = Buffer.alloc(QEMU_SAVE_HEADER_SIZE + header.dataLen);
  encodeHeader(header, QEMU_SAVE_PARTIAL).copy(bytes, 0);
  xmlBytes.copy(bytes, QEMU_SAVE_HEADER_SIZE);
  return { bytes, header };
}

/**
 * Creates (or truncates) `path` with the header and XML; returns where the stream goes and
 * whether the file was created here (libvirt unlinks a failed image only then).
 */
export function writeSaveImageHeader(path: string, xml: string, wasRunning: boolean): { streamOffset: number; header: SaveImageHeader; created: boolean } {
  // virQEMUFileOpenAs: a file that stat() finds is not unlinked on failure
  const existed = existsSync(path);
  const { bytes, header } = encodeSaveImageData(xml, wasRunning);
  let fd: number;
  try {
    // virQEMUFileOpenAs(O_WRONLY | O_TRUNC | O_CREAT), S_IRUSR | S_IWUSR
    fd = openSync(path, "w", 0o600);
  } catch (e) {
    throw virSystemError(QEMU, e, `Failed to create file '${path}'`);
  }
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, off);
  } catch (e) {
    throw virSystemError(QEMU, e, `failed to write header to domain save file '${path}'`);
  } finally {
    closeSync(fd);
  }
  return { streamOffset: QEMU_SAVE_HEADER_SIZE + header.dataLen, header, created: !existed };
}

/** virQEMUSaveDataFinish: the same header again, now with QEMU_SAVE_MAGIC. */
export function finishSaveImage(path: string, header: SaveImageHeader): void {
  let fd: number;
  try {
    fd = openSync(path, "r+");
  } catch (e) {
    throw virSystemError(QEMU, e, `Failed to open file '${path}'`);
  }
  try {
    writeSync(fd, encodeHeader(header, QEMU_SAVE_MAGIC), 0, QEMU_SAVE_HEADER_SIZE, 0);
  } catch (e) {
    throw virSystemError(QEMU, e, `failed to write header to domain save file '${path}'`);
  } finally {
    closeSync(fd);
  }
}

/** qemuSaveImageBswapHeader: every uint32 field in the other byte order. */
function readHeaderFields(head: Buffer, swap: boolean): SaveImageHeader {
  const u32 = (o: number): number => (swap ? head.readUInt32BE(o) : head.readUInt32LE(o));
  return { version: u32(16), dataLen: u32(20), wasRunning: u32(24) !== 0, compressed: u32(28), cookieOffset: u32(32) };
}

function failed(msg: string): Error {
  return virError(QEMU, E.VIR_ERR_OPERATION_FAILED, msg);
}

/** qemuSaveImageOpen: header, XML and cookie, with libvirt's errors for every way a file is not an image. */
export function readSaveImage(path: string): SaveImage {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw virSystemError(QEMU, e, `Failed to open file '${path}'`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(QEMU_SAVE_HEADER_SIZE);
    if (readFully(fd, head, 0) !== head.length) throw failed("failed to read qemu header");
    const magic = head.toString("latin1", 0, 16);
    if (magic !== QEMU_SAVE_MAGIC) {
      if (magic === QEMU_SAVE_PARTIAL) throw failed("save image is incomplete");
      throw failed("image magic is incorrect");
    }
    let header = readHeaderFields(head, false);
    if (header.version > QEMU_SAVE_VERSION) header = readHeaderFields(head, true);
    if (header.version > QEMU_SAVE_VERSION) throw failed(`image version is not supported (${header.version} > ${QEMU_SAVE_VERSION})`);
    if (header.dataLen === 0) throw failed(`invalid header data length: ${header.dataLen}`);
    const xmlLen = header.cookieOffset !== 0 ? header.cookieOffset : header.dataLen;
    const cookieLen = header.dataLen - xmlLen;
    // a length past the end of the file cannot be read (checked before allocating it)
    if (xmlLen > size - QEMU_SAVE_HEADER_SIZE) throw failed("failed to read domain XML");
    const xmlBuf = Buffer.alloc(xmlLen);
    if (readFully(fd, xmlBuf, QEMU_SAVE_HEADER_SIZE) !== xmlLen) throw failed("failed to read domain XML");
    let cookie: string | null = null;
    if (cookieLen > 0) {
      if (cookieLen > size - QEMU_SAVE_HEADER_SIZE - xmlLen) throw failed("failed to read cookie");
      const c = Buffer.alloc(cookieLen);
      if (readFully(fd, c, QEMU_SAVE_HEADER_SIZE + xmlLen) !== cookieLen) throw failed("failed to read cookie");
      cookie = cString(c);
    }
    return { path, header, xml: cString(xmlBuf), cookie, streamOffset: QEMU_SAVE_HEADER_SIZE + header.dataLen };
  } finally {
    closeSync(fd);
  }
}

/** The text up to the first NUL, as C reads a char buffer. */
function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString("utf8", 0, nul < 0 ? b.length : nul);
}

/** saferead(): as many bytes as the file has, up to the buffer's size. */
function readFully(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  try {
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, position + got);
      if (n === 0) break;
      got += n;
    }
  } catch {
    /* a read error is a short read to qemuSaveImageOpen */
  }
  return got;
}
