import { putAtaString } from "./ata-identify.js";

/*
 * The ATAPI packet interface of a QEMU CD-ROM (ide-cd): the constants of ATA/ATAPI-6 clause 9
 * (PACKET protocol, interrupt reason in the Sector Count register) and of the SCSI/MMC command
 * set carried in the 12-byte packets (SPC-3 sense keys and additional sense codes, MMC-5 clause 6
 * commands), the IDENTIFY PACKET DEVICE words QEMU 7.2's ide_atapi_identify fills, and the packet
 * commands of QEMU's hw/ide/atapi.c atapi_cmd_table with their reply bytes.
 *
 * The handlers build their replies in place in the drive's I/O buffer, where the packet itself
 * was written by the guest, as QEMU does: a reply shorter than its allocation length leaves the
 * bytes QEMU leaves.
 */

/** The packet length QEMU's ide-cd uses (IDENTIFY PACKET word 0 bits 1:0 = 0: 12 bytes). */
export const ATAPI_PACKET_SIZE = 12;

/** Interrupt reason, in the Sector Count register (ATA/ATAPI-6 9.8): CoD, IO, REL. */
export const ATAPI_INT_REASON_CD = 0x01;
export const ATAPI_INT_REASON_IO = 0x02;
export const ATAPI_INT_REASON_REL = 0x04;

/** PACKET command Features bits (8.23): DMA, OVL (overlapped: QEMU aborts it). */
export const ATAPI_FEATURE_DMA = 0x01;
export const ATAPI_FEATURE_OVL = 0x02;

/** Signature a packet device leaves in LBA Mid/High after reset and diagnostics (9.12). */
export const ATAPI_SIGNATURE_LCYL = 0x14;
export const ATAPI_SIGNATURE_HCYL = 0xeb;

/** The model QEMU gives an ide-cd without model=. */
export const IDE_CD_MODEL = "QEMU DVD-ROM";

/** Error register "media changed" bit (QEMU MC_ERR), set with UNIT ATTENTION in the sense key nibble. */
export const ATA_ERROR_MC = 0x20;

/** Sense keys (SPC-3 4.5.6, table 27). */
export const SENSE_NO_SENSE = 0x00;
export const SENSE_NOT_READY = 0x02;
export const SENSE_ILLEGAL_REQUEST = 0x05;
export const SENSE_UNIT_ATTENTION = 0x06;

/** Additional sense codes QEMU reports (SPC-3 annex D; QEMU hw/ide/internal.h ASC_*). */
export const ASC_ILLEGAL_OPCODE = 0x20;
export const ASC_LOGICAL_BLOCK_OOR = 0x21;
export const ASC_INV_FIELD_IN_CMD_PACKET = 0x24;
export const ASC_MEDIUM_MAY_HAVE_CHANGED = 0x28;
export const ASC_INCOMPATIBLE_FORMAT = 0x30;
export const ASC_SAVING_PARAMETERS_NOT_SUPPORTED = 0x39;
export const ASC_MEDIUM_NOT_PRESENT = 0x3a;
export const ASC_DATA_PHASE_ERROR = 0x4b;
export const ASC_MEDIA_REMOVAL_PREVENTED = 0x53;

/** Packet command operation codes (MMC-5 clause 6, SPC-3 clause 6). */
export const GPCMD_TEST_UNIT_READY = 0x00;
export const GPCMD_REQUEST_SENSE = 0x03;
export const GPCMD_INQUIRY = 0x12;
export const GPCMD_START_STOP_UNIT = 0x1b;
export const GPCMD_PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1e;
export const GPCMD_READ_CAPACITY = 0x25;
export const GPCMD_READ_10 = 0x28;
export const GPCMD_SEEK = 0x2b;
export const GPCMD_READ_TOC_PMA_ATIP = 0x43;
export const GPCMD_GET_CONFIGURATION = 0x46;
export const GPCMD_GET_EVENT_STATUS_NOTIFICATION = 0x4a;
export const GPCMD_READ_DISC_INFORMATION = 0x51;
export const GPCMD_MODE_SENSE_10 = 0x5a;
export const GPCMD_READ_12 = 0xa8;
export const GPCMD_READ_DVD_STRUCTURE = 0xad;
export const GPCMD_SET_SPEED = 0xbb;
export const GPCMD_MECHANISM_STATUS = 0xbd;
export const GPCMD_READ_CD = 0xbe;

