// The daemon's answers to odd clients (reference §3.4), checked with hand-built packets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { virRegisterConnectDriver } from "../api/registry.js";
import { decodeRemoteError } from "./client.js";
import { KEEPALIVE_PING_PACKET } from "./keepalive.js";
import * as P from "./remote-procedures.js";
import { remoteProcs } from "./remote-protocol.js";
import { VirNetServer } from "./server.js";
import { mockConnectDriver } from "./testing/mock-driver.js";
import { RawPeer } from "./testing/raw-client.js";
import { XdrReader } from "./xdr.js";
import { VIR_NET_CONTINUE, VIR_NET_ERROR, VIR_NET_MESSAGE, VIR_NET_OK, VIR_NET_REPLY, VIR_NET_STREAM, packet } from "./virnet-protocol.js";

const dir = mkdtempSync(join(tmpdir(), "virtkit-edge-"));
const sock = join(dir, "sock");
let server: VirNetServer;

beforeAll(async () => {
  virRegisterConnectDriver(mockConnectDriver());
  server = new VirNetServer();
  await server.listenUnix(sock, { readOnly: false });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function openArgs(name: string) {
  return (w: import("./xdr.js").XdrWriter) => { remoteProcs[P.REMOTE_PROC_CONNECT_OPEN].args.enc(w, { name, flags: 0 }); };
}

async function errorOf(peer: RawPeer, serial: number) {
  const p = await peer.next((x) => x.header.serial === serial && x.header.type === VIR_NET_REPLY);
  expect(p).not.toBeNull();
  expect(p!.header.status).toBe(VIR_NET_ERROR);
  return { header: p!.header, err: decodeRemoteError(p!.payload) };
}

describe("daemon edge cases over a raw socket", () => {
  it("answers calls before CONNECT_OPEN with 'hypervisor connection not open' (1/7)", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_GET_TYPE, 5);
    const { err } = await errorOf(peer, 5);
    expect([err.code, err.domain, err.message]).toEqual([1, 7, "internal error: hypervisor connection not open"]);
    expect(err.level).toBe(2);
    peer.close();
  });

  it("accepts CONNECT_OPEN as the first packet, answers with an empty REPLY", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 0, openArgs("mock:///x"));
    const r = await peer.next();
    expect(r!.header).toMatchObject({ type: VIR_NET_REPLY, status: VIR_NET_OK, serial: 0, proc: 1 });
    expect(r!.raw.length).toBe(28);
    peer.close();
  });

  it("a second CONNECT_OPEN fails and drops the first connection (libvirtd quirk)", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 1, openArgs("mock:///x"));
    await peer.next((p) => p.header.serial === 1);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 2, openArgs("mock:///x"));
    const { err } = await errorOf(peer, 2);
    expect(err.message).toBe("internal error: connection already open");
    peer.call(P.REMOTE_PROC_CONNECT_GET_TYPE, 3);
    expect((await errorOf(peer, 3)).err.message).toBe("internal error: hypervisor connection not open");
    peer.close();
  });

  it("unknown procedure: error 39/7 and the connection stays usable", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 1, openArgs("mock:///x"));
    await peer.next((p) => p.header.serial === 1);
    peer.call(9999, 7);
    const { err } = await errorOf(peer, 7);
    expect([err.code, err.domain, err.message]).toEqual([39, 7, "unknown procedure: 9999"]);
    peer.call(P.REMOTE_PROC_CONNECT_GET_TYPE, 8);
    const ok = await peer.next((p) => p.header.serial === 8);
    expect(remoteProcs[P.REMOTE_PROC_CONNECT_GET_TYPE].ret.dec(new XdrReader(ok!.payload)).type).toBe("MOCK");
    peer.close();
  });

  it("unknown program or version: 'Cannot find program N version V' echoing prog/vers", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(1, 4, undefined, { prog: 0x20008099 });
    let r = await errorOf(peer, 4);
    expect(r.err.message).toBe(`Cannot find program 536903833 version 1`);
    expect(r.header.prog).toBe(0x20008099);
    peer.call(1, 5, undefined, { vers: 7 });
    r = await errorOf(peer, 5);
    expect(r.err.message).toBe(`Cannot find program 536903814 version 7`);
    expect(r.header.vers).toBe(7);
    peer.close();
  });

  it("truncated args: 'Unable to decode message payload'; extra trailing bytes are ignored", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 1, (w) => { w.u32(1); w.u32(100); });
    expect((await errorOf(peer, 1)).err.message).toBe("Unable to decode message payload");
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 2, (w) => { openArgs("mock:///x")(w); w.u32(0xdeadbeef); });
    expect((await peer.next((p) => p.header.serial === 2))!.header.status).toBe(VIR_NET_OK);
    peer.close();
  });

  it("rejects a string over REMOTE_STRING_MAX and an array over its maximum", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 1, (w) => { w.u32(1); w.u32(4194305); });
    expect((await errorOf(peer, 1)).err.message).toBe("Unable to decode message payload");
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 2, openArgs("mock:///x"));
    await peer.next((p) => p.header.serial === 2);
    peer.call(P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, 3, (w) => { w.u32(16385); });
    expect((await errorOf(peer, 3)).err.message).toBe("Unable to decode message payload");
    peer.close();
  });

  it("ignores a REPLY sent by a client and answers a PING with a PONG without negotiation", async () => {
    const peer = await RawPeer.open(sock);
    peer.write(packet({ prog: P.REMOTE_PROGRAM, vers: 1, proc: 3, type: VIR_NET_REPLY, serial: 9, status: 0 }));
    peer.write(KEEPALIVE_PING_PACKET);
    const pong = await peer.next();
    expect(pong!.header).toMatchObject({ prog: P.KEEPALIVE_PROGRAM, proc: P.KEEPALIVE_PROC_PONG, type: VIR_NET_MESSAGE, serial: 0 });
    expect(peer.packets).toHaveLength(0);
    peer.close();
  });

  it("drops stream data for a stream that does not exist", async () => {
    const peer = await RawPeer.open(sock);
    peer.write(packet({ prog: P.REMOTE_PROGRAM, vers: 1, proc: 201, type: VIR_NET_STREAM, serial: 77, status: VIR_NET_CONTINUE }, (w) => { w.raw(new Uint8Array([1, 2, 3])); }));
    peer.write(KEEPALIVE_PING_PACKET);
    const p = await peer.next();
    expect(p!.header.prog).toBe(P.KEEPALIVE_PROGRAM);
    peer.close();
  });

  it("closes the connection on a length word shorter than a header or over VIR_NET_MESSAGE_MAX", async () => {
    const a = await RawPeer.open(sock);
    a.write(Uint8Array.from([0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    await a.waitClosed();
    expect(a.packets).toHaveLength(0);
    const b = await RawPeer.open(sock);
    b.write(Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    await b.waitClosed();
    expect(b.packets).toHaveLength(0);
  });

  it("CONNECT_CLOSE replies OK, then the server closes the socket", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 0, openArgs("mock:///x"));
    await peer.next();
    peer.call(P.REMOTE_PROC_CONNECT_CLOSE, 1);
    const r = await peer.next();
    expect(r!.header).toMatchObject({ serial: 1, status: VIR_NET_OK, type: VIR_NET_REPLY });
    await peer.waitClosed();
  });

  it("dispatches in parallel: a slow call does not hold back a later one", async () => {
    const opened: import("./testing/mock-driver.js").MockConnection[] = [];
    virRegisterConnectDriver(mockConnectDriver(opened));
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 0, openArgs("mock:///x"));
    await peer.next();
    // the version call is held until the hostname's reply has arrived: were dispatch serial,
    // that reply would never come and the test would time out
    let release!: () => void;
    opened[0]!.gates.set("version", new Promise<void>((r) => { release = r; }));
    peer.call(P.REMOTE_PROC_CONNECT_GET_VERSION, 1);
    peer.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME, 2);
    const first = await peer.next();
    release();
    const second = await peer.next();
    expect([first!.header.serial, second!.header.serial]).toEqual([2, 1]);
    peer.close();
  });

  it("CONNECT_OPEN with a NULL name: 'connection not open'", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 1, (w) => { w.u32(0); w.u32(0); });
    expect((await errorOf(peer, 1)).err.message).toBe("internal error: connection not open");
    peer.close();
  });

  it("an unknown URI gets 'no connection driver available for <uri>' (5/0)", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 1, openArgs("bogus:///x"));
    const { err } = await errorOf(peer, 1);
    expect([err.code, err.domain, err.message]).toEqual([5, 0, "no connection driver available for bogus:///x"]);
    peer.close();
  });
});

