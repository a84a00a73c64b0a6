import type { DmaMemory, IrqLine } from "../../io-device.js";
import { PCI_COMMAND, PCI_COMMAND_IO, PCI_COMMAND_MASTER, PCI_COMMAND_MEMORY } from "../../pci-device.js";
import {
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_FEATURES_OK,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
} from "../virtio-config.js";
import {
  VIRTIO_PCI_COMMON_DF,
  VIRTIO_PCI_COMMON_DFSELECT,
  VIRTIO_PCI_COMMON_GF,
  VIRTIO_PCI_COMMON_GFSELECT,
  VIRTIO_PCI_COMMON_Q_AVAILHI,
  VIRTIO_PCI_COMMON_Q_AVAILLO,
  VIRTIO_PCI_COMMON_Q_DESCHI,
  VIRTIO_PCI_COMMON_Q_DESCLO,
  VIRTIO_PCI_COMMON_Q_ENABLE,
  VIRTIO_PCI_COMMON_Q_NOFF,
  VIRTIO_PCI_COMMON_Q_SELECT,
  VIRTIO_PCI_COMMON_Q_SIZE,
  VIRTIO_PCI_COMMON_Q_USEDHI,
  VIRTIO_PCI_COMMON_Q_USEDLO,
  VIRTIO_PCI_COMMON_STATUS,
  VIRTIO_PCI_DEVICE_OFFSET,
  VIRTIO_PCI_GUEST_FEATURES,
  VIRTIO_PCI_HOST_FEATURES,
  VIRTIO_PCI_ISR,
  VIRTIO_PCI_ISR_OFFSET,
  VIRTIO_PCI_NOTIFY_OFFSET,
  VIRTIO_PCI_QUEUE_MEM_MULT,
  VIRTIO_PCI_QUEUE_NOTIFY,
  VIRTIO_PCI_QUEUE_NUM,
  VIRTIO_PCI_QUEUE_PFN,
  VIRTIO_PCI_QUEUE_SEL,
  VIRTIO_PCI_STATUS,
  VIRTIO_PCI_CONFIG_OFF,
  type VirtioPciProxy,
} from "../virtio-pci.js";

/*
 * Test-side guest: RAM as a Uint8Array behind the DmaMemory interface, and a virtio driver that
 * programs a VirtioPciProxy the way Linux's virtio_pci_modern / virtio_pci_legacy and virtio_ring
 * do (virtio 1.1 3.1.1 init sequence, 2.6 split rings).
 */

export class GuestRam implements DmaMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  private next = 0x10000;

  constructor(size = 4 * 1024 * 1024) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  read(address: number, dest: Uint8Array): boolean {
    if (address < 0 || address + dest.length > this.bytes.length) return false;
    dest.set(this.bytes.subarray(address, address + dest.length));
    return true;
  }

  write(address: number, src: Uint8Array): boolean {
    if (address < 0 || address + src.length > this.bytes.length) return false;
    this.bytes.set(src, address);
    return true;
  }

  /** A zeroed block of `size` bytes aligned to `align`. */
  alloc(size: number, align = 16): number {
    const a = Math.ceil(this.next / align) * align;
    this.next = a + size;
    if (this.next > this.bytes.length) throw new Error("GuestRam: out of memory");
    this.bytes.fill(0, a, a + size);
    return a;
  }
}

/** An IrqLine that records its level. */
export class LevelProbe implements IrqLine {
  level = false;
  raised = 0;
  setLevel(level: boolean): void {
    if (level && !this.level) this.raised++;
    this.level = level;
  }
}

export interface Buf {
  addr: number;
  len: number;
  write?: boolean;
}

/** The driver side of one split virtqueue in GuestRam. */
export class DriverQueue {
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  private freeHead = 0;
  availIdx = 0;
  lastUsed = 0;

  constructor(
    readonly ram: GuestRam,
    readonly index: number,
    readonly size: number,
    legacy: boolean,
    private readonly kick: (q: number) => void,
  ) {
    if (legacy) {
      // One page-aligned block in the legacy layout (2.6.2).
      const availEnd = size * 16 + 6 + 2 * size;
      const usedOff = Math.ceil(availEnd / 4096) * 4096;
      const total = usedOff + 6 + 8 * size;
      this.desc = ram.alloc(total, 4096);
      this.avail = this.desc + size * 16;
      this.used = this.desc + usedOff;
    } else {
      this.desc = ram.alloc(16 * size, 16);
      this.avail = ram.alloc(6 + 2 * size, 2);
      this.used = ram.alloc(6 + 8 * size, 4);
    }
  }

