import * as dgram from "node:dgram";
import * as net from "node:net";
import { DHCPACK, DhcpServer, BOOTP_CLIENT_PORT, BOOTP_SERVER_PORT } from "./dhcp-server.js";
import { checksumAdd, checksumFinish, inetChecksum, pseudoHeaderSum } from "./inet-checksum.js";
import {
  BROADCAST_MAC,
  ETH_ALEN,
  ETH_HLEN,
  ETH_P_ARP,
  ETH_P_IP,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_BROADCAST,
  IPV4_HLEN,
  ipToString,
  parseIpv4,
  writeEthernet,
  writeIpv4,
} from "./ipv4.js";
import { NetClient, formatMac } from "./net-client.js";
import { TCP_HLEN, TH_ACK, TH_RST, TH_SYN, TcpConnection, type TcpOwner, type TcpSegment } from "./slirp-tcp.js";

/*
 * -netdev user: a small user-mode network stack in the manner of libslirp. The guest sees a
 * virtual network (default 10.0.2.0/24) with a gateway/host at .2 and a DNS address at .3 and gets
 * .15 by DHCP. ARP for the virtual addresses is answered, ICMP echo to them is reflected, and
 * UDP/TCP to the virtual host address is carried over host sockets to the host's loopback
 * (127.0.0.1), which is what 10.0.2.2 means in QEMU's documentation. hostfwd= rules listen on the
 * host and connect into the guest. Traffic to any other destination is refused (a TCP RST, an
 * ICMP port unreachable for UDP): virtkit never sends guest traffic off the host.
 */

export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;
const ARP_LEN = 28;
export const ICMP_ECHOREPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_UNREACH_PORT = 3;
export const ICMP_ECHO = 8;
const UDP_HLEN = 8;
const ETH_P_IPV6 = 0x86dd;
const IPV6_HLEN = 40;
const IPPROTO_ICMPV6 = 58;
const ND_ROUTER_SOLICIT = 133;
const ND_ROUTER_ADVERT = 134;
/** libslirp's UDP socket expiry (SO_EXPIRE, 240 s). */
const UDP_EXPIRE_MS = 240_000;
const LOOPBACK = "127.0.0.1";
/** Frames held while the guest's MAC is being resolved (libslirp keeps a similar bounded queue). */
const PENDING_ARP_MAX = 64;

export interface HostForward {
  /** The rule as written (for messages). */
  rule: string;
  udp: boolean;
  /** Host address to listen on, "" for any. */
  hostAddr: string;
  hostPort: number;
  /** Guest address, 0 for the first DHCP address. */
  guestAddr: number;
  guestPort: number;
}

export interface UserNetConfig {
  /** Network address and mask (host order). */
  net: number;
  netmask: number;
  host: number;
  dns: number;
  dhcpStart: number;
  restrict: boolean;
  hostname?: string;
  domainname?: string;
  bootfile?: string;
  hostfwd: HostForward[];
}

/** QEMU's defaults: 10.0.2.0/24, host .2, DNS .3, DHCP from .15. */
export const USER_NET_DEFAULTS: UserNetConfig = {
  net: 0x0a000200,
  netmask: 0xffffff00,
  host: 0x0a000202,
  dns: 0x0a000203,
  dhcpStart: 0x0a00020f,
  restrict: false,
  hostfwd: [],
};

export class UserNetError extends Error {}

interface UdpSession {
  socket: dgram.Socket;
  guestIp: number;
  guestPort: number;
  timer: ReturnType<typeof setTimeout>;
  /** A hostfwd listener socket: never expires or closes with the session. */
  listener: boolean;
}

export class UserNet extends NetClient implements TcpOwner {
  readonly config: UserNetConfig;
  private readonly dhcp: DhcpServer;
  /** Guest IP -> MAC, learned from ARP, DHCP and IP traffic (libslirp's arp table). */
  private readonly arpTable = new Map<number, Uint8Array>();
  private readonly tcp = new Map<string, TcpConnection>();
  private readonly udp = new Map<string, UdpSession>();
  private readonly listeners: (net.Server | dgram.Socket)[] = [];
  /** Frames waiting for the guest's MAC (ARP resolution pending). */
  private readonly pendingArp: { ip: number; frame: Uint8Array }[] = [];
  private readonly hostMac: Uint8Array;
  /** Told of every address the DHCP server acknowledges (for `info usernet`-style reporting and tests). */
  onDhcpAck: ((mac: string, ip: number) => void) | undefined;

