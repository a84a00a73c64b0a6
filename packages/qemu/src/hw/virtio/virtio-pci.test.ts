import { describe, expect, it } from "vitest";
import { PciBus } from "../pci-bus.js";
import { PCI_COMMAND, PCI_COMMAND_MASTER } from "../pci-device.js";
import { GuestRam, LegacyDriver, LevelProbe, ModernDriver } from "./testing/virtio-driver.js";
import {
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_F_VERSION_1,
  VIRTIO_MSI_NO_VECTOR,
  VIRTIO_RING_F_EVENT_IDX,
  features,
} from "./virtio-config.js";
import { VirtioNet } from "./virtio-net.js";
import { VIRTIO_PCI_COMMON_MSIX, VIRTIO_PCI_COMMON_Q_MSIX, VIRTIO_PCI_COMMON_Q_SELECT, VirtioPciProxy } from "./virtio-pci.js";
import { VirtioRng } from "./virtio-rng.js";
import { PCI_MSIX_ENTRY_CTRL_MASKBIT } from "./msix.js";

describe("virtio-pci transport", () => {
  it("refuses FEATURES_OK through the modern interface without VIRTIO_F_VERSION_1 (virtio 1.1 6.1)", () => {
    const ram = new GuestRam();
    const drv = new ModernDriver(new VirtioPciProxy(new VirtioRng(), { dma: ram }), ram);
    expect(drv.init(features(VIRTIO_RING_F_EVENT_IDX), 1)).toBe(false);
    expect(drv.status).toBe(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
    expect(drv.init(features(VIRTIO_F_VERSION_1), 1)).toBe(true);
  });

  it("ignores feature writes once FEATURES_OK is set, and resets everything on status 0", () => {
    const ram = new GuestRam();
    const rng = new VirtioRng();
    const proxy = new VirtioPciProxy(rng, { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    drv.init(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX), 1);
    drv.writeDriverFeatures(features(VIRTIO_F_VERSION_1));
    expect(rng.guestFeatures).toBe(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX));
    const q = drv.queues[0]!;
    q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    q.notify();
    expect(proxy.irqLevel).toBe(true);
    drv.status = 0;
    expect(proxy.irqLevel).toBe(false);
    expect(rng.guestFeatures).toBe(0n);
    expect(rng.queues[0]!.desc).toBe(0);
    expect(drv.common(0x1c, 2)).toBe(0); // queue_enable
    expect(drv.status).toBe(0);
  });

  it("routes INTx through the PCI bus and deasserts it when the ISR is read", () => {
    const ram = new GuestRam();
    const pirq = [new LevelProbe(), new LevelProbe(), new LevelProbe(), new LevelProbe()];
    const bus = new PciBus({ setIrq: (irq, level) => pirq[irq]!.setLevel(level) });
    const proxy = bus.attach(new VirtioPciProxy(new VirtioRng(), { dma: ram }), 3);
    const drv = new ModernDriver(proxy, ram);
    drv.init(features(VIRTIO_F_VERSION_1), 1);
    drv.queues[0]!.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    drv.queues[0]!.notify();
    // Slot 3 INTA# lands on PIRQC (the PIIX swizzle).
    expect(pirq.map((p) => p.level)).toEqual([false, false, true, false]);
    expect(drv.readIsr()).toBe(1);
    expect(pirq[2]!.level).toBe(false);
  });

  it("reaches the modern registers through the VIRTIO_PCI_CAP_PCI_CFG window (4.1.4.7)", () => {
    const ram = new GuestRam();
    const proxy = new VirtioPciProxy(new VirtioRng(), { dma: ram });
    const cap = 0x84;
    expect(proxy.configRead(cap, 4) & 0xffff00ff).toBe(0x05140009);
    proxy.configWrite(cap + 4, 1, 4);
    proxy.configWrite(cap + 12, 4, 2);
    proxy.configWrite(cap + 8, 4, 0x18); // queue_size
    expect(proxy.configRead(cap + 16, 4) & 0xffff).toBe(8);
    proxy.configWrite(cap + 12, 4, 1);
    proxy.configWrite(cap + 8, 4, 0x14); // device_status
    proxy.configWrite(cap + 16, 4, VIRTIO_CONFIG_S_ACKNOWLEDGE);
    expect(proxy.vdev.status).toBe(VIRTIO_CONFIG_S_ACKNOWLEDGE);
  });

  it("gates DMA on bus mastering, and a legacy driver gets it turned on at DRIVER_OK as QEMU does", () => {
    const ram = new GuestRam();
    const rng = new VirtioRng();
    const proxy = new VirtioPciProxy(rng, { dma: ram });
    const drv = new LegacyDriver(proxy, ram, false);
    drv.init(0, 1);
    expect(proxy.command & PCI_COMMAND_MASTER).toBe(PCI_COMMAND_MASTER);
    drv.queues[0]!.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    drv.queues[0]!.notify();
    expect(drv.queues[0]!.takeUsed()).toHaveLength(1);
    // With mastering off again, the device cannot reach the ring: it reports instead of crashing.
    const errors: string[] = [];
    rng.onError = (m) => errors.push(m);
    proxy.configWrite(PCI_COMMAND, 2, 1);
    drv.queues[0]!.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    drv.queues[0]!.notify();
    expect(errors[0]).toMatch(/^virtio: cannot read ring/);
  });

  it("delivers MSI-X messages per vector, latches them while masked and sends them on unmask", () => {
    const ram = new GuestRam();
    const msis: [number, number, number][] = [];
    const rng = new VirtioRng();
    const proxy = new VirtioPciProxy(rng, { dma: ram, msi: (lo, hi, data) => msis.push([lo, hi, data]) });
    expect(proxy.msix?.vectors).toBe(2);
    const drv = new ModernDriver(proxy, ram);
    const table = proxy.msixMmio!;
    // Vector 0: config, vector 1: the queue (as Linux's vp_find_vqs_msix does).
    for (const v of [0, 1]) {
      table.write(v * 16, 4, 0xfee00000);
      table.write(v * 16 + 4, 4, 0);
      table.write(v * 16 + 8, 4, 0x40 + v);
    }
    table.write(12, 4, 0);
    const cap = proxy.msix!.cap;
    proxy.configWrite(cap + 2, 2, 0x8000); // MSI-X enable
    drv.init(features(VIRTIO_F_VERSION_1), 0);
    drv.setCommon(VIRTIO_PCI_COMMON_MSIX, 2, 0);
    expect(drv.common(VIRTIO_PCI_COMMON_MSIX, 2)).toBe(0);
    drv.setCommon(VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
    drv.setCommon(VIRTIO_PCI_COMMON_Q_MSIX, 2, 7); // no such vector
    expect(drv.common(VIRTIO_PCI_COMMON_Q_MSIX, 2)).toBe(VIRTIO_MSI_NO_VECTOR);
    drv.setCommon(VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
    const q = drv.setupQueue(0);
    drv.status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK;
    q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    q.notify();
    // Vector 1 is still masked (reset state): pending, nothing sent, no INTx either.
    expect(msis).toEqual([]);
    expect(proxy.irqLevel).toBe(false);
    expect(table.read(2048, 1)).toBe(0b10);
    table.write(16 + 12, 4, 0); // unmask vector 1
    expect(msis).toEqual([[0xfee00000, 0, 0x41]]);
    expect(table.read(2048, 1)).toBe(0);
    q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    q.notify();
    expect(msis).toHaveLength(2);
    // Config changes go to vector 0.
    rng.notifyConfig();
    expect(msis[2]).toEqual([0xfee00000, 0, 0x40]);
    expect(table.read(12, 4) & PCI_MSIX_ENTRY_CTRL_MASKBIT).toBe(0);
  });

  it("moves the legacy device config to 0x18 while MSI-X is enabled", () => {
    const ram = new GuestRam();
    const net = new VirtioNet({ mac: "52:54:00:01:02:03" });
    const proxy = new VirtioPciProxy(net, { dma: ram, msi: () => undefined });
    expect(proxy.legacyBarSize).toBe(32);
    const drv = new LegacyDriver(proxy, ram);
    expect(drv.cfg(0, 1)).toBe(0x52);
    proxy.configWrite(proxy.msix!.cap + 2, 2, 0x8000);
    expect(proxy.legacyIo!.read(0x18, 1)).toBe(0x52);
    expect(proxy.legacyIo!.read(0x14, 2)).toBe(VIRTIO_MSI_NO_VECTOR);
  });

  it("saves and restores a running function so the driver carries on", () => {
    const ram = new GuestRam();
    const proxy = new VirtioPciProxy(new VirtioRng(), { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    drv.init(features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX), 1);
    const q = drv.queues[0]!;
    for (let i = 0; i < 3; i++) {
      q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
      q.notify();
    }
    const saved = JSON.parse(JSON.stringify(proxy.state())) as ReturnType<VirtioPciProxy["state"]>;
    const proxy2 = new VirtioPciProxy(new VirtioRng(), { dma: ram });
    proxy2.fromState(saved);
    const drv2 = new ModernDriver(proxy2, ram);
    expect(drv2.status & VIRTIO_CONFIG_S_DRIVER_OK).toBe(VIRTIO_CONFIG_S_DRIVER_OK);
    q.add([{ addr: ram.alloc(4), len: 4, write: true }]);
    proxy2.modernMmio!.write(0x3000, 2, 0);
    expect(q.takeUsed().map((u) => u.id)).toEqual([0, 1, 2, 3]);
    // An avail index that jumped too far is refused with QEMU's load error.
    ram.view.setUint16(q.avail + 2, 100, true);
    expect(() => {
      new VirtioPciProxy(new VirtioRng(), { dma: ram }).fromState(saved);
    }).toThrow("VQ 0 size 0x8 Guest index 0x64 inconsistent with Host index 0x3: delta 0x61");
  });
});
