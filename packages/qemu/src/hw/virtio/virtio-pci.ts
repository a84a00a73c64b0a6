import type { AccessSize, DmaMemory, IoDevice } from "../io-device.js";
import {
  PCI_CAP_ID_VNDR,
  PCI_COMMAND,
  PCI_COMMAND_MASTER,
  PCI_ROM_SLOT,
  PciDevice,
  type PciDeviceState,
  PciError,
  rangesOverlap,
} from "../pci-device.js";
import {
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_F_BAD_FEATURE,
  VIRTIO_ID_BLOCK,
  VIRTIO_ID_CONSOLE,
  VIRTIO_ID_NET,
  VIRTIO_ID_RNG,
  VIRTIO_MSI_NO_VECTOR,
  VIRTIO_QUEUE_MAX,
  VIRTIO_RING_F_EVENT_IDX,
  featureBit,
} from "./virtio-config.js";
import type { VirtioDevice, VirtioDeviceState } from "./virtio-device.js";
import { Msix, type MsiSink, type MsixState } from "./msix.js";

/*
 * The virtio PCI transport (OASIS virtio-v1.1 4.1; QEMU hw/virtio/virtio-pci.c) as QEMU's
 * transitional devices present it: the 1.x ("modern") interface through vendor capabilities
 * that point into a 64-bit memory BAR, and the 0.9.5 ("legacy") register block in an I/O BAR,
 * selected with disable-legacy / disable-modern.
 *
 * BAR layout, as QEMU 7.2 without MSI-X (vectors=0):
 *   BAR0  I/O     legacy registers (4.1.4.8), pow2ceil(20 + config size) bytes   [legacy]
 *   BAR4  mem64   prefetchable, 16 KiB:                                          [modern]
 *           0x0000 common configuration (4.1.4.3)
 *           0x1000 ISR status (4.1.4.5)
 *           0x2000 device-specific configuration (4.1.4.6)
 *           0x3000 notifications (4.1.4.4), queue N at 0x3000 + 4*N
 *   BAR1  mem32   MSI-X table and PBA, 4 KiB (when the machine gives an MSI sink; vectors > 0)
 * With MSI-X present the legacy block grows by the two vector registers (config at 0x18 once
 * MSI-X is enabled, 4.1.4.8); without it the function behaves as QEMU's with vectors=0.
 */

export const PCI_VENDOR_ID_REDHAT_QUMRANET = 0x1af4;
/** Modern-only device IDs are 0x1040 + virtio device ID (4.1.2). */
export const PCI_DEVICE_ID_VIRTIO_10_BASE = 0x1040;

/** Transitional device IDs (4.1.2.3) and the class codes QEMU gives each type. */
export const VIRTIO_PCI_IDENTITIES: Readonly<Record<number, { legacyDeviceId: number; classCode: number }>> = {
  [VIRTIO_ID_NET]: { legacyDeviceId: 0x1000, classCode: 0x020000 }, // PCI_CLASS_NETWORK_ETHERNET
  [VIRTIO_ID_BLOCK]: { legacyDeviceId: 0x1001, classCode: 0x010000 }, // PCI_CLASS_STORAGE_SCSI
  [VIRTIO_ID_CONSOLE]: { legacyDeviceId: 0x1003, classCode: 0x078000 }, // PCI_CLASS_COMMUNICATION_OTHER
  // QEMU sets PCI_CLASS_OTHERS (0xff) as the 16-bit class word: sub-class 0xff, base class 0x00.
  [VIRTIO_ID_RNG]: { legacyDeviceId: 0x1005, classCode: 0x00ff00 },
};

/** virtio_pci_cap.cfg_type (4.1.4). */
export const VIRTIO_PCI_CAP_COMMON_CFG = 1;
export const VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
export const VIRTIO_PCI_CAP_ISR_CFG = 3;
export const VIRTIO_PCI_CAP_DEVICE_CFG = 4;
export const VIRTIO_PCI_CAP_PCI_CFG = 5;

/** struct virtio_pci_cap field offsets (4.1.4). */
const CAP_BAR = 4;
const CAP_OFFSET = 8;
const CAP_LENGTH = 12;
const CAP_NOTIFY_MULTIPLIER = 16;
const CAP_PCI_CFG_DATA = 16;
const CAP_LEN = 16;
const CAP_NOTIFY_LEN = 20;
const CAP_PCI_CFG_LEN = 20;

