import type { AccessSize, DmaMemory, IoDevice, Stateful } from "./io-device.js";

/*
 * QEMU's firmware configuration device, I/O-port flavour (docs/specs/fw_cfg.rst; hw/nvram/fw_cfg.c;
 * include/standard-headers/linux/qemu_fw_cfg.h): a 16-bit selector at 0x510, an 8-bit data port at
 * 0x511 streaming the selected item, and the DMA interface at 0x514. Items are either well-known
 * selectors or named files listed in the big-endian directory at FW_CFG_FILE_DIR.
 */

export const FW_CFG_IO_BASE = 0x510;
export const FW_CFG_DMA_IO_BASE = 0x514;
/** Width of the selector register; the data port overlaps its high byte. */
export const FW_CFG_CTL_SIZE = 0x02;

/** Well-known selectors. */
export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MACHINE_ID = 0x06;
export const FW_CFG_KERNEL_ADDR = 0x07;
export const FW_CFG_KERNEL_SIZE = 0x08;
export const FW_CFG_KERNEL_CMDLINE = 0x09;
export const FW_CFG_INITRD_ADDR = 0x0a;
export const FW_CFG_INITRD_SIZE = 0x0b;
export const FW_CFG_BOOT_DEVICE = 0x0c;
export const FW_CFG_NUMA = 0x0d;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_KERNEL_ENTRY = 0x10;
export const FW_CFG_KERNEL_DATA = 0x11;
export const FW_CFG_INITRD_DATA = 0x12;
export const FW_CFG_CMDLINE_ADDR = 0x13;
export const FW_CFG_CMDLINE_SIZE = 0x14;
export const FW_CFG_CMDLINE_DATA = 0x15;
export const FW_CFG_SETUP_ADDR = 0x16;
export const FW_CFG_SETUP_SIZE = 0x17;
export const FW_CFG_SETUP_DATA = 0x18;
export const FW_CFG_FILE_DIR = 0x19;
export const FW_CFG_FILE_FIRST = 0x20;
export const FW_CFG_FILE_SLOTS_MIN = 0x10;
/** QEMU's default number of file slots (x-file-slots). */
export const FW_CFG_FILE_SLOTS_DFLT = 0x20;
export const FW_CFG_WRITE_CHANNEL = 0x4000;
export const FW_CFG_ARCH_LOCAL = 0x8000;
export const FW_CFG_ENTRY_MASK = ~(FW_CFG_WRITE_CHANNEL | FW_CFG_ARCH_LOCAL) & 0xffff;
export const FW_CFG_INVALID = 0xffff;
/** x86 arch-local selectors (hw/i386/fw_cfg.h). */
export const FW_CFG_ACPI_TABLES = FW_CFG_ARCH_LOCAL + 0;
export const FW_CFG_SMBIOS_ENTRIES = FW_CFG_ARCH_LOCAL + 1;
export const FW_CFG_IRQ0_OVERRIDE = FW_CFG_ARCH_LOCAL + 2;
export const FW_CFG_E820_TABLE = FW_CFG_ARCH_LOCAL + 3;
export const FW_CFG_HPET = FW_CFG_ARCH_LOCAL + 4;

/** FW_CFG_ID bits. */
export const FW_CFG_VERSION = 0x01;
export const FW_CFG_VERSION_DMA = 0x02;
/** FWCfgDmaAccess.control bits. */
export const FW_CFG_DMA_CTL_ERROR = 0x01;
export const FW_CFG_DMA_CTL_READ = 0x02;
export const FW_CFG_DMA_CTL_SKIP = 0x04;
export const FW_CFG_DMA_CTL_SELECT = 0x08;
export const FW_CFG_DMA_CTL_WRITE = 0x10;
/** "QEMU CFG", read from the DMA port (FW_CFG_DMA_SIGNATURE 0x51454d5520434647). */
export const FW_CFG_DMA_SIGNATURE = "QEMU CFG";
/** A directory entry: be32 size, be16 select, u16 reserved, char name[56]. */
export const FW_CFG_FILE_ENTRY_SIZE = 64;
export const FW_CFG_MAX_FILE_PATH = 56;
/** sizeof(FWCfgDmaAccess): be32 control, be32 length, be64 address. */
const DMA_ACCESS_SIZE = 16;

export interface FwCfgFileOptions {
  /** The guest may write the item through DMA (FW_CFG_DMA_CTL_WRITE). */
  writable?: boolean;
  /** Runs when the item is selected (QEMU select_cb), e.g. to regenerate its contents. */
  onSelect?: () => void;
  /** Runs after a DMA write landed in the item: offset and length written. */
  onWrite?: (offset: number, length: number) => void;
}

