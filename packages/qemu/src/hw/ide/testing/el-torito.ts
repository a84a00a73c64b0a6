/*
 * A minimal bootable CD image for the tests: an ISO 9660 volume (ECMA-119, 2nd edition) with an
 * El Torito boot record ("El Torito" Bootable CD-ROM Format Specification 1.0) whose boot
 * catalog holds one no-emulation entry for x86. Layout (2048-byte logical sectors):
 *
 *   0-15  system area (zero)          19  type L path table      22  boot catalog
 *   16    primary volume descriptor   20  type M path table      23… boot image
 *   17    boot record                 21  root directory         data at its own LBA
 *   18    volume descriptor set terminator
 *
 * The BIOS loads `loadSectors` virtual 512-byte sectors of the boot image at 07C0:0000.
 */

export const ISO_SECTOR = 2048;
const PVD_LBA = 16;
const BOOT_RECORD_LBA = 17;
const TERMINATOR_LBA = 18;
const L_PATH_TABLE_LBA = 19;
const M_PATH_TABLE_LBA = 20;
const ROOT_DIR_LBA = 21;
const BOOT_CATALOG_LBA = 22;
const BOOT_IMAGE_LBA = 23;

/** Volume descriptor types (ECMA-119 8.1.1). */
const VD_BOOT_RECORD = 0;
const VD_PRIMARY = 1;
const VD_TERMINATOR = 255;

/** El Torito 2.1-2.4: validation entry header, boot indicator, media type, platform. */
const ELTORITO_HEADER_ID = 0x01;
const ELTORITO_PLATFORM_X86 = 0x00;
const ELTORITO_BOOTABLE = 0x88;
const ELTORITO_NO_EMULATION = 0x00;
const ELTORITO_SYSTEM_ID = "EL TORITO SPECIFICATION";

export interface ElToritoOptions {
  /** The no-emulation boot image (its first `loadSectors` * 512 bytes are loaded). */
  bootImage: Uint8Array;
  /** Virtual 512-byte sectors the BIOS loads (default: the whole image). */
  loadSectors?: number;
  /** Extra sectors at a fixed LBA (after the boot image). */
  data?: { lba: number; bytes: Uint8Array };
  /** Files in the root directory ("NAME.EXT", level 1 names; ";1" is added), stored after everything else. */
  files?: { name: string; bytes: Uint8Array }[];
  volumeId?: string;
}

function both16(buf: Uint8Array, at: number, v: number): void {
  const d = new DataView(buf.buffer, buf.byteOffset);
  d.setUint16(at, v, true);
  d.setUint16(at + 2, v, false);
}

function both32(buf: Uint8Array, at: number, v: number): void {
  const d = new DataView(buf.buffer, buf.byteOffset);
  d.setUint32(at, v, true);
  d.setUint32(at + 4, v, false);
}

function text(buf: Uint8Array, at: number, len: number, s: string, pad = 0x20): void {
  for (let i = 0; i < len; i++) buf[at + i] = i < s.length ? s.charCodeAt(i) : pad;
}

/**
 * A directory record (ECMA-119 9.1): a directory one sector long (name 00h = ".", 01h = "..") or a
 * file; the record is padded to an even length.
 */
function directoryRecord(buf: Uint8Array, at: number, extent: number, name: number | string, size = ISO_SECTOR): number {
  const id = typeof name === "number" ? String.fromCharCode(name) : `${name};1`;
  const len = 33 + id.length + ((33 + id.length) & 1);
  buf[at] = len; // record length
  buf[at + 1] = 0; // extended attribute record length
  both32(buf, at + 2, extent);
  both32(buf, at + 10, size);
  // Recording date (9.1.5): 2026-01-01 00:00:00 UTC, fixed so the image is reproducible.
  buf.set([126, 1, 1, 0, 0, 0, 0], at + 18);
  buf[at + 25] = typeof name === "number" ? 0x02 : 0x00; // directory or file
  both16(buf, at + 28, 1); // volume sequence number
  buf[at + 32] = id.length; // identifier length
  text(buf, at + 33, id.length, id);
  return at + len;
}

/** A 17-byte dec-datetime (8.4.26.1): digits and a zero time zone; all zeros = not specified. */
function decDate(buf: Uint8Array, at: number, digits: string): void {
  text(buf, at, 16, digits, 0x30);
  buf[at + 16] = 0;
}