/** Mode pages QEMU returns (MMC-5 7.3, 7.4, 7.8 / older MMC audio control page). */
export const MODE_PAGE_R_W_ERROR = 0x01;
export const MODE_PAGE_AUDIO_CTL = 0x0e;
export const MODE_PAGE_CAPABILITIES = 0x2a;

/** Feature profiles (MMC-5 5.3.1, table 89). */
export const MMC_PROFILE_CD_ROM = 0x0008;
export const MMC_PROFILE_DVD_ROM = 0x0010;

/** GET EVENT STATUS NOTIFICATION (MMC-5 6.6): the media class, its status and event codes. */
export const GESN_MEDIA = 4;
export const MS_TRAY_OPEN = 0x01;
export const MS_MEDIA_PRESENT = 0x02;
export const MEC_NO_CHANGE = 0;
export const MEC_EJECT_REQUESTED = 1;
export const MEC_NEW_MEDIA = 2;

/** A CD holds at most 80 minutes of 75 frames of 2048 bytes; larger media are DVDs (in 512-byte sectors). */
export const CD_MAX_SECTORS = (80 * 60 * 75 * 2048) / 512;

/** The logical block size of the data track, and a raw (Mode 1, sync + header + EDC/ECC) sector. */
export const CD_FRAMESIZE = 2048;
export const CD_FRAMESIZE_RAW = 2352;

/** IDENTIFY PACKET DEVICE data of QEMU's ide-cd (ATA/ATAPI-6 8.16, table 19; QEMU ide_atapi_identify with USE_DMA_CDROM). */
export function atapiIdentifyDevice(p: { serial: string; firmware: string; model: string }): Uint16Array {
  const w = new Uint16Array(256);
  // ATAPI device (10b), CD-ROM device type (05h), removable, DRQ within 50 us (10b), 12-byte packets.
  w[0] = (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5);
  putAtaString(w, 10, p.serial, 20);
  w[20] = 3; // retired: buffer type
  w[21] = 512; // retired: buffer size
  w[22] = 4; // obsolete: ECC bytes
  putAtaString(w, 23, p.firmware, 8);
  putAtaString(w, 27, p.model, 40);
  w[48] = 1; // QEMU sets "dword I/O" here too
  w[49] = (1 << 9) | (1 << 8); // LBA, DMA
  w[53] = 7; // words 54-58, 64-70 and 88 valid
  w[62] = 7; // single-word DMA 0-2
  w[63] = 7; // multiword DMA 0-2
  w[64] = 3; // PIO modes 3 and 4
  w[65] = 0xb4; // minimum multiword DMA cycle (ns)
  w[66] = 0xb4;
  w[67] = 0x12c; // minimum PIO cycle without flow control
  w[68] = 0xb4;
  w[71] = 30; // packet-to-bus-release time (ns)
  w[72] = 30; // service-to-BSY-clear time (ns)
  w[80] = 0x1e; // ATA/ATAPI-1 to -4
  w[88] = 0x3f | (1 << 13); // UDMA 0-5 supported
  return w;
}

/** MSF (minute, second, frame) of an LBA: 2 seconds (150 frames) of lead-in before LBA 0 (MMC-5 4.2.3.2). */
export function lbaToMsf(buf: Uint8Array, at: number, lba: number): void {
  const f = lba + 150;
  buf[at] = Math.floor(f / 75 / 60) & 0xff;
  buf[at + 1] = Math.floor(f / 75) % 60;
  buf[at + 2] = f % 75;
}

function putBe16(buf: Uint8Array, at: number, v: number): void {
  buf[at] = (v >>> 8) & 0xff;
  buf[at + 1] = v & 0xff;
}

function putBe32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = (v >>> 24) & 0xff;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

export function getBe16(buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!;
}

export function getBe32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

/** Space-padded ASCII without a terminator (QEMU padstr8). */
function putPadded(buf: Uint8Array, at: number, len: number, text: string): void {
  for (let i = 0; i < len; i++) {
    buf[at + i] = i < text.length ? text.charCodeAt(i) & 0xff : 0x20;
  }
}

