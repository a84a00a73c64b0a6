import type { DmaMemory } from "../io-device.js";
import {
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VIRTIO_F_ANY_LAYOUT,
  VIRTIO_F_BAD_FEATURE,
  VIRTIO_F_NOTIFY_ON_EMPTY,
  VIRTIO_F_RING_RESET,
  VIRTIO_F_VERSION_1,
  VIRTIO_ISR_CONFIG,
  VIRTIO_ISR_QUEUE,
  VIRTIO_MSI_NO_VECTOR,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RING_F_INDIRECT_DESC,
  featureBit,
  features,
  hasFeature,
} from "./virtio-config.js";
import { VirtQueue, type VirtQueueState, type VirtqueueOwner } from "./virtqueue.js";

/*
 * A virtio device independent of its transport (virtio 1.1 2 "Basic Facilities of a Virtio
 * Device", 3.1 "Device Initialization"; QEMU hw/virtio/virtio.c VirtIODevice): feature bits,
 * the device status field, the device configuration space with its generation counter, the ISR,
 * and the virtqueues. The transport (virtio-pci) moves register accesses here and turns
 * notifications into interrupts.
 */

/** What the device needs from its transport. */
export interface VirtioTransport {
  /** Deliver an interrupt for `vector` (INTx: the line follows ISR bit 0; MSI-X: the vector). */
  notify(vector: number): void;
}

/** Features every QEMU virtio device offers (virtio.c DEFINE_VIRTIO_COMMON_FEATURES, 7.2). */
export const VIRTIO_COMMON_FEATURES = features(
  VIRTIO_F_NOTIFY_ON_EMPTY,
  VIRTIO_F_ANY_LAYOUT,
  VIRTIO_RING_F_INDIRECT_DESC,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_F_VERSION_1,
  VIRTIO_F_RING_RESET,
);

/**
 * Bits offered only through the legacy interface: a 1.x driver never sees them
 * (QEMU VirtioDeviceClass.legacy_features plus the transitional ring bits).
 */
export const VIRTIO_LEGACY_FEATURES = features(VIRTIO_F_NOTIFY_ON_EMPTY, VIRTIO_F_ANY_LAYOUT, VIRTIO_F_BAD_FEATURE);

export interface VirtioDeviceState {
  status: number;
  isr: number;
  generation: number;
  configVector: number;
  guestFeatures: string;
  broken: boolean;
  queues: VirtQueueState[];
  device: unknown;
}

/** Where virtio_error messages go (QEMU error_report: "qemu-system-x86_64: <message>"). */
export type VirtioErrorSink = (message: string) => void;

const DMA_NONE: DmaMemory = {
  read: () => false,
  write: () => false,
};

export abstract class VirtioDevice implements VirtqueueOwner {
  /** virtio device ID (5 "Device Types"). */
  abstract readonly deviceId: number;
  /** QEMU's type name, e.g. "virtio-blk" (for messages). */
  abstract readonly name: string;
  readonly queues: VirtQueue[] = [];
  /** Offered features, including the legacy-only bits. */
  hostFeatures: bigint;
  /** Extra device-specific bits offered only to legacy drivers (e.g. VIRTIO_NET_F_GSO). */
  legacyOnlyFeatures = 0n;
  guestFeatures = 0n;
  status = 0;
  isr = 0;
  /** config_generation (4.1.4.3): bumped on every configuration change notification. */
  generation = 0;
  configVector = VIRTIO_MSI_NO_VECTOR;
  /** Set by error(): the device ignores the driver until it is reset. */
  broken = false;

  /** error() may have run during the last call (a method, so that loops re-read it). */
  isBroken(): boolean {
    return this.broken;
  }
  /** Device-specific configuration space (little-endian fields). */
  readonly config: Uint8Array;
  readonly configView: DataView;
  transport: VirtioTransport | undefined;
  /** Guest memory as the transport lets the device reach it (bus mastering checked there). */
  dma: DmaMemory = DMA_NONE;
  onError: VirtioErrorSink = (message) => {
    console.error(`qemu-system-x86_64: ${message}`);
  };
  /** MSI-X vectors QEMU gives this device type by default (vectors=). */
  defaultVectors = 2;
  /** Bumped on every reset, so completions of requests started before it are dropped. */
  protected epoch = 0;

  constructor(configSize: number, deviceFeatures: bigint) {
    this.config = new Uint8Array(configSize);
    this.configView = new DataView(this.config.buffer);
    this.hostFeatures = VIRTIO_COMMON_FEATURES | deviceFeatures;
  }