export function buildElToritoIso(o: ElToritoOptions): Uint8Array {
  const loadSectors = o.loadSectors ?? Math.ceil(o.bootImage.length / 512);
  const bootSectors = Math.ceil(o.bootImage.length / ISO_SECTOR);
  const bootEnd = BOOT_IMAGE_LBA + bootSectors;
  if (o.data !== undefined && o.data.lba < bootEnd) {
    throw new Error(`data at LBA ${o.data.lba} overlaps the boot image (ends at ${bootEnd})`);
  }
  const dataEnd = o.data === undefined ? 0 : o.data.lba + Math.ceil(o.data.bytes.length / ISO_SECTOR);
  const fileLbas: number[] = [];
  let total = Math.max(bootEnd, dataEnd);
  for (const f of o.files ?? []) {
    fileLbas.push(total);
    total += Math.max(1, Math.ceil(f.bytes.length / ISO_SECTOR));
  }
  const iso = new Uint8Array(total * ISO_SECTOR);
  const sector = (lba: number): Uint8Array => iso.subarray(lba * ISO_SECTOR, (lba + 1) * ISO_SECTOR);

  // Primary volume descriptor (8.4).
  const pvd = sector(PVD_LBA);
  pvd[0] = VD_PRIMARY;
  text(pvd, 1, 5, "CD001");
  pvd[6] = 1;
  text(pvd, 8, 32, ""); // system identifier
  text(pvd, 40, 32, o.volumeId ?? "VIRTKIT_CDROM_BOOT");
  both32(pvd, 80, total); // volume space size
  both16(pvd, 120, 1); // volume set size
  both16(pvd, 124, 1); // volume sequence number
  both16(pvd, 128, ISO_SECTOR); // logical block size
  both32(pvd, 132, 10); // path table size: the root entry
  new DataView(iso.buffer).setUint32(PVD_LBA * ISO_SECTOR + 140, L_PATH_TABLE_LBA, true);
  new DataView(iso.buffer).setUint32(PVD_LBA * ISO_SECTOR + 148, M_PATH_TABLE_LBA, false);
  directoryRecord(pvd, 156, ROOT_DIR_LBA, 0);
  text(pvd, 190, 128 * 4 + 37 * 3, ""); // volume set, publisher, preparer, application, three file ids
  decDate(pvd, 813, "2026010100000000"); // creation
  decDate(pvd, 830, "2026010100000000"); // modification
  decDate(pvd, 847, "0000000000000000"); // expiration: none
  decDate(pvd, 864, "0000000000000000"); // effective: now
  pvd[881] = 1; // file structure version

  // El Torito boot record volume descriptor (2.0): where the boot catalog is.
  const br = sector(BOOT_RECORD_LBA);
  br[0] = VD_BOOT_RECORD;
  text(br, 1, 5, "CD001");
  br[6] = 1;
  text(br, 7, 32, ELTORITO_SYSTEM_ID, 0);
  new DataView(iso.buffer).setUint32(BOOT_RECORD_LBA * ISO_SECTOR + 0x47, BOOT_CATALOG_LBA, true);

  const term = sector(TERMINATOR_LBA);
  term[0] = VD_TERMINATOR;
  text(term, 1, 5, "CD001");
  term[6] = 1;

  // Path tables (9.4): one entry, the root (directory number 1, its own parent).
  for (const [lba, little] of [[L_PATH_TABLE_LBA, true], [M_PATH_TABLE_LBA, false]] as const) {
    const pt = sector(lba);
    const d = new DataView(iso.buffer, lba * ISO_SECTOR);
    pt[0] = 1; // identifier length
    d.setUint32(2, ROOT_DIR_LBA, little);
    d.setUint16(6, 1, little);
    pt[8] = 0;
  }

  const root = sector(ROOT_DIR_LBA);
  let at = directoryRecord(root, directoryRecord(root, 0, ROOT_DIR_LBA, 0), ROOT_DIR_LBA, 1);
  (o.files ?? []).forEach((f, i) => {
    at = directoryRecord(root, at, fileLbas[i]!, f.name, f.bytes.length);
    iso.set(f.bytes, fileLbas[i]! * ISO_SECTOR);
  });

  // Boot catalog (2.1, 2.2): validation entry (its 16 words sum to 0) and the initial entry.
  const cat = sector(BOOT_CATALOG_LBA);
  const cv = new DataView(iso.buffer, BOOT_CATALOG_LBA * ISO_SECTOR, 64);
  cat[0] = ELTORITO_HEADER_ID;
  cat[1] = ELTORITO_PLATFORM_X86;
  text(cat, 4, 24, "VIRTKIT", 0);
  cat[30] = 0x55;
  cat[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum += cv.getUint16(i, true);
  cv.setUint16(28, (0x10000 - (sum & 0xffff)) & 0xffff, true);
  cat[32] = ELTORITO_BOOTABLE;
  cat[33] = ELTORITO_NO_EMULATION;
  cv.setUint16(34, 0, true); // load segment: 0 means the traditional 07C0h
  cat[36] = 0; // system type
  cv.setUint16(38, loadSectors, true);
  cv.setUint32(40, BOOT_IMAGE_LBA, true);

  iso.set(o.bootImage, BOOT_IMAGE_LBA * ISO_SECTOR);
  if (o.data !== undefined) {
    iso.set(o.data.bytes, o.data.lba * ISO_SECTOR);
  }
  return iso;
}

/** The test pattern of guests/cdrom-boot.asm: byte i of sector L is (L * 7 + i * 13 + (i * i >> 6)) & FFh. */
export function cdTestPattern(firstLba: number, sectors: number): Uint8Array {
  const b = new Uint8Array(sectors * ISO_SECTOR);
  for (let s = 0; s < sectors; s++) {
    for (let i = 0; i < ISO_SECTOR; i++) b[s * ISO_SECTOR + i] = ((firstLba + s) * 7 + i * 13 + ((i * i) >> 6)) & 0xff;
  }
  return b;
}

/** The guest's " sum=XXXX xor=XXXX" of little-endian words (16-bit wrap). */
export function wordSums(bytes: Uint8Array): string {
  let sum = 0;
  let xor = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const w = bytes[i]! | (bytes[i + 1]! << 8);
    sum = (sum + w) & 0xffff;
    xor ^= w;
  }
  const h = (v: number): string => v.toString(16).padStart(4, "0");
  return `sum=${h(sum)} xor=${h(xor)}`;
}
