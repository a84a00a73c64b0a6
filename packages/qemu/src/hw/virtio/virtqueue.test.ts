import { describe, expect, it } from "vitest";
import { GuestRam, ModernDriver } from "./testing/virtio-driver.js";
import {
  VIRTIO_CONFIG_S_NEEDS_RESET,
  VIRTIO_F_VERSION_1,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RING_F_INDIRECT_DESC,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_USED_F_NO_NOTIFY,
  features,
} from "./virtio-config.js";
import { VirtioPciProxy } from "./virtio-pci.js";
import { VirtioRng } from "./virtio-rng.js";
import { vringNeedEvent } from "./virtqueue.js";

function setup(wanted: bigint, queueSize?: number) {
  const ram = new GuestRam();
  const errors: string[] = [];
  let counter = 0;
  const rng = new VirtioRng({
    source: (d) => {
      for (let i = 0; i < d.length; i++) d[i] = ++counter & 0xff;
    },
  });
  rng.onError = (m) => errors.push(m);
  const proxy = new VirtioPciProxy(rng, { dma: ram });
  const drv = new ModernDriver(proxy, ram);
  expect(drv.init(wanted, 1, queueSize)).toBe(true);
  return { ram, rng, proxy, drv, q: drv.queues[0]!, errors };
}

describe("split virtqueue", () => {
  it("fills a chained request and returns it through the used ring with the written length", () => {
    const { ram, q, proxy } = setup(features(VIRTIO_F_VERSION_1));
    const a = ram.alloc(10);
    const b = ram.alloc(20);
    const head = q.add([
      { addr: a, len: 10, write: true },
      { addr: b, len: 20, write: true },
    ]);
    q.notify();
    expect(q.takeUsed()).toEqual([{ id: head, len: 30 }]);
    expect(Array.from(ram.bytes.subarray(a, a + 3))).toEqual([1, 2, 3]);
    expect(ram.bytes[b]).toBe(11);
    expect(proxy.irqLevel).toBe(true);
  });

  it("walks an indirect descriptor table (2.6.5.3)", () => {
    const { ram, q } = setup(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_INDIRECT_DESC));
    const bufs = [0, 1, 2].map(() => ({ addr: ram.alloc(8), len: 8, write: true }));
    const head = q.add(bufs, { indirect: true });
    q.notify();
    expect(q.takeUsed()).toEqual([{ id: head, len: 24 }]);
    expect(ram.bytes[bufs[2]!.addr + 7]).toBe(24);
  });

  it("without EVENT_IDX honours VRING_AVAIL_F_NO_INTERRUPT and asks for kicks through used->flags", () => {
    const { ram, q, drv, proxy } = setup(features(VIRTIO_F_VERSION_1));
    q.availFlags = VRING_AVAIL_F_NO_INTERRUPT;
    q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    q.notify();
    expect(q.takeUsed()).toHaveLength(1);
    expect(proxy.irqLevel).toBe(false);
    expect(drv.readIsr()).toBe(0);
    // After the device drained the ring it re-enabled kicks (used->flags back to 0).
    expect(q.usedFlags & VRING_USED_F_NO_NOTIFY).toBe(0);
    q.availFlags = 0;
    q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    q.notify();
    expect(proxy.irqLevel).toBe(true);
    expect(drv.readIsr()).toBe(1);
    expect(proxy.irqLevel).toBe(false);
  });

  it("with EVENT_IDX interrupts only when used->idx passes used_event, and publishes avail_event", () => {
    const { ram, q, drv, proxy } = setup(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX));
    // The driver wants an interrupt only after the 3rd buffer (used_event = 2).
    q.usedEvent = 2;
    const irqs: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
      q.notify();
      irqs.push(proxy.irqLevel);
      drv.readIsr();
    }
    // The first push always interrupts (no signalled index yet); then only crossing used_event=2.
    expect(irqs).toEqual([true, false, true, false]);
    expect(q.takeUsed()).toHaveLength(4);
    // The device asks to be kicked once the driver goes past what it has consumed.
    expect(q.availEvent).toBe(4);
  });

  it("vring_need_event matches the spec's wrap-around arithmetic", () => {
    expect(vringNeedEvent(2, 3, 2)).toBe(true);
    expect(vringNeedEvent(2, 2, 1)).toBe(false);
    expect(vringNeedEvent(0xffff, 0, 0xfffe)).toBe(true);
    expect(vringNeedEvent(5, 0, 0xfffe)).toBe(false);
  });

  it("respects a queue size the driver reduced", () => {
    const { q, drv } = setup(features(VIRTIO_F_VERSION_1), 4);
    expect(q.size).toBe(4);
    drv.setCommon(0x16, 2, 0);
    expect(drv.common(0x18, 2)).toBe(4);
  });
});