/** struct virtio_pci_common_cfg offsets (4.1.4.3). */
export const VIRTIO_PCI_COMMON_DFSELECT = 0x00;
export const VIRTIO_PCI_COMMON_DF = 0x04;
export const VIRTIO_PCI_COMMON_GFSELECT = 0x08;
export const VIRTIO_PCI_COMMON_GF = 0x0c;
export const VIRTIO_PCI_COMMON_MSIX = 0x10;
export const VIRTIO_PCI_COMMON_NUMQ = 0x12;
export const VIRTIO_PCI_COMMON_STATUS = 0x14;
export const VIRTIO_PCI_COMMON_CFGGENERATION = 0x15;
export const VIRTIO_PCI_COMMON_Q_SELECT = 0x16;
export const VIRTIO_PCI_COMMON_Q_SIZE = 0x18;
export const VIRTIO_PCI_COMMON_Q_MSIX = 0x1a;
export const VIRTIO_PCI_COMMON_Q_ENABLE = 0x1c;
export const VIRTIO_PCI_COMMON_Q_NOFF = 0x1e;
export const VIRTIO_PCI_COMMON_Q_DESCLO = 0x20;
export const VIRTIO_PCI_COMMON_Q_DESCHI = 0x24;
export const VIRTIO_PCI_COMMON_Q_AVAILLO = 0x28;
export const VIRTIO_PCI_COMMON_Q_AVAILHI = 0x2c;
export const VIRTIO_PCI_COMMON_Q_USEDLO = 0x30;
export const VIRTIO_PCI_COMMON_Q_USEDHI = 0x34;
/** virtio 1.2 queue_notify_data (read-only here) and queue_reset (VIRTIO_F_RING_RESET). */
export const VIRTIO_PCI_COMMON_Q_NDATA = 0x38;
export const VIRTIO_PCI_COMMON_Q_RESET = 0x3a;

/** Legacy register block (4.1.4.8). */
export const VIRTIO_PCI_HOST_FEATURES = 0x00;
export const VIRTIO_PCI_GUEST_FEATURES = 0x04;
export const VIRTIO_PCI_QUEUE_PFN = 0x08;
export const VIRTIO_PCI_QUEUE_NUM = 0x0c;
export const VIRTIO_PCI_QUEUE_SEL = 0x0e;
export const VIRTIO_PCI_QUEUE_NOTIFY = 0x10;
export const VIRTIO_PCI_STATUS = 0x12;
export const VIRTIO_PCI_ISR = 0x13;
/** Device config follows the registers (0x14; 0x18 when MSI-X is enabled, not modelled). */
export const VIRTIO_PCI_CONFIG_OFF = 0x14;
/** With MSI-X enabled: config and queue vector registers, device config at 0x18. */
export const VIRTIO_MSI_CONFIG_VECTOR = 0x14;
export const VIRTIO_MSI_QUEUE_VECTOR = 0x16;
export const VIRTIO_PCI_CONFIG_OFF_MSIX = 0x18;
export const VIRTIO_PCI_MSIX_BAR = 1;
export const VIRTIO_PCI_QUEUE_ADDR_SHIFT = 12;

/** Modern BAR regions (QEMU virtio_pci_modern_regions_init). */
export const VIRTIO_PCI_COMMON_OFFSET = 0x0000;
export const VIRTIO_PCI_ISR_OFFSET = 0x1000;
export const VIRTIO_PCI_DEVICE_OFFSET = 0x2000;
export const VIRTIO_PCI_NOTIFY_OFFSET = 0x3000;
export const VIRTIO_PCI_REGION_SIZE = 0x1000;
export const VIRTIO_PCI_MODERN_BAR_SIZE = 0x4000;
/** notify_off_multiplier (QEMU QEMU_VIRTIO_PCI_QUEUE_MEM_MULT). */
export const VIRTIO_PCI_QUEUE_MEM_MULT = 4;
export const VIRTIO_PCI_LEGACY_BAR = 0;
export const VIRTIO_PCI_MODERN_BAR = 4;

export type OnOffAuto = "on" | "off" | "auto";

