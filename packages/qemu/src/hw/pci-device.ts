import type { Stateful } from "./io-device.js";

/*
 * A conventional PCI function's 256-byte configuration space (PCI Local Bus Specification 3.0,
 * chapter 6 "Configuration Space"; type 0 header, figure 6-1), with QEMU's write-mask /
 * write-1-to-clear model (hw/pci/pci.c pci_default_write_config) and BAR decoding
 * (pci_bar_address / pci_update_mappings).
 */

export const PCI_CONFIG_SPACE_SIZE = 0x100;
export const PCI_CONFIG_HEADER_SIZE = 0x40;

/** Header registers (PCI 3.0 6.2). */
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CLASS_DEVICE = 0x0a;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BIST = 0x0f;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_MIN_GNT = 0x3e;
export const PCI_MAX_LAT = 0x3f;
export const PCI_NUM_REGIONS = 7;
/** Region index of the expansion ROM (QEMU PCI_ROM_SLOT). */
export const PCI_ROM_SLOT = 6;

export const PCI_COMMAND_IO = 0x0001;
export const PCI_COMMAND_MEMORY = 0x0002;
export const PCI_COMMAND_MASTER = 0x0004;
export const PCI_COMMAND_SPECIAL = 0x0008;
export const PCI_COMMAND_INVALIDATE = 0x0010;
export const PCI_COMMAND_VGA_PALETTE = 0x0020;
export const PCI_COMMAND_PARITY = 0x0040;
export const PCI_COMMAND_SERR = 0x0100;
export const PCI_COMMAND_FAST_BACK = 0x0200;
export const PCI_COMMAND_INTX_DISABLE = 0x0400;

export const PCI_STATUS_INTERRUPT = 0x0008;
export const PCI_STATUS_CAP_LIST = 0x0010;
export const PCI_STATUS_66MHZ = 0x0020;
export const PCI_STATUS_FAST_BACK = 0x0080;
export const PCI_STATUS_PARITY = 0x0100;
export const PCI_STATUS_DEVSEL_MEDIUM = 0x0200;
export const PCI_STATUS_SIG_TARGET_ABORT = 0x0800;
export const PCI_STATUS_REC_TARGET_ABORT = 0x1000;
export const PCI_STATUS_REC_MASTER_ABORT = 0x2000;
export const PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
export const PCI_STATUS_DETECTED_PARITY = 0x8000;

/** The subsystem IDs QEMU gives every function that does not set its own (pci_set_default_subsystem_id). */
export const PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
export const PCI_SUBDEVICE_ID_QEMU = 0x1100;

export const PCI_HEADER_TYPE_NORMAL = 0x00;
export const PCI_HEADER_TYPE_MULTI_FUNCTION = 0x80;

/** BAR low bits (PCI 3.0 6.2.5.1). */
export const PCI_BASE_ADDRESS_SPACE_IO = 0x01;
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
export const PCI_ROM_ADDRESS_ENABLE = 0x01;

/** Capability IDs (PCI Code and ID Assignment Specification, table of capability IDs). */
export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_VNDR = 0x09;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_MSIX = 0x11;

/** pci_bar_address's answer for a BAR that decodes nothing. */
export const PCI_BAR_UNMAPPED = -1;

export type PciBarType = "io" | "mem32" | "mem64";

export interface PciBarDefinition {
  /** Power of two: at least 4 for I/O, 16 for memory, 2 KiB for the expansion ROM. */
  size: number;
  type: PciBarType;
  prefetchable?: boolean;
}

/** Told when a BAR starts or stops decoding (address PCI_BAR_UNMAPPED), for the board to map it. */
export type PciBarListener = (device: PciDevice, region: number, address: number, size: number, type: PciBarType) => void;

export interface PciDeviceIdentity {
  vendorId: number;
  deviceId: number;
  /** Base class, sub-class and programming interface: 0xCCSSPP. */
  classCode: number;
  revision?: number;
  headerType?: number;
  /** Default: QEMU's 1af4 (Red Hat / Qumranet). */
  subsystemVendorId?: number;
  /** Default: QEMU's 1100. */
  subsystemId?: number;
  /** INTx pin used: 1 = INTA# ... 4 = INTD#, 0 = none. */
  interruptPin?: number;
  name?: string;
}

