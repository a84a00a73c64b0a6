import { describe, expect, it } from "vitest";
import { NetClient, connectPeers } from "../../net/net-client.js";
import { GuestRam, LegacyDriver, ModernDriver, type DriverQueue } from "./testing/virtio-driver.js";
import { VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX, features } from "./virtio-config.js";
import {
  VIRTIO_NET_CTRL_MAC,
  VIRTIO_NET_CTRL_MAC_TABLE_SET,
  VIRTIO_NET_CTRL_RX,
  VIRTIO_NET_CTRL_RX_NOBCAST,
  VIRTIO_NET_CTRL_RX_PROMISC,
  VIRTIO_NET_CTRL_VLAN,
  VIRTIO_NET_CTRL_VLAN_ADD,
  VIRTIO_NET_CTRL_MQ,
  VIRTIO_NET_ERR,
  VIRTIO_NET_F_CTRL_RX,
  VIRTIO_NET_F_CTRL_VLAN,
  VIRTIO_NET_F_CTRL_VQ,
  VIRTIO_NET_F_MAC,
  VIRTIO_NET_F_MRG_RXBUF,
  VIRTIO_NET_F_STATUS,
  VIRTIO_NET_OK,
  VirtioNet,
} from "./virtio-net.js";
import { VirtioPciProxy } from "./virtio-pci.js";

class TestPeer extends NetClient {
  readonly got: Uint8Array[] = [];
  constructor() {
    super("peer", "test");
  }
  protected receive(frame: Uint8Array): boolean {
    this.got.push(frame.slice());
    return true;
  }
  readonly infoStr = "test";
}

const MAC = [0x52, 0x54, 0x00, 0xab, 0xcd, 0xef];

function frame(dst: number[], len = 60, fill = 0x42, ethertype = [0x08, 0x00]): Uint8Array {
  const f = new Uint8Array(len).fill(fill);
  f.set(dst, 0);
  f.set([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02], 6);
  f.set(ethertype, 12);
  return f;
}

function setup(wanted: bigint) {
  const ram = new GuestRam();
  const net = new VirtioNet({ mac: "52:54:00:ab:cd:ef" });
  const peer = new TestPeer();
  connectPeers(net.nic, peer);
  const proxy = new VirtioPciProxy(net, { dma: ram });
  const drv = new ModernDriver(proxy, ram);
  expect(drv.init(wanted, 3)).toBe(true);
  const [rx, tx, ctrl] = drv.queues as [DriverQueue, DriverQueue, DriverQueue];
  const bufs: number[] = [];
  const post = (n: number, size: number) => {
    for (let i = 0; i < n; i++) {
      const a = ram.alloc(size);
      bufs[rx.add([{ addr: a, len: size, write: true }])] = a;
    }
    rx.notify();
  };
  const command = (cls: number, cmd: number, data: number[]): number => {
    const out = ram.alloc(2 + data.length);
    ram.bytes.set([cls, cmd, ...data], out);
    const ack = ram.alloc(1);
    ram.bytes[ack] = 0xff;
    ctrl.add([
      { addr: out, len: 2 },
      ...(data.length > 0 ? [{ addr: out + 2, len: data.length }] : []),
      { addr: ack, len: 1, write: true },
    ]);
    ctrl.notify();
    return ram.bytes[ack];
  };
  return { ram, net, peer, drv, rx, tx, ctrl, bufs, post, command };
}

const ALL = features(VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX, VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_VLAN);

