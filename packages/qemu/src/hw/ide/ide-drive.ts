import type { BlockDriver } from "../../block/block-driver.js";
import {
  ATA_CMD_CHECK_POWER_MODE,
  ATA_CMD_DATA_SET_MANAGEMENT,
  ATA_CMD_DEVICE_RESET,
  ATA_CMD_IDENTIFY_PACKET_DEVICE,
  ATA_CMD_PACKET,
  ATA_DSM_TRIM,
  ATA_CMD_CHECK_POWER_MODE_ALT,
  ATA_CMD_EXECUTE_DEVICE_DIAGNOSTIC,
  ATA_CMD_FLUSH_CACHE,
  ATA_CMD_FLUSH_CACHE_EXT,
  ATA_CMD_IDENTIFY_DEVICE,
  ATA_CMD_IDLE,
  ATA_CMD_IDLE_ALT,
  ATA_CMD_IDLE_IMMEDIATE,
  ATA_CMD_IDLE_IMMEDIATE_ALT,
  ATA_CMD_INITIALIZE_DEVICE_PARAMETERS,
  ATA_CMD_READ_DMA,
  ATA_CMD_READ_DMA_EXT,
  ATA_CMD_READ_DMA_NORETRY,
  ATA_CMD_READ_MULTIPLE,
  ATA_CMD_READ_MULTIPLE_EXT,
  ATA_CMD_READ_NATIVE_MAX_ADDRESS,
  ATA_CMD_READ_NATIVE_MAX_ADDRESS_EXT,
  ATA_CMD_READ_SECTORS,
  ATA_CMD_READ_SECTORS_EXT,
  ATA_CMD_READ_SECTORS_NORETRY,
  ATA_CMD_READ_VERIFY_SECTORS,
  ATA_CMD_READ_VERIFY_SECTORS_EXT,
  ATA_CMD_READ_VERIFY_SECTORS_NORETRY,
  ATA_CMD_RECALIBRATE,
  ATA_CMD_SEEK,
  ATA_CMD_SET_FEATURES,
  ATA_CMD_SET_MULTIPLE_MODE,
  ATA_CMD_SLEEP,
  ATA_CMD_SLEEP_ALT,
  ATA_CMD_STANDBY,
  ATA_CMD_STANDBY_ALT,
  ATA_CMD_STANDBY_IMMEDIATE,
  ATA_CMD_STANDBY_IMMEDIATE_ALT,
  ATA_CMD_WRITE_DMA,
  ATA_CMD_WRITE_DMA_EXT,
  ATA_CMD_WRITE_DMA_NORETRY,
  ATA_CMD_WRITE_MULTIPLE,
  ATA_CMD_WRITE_MULTIPLE_EXT,
  ATA_CMD_WRITE_SECTORS,
  ATA_CMD_WRITE_SECTORS_EXT,
  ATA_CMD_WRITE_SECTORS_NORETRY,
  ATA_CMD_WRITE_VERIFY,
  ATA_DEV_ALWAYS_ON,
  ATA_DEV_HS,
  ATA_DEV_LBA,
  ATA_ERROR_ABRT,
  ATA_MAX_MULT_SECTORS,
  ATA_SECTOR_SIZE,
  ATA_STATUS_BSY,
  ATA_STATUS_DRDY,
  ATA_STATUS_DRQ,
  ATA_STATUS_DSC,
  ATA_STATUS_ERR,
  IDE_DMA_BUF_SECTORS,
  SETFEATURES_AAM_OFF,
  SETFEATURES_AAM_ON,
  SETFEATURES_APM_OFF,
  SETFEATURES_APM_ON,
  SETFEATURES_NOPS,
  SETFEATURES_REVERT_OFF,
  SETFEATURES_REVERT_ON,
  SETFEATURES_RLA_OFF,
  SETFEATURES_RLA_ON,
  SETFEATURES_WC_OFF,
  SETFEATURES_WC_ON,
  SETFEATURES_XFER,
} from "./ata.js";
import {
  IDENTIFY_WORD_CMDSET_ENABLED1,
  IDENTIFY_WORD_MWDMA,
  IDENTIFY_WORD_SWDMA,
  IDENTIFY_WORD_UDMA,
  IDE_HD_MODEL,
  QEMU_HW_VERSION,
  ataIdentifyDevice,
  identifyWord85,
} from "./ata-identify.js";
import type { DmaSegment, IdeDmaClient, IdeDmaEngine } from "./ide-dma.js";
import {
  ASC_ILLEGAL_OPCODE,
  ASC_LOGICAL_BLOCK_OOR,
  ASC_MEDIUM_MAY_HAVE_CHANGED,
  ASC_MEDIUM_NOT_PRESENT,
  ATAPI_ALLOW_UA,
  ATAPI_CHECK_READY,
  ATAPI_COMMANDS,
  ATAPI_CONDDATA,
  ATAPI_FEATURE_DMA,
  ATAPI_FEATURE_OVL,
  ATAPI_INT_REASON_CD,
  ATAPI_INT_REASON_IO,
  ATAPI_NONDATA,
  ATAPI_PACKET_SIZE,
  ATAPI_SIGNATURE_HCYL,
  ATAPI_SIGNATURE_LCYL,
  ATA_ERROR_MC,
  type AtapiTarget,
  CD_FRAMESIZE,
  CD_FRAMESIZE_RAW,
  IDE_CD_MODEL,
  SENSE_ILLEGAL_REQUEST,
  SENSE_NOT_READY,
  SENSE_UNIT_ATTENTION,
  atapiIdentifyDevice,
  cdDataToRaw,
} from "./atapi.js";

/*
 * One ATA device position on an IDE bus (QEMU IDEState, hw/ide/core.c): the task-file registers
 * with their LBA48 "previous content" (HOB) copies, status and error, the PIO data buffer and
 * what happens when it is drained or filled, and the command set of a QEMU hard disk.
 *
 * Block I/O is asynchronous: a command that reads or writes the medium sets BSY, and the
 * completion clears it, moves the data and raises the interrupt, as QEMU's AIO callbacks do. A
 * reset or a new transfer makes a completion still in flight stale (it is dropped).
 */

/** What the owning bus provides: interrupt (gated by nIEN there), DMA engine. */
export interface IdeDriveBus {
  setIrq(): void;
  readonly dma: IdeDmaEngine;
}

/** What runs when the PIO buffer is drained or filled (QEMU end_transfer_func). */
export type IdeEndTransfer = "stop" | "sector-read" | "sector-write" | "dummy" | "atapi-cmd" | "atapi-reply";

type DmaCommand = "read" | "write" | "trim" | "atapi";

/** QEMU IDEDriveKind: an ATA disk (ide-hd) or an ATAPI CD/DVD-ROM (ide-cd). */
export type IdeDriveKind = "hd" | "cd";

export interface IdeCdConfig {
  /** The medium, or null for an empty drive. */
  blk: BlockDriver | null;
  serial: string;
  model?: string;
  firmware?: string;
}

/** The ATAPI part of a drive's state (QEMU vmstate_ide_drive fields of the atapi and tray subsections). */
export interface AtapiState {
  senseKey: number;
  asc: number;
  cdromChanged: number;
  trayOpen: boolean;
  trayLocked: boolean;
  newMedia: boolean;
  ejectRequest: boolean;
  atapiDma: boolean;
  lba: number;
  packetTransferSize: number;
  elementaryTransferSize: number;
  ioBufferIndex: number;
  ioBufferSize: number;
  cdSectorSize: number;
  /** Sectors read ahead for the rest of an elementary transfer, not yet in the buffer (2048 bytes each). */
  staged: number[];
}

export interface IdeDriveConfig {
  blk: BlockDriver;
  cylinders: number;
  heads: number;
  sectors: number;
  serial: string;
  model?: string;
  firmware?: string;
  /**
   * -drive discard=unmap: TRIM reaches the image. QEMU's default (discard=ignore) checks the
   * ranges and completes the command without touching the image.
   */
  discard?: boolean;
}

export interface IdeDriveState {
  feature: number;
  error: number;
  nsector: number;
  sector: number;
  lcyl: number;
  hcyl: number;
  hobFeature: number;
  hobNsector: number;
  hobSector: number;
  hobLcyl: number;
  hobHcyl: number;
  select: number;
  status: number;
  lba48: boolean;
  multSectors: number;
  heads: number;
  sectors: number;
  resetReverts: boolean;
  reqNbSectors: number;
  writeCache: boolean;
  identify: number[] | null;
  endTransfer: IdeEndTransfer;
  dataPtr: number;
  dataEnd: number;
  /** The PIO buffer bytes up to dataEnd. */
  buffer: number[];
  dmaCmd: DmaCommand | null;
  /** Present for packet devices. */
  atapi?: AtapiState;
}