/** Raised for misuse of the device-model API (programming errors, not guest behaviour). */
export class PciError extends Error {}

/** The bus side a function talks to: INTx level changes (bus.ts routes them). */
export interface PciIntxSink {
  intxChanged(device: PciDevice, pin: number, level: boolean): void;
}

export interface PciDeviceState {
  config: number[];
  intxLevel: boolean;
}

function isPowerOfTwo(n: number): boolean {
  if (!Number.isInteger(n) || n <= 0) {
    return false;
  }
  while (n > 1 && n % 2 === 0) {
    n /= 2;
  }
  return n === 1;
}

export class PciDevice implements Stateful<PciDeviceState> {
  readonly config = new Uint8Array(PCI_CONFIG_SPACE_SIZE);
  /** Bits software may write (QEMU wmask). */
  readonly wmask = new Uint8Array(PCI_CONFIG_SPACE_SIZE);
  /** Bits cleared by writing 1 (QEMU w1cmask). */
  readonly w1cmask = new Uint8Array(PCI_CONFIG_SPACE_SIZE);
  /** Bytes owned by capability structures (QEMU used[]). */
  private readonly used = new Uint8Array(PCI_CONFIG_SPACE_SIZE);
  readonly name: string;
  readonly bars: (PciBarDefinition | undefined)[] = new Array<PciBarDefinition | undefined>(PCI_NUM_REGIONS).fill(undefined);
  /** Where each region decodes now (PCI_BAR_UNMAPPED if it does not). */
  readonly barAddresses: number[] = new Array<number>(PCI_NUM_REGIONS).fill(PCI_BAR_UNMAPPED);
  /** Set by the bus when the function is plugged in: slot << 3 | function. */
  devfn = -1;
  bus: PciIntxSink | undefined;
  barListener: PciBarListener | undefined;
  private intxLevel = false;
  /** Power-on contents, captured by realize(). */
  private powerOn: Uint8Array | undefined;