/**
 * READ TOC/PMA/ATIP format 0000b (MMC-5 6.26.2.2): one data track (control 4: data, ADR 1) from
 * LBA 0 and the lead-out (track AAh) at the end of the medium; -1 for a start track past track 1.
 * QEMU hw/block/cdrom.c cdrom_read_toc (the lead-out's control byte is 16h there).
 */
export function cdromReadToc(nbSectors: number, buf: Uint8Array, msf: boolean, startTrack: number): number {
  if (startTrack > 1 && startTrack !== 0xaa) {
    return -1;
  }
  let q = 2;
  buf[q++] = 1; // first track
  buf[q++] = 1; // last track
  if (startTrack <= 1) {
    buf[q++] = 0;
    buf[q++] = 0x14; // ADR 1, control: data track
    buf[q++] = 1; // track number
    buf[q++] = 0;
    if (msf) {
      buf[q++] = 0;
      lbaToMsf(buf, q, 0);
      q += 3;
    } else {
      putBe32(buf, q, 0);
      q += 4;
    }
  }
  buf[q++] = 0;
  buf[q++] = 0x16; // lead-out
  buf[q++] = 0xaa;
  buf[q++] = 0;
  if (msf) {
    buf[q++] = 0;
    lbaToMsf(buf, q, nbSectors);
    q += 3;
  } else {
    putBe32(buf, q, nbSectors);
    q += 4;
  }
  putBe16(buf, 0, q - 2);
  return q;
}

/**
 * READ TOC format 0010b, the raw TOC (MMC-5 6.26.2.4): Q sub-channel descriptors A0h (first
 * track), A1h (last track), A2h (lead-out start) and track 1 for session 1 (QEMU cdrom_read_toc_raw).
 */
export function cdromReadTocRaw(nbSectors: number, buf: Uint8Array, msf: boolean): number {
  let q = 2;
  buf[q++] = 1; // first session
  buf[q++] = 1; // last session
  const descriptor = (point: number, pmin: number, psec: number, pframe: number): void => {
    buf[q++] = 1; // session
    buf[q++] = 0x14; // ADR 1, data track
    buf[q++] = 0; // TNO
    buf[q++] = point;
    buf[q++] = 0; // min
    buf[q++] = 0; // sec
    buf[q++] = 0; // frame
    buf[q++] = 0; // zero
    buf[q++] = pmin;
    buf[q++] = psec;
    buf[q++] = pframe;
  };
  descriptor(0xa0, 1, 0, 0); // first track 1, disc type 00h (CD-DA or CD-ROM)
  descriptor(0xa1, 1, 0, 0); // last track 1
  const leadOut = (point: number, lba: number, msfForm: boolean): void => {
    buf[q++] = 1;
    buf[q++] = 0x14;
    buf[q++] = 0;
    buf[q++] = point;
    buf[q++] = 0;
    buf[q++] = 0;
    buf[q++] = 0;
    if (msfForm) {
      buf[q++] = 0;
      lbaToMsf(buf, q, lba);
      q += 3;
    } else {
      putBe32(buf, q, lba);
      q += 4;
    }
  };
  // The A2h descriptor carries the lead-out as a 4-byte LBA when MSF=0 (QEMU's layout); track 1
  // then starts at 0 (written as four zero bytes without MSF).
  leadOut(0xa2, nbSectors, msf);
  leadOut(1, 0, msf);
  putBe16(buf, 0, q - 2);
  return q;
}

/** What a packet command handler uses of the drive (the PACKET protocol engine of ide-drive.ts). */
export interface AtapiTarget {
  readonly ioBuffer: Uint8Array;
  /** Sectors of 512 bytes on the medium (0 without one). */
  readonly totalSectors: number;
  readonly inserted: boolean;
  trayOpen: boolean;
  trayLocked: boolean;
  senseKey: number;
  asc: number;
  readonly serial: string;
  readonly model: string;
  readonly firmware: string;
  readonly events: { newMedia: boolean; ejectRequest: boolean };
  /** blk_eject: the guest moved the tray (START STOP UNIT); the host reports DEVICE_TRAY_MOVED. */
  guestMovedTray(open: boolean): void;
  /** ide_atapi_cmd_ok: done, status ready, interrupt reason "command complete". */
  atapiCmdOk(): void;
  /** ide_atapi_cmd_error: CHECK CONDITION with this sense key and ASC. */
  atapiCmdError(senseKey: number, asc: number): void;
  /** ide_atapi_cmd_reply: the first `size` bytes of the buffer (at most `maxSize`) go to the host. */
  atapiReply(size: number, maxSize: number): void;
  /** ide_atapi_cmd_read: `count` sectors of `sectorSize` (2048 or 2352) bytes from `lba`. */
  atapiRead(lba: number, count: number, sectorSize: number): void;
  /** validate_bcl: false (and the ATA command aborted) for a PIO transfer with byte count limit 0. */
  validateByteCountLimit(): boolean;
}