export interface VirtioPciOptions {
  /** Guest memory for the device's DMA (gated by the function's bus-master enable). */
  dma: DmaMemory;
  /** disable-legacy: "auto" (default) keeps the legacy interface on a conventional PCI bus. */
  disableLegacy?: OnOffAuto;
  /** disable-modern (default off). */
  disableModern?: boolean;
  /** Whether the function sits on a PCI Express port ("auto" then disables legacy). */
  pcie?: boolean;
  /** The -device id, if any (for messages). */
  id?: string;
  /** Where MSI-X messages go (KVM_SIGNAL_MSI). Without it the function has no MSI-X. */
  msi?: MsiSink;
  /** MSI-X table size (QEMU vectors=); default the device's own (blk 2, net 4, ...), 0 = none. */
  vectors?: number;
  /** Size of an expansion ROM (romfile=, e.g. iPXE's efi-virtio.rom): declares the ROM BAR. */
  romSize?: number;
}

/** Per-queue registers of the modern interface before queue_enable (QEMU VirtIOPCIQueue). */
interface PciQueueRegs {
  enabled: boolean;
  reset: boolean;
  desc: [number, number];
  avail: [number, number];
  used: [number, number];
}

export interface VirtioPciState extends PciDeviceState {
  vdev: VirtioDeviceState;
  queueSel: number;
  dfselect: number;
  gfselect: number;
  guestFeatures: [number, number];
  queues: PciQueueRegs[];
  msix?: MsixState;
}

function pow2ceil(n: number): number {
  let p = 1;
  while (p < n) {
    p *= 2;
  }
  return p;
}

function emptyQueueRegs(): PciQueueRegs {
  return { enabled: false, reset: false, desc: [0, 0], avail: [0, 0], used: [0, 0] };
}

export class VirtioPciProxy extends PciDevice {
  readonly legacy: boolean;
  readonly modern: boolean;
  /** Legacy I/O BAR (BAR0), when the legacy interface is on: map it on the PIO bus. */
  readonly legacyIo: IoDevice | undefined;
  /** Modern memory BAR (BAR4), when the modern interface is on: map it on the MMIO bus. */
  readonly modernMmio: IoDevice | undefined;
  readonly legacyBarSize: number;
  /** MSI-X table/PBA (BAR1), when present: map msix.mmio on the MMIO bus. */
  readonly msix: Msix | undefined;
  private readonly configCap: number;
  private queueSel = 0;
  private dfselect = 0;
  private gfselect = 0;
  private readonly guestFeatureWords: [number, number] = [0, 0];
  private queueRegs: PciQueueRegs[];