  constructor(id: string, config: Partial<UserNetConfig> = {}) {
    super(id, "user");
    this.config = { ...USER_NET_DEFAULTS, ...config };
    const c = this.config;
    this.dhcp = new DhcpServer({
      host: c.host,
      netmask: c.netmask,
      dns: c.dns,
      dhcpStart: c.dhcpStart,
      ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
      ...(c.domainname !== undefined ? { domainname: c.domainname } : {}),
      ...(c.bootfile !== undefined ? { bootfile: c.bootfile } : {}),
    });
    this.hostMac = this.specialMac(c.host);
  }

  get infoStr(): string {
    return `net=${ipToString(this.config.net)},restrict=${this.config.restrict ? "on" : "off"}`;
  }

  /** libslirp's special_ethaddr: 52:55 followed by the virtual address. */
  private specialMac(ip: number): Uint8Array {
    return Uint8Array.of(0x52, 0x55, ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff);
  }

  /** Starts the hostfwd listeners; rejects with QEMU's text if one cannot be set up. */
  async open(): Promise<void> {
    for (const fwd of this.config.hostfwd) {
      try {
        if (fwd.udp) {
          this.listeners.push(await this.listenUdp(fwd));
        } else {
          this.listeners.push(await this.listenTcp(fwd));
        }
      } catch {
        throw new UserNetError(`Could not set up host forwarding rule '${fwd.rule}'`);
      }
    }
  }

  /** The port a hostfwd rule ended up on (useful with host port 0). */
  hostForwardPort(index: number): number | undefined {
    const l = this.listeners[index];
    if (l === undefined) return undefined;
    const a = l.address();
    return typeof a === "object" && a !== null ? a.port : undefined;
  }

  override async close(): Promise<void> {
    for (const c of [...this.tcp.values()]) c.close(false);
    for (const s of this.udp.values()) {
      clearTimeout(s.timer);
      if (!s.listener) s.socket.close();
    }
    this.udp.clear();
    await Promise.all(
      this.listeners.splice(0).map(
        (l) =>
          new Promise<void>((resolve) => {
            if (l instanceof net.Server) l.close(() => resolve());
            else l.close(() => resolve());
          }),
      ),
    );
  }

  private inNetwork(ip: number): boolean {
    return ((ip & this.config.netmask) >>> 0) === this.config.net;
  }

  private isVirtual(ip: number): boolean {
    return ip === this.config.host || ip === this.config.dns;
  }

  // ---- frames from the guest ----

  protected receive(frame: Uint8Array): boolean {
    if (frame.length < ETH_HLEN) {
      return true;
    }
    const type = (frame[12]! << 8) | frame[13]!;
    if (type === ETH_P_ARP) {
      this.arpInput(frame);
    } else if (type === ETH_P_IP) {
      this.ipInput(frame);
    } else if (type === ETH_P_IPV6) {
      this.ipv6Input(frame);
    }
    return true;
  }