function mediaPresent(s: AtapiTarget): boolean {
  return !s.trayOpen && s.totalSectors > 0;
}

function mediaIsDvd(s: AtapiTarget): boolean {
  return mediaPresent(s) && s.totalSectors > CD_MAX_SECTORS;
}

function mediaIsCd(s: AtapiTarget): boolean {
  return mediaPresent(s) && s.totalSectors <= CD_MAX_SECTORS;
}

/** 2048-byte blocks on the medium. */
function blocks(s: AtapiTarget): number {
  return Math.floor(s.totalSectors / 4);
}

type PacketHandler = (s: AtapiTarget, buf: Uint8Array) => void;

const cmdTestUnitReady: PacketHandler = (s) => {
  // Not-ready conditions were handled before the handler runs.
  s.atapiCmdOk();
};

/** REQUEST SENSE (SPC-3 6.27): fixed-format sense data; a UNIT ATTENTION is reported once. */
const cmdRequestSense: PacketHandler = (s, buf) => {
  const maxLen = buf[4]!;
  buf.fill(0, 0, 18);
  buf[0] = 0x70 | 0x80; // current errors, VALID
  buf[2] = s.senseKey;
  buf[7] = 10; // additional sense length
  buf[12] = s.asc;
  if (s.senseKey === SENSE_UNIT_ATTENTION) {
    s.senseKey = SENSE_NO_SENSE;
  }
  s.atapiReply(18, maxLen);
};

/** INQUIRY (SPC-3 6.4): standard data, or the VPD pages 00h and 83h when EVPD is set. */
const cmdInquiry: PacketHandler = (s, buf) => {
  const pageCode = buf[2]!;
  const maxLen = buf[4]!;
  let idx: number;
  let sizeIdx: number;
  let preamble: number;
  if (buf[1]! & 0x01) {
    preamble = 4;
    sizeIdx = 3;
    buf[0] = 0x05; // CD/DVD device
    buf[1] = pageCode;
    buf[2] = 0;
    idx = 4;
    if (pageCode === 0x00) {
      buf[idx++] = 0x00; // supported pages: this one
      buf[idx++] = 0x83; // and device identification
    } else if (pageCode === 0x83) {
      if (idx + 24 > maxLen) {
        s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_DATA_PHASE_ERROR);
        return;
      }
      buf[idx++] = 0x02; // ASCII
      buf[idx++] = 0x00; // vendor specific
      buf[idx++] = 0x00;
      buf[idx++] = 20;
      putPadded(buf, idx, 20, s.serial);
      idx += 20;
      if (idx + 72 <= maxLen) {
        buf[idx++] = 0x02; // ASCII
        buf[idx++] = 0x01; // T10 vendor identification
        buf[idx++] = 0x00;
        buf[idx++] = 68;
        putPadded(buf, idx, 8, "ATA");
        idx += 8;
        putPadded(buf, idx, 40, s.model);
        idx += 40;
        putPadded(buf, idx, 20, s.serial);
        idx += 20;
      }
    } else {
      s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
      return;
    }
  } else {
    preamble = 5;
    sizeIdx = 4;
    buf[0] = 0x05; // CD/DVD device
    buf[1] = 0x80; // removable
    buf[2] = 0x00; // no claimed SCSI version
    buf[3] = 0x21; // ATAPI (version 2 in bits 7:4), response data format 1
    buf[5] = 0;
    buf[6] = 0;
    buf[7] = 0;
    putPadded(buf, 8, 8, "QEMU");
    putPadded(buf, 16, 16, IDE_CD_MODEL);
    putPadded(buf, 32, 4, s.firmware);
    idx = 36;
  }
  buf[sizeIdx] = idx - preamble;
  s.atapiReply(idx, maxLen);
};

