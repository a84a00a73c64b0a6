import { randomFillSync } from "node:crypto";
import { VIRTIO_ID_RNG } from "./virtio-config.js";
import { VirtioDevice } from "./virtio-device.js";
import type { VirtQueue } from "./virtqueue.js";

/*
 * virtio-rng, the entropy device (OASIS virtio-v1.1 5.4; QEMU hw/virtio/virtio-rng.c): one
 * request queue of device-writable buffers, each filled with random bytes. The entropy comes from
 * the host's CSPRNG (node:crypto, i.e. the kernel's getrandom), as QEMU's default rng-random
 * backend reads /dev/urandom.
 */

export interface VirtioRngOptions {
  /** Entropy source (default: crypto.randomFillSync). */
  source?: (dest: Uint8Array) => void;
  /** QEMU max-bytes/period rate limit: at most maxBytes per periodMs (default unlimited). */
  maxBytes?: number;
  periodMs?: number;
  /** Time source for the rate limit, in ms (default Date.now). */
  now?: () => number;
}

/** QEMU's virtio-rng queue size. */
export const VIRTIO_RNG_QUEUE_SIZE = 8;
const RNG_CHUNK = 64 * 1024;

export class VirtioRng extends VirtioDevice {
  readonly deviceId = VIRTIO_ID_RNG;
  readonly name = "virtio-rng";
  private readonly source: (dest: Uint8Array) => void;
  private readonly vq: VirtQueue;
  private readonly maxBytes: number;
  private readonly periodMs: number;
  private readonly now: () => number;
  private quota: number;
  private periodStart: number;
  /** Scratch for one request's entropy (never allocated per request). */
  private readonly buf = new Uint8Array(RNG_CHUNK);
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: VirtioRngOptions = {}) {
    super(0, 0n);
    this.source = options.source ?? ((d) => randomFillSync(d));
    this.maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    this.periodMs = options.periodMs ?? 1 << 16;
    this.now = options.now ?? Date.now;
    this.quota = this.maxBytes;
    this.periodStart = this.now();
    this.vq = this.addQueue(VIRTIO_RNG_QUEUE_SIZE, () => {
      this.fill();
    });
  }

  /** Serves every available request the quota allows (virtio_rng_process + chr_read). */
  private fill(): void {
    const vq = this.vq;
    const t = this.now();
    if (t - this.periodStart >= this.periodMs) {
      this.periodStart = t;
      this.quota = this.maxBytes;
    }
    let pushed = false;
    while (!this.broken && this.quota > 0) {
      const elem = vq.pop();
      if (elem === null) {
        break;
      }
      // At most 64 KiB per request: the device may fill less than the buffer (virtio 1.1 5.4.6.1).
      const n = Math.min(elem.inSize, this.quota, RNG_CHUNK);
      if (n === 0) {
        // A request with nothing writable: hand it back empty.
        pushed = vq.push(elem, 0) || pushed;
        continue;
      }
      const out = this.buf.subarray(0, n);
      this.source(out);
      const written = elem.scatter(0, out);
      if (written < 0) {
        this.error("virtio: bogus descriptor or out of resources");
        return;
      }
      this.quota -= written;
      pushed = vq.push(elem, written) || pushed;
    }
    if (pushed) {
      this.notifyQueue(vq);
    }
    if (this.quota <= 0 && !vq.isEmpty() && this.retryTimer === undefined) {
      // Out of quota: serve the rest when the next period starts (QEMU's rate-limit timer).
      const wait = Math.max(0, this.periodStart + this.periodMs - this.now());
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.fill();
      }, wait);
      this.retryTimer.unref();
    }
  }

  protected deviceReset(): void {
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  protected saveDevice(): null {
    return null;
  }

  protected loadDevice(): void {
    // no device state beyond the queue
  }
}