  constructor(
    readonly vdev: VirtioDevice,
    options: VirtioPciOptions,
  ) {
    const identity = VIRTIO_PCI_IDENTITIES[vdev.deviceId];
    if (identity === undefined) {
      throw new PciError(`virtio-pci: no PCI identity for virtio device ${vdev.deviceId}`);
    }
    const disableLegacy = options.disableLegacy ?? "auto";
    const legacy = disableLegacy === "off" || (disableLegacy === "auto" && options.pcie !== true);
    const modern = options.disableModern !== true;
    const name = `${vdev.name}-pci`;
    if (!legacy && !modern) {
      // virtio_pci_realize's message for disable-legacy=on,disable-modern=on.
      throw new PciError("device cannot work as neither modern nor legacy mode is enabled\nSet either disable-modern or disable-legacy to off");
    }
    super({
      vendorId: PCI_VENDOR_ID_REDHAT_QUMRANET,
      deviceId: legacy ? identity.legacyDeviceId : PCI_DEVICE_ID_VIRTIO_10_BASE + vdev.deviceId,
      classCode: identity.classCode,
      revision: legacy ? 0 : 1,
      // Transitional devices carry the virtio device ID as subsystem ID (4.1.2.1); modern-only
      // ones keep QEMU's default.
      ...(legacy ? { subsystemId: vdev.deviceId } : {}),
      interruptPin: 1,
      name: options.id ?? name,
    });
    this.legacy = legacy;
    this.modern = modern;
    this.queueRegs = vdev.queues.map(() => emptyQueueRegs());
    const dma = options.dma;
    vdev.dma = {
      read: (address, dest) => (this.command & PCI_COMMAND_MASTER ? dma.read(address, dest) : false),
      write: (address, src) => (this.command & PCI_COMMAND_MASTER ? dma.write(address, src) : false),
    };
    vdev.transport = {
      notify: (vector) => {
        this.intxNotify(vector);
      },
    };
    const vectors = options.msi === undefined ? 0 : (options.vectors ?? vdev.defaultVectors);
    this.legacyBarSize = pow2ceil((vectors > 0 ? VIRTIO_PCI_CONFIG_OFF_MSIX : VIRTIO_PCI_CONFIG_OFF) + vdev.config.length);
    if (legacy) {
      this.registerBar(VIRTIO_PCI_LEGACY_BAR, { type: "io", size: this.legacyBarSize });
      this.legacyIo = {
        read: (offset, size) => this.legacyRead(offset, size),
        write: (offset, size, value) => {
          this.legacyWrite(offset, size, value);
        },
      };
    }
    this.configCap = 0;
    if (modern) {
      this.registerBar(VIRTIO_PCI_MODERN_BAR, { type: "mem64", size: VIRTIO_PCI_MODERN_BAR_SIZE, prefetchable: true });
      this.addVirtioCap(VIRTIO_PCI_CAP_COMMON_CFG, CAP_LEN, VIRTIO_PCI_COMMON_OFFSET);
      this.addVirtioCap(VIRTIO_PCI_CAP_ISR_CFG, CAP_LEN, VIRTIO_PCI_ISR_OFFSET);
      this.addVirtioCap(VIRTIO_PCI_CAP_DEVICE_CFG, CAP_LEN, VIRTIO_PCI_DEVICE_OFFSET);
      const notify = this.addVirtioCap(VIRTIO_PCI_CAP_NOTIFY_CFG, CAP_NOTIFY_LEN, VIRTIO_PCI_NOTIFY_OFFSET);
      this.setLong(notify + CAP_NOTIFY_MULTIPLIER, VIRTIO_PCI_QUEUE_MEM_MULT);
      // VIRTIO_PCI_CAP_PCI_CFG (4.1.4.7): a window through config space into the BARs; its bar,
      // offset, length and data fields are writable.
      const cfg = this.addCapability(PCI_CAP_ID_VNDR, CAP_PCI_CFG_LEN);
      this.config[cfg + 2] = CAP_PCI_CFG_LEN;
      this.config[cfg + 3] = VIRTIO_PCI_CAP_PCI_CFG;
      this.wmask[cfg + CAP_BAR] = 0xff;
      this.wmask.fill(0xff, cfg + CAP_OFFSET, cfg + CAP_PCI_CFG_LEN);
      this.configCap = cfg;
      this.modernMmio = {
        read: (offset, size) => this.modernRead(offset, size),
        write: (offset, size, value) => {
          this.modernWrite(offset, size, value);
        },
      };
    }
    if (options.romSize !== undefined && options.romSize > 0) {
      // pci_add_option_rom: a 32-bit memory BAR of the ROM size rounded up to a power of two.
      this.registerBar(PCI_ROM_SLOT, { type: "mem32", size: Math.max(2048, pow2ceil(options.romSize)) });
    }
    const msi = options.msi;
    // An MSI is a memory write by the function: it goes nowhere while bus mastering is off (QEMU
    // msi_send_message through bus_master_as).
    this.msix =
      vectors > 0 && msi !== undefined
        ? new Msix(this, Math.min(vectors, 2048), VIRTIO_PCI_MSIX_BAR, (lo, hi, data) => {
            if (this.command & PCI_COMMAND_MASTER) msi(lo, hi, data);
          })
        : undefined;
  }

  /** The MSI-X BAR's IoDevice, when MSI-X is present. */
  get msixMmio(): IoDevice | undefined {
    return this.msix?.mmio;
  }

  /** QEMU msix_vector_use: a vector the table has, else VIRTIO_MSI_NO_VECTOR. */
  private useVector(value: number): number {
    return this.msix !== undefined && value < this.msix.vectors ? value : VIRTIO_MSI_NO_VECTOR;
  }

  private get configOffset(): number {
    return this.msix?.enabled === true ? VIRTIO_PCI_CONFIG_OFF_MSIX : VIRTIO_PCI_CONFIG_OFF;
  }

  override configWrite(offset: number, size: number, value: number): void {
    const msix = this.msix;
    if (msix === undefined) {
      super.configWrite(offset, size, value);
      return;
    }
    const old = this.word(msix.cap + 2);
    const wasEnabled = msix.enabled;
    super.configWrite(offset, size, value);
    msix.configWritten(old);
    if (msix.enabled && !wasEnabled) {
      // Enabling MSI-X takes the function off INTx (QEMU msix_write_config).
      this.setIrq(false);
    }
  }

