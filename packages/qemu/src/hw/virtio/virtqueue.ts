import type { DmaMemory } from "../io-device.js";
import {
  VIRTIO_PCI_VRING_ALIGN,
  VIRTIO_MSI_NO_VECTOR,
  VIRTQUEUE_MAX_SIZE,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_USED_F_NO_NOTIFY,
} from "./virtio-config.js";

/*
 * The split virtqueue (OASIS virtio-v1.1 2.6): a descriptor table, the driver's available ring and
 * the device's used ring, all in guest memory. The device side pops descriptor chains the driver
 * made available, hands each chain back through the used ring, and decides when to interrupt the
 * driver (2.6.7, 2.6.8 event index) and whether the driver should kick it (2.6.10).
 *
 * Every index and length the guest supplies is checked; a bad ring is reported through the owner's
 * error() (QEMU virtio_error: the device becomes "broken" and, for a 1.x driver, sets
 * DEVICE_NEEDS_RESET), never thrown.
 *
 * Ring layouts (2.6.5-2.6.8):
 *   struct virtq_desc  { le64 addr; le32 len; le16 flags; le16 next; }          16 bytes
 *   struct virtq_avail { le16 flags; le16 idx; le16 ring[size]; le16 used_event; }
 *   struct virtq_used  { le16 flags; le16 idx; struct { le32 id; le32 len; } ring[size]; le16 avail_event; }
 */

export const VRING_DESC_SIZE = 16;
export const VRING_AVAIL_RING = 4;
export const VRING_USED_RING = 4;
export const VRING_USED_ELEM_SIZE = 8;

/** What a queue needs from the device that owns it. */
export interface VirtqueueOwner {
  /** Guest memory as the device (a bus master) reaches it. */
  readonly dma: DmaMemory;
  /** QEMU virtio_error: report, mark the device broken. */
  error(message: string): void;
}

/**
 * One popped descriptor chain (QEMU VirtQueueElement): the device-readable ("out") buffers then
 * the device-writable ("in") buffers, as guest-physical address/length pairs.
 */
export class VirtqueueElement {
  outAddr: number[] = [];
  outLen: number[] = [];
  inAddr: number[] = [];
  inLen: number[] = [];
  outSize = 0;
  inSize = 0;

  constructor(
    readonly queue: VirtQueue,
    readonly head: number,
  ) {}

  /**
   * Copies device-readable bytes starting `offset` bytes into the chain into `dest`. Returns the
   * number of bytes copied (less than dest.length if the chain is shorter), or -1 if guest memory
   * refused a transfer.
   */
  gather(offset: number, dest: Uint8Array): number {
    return copyChain(this.queue.owner.dma, this.outAddr, this.outLen, offset, dest, false);
  }

  /** Copies `src` into the device-writable buffers at `offset`; bytes copied, or -1 on a DMA error. */
  scatter(offset: number, src: Uint8Array): number {
    return copyChain(this.queue.owner.dma, this.inAddr, this.inLen, offset, src, true);
  }
}

function copyChain(dma: DmaMemory, addrs: number[], lens: number[], offset: number, data: Uint8Array, toGuest: boolean): number {
  let done = 0;
  let skip = offset;
  for (let i = 0; i < addrs.length && done < data.length; i++) {
    const len = lens[i]!;
    if (skip >= len) {
      skip -= len;
      continue;
    }
    const n = Math.min(len - skip, data.length - done);
    const part = data.subarray(done, done + n);
    const ok = toGuest ? dma.write(addrs[i]! + skip, part) : dma.read(addrs[i]! + skip, part);
    if (!ok) {
      return -1;
    }
    done += n;
    skip = 0;
  }
  return done;
}

export interface VirtQueueState {
  num: number;
  desc: number;
  avail: number;
  used: number;
  ready: boolean;
  lastAvailIdx: number;
  usedIdx: number;
  signalledUsed: number;
  signalledUsedValid: boolean;
  notification: boolean;
  vector: number;
}