const SECTOR = ATA_SECTOR_SIZE;

/** Per-command flags (QEMU ide_cmd_table): SET_DSC sets DSC on success. */
const SET_DSC = 1;

/**
 * An elementary transfer moves at most 0xfffe bytes, 32 sectors of 2048. QEMU reads the first
 * sector of one asynchronously and the others synchronously as the host drains the buffer; here
 * the whole elementary transfer is read ahead at its start, so that the host sees the same
 * registers and no gap inside the transfer.
 */
const CD_STAGE_SECTORS = 32;

export class IdeDrive implements IdeDmaClient, AtapiTarget {
  readonly unit: number;
  kind: IdeDriveKind = "hd";
  blk: BlockDriver | null = null;
  cylinders = 0;
  /** Current (INITIALIZE DEVICE PARAMETERS) and default heads/sectors. */
  heads = 0;
  sectors = 0;
  private driveHeads = 0;
  private driveSectors = 0;
  totalSectors = 0;
  serial = "";
  model = IDE_HD_MODEL;
  firmware = QEMU_HW_VERSION;
  discardEnabled = false;

  // task file
  feature = 0;
  error = 0;
  /** Sector count; after an LBA48 transform the full 16-bit count (65536 for 0). */
  nsector = 0;
  sector = 0;
  lcyl = 0;
  hcyl = 0;
  hobFeature = 0;
  hobNsector = 0;
  hobSector = 0;
  hobLcyl = 0;
  hobHcyl = 0;
  select = ATA_DEV_ALWAYS_ON;
  status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
  lba48 = false;
  multSectors = ATA_MAX_MULT_SECTORS;
  private resetReverts = false;
  private reqNbSectors = 0;
  writeCache = true;
  private identify: Uint16Array | null = null;

  // PIO buffer
  readonly ioBuffer = new Uint8Array(IDE_DMA_BUF_SECTORS * SECTOR + 4);
  private readonly pioBuffer = new Uint8Array(ATA_MAX_MULT_SECTORS * SECTOR);
  private dataPtr = 0;
  private dataEnd = 0;
  endTransfer: IdeEndTransfer = "dummy";

  // DMA
  private dmaCmd: DmaCommand | null = null;
  private ioBufferSize = 0;
  private readonly sg: DmaSegment[] = [];
  private dmaBuffer = new Uint8Array(0);