describe("malformed rings mark the device broken (DEVICE_NEEDS_RESET), never throw", () => {
  const cases: [string, (ctx: ReturnType<typeof setup>) => void, string][] = [
    [
      "avail index moved by more than the queue size",
      ({ q, ram }) => {
        ram.view.setUint16(q.avail + 2, q.size + 5, true);
      },
      "Guest moved used index from 0 to 13",
    ],
    [
      "head index out of range",
      ({ q, ram }) => {
        ram.view.setUint16(q.avail + 4, 200, true);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "Guest says index 200 is available",
    ],
    [
      "next index out of range",
      ({ q, ram }) => {
        q.writeDesc(q.desc, 0, ram.alloc(4), 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 99);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "Desc next is 99",
    ],
    [
      "a descriptor loop",
      ({ q, ram }) => {
        const a = ram.alloc(4);
        q.writeDesc(q.desc, 0, a, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
        q.writeDesc(q.desc, 1, a, 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "Looped descriptor",
    ],
    [
      "a zero-length buffer",
      ({ q, ram }) => {
        q.writeDesc(q.desc, 0, ram.alloc(4), 0, VRING_DESC_F_WRITE, 0);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "virtio: zero sized buffers are not allowed",
    ],
    [
      "a readable buffer after a writable one",
      ({ q, ram }) => {
        q.writeDesc(q.desc, 0, ram.alloc(4), 4, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
        q.writeDesc(q.desc, 1, ram.alloc(4), 4, 0, 0);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "Incorrect order for descriptors",
    ],
    [
      "an indirect table whose size is not a multiple of 16",
      ({ q, ram }) => {
        q.writeDesc(q.desc, 0, ram.alloc(32), 20, VRING_DESC_F_INDIRECT, 0);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "Invalid size for indirect buffer table",
    ],
    [
      "a nested indirect table",
      ({ q, ram }) => {
        const t = ram.alloc(32);
        q.writeDesc(t, 0, ram.alloc(32), 32, VRING_DESC_F_INDIRECT, 0);
        q.writeDesc(q.desc, 0, t, 16, VRING_DESC_F_INDIRECT, 0);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "Nested indirect descriptor",
    ],
    [
      "a buffer outside guest memory",
      ({ q, ram }) => {
        q.writeDesc(q.desc, 0, 0x7000_0000, 16, VRING_DESC_F_WRITE, 0);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "virtio: bogus descriptor or out of resources",
    ],
    [
      "a buffer address near 2^64",
      ({ q, ram }) => {
        q.writeDesc(q.desc, 0, 0, 16, VRING_DESC_F_WRITE, 0);
        ram.view.setUint32(q.desc + 4, 0xffffffff, true);
        ram.view.setUint16(q.avail + 2, 1, true);
      },
      "virtio: bogus descriptor or out of resources",
    ],
  ];

  for (const [what, corrupt, message] of cases) {
    it(`reports ${what}`, () => {
      const ctx = setup(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_INDIRECT_DESC));
      corrupt(ctx);
      expect(() => {
        ctx.q.notify();
      }).not.toThrow();
      expect(ctx.errors).toEqual([message]);
      expect(ctx.drv.status & VIRTIO_CONFIG_S_NEEDS_RESET).toBe(VIRTIO_CONFIG_S_NEEDS_RESET);
      expect(ctx.rng.broken).toBe(true);
      // Config-change interrupt: ISR bit 1 with a new generation.
      expect(ctx.drv.readIsr() & 2).toBe(2);
      expect(ctx.drv.common(0x15, 1)).toBe(1);
      // Further kicks are ignored until a reset, which brings the device back.
      ctx.q.notify();
      expect(ctx.errors).toHaveLength(1);
      expect(ctx.drv.init(features(VIRTIO_F_VERSION_1), 1)).toBe(true);
      expect(ctx.rng.broken).toBe(false);
      const fresh = ctx.drv.queues[0]!;
      fresh.add([{ addr: ctx.ram.alloc(4), len: 4, write: true }]);
      fresh.notify();
      expect(fresh.takeUsed()).toHaveLength(1);
    });
  }

  it("random ring contents never throw", () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed;
    };
    for (let round = 0; round < 200; round++) {
      const ctx = setup(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX));
      const q = ctx.q;
      for (let i = q.desc; i < q.desc + 16 * 8; i += 4) ctx.ram.view.setUint32(i, rand() & (i % 16 === 0 ? 0x3fffff : 0xffffffff), true);
      for (let i = 0; i < 8; i++) ctx.ram.view.setUint16(q.avail + 4 + 2 * i, rand() % 12, true);
      ctx.ram.view.setUint16(q.avail + 2, rand() % 12, true);
      expect(() => {
        q.notify();
      }).not.toThrow();
    }
  });
});