// Shared scratch for ring reads (all queue operations are synchronous).
const scratch = new ArrayBuffer(16);
const s2 = new Uint8Array(scratch, 0, 2);
const s8 = new Uint8Array(scratch, 0, 8);
const s16 = new Uint8Array(scratch, 0, 16);
const sv = new DataView(scratch);

/** (uint16)(new - event - 1) < (uint16)(new - old): virtio 1.1 2.6.7.2 / Linux vring_need_event. */
export function vringNeedEvent(eventIdx: number, newIdx: number, oldIdx: number): boolean {
  return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
}

export class VirtQueue {
  /** Current size (the driver may shrink it on the modern interface). */
  num: number;
  desc = 0;
  avail = 0;
  used = 0;
  /** Modern queue_enable / legacy "PFN written". */
  ready = false;
  lastAvailIdx = 0;
  /** Last avail->idx read from the guest (QEMU shadow_avail_idx). */
  private shadowAvailIdx = 0;
  usedIdx = 0;
  private signalledUsed = 0;
  private signalledUsedValid = false;
  /** Whether the driver should kick us (QEMU vq->notification). */
  private notification = true;
  /** Chains popped and not yet pushed back. */
  inuse = 0;
  vector = VIRTIO_MSI_NO_VECTOR;
  /** Negotiated ring features, set by the device when the driver's features are accepted. */
  eventIdx = false;
  notifyOnEmpty = false;

  constructor(
    readonly owner: VirtqueueOwner,
    readonly index: number,
    /** Size offered by the device (QEMU vring.num_default); a power of two up to 32768. */
    readonly maxSize: number,
    readonly handler: (vq: VirtQueue) => void,
  ) {
    this.num = maxSize;
  }

  /** The rings are set up (QEMU virtio_queue_ready: vring.avail != 0). */
  get isReady(): boolean {
    return this.avail !== 0 && this.num !== 0;
  }

  /** Legacy layout from the page frame the driver wrote (2.6.2): avail after desc, used page aligned. */
  setLegacyAddress(pa: number): void {
    this.desc = pa;
    this.avail = pa + this.num * VRING_DESC_SIZE;
    const availEnd = this.avail + VRING_AVAIL_RING + 2 * this.num + 2;
    this.used = Math.ceil(availEnd / VIRTIO_PCI_VRING_ALIGN) * VIRTIO_PCI_VRING_ALIGN;
    this.ready = pa !== 0;
  }

  /** Back to the power-on state (QEMU __virtio_queue_reset). */
  reset(): void {
    this.num = this.maxSize;
    this.desc = 0;
    this.avail = 0;
    this.used = 0;
    this.ready = false;
    this.lastAvailIdx = 0;
    this.shadowAvailIdx = 0;
    this.usedIdx = 0;
    this.signalledUsed = 0;
    this.signalledUsedValid = false;
    this.notification = true;
    this.inuse = 0;
    this.vector = VIRTIO_MSI_NO_VECTOR;
  }

  private readU16(address: number): number {
    if (!this.owner.dma.read(address, s2)) {
      this.owner.error(`virtio: cannot read ring at 0x${address.toString(16)} (queue ${this.index})`);
      return -1;
    }
    return sv.getUint16(0, true);
  }

  private writeU16(address: number, value: number): boolean {
    sv.setUint16(0, value, true);
    if (!this.owner.dma.write(address, s2)) {
      this.owner.error(`virtio: cannot write ring at 0x${address.toString(16)} (queue ${this.index})`);
      return false;
    }
    return true;
  }

  /** avail->idx from guest memory, or -1 after a DMA error. */
  private readAvailIdx(): number {
    const v = this.readU16(this.avail + 2);
    if (v >= 0) {
      this.shadowAvailIdx = v;
    }
    return v;
  }