  writeDesc(table: number, i: number, addr: number, len: number, flags: number, next: number): void {
    const v = this.ram.view;
    const at = table + 16 * i;
    v.setUint32(at, addr, true);
    v.setUint32(at + 4, 0, true);
    v.setUint32(at + 8, len, true);
    v.setUint16(at + 12, flags, true);
    v.setUint16(at + 14, next, true);
  }

  /** Chains `bufs` (readable first) into the table, optionally through an indirect table; returns the head. */
  add(bufs: Buf[], options: { indirect?: boolean; publish?: boolean } = {}): number {
    const head = this.freeHead % this.size;
    if (options.indirect === true) {
      const table = this.ram.alloc(16 * bufs.length, 16);
      bufs.forEach((b, i) => {
        this.writeDesc(table, i, b.addr, b.len, (b.write === true ? VRING_DESC_F_WRITE : 0) | (i + 1 < bufs.length ? VRING_DESC_F_NEXT : 0), i + 1);
      });
      this.writeDesc(this.desc, head, table, 16 * bufs.length, VRING_DESC_F_INDIRECT, 0);
      this.freeHead++;
    } else {
      bufs.forEach((b, i) => {
        const idx = (this.freeHead + i) % this.size;
        const next = (this.freeHead + i + 1) % this.size;
        this.writeDesc(this.desc, idx, b.addr, b.len, (b.write === true ? VRING_DESC_F_WRITE : 0) | (i + 1 < bufs.length ? VRING_DESC_F_NEXT : 0), next);
      });
      this.freeHead += bufs.length;
    }
    this.ram.view.setUint16(this.avail + 4 + 2 * (this.availIdx % this.size), head, true);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    if (options.publish !== false) this.publish();
    return head;
  }

  publish(): void {
    this.ram.view.setUint16(this.avail + 2, this.availIdx, true);
  }

  notify(): void {
    this.kick(this.index);
  }

  get usedIdx(): number {
    return this.ram.view.getUint16(this.used + 2, true);
  }

  /** Used entries added since the last call. */
  takeUsed(): { id: number; len: number }[] {
    const out: { id: number; len: number }[] = [];
    const v = this.ram.view;
    while (this.lastUsed !== this.usedIdx) {
      const at = this.used + 4 + 8 * (this.lastUsed % this.size);
      out.push({ id: v.getUint32(at, true), len: v.getUint32(at + 4, true) });
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    return out;
  }

  set availFlags(flags: number) {
    this.ram.view.setUint16(this.avail, flags, true);
  }

  get usedFlags(): number {
    return this.ram.view.getUint16(this.used, true);
  }

  /** used_event, written by the driver at the end of the avail ring (2.6.7.2). */
  set usedEvent(idx: number) {
    this.ram.view.setUint16(this.avail + 4 + 2 * this.size, idx, true);
  }

  /** avail_event, written by the device at the end of the used ring (2.6.10). */
  get availEvent(): number {
    return this.ram.view.getUint16(this.used + 4 + 8 * this.size, true);
  }
}

/** Linux virtio_pci_modern-style driver over the proxy's modern BAR. */
export class ModernDriver {
  readonly queues: DriverQueue[] = [];
  deviceFeatures = 0n;