/** START STOP UNIT (MMC-5 6.39): LoEj with Start loads (closes) or ejects (opens) the tray. */
const cmdStartStopUnit: PacketHandler = (s, buf) => {
  const start = (buf[4]! & 1) !== 0;
  const loej = (buf[4]! & 2) !== 0;
  if (buf[4]! & 0xf0) {
    // A power condition: the tray is not moved.
    s.atapiCmdOk();
    return;
  }
  if (loej) {
    if (!start && !s.trayOpen && s.trayLocked) {
      s.atapiCmdError(s.inserted ? SENSE_NOT_READY : SENSE_ILLEGAL_REQUEST, ASC_MEDIA_REMOVAL_PREVENTED);
      return;
    }
    if (s.trayOpen !== !start) {
      s.trayOpen = !start;
      s.guestMovedTray(!start);
    }
  }
  s.atapiCmdOk();
};

const cmdPreventAllowMediumRemoval: PacketHandler = (s, buf) => {
  s.trayLocked = (buf[4]! & 1) !== 0;
  s.atapiCmdOk();
};

/** READ CAPACITY (MMC-5 6.23): the last LBA and the 2048-byte block length. */
const cmdReadCapacity: PacketHandler = (s, buf) => {
  putBe32(buf, 0, blocks(s) - 1);
  putBe32(buf, 4, CD_FRAMESIZE);
  s.atapiReply(8, 8);
};

/**
 * The common start of the read commands: a zero count completes at once, a range past the medium is
 * ILLEGAL REQUEST / LOGICAL BLOCK OUT OF RANGE (QEMU computes the last LBA in 32-bit unsigned
 * arithmetic). True when the command goes on to read.
 */
function readRangeOk(s: AtapiTarget, lba: number, count: number): boolean {
  if (count === 0) {
    s.atapiCmdOk();
    return false;
  }
  const total = blocks(s);
  if (lba >= total || ((lba + count - 1) >>> 0) >= total) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_LOGICAL_BLOCK_OOR);
    return false;
  }
  return true;
}

/** READ (10) / READ (12) (MMC-5 6.15, 6.16). */
const cmdRead: PacketHandler = (s, buf) => {
  const count = buf[0] === GPCMD_READ_10 ? getBe16(buf, 7) : getBe32(buf, 6);
  const lba = getBe32(buf, 2);
  if (readRangeOk(s, lba, count)) s.atapiRead(lba, count, CD_FRAMESIZE);
};

/** READ CD (MMC-5 6.19): user data only (flags 10h) or the whole raw sector (F8h). */
const cmdReadCd: PacketHandler = (s, buf) => {
  const count = (buf[6]! << 16) | (buf[7]! << 8) | buf[8]!;
  const lba = getBe32(buf, 2);
  if (!readRangeOk(s, lba, count)) return;
  const request = buf[9]! & 0xf8;
  if (request === 0x00) {
    s.atapiCmdOk();
    return;
  }
  if (!s.validateByteCountLimit()) {
    return;
  }
  if (request === 0x10) {
    s.atapiRead(lba, count, CD_FRAMESIZE);
  } else if (request === 0xf8) {
    s.atapiRead(lba, count, CD_FRAMESIZE_RAW);
  } else {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
  }
};

const cmdSeek: PacketHandler = (s, buf) => {
  if (getBe32(buf, 2) >= blocks(s)) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_LOGICAL_BLOCK_OOR);
    return;
  }
  s.atapiCmdOk();
};

/** READ TOC/PMA/ATIP (MMC-5 6.26): formats 0 (TOC), 1 (session info) and 2 (raw TOC). */
const cmdReadToc: PacketHandler = (s, buf) => {
  const maxLen = getBe16(buf, 7);
  const format = buf[9]! >> 6;
  const msf = ((buf[1]! >> 1) & 1) !== 0;
  const startTrack = buf[6]!;
  const total = blocks(s);
  let len = -1;
  if (format === 0) {
    len = cdromReadToc(total, buf, msf, startTrack);
  } else if (format === 1) {
    buf.fill(0, 0, 12);
    buf[1] = 0x0a;
    buf[2] = 0x01;
    buf[3] = 0x01;
    len = 12;
  } else if (format === 2) {
    len = cdromReadTocRaw(total, buf, msf);
  }
  if (len < 0) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
    return;
  }
  s.atapiReply(len, maxLen);
};

