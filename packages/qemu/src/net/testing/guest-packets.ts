import { checksumAdd, checksumFinish, inetChecksum, pseudoHeaderSum } from "../inet-checksum.js";
import { ETH_HLEN, ETH_P_ARP, ETH_P_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPV4_HLEN, parseIpv4, writeEthernet, writeIpv4 } from "../ipv4.js";

/* Frame builders and parsers playing the guest's network stack in tests. */

export const GUEST_MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
export const BCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

export function ip(text: string): number {
  return text.split(".").reduce((a, b) => a * 256 + Number(b), 0) >>> 0;
}

export function arpRequest(srcIp: number, targetIp: number, mac = GUEST_MAC): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + 28);
  writeEthernet(f, BCAST, mac, ETH_P_ARP);
  const v = new DataView(f.buffer, ETH_HLEN);
  v.setUint16(0, 1);
  v.setUint16(2, ETH_P_IP);
  v.setUint8(4, 6);
  v.setUint8(5, 4);
  v.setUint16(6, 1);
  f.set(mac, ETH_HLEN + 8);
  v.setUint32(14, srcIp);
  v.setUint32(24, targetIp);
  return f;
}

function ipFrame(dstMac: Uint8Array, protocol: number, src: number, dst: number, l4: Uint8Array): Uint8Array {
  const f = new Uint8Array(ETH_HLEN + IPV4_HLEN + l4.length);
  writeEthernet(f, dstMac, GUEST_MAC, ETH_P_IP);
  writeIpv4(f, protocol, src, dst, l4.length);
  f.set(l4, ETH_HLEN + IPV4_HLEN);
  return f;
}

export function udpFrame(dstMac: Uint8Array, src: number, srcPort: number, dst: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const l4 = new Uint8Array(8 + payload.length);
  const v = new DataView(l4.buffer);
  v.setUint16(0, srcPort);
  v.setUint16(2, dstPort);
  v.setUint16(4, l4.length);
  l4.set(payload, 8);
  v.setUint16(6, checksumFinish(checksumAdd(pseudoHeaderSum(src, dst, IPPROTO_UDP, l4.length), l4, 0, l4.length)) || 0xffff);
  return ipFrame(dstMac, IPPROTO_UDP, src, dst, l4);
}

export function icmpEcho(dstMac: Uint8Array, src: number, dst: number, id: number, seq: number, data: Uint8Array): Uint8Array {
  const l4 = new Uint8Array(8 + data.length);
  l4[0] = 8;
  new DataView(l4.buffer).setUint16(4, id);
  new DataView(l4.buffer).setUint16(6, seq);
  l4.set(data, 8);
  const sum = inetChecksum(l4, 0, l4.length);
  l4[2] = sum >> 8;
  l4[3] = sum & 0xff;
  return ipFrame(dstMac, IPPROTO_ICMP, src, dst, l4);
}

export interface TcpOut {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  mss?: number;
  payload?: Uint8Array;
}

export function tcpFrame(dstMac: Uint8Array, src: number, dst: number, t: TcpOut): Uint8Array {
  const opt = t.mss !== undefined ? 4 : 0;
  const data = t.payload ?? new Uint8Array(0);
  const l4 = new Uint8Array(20 + opt + data.length);
  const v = new DataView(l4.buffer);
  v.setUint16(0, t.srcPort);
  v.setUint16(2, t.dstPort);
  v.setUint32(4, t.seq >>> 0);
  v.setUint32(8, t.ack >>> 0);
  l4[12] = ((20 + opt) / 4) << 4;
  l4[13] = t.flags;
  v.setUint16(14, t.window ?? 65535);
  if (t.mss !== undefined) {
    l4[20] = 2;
    l4[21] = 4;
    v.setUint16(22, t.mss);
  }
  l4.set(data, 20 + opt);
  v.setUint16(16, checksumFinish(checksumAdd(pseudoHeaderSum(src, dst, IPPROTO_TCP, l4.length), l4, 0, l4.length)));
  return ipFrame(dstMac, IPPROTO_TCP, src, dst, l4);
}

export interface ParsedFrame {
  dstMac: Uint8Array;
  srcMac: Uint8Array;
  type: number;
  ip?: { src: number; dst: number; protocol: number; ttl: number };
  udp?: { srcPort: number; dstPort: number; payload: Uint8Array; checksumOk: boolean };
  tcp?: { srcPort: number; dstPort: number; seq: number; ack: number; flags: number; window: number; mss?: number; payload: Uint8Array; checksumOk: boolean };
  icmp?: { type: number; code: number; id: number; seq: number; data: Uint8Array; checksumOk: boolean };
  arp?: { op: number; sha: Uint8Array; spa: number; tha: Uint8Array; tpa: number };
}

/** Decodes a frame the stack sent, verifying every checksum. */
export function parseFrame(f: Uint8Array): ParsedFrame {
  const type = (f[12]! << 8) | f[13]!;
  const out: ParsedFrame = { dstMac: f.slice(0, 6), srcMac: f.slice(6, 12), type };
  if (type === ETH_P_ARP) {
    const v = new DataView(f.buffer, f.byteOffset + ETH_HLEN);
    out.arp = { op: v.getUint16(6), sha: f.slice(22, 28), spa: v.getUint32(14), tha: f.slice(32, 38), tpa: v.getUint32(24) };
    return out;
  }
  const h = parseIpv4(f);
  if (h === undefined) throw new Error("bad IPv4 header (or checksum)");
  out.ip = { src: h.src, dst: h.dst, protocol: h.protocol, ttl: h.ttl };
  const l4 = f.subarray(ETH_HLEN + h.headerLength, ETH_HLEN + h.totalLength);
  const v = new DataView(l4.buffer, l4.byteOffset, l4.byteLength);
  if (h.protocol === IPPROTO_UDP) {
    const ok = checksumFinish(checksumAdd(pseudoHeaderSum(h.src, h.dst, IPPROTO_UDP, l4.length), l4, 0, l4.length)) === 0;
    out.udp = { srcPort: v.getUint16(0), dstPort: v.getUint16(2), payload: l4.slice(8, v.getUint16(4)), checksumOk: ok };
  } else if (h.protocol === IPPROTO_TCP) {
    const off = (l4[12]! >> 4) * 4;
    const ok = checksumFinish(checksumAdd(pseudoHeaderSum(h.src, h.dst, IPPROTO_TCP, l4.length), l4, 0, l4.length)) === 0;
    out.tcp = {
      srcPort: v.getUint16(0),
      dstPort: v.getUint16(2),
      seq: v.getUint32(4),
      ack: v.getUint32(8),
      flags: l4[13]!,
      window: v.getUint16(14),
      ...(off > 20 && l4[20] === 2 ? { mss: v.getUint16(22) } : {}),
      payload: l4.slice(off),
      checksumOk: ok,
    };
  } else if (h.protocol === IPPROTO_ICMP) {
    out.icmp = { type: l4[0]!, code: l4[1]!, id: v.getUint16(4), seq: v.getUint16(6), data: l4.slice(8), checksumOk: inetChecksum(l4, 0, l4.length) === 0 };
  }
  return out;
}