  constructor(
    readonly proxy: VirtioPciProxy,
    readonly ram: GuestRam,
  ) {
    proxy.configWrite(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  }

  private get bar() {
    const m = this.proxy.modernMmio;
    if (m === undefined) throw new Error("no modern interface");
    return m;
  }

  common(off: number, size: 1 | 2 | 4): number {
    return this.bar.read(off, size);
  }

  setCommon(off: number, size: 1 | 2 | 4, v: number): void {
    this.bar.write(off, size, v);
  }

  get status(): number {
    return this.common(VIRTIO_PCI_COMMON_STATUS, 1);
  }

  set status(v: number) {
    this.setCommon(VIRTIO_PCI_COMMON_STATUS, 1, v);
  }

  readIsr(): number {
    return this.bar.read(VIRTIO_PCI_ISR_OFFSET, 1);
  }

  cfg(off: number, size: 1 | 2 | 4): number {
    return this.bar.read(VIRTIO_PCI_DEVICE_OFFSET + off, size);
  }

  setCfg(off: number, size: 1 | 2 | 4, v: number): void {
    this.bar.write(VIRTIO_PCI_DEVICE_OFFSET + off, size, v);
  }

  readDeviceFeatures(): bigint {
    this.setCommon(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
    const lo = this.common(VIRTIO_PCI_COMMON_DF, 4);
    this.setCommon(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
    const hi = this.common(VIRTIO_PCI_COMMON_DF, 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  writeDriverFeatures(f: bigint): void {
    this.setCommon(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
    this.setCommon(VIRTIO_PCI_COMMON_GF, 4, Number(f & 0xffff_ffffn));
    this.setCommon(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
    this.setCommon(VIRTIO_PCI_COMMON_GF, 4, Number(f >> 32n));
  }

  /**
   * virtio 1.1 3.1.1: reset, ACKNOWLEDGE, DRIVER, features (offered & wanted), FEATURES_OK and
   * check it stuck, queue setup, DRIVER_OK. Returns false if FEATURES_OK did not stick.
   */
  init(wanted: bigint, queueCount: number, queueSize?: number): boolean {
    this.status = 0;
    this.status = VIRTIO_CONFIG_S_ACKNOWLEDGE;
    this.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
    this.deviceFeatures = this.readDeviceFeatures();
    this.writeDriverFeatures(this.deviceFeatures & wanted);
    this.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK;
    if (!(this.status & VIRTIO_CONFIG_S_FEATURES_OK)) return false;
    for (let q = 0; q < queueCount; q++) this.setupQueue(q, queueSize);
    this.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
    return true;
  }

  setupQueue(q: number, wantedSize?: number): DriverQueue {
    this.setCommon(VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
    let size = this.common(VIRTIO_PCI_COMMON_Q_SIZE, 2);
    if (wantedSize !== undefined && wantedSize < size) {
      this.setCommon(VIRTIO_PCI_COMMON_Q_SIZE, 2, wantedSize);
      size = this.common(VIRTIO_PCI_COMMON_Q_SIZE, 2);
    }
    const noff = this.common(VIRTIO_PCI_COMMON_Q_NOFF, 2);
    const dq = new DriverQueue(this.ram, q, size, false, () => {
      this.bar.write(VIRTIO_PCI_NOTIFY_OFFSET + noff * VIRTIO_PCI_QUEUE_MEM_MULT, 2, q);
    });
    this.setCommon(VIRTIO_PCI_COMMON_Q_DESCLO, 4, dq.desc);
    this.setCommon(VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0);
    this.setCommon(VIRTIO_PCI_COMMON_Q_AVAILLO, 4, dq.avail);
    this.setCommon(VIRTIO_PCI_COMMON_Q_AVAILHI, 4, 0);
    this.setCommon(VIRTIO_PCI_COMMON_Q_USEDLO, 4, dq.used);
    this.setCommon(VIRTIO_PCI_COMMON_Q_USEDHI, 4, 0);
    this.setCommon(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
    this.queues[q] = dq;
    return dq;
  }
}

/** Linux virtio_pci_legacy-style driver over the proxy's I/O BAR. */
export class LegacyDriver {
  readonly queues: DriverQueue[] = [];

  constructor(
    readonly proxy: VirtioPciProxy,
    readonly ram: GuestRam,
    enableMaster = true,
  ) {
    proxy.configWrite(PCI_COMMAND, 2, PCI_COMMAND_IO | (enableMaster ? PCI_COMMAND_MASTER : 0));
  }

  private get io() {
    const m = this.proxy.legacyIo;
    if (m === undefined) throw new Error("no legacy interface");
    return m;
  }

  get status(): number {
    return this.io.read(VIRTIO_PCI_STATUS, 1);
  }

  set status(v: number) {
    this.io.write(VIRTIO_PCI_STATUS, 1, v);
  }

  readIsr(): number {
    return this.io.read(VIRTIO_PCI_ISR, 1);
  }

  cfg(off: number, size: 1 | 2 | 4): number {
    return this.io.read(VIRTIO_PCI_CONFIG_OFF + off, size);
  }

  get hostFeatures(): number {
    return this.io.read(VIRTIO_PCI_HOST_FEATURES, 4);
  }

  init(wanted: number, queueCount: number): void {
    this.status = 0;
    this.status = VIRTIO_CONFIG_S_ACKNOWLEDGE;
    this.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
    this.io.write(VIRTIO_PCI_GUEST_FEATURES, 4, (this.hostFeatures & wanted) >>> 0);
    for (let q = 0; q < queueCount; q++) {
      this.io.write(VIRTIO_PCI_QUEUE_SEL, 2, q);
      const size = this.io.read(VIRTIO_PCI_QUEUE_NUM, 2);
      const dq = new DriverQueue(this.ram, q, size, true, () => {
        this.io.write(VIRTIO_PCI_QUEUE_NOTIFY, 2, q);
      });
      this.io.write(VIRTIO_PCI_QUEUE_PFN, 4, dq.desc / 4096);
      this.queues[q] = dq;
    }
    this.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK;
  }
}

/** Waits until `cond` holds, letting I/O callbacks run (no wall-clock limit: vitest's test timeout bounds it). */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) {
    await new Promise((r) => setImmediate(r));
  }
}