  private setLong(at: number, value: number): void {
    this.config[at] = value & 0xff;
    this.config[at + 1] = (value >>> 8) & 0xff;
    this.config[at + 2] = (value >>> 16) & 0xff;
    this.config[at + 3] = (value >>> 24) & 0xff;
  }

  private addVirtioCap(type: number, len: number, offset: number): number {
    const at = this.addCapability(PCI_CAP_ID_VNDR, len);
    this.config[at + 2] = len;
    this.config[at + 3] = type;
    this.config[at + CAP_BAR] = VIRTIO_PCI_MODERN_BAR;
    this.setLong(at + CAP_OFFSET, offset);
    this.setLong(at + CAP_LENGTH, VIRTIO_PCI_REGION_SIZE);
    return at;
  }

  /** MSI-X vector when enabled, else INTx following ISR bit 0 (QEMU virtio_pci_notify). */
  private intxNotify(vector: number): void {
    const msix = this.msix;
    if (msix?.enabled === true) {
      if (vector !== VIRTIO_MSI_NO_VECTOR) msix.notify(vector);
      return;
    }
    this.setIrq((this.vdev.isr & 1) !== 0);
  }

  /** Device reset through the status register, as QEMU virtio_pci_reset. */
  private transportReset(): void {
    this.vdev.reset();
    this.queueRegs = this.vdev.queues.map(() => emptyQueueRegs());
    this.queueSel = 0;
    this.setIrq(false);
  }

  /** PCI bus reset (RST#): config space and the virtio device both go back to power-on. */
  override reset(): void {
    this.transportReset();
    this.msix?.reset();
    this.dfselect = 0;
    this.gfselect = 0;
    this.guestFeatureWords[0] = 0;
    this.guestFeatureWords[1] = 0;
    super.reset();
  }

  // ---- VIRTIO_PCI_CAP_PCI_CFG window (QEMU virtio_read_config / virtio_write_config) ----

  override configRead(offset: number, size: number): number {
    const cap = this.configCap;
    if (cap !== 0 && rangesOverlap(offset, size, cap + CAP_PCI_CFG_DATA, 4)) {
      const off = this.long(cap + CAP_OFFSET);
      const len = this.long(cap + CAP_LENGTH);
      if ((len === 1 || len === 2 || len === 4) && off + len <= VIRTIO_PCI_MODERN_BAR_SIZE) {
        const v = this.modernRead(off, len);
        this.setLong(cap + CAP_PCI_CFG_DATA, v);
      }
    }
    return super.configRead(offset, size);
  }

  protected override configWritten(offset: number, length: number): void {
    const cap = this.configCap;
    if (cap !== 0 && rangesOverlap(offset, length, cap + CAP_PCI_CFG_DATA, 4)) {
      const off = this.long(cap + CAP_OFFSET);
      const len = this.long(cap + CAP_LENGTH);
      if ((len === 1 || len === 2 || len === 4) && off + len <= VIRTIO_PCI_MODERN_BAR_SIZE) {
        const data = this.long(cap + CAP_PCI_CFG_DATA);
        this.modernWrite(off, len, len === 4 ? data : data & (2 ** (len * 8) - 1));
      }
    }
  }

  // ---- legacy register block (4.1.4.8; QEMU virtio_ioport_read / virtio_ioport_write) ----

  private legacyRead(offset: number, size: AccessSize): number {
    const vdev = this.vdev;
    const cfg = this.configOffset;
    if (offset >= cfg) {
      return vdev.readConfig(offset - cfg, size);
    }
    let v: number;
    switch (offset) {
      case VIRTIO_PCI_HOST_FEATURES:
        v = Number(vdev.legacyFeatures);
        break;
      case VIRTIO_PCI_GUEST_FEATURES:
        v = Number(vdev.guestFeatures & 0xffff_ffffn);
        break;
      case VIRTIO_PCI_QUEUE_PFN:
        v = Math.floor((vdev.queues[this.queueSel]?.desc ?? 0) / 2 ** VIRTIO_PCI_QUEUE_ADDR_SHIFT) >>> 0;
        break;
      case VIRTIO_PCI_QUEUE_NUM:
        v = vdev.queues[this.queueSel]?.num ?? 0;
        break;
      case VIRTIO_PCI_QUEUE_SEL:
        v = this.queueSel;
        break;
      case VIRTIO_PCI_STATUS:
        v = vdev.status;
        break;
      case VIRTIO_PCI_ISR:
        v = this.readIsr();
        break;
      case VIRTIO_MSI_CONFIG_VECTOR:
        v = cfg === VIRTIO_PCI_CONFIG_OFF_MSIX ? vdev.configVector : 0xffffffff;
        break;
      case VIRTIO_MSI_QUEUE_VECTOR:
        v = cfg === VIRTIO_PCI_CONFIG_OFF_MSIX ? (vdev.queues[this.queueSel]?.vector ?? VIRTIO_MSI_NO_VECTOR) : 0xffffffff;
        break;
      default:
        v = 0xffffffff;
    }
    return size >= 4 ? v >>> 0 : v & (2 ** (size * 8) - 1);
  }

