import { describe, expect, it } from "vitest";
import { NetClient, connectPeers } from "./net-client.js";
import { arpRequest, icmpEcho, ip, tcpFrame, udpFrame } from "./testing/guest-packets.js";
import { UserNet } from "./user-net.js";

class Collector extends NetClient {
  readonly frames: Uint8Array[] = [];
  readonly infoStr = "collector";
  constructor() {
    super("guest", "test");
  }
  protected receive(frame: Uint8Array): boolean {
    this.frames.push(frame.slice());
    return true;
  }
}

/** Deterministic xorshift32. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe("user network against malformed guest frames", () => {
  it("never throws on mutated ARP, DHCP, ICMP, UDP and TCP frames (restrict=on: no host sockets)", async () => {
    const user = new UserNet("n0", { restrict: true });
    const guest = new Collector();
    connectPeers(guest, user);
    const host = Uint8Array.of(0x52, 0x55, 10, 0, 2, 2);
    const g = ip("10.0.2.15");
    const h = ip("10.0.2.2");
    const dhcp = new Uint8Array(300);
    dhcp[0] = 1;
    dhcp[1] = 1;
    dhcp[2] = 6;
    new DataView(dhcp.buffer).setUint32(236, 0x63825363);
    dhcp.set([53, 1, 1, 255], 240);
    const seeds = [
      arpRequest(g, h),
      udpFrame(host, 0, 68, 0xffffffff, 67, dhcp),
      icmpEcho(host, g, h, 1, 1, new Uint8Array(32)),
      udpFrame(host, g, 1000, h, 53, new Uint8Array(20)),
      tcpFrame(host, g, h, { srcPort: 1000, dstPort: 80, seq: 1, ack: 0, flags: 0x02, mss: 1460 }),
    ];
    const r = rng(7);
    for (let i = 0; i < 20000; i++) {
      const base = seeds[r() % seeds.length]!;
      const f = base.slice(0, r() % 4 === 0 ? r() % (base.length + 1) : base.length);
      const flips = 1 + (r() % 6);
      for (let k = 0; k < flips && f.length > 0; k++) f[r() % f.length] = r() & 0xff;
      expect(() => {
        guest.send(f);
      }).not.toThrow();
    }
    await user.close();
    // The unmutated frames still get their answers afterwards.
    const user2 = new UserNet("n1", { restrict: true });
    const guest2 = new Collector();
    connectPeers(guest2, user2);
    guest2.send(seeds[0]!);
    guest2.send(seeds[1]!);
    guest2.send(seeds[2]!);
    expect(guest2.frames).toHaveLength(3);
    await user2.close();
  });
});