interface Entry {
  data: Uint8Array;
  writable: boolean;
  onSelect: (() => void) | undefined;
  onWrite: ((offset: number, length: number) => void) | undefined;
}

export interface FwCfgState {
  curEntry: number;
  curOffset: number;
  dmaAddr: number;
}

export interface FwCfgOptions {
  /** Guest memory for the DMA interface; without it DMA is disabled (FW_CFG_ID has no DMA bit). */
  dma?: DmaMemory;
  /** Number of file directory slots (QEMU x-file-slots, default 0x20). */
  fileSlots?: number;
}

export class FwCfgError extends Error {}

const textEncoder = new TextEncoder();

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

export class FwCfg implements Stateful<FwCfgState> {
  readonly fileSlots: number;
  readonly dmaEnabled: boolean;
  /** Ports 0x510-0x511: 16-bit selector write, 8-bit data read. */
  readonly ioPort: IoDevice;
  /** Ports 0x514-0x51B: DMA address (big-endian halves, the low write starts the transfer), signature read. */
  readonly dmaPort: IoDevice;
  private readonly entries: (Entry | undefined)[][];
  private readonly fileNames: string[] = [];
  private readonly dir: Uint8Array;
  /** Power-on/reset state selects the signature (QEMU fw_cfg_reset). */
  private curEntry = FW_CFG_SIGNATURE;
  private curOffset = 0;
  private dmaAddr = 0;
  private readonly dma: DmaMemory | undefined;
  private readonly dmaHeader = new Uint8Array(DMA_ACCESS_SIZE);
  private readonly dmaHeaderView = new DataView(this.dmaHeader.buffer);
  private readonly zeros = new Uint8Array(4096);
  private readonly dmaStatus = new Uint8Array(4);

  constructor(options: FwCfgOptions = {}) {
    const slots = options.fileSlots ?? FW_CFG_FILE_SLOTS_DFLT;
    if (!Number.isInteger(slots) || slots < FW_CFG_FILE_SLOTS_MIN) {
      throw new FwCfgError(`"file_slots" must be at least 0x${FW_CFG_FILE_SLOTS_MIN.toString(16)}`);
    }
    const max = (0xffff & FW_CFG_ENTRY_MASK) - FW_CFG_FILE_FIRST + 1;
    if (slots > max) {
      throw new FwCfgError(`"file_slots" must not exceed 0x${max.toString(16)}`);
    }
    this.fileSlots = slots;
    this.dma = options.dma;
    this.dmaEnabled = options.dma !== undefined;
    const count = FW_CFG_FILE_FIRST + slots;
    this.entries = [new Array<Entry | undefined>(count).fill(undefined), new Array<Entry | undefined>(count).fill(undefined)];
    this.dir = new Uint8Array(4 + FW_CFG_FILE_ENTRY_SIZE * slots);

    this.ioPort = {
      read: (_offset: number, size: AccessSize) => (size === 1 ? this.readByte() : 2 ** (size * 8) - 1),
      write: (_offset: number, size: AccessSize, value: number) => {
        // A 16-bit write selects; 8-bit data writes were removed in QEMU 2.4 and are ignored.
        if (size === 2) {
          this.select(value & 0xffff);
        }
      },
    };
    this.dmaPort = {
      read: (offset: number, size: AccessSize) => {
        let v = 0;
        for (let i = size - 1; i >= 0; i--) {
          const ch = FW_CFG_DMA_SIGNATURE.charCodeAt(offset + i);
          v = v * 256 + (Number.isNaN(ch) ? 0 : ch);
        }
        return v;
      },
      write: (offset: number, size: AccessSize, value: number) => {
        if (this.dma === undefined || size !== 4) {
          return;
        }
        // The device is big-endian: the guest stores cpu_to_be32() halves of the address.
        const half = bswap32(value);
        if (offset === 0) {
          this.dmaAddr = half * 0x1_0000_0000;
        } else if (offset === 4) {
          this.dmaAddr += half;
          this.dmaTransfer();
        }
      },
    };

    this.addBytes(FW_CFG_FILE_DIR, this.dir);
  }

  private maxEntry(): number {
    return FW_CFG_FILE_FIRST + this.fileSlots;
  }

  private entryFor(key: number): Entry | undefined {
    if (key === FW_CFG_INVALID) {
      return undefined;
    }
    return this.entries[key & FW_CFG_ARCH_LOCAL ? 1 : 0]![key & FW_CFG_ENTRY_MASK];
  }

