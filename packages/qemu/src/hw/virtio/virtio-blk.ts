import type { BlockDriver } from "../../block/block-driver.js";
import { VIRTIO_ID_BLOCK, features } from "./virtio-config.js";
import { VirtioDevice } from "./virtio-device.js";
import type { VirtQueue, VirtqueueElement } from "./virtqueue.js";
import { type DiskGeometry, geometryForSize } from "./hd-geometry.js";

/*
 * virtio-blk (OASIS virtio-v1.1 5.2; QEMU hw/block/virtio-blk.c): one request queue; each request
 * is a 16-byte header (type, ioprio, sector), data buffers, and a 1-byte status the device writes
 * last. Requests run asynchronously on a BlockDriver (raw, qcow2) and complete in any order.
 */

/** Feature bits (5.2.3). */
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_GEOMETRY = 4;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
/** Legacy: SCSI passthrough (QEMU scsi=on only). */
export const VIRTIO_BLK_F_SCSI = 7;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_F_TOPOLOGY = 10;
export const VIRTIO_BLK_F_CONFIG_WCE = 11;
export const VIRTIO_BLK_F_MQ = 12;
export const VIRTIO_BLK_F_DISCARD = 13;
export const VIRTIO_BLK_F_WRITE_ZEROES = 14;

/** Request types (5.2.6). */
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_SCSI_CMD = 2;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;
/** Legacy barrier flag in the type (5.2.6.3), ignored as QEMU does. */
export const VIRTIO_BLK_T_BARRIER = 0x8000_0000;
/** Status byte values (5.2.6). */
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
export const VIRTIO_BLK_ID_BYTES = 20;
export const VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;

/** struct virtio_blk_config offsets (5.2.4). */
export const VIRTIO_BLK_CFG_CAPACITY = 0;
export const VIRTIO_BLK_CFG_SIZE_MAX = 8;
export const VIRTIO_BLK_CFG_SEG_MAX = 12;
export const VIRTIO_BLK_CFG_GEOMETRY = 16;
export const VIRTIO_BLK_CFG_BLK_SIZE = 20;
export const VIRTIO_BLK_CFG_TOPOLOGY = 24;
export const VIRTIO_BLK_CFG_WRITEBACK = 32;
export const VIRTIO_BLK_CFG_NUM_QUEUES = 34;
export const VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS = 36;
export const VIRTIO_BLK_CFG_MAX_DISCARD_SEG = 40;
export const VIRTIO_BLK_CFG_DISCARD_ALIGNMENT = 44;
export const VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS = 48;
export const VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG = 52;
export const VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP = 56;
/** QEMU sizes the config to the last field the offered features use: endof(write_zeroes_may_unmap). */
export const VIRTIO_BLK_CONFIG_SIZE = 57;

/** QEMU BDRV_REQUEST_MAX_SECTORS: the discard/write-zeroes limit it advertises. */
export const BDRV_REQUEST_MAX_SECTORS = 0x3fffff;
/**
 * Largest read or write one request may carry: QEMU's block layer refuses more than
 * BDRV_REQUEST_MAX_BYTES; this device copies through a host buffer, so it holds requests to the
 * largest transfer seg_max full-page segments can describe in practice (32 MiB) and fails larger
 * ones with IOERR rather than allocating what the guest names.
 */
export const VIRTIO_BLK_MAX_TRANSFER = 32 * 1024 * 1024;
const SECTOR_SIZE = 512;
const OUTHDR_SIZE = 16;

export interface VirtioBlkOptions {
  drive: BlockDriver;
  /** Read-only even if the driver is writable (the -drive readonly=on case). */
  readOnly?: boolean;
  /** serial=: what VIRTIO_BLK_T_GET_ID returns (up to 20 bytes). */
  serial?: string;
  /** queue-size (default 256). */
  queueSize?: number;
  /** Write cache on (cache=writeback, the default) or write-through. */
  writeCache?: boolean;
  discard?: boolean;
  writeZeroes?: boolean;
  /** CHS reported with VIRTIO_BLK_F_GEOMETRY; default by size (use guessGeometry for QEMU's MBR guess). */
  geometry?: DiskGeometry;
  logicalBlockSize?: number;
  physicalBlockSize?: number;
}

interface BlkInflight {
  elem: VirtqueueElement;
  queue: number;
}

export interface VirtioBlkDeviceState {
  writeCache: boolean;
  /** Heads of requests still in flight when saved, re-issued on load (QEMU virtio_blk_load_device). */
  inflight: { queue: number; head: number }[];
}

