import * as dgram from "node:dgram";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { checksumAdd, checksumFinish } from "../../net/inet-checksum.js";
import { connectPeers } from "../../net/net-client.js";
import { createNetdev } from "../../net/netdev-factory.js";
import { parseNetdevOption } from "../../net/netdev-option.js";
import { SocketNet } from "../../net/socket-net.js";
import { UserNet } from "../../net/user-net.js";
import {
  BCAST,
  GUEST_MAC,
  arpRequest,
  icmpEcho,
  ip,
  parseFrame,
  tcpFrame,
  udpFrame,
  type ParsedFrame,
} from "../../net/testing/guest-packets.js";
import { GuestNic } from "./testing/guest-nic.js";
import { until } from "./testing/virtio-driver.js";

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;
const PSH = 0x08;
const HOST_MAC = Uint8Array.of(0x52, 0x55, 0x0a, 0x00, 0x02, 0x02);
const GUEST_IP = ip("10.0.2.15");
const HOST_IP = ip("10.0.2.2");

/** ICMPv6 checksum check over the IPv6 pseudo-header (0 when valid). */
function inetChecksumV6(f: Uint8Array): number {
  const len = (f[18]! << 8) | f[19]!;
  let sum = checksumAdd(0, f, 22, 54);
  sum += len + 58;
  sum = checksumAdd(sum, f, 54, 54 + len);
  return checksumFinish(sum);
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function userGuest(option: string): Promise<{ nic: GuestNic; user: UserNet }> {
  const nic = new GuestNic("52:54:00:12:34:56");
  const user = createNetdev(parseNetdevOption(option)) as UserNet;
  connectPeers(nic.net.nic, user);
  await user.open();
  cleanups.push(() => user.close());
  return { nic, user };
}

/** Waits for the next frame matching `pred` from the stack. */
async function next(nic: GuestNic, seen: ParsedFrame[], pred: (f: ParsedFrame) => boolean): Promise<ParsedFrame> {
  let found: ParsedFrame | undefined;
  await until(() => {
    for (const f of nic.take()) seen.push(parseFrame(f));
    const i = seen.findIndex(pred);
    if (i >= 0) found = seen.splice(i, 1)[0];
    return found !== undefined;
  });
  return found!;
}

function dhcp(type: number, xid: number, extra: number[] = []): Uint8Array {
  const p = new Uint8Array(300);
  const v = new DataView(p.buffer);
  p[0] = 1;
  p[1] = 1;
  p[2] = 6;
  v.setUint32(4, xid);
  v.setUint16(10, 0x8000);
  p.set(GUEST_MAC, 28);
  v.setUint32(236, 0x63825363);
  p.set([53, 1, type, 55, 3, 1, 3, 6, ...extra, 255], 240);
  return p;
}

function dhcpOptions(payload: Uint8Array): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (let i = 240; i < payload.length && payload[i] !== 255; ) {
    if (payload[i] === 0) {
      i++;
      continue;
    }
    m.set(payload[i]!, payload.slice(i + 2, i + 2 + payload[i + 1]!));
    i += 2 + payload[i + 1]!;
  }
  return m;
}

