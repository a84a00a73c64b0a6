// libvirt's save image (src/qemu/qemu_saveimage.h virQEMUSaveHeader, libvirt 9.0): the header,
// the domain XML (NUL-terminated, zero-padded so the emulator's stream starts page-aligned), then
// the migration stream the emulator writes itself ("migrate" to file:PATH,offset=N). While the
// stream is being written the magic is "LibvirtQemudPart"; it becomes "LibvirtQemudSave" only
// when the save completed, so a crash mid-save never leaves an image that looks valid.
import { closeSync, openSync, readSync, writeSync } from "node:fs";

export const QEMU_SAVE_MAGIC = "LibvirtQemudSave";
export const QEMU_SAVE_PARTIAL = "LibvirtQemudPart";
export const QEMU_SAVE_VERSION = 2;
/** sizeof(virQEMUSaveHeader): magic[16], version, data_len, was_running, compressed, cookieOffset, unused[15] */
export const QEMU_SAVE_HEADER_SIZE = 16 + 4 * 5 + 4 * 15;
/** Where the emulator's stream starts is rounded up to this. */
const STREAM_ALIGN = 4096;

export interface SaveImageHeader {
  magic: string;
  version: number;
  dataLen: number;
  wasRunning: boolean;
  compressed: number;
}

export class SaveImageError extends Error {}

/** Writes the partial header and the XML; returns the offset where the stream goes. */
export function writeSaveImageHeader(path: string, xml: string, wasRunning: boolean): number {
  const xmlBytes = Buffer.from(`${xml}\0`, "utf8");
  const streamOffset = Math.ceil((QEMU_SAVE_HEADER_SIZE + xmlBytes.length) / STREAM_ALIGN) * STREAM_ALIGN;
  const dataLen = streamOffset - QEMU_SAVE_HEADER_SIZE;
  const buf = Buffer.alloc(streamOffset);
  buf.write(QEMU_SAVE_PARTIAL, 0, "latin1");
  buf.writeUInt32LE(QEMU_SAVE_VERSION, 16);
  buf.writeUInt32LE(dataLen, 20);
  buf.writeUInt32LE(wasRunning ? 1 : 0, 24);
  buf.writeUInt32LE(0, 28); // QEMU_SAVE_FORMAT_RAW
  buf.writeUInt32LE(0, 32); // no cookie
  xmlBytes.copy(buf, QEMU_SAVE_HEADER_SIZE);
  const fd = openSync(path, "w", 0o600);
  try {
    writeSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  return streamOffset;
}

/** virQEMUSaveDataFinish: the magic becomes QEMU_SAVE_MAGIC once the stream is complete. */
export function finishSaveImage(path: string): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, Buffer.from(QEMU_SAVE_MAGIC, "latin1"), 0, 16, 0);
  } finally {
    closeSync(fd);
  }
}

/** qemuSaveImageOpen: header and XML; refuses partial and foreign files as libvirt does. */
export function readSaveImage(path: string): { header: SaveImageHeader; xml: string; streamOffset: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SaveImageError(`Failed to open domain image file '${path}': ${code === "ENOENT" ? "No such file or directory" : (e as Error).message}`);
  }
  try {
    const head = Buffer.alloc(QEMU_SAVE_HEADER_SIZE);
    if (readSync(fd, head, 0, head.length, 0) !== head.length) throw new SaveImageError("failed to read qemu header");
    const magic = head.toString("latin1", 0, 16);
    if (magic === QEMU_SAVE_PARTIAL) throw new SaveImageError("save image is incomplete");
    if (magic !== QEMU_SAVE_MAGIC) throw new SaveImageError("image magic is incorrect");
    const header: SaveImageHeader = {
      magic,
      version: head.readUInt32LE(16),
      dataLen: head.readUInt32LE(20),
      wasRunning: head.readUInt32LE(24) !== 0,
      compressed: head.readUInt32LE(28),
    };
    if (header.version > QEMU_SAVE_VERSION) throw new SaveImageError(`image version is not supported (${header.version} > ${QEMU_SAVE_VERSION})`);
    if (header.dataLen <= 0 || header.dataLen > 64 * 1024 * 1024) throw new SaveImageError("invalid header data length");
    if (header.compressed !== 0) throw new SaveImageError("compressed save images are not supported by virtkit");
    const data = Buffer.alloc(header.dataLen);
    if (readSync(fd, data, 0, data.length, QEMU_SAVE_HEADER_SIZE) !== data.length) throw new SaveImageError("failed to read domain XML");
    const nul = data.indexOf(0);
    const xml = data.toString("utf8", 0, nul < 0 ? data.length : nul);
    return { header, xml, streamOffset: QEMU_SAVE_HEADER_SIZE + header.dataLen };
  } finally {
    closeSync(fd);
  }
}