/** GET CONFIGURATION (MMC-5 6.6): the feature header and the Profile List feature only. */
const cmdGetConfiguration: PacketHandler = (s, buf) => {
  if (buf[2] !== 0 || buf[3] !== 0) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
    return;
  }
  const maxLen = Math.min(getBe16(buf, 7), 512);
  buf.fill(0, 0, maxLen);
  if (mediaIsDvd(s)) {
    putBe16(buf, 6, MMC_PROFILE_DVD_ROM);
  } else if (mediaIsCd(s)) {
    putBe16(buf, 6, MMC_PROFILE_CD_ROM);
  }
  buf[10] = 0x02 | 0x01; // persistent, current
  let len = 12;
  [MMC_PROFILE_DVD_ROM, MMC_PROFILE_CD_ROM].forEach((profile, i) => {
    const at = 12 + i * 4;
    putBe16(buf, at, profile);
    buf[at + 2] = buf[at] === buf[6] && buf[at + 1] === buf[7] ? 1 : 0; // CurrentP
    buf[11] = (buf[11]! + 4) & 0xff;
    len += 4;
  });
  putBe32(buf, 0, len - 4);
  s.atapiReply(len, maxLen);
};

/** GET EVENT STATUS NOTIFICATION (MMC-5 6.7), polled only, media class events. */
const cmdGetEventStatusNotification: PacketHandler = (s, buf) => {
  const maxLen = getBe16(buf, 7);
  if (!(buf[1]! & 0x01)) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
    return;
  }
  const requested = buf[4]!;
  buf[3] = 1 << GESN_MEDIA; // supported event classes
  buf[2] = 0;
  let used: number;
  if (requested & (1 << GESN_MEDIA)) {
    buf[2] = GESN_MEDIA;
    let mediaStatus = 0;
    if (s.trayOpen) {
      mediaStatus = MS_TRAY_OPEN;
    } else if (s.inserted) {
      mediaStatus = MS_MEDIA_PRESENT;
    }
    let event = MEC_NO_CHANGE;
    if (mediaStatus !== MS_TRAY_OPEN) {
      if (s.events.newMedia) {
        event = MEC_NEW_MEDIA;
        s.events.newMedia = false;
      } else if (s.events.ejectRequest) {
        event = MEC_EJECT_REQUESTED;
        s.events.ejectRequest = false;
      }
    }
    buf[4] = event;
    buf[5] = mediaStatus;
    buf[6] = 0;
    buf[7] = 0;
    used = 8;
  } else {
    buf[2] = 0x80; // no event available
    used = 4;
  }
  putBe16(buf, 0, used - 4);
  s.atapiReply(used, maxLen);
};

/** READ DISC INFORMATION (MMC-5 6.22), standard disc information only. */
const cmdReadDiscInformation: PacketHandler = (s, buf) => {
  const type = buf[1]! & 7;
  const maxLen = getBe16(buf, 7);
  if (type !== 0) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
    return;
  }
  buf.fill(0, 0, 34);
  buf[1] = 32; // length
  buf[2] = 0x0e; // last session complete, disc finalized
  buf[3] = 1; // first track on disc
  buf[4] = 1; // sessions
  buf[5] = 1; // first track of the last session
  buf[6] = 1; // last track of the last session
  buf[7] = 0x20; // unrestricted use
  buf[8] = 0x00; // CD-DA or CD-ROM disc
  s.atapiReply(34, maxLen);
};