  /**
   * How many chains the driver has made available past lastAvailIdx (QEMU virtqueue_num_heads),
   * or -1 if the ring is broken.
   */
  private numHeads(): number {
    const idx = this.readAvailIdx();
    if (idx < 0) {
      return -1;
    }
    const n = (idx - this.lastAvailIdx) & 0xffff;
    if (n > this.num) {
      this.owner.error(`Guest moved used index from ${this.lastAvailIdx} to ${idx}`);
      return -1;
    }
    return n;
  }

  /** Chains the driver has made available and the device has not taken (0 after a ring error). */
  availableCount(): number {
    if (!this.isReady) {
      return 0;
    }
    return Math.max(0, this.numHeads());
  }

  /** Whether no chain is waiting (QEMU virtio_queue_empty). */
  isEmpty(): boolean {
    if (!this.isReady) {
      return true;
    }
    if (this.shadowAvailIdx !== this.lastAvailIdx) {
      return false;
    }
    const idx = this.readAvailIdx();
    return idx < 0 || idx === this.lastAvailIdx;
  }

  /**
   * Takes the next available chain (QEMU virtqueue_pop), or null when there is none or the ring
   * is malformed (then the owner has been told through error()).
   */
  pop(): VirtqueueElement | null {
    if (!this.isReady) {
      return null;
    }
    if (this.shadowAvailIdx === this.lastAvailIdx) {
      const n = this.numHeads();
      if (n <= 0) {
        return null;
      }
    } else if (((this.shadowAvailIdx - this.lastAvailIdx) & 0xffff) > this.num) {
      this.owner.error(`Guest moved used index from ${this.lastAvailIdx} to ${this.shadowAvailIdx}`);
      return null;
    }
    const head = this.readU16(this.avail + VRING_AVAIL_RING + 2 * (this.lastAvailIdx % this.num));
    if (head < 0) {
      return null;
    }
    if (head >= this.num) {
      this.owner.error(`Guest says index ${head} is available`);
      return null;
    }
    const elem = this.readChain(head);
    if (elem === null) {
      return null;
    }
    this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
    if (this.eventIdx) {
      // vring_set_avail_event: kick me when the driver goes past what I have taken (2.6.10).
      this.writeU16(this.used + VRING_USED_RING + VRING_USED_ELEM_SIZE * this.num, this.lastAvailIdx);
    }
    this.inuse++;
    return elem;
  }

  /** Reads one descriptor into the scratch; false after a DMA error. */
  private readDesc(table: number, i: number): boolean {
    if (!this.owner.dma.read(table + i * VRING_DESC_SIZE, s16)) {
      this.owner.error(`virtio: cannot read descriptor ${i} at 0x${(table + i * VRING_DESC_SIZE).toString(16)}`);
      return false;
    }
    return true;
  }