describe("event MESSAGE packets", () => {
  it("carry serial 1 and proc 318 with {callbackID, {dom, event, detail}}", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 0, openArgs("mock:///x"));
    await peer.next();
    peer.call(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, 1, (w) => {
      remoteProcs[P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY].args.enc(w, { eventID: 0, dom: null });
    });
    const reg = await peer.next((p) => p.header.serial === 1);
    const { callbackID } = remoteProcs[P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY].ret.dec(new XdrReader(reg!.payload));
    peer.call(P.REMOTE_PROC_DOMAIN_SUSPEND, 2, (w) => {
      remoteProcs[P.REMOTE_PROC_DOMAIN_SUSPEND].args.enc(w, { dom: { name: "mock", uuid: new Uint8Array(16), id: 1 } });
    });
    const ev = await peer.next((p) => p.header.type === VIR_NET_MESSAGE);
    expect(ev!.header).toMatchObject({ prog: P.REMOTE_PROGRAM, proc: 318, serial: 1, status: 0 });
    expect(ev!.raw.length).toBe(68); // 28 header + 4 callbackID + 8 name "mock" + 16 uuid + 4 id + 4 event + 4 detail
    const { remoteMsgs } = await import("./remote-protocol.js");
    const m = remoteMsgs[318].dec(new XdrReader(ev!.payload));
    expect(m).toMatchObject({ callbackID, msg: { dom: { name: "mock", id: 1 }, event: 3, detail: 0 } });
    peer.close();
  });
});