  // ATAPI (QEMU IDEState's packet-device fields)
  senseKey = 0;
  asc = 0;
  /** 1: the medium changed (the next command sees NOT READY), 2: then UNIT ATTENTION, 0: settled. */
  cdromChanged = 0;
  trayOpen = false;
  trayLocked = false;
  readonly events = { newMedia: false, ejectRequest: false };
  private atapiDma = false;
  /** The next sector of a READ, -1 while a reply from the buffer is sent. */
  private atapiLba = -1;
  private packetTransferSize = 0;
  private elementaryTransferSize = 0;
  private ioBufferIndex = 0;
  private cdSectorSize = 0;
  private cdStage = new Uint8Array(0);
  private cdStageCount = 0;
  private cdStageNext = 0;
  /** Bumped to make an in-flight completion stale. */
  private aioEpoch = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly bus: IdeDriveBus,
    unit: number,
  ) {
    this.unit = unit;
    this.reset();
  }

  /** ide_init_drive: a disk at this position. */
  attach(config: IdeDriveConfig): void {
    this.blk = config.blk;
    this.cylinders = config.cylinders;
    this.heads = this.driveHeads = config.heads;
    this.sectors = this.driveSectors = config.sectors;
    this.totalSectors = Math.floor(config.blk.getLength() / SECTOR);
    this.serial = config.serial;
    this.model = config.model ?? IDE_HD_MODEL;
    this.firmware = config.firmware ?? QEMU_HW_VERSION;
    this.discardEnabled = config.discard ?? false;
    this.kind = "hd";
    this.identify = null;
    this.reset();
  }

  /** ide_init_drive with IDE_CD: a CD/DVD-ROM drive at this position, with or without a medium. */
  attachCd(config: IdeCdConfig): void {
    this.kind = "cd";
    this.blk = config.blk;
    this.cylinders = this.heads = this.sectors = this.driveHeads = this.driveSectors = 0;
    this.totalSectors = config.blk === null ? 0 : Math.floor(config.blk.getLength() / SECTOR);
    this.serial = config.serial;
    this.model = config.model ?? IDE_CD_MODEL;
    this.firmware = config.firmware ?? QEMU_HW_VERSION;
    this.identify = null;
    this.cdStage = new Uint8Array(CD_STAGE_SECTORS * CD_FRAMESIZE);
    this.reset();
  }

  /** A device answers at this position (an empty CD-ROM drive does). */
  get present(): boolean {
    return this.blk !== null || this.kind === "cd";
  }

  /** A medium is in the drive (for a disk: always). */
  get inserted(): boolean {
    return this.blk !== null;
  }

  /**
   * ide_cd_change_cb: a medium was inserted (blk) or removed (null) from outside and the tray
   * closed over it (or left open when empty). The guest sees NOT READY, then UNIT ATTENTION, and a
   * NEW MEDIA event.
   */
  changeMedium(blk: BlockDriver | null): void {
    this.setMedium(blk);
    this.changeMediaCb(blk !== null);
  }

  /**
   * blk_insert_bs / blk_remove_bs: the medium behind the drive changes without the guest being
   * told (the monitor does this with the tray open; changeMediaCb tells the guest).
   */
  setMedium(blk: BlockDriver | null): void {
    if (this.kind !== "cd") {
      throw new Error("not a removable-media drive");
    }
    this.blk = blk;
  }

  /**
   * ide_cd_change_cb (QEMU hw/ide/core.c): the host closed (load) or opened the tray. The size is
   * the medium's at this moment; the guest sees NOT READY, then UNIT ATTENTION, and NEW MEDIA.
   */
  changeMediaCb(load: boolean): void {
    if (this.kind !== "cd") {
      throw new Error("not a removable-media drive");
    }
    this.trayOpen = !load;
    this.totalSectors = this.blk === null ? 0 : Math.floor(this.blk.getLength() / SECTOR);
    this.cdromChanged = 1;
    this.events.newMedia = true;
    this.events.ejectRequest = false;
    this.bus.setIrq();
  }

  /**
   * ide_cd_eject_request_cb: the monitor asked for the tray while the guest holds it locked; the
   * guest sees EJECT REQUESTED (force unlocks it).
   */
  requestEject(force: boolean): void {
    this.events.ejectRequest = true;
    if (force) {
      this.trayLocked = false;
    }
    this.bus.setIrq();
  }

  /** Called when the guest opens or closes the tray itself (QEMU's blk_eject sends DEVICE_TRAY_MOVED). */
  onTrayMoved: ((open: boolean) => void) | undefined = undefined;

  guestMovedTray(open: boolean): void {
    this.onTrayMoved?.(open);
  }

  /** Resolves when no block request of this drive is in flight (before savevm). */
  async drain(): Promise<void> {
    while (this.inflight !== null) {
      await this.inflight;
    }
  }

  // ---- registers --------------------------------------------------------------------------

  /** ide_reset: power-on / bus reset state of the registers. */
  reset(): void {
    this.aioEpoch++;
    if (this.resetReverts) {
      this.resetReverts = false;
      this.heads = this.driveHeads;
      this.sectors = this.driveSectors;
    }
    this.multSectors = ATA_MAX_MULT_SECTORS;
    this.feature = 0;
    this.error = 0;
    this.nsector = 0;
    this.sector = 0;
    this.lcyl = 0;
    this.hcyl = 0;
    this.hobFeature = 0;
    this.hobSector = 0;
    this.hobNsector = 0;
    this.hobLcyl = 0;
    this.hobHcyl = 0;
    this.select = ATA_DEV_ALWAYS_ON;
    this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    this.lba48 = false;
    this.ioBufferSize = 0;
    this.reqNbSectors = 0;
    this.dmaCmd = null;
    this.senseKey = 0;
    this.asc = 0;
    this.cdromChanged = 0;
    this.packetTransferSize = 0;
    this.elementaryTransferSize = 0;
    this.ioBufferIndex = 0;
    this.cdSectorSize = 0;
    this.atapiDma = false;
    this.trayLocked = false;
    this.trayOpen = false;
    this.cdStageCount = 0;
    this.cdStageNext = 0;
    this.setSignature();
    this.endTransfer = "dummy";
    this.dummyTransferStop();
  }

  /** ide_set_signature: the ATA device signature in the task file (ATA-6 9.12). */
  private setSignature(): void {
    this.select &= ~ATA_DEV_HS;
    this.nsector = 1;
    this.sector = 1;
    if (this.kind === "cd") {
      this.lcyl = ATAPI_SIGNATURE_LCYL;
      this.hcyl = ATAPI_SIGNATURE_HCYL;
      return;
    }
    const v = this.blk !== null ? 0 : 0xff;
    this.lcyl = v;
    this.hcyl = v;
  }

  /** ide_get_sector: the address the task file names (LBA48, LBA28 or CHS). */
  getSector(): number {
    if (this.select & ATA_DEV_LBA) {
      if (this.lba48) {
        return (this.hobHcyl * 2 ** 40 + this.hobLcyl * 2 ** 32 + this.hobSector * 2 ** 24) + ((this.hcyl << 16) | (this.lcyl << 8) | this.sector);
      }
      return (this.select & ATA_DEV_HS) * 2 ** 24 + ((this.hcyl << 16) | (this.lcyl << 8) | this.sector);
    }
    return ((this.hcyl << 8) | this.lcyl) * this.heads * this.sectors + (this.select & ATA_DEV_HS) * this.sectors + (this.sector - 1);
  }

  /** ide_set_sector: writes an address back (the "last sector transferred" of ATA-6 6.2). */
  setSector(n: number): void {
    if (this.select & ATA_DEV_LBA) {
      if (this.lba48) {
        this.sector = n & 0xff;
        this.lcyl = Math.floor(n / 2 ** 8) & 0xff;
        this.hcyl = Math.floor(n / 2 ** 16) & 0xff;
        this.hobSector = Math.floor(n / 2 ** 24) & 0xff;
        this.hobLcyl = Math.floor(n / 2 ** 32) & 0xff;
        this.hobHcyl = Math.floor(n / 2 ** 40) & 0xff;
      } else {
        this.select = (this.select & ~ATA_DEV_HS) | (Math.floor(n / 2 ** 24) & ATA_DEV_HS);
        this.hcyl = Math.floor(n / 2 ** 16) & 0xff;
        this.lcyl = Math.floor(n / 2 ** 8) & 0xff;
        this.sector = n & 0xff;
      }
    } else {
      const perCyl = this.heads * this.sectors;
      const cyl = perCyl === 0 ? 0 : Math.floor(n / perCyl);
      const r = perCyl === 0 ? 0 : n % perCyl;
      this.hcyl = (cyl >> 8) & 0xff;
      this.lcyl = cyl & 0xff;
      this.select = (this.select & ~ATA_DEV_HS) | (Math.floor(r / this.sectors) & ATA_DEV_HS);
      this.sector = ((r % this.sectors) + 1) & 0xff;
    }
  }

  /** ide_cmd_lba48_transform: the full sector count into nsector (0 means 256 / 65536). */
  private lba48Transform(lba48: boolean): void {
    this.lba48 = lba48;
    if (!lba48) {
      if (this.nsector === 0) {
        this.nsector = 256;
      }
    } else if (this.nsector === 0 && this.hobNsector === 0) {
      this.nsector = 65536;
    } else {
      this.nsector = (this.hobNsector << 8) | (this.nsector & 0xff);
    }
  }

  private sectRangeOk(sector: number, count: number): boolean {
    return sector <= this.totalSectors && count <= this.totalSectors - sector;
  }

  // ---- PIO data port ------------------------------------------------------------------------

  /** ide_transfer_start: the buffer [start, start + size) is ready for the data port; DRQ set. */
  private transferStart(size: number, end: IdeEndTransfer, start = 0): void {
    this.dataPtr = start;
    this.dataEnd = start + size;
    if (!(this.status & ATA_STATUS_ERR)) {
      this.status |= ATA_STATUS_DRQ;
    }
    this.endTransfer = end;
  }

  /** ide_transfer_halt / ide_transfer_stop. */
  private transferStop(): void {
    this.endTransfer = "stop";
    this.dataPtr = 0;
    this.dataEnd = 0;
    this.status &= ~ATA_STATUS_DRQ;
  }

  private dummyTransferStop(): void {
    this.dataPtr = 0;
    this.dataEnd = 0;
    this.ioBuffer.fill(0xff, 0, 4);
  }

  private runEndTransfer(): void {
    switch (this.endTransfer) {
      case "sector-read":
        this.sectorRead();
        break;
      case "sector-write":
        this.sectorWrite();
        break;
      case "stop":
        this.transferStop();
        break;
      case "dummy":
        this.dummyTransferStop();
        break;
      case "atapi-cmd":
        this.atapiCommand();
        break;
      case "atapi-reply":
        this.atapiReplyEnd();
        break;
    }
  }

  /** Whether the transfer in progress moves data to the host (QEMU ide_is_pio_out). */
  private get pioOut(): boolean {
    return this.endTransfer !== "sector-write" && this.endTransfer !== "atapi-cmd";
  }

  /** ide_data_readw / ide_data_readl: `bytes` (2 or 4) from the buffer, 0 outside a PIO-in phase. */
  dataRead(bytes: 2 | 4): number {
    if (!(this.status & ATA_STATUS_DRQ) || !this.pioOut) {
      return 0;
    }
    const p = this.dataPtr;
    if (p + bytes > this.dataEnd) {
      return 0;
    }
    const b = this.ioBuffer;
    const v = bytes === 2 ? b[p]! | (b[p + 1]! << 8) : (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    this.dataPtr = p + bytes;
    if (this.dataPtr >= this.dataEnd) {
      this.status &= ~ATA_STATUS_DRQ;
      this.runEndTransfer();
    }
    return v;
  }

  /** ide_data_writew / ide_data_writel; ignored outside a PIO-out phase. */
  dataWrite(bytes: 2 | 4, value: number): void {
    if (!(this.status & ATA_STATUS_DRQ) || this.pioOut) {
      return;
    }
    const p = this.dataPtr;
    if (p + bytes > this.dataEnd) {
      return;
    }
    const b = this.ioBuffer;
    b[p] = value & 0xff;
    b[p + 1] = (value >>> 8) & 0xff;
    if (bytes === 4) {
      b[p + 2] = (value >>> 16) & 0xff;
      b[p + 3] = (value >>> 24) & 0xff;
    }
    this.dataPtr = p + bytes;
    if (this.dataPtr >= this.dataEnd) {
      this.status &= ~ATA_STATUS_DRQ;
      this.runEndTransfer();
    }
  }

  // ---- commands -----------------------------------------------------------------------------

  /** ide_abort_command: ABRT in the error register, ERR in status, transfer stopped. */
  abortCommand(): void {
    this.transferStop();
    this.status = ATA_STATUS_DRDY | ATA_STATUS_ERR;
    this.error = ATA_ERROR_ABRT;
  }

  /** ide_rw_error: the medium access failed (or lay outside the disk). */
  private rwError(): void {
    this.abortCommand();
    this.bus.setIrq();
  }

  /**
   * ide_exec_cmd after the bus's checks: runs `cmd` (BSY set while it runs). Commands the disk
   * does not know are aborted with an interrupt.
   */
  execute(cmd: number): void {
    // Only DEVICE RESET is accepted while BSY or DRQ, and only by packet devices: a disk ignores it.
    if (this.status & (ATA_STATUS_BSY | ATA_STATUS_DRQ) && (cmd !== ATA_CMD_DEVICE_RESET || this.kind !== "cd")) {
      return;
    }
    const entry = (this.kind === "cd" ? CD_COMMANDS : COMMANDS).get(cmd);
    if (entry === undefined) {
      this.abortCommand();
      this.bus.setIrq();
      return;
    }
    this.status = ATA_STATUS_DRDY | ATA_STATUS_BSY;
    this.error = 0;
    const complete = entry.handler(this, cmd);
    if (complete) {
      this.status &= ~ATA_STATUS_BSY;
      if (entry.flags & SET_DSC && this.error === 0) {
        this.status |= ATA_STATUS_DSC;
      }
      this.bus.setIrq();
    }
  }

  /** Runs a block request; `done(ret)` is called unless the request went stale meanwhile. */
  private aio(request: () => Promise<void>, done: (ret: number) => void): void {
    const epoch = this.aioEpoch;
    const p = Promise.resolve().then(request).then(
      () => 0,
      () => -5, // -EIO: the block layer refused or failed
    ).then((ret) => {
      if (this.inflight === p) {
        this.inflight = null;
      }
      if (epoch === this.aioEpoch) {
        done(ret);
      }
    });
    this.inflight = p;
  }

  /**
   * The buffer a PIO block request hands the block layer (at most MAX_MULT_SECTORS sectors). It is
   * not the data-port buffer: a request a reset made stale may still fill or read its buffer while
   * the guest uses the data port for the next command. It gets a fresh one when that may be so.
   */
  private blockBuffer(bytes: number): Uint8Array {
    if (this.inflight !== null) {
      return new Uint8Array(bytes);
    }
    return this.pioBuffer.subarray(0, bytes);
  }

  private get sectorCountThisBlock(): number {
    return Math.min(this.nsector, this.reqNbSectors);
  }

  /** ide_sector_read: starts reading the next block of a PIO read into the buffer. */
  private sectorRead(): void {
    this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    this.error = 0;
    const sectorNum = this.getSector();
    if (this.nsector === 0) {
      this.transferStop();
      return;
    }
    this.status |= ATA_STATUS_BSY;
    const n = this.sectorCountThisBlock;
    if (!this.sectRangeOk(sectorNum, n)) {
      this.rwError();
      return;
    }
    const blk = this.blk!;
    const buf = this.blockBuffer(n * SECTOR);
    this.aio(
      () => blk.read(sectorNum * SECTOR, buf),
      (ret) => {
        this.status &= ~ATA_STATUS_BSY;
        if (ret !== 0) {
          this.rwError();
          return;
        }
        this.ioBuffer.set(buf);
        this.setSector(sectorNum + n);
        this.nsector -= n;
        this.transferStart(n * SECTOR, "sector-read");
        this.bus.setIrq();
      },
    );
  }

  /** ide_sector_write: the guest filled the buffer; write it and ask for the next block. */
  private sectorWrite(): void {
    this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_BSY;
    const sectorNum = this.getSector();
    const n = this.sectorCountThisBlock;
    if (!this.sectRangeOk(sectorNum, n)) {
      this.rwError();
      return;
    }
    const blk = this.blk!;
    const buf = this.blockBuffer(n * SECTOR);
    buf.set(this.ioBuffer.subarray(0, n * SECTOR));
    this.aio(
      () => blk.write(sectorNum * SECTOR, buf),
      (ret) => {
        this.status &= ~ATA_STATUS_BSY;
        if (ret !== 0) {
          this.rwError();
          return;
        }
        this.nsector -= n;
        this.setSector(sectorNum + n);
        if (this.nsector === 0) {
          this.transferStop();
        } else {
          this.transferStart(this.sectorCountThisBlock * SECTOR, "sector-write");
        }
        this.bus.setIrq();
      },
    );
  }

  /** ide_flush_cache. */
  private flushCache(): void {
    if (this.kind === "cd") {
      // A read-only medium has nothing to flush; an empty drive fails the flush (ENOMEDIUM).
      if (this.blk === null) {
        this.rwError();
      } else {
        this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
        this.bus.setIrq();
      }
      return;
    }
    const blk = this.blk;
    const done = (ret: number): void => {
      if (ret !== 0) {
        this.rwError();
        return;
      }
      this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
      this.bus.setIrq();
    };
    if (blk === null) {
      done(0);
      return;
    }
    this.status |= ATA_STATUS_BSY;
    this.aio(() => blk.flush(), done);
  }

  // command handlers (QEMU cmd_*): true = complete now

  static readonly cmdNop = (): boolean => {
    return true;
  };

  /** The IDENTIFY (PACKET) DEVICE words as one 512-byte PIO data-in block, little-endian, then the interrupt. */
  private sendIdentify(): void {
    const id = this.identify!;
    for (let i = 0; i < 256; i++) {
      this.ioBuffer[i * 2] = id[i]! & 0xff;
      this.ioBuffer[i * 2 + 1] = id[i]! >> 8;
    }
    this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    this.transferStart(512, "stop");
    this.bus.setIrq();
  }

  static readonly cmdIdentify = (s: IdeDrive): boolean => {
    if (s.blk === null || s.kind === "cd") {
      // A packet device puts its signature back and aborts (ATA/ATAPI-6 8.15.7).
      if (s.kind === "cd") s.setSignature();
      s.abortCommand();
      return true;
    }
    s.identify ??= ataIdentifyDevice({
      cylinders: s.cylinders,
      heads: s.heads,
      sectors: s.sectors,
      totalSectors: s.totalSectors,
      serial: s.serial,
      model: s.model,
      firmware: s.firmware,
      multSectors: s.multSectors,
      writeCache: s.writeCache,
    });
    s.sendIdentify();
    return false;
  };

  static readonly cmdVerify = (s: IdeDrive, cmd: number): boolean => {
    s.lba48Transform(cmd === ATA_CMD_READ_VERIFY_SECTORS_EXT);
    return true;
  };

  static readonly cmdSetMultipleMode = (s: IdeDrive): boolean => {
    const n = s.nsector & 0xff;
    if (n !== 0 && (n > ATA_MAX_MULT_SECTORS || (n & (n - 1)) !== 0)) {
      s.abortCommand();
    } else {
      s.multSectors = n;
    }
    return true;
  };

  static readonly cmdReadMultiple = (s: IdeDrive, cmd: number): boolean => {
    if (s.blk === null || s.multSectors === 0) {
      s.abortCommand();
      return true;
    }
    s.lba48Transform(cmd === ATA_CMD_READ_MULTIPLE_EXT);
    s.reqNbSectors = s.multSectors;
    s.sectorRead();
    return false;
  };

  static readonly cmdWriteMultiple = (s: IdeDrive, cmd: number): boolean => {
    if (s.blk === null || s.multSectors === 0) {
      s.abortCommand();
      return true;
    }
    s.lba48Transform(cmd === ATA_CMD_WRITE_MULTIPLE_EXT);
    s.reqNbSectors = s.multSectors;
    s.status = ATA_STATUS_DSC | ATA_STATUS_DRDY;
    s.transferStart(SECTOR * s.sectorCountThisBlock, "sector-write");
    return false;
  };

  static readonly cmdReadPio = (s: IdeDrive, cmd: number): boolean => {
    if (s.kind === "cd") {
      s.setSignature(); // ATA-4 8.27.5.2: a packet device answers READ SECTORS with its signature
      s.abortCommand();
      return true;
    }
    if (s.blk === null) {
      s.abortCommand();
      return true;
    }
    s.lba48Transform(cmd === ATA_CMD_READ_SECTORS_EXT);
    s.reqNbSectors = 1;
    s.sectorRead();
    return false;
  };

  static readonly cmdWritePio = (s: IdeDrive, cmd: number): boolean => {
    if (s.blk === null) {
      s.abortCommand();
      return true;
    }
    s.lba48Transform(cmd === ATA_CMD_WRITE_SECTORS_EXT);
    s.reqNbSectors = 1;
    s.status = ATA_STATUS_DSC | ATA_STATUS_DRDY;
    s.transferStart(SECTOR, "sector-write");
    return false;
  };

  static readonly cmdReadDma = (s: IdeDrive, cmd: number): boolean => {
    if (s.blk === null) {
      s.abortCommand();
      return true;
    }
    s.lba48Transform(cmd === ATA_CMD_READ_DMA_EXT);
    s.startDma("read");
    return false;
  };

  static readonly cmdWriteDma = (s: IdeDrive, cmd: number): boolean => {
    if (s.blk === null) {
      s.abortCommand();
      return true;
    }
    s.lba48Transform(cmd === ATA_CMD_WRITE_DMA_EXT);
    s.startDma("write");
    return false;
  };

  /** DATA SET MANAGEMENT: TRIM only, its range list arriving by DMA. */
  static readonly cmdDataSetManagement = (s: IdeDrive): boolean => {
    if (s.feature === ATA_DSM_TRIM && s.blk !== null) {
      s.startDma("trim");
      return false;
    }
    s.abortCommand();
    return true;
  };

  static readonly cmdFlushCache = (s: IdeDrive): boolean => {
    s.flushCache();
    return false;
  };

  static readonly cmdReadNativeMax = (s: IdeDrive, cmd: number): boolean => {
    if (s.totalSectors === 0) {
      s.abortCommand();
      return true;
    }
    s.lba48Transform(cmd === ATA_CMD_READ_NATIVE_MAX_ADDRESS_EXT);
    s.setSector(s.totalSectors - 1);
    return true;
  };

  static readonly cmdCheckPowerMode = (s: IdeDrive): boolean => {
    s.nsector = 0xff; // active or idle
    return true;
  };

  /** INITIALIZE DEVICE PARAMETERS: the CHS translation heads (Device 3:0 + 1) and sectors per track. */
  static readonly cmdSpecify = (s: IdeDrive): boolean => {
    if (s.blk !== null) {
      s.heads = (s.select & ATA_DEV_HS) + 1;
      s.sectors = s.nsector & 0xff;
      s.bus.setIrq();
    } else {
      s.abortCommand();
    }
    return true;
  };

  static readonly cmdSetFeatures = (s: IdeDrive): boolean => {
    if (!s.present) {
      s.abortCommand();
      return true;
    }
    const f = s.feature;
    switch (f) {
      case SETFEATURES_WC_ON:
        s.writeCache = true;
        if (s.identify !== null) s.identify[IDENTIFY_WORD_CMDSET_ENABLED1] = identifyWord85(true);
        return true;
      case SETFEATURES_WC_OFF:
        s.writeCache = false;
        if (s.identify !== null) s.identify[IDENTIFY_WORD_CMDSET_ENABLED1] = identifyWord85(false);
        s.flushCache();
        return false;
      case SETFEATURES_REVERT_ON:
        s.resetReverts = true;
        return true;
      case SETFEATURES_REVERT_OFF:
        s.resetReverts = false;
        return true;
      case SETFEATURES_RLA_ON:
      case SETFEATURES_RLA_OFF:
      case SETFEATURES_APM_ON:
      case SETFEATURES_APM_OFF:
      case SETFEATURES_AAM_ON:
      case SETFEATURES_AAM_OFF:
        return true;
      case SETFEATURES_XFER: {
        // Transfer mode (8.37.10): the mode class in Sector Count 7:3, the mode in 2:0; the
        // identify words report the selected mode (QEMU keeps them only once IDENTIFY has run).
        const mode = s.nsector & 0x07;
        let swdma = 0x07;
        let mwdma = 0x07;
        let udma = 0x3f;
        switch ((s.nsector & 0xff) >> 3) {
          case 0x00:
          case 0x01:
            break;
          case 0x02:
            swdma |= 1 << (mode + 8);
            break;
          case 0x04:
            mwdma |= 1 << (mode + 8);
            break;
          case 0x08:
            udma |= 1 << (mode + 8);
            break;
          default:
            s.abortCommand();
            return true;
        }
        const id = s.identify;
        if (id !== null) {
          id[IDENTIFY_WORD_SWDMA] = swdma;
          id[IDENTIFY_WORD_MWDMA] = mwdma;
          id[IDENTIFY_WORD_UDMA] = udma;
        }
        return true;
      }
      default:
        if (SETFEATURES_NOPS.includes(f)) {
          return true;
        }
        s.abortCommand();
        return true;
    }
  };

  /** EXECUTE DEVICE DIAGNOSTIC: signature back, error 01h = device 0 passed (not an error). */
  static readonly cmdExecDevDiagnostic = (s: IdeDrive): boolean => {
    s.select = ATA_DEV_ALWAYS_ON;
    s.setSignature();
    if (s.kind === "cd") {
      // ATA/ATAPI-6 9.10: a packet device ends diagnostics with a clear status (DRDY not set), no interrupt.
      s.status = 0;
      s.error = 0x01;
      return false;
    }
    s.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    s.error = 0x01;
    s.bus.setIrq();
    return false;
  };

  /** ide_perform_srst: one device's part of a software reset through SRST. */
  softwareReset(): void {
    this.status |= ATA_STATUS_BSY;
    this.transferStop();
    this.reset();
    IdeDrive.cmdExecDevDiagnostic(this);
  }

  // ---- ATAPI: PACKET protocol (ATA/ATAPI-6 9.8-9.10; QEMU hw/ide/atapi.c) -------------------

  /** PACKET: the 12-byte command packet is awaited through the data port (CoD = 1, IO = 0), no interrupt. */
  static readonly cmdPacket = (s: IdeDrive): boolean => {
    if (s.feature & ATAPI_FEATURE_OVL) {
      s.abortCommand(); // overlapped commands are not supported
      return true;
    }
    s.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    s.atapiDma = (s.feature & ATAPI_FEATURE_DMA) !== 0;
    s.dmaCmd = s.atapiDma ? "atapi" : null;
    s.nsector = 1;
    s.transferStart(ATAPI_PACKET_SIZE, "atapi-cmd");
    return false;
  };

  static readonly cmdIdentifyPacket = (s: IdeDrive): boolean => {
    s.identify ??= atapiIdentifyDevice({ serial: s.serial, firmware: s.firmware, model: s.model });
    s.sendIdentify();
    return false;
  };

  /** DEVICE RESET (8.7): transfers stopped, registers and signature reset, status 00h, no interrupt. */
  static readonly cmdDeviceReset = (s: IdeDrive): boolean => {
    s.transferStop();
    s.cancelDma();
    s.reset();
    s.status = 0;
    return false;
  };

  private get byteCountLimit(): number {
    const bcl = this.lcyl | (this.hcyl << 8);
    return bcl === 0xffff ? 0xfffe : bcl;
  }

  private get mediaPresent(): boolean {
    return !this.trayOpen && this.totalSectors > 0;
  }

  validateByteCountLimit(): boolean {
    if (this.atapiDma || this.byteCountLimit !== 0) {
      return true;
    }
    this.abortCommand();
    return false;
  }

  /** ide_atapi_cmd: the packet has arrived; the unit-attention and not-ready rules, then its handler. */
  private atapiCommand(): void {
    const buf = this.ioBuffer;
    const entry = ATAPI_COMMANDS.get(buf[0]!);
    const flags = entry?.flags ?? 0;
    if (this.senseKey === SENSE_UNIT_ATTENTION && !(flags & ATAPI_ALLOW_UA)) {
      // ide_atapi_cmd_check_status: CHECK CONDITION with the media-changed bit, interrupt reason 0.
      this.error = ATA_ERROR_MC | (SENSE_UNIT_ATTENTION << 4);
      this.status = ATA_STATUS_ERR;
      this.nsector = 0;
      this.bus.setIrq();
      return;
    }
    if (!(flags & ATAPI_ALLOW_UA) && !this.trayOpen && this.inserted && this.cdromChanged !== 0) {
      if (this.cdromChanged === 1) {
        this.atapiCmdError(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
        this.cdromChanged = 2;
      } else {
        this.atapiCmdError(SENSE_UNIT_ATTENTION, ASC_MEDIUM_MAY_HAVE_CHANGED);
        this.cdromChanged = 0;
      }
      return;
    }
    if (flags & ATAPI_CHECK_READY && (!this.mediaPresent || !this.inserted)) {
      this.atapiCmdError(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
      return;
    }
    if (entry === undefined) {
      this.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_ILLEGAL_OPCODE);
      return;
    }
    if (!(flags & (ATAPI_NONDATA | ATAPI_CONDDATA)) && !this.validateByteCountLimit()) {
      return;
    }
    entry.handler(this, buf);
  }

  atapiCmdOk(): void {
    this.error = 0;
    this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
    this.nsector = (this.nsector & ~7) | ATAPI_INT_REASON_IO | ATAPI_INT_REASON_CD;
    this.transferStop();
    this.bus.setIrq();
  }

  atapiCmdError(senseKey: number, asc: number): void {
    this.error = senseKey << 4;
    this.status = ATA_STATUS_DRDY | ATA_STATUS_ERR;
    this.nsector = (this.nsector & ~7) | ATAPI_INT_REASON_IO | ATAPI_INT_REASON_CD;
    this.senseKey = senseKey;
    this.asc = asc;
    this.transferStop();
    this.bus.setIrq();
  }

  /** ide_atapi_io_error: a failed read of the medium. */
  private atapiIoError(): void {
    if (this.blk === null) {
      this.atapiCmdError(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
    } else {
      this.atapiCmdError(SENSE_ILLEGAL_REQUEST, ASC_LOGICAL_BLOCK_OOR);
    }
  }

  atapiReply(size: number, maxSize: number): void {
    const n = Math.min(size, maxSize);
    this.atapiLba = -1;
    this.packetTransferSize = n;
    this.ioBufferSize = n;
    this.elementaryTransferSize = 0;
    this.ioBufferIndex = 0;
    if (this.atapiDma) {
      this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_DRQ;
      this.bus.dma.startDma(this);
    } else {
      this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
      this.atapiReplyEnd();
    }
  }

  atapiRead(lba: number, count: number, sectorSize: number): void {
    this.atapiLba = lba;
    // QEMU's int arithmetic: a READ (12) of 2^21 sectors or more wraps (and may end at once).
    this.packetTransferSize = Math.imul(count, sectorSize);
    this.cdSectorSize = sectorSize;
    this.cdStageCount = 0;
    this.cdStageNext = 0;
    if (this.atapiDma) {
      this.ioBufferSize = 0;
      this.ioBufferIndex = 0;
      this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_DRQ | ATA_STATUS_BSY;
      this.bus.dma.startDma(this);
    } else {
      this.elementaryTransferSize = 0;
      this.ioBufferIndex = sectorSize;
      this.atapiReplyEnd();
    }
  }

  /**
   * ide_atapi_cmd_reply_end: the PIO data phase. Each elementary transfer (one DRQ block, one
   * interrupt) is at most the host's byte count limit (LBA Mid/High, rounded down to even when it
   * cuts the transfer) and is reported back there; the interrupt reason says data to the host;
   * a READ moves at most one sector per data-port window. At the end: status ready, reason "complete".
   */
  private atapiReplyEnd(): void {
    if (this.packetTransferSize > 0) {
      if (this.atapiLba !== -1 && this.ioBufferIndex >= this.cdSectorSize) {
        if (this.elementaryTransferSize === 0) {
          this.cdReadAhead();
          return;
        }
        if (!this.takeStagedSector()) {
          this.atapiIoError();
          return;
        }
      }
      let size: number;
      if (this.elementaryTransferSize > 0) {
        size = Math.min(this.cdSectorSize - this.ioBufferIndex, this.elementaryTransferSize);
      } else {
        this.nsector = (this.nsector & ~7) | ATAPI_INT_REASON_IO;
        this.bus.setIrq();
        size = this.nextElementarySize();
        this.lcyl = size & 0xff;
        this.hcyl = (size >> 8) & 0xff;
        this.elementaryTransferSize = size;
        if (this.atapiLba !== -1 && size > this.cdSectorSize - this.ioBufferIndex) {
          size = this.cdSectorSize - this.ioBufferIndex;
        }
      }
      this.packetTransferSize -= size;
      this.elementaryTransferSize -= size;
      this.ioBufferIndex += size;
      this.transferStart(size, "atapi-reply", this.ioBufferIndex - size);
      return;
    }
    this.atapiCmdOk();
    this.bus.setIrq();
  }

  /** The size of the next elementary transfer: what is left, cut to the (even) byte count limit. */
  private nextElementarySize(): number {
    let bcl = this.byteCountLimit;
    let size = this.packetTransferSize;
    if (size > bcl) {
      if (bcl & 1) bcl--;
      size = bcl;
    }
    return size;
  }

  /**
   * cd_read_sector for the first sector of an elementary transfer (BSY while it runs), reading
   * ahead the other sectors the same elementary transfer will need.
   */
  private cdReadAhead(): void {
    const blk = this.blk;
    if (blk === null) {
      this.atapiIoError();
      return;
    }
    const perSector = this.cdSectorSize;
    if (perSector !== CD_FRAMESIZE && perSector !== CD_FRAMESIZE_RAW) {
      this.atapiIoError();
      return;
    }
    const want = Math.ceil(this.nextElementarySize() / perSector);
    const left = Math.ceil(this.packetTransferSize / perSector);
    const n = Math.max(1, Math.min(want, left, CD_STAGE_SECTORS));
    const lba = this.atapiLba;
    // A stale read (after a reset) may still be filling the old buffer.
    const stage = this.inflight !== null ? new Uint8Array(this.cdStage.length) : this.cdStage;
    this.cdStage = stage;
    const buf = stage.subarray(0, n * CD_FRAMESIZE);
    this.status |= ATA_STATUS_BSY;
    this.aio(
      () => blk.read(lba * CD_FRAMESIZE, buf),
      (ret) => {
        if (ret !== 0) {
          this.atapiIoError();
          return;
        }
        this.cdStageCount = n;
        this.cdStageNext = 0;
        this.takeStagedSector();
        this.status &= ~ATA_STATUS_BSY;
        this.atapiReplyEnd();
      },
    );
  }

  /** The next read-ahead sector into the buffer (raw framing for 2352-byte sectors); false if none is left. */
  private takeStagedSector(): boolean {
    if (this.cdStageNext >= this.cdStageCount) {
      return false;
    }
    const src = this.cdStage.subarray(this.cdStageNext * CD_FRAMESIZE, (this.cdStageNext + 1) * CD_FRAMESIZE);
    if (this.cdSectorSize === CD_FRAMESIZE_RAW) {
      this.ioBuffer.set(src, 16);
      cdDataToRaw(this.ioBuffer, 0, this.atapiLba);
    } else {
      this.ioBuffer.set(src, 0);
    }
    this.cdStageNext++;
    this.atapiLba++;
    this.ioBufferIndex = 0;
    return true;
  }

  /**
   * ide_atapi_cmd_read_dma_cb: a reply goes out in one piece; a READ in chunks of up to 64
   * sectors (one raw sector at a time for READ CD F8h), each through the guest's PRDs. A table
   * that ends early stops the engine without an interrupt.
   */
  private atapiDmaCallback(ret: number): void {
    if (ret < 0) {
      this.atapiIoError();
      this.dmaEnd(false);
      return;
    }
    if (this.ioBufferSize > 0) {
      if (this.atapiLba !== -1) {
        if (this.cdSectorSize === CD_FRAMESIZE_RAW) {
          cdDataToRaw(this.ioBuffer, 0, this.atapiLba);
          this.atapiLba++;
        } else {
          this.atapiLba += this.ioBufferSize >> 11;
        }
      }
      this.packetTransferSize -= this.ioBufferSize;
      const moved = this.bus.dma.rwBuf(this.ioBuffer.subarray(this.ioBufferIndex, this.ioBufferSize), true);
      this.ioBufferIndex += moved;
      if (this.ioBufferIndex < this.ioBufferSize) {
        this.dmaEnd(false);
        return;
      }
    }
    if (this.packetTransferSize <= 0) {
      this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
      this.nsector = (this.nsector & ~7) | ATAPI_INT_REASON_IO | ATAPI_INT_REASON_CD;
      this.bus.setIrq();
      this.dmaEnd(false);
      return;
    }
    this.ioBufferIndex = 0;
    const raw = this.cdSectorSize === CD_FRAMESIZE_RAW;
    const n = raw ? 1 : Math.min(this.packetTransferSize >> 11, IDE_DMA_BUF_SECTORS / 4);
    this.ioBufferSize = raw ? CD_FRAMESIZE_RAW : n * CD_FRAMESIZE;
    const offset = raw ? 16 : 0;
    const blk = this.blk;
    if (blk === null || n === 0) {
      this.atapiIoError();
      this.dmaEnd(false);
      return;
    }
    const bytes = n * CD_FRAMESIZE;
    if (this.dmaBuffer.length < bytes || this.inflight !== null) {
      this.dmaBuffer = new Uint8Array(Math.max(bytes, this.dmaBuffer.length));
    }
    const buf = this.dmaBuffer.subarray(0, bytes);
    this.aio(
      () => blk.read(this.atapiLba * CD_FRAMESIZE, buf),
      (r) => {
        if (r === 0) this.ioBuffer.set(buf, offset);
        this.atapiDmaCallback(r);
      },
    );
  }

  // ---- DMA ----------------------------------------------------------------------------------

  /** ide_sector_start_dma: DRQ set, the engine runs the transfer once the guest starts it. */
  private startDma(cmd: DmaCommand): void {
    this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC | ATA_STATUS_DRQ;
    this.ioBufferSize = 0;
    this.dmaCmd = cmd;
    this.bus.dma.startDma(this);
  }

  /** ide_dma_error. */
  private dmaError(): void {
    this.abortCommand();
    this.dmaCmd = null;
    this.bus.dma.setInactive(false);
    this.bus.setIrq();
  }

  /** ide_dma_cb: account for the chunk just moved, then start the next or finish. */
  dmaCallback(ret: number): void {
    if (this.dmaCmd === "atapi") {
      this.atapiDmaCallback(ret);
      return;
    }
    if (ret < 0) {
      this.dmaError();
      return;
    }
    let n: number;
    let stayActive = false;
    if (this.ioBufferSize > this.nsector * SECTOR) {
      // The descriptors were longer than the request: the engine stays active.
      n = this.nsector;
      stayActive = true;
    } else {
      n = Math.floor(this.ioBufferSize / SECTOR);
    }
    let sectorNum = this.getSector();
    if (n > 0) {
      sectorNum += n;
      this.setSector(sectorNum);
      this.nsector -= n;
    }
    if (this.nsector === 0) {
      this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
      this.bus.setIrq();
      this.dmaEnd(stayActive);
      return;
    }
    n = this.nsector;
    this.sg.length = 0;
    const { mapped, described } = this.bus.dma.prepareBuffer(n * SECTOR, this.sg);
    this.ioBufferSize = described;
    if (mapped < n * SECTOR) {
      // The descriptor table is too short: the engine stops, no interrupt (QEMU ide_dma_cb).
      this.status = ATA_STATUS_DRDY | ATA_STATUS_DSC;
      this.dmaEnd(false);
      return;
    }
    if (this.dmaCmd !== "trim" && !this.sectRangeOk(sectorNum, n)) {
      this.dmaError();
      return;
    }
    const bytes = n * SECTOR;
    // A fresh buffer when the old one is too small or a stale request may still be using it.
    if (this.dmaBuffer.length < bytes || this.inflight !== null) {
      this.dmaBuffer = new Uint8Array(Math.max(bytes, this.dmaBuffer.length));
    }
    const buf = this.dmaBuffer.subarray(0, bytes);
    const blk = this.blk!;
    const offset = sectorNum * SECTOR;
    const sg = this.sg.slice();
    const engine = this.bus.dma;
    if (this.dmaCmd === "read") {
      this.aio(
        async () => {
          await blk.read(offset, buf);
          if (!engine.transfer(sg, buf, true)) {
            throw new Error("DMA to guest memory failed");
          }
        },
        (r) => {
          this.dmaCallback(r);
        },
      );
    } else if (this.dmaCmd === "trim") {
      if (!engine.transfer(sg, buf, false)) {
        this.dmaError();
        return;
      }
      this.aio(
        () => this.trim(blk, buf),
        (r) => {
          this.dmaCallback(r);
        },
      );
    } else {
      if (!engine.transfer(sg, buf, false)) {
        this.dmaError();
        return;
      }
      this.aio(
        () => blk.write(offset, buf),
        (r) => {
          this.dmaCallback(r);
        },
      );
    }
  }

  /**
   * ide_issue_trim: each 8-byte entry is an LBA (bits 47:0) and a sector count (63:48); empty
   * entries are skipped, one outside the disk fails the command after the ones before it ran.
   */
  private async trim(blk: BlockDriver, list: Uint8Array): Promise<void> {
    const view = new DataView(list.buffer, list.byteOffset, list.byteLength);
    for (let at = 0; at + 8 <= list.length; at += 8) {
      const lo = view.getUint32(at, true);
      const hi = view.getUint32(at + 4, true);
      const count = hi >>> 16;
      if (count === 0) {
        continue;
      }
      const sector = (hi & 0xffff) * 2 ** 32 + lo;
      if (!this.sectRangeOk(sector, count)) {
        throw new Error("TRIM range outside the disk");
      }
      if (this.discardEnabled) {
        await blk.discard(sector * SECTOR, count * SECTOR);
      }
    }
  }

  private dmaEnd(more: boolean): void {
    this.dmaCmd = null;
    this.bus.dma.setInactive(more);
  }

  /** A DMA command was issued and waits for the guest to start the engine. */
  get waitingForDma(): boolean {
    if (this.dmaCmd === "atapi") {
      // A packet DMA (reply or READ, which also shows BSY) waits with DRQ until the engine runs.
      return (this.status & ATA_STATUS_DRQ) !== 0 && this.inflight === null;
    }
    return this.dmaCmd !== null && (this.status & (ATA_STATUS_DRQ | ATA_STATUS_BSY)) === ATA_STATUS_DRQ;
  }

  /**
   * ide_cancel_dma_sync: the guest stopped the engine. QEMU waits for a request in flight to
   * finish; here its completion is dropped (a read never reaches guest memory, a write may still
   * reach the disk, as an interrupted write may on hardware).
   */
  cancelDma(): void {
    if (this.dmaCmd !== null && this.inflight !== null) {
      this.aioEpoch++;
    }
  }

  // ---- state --------------------------------------------------------------------------------

  state(): IdeDriveState {
    return {
      feature: this.feature,
      error: this.error,
      nsector: this.nsector,
      sector: this.sector,
      lcyl: this.lcyl,
      hcyl: this.hcyl,
      hobFeature: this.hobFeature,
      hobNsector: this.hobNsector,
      hobSector: this.hobSector,
      hobLcyl: this.hobLcyl,
      hobHcyl: this.hobHcyl,
      select: this.select,
      status: this.status,
      lba48: this.lba48,
      multSectors: this.multSectors,
      heads: this.heads,
      sectors: this.sectors,
      resetReverts: this.resetReverts,
      reqNbSectors: this.reqNbSectors,
      writeCache: this.writeCache,
      identify: this.identify === null ? null : Array.from(this.identify),
      endTransfer: this.endTransfer,
      dataPtr: this.dataPtr,
      dataEnd: this.dataEnd,
      buffer: Array.from(this.ioBuffer.subarray(0, this.kind === "cd" ? Math.max(this.dataEnd, this.ioBufferSize, this.cdSectorSize) : this.dataEnd)),
      dmaCmd: this.dmaCmd,
      ...(this.kind === "cd" ? { atapi: this.atapiState() } : {}),
    };
  }

  private atapiState(): AtapiState {
    return {
      senseKey: this.senseKey,
      asc: this.asc,
      cdromChanged: this.cdromChanged,
      trayOpen: this.trayOpen,
      trayLocked: this.trayLocked,
      newMedia: this.events.newMedia,
      ejectRequest: this.events.ejectRequest,
      atapiDma: this.atapiDma,
      lba: this.atapiLba,
      packetTransferSize: this.packetTransferSize,
      elementaryTransferSize: this.elementaryTransferSize,
      ioBufferIndex: this.ioBufferIndex,
      ioBufferSize: this.ioBufferSize,
      cdSectorSize: this.cdSectorSize,
      staged: Array.from(this.cdStage.subarray(this.cdStageNext * CD_FRAMESIZE, this.cdStageCount * CD_FRAMESIZE)),
    };
  }

  private loadAtapiState(a: AtapiState): void {
    this.senseKey = a.senseKey & 0xf;
    this.asc = a.asc & 0xff;
    this.cdromChanged = a.cdromChanged;
    this.trayOpen = a.trayOpen;
    this.trayLocked = a.trayLocked;
    this.events.newMedia = a.newMedia;
    this.events.ejectRequest = a.ejectRequest;
    this.atapiDma = a.atapiDma;
    this.atapiLba = a.lba;
    this.packetTransferSize = a.packetTransferSize | 0;
    this.elementaryTransferSize = a.elementaryTransferSize | 0;
    const limit = this.ioBuffer.length;
    this.ioBufferIndex = Math.min(Math.max(a.ioBufferIndex, 0), limit);
    this.ioBufferSize = Math.min(Math.max(a.ioBufferSize, 0), limit);
    this.cdSectorSize = a.cdSectorSize === CD_FRAMESIZE || a.cdSectorSize === CD_FRAMESIZE_RAW ? a.cdSectorSize : 0;
    const staged = Math.min(Math.floor(a.staged.length / CD_FRAMESIZE), CD_STAGE_SECTORS);
    if (this.cdStage.length < CD_STAGE_SECTORS * CD_FRAMESIZE) {
      this.cdStage = new Uint8Array(CD_STAGE_SECTORS * CD_FRAMESIZE);
    }
    this.cdStage.set(a.staged.slice(0, staged * CD_FRAMESIZE));
    this.cdStageCount = staged;
    this.cdStageNext = 0;
  }

  fromState(s: IdeDriveState): void {
    this.aioEpoch++;
    this.feature = s.feature & 0xff;
    this.error = s.error & 0xff;
    this.nsector = s.nsector;
    this.sector = s.sector & 0xff;
    this.lcyl = s.lcyl & 0xff;
    this.hcyl = s.hcyl & 0xff;
    this.hobFeature = s.hobFeature & 0xff;
    this.hobNsector = s.hobNsector & 0xff;
    this.hobSector = s.hobSector & 0xff;
    this.hobLcyl = s.hobLcyl & 0xff;
    this.hobHcyl = s.hobHcyl & 0xff;
    this.select = s.select & 0xff;
    this.status = s.status & 0xff;
    this.lba48 = s.lba48;
    this.multSectors = s.multSectors;
    this.heads = s.heads;
    this.sectors = s.sectors;
    this.resetReverts = s.resetReverts;
    this.reqNbSectors = s.reqNbSectors;
    this.writeCache = s.writeCache;
    this.identify = s.identify === null ? null : Uint16Array.from(s.identify);
    this.endTransfer = s.endTransfer;
    const end = Math.min(s.dataEnd, this.ioBuffer.length);
    this.ioBuffer.set(s.buffer.slice(0, this.ioBuffer.length));
    this.dataEnd = end;
    this.dataPtr = Math.min(s.dataPtr, end);
    this.dmaCmd = s.dmaCmd;
    if (s.atapi !== undefined && this.kind === "cd") {
      this.loadAtapiState(s.atapi);
    }
    // A block request that was in flight when the state was saved is not re-issued: savevm drains
    // first. A packet DMA waiting for the engine shows BSY with DRQ (QEMU's ide_atapi_cmd_read_dma): kept.
    if (!(this.dmaCmd === "atapi" && this.status & ATA_STATUS_DRQ)) {
      this.status &= ~ATA_STATUS_BSY;
    }
  }
}

type CommandHandler = (s: IdeDrive, cmd: number) => boolean;

/**
 * The commands a QEMU hard disk accepts (QEMU ide_cmd_table, entries with HD_OK). DEVICE RESET
 * (08h) is a packet-device command: a disk aborts it, as on QEMU; disks are reset through SRST.
 */
const COMMANDS = new Map<number, { handler: CommandHandler; flags: number }>([
  [ATA_CMD_DATA_SET_MANAGEMENT, { handler: IdeDrive.cmdDataSetManagement, flags: 0 }],
  [ATA_CMD_RECALIBRATE, { handler: IdeDrive.cmdNop, flags: SET_DSC }],
  [ATA_CMD_READ_SECTORS, { handler: IdeDrive.cmdReadPio, flags: 0 }],
  [ATA_CMD_READ_SECTORS_NORETRY, { handler: IdeDrive.cmdReadPio, flags: 0 }],
  [ATA_CMD_READ_SECTORS_EXT, { handler: IdeDrive.cmdReadPio, flags: 0 }],
  [ATA_CMD_READ_DMA_EXT, { handler: IdeDrive.cmdReadDma, flags: 0 }],
  [ATA_CMD_READ_NATIVE_MAX_ADDRESS_EXT, { handler: IdeDrive.cmdReadNativeMax, flags: SET_DSC }],
  [ATA_CMD_READ_MULTIPLE_EXT, { handler: IdeDrive.cmdReadMultiple, flags: 0 }],
  [ATA_CMD_WRITE_SECTORS, { handler: IdeDrive.cmdWritePio, flags: 0 }],
  [ATA_CMD_WRITE_SECTORS_NORETRY, { handler: IdeDrive.cmdWritePio, flags: 0 }],
  [ATA_CMD_WRITE_SECTORS_EXT, { handler: IdeDrive.cmdWritePio, flags: 0 }],
  [ATA_CMD_WRITE_DMA_EXT, { handler: IdeDrive.cmdWriteDma, flags: 0 }],
  [ATA_CMD_WRITE_MULTIPLE_EXT, { handler: IdeDrive.cmdWriteMultiple, flags: 0 }],
  [ATA_CMD_WRITE_VERIFY, { handler: IdeDrive.cmdWritePio, flags: 0 }],
  [ATA_CMD_READ_VERIFY_SECTORS, { handler: IdeDrive.cmdVerify, flags: SET_DSC }],
  [ATA_CMD_READ_VERIFY_SECTORS_NORETRY, { handler: IdeDrive.cmdVerify, flags: SET_DSC }],
  [ATA_CMD_READ_VERIFY_SECTORS_EXT, { handler: IdeDrive.cmdVerify, flags: SET_DSC }],
  [ATA_CMD_SEEK, { handler: IdeDrive.cmdNop, flags: SET_DSC }],
  [ATA_CMD_EXECUTE_DEVICE_DIAGNOSTIC, { handler: IdeDrive.cmdExecDevDiagnostic, flags: 0 }],
  [ATA_CMD_INITIALIZE_DEVICE_PARAMETERS, { handler: IdeDrive.cmdSpecify, flags: SET_DSC }],
  [ATA_CMD_STANDBY_IMMEDIATE_ALT, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_IDLE_IMMEDIATE_ALT, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_STANDBY_ALT, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_IDLE_ALT, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_CHECK_POWER_MODE_ALT, { handler: IdeDrive.cmdCheckPowerMode, flags: SET_DSC }],
  [ATA_CMD_SLEEP_ALT, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_READ_MULTIPLE, { handler: IdeDrive.cmdReadMultiple, flags: 0 }],
  [ATA_CMD_WRITE_MULTIPLE, { handler: IdeDrive.cmdWriteMultiple, flags: 0 }],
  [ATA_CMD_SET_MULTIPLE_MODE, { handler: IdeDrive.cmdSetMultipleMode, flags: SET_DSC }],
  [ATA_CMD_READ_DMA, { handler: IdeDrive.cmdReadDma, flags: 0 }],
  [ATA_CMD_READ_DMA_NORETRY, { handler: IdeDrive.cmdReadDma, flags: 0 }],
  [ATA_CMD_WRITE_DMA, { handler: IdeDrive.cmdWriteDma, flags: 0 }],
  [ATA_CMD_WRITE_DMA_NORETRY, { handler: IdeDrive.cmdWriteDma, flags: 0 }],
  [ATA_CMD_STANDBY_IMMEDIATE, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_IDLE_IMMEDIATE, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_STANDBY, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_IDLE, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_CHECK_POWER_MODE, { handler: IdeDrive.cmdCheckPowerMode, flags: SET_DSC }],
  [ATA_CMD_SLEEP, { handler: IdeDrive.cmdNop, flags: 0 }],
  [ATA_CMD_FLUSH_CACHE, { handler: IdeDrive.cmdFlushCache, flags: 0 }],
  [ATA_CMD_FLUSH_CACHE_EXT, { handler: IdeDrive.cmdFlushCache, flags: 0 }],
  [ATA_CMD_IDENTIFY_DEVICE, { handler: IdeDrive.cmdIdentify, flags: 0 }],
  [ATA_CMD_SET_FEATURES, { handler: IdeDrive.cmdSetFeatures, flags: SET_DSC }],
  [ATA_CMD_READ_NATIVE_MAX_ADDRESS, { handler: IdeDrive.cmdReadNativeMax, flags: SET_DSC }],
]);

/**
 * The commands a QEMU CD-ROM accepts (ide_cmd_table entries with CD_OK): DEVICE RESET, PACKET and
 * IDENTIFY PACKET DEVICE of the packet feature set, and the ALL_OK ones. READ SECTORS and IDENTIFY
 * DEVICE abort with the signature in place; anything else aborts.
 */
const CD_COMMANDS = new Map<number, { handler: CommandHandler; flags: number }>([
  [ATA_CMD_DEVICE_RESET, { handler: IdeDrive.cmdDeviceReset, flags: 0 }],
  [ATA_CMD_READ_SECTORS, { handler: IdeDrive.cmdReadPio, flags: 0 }],
  [ATA_CMD_EXECUTE_DEVICE_DIAGNOSTIC, { handler: IdeDrive.cmdExecDevDiagnostic, flags: 0 }],
  [ATA_CMD_PACKET, { handler: IdeDrive.cmdPacket, flags: 0 }],
  [ATA_CMD_IDENTIFY_PACKET_DEVICE, { handler: IdeDrive.cmdIdentifyPacket, flags: 0 }],
  [ATA_CMD_FLUSH_CACHE, { handler: IdeDrive.cmdFlushCache, flags: 0 }],
  [ATA_CMD_IDENTIFY_DEVICE, { handler: IdeDrive.cmdIdentify, flags: 0 }],
  [ATA_CMD_SET_FEATURES, { handler: IdeDrive.cmdSetFeatures, flags: SET_DSC }],
]);

/** The commands a CD-ROM accepts. */
export const IDE_CD_COMMANDS: readonly number[] = [...CD_COMMANDS.keys()];

/** The commands a disk accepts, for tests and "info" output. */
export const IDE_HD_COMMANDS: readonly number[] = [...COMMANDS.keys()];