describe("virtio-net", () => {
  it("reports the MAC and link status in config space and drops the link with a config interrupt", () => {
    const { drv, net } = setup(ALL);
    expect([0, 1, 2, 3, 4, 5].map((i) => drv.cfg(i, 1))).toEqual(MAC);
    expect(drv.cfg(6, 2)).toBe(1);
    net.setLink(false);
    expect(drv.cfg(6, 2)).toBe(0);
    expect(drv.readIsr()).toBe(3);
    expect(drv.common(0x15, 1)).toBe(1);
  });

  it("receives into mergeable buffers with a 12-byte header and num_buffers; holds frames until buffers come", () => {
    const { ram, peer, rx, bufs, post } = setup(ALL);
    const small = frame(MAC, 100, 0x11);
    peer.send(small); // no buffers yet: queued
    expect(rx.usedIdx).toBe(0);
    post(4, 512);
    let used = rx.takeUsed();
    expect(used).toEqual([{ id: 0, len: 112 }]);
    const a = bufs[0]!;
    expect(Array.from(ram.bytes.subarray(a, a + 12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(ram.bytes.subarray(a + 12, a + 112)).toEqual(small);
    // A 1000-byte frame spans two 512-byte buffers: num_buffers = 2.
    const big = frame(MAC, 1000, 0x22);
    peer.send(big);
    used = rx.takeUsed();
    expect(used).toEqual([
      { id: 1, len: 512 },
      { id: 2, len: 500 },
    ]);
    expect(ram.view.getUint16(bufs[1]! + 10, true)).toBe(2);
    const joined = new Uint8Array(1000);
    joined.set(ram.bytes.subarray(bufs[1]! + 12, bufs[1]! + 512));
    joined.set(ram.bytes.subarray(bufs[2], bufs[2]! + 500), 500);
    expect(joined).toEqual(big);
  });

  it("holds a merged frame that the posted buffers cannot take and asks for a kick (event index) until they can", () => {
    const { ram, peer, rx, bufs, post } = setup(ALL);
    post(2, 512);
    const big = frame(MAC, 1400, 0x5a);
    peer.send(big);
    expect(rx.takeUsed()).toEqual([]);
    // The device gave the two buffers back and wants a kick as soon as the driver adds one.
    expect(rx.availEvent).toBe(rx.availIdx);
    post(1, 512);
    const used = rx.takeUsed();
    expect(used.map((u) => u.len)).toEqual([512, 512, 388]);
    expect(ram.view.getUint16(bufs[0]! + 10, true)).toBe(3);
  });

  it("transmits frames without the virtio header", () => {
    const { ram, peer, tx } = setup(ALL);
    const f = frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 42, 0x33);
    const hdr = ram.alloc(12);
    const data = ram.alloc(f.length);
    ram.bytes.set(f, data);
    tx.add([
      { addr: hdr, len: 12 },
      { addr: data, len: f.length },
    ]);
    tx.notify();
    expect(peer.got).toEqual([f]);
    expect(tx.takeUsed()).toEqual([{ id: 0, len: 0 }]);
  });

  it("drops frames longer than any backend carries without copying what the guest names", () => {
    const { ram, peer, tx, net } = setup(ALL);
    const hdr = ram.alloc(12);
    // A 3 GiB "frame" (the descriptor lies about its length): dropped, the chain returned.
    tx.add([
      { addr: hdr, len: 12 },
      { addr: ram.alloc(64), len: 0xc0000000 },
    ]);
    tx.notify();
    expect(peer.got).toEqual([]);
    expect(tx.takeUsed()).toEqual([{ id: 0, len: 0 }]);
    expect(net.broken).toBe(false);
  });

  it("filters by rx mode, MAC table and VLAN table set through the control queue", () => {
    const { peer, rx, post, command } = setup(ALL);
    post(16, 1600);
    const other = [0x52, 0x54, 0x00, 0x00, 0x00, 0x01];
    const mcast = [0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb];
    // Promiscuous by default after reset (QEMU).
    peer.send(frame(other));
    expect(rx.takeUsed()).toHaveLength(1);
    expect(command(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, [0])).toBe(VIRTIO_NET_OK);
    peer.send(frame(other));
    peer.send(frame(mcast));
    expect(rx.takeUsed()).toHaveLength(0);
    peer.send(frame(MAC));
    peer.send(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(rx.takeUsed()).toHaveLength(2);
    // MAC table: no unicast entries, one multicast entry.
    expect(command(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, [0, 0, 0, 0, 1, 0, 0, 0, ...mcast])).toBe(VIRTIO_NET_OK);
    peer.send(frame(mcast));
    expect(rx.takeUsed()).toHaveLength(1);
    // A table whose length does not match its entry count is refused.
    expect(command(VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, [5, 0, 0, 0])).toBe(VIRTIO_NET_ERR);
    expect(command(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOBCAST, [1])).toBe(VIRTIO_NET_OK);
    peer.send(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(rx.takeUsed()).toHaveLength(0);
    // VLAN 5 tagged frames pass only once VLAN 5 is added.
    const tagged = frame(MAC, 64, 0, [0x81, 0x00]);
    tagged[14] = 0x00;
    tagged[15] = 0x05;
    peer.send(tagged);
    expect(rx.takeUsed()).toHaveLength(0);
    expect(command(VIRTIO_NET_CTRL_VLAN, VIRTIO_NET_CTRL_VLAN_ADD, [5, 0])).toBe(VIRTIO_NET_OK);
    peer.send(tagged);
    expect(rx.takeUsed()).toHaveLength(1);
    expect(command(VIRTIO_NET_CTRL_MQ, 0, [1, 0])).toBe(VIRTIO_NET_ERR);
  });

  it("a legacy driver without MRG_RXBUF gets the 10-byte header and frames too big for one buffer are dropped", () => {
    const ram = new GuestRam();
    const net = new VirtioNet({ mac: "52:54:00:ab:cd:ef" });
    const peer = new TestPeer();
    connectPeers(net.nic, peer);
    const drv = new LegacyDriver(new VirtioPciProxy(net, { dma: ram }), ram);
    drv.init((1 << VIRTIO_NET_F_MAC) | (1 << VIRTIO_NET_F_STATUS), 2);
    const rx = drv.queues[0]!;
    const a = ram.alloc(200);
    rx.add([{ addr: a, len: 200, write: true }]);
    rx.notify();
    peer.send(frame(MAC, 300));
    expect(rx.takeUsed()).toEqual([]);
    const f = frame(MAC, 150, 0x77);
    peer.send(f);
    expect(rx.takeUsed()).toEqual([{ id: 0, len: 160 }]);
    expect(ram.bytes.subarray(a + 10, a + 160)).toEqual(f);
  });

  it("saves and restores filter state", () => {
    const { net, command } = setup(ALL);
    command(VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, [0]);
    const s = JSON.parse(JSON.stringify(net.state())) as ReturnType<VirtioNet["state"]>;
    expect(s.device).toMatchObject({ mac: "52:54:00:ab:cd:ef", rxMode: { promisc: false } });
  });
});