  /** Adds an item under a selector (QEMU fw_cfg_add_bytes); the data is used, not copied. */
  addBytes(key: number, data: Uint8Array, options: FwCfgFileOptions = {}): void {
    const index = key & FW_CFG_ENTRY_MASK;
    if (index >= this.maxEntry()) {
      throw new FwCfgError(`fw_cfg: selector 0x${key.toString(16)} out of range`);
    }
    const table = this.entries[key & FW_CFG_ARCH_LOCAL ? 1 : 0]!;
    if (table[index] !== undefined) {
      throw new FwCfgError(`fw_cfg: selector 0x${key.toString(16)} already in use`);
    }
    table[index] = { data, writable: options.writable ?? false, onSelect: options.onSelect, onWrite: options.onWrite };
  }

  /** Replaces an item's contents (QEMU fw_cfg_modify_bytes_read). */
  modifyBytes(key: number, data: Uint8Array): void {
    const table = this.entries[key & FW_CFG_ARCH_LOCAL ? 1 : 0]!;
    const index = key & FW_CFG_ENTRY_MASK;
    if (index >= this.maxEntry()) {
      throw new FwCfgError(`fw_cfg: selector 0x${key.toString(16)} out of range`);
    }
    table[index] = { data, writable: false, onSelect: undefined, onWrite: undefined };
  }

  /** A NUL-terminated string item. */
  addString(key: number, value: string): void {
    this.addBytes(key, fwCfgString(value));
  }

