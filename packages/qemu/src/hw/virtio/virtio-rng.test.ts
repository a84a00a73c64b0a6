import { describe, expect, it } from "vitest";
import { GuestRam, LegacyDriver, ModernDriver, until } from "./testing/virtio-driver.js";
import { VIRTIO_F_VERSION_1, features } from "./virtio-config.js";
import { VirtioPciProxy } from "./virtio-pci.js";
import { VirtioRng } from "./virtio-rng.js";

describe("virtio-rng", () => {
  it("fills requests with host entropy (node:crypto) through the modern interface", () => {
    const ram = new GuestRam();
    const rng = new VirtioRng();
    const drv = new ModernDriver(new VirtioPciProxy(rng, { dma: ram }), ram);
    expect(drv.init(features(VIRTIO_F_VERSION_1), 1)).toBe(true);
    const q = drv.queues[0]!;
    expect(q.size).toBe(8);
    const a = ram.alloc(4096);
    const b = ram.alloc(4096);
    q.add([{ addr: a, len: 4096, write: true }]);
    q.add([{ addr: b, len: 4096, write: true }]);
    q.notify();
    expect(q.takeUsed()).toEqual([
      { id: 0, len: 4096 },
      { id: 1, len: 4096 },
    ]);
    const x = ram.bytes.slice(a, a + 4096);
    const y = ram.bytes.slice(b, b + 4096);
    // Random: not all zero, the two buffers differ, and every byte value shows up about equally.
    expect(x).not.toEqual(y);
    const counts = new Array<number>(256).fill(0);
    for (const v of [...x, ...y]) counts[v]!++;
    expect(Math.max(...counts)).toBeLessThan(80);
    expect(counts.filter((c) => c === 0).length).toBeLessThan(3);
  });

  it("fills at most 64 KiB of a huge buffer", () => {
    const ram = new GuestRam();
    const drv = new ModernDriver(new VirtioPciProxy(new VirtioRng(), { dma: ram }), ram);
    drv.init(features(VIRTIO_F_VERSION_1), 1);
    const q = drv.queues[0]!;
    q.add([{ addr: ram.alloc(65536), len: 0x80000000, write: true }]);
    q.notify();
    expect(q.takeUsed()).toEqual([{ id: 0, len: 65536 }]);
  });

  it("honours max-bytes per period and serves the rest when the period rolls over", async () => {
    const ram = new GuestRam();
    let now = 0;
    const rng = new VirtioRng({ maxBytes: 16, periodMs: 1, now: () => now });
    const drv = new LegacyDriver(new VirtioPciProxy(rng, { dma: ram }), ram);
    drv.init(0, 1);
    const q = drv.queues[0]!;
    q.add([{ addr: ram.alloc(64), len: 64, write: true }]);
    q.add([{ addr: ram.alloc(64), len: 64, write: true }]);
    q.notify();
    expect(q.takeUsed()).toEqual([{ id: 0, len: 16 }]);
    now = 5;
    await until(() => q.usedIdx === 2);
    expect(q.takeUsed()).toEqual([{ id: 1, len: 16 }]);
  });
});