  /** Declares queue `index` of `size` entries with its output handler (QEMU virtio_add_queue). */
  protected addQueue(size: number, handler: (vq: VirtQueue) => void): VirtQueue {
    const vq = new VirtQueue(this, this.queues.length, size, handler);
    this.queues.push(vq);
    return vq;
  }

  hasGuestFeature(bit: number): boolean {
    return hasFeature(this.guestFeatures, bit);
  }

  /** Features a 1.x driver sees through the modern interface. */
  get modernFeatures(): bigint {
    return this.hostFeatures & ~(VIRTIO_LEGACY_FEATURES | this.legacyOnlyFeatures);
  }

  /** Features a legacy driver sees (the low 32 bits only, through the legacy register). */
  get legacyFeatures(): bigint {
    // QEMU's transitional devices also offer VIRTIO_F_BAD_FEATURE to legacy drivers.
    return (this.hostFeatures | this.legacyOnlyFeatures | featureBit(VIRTIO_F_BAD_FEATURE)) & 0xffff_ffffn;
  }

  /**
   * The driver writes its features (QEMU virtio_set_features): refused once FEATURES_OK is set,
   * else the subset the device offers is kept. Returns false when refused.
   */
  setFeatures(value: bigint): boolean {
    if (this.status & VIRTIO_CONFIG_S_FEATURES_OK) {
      return false;
    }
    this.guestFeatures = value & (this.hostFeatures | this.legacyOnlyFeatures);
    const eventIdx = this.hasGuestFeature(VIRTIO_RING_F_EVENT_IDX);
    const notifyOnEmpty = this.hasGuestFeature(VIRTIO_F_NOTIFY_ON_EMPTY);
    for (const vq of this.queues) {
      vq.eventIdx = eventIdx;
      vq.notifyOnEmpty = notifyOnEmpty;
    }
    this.featuresChanged();
    return true;
  }

  /** Device hook after the driver's features change (virtio-net header size, VLAN table, ...). */
  protected featuresChanged(): void {
    // most devices need nothing
  }

  /**
   * Device check at FEATURES_OK (virtio 1.1 3.1.1 step 5, QEMU validate_features). Return an
   * error text to refuse the feature set.
   */
  protected validateFeatures(): string | undefined {
    return undefined;
  }

  /**
   * Writes the device status (QEMU virtio_set_status; virtio 1.1 2.1, 3.1.1). Returns false if the
   * write was refused: FEATURES_OK for a feature set the device cannot accept, which a driver sees
   * as the bit not sticking. `modern` is true when the write came through the 1.x interface,
   * where a driver that did not accept VIRTIO_F_VERSION_1 is refused (6.1 allows this).
   */
  setStatus(value: number, modern: boolean): boolean {
    value &= 0xff;
    if (value & VIRTIO_CONFIG_S_FEATURES_OK && !(this.status & VIRTIO_CONFIG_S_FEATURES_OK)) {
      if (modern && !this.hasGuestFeature(VIRTIO_F_VERSION_1)) {
        return false;
      }
      if (this.validateFeatures() !== undefined) {
        return false;
      }
    }
    const wasOk = (this.status & VIRTIO_CONFIG_S_DRIVER_OK) !== 0;
    // A device that flagged NEEDS_RESET keeps the bit until it is reset (2.1.1).
    this.status = value | (this.broken && value !== 0 ? this.status & VIRTIO_CONFIG_S_NEEDS_RESET : 0);
    const isOk = (value & VIRTIO_CONFIG_S_DRIVER_OK) !== 0;
    if (value === 0) {
      this.reset();
    } else if (isOk !== wasOk) {
      this.driverOkChanged(isOk);
    }
    return true;
  }

  /** Device hook when DRIVER_OK is set or cleared (start/stop backends). */
  protected driverOkChanged(_ok: boolean): void {
    // nothing by default
  }

  /** Back to the power-on state (QEMU virtio_reset): status, features, ISR, every queue. */
  reset(): void {
    this.epoch++;
    this.deviceReset();
    this.broken = false;
    this.guestFeatures = 0n;
    this.status = 0;
    this.isr = 0;
    this.configVector = VIRTIO_MSI_NO_VECTOR;
    for (const vq of this.queues) {
      vq.reset();
      vq.eventIdx = false;
      vq.notifyOnEmpty = false;
    }
    this.transport?.notify(this.configVector);
  }

  /** The driver reset one queue (VIRTIO_F_RING_RESET): drop what the device holds for it. */
  queueReset(_index: number): void {
    // nothing held by default
  }