  private legacyWrite(offset: number, size: AccessSize, value: number): void {
    const vdev = this.vdev;
    const cfg = this.configOffset;
    if (offset >= cfg) {
      vdev.writeConfig(offset - cfg, size, value);
      return;
    }
    switch (offset) {
      case VIRTIO_PCI_GUEST_FEATURES: {
        let v = BigInt(value >>> 0);
        // A driver that echoes VIRTIO_F_BAD_FEATURE did not negotiate: it gets no features.
        if (v & featureBit(VIRTIO_F_BAD_FEATURE)) {
          v = 0n;
        }
        vdev.setFeatures(v);
        break;
      }
      case VIRTIO_PCI_QUEUE_PFN: {
        const pa = (value >>> 0) * 2 ** VIRTIO_PCI_QUEUE_ADDR_SHIFT;
        if (pa === 0) {
          this.transportReset();
        } else {
          vdev.queues[this.queueSel]?.setLegacyAddress(pa);
        }
        break;
      }
      case VIRTIO_PCI_QUEUE_SEL:
        if ((value & 0xffff) < VIRTIO_QUEUE_MAX) {
          this.queueSel = value & 0xffff;
        }
        break;
      case VIRTIO_PCI_QUEUE_NOTIFY:
        if ((value & 0xffff) < VIRTIO_QUEUE_MAX) {
          vdev.queueNotify(value & 0xffff);
        }
        break;
      case VIRTIO_PCI_STATUS:
        vdev.setStatus(value & 0xff, false);
        if (vdev.status === 0) {
          this.transportReset();
        }
        // Linux before 2.6.34 drives the device without enabling bus mastering; QEMU turns it on.
        if (value & VIRTIO_CONFIG_S_DRIVER_OK && !(this.command & PCI_COMMAND_MASTER)) {
          super.configWrite(PCI_COMMAND, 1, (this.command | PCI_COMMAND_MASTER) & 0xff);
        }
        break;
      case VIRTIO_MSI_CONFIG_VECTOR:
        vdev.configVector = this.useVector(value & 0xffff);
        break;
      case VIRTIO_MSI_QUEUE_VECTOR: {
        const vq = vdev.queues[this.queueSel];
        if (vq !== undefined) vq.vector = this.useVector(value & 0xffff);
        break;
      }
      default:
        break;
    }
  }

  /** Reading the ISR returns and clears it and deasserts INTx (4.1.4.5). */
  private readIsr(): number {
    const v = this.vdev.isr;
    this.vdev.isr = 0;
    this.setIrq(false);
    return v;
  }

  // ---- modern BAR ----

  private modernRead(offset: number, size: AccessSize): number {
    if (size === 8) {
      const lo = this.modernRead(offset, 4);
      return lo + this.modernRead(offset + 4, 4) * 0x1_0000_0000;
    }
    const region = Math.floor(offset / VIRTIO_PCI_REGION_SIZE);
    const off = offset % VIRTIO_PCI_REGION_SIZE;
    let v: number;
    switch (region) {
      case 0:
        v = this.commonRead(off);
        break;
      case 1:
        v = this.readIsr();
        break;
      case 2:
        return this.vdev.readConfig(off, size);
      default:
        v = 0;
    }
    return size >= 4 ? v >>> 0 : v & (2 ** (size * 8) - 1);
  }

