import type { DmaMemory, IoDevice, IrqLine } from "../io-device.js";
import type { DmaSegment, IdeDmaClient, IdeDmaEngine } from "./ide-dma.js";
import type { IdeBus } from "./ide-bus.js";

/*
 * The bus-master IDE DMA engine of one channel (SFF-8038i "Programming Interface for Bus Master
 * IDE Controller" rev 1.0, section 2; Intel 82371SB PIIX3 datasheet 2.7 BMICx/BMISx/BMIDTPx;
 * QEMU hw/ide/pci.c bmdma_*): a command register (start/stop, direction), a status register
 * (active, error, interrupt, drive-DMA-capable bits) and the address of a Physical Region
 * Descriptor table in guest memory. Each PRD is 8 bytes: a 32-bit buffer address and a byte count
 * in bits 15:1 (0 = 64 KiB), bit 31 of the second dword marking the last entry.
 */

/** Bus Master IDE Command register bits (SFF-8038i 2.1). */
export const BM_CMD_START = 0x01;
/** Direction: set = the engine writes to memory (a device read). */
export const BM_CMD_READ = 0x08;
/** Bus Master IDE Status register bits (2.2). */
export const BM_STATUS_DMAING = 0x01;
export const BM_STATUS_ERROR = 0x02;
export const BM_STATUS_INT = 0x04;
/** Drive 0/1 DMA capable: software-owned bits. */
export const BM_STATUS_DRIVE_CAPABLE = 0x60;

/** Register offsets within a channel's 8 bytes of BAR4. */
export const BMDMA_REG_COMMAND = 0;
export const BMDMA_REG_STATUS = 2;
export const BMDMA_REG_PRD_ADDRESS = 4;

/** The PRD table may not cross a 64 KiB boundary; QEMU stops walking after one 4 KiB page as a fail-safe. */
export const BMDMA_PAGE_SIZE = 4096;
const PRD_LAST = 0x8000_0000;

export interface BmdmaState {
  cmd: number;
  status: number;
  addr: number;
  curAddr: number;
  curPrdLast: boolean;
  curPrdAddr: number;
  curPrdLen: number;
}

export class BusMasterDma implements IdeDmaEngine {
  cmd = 0;
  status = 0;
  /** PRD table address (dword aligned). */
  addr = 0;
  private curAddr = 0;
  private curPrdLast = false;
  private curPrdAddr = 0;
  private curPrdLen = 0;
  private client: IdeDmaClient | null = null;
  private readonly prd = new Uint8Array(8);
  private readonly prdView = new DataView(this.prd.buffer);

  /** Command and status bytes ("piix-bmdma", byte accesses only). */
  readonly registers: IoDevice = {
    read: (offset, size) => {
      if (size !== 1) return size === 4 ? 0xffffffff : 0xffff;
      return offset === BMDMA_REG_COMMAND ? this.cmd : offset === BMDMA_REG_STATUS ? this.status : 0xff;
    },
    write: (offset, size, value) => {
      if (size !== 1) return;
      if (offset === BMDMA_REG_COMMAND) {
        this.writeCommand(value & 0xff);
      } else if (offset === BMDMA_REG_STATUS) {
        // Drive-capable bits are plain storage, ERROR and INT are write-1-to-clear, ACTIVE is read-only.
        this.status = (value & BM_STATUS_DRIVE_CAPABLE) | (this.status & BM_STATUS_DMAING) | (this.status & ~value & (BM_STATUS_ERROR | BM_STATUS_INT));
      }
    },
  };

  /** The PRD table pointer ("bmdma", any width at any byte). */
  readonly prdAddress: IoDevice = {
    read: (offset, size) => Math.floor(this.addr / 2 ** (offset * 8)) % 2 ** (size * 8),
    write: (offset, size, value) => {
      const shift = offset * 8;
      const mask = size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
      const cleared = (this.addr & ~((mask << shift) >>> 0)) >>> 0;
      this.addr = ((cleared | (((value & mask) << shift) >>> 0)) & ~3) >>> 0;
    },
  };

  constructor(
    private readonly bus: IdeBus,
    private readonly memory: DmaMemory,
    /** Whether the PCI function may master the bus (PCI_COMMAND_MASTER). */
    private readonly masterEnabled: () => boolean,
  ) {}

  /**
   * The channel's interrupt as the engine sees it (QEMU bmdma_irq): a rising level also sets the
   * INT status bit, which stays until software clears it.
   */
  wrapIrq(line: IrqLine): IrqLine {
    return {
      setLevel: (level) => {
        if (level) this.status |= BM_STATUS_INT;
        line.setLevel(level);
      },
    };
  }