  addI16(key: number, value: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, value, true);
    this.addBytes(key, b);
  }

  addI32(key: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.addBytes(key, b);
  }

  addI64(key: number, value: number | bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
    this.addBytes(key, b);
  }

  /**
   * Adds a named file (QEMU fw_cfg_add_file_callback): the directory stays sorted by name and
   * selectors are FW_CFG_FILE_FIRST + position, so later insertions renumber the files after them.
   */
  addFile(name: string, data: Uint8Array, options: FwCfgFileOptions = {}): number {
    const nameBytes = textEncoder.encode(name);
    if (nameBytes.length >= FW_CFG_MAX_FILE_PATH) {
      throw new FwCfgError(`fw_cfg file name too long (max ${FW_CFG_MAX_FILE_PATH - 1} bytes): ${name}`);
    }
    const count = this.fileNames.length;
    if (count >= this.fileSlots) {
      throw new FwCfgError(`fw_cfg: no free file slot for ${name} (x-file-slots=0x${this.fileSlots.toString(16)})`);
    }
    if (this.fileNames.includes(name)) {
      throw new FwCfgError(`duplicate fw_cfg file name: ${name}`);
    }
    let index = count;
    while (index > 0 && compareNames(name, this.fileNames[index - 1]!) < 0) {
      index--;
    }
    const table = this.entries[0]!;
    for (let i = count; i > index; i--) {
      table[FW_CFG_FILE_FIRST + i] = table[FW_CFG_FILE_FIRST + i - 1];
    }
    table[FW_CFG_FILE_FIRST + index] = undefined;
    this.fileNames.splice(index, 0, name);
    this.addBytes(FW_CFG_FILE_FIRST + index, data, options);
    this.writeDirectory();
    return FW_CFG_FILE_FIRST + index;
  }

  /** Replaces a file's contents, or adds it (QEMU fw_cfg_modify_file). */
  modifyFile(name: string, data: Uint8Array): void {
    const index = this.fileNames.indexOf(name);
    if (index < 0) {
      this.addFile(name, data);
      return;
    }
    this.modifyBytes(FW_CFG_FILE_FIRST + index, data);
    this.writeDirectory();
  }

  /** The selector of a file, or -1. */
  fileSelector(name: string): number {
    const index = this.fileNames.indexOf(name);
    return index < 0 ? -1 : FW_CFG_FILE_FIRST + index;
  }

  /** The current contents of a selector (for loaders and tests). */
  item(key: number): Uint8Array | undefined {
    return this.entryFor(key)?.data;
  }

  private writeDirectory(): void {
    const view = new DataView(this.dir.buffer, this.dir.byteOffset, this.dir.byteLength);
    this.dir.fill(0);
    view.setUint32(0, this.fileNames.length);
    for (let i = 0; i < this.fileNames.length; i++) {
      const at = 4 + i * FW_CFG_FILE_ENTRY_SIZE;
      const entry = this.entries[0]![FW_CFG_FILE_FIRST + i]!;
      view.setUint32(at, entry.data.length);
      view.setUint16(at + 4, FW_CFG_FILE_FIRST + i);
      this.dir.set(textEncoder.encode(this.fileNames[i]), at + 8);
    }
  }

  /** Selects an item and rewinds it (QEMU fw_cfg_select). */
  select(key: number): void {
    this.curOffset = 0;
    if ((key & FW_CFG_ENTRY_MASK) >= this.maxEntry()) {
      this.curEntry = FW_CFG_INVALID;
      return;
    }
    this.curEntry = key;
    this.entryFor(key)?.onSelect?.();
  }

  /** The next byte of the selected item; 0 past its end or for a missing item. */
  readByte(): number {
    const entry = this.entryFor(this.curEntry);
    if (entry === undefined || this.curOffset >= entry.data.length) {
      return 0;
    }
    return entry.data[this.curOffset++]!;
  }

  /** Executes the FWCfgDmaAccess at dmaAddr and writes its control word back (QEMU fw_cfg_dma_transfer). */
  private dmaTransfer(): void {
    const mem = this.dma!;
    const at = this.dmaAddr;
    this.dmaAddr = 0;
    const header = this.dmaHeaderView;
    const status = this.dmaStatus;
    const writeStatus = (control: number): void => {
      status[0] = control >>> 24;
      status[1] = (control >>> 16) & 0xff;
      status[2] = (control >>> 8) & 0xff;
      status[3] = control & 0xff;
      mem.write(at, status);
    };
    if (!mem.read(at, this.dmaHeader)) {
      writeStatus(FW_CFG_DMA_CTL_ERROR);
      return;
    }
    let control = header.getUint32(0);
    let length = header.getUint32(4);
    let address = header.getUint32(8) * 0x1_0000_0000 + header.getUint32(12);
    if (control & FW_CFG_DMA_CTL_SELECT) {
      this.select(control >>> 16);
    }
    const entry = this.entryFor(this.curEntry);
    let read = false;
    let write = false;
    if (control & FW_CFG_DMA_CTL_READ) {
      read = true;
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
      write = true;
    } else if (!(control & FW_CFG_DMA_CTL_SKIP)) {
      length = 0;
    }
    control = 0;
    while (length > 0 && !(control & FW_CFG_DMA_CTL_ERROR)) {
      let len: number;
      if (entry === undefined || this.curOffset >= entry.data.length) {
        len = length;
        if (read && !this.dmaZero(address, len)) {
          control |= FW_CFG_DMA_CTL_ERROR;
        }
        if (write) {
          control |= FW_CFG_DMA_CTL_ERROR;
        }
      } else {
        len = Math.min(length, entry.data.length - this.curOffset);
        const chunk = entry.data.subarray(this.curOffset, this.curOffset + len);
        if (read && !mem.write(address, chunk)) {
          control |= FW_CFG_DMA_CTL_ERROR;
        }
        if (write) {
          if (!entry.writable || len !== length || !mem.read(address, chunk)) {
            control |= FW_CFG_DMA_CTL_ERROR;
          } else {
            entry.onWrite?.(this.curOffset, len);
          }
        }
        this.curOffset += len;
      }
      address += len;
      length -= len;
    }
    writeStatus(control);
  }

  private dmaZero(address: number, length: number): boolean {
    while (length > 0) {
      const n = Math.min(length, this.zeros.length);
      if (!this.dma!.write(address, this.zeros.subarray(0, n))) {
        return false;
      }
      address += n;
      length -= n;
    }
    return true;
  }

  /** Device reset selects the signature (QEMU fw_cfg_reset). */
  reset(): void {
    this.select(FW_CFG_SIGNATURE);
    this.dmaAddr = 0;
  }

  state(): FwCfgState {
    return { curEntry: this.curEntry, curOffset: this.curOffset, dmaAddr: this.dmaAddr };
  }

  fromState(s: FwCfgState): void {
    this.curEntry = s.curEntry & 0xffff;
    this.curOffset = Math.max(0, Math.trunc(s.curOffset));
    this.dmaAddr = s.dmaAddr;
  }
}

/** strcmp on the UTF-8 bytes, as QEMU sorts the directory. */
function compareNames(a: string, b: string): number {
  const x = textEncoder.encode(a);
  const y = textEncoder.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) {
      return x[i]! - y[i]!;
    }
  }
  return x.length - y.length;
}

/** A string item with its terminating NUL, as fw_cfg_add_string stores it. */
export function fwCfgString(value: string): Uint8Array {
  const bytes = textEncoder.encode(value);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}