/** MODE SENSE (10) (MMC-5 7.2): current values of pages 01h, 0Eh and 2Ah; other page controls are refused. */
const cmdModeSense: PacketHandler = (s, buf) => {
  const maxLen = getBe16(buf, 7);
  const action = buf[2]! >> 6;
  const code = buf[2]! & 0x3f;
  if (action === 3) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_SAVING_PARAMETERS_NOT_SUPPORTED);
    return;
  }
  const header = (len: number): void => {
    putBe16(buf, 0, len - 2); // mode data length
    buf[2] = 0x70; // medium type (obsolete code QEMU reports)
    buf.fill(0, 3, 8);
    buf[8] = code;
    buf[9] = len - 10;
  };
  if (action === 0 && code === MODE_PAGE_R_W_ERROR) {
    header(16);
    buf[10] = 0x00;
    buf[11] = 0x05; // read retry count
    buf.fill(0, 12, 16);
    s.atapiReply(16, maxLen);
  } else if (action === 0 && code === MODE_PAGE_AUDIO_CTL) {
    header(24);
    // Only the four volume bytes are written (the rest stays as QEMU leaves it).
    buf[17] = 0;
    buf[19] = 0;
    buf[21] = 0;
    buf[23] = 0;
    s.atapiReply(24, maxLen);
  } else if (action === 0 && code === MODE_PAGE_CAPABILITIES) {
    header(30);
    buf[10] = 0x3b; // reads CD-R, CD-RW, DVD-ROM, DVD-R, DVD-RAM
    buf[11] = 0x00;
    buf[12] = 0x71; // audio play (QEMU claims it for Linux's automount), composite, digital port, multi-session
    buf[13] = 3 << 5;
    buf[14] = (1 << 0) | (1 << 3) | (1 << 5) | (s.trayLocked ? 1 << 1 : 0); // lock, eject, tray loader
    buf[15] = 0x00;
    putBe16(buf, 16, 704); // maximum read speed (4x)
    buf[18] = 0;
    buf[19] = 2; // volume levels
    putBe16(buf, 20, 512); // buffer size (KiB)
    putBe16(buf, 22, 704); // current read speed
    buf.fill(0, 24, 30);
    s.atapiReply(30, maxLen);
  } else {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
  }
};

/** READ DVD STRUCTURE (MMC-5 6.25): formats 00h, 01h, 04h and the FFh list for DVD media, media type 0. */
const cmdReadDvdStructure: PacketHandler = (s, buf) => {
  const media = buf[1]!;
  const format = buf[7]!;
  const maxLen = getBe16(buf, 8);
  if (format < 0xff) {
    if (mediaIsCd(s)) {
      s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INCOMPATIBLE_FORMAT);
      return;
    }
    if (!mediaPresent(s)) {
      s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
      return;
    }
  }
  buf.fill(0, 0, Math.min(maxLen, buf.length));
  // QEMU reads the layer from the packet after clearing the reply (so it is 0 unless maxLen < 7).
  const layer = buf[6]!;
  if (media !== 0 || !(format <= 0x7f || format === 0xff)) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_INV_FIELD_IN_CMD_PACKET);
    return;
  }
  let ret: number;
  switch (format) {
    case 0x00: {
      const total = blocks(s);
      if (layer !== 0) {
        ret = -ASC_INV_FIELD_IN_CMD_PACKET;
        break;
      }
      if (total === 0) {
        ret = -ASC_MEDIUM_NOT_PRESENT;
        break;
      }
      buf[4] = 1; // DVD-ROM, version 1
      buf[5] = 0xf; // 120 mm, maximum rate unspecified
      buf[6] = 1; // one layer, read-only
      buf[7] = 0;
      putBe32(buf, 8, 0);
      putBe32(buf, 12, total - 1);
      putBe32(buf, 16, total - 1);
      putBe16(buf, 0, 2048 + 2);
      ret = 2048 + 4;
      break;
    }
    case 0x01:
      buf[4] = 0; // no copy protection
      buf[5] = 0; // no region restriction
      putBe16(buf, 0, 4 + 2);
      ret = 4 + 4;
      break;
    case 0x04:
      putBe16(buf, 0, 2048 + 2);
      ret = 2048 + 4;
      break;
    case 0xff:
      [
        [0x00, 2048 + 4],
        [0x01, 4 + 4],
        [0x03, 188 + 4],
        [0x04, 2048 + 4],
      ].forEach(([f, l], i) => {
        buf[4 + i * 4] = f!;
        buf[5 + i * 4] = 0x40; // readable, not writable
        putBe16(buf, 6 + i * 4, l!);
      });
      putBe16(buf, 0, 16 + 2);
      ret = 16 + 4;
      break;
    default:
      ret = -ASC_INV_FIELD_IN_CMD_PACKET;
  }
  if (ret < 0) {
    s.atapiCmdError(SENSE_ILLEGAL_REQUEST, -ret);
  } else {
    s.atapiReply(ret, maxLen);
  }
};

const cmdSetSpeed: PacketHandler = (s) => {
  s.atapiCmdOk();
};