  constructor(identity: PciDeviceIdentity) {
    this.name = identity.name ?? `pci-${identity.vendorId.toString(16)}-${identity.deviceId.toString(16)}`;
    const c = this.config;
    this.setWord(PCI_VENDOR_ID, identity.vendorId);
    this.setWord(PCI_DEVICE_ID, identity.deviceId);
    c[PCI_REVISION_ID] = identity.revision ?? 0;
    c[PCI_CLASS_PROG] = identity.classCode & 0xff;
    this.setWord(PCI_CLASS_DEVICE, identity.classCode >>> 8);
    c[PCI_HEADER_TYPE] = identity.headerType ?? PCI_HEADER_TYPE_NORMAL;
    this.setWord(PCI_SUBSYSTEM_VENDOR_ID, identity.subsystemVendorId ?? PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    this.setWord(PCI_SUBSYSTEM_ID, identity.subsystemId ?? PCI_SUBDEVICE_ID_QEMU);
    c[PCI_INTERRUPT_PIN] = identity.interruptPin ?? 0;
    // pci_init_wmask / pci_init_w1cmask: what a conventional function lets software change.
    this.setMaskWord(this.wmask, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR | PCI_COMMAND_PARITY);
    this.wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    this.wmask[PCI_LATENCY_TIMER] = 0xff;
    this.wmask[PCI_INTERRUPT_LINE] = 0xff;
    this.wmask.fill(0xff, PCI_CONFIG_HEADER_SIZE);
    this.setMaskWord(
      this.w1cmask,
      PCI_STATUS,
      PCI_STATUS_PARITY |
        PCI_STATUS_SIG_TARGET_ABORT |
        PCI_STATUS_REC_TARGET_ABORT |
        PCI_STATUS_REC_MASTER_ABORT |
        PCI_STATUS_SIG_SYSTEM_ERROR |
        PCI_STATUS_DETECTED_PARITY,
    );
  }

  private setWord(offset: number, value: number): void {
    this.config[offset] = value & 0xff;
    this.config[offset + 1] = (value >> 8) & 0xff;
  }

  private setMaskWord(mask: Uint8Array, offset: number, value: number): void {
    mask[offset] = value & 0xff;
    mask[offset + 1] = (value >> 8) & 0xff;
  }

  word(offset: number): number {
    return this.config[offset]! | (this.config[offset + 1]! << 8);
  }

  long(offset: number): number {
    return (this.config[offset]! | (this.config[offset + 1]! << 8) | (this.config[offset + 2]! << 16) | (this.config[offset + 3]! << 24)) >>> 0;
  }

  get vendorId(): number {
    return this.word(PCI_VENDOR_ID);
  }

  get deviceId(): number {
    return this.word(PCI_DEVICE_ID);
  }

  get command(): number {
    return this.word(PCI_COMMAND);
  }

  get status(): number {
    return this.word(PCI_STATUS);
  }

  /** Offset of region `index` in the header (ROM at 0x30). */
  static barOffset(index: number): number {
    return index === PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + index * 4;
  }

  /**
   * Declares BAR `index` (0-5, or PCI_ROM_SLOT) as QEMU's pci_register_bar does: the type bits go
   * into the register and only the address bits above the size are writable, which is what lets
   * software size the BAR by writing all ones.
   */
  registerBar(index: number, bar: PciBarDefinition): void {
    if (!Number.isInteger(index) || index < 0 || index >= PCI_NUM_REGIONS) {
      throw new PciError(`${this.name}: BAR index ${index} out of range`);
    }
    const min = index === PCI_ROM_SLOT ? 2048 : bar.type === "io" ? 4 : 16;
    if (!isPowerOfTwo(bar.size) || bar.size < min) {
      throw new PciError(`${this.name}: BAR ${index} size ${bar.size} must be a power of two >= ${min}`);
    }
    if (index === PCI_ROM_SLOT && bar.type !== "mem32") {
      throw new PciError(`${this.name}: the expansion ROM is a 32-bit memory BAR`);
    }
    if (bar.type === "mem64" && index >= 5) {
      throw new PciError(`${this.name}: a 64-bit BAR needs two registers (index ${index})`);
    }
    if (bar.type === "io" && bar.size > 0x10000) {
      throw new PciError(`${this.name}: I/O BAR ${index} larger than the 64 KiB I/O space`);
    }
    this.bars[index] = bar;
    const offset = PciDevice.barOffset(index);
    let type = 0;
    if (bar.type === "io") {
      type = PCI_BASE_ADDRESS_SPACE_IO;
    } else if (index !== PCI_ROM_SLOT) {
      type = (bar.type === "mem64" ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) | (bar.prefetchable === true ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
    }
    this.writeLongRaw(this.config, offset, type);
    // ~(size - 1) over 64 bits: the low dword keeps the bits above the size, the high dword all
    // of them (a 64-bit BAR's size can exceed 4 GiB).
    const lowMask = bar.size >= 0x1_0000_0000 ? 0 : (~(bar.size - 1) >>> 0) | (index === PCI_ROM_SLOT ? PCI_ROM_ADDRESS_ENABLE : 0);
    this.writeLongRaw(this.wmask, offset, lowMask);
    if (bar.type === "mem64") {
      const highMask = bar.size > 0x1_0000_0000 ? (~(bar.size / 0x1_0000_0000 - 1) >>> 0) : 0xffffffff;
      this.writeLongRaw(this.config, offset + 4, 0);
      this.writeLongRaw(this.wmask, offset + 4, highMask);
    }
  }

  private writeLongRaw(target: Uint8Array, offset: number, value: number): void {
    target[offset] = value & 0xff;
    target[offset + 1] = (value >>> 8) & 0xff;
    target[offset + 2] = (value >>> 16) & 0xff;
    target[offset + 3] = (value >>> 24) & 0xff;
  }

  /**
   * Adds a capability structure (QEMU pci_add_capability): it is linked at the head of the list,
   * its bytes are read-only unless the device opens them in `wmask`. Returns its offset.
   */
  addCapability(id: number, size: number, offset?: number): number {
    if (size < 2 || size > PCI_CONFIG_SPACE_SIZE - PCI_CONFIG_HEADER_SIZE) {
      throw new PciError(`${this.name}: capability size ${size} out of range`);
    }
    let at = offset;
    if (at === undefined) {
      at = -1;
      for (let o = PCI_CONFIG_HEADER_SIZE; o + size <= PCI_CONFIG_SPACE_SIZE; o += 4) {
        if (this.used.subarray(o, o + size).every((b) => b === 0)) {
          at = o;
          break;
        }
      }
      if (at < 0) {
        throw new PciError(`${this.name}: no space for capability 0x${id.toString(16)}`);
      }
    } else if (at < PCI_CONFIG_HEADER_SIZE || (at & 3) !== 0 || at + size > PCI_CONFIG_SPACE_SIZE) {
      throw new PciError(`${this.name}: capability offset 0x${at.toString(16)} invalid`);
    } else if (this.used.subarray(at, at + size).some((b) => b !== 0)) {
      throw new PciError(`${this.name}: capability 0x${id.toString(16)} overlaps another at 0x${at.toString(16)}`);
    }
    this.config.fill(0, at, at + size);
    this.config[at] = id;
    this.config[at + 1] = this.config[PCI_CAPABILITY_LIST]!;
    this.config[PCI_CAPABILITY_LIST] = at;
    this.config[PCI_STATUS] = this.config[PCI_STATUS]! | PCI_STATUS_CAP_LIST;
    this.used.fill(0xff, at, at + size);
    this.wmask.fill(0, at, at + size);
    return at;
  }

  /** Offset of the first capability with `id`, or 0 (QEMU pci_find_capability). */
  findCapability(id: number): number {
    if (!(this.status & PCI_STATUS_CAP_LIST)) {
      return 0;
    }
    let at = this.config[PCI_CAPABILITY_LIST]! & 0xfc;
    for (let guard = 0; at !== 0 && guard < 48; guard++) {
      if (this.config[at] === id) {
        return at;
      }
      at = this.config[at + 1]! & 0xfc;
    }
    return 0;
  }

  /** Config space read, little-endian, `size` bytes at `offset` (bytes past 0xFF read as all ones). */
  configRead(offset: number, size: number): number {
    let value = 0;
    for (let i = size - 1; i >= 0; i--) {
      const at = offset + i;
      value = value * 256 + (at < PCI_CONFIG_SPACE_SIZE ? this.config[at]! : 0xff);
    }
    return value;
  }

  /** Config space write through wmask/w1cmask, then side effects (BAR mapping, INTx disable). */
  configWrite(offset: number, size: number, value: number): void {
    const oldCommand = this.command;
    const end = Math.min(offset + size, PCI_CONFIG_SPACE_SIZE);
    for (let at = offset, v = value; at < end; at++, v = Math.floor(v / 256)) {
      const byte = v & 0xff;
      const wmask = this.wmask[at]!;
      let b = (this.config[at]! & ~wmask) | (byte & wmask);
      b &= ~(byte & this.w1cmask[at]!);
      this.config[at] = b;
    }
    this.configWritten(offset, end - offset);
    const barTouched = rangesOverlap(offset, end - offset, PCI_BASE_ADDRESS_0, 24) || rangesOverlap(offset, end - offset, PCI_ROM_ADDRESS, 4);
    if (barTouched || rangesOverlap(offset, end - offset, PCI_COMMAND, 2)) {
      this.updateMappings();
    }
    if ((oldCommand ^ this.command) & PCI_COMMAND_INTX_DISABLE) {
      this.updateIntxDisabled();
    }
  }

  /** Hook for device-specific registers, after the masked write (QEMU config_write overrides). */
  protected configWritten(_offset: number, _length: number): void {
    // plain functions have nothing more to do
  }

  /** Where region `index` decodes with the current BAR and command values (QEMU pci_bar_address). */
  barAddress(index: number): number {
    const bar = this.bars[index];
    if (bar === undefined) {
      return PCI_BAR_UNMAPPED;
    }
    const offset = PciDevice.barOffset(index);
    const cmd = this.command;
    const size = bar.size;
    if (bar.type === "io") {
      if (!(cmd & PCI_COMMAND_IO)) {
        return PCI_BAR_UNMAPPED;
      }
      const addr = this.long(offset) & ~(size - 1) & 0xfffffffc;
      const last = (addr >>> 0) + size - 1;
      return (addr >>> 0) === 0 || last >= 0xffffffff || last <= addr >>> 0 ? PCI_BAR_UNMAPPED : addr >>> 0;
    }
    if (!(cmd & PCI_COMMAND_MEMORY)) {
      return PCI_BAR_UNMAPPED;
    }
    let addr: number;
    if (index === PCI_ROM_SLOT) {
      const reg = this.long(offset);
      if (!(reg & PCI_ROM_ADDRESS_ENABLE)) {
        return PCI_BAR_UNMAPPED;
      }
      addr = (reg & ~(size - 1) & 0xfffff800) >>> 0;
    } else if (bar.type === "mem64") {
      const low = this.long(offset) & 0xfffffff0;
      const high = this.long(offset + 4);
      addr = high * 0x1_0000_0000 + (low >>> 0);
      addr -= addr % size;
    } else {
      addr = (this.long(offset) & 0xfffffff0) >>> 0;
      addr -= addr % size;
    }
    const last = addr + size - 1;
    if (addr === 0 || last <= addr || (bar.type !== "mem64" && last >= 0xffffffff) || last >= 2 ** 53) {
      return PCI_BAR_UNMAPPED;
    }
    return addr;
  }

  /** Re-decodes every BAR and tells the listener about the ones that moved (pci_update_mappings). */
  updateMappings(): void {
    for (let i = 0; i < PCI_NUM_REGIONS; i++) {
      const bar = this.bars[i];
      if (bar === undefined) {
        continue;
      }
      const address = this.barAddress(i);
      if (address !== this.barAddresses[i]) {
        this.barAddresses[i] = address;
        this.barListener?.(this, i, address, bar.size, bar.type);
      }
    }
  }

  /** Drives this function's INTx pin (QEMU pci_set_irq): sets status.INTERRUPT, reaches the bus unless disabled. */
  setIrq(level: boolean): void {
    if (level === this.intxLevel) {
      return;
    }
    this.intxLevel = level;
    this.config[PCI_STATUS] = (this.config[PCI_STATUS]! & ~PCI_STATUS_INTERRUPT) | (level ? PCI_STATUS_INTERRUPT : 0);
    if (!(this.command & PCI_COMMAND_INTX_DISABLE)) {
      this.notifyBus(level);
    }
  }

  get irqLevel(): boolean {
    return this.intxLevel;
  }

  private updateIntxDisabled(): void {
    if (this.intxLevel) {
      this.notifyBus(!(this.command & PCI_COMMAND_INTX_DISABLE));
    }
  }

  private notifyBus(level: boolean): void {
    const pin = this.config[PCI_INTERRUPT_PIN]!;
    if (pin >= 1 && pin <= 4) {
      this.bus?.intxChanged(this, pin - 1, level);
    }
  }

  /** Whether this function currently asserts its INTx line on the bus. */
  get intxAsserted(): boolean {
    return this.intxLevel && !(this.command & PCI_COMMAND_INTX_DISABLE);
  }

  /**
   * The function's configuration is complete (BARs and capabilities declared): the current config
   * space becomes what reset() returns to. The bus calls this when the function is plugged in.
   */
  realize(): void {
    this.powerOn = this.config.slice();
  }

  /** Bus reset (RST#): config space back to its power-on contents, INTx deasserted, BARs unmapped. */
  reset(): void {
    if (this.powerOn !== undefined) {
      this.config.set(this.powerOn);
    }
    this.setIrq(false);
    this.updateMappings();
  }

  state(): PciDeviceState {
    return { config: Array.from(this.config), intxLevel: this.intxLevel };
  }

  fromState(s: PciDeviceState): void {
    const oldCommand = this.command;
    for (let i = 0; i < PCI_CONFIG_SPACE_SIZE; i++) {
      this.config[i] = (s.config[i] ?? 0) & 0xff;
    }
    const level = s.intxLevel;
    if (level !== this.intxLevel) {
      this.intxLevel = level;
      if (!(this.command & PCI_COMMAND_INTX_DISABLE)) {
        this.notifyBus(level);
      }
    } else if ((oldCommand ^ this.command) & PCI_COMMAND_INTX_DISABLE) {
      this.updateIntxDisabled();
    }
    this.updateMappings();
  }
}

export function rangesOverlap(aStart: number, aLen: number, bStart: number, bLen: number): boolean {
  return aStart < bStart + bLen && bStart < aStart + aLen;
}
