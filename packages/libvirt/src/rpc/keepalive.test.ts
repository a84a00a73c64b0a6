import { describe, expect, it } from "vitest";
import { KEEPALIVE_PING_PACKET, KEEPALIVE_PONG_PACKET, KeepAlive } from "./keepalive.js";
import { decodePacket } from "./virnet-protocol.js";

describe("keepalive (virkeepalive.c) on a controlled clock", () => {
  it("PING and PONG are 28-byte MESSAGE packets of program 'keep' with serial 0", () => {
    for (const [pkt, proc] of [[KEEPALIVE_PING_PACKET, 1], [KEEPALIVE_PONG_PACKET, 2]] as const) {
      expect(pkt.length).toBe(28);
      expect(decodePacket(pkt).header).toEqual({ prog: 0x6b656570, vers: 1, proc, type: 2, serial: 0, status: 0 });
    }
  });

  it("pings after `interval` seconds of silence and gives up after `count` unanswered pings", () => {
    let now = 0;
    const sent: string[] = [];
    let dead = false;
    const ka = new KeepAlive(5, 5, { send: () => { sent.push(`ping@${now}`); }, dead: () => { dead = true; }, now: () => now });
    now = 4000;
    ka.tick();
    expect(sent).toEqual([]);
    for (let i = 1; i <= 5; i++) {
      now = i * 5000;
      ka.tick();
    }
    expect(sent).toEqual(["ping@5000", "ping@10000", "ping@15000", "ping@20000", "ping@25000"]);
    expect(dead).toBe(false);
    now = 30000;
    ka.tick();
    expect(dead).toBe(true);
  });

  it("any packet from the peer resets the count", () => {
    let now = 0;
    let pings = 0;
    let dead = false;
    const ka = new KeepAlive(5, 1, { send: () => { pings++; }, dead: () => { dead = true; }, now: () => now });
    now = 5000;
    ka.tick();
    expect(pings).toBe(1);
    now = 6000;
    ka.received();
    now = 10000;
    ka.tick();
    expect(pings).toBe(1);
    now = 11000;
    ka.tick();
    expect(pings).toBe(2);
    now = 16000;
    ka.tick();
    expect(dead).toBe(true);
  });

  it("answers a PING with a PONG and consumes keepalive packets", () => {
    const out: Uint8Array[] = [];
    expect(KeepAlive.handle(decodePacket(KEEPALIVE_PING_PACKET).header, (p) => out.push(p))).toBe(true);
    expect(out).toEqual([KEEPALIVE_PONG_PACKET]);
    expect(KeepAlive.handle(decodePacket(KEEPALIVE_PONG_PACKET).header, (p) => out.push(p))).toBe(true);
    expect(out).toHaveLength(1);
  });

  it("interval <= 0 never pings (keepalive_interval = -1)", () => {
    const ka = new KeepAlive(-1, 5, { send: () => { throw new Error("no"); }, dead: () => { throw new Error("no"); } });
    ka.start();
    expect(ka.running).toBe(false);
  });
});