describe("garbage does not take the daemon down", () => {
  it("survives random well-framed packets for every procedure and keeps serving", async () => {
    // A small deterministic generator (xorshift32) so failures are reproducible.
    let x = 0x1234567;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 0, openArgs("mock:///x"));
    await peer.next();
    const procs = Object.keys(remoteProcs).map(Number);
    for (let i = 0; i < 400; i++) {
      const proc = procs[rnd() % procs.length]!;
      if (proc === P.REMOTE_PROC_CONNECT_CLOSE || proc === P.REMOTE_PROC_CONNECT_OPEN) continue;
      const len = rnd() % 64;
      peer.call(proc, 100 + i, (w) => { for (let k = 0; k < len; k++) w.u32(rnd() % 4 === 0 ? rnd() : rnd() % 8); });
    }
    peer.write(KEEPALIVE_PING_PACKET);
    const pong = await peer.next((p) => p.header.prog === P.KEEPALIVE_PROGRAM);
    expect(pong).not.toBeNull();
    peer.close();
    const again = await RawPeer.open(sock);
    again.write(KEEPALIVE_PING_PACKET);
    expect(await again.next()).not.toBeNull();
    again.close();
  });
});

describe("procedures of the protocol this daemon has no entry for", () => {
  it("answer like a driver without the entry: NO_SUPPORT naming the API, after the open check", async () => {
    const peer = await RawPeer.open(sock);
    peer.call(P.REMOTE_PROC_DOMAIN_GET_JOB_STATS, 1);
    expect((await errorOf(peer, 1)).err.message).toBe("internal error: hypervisor connection not open");
    peer.call(P.REMOTE_PROC_CONNECT_OPEN, 2, openArgs("mock:///x"));
    await peer.next((p) => p.header.serial === 2);
    peer.call(P.REMOTE_PROC_DOMAIN_GET_JOB_STATS, 3);
    const { err } = await errorOf(peer, 3);
    expect([err.code, err.domain, err.message]).toEqual([3, 20, "this function is not supported by the connection driver: virDomainGetJobStats"]);
    peer.call(P.REMOTE_PROC_CONNECT_LIST_ALL_NWFILTERS, 4);
    expect((await errorOf(peer, 4)).err.message).toBe("this function is not supported by the connection driver: virConnectListAllNWFilters");
    // An event procedure is not callable at all.
    peer.call(P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE, 5);
    expect((await errorOf(peer, 5)).err.message).toBe("unknown procedure: 318");
    peer.close();
  });
});
