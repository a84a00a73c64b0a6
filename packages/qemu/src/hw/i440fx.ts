import { PciDevice, rangesOverlap } from "./pci-device.js";

/*
 * The 82441FX PCI and Memory Controller (PMC) of the 440FX PCIset (Intel 82441FX/82442FX datasheet,
 * order 290549, 3.2 "PCI Configuration Registers"), function 0:0.0 of the PC, as QEMU models it
 * (hw/pci-host/i440fx.c, hw/pci-host/pam.c): PAM registers decide whether each BIOS/option-ROM
 * segment reads and writes DRAM or the PCI bus, SMRAM controls the 0xA0000 SMM window.
 */

export const PCI_VENDOR_ID_INTEL = 0x8086;
export const PCI_DEVICE_ID_INTEL_82441 = 0x1237;
export const PCI_CLASS_BRIDGE_HOST = 0x060000;

/** PAM0-PAM6 (datasheet 3.2.18): 0x59 high nibble = F0000-FFFFF, then two 16 KiB segments per byte. */
export const I440FX_PAM = 0x59;
export const I440FX_PAM_SIZE = 7;
/** SMRAM control (datasheet 3.2.25). */
export const I440FX_SMRAM = 0x72;
/** QEMU stores RAM size / 8 MiB here for old coreboot (I440FX_COREBOOT_RAM_SIZE). */
export const I440FX_COREBOOT_RAM_SIZE = 0x57;

export const SMRAM_C_BASE_SEG = 0x02;
export const SMRAM_G_SMRAME = 0x08;
export const SMRAM_D_LCK = 0x10;
export const SMRAM_D_CLS = 0x20;
export const SMRAM_D_OPEN = 0x40;
/** The SMRAM window: 0xA0000, 128 KiB (C_BASE_SEG = 010). */
export const SMRAM_C_BASE = 0xa0000;
export const SMRAM_C_SIZE = 0x20000;

export const PAM_BIOS_BASE = 0xf0000;
export const PAM_BIOS_SIZE = 0x10000;
export const PAM_EXPAN_BASE = 0xc0000;
export const PAM_EXPAN_SIZE = 0x4000;
export const PAM_REGION_COUNT = 13;

/**
 * What a PAM region decodes to, by its RE/WE bits: 0 = PCI (ROM) for reads and writes, 1 = reads
 * from DRAM, writes to PCI (QEMU: read-only RAM), 2 = writes to DRAM, reads from PCI, 3 = DRAM.
 */
export type PamAttribute = 0 | 1 | 2 | 3;
export const PAM_ATTR_PCI = 0;
export const PAM_ATTR_READ_ONLY = 1;
export const PAM_ATTR_WRITE_ONLY = 2;
export const PAM_ATTR_RAM = 3;

export interface PamRegion {
  base: number;
  size: number;
  attribute: PamAttribute;
}

export interface I440fxMemoryMap {
  pam: PamRegion[];
  /**
   * The PCI (VGA) window at 0xA0000 covers the SMRAM for non-SMM accesses; off while D_OPEN lets
   * everyone see SMRAM (QEMU smram_region enabled = !D_OPEN).
   */
  smramWindowToPci: boolean;
  /** SMRAM is decoded for SMM accesses (QEMU smram enabled = G_SMRAME). */
  smramEnabled: boolean;
}

export interface I440fxOptions {
  /** RAM size in bytes, for QEMU's coreboot register 0x57. */
  ramSize?: number;
  /** Told after every change of PAM or SMRAM decoding, with the whole map. */
  onMemoryMapChange?: (map: I440fxMemoryMap) => void;
}

export class I440fxHostBridge extends PciDevice {
  private readonly onMemoryMapChange: ((map: I440fxMemoryMap) => void) | undefined;

  constructor(options: I440fxOptions = {}) {
    super({
      vendorId: PCI_VENDOR_ID_INTEL,
      deviceId: PCI_DEVICE_ID_INTEL_82441,
      revision: 0x02,
      classCode: PCI_CLASS_BRIDGE_HOST,
      name: "i440FX",
    });
    this.onMemoryMapChange = options.onMemoryMapChange;
    this.config[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
    // C_BASE_SEG is hardwired (010); the other SMRAM bits are the guest's, subject to D_LCK.
    this.wmask[I440FX_SMRAM] = SMRAM_G_SMRAME | SMRAM_D_LCK | SMRAM_D_CLS | SMRAM_D_OPEN;
    const ramSize = options.ramSize ?? 0;
    this.config[I440FX_COREBOOT_RAM_SIZE] = Math.min(Math.floor(ramSize / (8 * 1024 * 1024)), 255);
  }

  private smramBefore = SMRAM_C_BASE_SEG;

  override configWrite(offset: number, size: number, value: number): void {
    this.smramBefore = this.config[I440FX_SMRAM]!;
    super.configWrite(offset, size, value);
  }

  protected override configWritten(offset: number, length: number): void {
    const smram = rangesOverlap(offset, length, I440FX_SMRAM, 1);
    if (smram) {
      this.applySmramLock();
    }
    if (smram || rangesOverlap(offset, length, I440FX_PAM, I440FX_PAM_SIZE)) {
      this.onMemoryMapChange?.(this.memoryMap());
    }
  }

  /**
   * D_LCK (datasheet 3.2.25): once set, D_OPEN reads 0 and cannot be set, and D_LCK and G_SMRAME
   * are read-only until reset. QEMU leaves this unimplemented on the i440FX; the datasheet is followed.
   */
  private applySmramLock(): void {
    const before = this.smramBefore;
    let now = this.config[I440FX_SMRAM]!;
    if (before & SMRAM_D_LCK) {
      now = (now & ~(SMRAM_D_LCK | SMRAM_G_SMRAME)) | (before & (SMRAM_D_LCK | SMRAM_G_SMRAME));
    }
    if (now & SMRAM_D_LCK) {
      now &= ~SMRAM_D_OPEN;
    }
    this.config[I440FX_SMRAM] = now;
  }

  /** PAM region `index` (0 = F0000-FFFFF, 1-12 = C0000-EFFFF in 16 KiB steps) attribute. */
  pamAttribute(index: number): PamAttribute {
    const reg = this.config[I440FX_PAM + Math.ceil(index / 2)]!;
    // QEMU pam_update: even regions use the high nibble, odd ones the low nibble.
    return ((index & 1 ? reg : reg >> 4) & 3) as PamAttribute;
  }

  memoryMap(): I440fxMemoryMap {
    const pam: PamRegion[] = [];
    for (let i = 0; i < PAM_REGION_COUNT; i++) {
      pam.push({
        base: i === 0 ? PAM_BIOS_BASE : PAM_EXPAN_BASE + (i - 1) * PAM_EXPAN_SIZE,
        size: i === 0 ? PAM_BIOS_SIZE : PAM_EXPAN_SIZE,
        attribute: this.pamAttribute(i),
      });
    }
    const smram = this.config[I440FX_SMRAM]!;
    return {
      pam,
      smramWindowToPci: !(smram & SMRAM_D_OPEN),
      smramEnabled: (smram & SMRAM_G_SMRAME) !== 0,
    };
  }

  override reset(): void {
    super.reset();
    this.onMemoryMapChange?.(this.memoryMap());
  }

  override fromState(s: Parameters<PciDevice["fromState"]>[0]): void {
    super.fromState(s);
    this.onMemoryMapChange?.(this.memoryMap());
  }
}