export class VirtioBlk extends VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly name = "virtio-blk";
  readonly drive: BlockDriver;
  readonly readOnly: boolean;
  private readonly serial: Uint8Array;
  private writeCache: boolean;
  private readonly defaultWriteCache: boolean;
  private readonly logicalBlockSize: number;
  private readonly inflight = new Set<BlkInflight>();
  private readonly waiters: (() => void)[] = [];

  constructor(options: VirtioBlkOptions) {
    const readOnly = options.readOnly === true || options.drive.readOnly;
    super(
      VIRTIO_BLK_CONFIG_SIZE,
      features(
        VIRTIO_BLK_F_SEG_MAX,
        VIRTIO_BLK_F_GEOMETRY,
        VIRTIO_BLK_F_BLK_SIZE,
        VIRTIO_BLK_F_FLUSH,
        VIRTIO_BLK_F_TOPOLOGY,
        VIRTIO_BLK_F_CONFIG_WCE,
        ...(options.discard === false ? [] : [VIRTIO_BLK_F_DISCARD]),
        ...(options.writeZeroes === false ? [] : [VIRTIO_BLK_F_WRITE_ZEROES]),
        ...(readOnly ? [VIRTIO_BLK_F_RO] : []),
      ),
    );
    this.drive = options.drive;
    this.readOnly = readOnly;
    this.serial = new TextEncoder().encode(options.serial ?? "");
    this.defaultWriteCache = options.writeCache ?? true;
    this.writeCache = this.defaultWriteCache;
    this.logicalBlockSize = options.logicalBlockSize ?? SECTOR_SIZE;
    const queueSize = options.queueSize ?? 256;
    this.addQueue(queueSize, (vq) => {
      this.handleQueue(vq);
    });
    const c = this.configView;
    const capacity = Math.floor(this.drive.getLength() / SECTOR_SIZE);
    const geometry = options.geometry ?? geometryForSize(capacity);
    c.setUint32(VIRTIO_BLK_CFG_SIZE_MAX, 0, true);
    // QEMU seg-max-adjust: queue size - 2 segments (one for the header, one for the status).
    c.setUint32(VIRTIO_BLK_CFG_SEG_MAX, queueSize - 2, true);
    c.setUint16(VIRTIO_BLK_CFG_GEOMETRY, geometry.cylinders, true);
    c.setUint8(VIRTIO_BLK_CFG_GEOMETRY + 2, geometry.heads);
    c.setUint8(VIRTIO_BLK_CFG_GEOMETRY + 3, geometry.sectors);
    c.setUint32(VIRTIO_BLK_CFG_BLK_SIZE, this.logicalBlockSize, true);
    const physExp = Math.log2((options.physicalBlockSize ?? this.logicalBlockSize) / this.logicalBlockSize);
    c.setUint8(VIRTIO_BLK_CFG_TOPOLOGY, Number.isInteger(physExp) && physExp >= 0 ? physExp : 0);
    c.setUint16(VIRTIO_BLK_CFG_NUM_QUEUES, 1, true);
    c.setUint32(VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, BDRV_REQUEST_MAX_SECTORS, true);
    c.setUint32(VIRTIO_BLK_CFG_MAX_DISCARD_SEG, 1, true);
    c.setUint32(VIRTIO_BLK_CFG_DISCARD_ALIGNMENT, this.logicalBlockSize / SECTOR_SIZE, true);
    c.setUint32(VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, BDRV_REQUEST_MAX_SECTORS, true);
    c.setUint32(VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, 1, true);
    c.setUint8(VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1);
    this.updateConfig();
  }

  /** Whether the guest sees a write-back cache (the config writeback byte). */
  get writeback(): boolean {
    return this.writeCache;
  }

  protected override updateConfig(): void {
    const c = this.configView;
    const capacity = Math.floor(this.drive.getLength() / SECTOR_SIZE);
    c.setUint32(VIRTIO_BLK_CFG_CAPACITY, capacity % 0x1_0000_0000, true);
    c.setUint32(VIRTIO_BLK_CFG_CAPACITY + 4, Math.floor(capacity / 0x1_0000_0000), true);
    c.setUint8(VIRTIO_BLK_CFG_WRITEBACK, this.writeCache ? 1 : 0);
  }

  protected override configWritable(offset: number): boolean {
    return offset === VIRTIO_BLK_CFG_WRITEBACK;
  }

  /** The driver toggled the cache mode (VIRTIO_BLK_F_CONFIG_WCE, 5.2.5.1). */
  protected override configWritten(): void {
    this.writeCache = this.config[VIRTIO_BLK_CFG_WRITEBACK] !== 0;
  }

  /**
   * Without CONFIG_WCE the cache mode follows FLUSH: a driver that cannot flush gets
   * write-through (QEMU virtio_blk_set_status, 5.2.5.1 legacy note).
   */
  protected override driverOkChanged(ok: boolean): void {
    if (ok && !this.hasGuestFeature(VIRTIO_BLK_F_CONFIG_WCE)) {
      this.writeCache = this.hasGuestFeature(VIRTIO_BLK_F_FLUSH) && this.defaultWriteCache;
    }
  }

  /** The drive's size changed (block_resize): tell the driver. */
  resized(): void {
    this.updateConfig();
    this.notifyConfig();
  }

  protected deviceReset(): void {
    // Requests still running complete into a stale epoch and are dropped.
    this.inflight.clear();
    this.writeCache = this.defaultWriteCache;
    this.wakeWaiters();
  }

  override queueReset(): void {
    this.inflight.clear();
    this.wakeWaiters();
  }

  /** Resolves when no request is in flight (QEMU blk_drain, before savevm). */
  drain(): Promise<void> {
    if (this.inflight.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wakeWaiters(): void {
    if (this.inflight.size === 0) {
      for (const w of this.waiters.splice(0)) {
        w();
      }
    }
  }

  /** Pops every available request with kicks suppressed, as virtio_blk_handle_vq. */
  private handleQueue(vq: VirtQueue): void {
    do {
      vq.setNotification(false);
      for (;;) {
        if (this.broken) {
          return;
        }
        const elem = vq.pop();
        if (elem === null) {
          break;
        }
        this.startRequest(elem);
      }
      vq.setNotification(true);
    } while (!this.isBroken() && !vq.isEmpty());
  }

  private startRequest(elem: VirtqueueElement): void {
    if (elem.outAddr.length < 1 || elem.inAddr.length < 1) {
      this.error("virtio-blk missing headers");
      return;
    }
    const hdr = new Uint8Array(OUTHDR_SIZE);
    const got = elem.gather(0, hdr);
    if (got < 0) {
      this.error("virtio: bogus descriptor or out of resources");
      return;
    }
    if (got !== OUTHDR_SIZE) {
      this.error("virtio-blk request outhdr too short");
      return;
    }
    if (elem.inLen[elem.inLen.length - 1]! < 1) {
      this.error("virtio-blk request inhdr too short");
      return;
    }
    const req: BlkInflight = { elem, queue: elem.queue.index };
    this.inflight.add(req);
    const epoch = this.epoch;
    void this.execute(req, hdr).then(
      (status) => {
        this.complete(req, epoch, status);
      },
      () => {
        this.complete(req, epoch, VIRTIO_BLK_S_IOERR);
      },
    );
  }

  /** Bytes of the request in [sector, sector + bytes) are a valid, aligned range (virtio_blk_sect_range_ok). */
  private rangeOk(sector: number, bytes: number): boolean {
    if (bytes > VIRTIO_BLK_MAX_TRANSFER) {
      return false;
    }
    const total = Math.floor(this.drive.getLength() / SECTOR_SIZE);
    const lbSectors = this.logicalBlockSize / SECTOR_SIZE;
    if (sector % lbSectors !== 0 || bytes % this.logicalBlockSize !== 0) {
      return false;
    }
    return sector <= total && bytes / SECTOR_SIZE <= total - sector;
  }

  private async execute(req: BlkInflight, hdr: Uint8Array): Promise<number> {
    const elem = req.elem;
    const view = new DataView(hdr.buffer);
    const type = view.getUint32(0, true);
    const sector = view.getUint32(8, true) + view.getUint32(12, true) * 0x1_0000_0000;
    const inData = elem.inSize - 1;
    // QEMU switches on the type with the OUT and BARRIER bits masked off.
    switch ((type & ~(VIRTIO_BLK_T_OUT | VIRTIO_BLK_T_BARRIER)) >>> 0) {
      case VIRTIO_BLK_T_IN: {
        const isWrite = (type & VIRTIO_BLK_T_OUT) !== 0;
        if (isWrite) {
          const bytes = elem.outSize - OUTHDR_SIZE;
          if (!this.rangeOk(sector, bytes)) {
            return VIRTIO_BLK_S_IOERR;
          }
          if (this.readOnly) {
            return VIRTIO_BLK_S_IOERR;
          }
          const buf = new Uint8Array(bytes);
          if (elem.gather(OUTHDR_SIZE, buf) !== bytes) {
            return VIRTIO_BLK_S_IOERR;
          }
          await this.drive.write(sector * SECTOR_SIZE, buf);
          if (!this.writeCache) {
            await this.drive.flush();
          }
          return VIRTIO_BLK_S_OK;
        }
        if (!this.rangeOk(sector, inData)) {
          return VIRTIO_BLK_S_IOERR;
        }
        const buf = new Uint8Array(inData);
        await this.drive.read(sector * SECTOR_SIZE, buf);
        if (elem.scatter(0, buf) !== inData) {
          return VIRTIO_BLK_S_IOERR;
        }
        return VIRTIO_BLK_S_OK;
      }
      case VIRTIO_BLK_T_FLUSH:
        await this.drive.flush();
        return VIRTIO_BLK_S_OK;
      case VIRTIO_BLK_T_GET_ID: {
        // The serial and its NUL, cut to the buffer and to 20 bytes (QEMU virtio_blk_handle_request).
        const n = Math.min(this.serial.length + 1, inData, VIRTIO_BLK_ID_BYTES);
        const id = new Uint8Array(n);
        id.set(this.serial.subarray(0, n));
        return elem.scatter(0, id) === n ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
      }
      case VIRTIO_BLK_T_DISCARD & ~VIRTIO_BLK_T_OUT:
      case VIRTIO_BLK_T_WRITE_ZEROES & ~VIRTIO_BLK_T_OUT:
        return this.discardWriteZeroes(elem, type);
      default:
        return VIRTIO_BLK_S_UNSUPP;
    }
  }

  /** QEMU virtio_blk_handle_discard_write_zeroes (5.2.6: one segment supported). */
  private async discardWriteZeroes(elem: VirtqueueElement, type: number): Promise<number> {
    const isWriteZeroes = (type & ~VIRTIO_BLK_T_BARRIER) >>> 0 === VIRTIO_BLK_T_WRITE_ZEROES;
    const outLen = elem.outSize - OUTHDR_SIZE;
    if (!(type & VIRTIO_BLK_T_OUT) || outLen > 16) {
      return VIRTIO_BLK_S_UNSUPP;
    }
    if (!this.hasGuestFeature(isWriteZeroes ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD)) {
      return VIRTIO_BLK_S_UNSUPP;
    }
    const seg = new Uint8Array(16);
    if (elem.gather(OUTHDR_SIZE, seg) !== 16) {
      this.error("virtio-blk discard/write_zeroes header too short");
      return -1;
    }
    const v = new DataView(seg.buffer);
    const sector = v.getUint32(0, true) + v.getUint32(4, true) * 0x1_0000_0000;
    const numSectors = v.getUint32(8, true);
    const flags = v.getUint32(12, true);
    if (numSectors > BDRV_REQUEST_MAX_SECTORS) {
      return VIRTIO_BLK_S_IOERR;
    }
    const bytes = numSectors * SECTOR_SIZE;
    if (!this.rangeOk(sector, bytes)) {
      return VIRTIO_BLK_S_IOERR;
    }
    if (flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) {
      return VIRTIO_BLK_S_UNSUPP;
    }
    if (this.readOnly) {
      return VIRTIO_BLK_S_IOERR;
    }
    if (isWriteZeroes) {
      await this.drive.writeZeroes(sector * SECTOR_SIZE, bytes);
    } else {
      if (flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) {
        return VIRTIO_BLK_S_UNSUPP;
      }
      await this.drive.discard(sector * SECTOR_SIZE, bytes);
    }
    return VIRTIO_BLK_S_OK;
  }

  /** Writes the status byte, returns the chain, interrupts (QEMU virtio_blk_req_complete). */
  private complete(req: BlkInflight, epoch: number, status: number): void {
    if (epoch !== this.epoch || !this.inflight.has(req)) {
      return;
    }
    this.inflight.delete(req);
    if (status >= 0 && !this.broken) {
      const elem = req.elem;
      if (elem.scatter(elem.inSize - 1, Uint8Array.of(status)) !== 1) {
        this.error("virtio: bogus descriptor or out of resources");
      } else {
        const vq = elem.queue;
        if (vq.push(elem, elem.inSize)) {
          this.notifyQueue(vq);
        }
      }
    }
    this.wakeWaiters();
  }

  protected saveDevice(): VirtioBlkDeviceState {
    return {
      writeCache: this.writeCache,
      inflight: [...this.inflight].map((r) => ({ queue: r.queue, head: r.elem.head })),
    };
  }

  private pendingLoad: { queue: number; head: number }[] = [];

  protected loadDevice(state: unknown): void {
    const s = state as VirtioBlkDeviceState;
    this.inflight.clear();
    this.writeCache = s.writeCache;
    this.pendingLoad = s.inflight.slice();
  }

  /** Re-issues the requests that were in flight at save time. */
  override resumeAfterLoad(): void {
    for (const { queue, head } of this.pendingLoad.splice(0)) {
      const vq = this.queues[queue];
      const elem = vq?.readChain(head);
      if (elem !== null && elem !== undefined) {
        this.startRequest(elem);
      }
    }
  }
}