  /** bmdma_cmd_writeb: only changes of START act; stopping cancels what the drive had in flight. */
  private writeCommand(value: number): void {
    if ((value & BM_CMD_START) !== (this.cmd & BM_CMD_START)) {
      if (!(value & BM_CMD_START)) {
        this.bus.active.cancelDma();
        this.status &= ~BM_STATUS_DMAING;
        this.client = null;
      } else {
        this.curAddr = this.addr;
        if (!(this.status & BM_STATUS_DMAING)) {
          this.status |= BM_STATUS_DMAING;
          this.cmd = value & (BM_CMD_START | BM_CMD_READ);
          this.client?.dmaCallback(0);
          return;
        }
      }
    }
    this.cmd = value & (BM_CMD_START | BM_CMD_READ);
  }

  startDma(client: IdeDmaClient): void {
    this.client = client;
    this.curPrdLast = false;
    this.curPrdAddr = 0;
    this.curPrdLen = 0;
    if (this.status & BM_STATUS_DMAING) {
      client.dmaCallback(0);
    }
  }

  /** Loads the next PRD; false at the end of the table (or past the one-page fail-safe). */
  private nextPrd(): boolean {
    if (this.curPrdLast || this.curAddr - this.addr >= BMDMA_PAGE_SIZE) {
      return false;
    }
    if (!this.masterEnabled() || !this.memory.read(this.curAddr, this.prd)) {
      this.prd.fill(0xff);
    }
    this.curAddr += 8;
    const address = this.prdView.getUint32(0, true);
    const count = this.prdView.getUint32(4, true);
    const len = count & 0xfffe;
    this.curPrdLen = len === 0 ? 0x10000 : len;
    this.curPrdAddr = address;
    this.curPrdLast = (count & PRD_LAST) !== 0;
    return true;
  }

  /** bmdma_prepare_buf: descriptors for up to `limit` bytes into `sg`. */
  prepareBuffer(limit: number, sg: DmaSegment[]): { mapped: number; described: number } {
    let mapped = 0;
    let described = 0;
    for (;;) {
      if (this.curPrdLen === 0 && !this.nextPrd()) {
        return { mapped, described };
      }
      const l = this.curPrdLen;
      // Bytes past the request are consumed from the descriptors but not mapped.
      const take = Math.min(limit - mapped, l);
      if (take > 0) {
        sg.push({ address: this.curPrdAddr, length: take });
        mapped += take;
      }
      this.curPrdAddr = (this.curPrdAddr + l) >>> 0;
      this.curPrdLen = 0;
      described += l;
    }
  }

  transfer(sg: readonly DmaSegment[], data: Uint8Array, toGuest: boolean): boolean {
    if (!this.masterEnabled()) {
      return false;
    }
    let at = 0;
    for (const seg of sg) {
      const piece = data.subarray(at, at + seg.length);
      const ok = toGuest ? this.memory.write(seg.address, piece) : this.memory.read(seg.address, piece);
      if (!ok) {
        return false;
      }
      at += seg.length;
    }
    return true;
  }

  rwBuf(data: Uint8Array, toGuest: boolean): number {
    let at = 0;
    while (at < data.length) {
      if (this.curPrdLen === 0 && !this.nextPrd()) {
        return at;
      }
      const l = Math.min(data.length - at, this.curPrdLen);
      // Without bus mastering the accesses go nowhere (QEMU ignores the DMA result here too).
      if (this.masterEnabled()) {
        const piece = data.subarray(at, at + l);
        if (toGuest) this.memory.write(this.curPrdAddr, piece);
        else this.memory.read(this.curPrdAddr, piece);
      }
      this.curPrdAddr = (this.curPrdAddr + l) >>> 0;
      this.curPrdLen -= l;
      at += l;
    }
    return at;
  }

  setInactive(more: boolean): void {
    this.client = null;
    if (more) {
      this.status |= BM_STATUS_DMAING;
    } else {
      this.status &= ~BM_STATUS_DMAING;
    }
  }

  reset(): void {
    this.client = null;
    this.cmd = 0;
    this.status = 0;
    this.addr = 0;
    this.curAddr = 0;
    this.curPrdLast = false;
    this.curPrdAddr = 0;
    this.curPrdLen = 0;
  }

  state(): BmdmaState {
    return {
      cmd: this.cmd,
      status: this.status,
      addr: this.addr,
      curAddr: this.curAddr,
      curPrdLast: this.curPrdLast,
      curPrdAddr: this.curPrdAddr,
      curPrdLen: this.curPrdLen,
    };
  }

  fromState(s: BmdmaState): void {
    this.cmd = s.cmd & (BM_CMD_START | BM_CMD_READ);
    this.status = s.status & 0xff;
    this.addr = s.addr >>> 0;
    this.curAddr = s.curAddr;
    this.curPrdLast = s.curPrdLast;
    this.curPrdAddr = s.curPrdAddr >>> 0;
    this.curPrdLen = s.curPrdLen;
    this.client = null;
  }
}