  private modernWrite(offset: number, size: AccessSize, value: number): void {
    if (size === 8) {
      this.modernWrite(offset, 4, value % 0x1_0000_0000);
      this.modernWrite(offset + 4, 4, Math.floor(value / 0x1_0000_0000));
      return;
    }
    const region = Math.floor(offset / VIRTIO_PCI_REGION_SIZE);
    const off = offset % VIRTIO_PCI_REGION_SIZE;
    switch (region) {
      case 0:
        this.commonWrite(off, size >= 4 ? value >>> 0 : value & (2 ** (size * 8) - 1));
        break;
      case 2:
        this.vdev.writeConfig(off, size, value);
        break;
      case 3: {
        // The value written is ignored; the offset names the queue (4.1.4.4).
        const queue = Math.floor(off / VIRTIO_PCI_QUEUE_MEM_MULT);
        if (queue < VIRTIO_QUEUE_MAX) {
          this.vdev.queueNotify(queue);
        }
        break;
      }
      default:
        break;
    }
  }

  /** QEMU virtio_pci_common_read: a field is read at its own offset; anything else reads 0. */
  private commonRead(off: number): number {
    const vdev = this.vdev;
    const sel = this.queueSel;
    const vq = vdev.queues[sel];
    const regs = this.queueRegs[sel];
    switch (off) {
      case VIRTIO_PCI_COMMON_DFSELECT:
        return this.dfselect;
      case VIRTIO_PCI_COMMON_DF:
        return this.dfselect <= 1 ? Number((vdev.modernFeatures >> BigInt(32 * this.dfselect)) & 0xffff_ffffn) : 0;
      case VIRTIO_PCI_COMMON_GFSELECT:
        return this.gfselect;
      case VIRTIO_PCI_COMMON_GF:
        return this.gfselect <= 1 ? this.guestFeatureWords[this.gfselect]! : 0;
      case VIRTIO_PCI_COMMON_MSIX:
        return vdev.configVector;
      case VIRTIO_PCI_COMMON_NUMQ:
        return vdev.queues.length;
      case VIRTIO_PCI_COMMON_STATUS:
        return vdev.status;
      case VIRTIO_PCI_COMMON_CFGGENERATION:
        return vdev.generation;
      case VIRTIO_PCI_COMMON_Q_SELECT:
        return sel;
      case VIRTIO_PCI_COMMON_Q_SIZE:
        return vq?.num ?? 0;
      case VIRTIO_PCI_COMMON_Q_MSIX:
        return vq?.vector ?? VIRTIO_MSI_NO_VECTOR;
      case VIRTIO_PCI_COMMON_Q_ENABLE:
        return regs?.enabled === true ? 1 : 0;
      case VIRTIO_PCI_COMMON_Q_NOFF:
        return sel;
      case VIRTIO_PCI_COMMON_Q_DESCLO:
        return regs?.desc[0] ?? 0;
      case VIRTIO_PCI_COMMON_Q_DESCHI:
        return regs?.desc[1] ?? 0;
      case VIRTIO_PCI_COMMON_Q_AVAILLO:
        return regs?.avail[0] ?? 0;
      case VIRTIO_PCI_COMMON_Q_AVAILHI:
        return regs?.avail[1] ?? 0;
      case VIRTIO_PCI_COMMON_Q_USEDLO:
        return regs?.used[0] ?? 0;
      case VIRTIO_PCI_COMMON_Q_USEDHI:
        return regs?.used[1] ?? 0;
      case VIRTIO_PCI_COMMON_Q_RESET:
        return regs?.reset === true ? 1 : 0;
      default:
        return 0;
    }
  }