  /**
   * IPv6 is not routed here. A Router Solicitation (RFC 4861 6.3.7) still gets an answer: a Router
   * Advertisement with router lifetime 0 and no prefix, which tells the guest at once that there is
   * no IPv6 service instead of leaving it to time out (iPXE waits ~15 s for one).
   */
  private ipv6Input(frame: Uint8Array): void {
    if (frame.length < ETH_HLEN + IPV6_HLEN + 8 || frame[ETH_HLEN]! >> 4 !== 6) return;
    const next = frame[ETH_HLEN + 6];
    const icmpType = frame[ETH_HLEN + IPV6_HLEN];
    if (next !== IPPROTO_ICMPV6 || icmpType !== ND_ROUTER_SOLICIT) return;
    const routerMac = Uint8Array.of(0x52, 0x56, 0, 0, 0, 2);
    const ra = new Uint8Array(16 + 8);
    ra[0] = ND_ROUTER_ADVERT;
    // cur hop limit 0, flags 0, router lifetime 0, reachable 0, retrans 0 (RFC 4861 4.2).
    ra[16] = 1; // source link-layer address option (4.6.1)
    ra[17] = 1;
    ra.set(routerMac, 18);
    const out = new Uint8Array(ETH_HLEN + IPV6_HLEN + ra.length);
    writeEthernet(out, Uint8Array.of(0x33, 0x33, 0, 0, 0, 1), routerMac, ETH_P_IPV6);
    const v = new DataView(out.buffer, ETH_HLEN);
    v.setUint32(0, 0x60000000);
    v.setUint16(4, ra.length);
    v.setUint8(6, IPPROTO_ICMPV6);
    v.setUint8(7, 255);
    const src = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2);
    const dst = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    out.set(src, ETH_HLEN + 8);
    out.set(dst, ETH_HLEN + 24);
    out.set(ra, ETH_HLEN + IPV6_HLEN);
    // ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 8.1).
    let sum = checksumAdd(0, out, ETH_HLEN + 8, ETH_HLEN + IPV6_HLEN);
    sum += ra.length + IPPROTO_ICMPV6;
    sum = checksumAdd(sum, out, ETH_HLEN + IPV6_HLEN, out.length);
    const c = checksumFinish(sum);
    out[ETH_HLEN + IPV6_HLEN + 2] = c >> 8;
    out[ETH_HLEN + IPV6_HLEN + 3] = c & 0xff;
    this.send(out);
  }

  /** ARP (RFC 826): answer for the virtual host and DNS addresses, learn the guest's MAC. */
  private arpInput(frame: Uint8Array): void {
    if (frame.length < ETH_HLEN + ARP_LEN) return;
    const v = new DataView(frame.buffer, frame.byteOffset + ETH_HLEN, ARP_LEN);
    if (v.getUint16(0) !== 1 || v.getUint16(2) !== ETH_P_IP || v.getUint8(4) !== 6 || v.getUint8(5) !== 4) return;
    const op = v.getUint16(6);
    const sha = frame.slice(ETH_HLEN + 8, ETH_HLEN + 14);
    const spa = v.getUint32(14);
    const tpa = v.getUint32(24);
    if (this.inNetwork(spa) && spa !== 0) {
      this.learn(spa, sha);
    }
    if (op === ARPOP_REQUEST && this.isVirtual(tpa)) {
      const out = new Uint8Array(ETH_HLEN + ARP_LEN);
      const mac = this.specialMac(tpa);
      writeEthernet(out, sha, mac, ETH_P_ARP);
      const o = new DataView(out.buffer, ETH_HLEN);
      o.setUint16(0, 1);
      o.setUint16(2, ETH_P_IP);
      o.setUint8(4, 6);
      o.setUint8(5, 4);
      o.setUint16(6, ARPOP_REPLY);
      out.set(mac, ETH_HLEN + 8);
      o.setUint32(14, tpa);
      out.set(sha, ETH_HLEN + 18);
      o.setUint32(24, spa);
      this.send(out);
    }
  }

  private learn(ip: number, mac: Uint8Array): void {
    if (mac[0]! & 1) return;
    this.arpTable.set(ip, mac.slice(0, ETH_ALEN));
    if (this.pendingArp.length > 0) {
      for (let i = 0; i < this.pendingArp.length; ) {
        const p = this.pendingArp[i]!;
        if (p.ip === ip) {
          p.frame.set(mac.subarray(0, ETH_ALEN), 0);
          this.send(p.frame);
          this.pendingArp.splice(i, 1);
        } else {
          i++;
        }
      }
    }
  }

  private ipInput(frame: Uint8Array): void {
    const ip = parseIpv4(frame);
    if (ip?.fragment !== 0) {
      // Malformed, or a fragment: libslirp reassembles; this stack drops fragments.
      return;
    }
    if (this.inNetwork(ip.src) && ip.src !== 0) {
      this.learn(ip.src, frame.subarray(ETH_ALEN, 2 * ETH_ALEN));
    }
    const l4 = frame.subarray(ETH_HLEN + ip.headerLength, ETH_HLEN + ip.totalLength);
    switch (ip.protocol) {
      case IPPROTO_ICMP:
        this.icmpInput(frame, ip.src, ip.dst, l4);
        break;
      case IPPROTO_UDP:
        this.udpInput(frame, ip.src, ip.dst, l4);
        break;
      case IPPROTO_TCP:
        this.tcpInput(ip.src, ip.dst, l4);
        break;
      default:
        break;
    }
  }

  // ---- output ----

  /** Builds an IPv4 frame from `src` to the guest at `dst` and sends it (or queues it for ARP). */
  private output(src: number, dst: number, protocol: number, l4: Uint8Array, fill?: (frame: Uint8Array, l4Offset: number) => void): void {
    const frame = new Uint8Array(ETH_HLEN + IPV4_HLEN + l4.length);
    let dstMac: Uint8Array | undefined;
    if (dst === IPV4_BROADCAST) {
      dstMac = BROADCAST_MAC;
    } else {
      dstMac = this.arpTable.get(dst);
    }
    writeEthernet(frame, dstMac ?? BROADCAST_MAC, this.hostMac, ETH_P_IP);
    writeIpv4(frame, protocol, src, dst, l4.length);
    frame.set(l4, ETH_HLEN + IPV4_HLEN);
    fill?.(frame, ETH_HLEN + IPV4_HLEN);
    if (dstMac === undefined) {
      // Bounded: a guest that never answers ARP must not make the host hold frames forever.
      if (this.pendingArp.length >= PENDING_ARP_MAX) this.pendingArp.shift();
      this.pendingArp.push({ ip: dst, frame });
      this.arpRequest(dst);
      return;
    }
    this.send(frame);
  }

  /** Asks who has `ip` (libslirp does the same before sending to an unknown guest address). */
  private arpRequest(ip: number): void {
    const out = new Uint8Array(ETH_HLEN + ARP_LEN);
    writeEthernet(out, BROADCAST_MAC, this.hostMac, ETH_P_ARP);
    const o = new DataView(out.buffer, ETH_HLEN);
    o.setUint16(0, 1);
    o.setUint16(2, ETH_P_IP);
    o.setUint8(4, 6);
    o.setUint8(5, 4);
    o.setUint16(6, ARPOP_REQUEST);
    out.set(this.hostMac, ETH_HLEN + 8);
    o.setUint32(14, this.config.host);
    o.setUint32(24, ip);
    this.send(out);
  }

  private udpOutput(src: number, srcPort: number, dst: number, dstPort: number, payload: Uint8Array): void {
    const l4 = new Uint8Array(UDP_HLEN + payload.length);
    const v = new DataView(l4.buffer);
    v.setUint16(0, srcPort);
    v.setUint16(2, dstPort);
    v.setUint16(4, l4.length);
    l4.set(payload, UDP_HLEN);
    const sum = checksumFinish(checksumAdd(pseudoHeaderSum(src, dst, IPPROTO_UDP, l4.length), l4, 0, l4.length));
    v.setUint16(6, sum === 0 ? 0xffff : sum);
    this.output(src, dst, IPPROTO_UDP, l4);
  }

  // ---- ICMP (RFC 792) ----

  private icmpInput(frame: Uint8Array, src: number, dst: number, l4: Uint8Array): void {
    if (l4.length < 8 || inetChecksum(l4, 0, l4.length) !== 0) return;
    if (l4[0] !== ICMP_ECHO || !this.isVirtual(dst)) return;
    const reply = l4.slice();
    reply[0] = ICMP_ECHOREPLY;
    reply[2] = 0;
    reply[3] = 0;
    const sum = inetChecksum(reply, 0, reply.length);
    reply[2] = sum >> 8;
    reply[3] = sum & 0xff;
    this.learn(src, frame.subarray(ETH_ALEN, 2 * ETH_ALEN));
    this.output(dst, src, IPPROTO_ICMP, reply);
  }

  /** ICMP port unreachable quoting the offending datagram's header and 8 bytes (RFC 792, RFC 1122 3.2.2.1). */
  private icmpUnreachable(frame: Uint8Array, src: number, dst: number): void {
    const ipLen = ((frame[ETH_HLEN]! & 0x0f) * 4) + 8;
    const quote = frame.subarray(ETH_HLEN, Math.min(frame.length, ETH_HLEN + ipLen));
    const l4 = new Uint8Array(8 + quote.length);
    l4[0] = ICMP_UNREACH;
    l4[1] = ICMP_UNREACH_PORT;
    l4.set(quote, 8);
    const sum = inetChecksum(l4, 0, l4.length);
    l4[2] = sum >> 8;
    l4[3] = sum & 0xff;
    this.output(dst, src, IPPROTO_ICMP, l4);
  }

  // ---- UDP (RFC 768) ----

  private udpInput(frame: Uint8Array, src: number, dst: number, l4: Uint8Array): void {
    if (l4.length < UDP_HLEN) return;
    const v = new DataView(l4.buffer, l4.byteOffset, l4.byteLength);
    const srcPort = v.getUint16(0);
    const dstPort = v.getUint16(2);
    const len = v.getUint16(4);
    if (len < UDP_HLEN || len > l4.length) return;
    if (v.getUint16(6) !== 0 && checksumFinish(checksumAdd(pseudoHeaderSum(src, dst, IPPROTO_UDP, len), l4, 0, len)) !== 0) return;
    const payload = l4.subarray(UDP_HLEN, len);
    if (dstPort === BOOTP_SERVER_PORT && (dst === IPV4_BROADCAST || dst === this.config.host)) {
      const reply = this.dhcp.handle(payload);
      if (reply !== undefined) {
        if (reply.yiaddr !== 0) this.learn(reply.yiaddr, reply.clientMac);
        if (reply.type === DHCPACK) this.onDhcpAck?.(formatMac(reply.clientMac), reply.yiaddr);
        this.udpOutput(this.config.host, BOOTP_SERVER_PORT, IPV4_BROADCAST, BOOTP_CLIENT_PORT, reply.payload);
      }
      return;
    }
    if (dst !== this.config.host || this.config.restrict) {
      // Only the virtual host (the host's loopback) is reachable.
      if (dst !== IPV4_BROADCAST && !(dst & 0xe0000000 && (dst >>> 28) === 0xe)) {
        this.icmpUnreachable(frame, src, dst);
      }
      return;
    }
    const key = `${src}:${srcPort}`;
    let session = this.udp.get(key);
    if (session === undefined) {
      const socket = dgram.createSocket("udp4");
      const s: UdpSession = {
        socket,
        guestIp: src,
        guestPort: srcPort,
        timer: setTimeout(() => undefined, 0),
        listener: false,
      };
      socket.on("message", (msg, rinfo) => {
        this.refreshUdp(key, s);
        // Replies from the loopback appear to come from the virtual host.
        this.udpOutput(this.config.host, rinfo.port, s.guestIp, s.guestPort, msg);
      });
      socket.on("error", () => {
        this.dropUdp(key);
      });
      socket.unref();
      session = s;
      this.udp.set(key, s);
    }
    this.refreshUdp(key, session);
    session.socket.send(payload, dstPort, LOOPBACK);
  }

  private refreshUdp(key: string, s: UdpSession): void {
    clearTimeout(s.timer);
    if (s.listener) return;
    s.timer = setTimeout(() => {
      this.dropUdp(key);
    }, UDP_EXPIRE_MS);
    s.timer.unref();
  }

  private dropUdp(key: string): void {
    const s = this.udp.get(key);
    if (s === undefined || s.listener) return;
    clearTimeout(s.timer);
    this.udp.delete(key);
    try {
      s.socket.close();
    } catch {
      // already closed
    }
  }

  // ---- TCP (RFC 793) ----

  private tcpInput(src: number, dst: number, l4: Uint8Array): void {
    if (l4.length < TCP_HLEN) return;
    if (checksumFinish(checksumAdd(pseudoHeaderSum(src, dst, IPPROTO_TCP, l4.length), l4, 0, l4.length)) !== 0) return;
    const v = new DataView(l4.buffer, l4.byteOffset, l4.byteLength);
    const dataOffset = (l4[12]! >> 4) * 4;
    if (dataOffset < TCP_HLEN || dataOffset > l4.length) return;
    let mss: number | undefined;
    for (let i = TCP_HLEN; i < dataOffset; ) {
      const kind = l4[i]!;
      if (kind === 0) break;
      if (kind === 1) {
        i++;
        continue;
      }
      const len = l4[i + 1] ?? 0;
      if (len < 2 || i + len > dataOffset) break;
      if (kind === 2 && len === 4) mss = v.getUint16(i + 2);
      i += len;
    }
    const seg: TcpSegment = {
      srcPort: v.getUint16(0),
      dstPort: v.getUint16(2),
      seq: v.getUint32(4),
      ack: v.getUint32(8),
      flags: l4[13]! & 0x3f,
      window: v.getUint16(14),
      mss,
      payload: l4.subarray(dataOffset),
    };
    const key = `${src}:${seg.srcPort}-${dst}:${seg.dstPort}`;
    const conn = this.tcp.get(key);
    if (conn !== undefined) {
      conn.input(seg);
      return;
    }
    if (seg.flags & TH_RST) return;
    if ((seg.flags & (TH_SYN | TH_ACK)) === TH_SYN && dst === this.config.host && !this.config.restrict) {
      const c = new TcpConnection(this, src, seg.srcPort, dst, seg.dstPort, "SYN_RCVD_PENDING");
      c.rcvNxt = (seg.seq + 1) >>> 0;
      c.sndWnd = seg.window;
      c.mss = Math.min(seg.mss ?? 536, 1460);
      this.tcp.set(key, c);
      const socket = net.connect({ host: LOOPBACK, port: seg.dstPort });
      c.attachSocket(socket);
      socket.once("connect", () => {
        socket.setNoDelay(true);
        c.hostConnected();
      });
      return;
    }
    // No connection: answer with a reset (RFC 793 3.4 "Reset Generation").
    const tmp = new TcpConnection(this, src, seg.srcPort, dst, seg.dstPort, "CLOSED");
    const segLen = seg.payload.length + (seg.flags & TH_SYN ? 1 : 0) + (seg.flags & 1 ? 1 : 0);
    if (seg.flags & TH_ACK) {
      this.emit(tmp, TH_RST, seg.ack, 0);
    } else {
      this.emit(tmp, TH_RST | TH_ACK, 0, (seg.seq + segLen) >>> 0);
    }
  }

  /** TcpOwner: sends one segment from the connection's remote end to the guest. */
  emit(conn: TcpConnection, flags: number, seq: number, ack: number, payload?: Uint8Array, mss?: number): void {
    const optLen = mss !== undefined ? 4 : 0;
    const dataLen = payload?.length ?? 0;
    const l4 = new Uint8Array(TCP_HLEN + optLen + dataLen);
    const v = new DataView(l4.buffer);
    v.setUint16(0, conn.remotePort);
    v.setUint16(2, conn.guestPort);
    v.setUint32(4, seq >>> 0);
    v.setUint32(8, flags & TH_ACK ? ack >>> 0 : 0);
    l4[12] = ((TCP_HLEN + optLen) / 4) << 4;
    l4[13] = flags;
    v.setUint16(14, flags & TH_RST ? 0 : conn.window);
    if (mss !== undefined) {
      l4[20] = 2;
      l4[21] = 4;
      v.setUint16(22, mss);
    }
    if (payload !== undefined) l4.set(payload, TCP_HLEN + optLen);
    v.setUint16(16, checksumFinish(checksumAdd(pseudoHeaderSum(conn.remoteIp, conn.guestIp, IPPROTO_TCP, l4.length), l4, 0, l4.length)));
    this.output(conn.remoteIp, conn.guestIp, IPPROTO_TCP, l4);
  }

  forget(conn: TcpConnection): void {
    if (this.tcp.get(conn.key) === conn) this.tcp.delete(conn.key);
  }

  /** Open TCP connections (for tests and `info usernet`). */
  get tcpConnections(): number {
    return this.tcp.size;
  }

  // ---- hostfwd ----

  private guestAddr(fwd: HostForward): number {
    return fwd.guestAddr !== 0 ? fwd.guestAddr : this.config.dhcpStart;
  }

  private listenTcp(fwd: HostForward): Promise<net.Server> {
    const server = net.createServer((socket) => {
      const peerPort = socket.remotePort ?? 0;
      const c = new TcpConnection(this, this.guestAddr(fwd), fwd.guestPort, this.config.host, peerPort, "SYN_SENT");
      if (this.tcp.has(c.key)) {
        socket.destroy();
        return;
      }
      this.tcp.set(c.key, c);
      c.attachSocket(socket);
      socket.setNoDelay(true);
      c.open();
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: fwd.hostAddr === "" ? "0.0.0.0" : fwd.hostAddr, port: fwd.hostPort }, () => {
        server.off("error", reject);
        server.unref();
        resolve(server);
      });
    });
  }

  private listenUdp(fwd: HostForward): Promise<dgram.Socket> {
    const socket = dgram.createSocket("udp4");
    const guest = this.guestAddr(fwd);
    socket.on("message", (msg, rinfo) => {
      // Datagrams to the rule's port go to the guest as from the virtual host; the guest's
      // answers to that source port are carried back to the sender through a UDP session.
      const key = `${guest}:${fwd.guestPort}`;
      if (!this.udp.has(key)) {
        this.udp.set(key, { socket, guestIp: guest, guestPort: fwd.guestPort, timer: setTimeout(() => undefined, 0), listener: true });
      }
      this.udpOutput(this.config.host, rinfo.port, guest, fwd.guestPort, msg);
    });
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind({ address: fwd.hostAddr === "" ? "0.0.0.0" : fwd.hostAddr, port: fwd.hostPort }, () => {
        socket.off("error", reject);
        socket.unref();
        resolve(socket);
      });
    });
  }
}
