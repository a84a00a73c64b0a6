import { GuestRam, ModernDriver, type DriverQueue } from "./virtio-driver.js";
import { VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX, features } from "../virtio-config.js";
import { VIRTIO_NET_F_MAC, VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_STATUS, VirtioNet } from "../virtio-net.js";
import { VirtioPciProxy } from "../virtio-pci.js";

/** A guest with a virtio-net NIC driven through the modern interface: frames in and out. */
export class GuestNic {
  readonly ram = new GuestRam(8 * 1024 * 1024);
  readonly net: VirtioNet;
  readonly drv: ModernDriver;
  private readonly rx: DriverQueue;
  private readonly tx: DriverQueue;
  private readonly bufs = new Map<number, number>();
  private readonly received: Uint8Array[] = [];

  constructor(mac: string) {
    this.net = new VirtioNet({ mac });
    this.drv = new ModernDriver(new VirtioPciProxy(this.net, { dma: this.ram }), this.ram);
    if (!this.drv.init(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX, VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_F_MRG_RXBUF), 3)) {
      throw new Error("virtio-net did not accept the features");
    }
    this.rx = this.drv.queues[0]!;
    this.tx = this.drv.queues[1]!;
    this.post(Array.from({ length: 32 }, () => this.ram.alloc(2048)));
  }

  /** Posts receive buffers (recycled ones keep their guest addresses). */
  private post(addrs: number[]): void {
    for (const a of addrs) {
      this.bufs.set(this.rx.add([{ addr: a, len: 2048, write: true }], { publish: false }), a);
    }
    this.rx.publish();
    this.rx.notify();
  }

  /** Frames received since the last call (header stripped); recycles the buffers. */
  take(): Uint8Array[] {
    const used = this.rx.takeUsed();
    const recycled: number[] = [];
    for (const u of used) {
      const a = this.bufs.get(u.id)!;
      this.received.push(this.ram.bytes.slice(a + 12, a + u.len));
      recycled.push(a);
    }
    if (used.length > 0) this.post(recycled);
    return this.received.splice(0);
  }

  send(frame: Uint8Array): void {
    const hdr = this.ram.alloc(12);
    const data = this.ram.alloc(frame.length);
    this.ram.bytes.set(frame, data);
    this.tx.add([
      { addr: hdr, len: 12 },
      { addr: data, len: frame.length },
    ]);
    this.tx.notify();
  }
}