  /** QEMU virtio_pci_common_write. */
  private commonWrite(off: number, value: number): void {
    const vdev = this.vdev;
    const sel = this.queueSel;
    const vq = vdev.queues[sel];
    const regs = this.queueRegs[sel];
    switch (off) {
      case VIRTIO_PCI_COMMON_DFSELECT:
        this.dfselect = value;
        break;
      case VIRTIO_PCI_COMMON_GFSELECT:
        this.gfselect = value;
        break;
      case VIRTIO_PCI_COMMON_GF:
        if (this.gfselect <= 1) {
          this.guestFeatureWords[this.gfselect] = value >>> 0;
          vdev.setFeatures((BigInt(this.guestFeatureWords[1]) << 32n) | BigInt(this.guestFeatureWords[0]));
        }
        break;
      case VIRTIO_PCI_COMMON_MSIX:
        // A vector the table lacks reads back as NO_VECTOR (4.1.5.1.2.1).
        vdev.configVector = this.useVector(value & 0xffff);
        break;
      case VIRTIO_PCI_COMMON_STATUS:
        vdev.setStatus(value & 0xff, true);
        if (vdev.status === 0) {
          this.transportReset();
        }
        break;
      case VIRTIO_PCI_COMMON_Q_SELECT:
        if (value < VIRTIO_QUEUE_MAX) {
          this.queueSel = value;
        }
        break;
      case VIRTIO_PCI_COMMON_Q_SIZE:
        // 4.1.4.3.2: a power of 2 no larger than the device's maximum; others are ignored.
        if (vq !== undefined && regs !== undefined && !regs.enabled && value !== 0 && value <= vq.maxSize && (value & (value - 1)) === 0) {
          vq.num = value;
        }
        break;
      case VIRTIO_PCI_COMMON_Q_MSIX:
        if (vq !== undefined) {
          vq.vector = this.useVector(value & 0xffff);
        }
        break;
      case VIRTIO_PCI_COMMON_Q_ENABLE:
        if (vq === undefined || regs === undefined) {
          break;
        }
        if (value === 1) {
          vq.desc = regs.desc[0] + regs.desc[1] * 0x1_0000_0000;
          vq.avail = regs.avail[0] + regs.avail[1] * 0x1_0000_0000;
          vq.used = regs.used[0] + regs.used[1] * 0x1_0000_0000;
          vq.ready = true;
          regs.enabled = true;
          regs.reset = false;
        } else {
          vdev.error(`wrong value for queue_enable ${value.toString(16)}`);
        }
        break;
      case VIRTIO_PCI_COMMON_Q_DESCLO:
        if (regs !== undefined) regs.desc[0] = value;
        break;
      case VIRTIO_PCI_COMMON_Q_DESCHI:
        if (regs !== undefined) regs.desc[1] = value;
        break;
      case VIRTIO_PCI_COMMON_Q_AVAILLO:
        if (regs !== undefined) regs.avail[0] = value;
        break;
      case VIRTIO_PCI_COMMON_Q_AVAILHI:
        if (regs !== undefined) regs.avail[1] = value;
        break;
      case VIRTIO_PCI_COMMON_Q_USEDLO:
        if (regs !== undefined) regs.used[0] = value;
        break;
      case VIRTIO_PCI_COMMON_Q_USEDHI:
        if (regs !== undefined) regs.used[1] = value;
        break;
      case VIRTIO_PCI_COMMON_Q_RESET:
        // virtio 1.2 2.6.1 "Virtqueue Reset": the queue goes back to its initial state.
        if (value === 1 && vq !== undefined && regs !== undefined) {
          vq.reset();
          vq.eventIdx = vdev.hasGuestFeature(VIRTIO_RING_F_EVENT_IDX);
          vq.notifyOnEmpty = false;
          this.queueRegs[sel] = { ...emptyQueueRegs(), reset: true };
          vdev.queueReset(sel);
        }
        break;
      default:
        break;
    }
  }

  override state(): VirtioPciState {
    return {
      ...super.state(),
      vdev: this.vdev.state(),
      queueSel: this.queueSel,
      dfselect: this.dfselect,
      gfselect: this.gfselect,
      guestFeatures: [this.guestFeatureWords[0], this.guestFeatureWords[1]],
      queues: this.queueRegs.map((r) => ({ ...r, desc: [...r.desc], avail: [...r.avail], used: [...r.used] })),
      ...(this.msix !== undefined ? { msix: this.msix.state() } : {}),
    };
  }

  /** Restores the function; guest memory must already hold the restored rings. */
  override fromState(s: VirtioPciState): void {
    super.fromState(s);
    this.vdev.fromState(s.vdev);
    this.queueSel = s.queueSel;
    this.dfselect = s.dfselect;
    this.gfselect = s.gfselect;
    this.guestFeatureWords[0] = s.guestFeatures[0] >>> 0;
    this.guestFeatureWords[1] = s.guestFeatures[1] >>> 0;
    this.queueRegs = this.vdev.queues.map((_, i) => {
      const r = s.queues[i];
      return r === undefined ? emptyQueueRegs() : { ...r, desc: [r.desc[0], r.desc[1]], avail: [r.avail[0], r.avail[1]], used: [r.used[0], r.used[1]] };
    });
    if (s.msix !== undefined) this.msix?.fromState(s.msix);
    this.vdev.resumeAfterLoad();
  }
}