  /**
   * Walks the chain starting at `head` (2.6.5, 2.6.5.3 indirect descriptors), validating every
   * index, flag combination and length.
   */
  readChain(head: number): VirtqueueElement | null {
    if (head >= this.num) {
      this.owner.error(`Guest says index ${head} is available`);
      return null;
    }
    const elem = new VirtqueueElement(this, head);
    let table = this.desc;
    let max = this.num;
    let i = head;
    if (!this.readDesc(table, i)) {
      return null;
    }
    let flags = sv.getUint16(12, true);
    if (flags & VRING_DESC_F_INDIRECT) {
      const len = sv.getUint32(8, true);
      if (len === 0 || len % VRING_DESC_SIZE !== 0) {
        this.owner.error("Invalid size for indirect buffer table");
        return null;
      }
      if (flags & VRING_DESC_F_NEXT) {
        // 2.6.5.3.1: a driver MUST NOT set both INDIRECT and NEXT.
        this.owner.error("Indirect descriptor with VRING_DESC_F_NEXT set");
        return null;
      }
      table = readAddr();
      max = len / VRING_DESC_SIZE;
      i = 0;
      if (!this.readDesc(table, i)) {
        return null;
      }
      flags = sv.getUint16(12, true);
      if (flags & VRING_DESC_F_INDIRECT) {
        this.owner.error("Nested indirect descriptor");
        return null;
      }
    }
    for (let count = 0; ; count++) {
      if (count >= max || count >= VIRTQUEUE_MAX_SIZE) {
        this.owner.error("Looped descriptor");
        return null;
      }
      const addr = readAddr();
      const len = sv.getUint32(8, true);
      if (len === 0) {
        this.owner.error("virtio: zero sized buffers are not allowed");
        return null;
      }
      if (addr + len > 2 ** 53) {
        this.owner.error("virtio: bogus descriptor or out of resources");
        return null;
      }
      if (flags & VRING_DESC_F_WRITE) {
        elem.inAddr.push(addr);
        elem.inLen.push(len);
        elem.inSize += len;
      } else {
        if (elem.inAddr.length > 0) {
          this.owner.error("Incorrect order for descriptors");
          return null;
        }
        elem.outAddr.push(addr);
        elem.outLen.push(len);
        elem.outSize += len;
      }
      if (!(flags & VRING_DESC_F_NEXT)) {
        return elem;
      }
      const next = sv.getUint16(14, true);
      if (next >= max) {
        this.owner.error(`Desc next is ${next}`);
        return null;
      }
      i = next;
      if (!this.readDesc(table, i)) {
        return null;
      }
      flags = sv.getUint16(12, true);
      if (flags & VRING_DESC_F_INDIRECT && table !== this.desc) {
        this.owner.error("Nested indirect descriptor");
        return null;
      }
      if (flags & VRING_DESC_F_INDIRECT) {
        this.owner.error("Indirect descriptor in the middle of a chain");
        return null;
      }
    }

    function readAddr(): number {
      return sv.getUint32(0, true) + sv.getUint32(4, true) * 0x1_0000_0000;
    }
  }

  /** Gives up the last popped chain without using it (QEMU virtqueue_unpop). */
  unpop(): void {
    this.lastAvailIdx = (this.lastAvailIdx - 1) & 0xffff;
    this.inuse--;
  }

  /**
   * Returns a chain to the driver with `len` bytes written into its device-writable part
   * (QEMU virtqueue_push: fill + flush). False after a DMA error.
   */
  push(elem: VirtqueueElement, len: number): boolean {
    return this.fill(elem, len, 0) && this.flush(1);
  }

  /** Writes used.ring[usedIdx + offset] without publishing it (QEMU virtqueue_fill). */
  fill(elem: VirtqueueElement, len: number, offset: number): boolean {
    const slot = (this.usedIdx + offset) % this.num;
    sv.setUint32(0, elem.head, true);
    sv.setUint32(4, len >>> 0, true);
    if (!this.owner.dma.write(this.used + VRING_USED_RING + VRING_USED_ELEM_SIZE * slot, s8)) {
      this.owner.error(`virtio: cannot write used ring of queue ${this.index}`);
      return false;
    }
    return true;
  }

  /** Publishes `count` filled entries by advancing used->idx (QEMU virtqueue_flush). */
  flush(count: number): boolean {
    const newIdx = (this.usedIdx + count) & 0xffff;
    this.inuse -= count;
    if (this.inuse < 0) {
      this.inuse = 0;
    }
    if (!this.writeU16(this.used + 2, newIdx)) {
      return false;
    }
    const old = this.usedIdx;
    this.usedIdx = newIdx;
    // QEMU: if the used index wrapped past the last signalled value, the event index is stale.
    if (((newIdx - this.signalledUsed) & 0xffff) < ((newIdx - old) & 0xffff)) {
      this.signalledUsedValid = false;
    }
    return true;
  }

