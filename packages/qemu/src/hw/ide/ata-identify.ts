import { ATA_MAX_MULT_SECTORS } from "./ata.js";

/*
 * IDENTIFY DEVICE data of a QEMU hard disk (ATA/ATAPI-6 8.15, table 16; the words QEMU's
 * hw/ide/core.c ide_identify fills): 256 little-endian words, strings stored byte-swapped in each
 * word and padded with spaces.
 */

/** The model QEMU gives an ide-hd without model=. */
export const IDE_HD_MODEL = "QEMU HARDDISK";
/** qemu_hw_version(): the firmware revision QEMU's devices report since 2.5. */
export const QEMU_HW_VERSION = "2.5+";

export interface AtaIdentifyParams {
  cylinders: number;
  heads: number;
  sectors: number;
  /** Total 512-byte sectors of the medium. */
  totalSectors: number;
  serial: string;
  model: string;
  firmware: string;
  /** Current READ/WRITE MULTIPLE block (word 59). */
  multSectors: number;
  writeCache: boolean;
}

/** Word offsets this file writes, by their ATA-6 names. */
export const IDENTIFY_WORD_SERIAL = 10;
export const IDENTIFY_WORD_FIRMWARE = 23;
export const IDENTIFY_WORD_MODEL = 27;
export const IDENTIFY_WORD_SWDMA = 62;
export const IDENTIFY_WORD_MWDMA = 63;
export const IDENTIFY_WORD_CMDSET_ENABLED1 = 85;
export const IDENTIFY_WORD_UDMA = 88;

/** ATA string field: two characters per word, the first in the high byte (ATA-6 3.2.9). */
export function putAtaString(words: Uint16Array, word: number, text: string, bytes: number): void {
  for (let i = 0; i < bytes; i += 2) {
    const hi = i < text.length ? text.charCodeAt(i) & 0xff : 0x20;
    const lo = i + 1 < text.length ? text.charCodeAt(i + 1) & 0xff : 0x20;
    words[word + i / 2] = (hi << 8) | lo;
  }
}

/** Word 85 (command sets enabled): NOP, SMART, and write cache when on. */
export function identifyWord85(writeCache: boolean): number {
  return (1 << 14) | (writeCache ? 1 << 5 : 0) | 1;
}

/** Words 60-61 (LBA28 capacity, capped at 2^28 - 1) and 100-103 (LBA48 capacity): ide_identify_size. */
export function putIdentifySize(words: Uint16Array, totalSectors: number): void {
  const lba28 = Math.min(totalSectors, 2 ** 28 - 1);
  words[60] = lba28 & 0xffff;
  words[61] = Math.floor(lba28 / 0x10000) & 0xffff;
  for (let i = 0; i < 4; i++) {
    words[100 + i] = Math.floor(totalSectors / 2 ** (16 * i)) & 0xffff;
  }
}

/** Builds the 256 identify words of a disk. */
export function ataIdentifyDevice(p: AtaIdentifyParams): Uint16Array {
  const w = new Uint16Array(256);
  w[0] = 0x0040; // fixed (non-removable) device
  w[1] = p.cylinders;
  w[3] = p.heads;
  w[4] = 512 * p.sectors; // retired: unformatted bytes per track
  w[5] = 512; // retired: unformatted bytes per sector
  w[6] = p.sectors;
  putAtaString(w, IDENTIFY_WORD_SERIAL, p.serial, 20);
  w[20] = 3; // retired: buffer type
  w[21] = 512; // retired: buffer size in sectors
  w[22] = 4; // obsolete: ECC bytes on READ/WRITE LONG
  putAtaString(w, IDENTIFY_WORD_FIRMWARE, p.firmware, 8);
  putAtaString(w, IDENTIFY_WORD_MODEL, p.model, 40);
  w[47] = 0x8000 | ATA_MAX_MULT_SECTORS;
  w[48] = 1; // QEMU: dword I/O
  w[49] = (1 << 11) | (1 << 9) | (1 << 8); // IORDY, LBA, DMA
  w[51] = 0x200; // PIO timing mode
  w[52] = 0x200; // DMA timing mode
  w[53] = 1 | (1 << 1) | (1 << 2); // words 54-58, 64-70 and 88 valid
  w[54] = p.cylinders;
  w[55] = p.heads;
  w[56] = p.sectors;
  const chsCapacity = p.cylinders * p.heads * p.sectors;
  w[57] = chsCapacity & 0xffff;
  w[58] = Math.floor(chsCapacity / 0x10000) & 0xffff;
  if (p.multSectors !== 0) {
    w[59] = 0x100 | p.multSectors;
  }
  w[IDENTIFY_WORD_SWDMA] = 0x07;
  w[IDENTIFY_WORD_MWDMA] = 0x07;
  w[64] = 0x03; // PIO modes 3 and 4
  w[65] = 120;
  w[66] = 120;
  w[67] = 120;
  w[68] = 120;
  w[69] = 1 << 14; // deterministic read after TRIM (QEMU: discard_granularity is 512 on ide-hd)
  w[80] = 0xf0; // ATA-4 to ATA-7... as QEMU: bits 4-7
  w[81] = 0x16;
  w[82] = (1 << 14) | (1 << 5) | 1; // NOP, write cache, SMART supported
  w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10); // FLUSH CACHE EXT, FLUSH CACHE, LBA48
  w[84] = 1 << 14;
  w[IDENTIFY_WORD_CMDSET_ENABLED1] = identifyWord85(p.writeCache);
  w[86] = (1 << 13) | (1 << 12) | (1 << 10);
  w[87] = 1 << 14;
  w[IDENTIFY_WORD_UDMA] = 0x3f | (1 << 13); // UDMA 0-5 supported (QEMU's "udma5 set")
  w[93] = 1 | (1 << 14) | 0x2000; // hardware reset result
  w[106] = 0x6000; // logical/physical sector size word valid: one 512-byte logical sector per physical
  w[169] = 1; // DATA SET MANAGEMENT with TRIM supported
  putIdentifySize(w, p.totalSectors);
  return w;
}