/** MECHANISM STATUS (MMC-5 6.11): the 8-byte header, no changer slots. */
const cmdMechanismStatus: PacketHandler = (s, buf) => {
  const maxLen = getBe16(buf, 8);
  buf.fill(0, 0, 8);
  buf[5] = 1; // one slot
  s.atapiReply(8, maxLen);
};

/** May run while a UNIT ATTENTION is pending (MMC-5 4.1.6.1). */
export const ATAPI_ALLOW_UA = 0x01;
/** Needs a medium: NOT READY / MEDIUM NOT PRESENT otherwise (MMC-5 4.1.8). */
export const ATAPI_CHECK_READY = 0x02;
/** Moves no data: the byte count limit is not checked. */
export const ATAPI_NONDATA = 0x04;
/** Moves data only for some field values: the handler checks the byte count limit. */
export const ATAPI_CONDDATA = 0x08;

/** QEMU atapi_cmd_table: opcode -> handler and flags; everything else is INVALID COMMAND OPERATION CODE. */
export const ATAPI_COMMANDS: ReadonlyMap<number, { handler: PacketHandler; flags: number }> = new Map([
  [GPCMD_TEST_UNIT_READY, { handler: cmdTestUnitReady, flags: ATAPI_CHECK_READY | ATAPI_NONDATA }],
  [GPCMD_REQUEST_SENSE, { handler: cmdRequestSense, flags: ATAPI_ALLOW_UA }],
  [GPCMD_INQUIRY, { handler: cmdInquiry, flags: ATAPI_ALLOW_UA }],
  [GPCMD_START_STOP_UNIT, { handler: cmdStartStopUnit, flags: ATAPI_NONDATA }],
  [GPCMD_PREVENT_ALLOW_MEDIUM_REMOVAL, { handler: cmdPreventAllowMediumRemoval, flags: ATAPI_NONDATA }],
  [GPCMD_READ_CAPACITY, { handler: cmdReadCapacity, flags: ATAPI_CHECK_READY }],
  [GPCMD_READ_10, { handler: cmdRead, flags: ATAPI_CHECK_READY }],
  [GPCMD_SEEK, { handler: cmdSeek, flags: ATAPI_CHECK_READY | ATAPI_NONDATA }],
  [GPCMD_READ_TOC_PMA_ATIP, { handler: cmdReadToc, flags: ATAPI_CHECK_READY }],
  [GPCMD_GET_CONFIGURATION, { handler: cmdGetConfiguration, flags: ATAPI_ALLOW_UA }],
  [GPCMD_GET_EVENT_STATUS_NOTIFICATION, { handler: cmdGetEventStatusNotification, flags: ATAPI_ALLOW_UA }],
  [GPCMD_READ_DISC_INFORMATION, { handler: cmdReadDiscInformation, flags: ATAPI_CHECK_READY }],
  [GPCMD_MODE_SENSE_10, { handler: cmdModeSense, flags: 0 }],
  [GPCMD_READ_12, { handler: cmdRead, flags: ATAPI_CHECK_READY }],
  [GPCMD_READ_DVD_STRUCTURE, { handler: cmdReadDvdStructure, flags: ATAPI_CHECK_READY }],
  [GPCMD_SET_SPEED, { handler: cmdSetSpeed, flags: ATAPI_NONDATA }],
  [GPCMD_MECHANISM_STATUS, { handler: cmdMechanismStatus, flags: 0 }],
  [GPCMD_READ_CD, { handler: cmdReadCd, flags: ATAPI_CHECK_READY | ATAPI_CONDDATA }],
]);

/**
 * Raw-sector framing of a Mode 1 sector around its 2048 data bytes (ECMA-130 14; QEMU
 * cd_data_to_raw): 12 sync bytes, the MSF header with mode 1, the data at 16, and 288 bytes of
 * EDC/ECC that QEMU leaves zero.
 */
export function cdDataToRaw(buf: Uint8Array, at: number, lba: number): void {
  buf[at] = 0x00;
  buf.fill(0xff, at + 1, at + 11);
  buf[at + 11] = 0x00;
  lbaToMsf(buf, at + 12, lba);
  buf[at + 15] = 0x01;
  buf.fill(0, at + 16 + 2048, at + CD_FRAMESIZE_RAW);
}