describe("-netdev user through virtio-net", () => {
  it("hands out 10.0.2.15 by DHCP with gateway 10.0.2.2 and DNS 10.0.2.3, answers ARP and ping", async () => {
    const { nic } = await userGuest("user,id=n0");
    const seen: ParsedFrame[] = [];
    nic.send(udpFrame(BCAST, 0, 68, 0xffffffff, 67, dhcp(1, 0x1234)));
    const offer = await next(nic, seen, (f) => f.udp?.dstPort === 68);
    expect(offer.udp!.checksumOk).toBe(true);
    expect(offer.ip!.src).toBe(HOST_IP);
    const op = offer.udp!.payload;
    expect(new DataView(op.buffer).getUint32(4)).toBe(0x1234);
    expect(new DataView(op.buffer).getUint32(16)).toBe(GUEST_IP);
    const oo = dhcpOptions(op);
    expect(Array.from(oo.get(53)!)).toEqual([2]);
    expect(Array.from(oo.get(54)!)).toEqual([10, 0, 2, 2]);
    expect(Array.from(oo.get(1)!)).toEqual([255, 255, 255, 0]);
    expect(Array.from(oo.get(3)!)).toEqual([10, 0, 2, 2]);
    expect(Array.from(oo.get(6)!)).toEqual([10, 0, 2, 3]);
    nic.send(udpFrame(BCAST, 0, 68, 0xffffffff, 67, dhcp(3, 0x1235, [50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 2])));
    const ack = await next(nic, seen, (f) => f.udp?.dstPort === 68);
    expect(Array.from(dhcpOptions(ack.udp!.payload).get(53)!)).toEqual([5]);
    expect(new DataView(ack.udp!.payload.buffer).getUint32(16)).toBe(GUEST_IP);
    // A request for an address outside the pool is refused.
    nic.send(udpFrame(BCAST, 0, 68, 0xffffffff, 67, dhcp(3, 0x1236, [50, 4, 10, 0, 2, 99])));
    const nak = await next(nic, seen, (f) => f.udp?.dstPort === 68);
    expect(Array.from(dhcpOptions(nak.udp!.payload).get(53)!)).toEqual([6]);

    nic.send(arpRequest(GUEST_IP, HOST_IP));
    const arp = await next(nic, seen, (f) => f.arp !== undefined);
    expect(arp.arp!.op).toBe(2);
    expect(Array.from(arp.arp!.sha)).toEqual(Array.from(HOST_MAC));
    expect(arp.arp!.spa).toBe(HOST_IP);
    expect(Array.from(arp.dstMac)).toEqual(Array.from(GUEST_MAC));
    nic.send(arpRequest(GUEST_IP, ip("10.0.2.3")));
    expect(Array.from((await next(nic, seen, (f) => f.arp !== undefined)).arp!.sha)).toEqual([0x52, 0x55, 10, 0, 2, 3]);

    nic.send(icmpEcho(HOST_MAC, GUEST_IP, HOST_IP, 77, 1, new TextEncoder().encode("ping data")));
    const pong = await next(nic, seen, (f) => f.icmp !== undefined);
    expect(pong.icmp).toMatchObject({ type: 0, id: 77, seq: 1, checksumOk: true });
    expect(new TextDecoder().decode(pong.icmp!.data)).toBe("ping data");
    expect(pong.ip!.src).toBe(HOST_IP);

    // An IPv6 router solicitation gets a router advertisement saying "no IPv6 router here".
    const rs = Uint8Array.from(
      Buffer.from("333300000002525400123456" + "86dd" + "6000000000083aff" + "fe800000000000005054" + "00fffe123456" + "ff020000000000000000000000000002" + "8500" + "0000" + "00000000", "hex"),
    );
    let raw: Uint8Array | undefined;
    await until(() => {
      nic.send(rs);
      raw = nic.take().find((f) => f[12] === 0x86 && f[13] === 0xdd);
      return raw !== undefined;
    });
    expect(raw![54]).toBe(134); // ICMPv6 Router Advertisement
    expect(raw!.subarray(60, 62)).toEqual(new Uint8Array(2)); // router lifetime 0
    expect(inetChecksumV6(raw!)).toBe(0);
  });

  it("carries UDP to 10.0.2.2 to a server on 127.0.0.1 and the reply back", async () => {
    const server = dgram.createSocket("udp4");
    server.on("message", (msg, rinfo) => {
      server.send(Buffer.from(msg.toString().toUpperCase()), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => server.bind(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = server.address().port;
    const { nic } = await userGuest("user,id=n0");
    const seen: ParsedFrame[] = [];
    nic.send(udpFrame(HOST_MAC, GUEST_IP, 40000, HOST_IP, port, new TextEncoder().encode("hello udp")));
    const reply = await next(nic, seen, (f) => f.udp?.dstPort === 40000);
    expect(reply.udp!.srcPort).toBe(port);
    expect(reply.ip!.src).toBe(HOST_IP);
    expect(reply.udp!.checksumOk).toBe(true);
    expect(new TextDecoder().decode(reply.udp!.payload)).toBe("HELLO UDP");
  });

  it("connects guest TCP to a server on 127.0.0.1 through 10.0.2.2: handshake, data both ways, orderly close", async () => {
    const got: string[] = [];
    let serverEnded = false;
    const server = net.createServer((s) => {
      s.write("welcome\n");
      s.on("data", (d) => {
        got.push(d.toString());
        s.write(d.toString().toUpperCase());
      });
      s.on("end", () => {
        serverEnded = true;
        s.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const { nic, user } = await userGuest("user,id=n0");
    const seen: ParsedFrame[] = [];
    const iss = 1000;
    const t = (o: Parameters<typeof tcpFrame>[3]) => nic.send(tcpFrame(HOST_MAC, GUEST_IP, HOST_IP, o));
    t({ srcPort: 50000, dstPort: port, seq: iss, ack: 0, flags: SYN, mss: 1460 });
    const synack = await next(nic, seen, (f) => f.tcp !== undefined);
    expect(synack.tcp).toMatchObject({ flags: SYN | ACK, ack: iss + 1, srcPort: port, dstPort: 50000, mss: 1460, checksumOk: true });
    let rcv = (synack.tcp!.seq + 1) >>> 0;
    let snd = iss + 1;
    t({ srcPort: 50000, dstPort: port, seq: snd, ack: rcv, flags: ACK });
    const welcome = await next(nic, seen, (f) => (f.tcp?.payload.length ?? 0) > 0);
    expect(new TextDecoder().decode(welcome.tcp!.payload)).toBe("welcome\n");
    expect(welcome.tcp!.seq).toBe(rcv);
    rcv = (rcv + welcome.tcp!.payload.length) >>> 0;
    const msg = new TextEncoder().encode("hello over tcp");
    t({ srcPort: 50000, dstPort: port, seq: snd, ack: rcv, flags: ACK | PSH, payload: msg });
    snd += msg.length;
    const echo = await next(nic, seen, (f) => (f.tcp?.payload.length ?? 0) > 0);
    expect(new TextDecoder().decode(echo.tcp!.payload)).toBe("HELLO OVER TCP");
    expect(echo.tcp!.ack).toBe(snd);
    rcv = (rcv + echo.tcp!.payload.length) >>> 0;
    expect(got.join("")).toBe("hello over tcp");
    // Guest closes; the server sees EOF, closes too; the guest gets our FIN and acknowledges it.
    t({ srcPort: 50000, dstPort: port, seq: snd, ack: rcv, flags: FIN | ACK });
    snd++;
    const fin = await next(nic, seen, (f) => ((f.tcp?.flags ?? 0) & FIN) !== 0);
    expect(fin.tcp!.ack).toBe(snd);
    expect(serverEnded).toBe(true);
    t({ srcPort: 50000, dstPort: port, seq: snd, ack: (fin.tcp!.seq + 1) >>> 0, flags: ACK });
    await until(() => user.tcpConnections === 0);
  });

  it("resets connections to closed ports and to addresses other than the virtual host", async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { nic } = await userGuest("user,id=n0");
    const seen: ParsedFrame[] = [];
    nic.send(tcpFrame(HOST_MAC, GUEST_IP, HOST_IP, { srcPort: 50001, dstPort: port, seq: 5, ack: 0, flags: SYN }));
    const rst = await next(nic, seen, (f) => f.tcp !== undefined);
    expect(rst.tcp).toMatchObject({ flags: RST | ACK, ack: 6 });
    nic.send(tcpFrame(HOST_MAC, GUEST_IP, ip("10.0.2.77"), { srcPort: 50002, dstPort: 80, seq: 9, ack: 0, flags: SYN }));
    expect((await next(nic, seen, (f) => f.tcp !== undefined)).tcp).toMatchObject({ flags: RST | ACK, ack: 10 });
    // UDP to an unreachable destination gets an ICMP port unreachable.
    nic.send(udpFrame(HOST_MAC, GUEST_IP, 40001, ip("10.0.2.77"), 53, new Uint8Array(4)));
    expect((await next(nic, seen, (f) => f.icmp !== undefined)).icmp).toMatchObject({ type: 3, code: 3, checksumOk: true });
  });

  it("hostfwd=tcp::PORT-:22 connects a host client to the guest's port 22", async () => {
    const { nic, user } = await userGuest("user,id=n0,hostfwd=tcp:127.0.0.1:0-:22");
    const seen: ParsedFrame[] = [];
    // The guest announces itself (as its DHCP client would), so the stack knows its MAC.
    nic.send(arpRequest(GUEST_IP, HOST_IP));
    await next(nic, seen, (f) => f.arp !== undefined);
    const client = net.connect(user.hostForwardPort(0)!, "127.0.0.1");
    cleanups.push(() => {
      client.destroy();
    });
    const received: string[] = [];
    client.on("data", (d) => received.push(d.toString()));
    const syn = await next(nic, seen, (f) => f.tcp !== undefined);
    expect(syn.tcp).toMatchObject({ flags: SYN, dstPort: 22, mss: 1460 });
    expect(syn.ip).toMatchObject({ src: HOST_IP, dst: GUEST_IP });
    const p = syn.tcp!.srcPort;
    const t = (o: Omit<Parameters<typeof tcpFrame>[3], "srcPort" | "dstPort">) => nic.send(tcpFrame(HOST_MAC, GUEST_IP, HOST_IP, { srcPort: 22, dstPort: p, ...o }));
    let rcv = (syn.tcp!.seq + 1) >>> 0;
    let snd = 7000;
    t({ seq: snd, ack: rcv, flags: SYN | ACK, mss: 1460 });
    snd++;
    const ack = await next(nic, seen, (f) => f.tcp !== undefined);
    expect(ack.tcp).toMatchObject({ flags: ACK, ack: snd });
    t({ seq: snd, ack: rcv, flags: ACK | PSH, payload: new TextEncoder().encode("SSH-2.0-guest\r\n") });
    snd += 15;
    await until(() => received.join("") === "SSH-2.0-guest\r\n");
    client.write("SSH-2.0-host\r\n");
    const data = await next(nic, seen, (f) => (f.tcp?.payload.length ?? 0) > 0);
    expect(new TextDecoder().decode(data.tcp!.payload)).toBe("SSH-2.0-host\r\n");
    rcv = (rcv + data.tcp!.payload.length) >>> 0;
    t({ seq: snd, ack: rcv, flags: ACK });
  });

  it("hostfwd=udp carries datagrams to the guest port and the guest's answers back to the sender", async () => {
    const { nic, user } = await userGuest("user,id=n0,hostfwd=udp:127.0.0.1:0-:5353");
    const seen: ParsedFrame[] = [];
    nic.send(arpRequest(GUEST_IP, HOST_IP));
    await next(nic, seen, (f) => f.arp !== undefined);
    const client = dgram.createSocket("udp4");
    cleanups.push(() => new Promise<void>((r) => client.close(() => r())));
    await new Promise<void>((r) => client.bind(0, "127.0.0.1", r));
    const answers: string[] = [];
    client.on("message", (m) => answers.push(m.toString()));
    client.send("query", user.hostForwardPort(0), "127.0.0.1");
    const q = await next(nic, seen, (f) => f.udp?.dstPort === 5353);
    expect(q.ip).toMatchObject({ src: HOST_IP, dst: GUEST_IP });
    expect(q.udp!.srcPort).toBe(client.address().port);
    expect(new TextDecoder().decode(q.udp!.payload)).toBe("query");
    nic.send(udpFrame(HOST_MAC, GUEST_IP, 5353, HOST_IP, q.udp!.srcPort, new TextEncoder().encode("answer")));
    await until(() => answers.length > 0);
    expect(answers).toEqual(["answer"]);
  });

  it("refuses a hostfwd rule whose port is taken with QEMU's message", async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => busy.close(() => r())));
    const port = (busy.address() as net.AddressInfo).port;
    const user = createNetdev(parseNetdevOption(`user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`));
    await expect(user.open()).rejects.toThrow(`Could not set up host forwarding rule 'tcp:127.0.0.1:${port}-:22'`);
  });
});

describe("-netdev socket through virtio-net", () => {
  it("links two guests over TCP listen/connect with QEMU's 4-byte length framing", async () => {
    const a = new GuestNic("52:54:00:00:00:0a");
    const b = new GuestNic("52:54:00:00:00:0b");
    const la = createNetdev(parseNetdevOption("socket,id=s0,listen=127.0.0.1:0")) as SocketNet;
    await la.open();
    cleanups.push(() => la.close());
    const lb = createNetdev(parseNetdevOption(`socket,id=s1,connect=127.0.0.1:${la.listenPort!}`)) as SocketNet;
    await lb.open();
    cleanups.push(() => lb.close());
    connectPeers(a.net.nic, la);
    connectPeers(b.net.nic, lb);
    await until(() => la.connected && lb.connected);
    const frame = new Uint8Array(1400).map((_, i) => i & 0xff);
    frame.set([0x52, 0x54, 0, 0, 0, 0x0b], 0);
    a.send(frame);
    let got: Uint8Array[] = [];
    await until(() => (got = got.concat(b.take())).length > 0);
    expect(got[0]).toEqual(frame);
    const back = frame.slice(0, 60);
    back.set([0x52, 0x54, 0, 0, 0, 0x0a], 0);
    b.send(back);
    got = [];
    await until(() => (got = got.concat(a.take())).length > 0);
    expect(got[0]).toEqual(back);
  });

  it("puts each frame on the stream behind its length and reads frames split across reads", async () => {
    const nic = new GuestNic("52:54:00:00:00:0c");
    const sn = createNetdev(parseNetdevOption("socket,id=s0,listen=127.0.0.1:0")) as SocketNet;
    await sn.open();
    cleanups.push(() => sn.close());
    connectPeers(nic.net.nic, sn);
    const raw = net.connect(sn.listenPort!, "127.0.0.1");
    cleanups.push(() => {
      raw.destroy();
    });
    const chunks: Buffer[] = [];
    raw.on("data", (d) => chunks.push(d));
    await until(() => sn.connected);
    const f = new Uint8Array(64).fill(0x33);
    f.set([0x52, 0x54, 0, 0, 0, 0x0c], 0);
    nic.send(f);
    await until(() => Buffer.concat(chunks).length >= 68);
    const bytes = Buffer.concat(chunks);
    expect(bytes.readUInt32BE(0)).toBe(64);
    expect(new Uint8Array(bytes.subarray(4, 68))).toEqual(f);
    // Two frames in one write, the second split in two writes.
    const g = Buffer.alloc(4 + 60 + 4 + 70);
    g.writeUInt32BE(60, 0);
    g.fill(0x44, 4, 64);
    g.set([0x52, 0x54, 0, 0, 0, 0x0c], 4);
    g.writeUInt32BE(70, 64);
    g.fill(0x55, 68);
    g.set([0x52, 0x54, 0, 0, 0, 0x0c], 68);
    raw.write(g.subarray(0, 100));
    await new Promise((r) => setTimeout(r, 10));
    raw.write(g.subarray(100));
    let got: Uint8Array[] = [];
    await until(() => (got = got.concat(nic.take())).length === 2);
    expect(got.map((x) => x.length)).toEqual([60, 70]);
    expect(got[1]![69]).toBe(0x55);
  });

  it("reports a taken listen port as QEMU does", async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => busy.close(() => r())));
    const port = (busy.address() as net.AddressInfo).port;
    const sn = createNetdev(parseNetdevOption(`socket,id=s0,listen=127.0.0.1:${port}`));
    await expect(sn.open()).rejects.toThrow("can't bind ip=127.0.0.1 to socket: Address already in use");
  });
});