  /**
   * Whether the driver wants an interrupt for what was just pushed (QEMU virtio_should_notify;
   * virtio 1.1 2.6.7 and 2.6.7.2 with VIRTIO_F_EVENT_IDX).
   */
  shouldNotify(): boolean {
    if (!this.isReady) {
      return false;
    }
    if (this.notifyOnEmpty && this.inuse === 0 && this.isEmpty()) {
      return true;
    }
    if (!this.eventIdx) {
      const flags = this.readU16(this.avail);
      return flags >= 0 && !(flags & VRING_AVAIL_F_NO_INTERRUPT);
    }
    const valid = this.signalledUsedValid;
    this.signalledUsedValid = true;
    const old = this.signalledUsed;
    this.signalledUsed = this.usedIdx;
    if (!valid) {
      return true;
    }
    const usedEvent = this.readU16(this.avail + VRING_AVAIL_RING + 2 * this.num);
    return usedEvent >= 0 && vringNeedEvent(usedEvent, this.usedIdx, old);
  }

  /**
   * Tells the driver whether to kick us (QEMU virtio_queue_set_notification; 2.6.10): with event
   * index, avail_event is the index past which a kick is wanted, else used->flags NO_NOTIFY.
   */
  setNotification(enable: boolean): void {
    this.notification = enable;
    if (!this.isReady) {
      return;
    }
    if (this.eventIdx) {
      if (enable) {
        const idx = this.readAvailIdx();
        if (idx >= 0) {
          this.writeU16(this.used + VRING_USED_RING + VRING_USED_ELEM_SIZE * this.num, idx);
        }
      }
    } else {
      this.writeU16(this.used, enable ? 0 : VRING_USED_F_NO_NOTIFY);
    }
  }

  get notificationEnabled(): boolean {
    return this.notification;
  }

  state(): VirtQueueState {
    return {
      num: this.num,
      desc: this.desc,
      avail: this.avail,
      used: this.used,
      ready: this.ready,
      lastAvailIdx: this.lastAvailIdx,
      usedIdx: this.usedIdx,
      signalledUsed: this.signalledUsed,
      signalledUsedValid: this.signalledUsedValid,
      notification: this.notification,
      vector: this.vector,
    };
  }

  /**
   * Restores the ring registers; guest memory must already hold the restored rings. As QEMU's
   * virtio_load, the driver's avail index is checked against the restored position.
   * Returns an error text if the state is inconsistent.
   */
  fromState(s: VirtQueueState): string | undefined {
    const num = s.num >>> 0;
    if (num > this.maxSize || (num !== 0 && (num & (num - 1)) !== 0)) {
      return `VQ ${this.index} size 0x${num.toString(16)} invalid`;
    }
    this.num = num;
    this.desc = s.desc;
    this.avail = s.avail;
    this.used = s.used;
    this.ready = s.ready;
    this.lastAvailIdx = s.lastAvailIdx & 0xffff;
    this.shadowAvailIdx = this.lastAvailIdx;
    this.usedIdx = s.usedIdx & 0xffff;
    this.signalledUsed = s.signalledUsed & 0xffff;
    this.signalledUsedValid = s.signalledUsedValid;
    this.notification = s.notification;
    this.vector = s.vector & 0xffff;
    this.inuse = (this.lastAvailIdx - this.usedIdx) & 0xffff;
    if (this.isReady) {
      const s2ok = this.owner.dma.read(this.avail + 2, s2);
      if (!s2ok) {
        return `VQ ${this.index}: avail ring not in guest memory`;
      }
      const idx = sv.getUint16(0, true);
      const nheads = (idx - this.lastAvailIdx) & 0xffff;
      if (nheads > this.num) {
        return `VQ ${this.index} size 0x${this.num.toString(16)} Guest index 0x${idx.toString(16)} inconsistent with Host index 0x${this.lastAvailIdx.toString(16)}: delta 0x${nheads.toString(16)}`;
      }
      if (this.inuse > this.num) {
        return `VQ ${this.index} size 0x${this.num.toString(16)} < last_avail_idx 0x${this.lastAvailIdx.toString(16)} - used_idx 0x${this.usedIdx.toString(16)}`;
      }
    }
    return undefined;
  }
}