  /** After fromState, with the transport in place: re-issue saved in-flight requests, restart I/O. */
  resumeAfterLoad(): void {
    // nothing to resume by default
  }

  /** Device-specific reset (drop in-flight work, restore defaults). */
  protected abstract deviceReset(): void;

  /** The driver kicked queue `index` (QEMU virtio_queue_notify). */
  queueNotify(index: number): void {
    const vq = this.queues[index];
    if (vq === undefined || vq.desc === 0 || this.broken) {
      return;
    }
    vq.handler(vq);
  }

  /** Interrupts the driver for `vq` if it wants one (QEMU virtio_notify). */
  notifyQueue(vq: VirtQueue): void {
    if (this.broken || !vq.shouldNotify()) {
      return;
    }
    this.isr |= VIRTIO_ISR_QUEUE;
    this.transport?.notify(vq.vector);
  }

  /**
   * Configuration change notification (QEMU virtio_notify_config; 4.1.4.5): ISR bits 0 and 1, a
   * new generation, the config vector. Only once the driver is running.
   */
  notifyConfig(): void {
    if (!(this.status & VIRTIO_CONFIG_S_DRIVER_OK)) {
      return;
    }
    this.isr |= VIRTIO_ISR_QUEUE | VIRTIO_ISR_CONFIG;
    this.generation = (this.generation + 1) & 0xff;
    this.transport?.notify(this.configVector);
  }

  /**
   * The guest broke the protocol (QEMU virtio_error): report it, set DEVICE_NEEDS_RESET for a 1.x
   * driver (2.1.2) and stop processing until the driver resets the device.
   */
  error(message: string): void {
    if (this.broken) {
      return;
    }
    this.onError(message);
    if (this.hasGuestFeature(VIRTIO_F_VERSION_1)) {
      this.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
      this.notifyConfig();
    }
    this.broken = true;
  }

  /** Refreshes `config` before the driver reads it (QEMU get_config). */
  protected updateConfig(): void {
    // static config by default
  }

  /** The driver wrote config bytes [offset, offset+length) (QEMU set_config). */
  protected configWritten(_offset: number, _length: number): void {
    // read-only config by default
  }

  /** Bytes of config space the driver may write (everything else is read-only). */
  protected configWritable(_offset: number): boolean {
    return false;
  }

  /** Config space read of `size` bytes (QEMU virtio_config_readX): out of range reads all ones. */
  readConfig(offset: number, size: number): number {
    this.updateConfig();
    if (offset < 0 || offset + size > this.config.length) {
      return size >= 4 ? 0xffffffff : 2 ** (size * 8) - 1;
    }
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      v = v * 256 + this.config[offset + i]!;
    }
    return v;
  }

  /** Config space write (QEMU virtio_config_writeX): out of range writes are ignored. */
  writeConfig(offset: number, size: number, value: number): void {
    this.updateConfig();
    if (offset < 0 || offset + size > this.config.length) {
      return;
    }
    let touched = false;
    for (let i = 0; i < size; i++, value = Math.floor(value / 256)) {
      if (this.configWritable(offset + i)) {
        this.config[offset + i] = value & 0xff;
        touched = true;
      }
    }
    if (touched) {
      this.configWritten(offset, size);
    }
  }

  /** Device-specific part of the saved state. */
  protected abstract saveDevice(): unknown;
  protected abstract loadDevice(state: unknown): void;

  state(): VirtioDeviceState {
    return {
      status: this.status,
      isr: this.isr,
      generation: this.generation,
      configVector: this.configVector,
      guestFeatures: this.guestFeatures.toString(16),
      broken: this.broken,
      queues: this.queues.map((q) => q.state()),
      device: this.saveDevice(),
    };
  }

  /** Restores a state() taken from the same device type; throws with QEMU-like text if inconsistent. */
  fromState(s: VirtioDeviceState): void {
    this.epoch++;
    this.status = 0;
    this.setFeatures(BigInt(`0x${s.guestFeatures}`));
    this.status = s.status & 0xff;
    this.isr = s.isr & 0xff;
    this.generation = s.generation & 0xff;
    this.configVector = s.configVector & 0xffff;
    this.broken = s.broken;
    if (s.queues.length !== this.queues.length) {
      throw new Error(`${this.name}: saved state has ${s.queues.length} queues, device has ${this.queues.length}`);
    }
    for (let i = 0; i < this.queues.length; i++) {
      const err = this.queues[i]!.fromState(s.queues[i]!);
      if (err !== undefined) {
        throw new Error(err);
      }
    }
    this.loadDevice(s.device);
  }
}
