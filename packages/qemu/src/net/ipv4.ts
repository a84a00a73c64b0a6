import { inetChecksum } from "./inet-checksum.js";

/*
 * Ethernet II framing and IPv4 headers (RFC 791 3.1) as the user-mode stack builds and checks
 * them, and inet_aton(3) address parsing as QEMU's option parsers use it.
 */

export const ETH_ALEN = 6;
export const ETH_HLEN = 14;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const IPV4_HLEN = 20;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IP_DF = 0x4000;
export const IP_MF = 0x2000;
export const IP_OFFMASK = 0x1fff;
export const IPV4_BROADCAST = 0xffffffff;
export const BROADCAST_MAC: Readonly<Uint8Array> = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** Dotted-quad text of a host-order address. */
export function ipToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/**
 * inet_aton(3): one to four parts separated by dots, each decimal, octal (leading 0) or hex
 * (0x); the last part fills the remaining bytes ("10.2" is 10.0.0.2). Returns the host-order
 * address or undefined.
 */
export function inetAton(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) {
    return undefined;
  }
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0x[0-9a-f]*$/i.test(p)) {
      v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    } else if (/^0[0-7]*$/.test(p)) {
      v = p.length === 1 ? 0 : parseInt(p.slice(1), 8);
    } else if (/^[1-9][0-9]*$/.test(p)) {
      v = parseInt(p, 10);
    } else {
      return undefined;
    }
    values.push(v);
  }
  const last = values.pop()!;
  const limit = [0xffffffff, 0xffffff, 0xffff, 0xff][values.length]!;
  if (last > limit || values.some((v) => v > 0xff)) {
    return undefined;
  }
  let addr = 0;
  values.forEach((v, i) => {
    addr += v * 2 ** (24 - 8 * i);
  });
  return (addr + last) >>> 0;
}

/** Writes an Ethernet II header at 0. */
export function writeEthernet(frame: Uint8Array, dst: Uint8Array, src: Uint8Array, type: number): void {
  frame.set(dst.subarray(0, ETH_ALEN), 0);
  frame.set(src.subarray(0, ETH_ALEN), ETH_ALEN);
  frame[12] = type >> 8;
  frame[13] = type & 0xff;
}

let ipId = 0;

/** Writes a 20-byte IPv4 header at ETH_HLEN with its checksum (TTL 64, DF clear). */
export function writeIpv4(frame: Uint8Array, protocol: number, src: number, dst: number, payloadLength: number): void {
  const v = new DataView(frame.buffer, frame.byteOffset + ETH_HLEN, IPV4_HLEN);
  v.setUint8(0, 0x45);
  v.setUint8(1, 0);
  v.setUint16(2, IPV4_HLEN + payloadLength);
  ipId = (ipId + 1) & 0xffff;
  v.setUint16(4, ipId);
  v.setUint16(6, 0);
  v.setUint8(8, 64);
  v.setUint8(9, protocol);
  v.setUint16(10, 0);
  v.setUint32(12, src);
  v.setUint32(16, dst);
  v.setUint16(10, inetChecksum(frame, ETH_HLEN, ETH_HLEN + IPV4_HLEN));
}

export interface Ipv4Header {
  headerLength: number;
  totalLength: number;
  protocol: number;
  src: number;
  dst: number;
  ttl: number;
  /** Fragment offset and MF flag (non-zero means a fragment). */
  fragment: number;
}

/** Parses and checks the IPv4 header of an Ethernet frame (RFC 1122 3.2.1.1-3.2.1.2); undefined if invalid. */
export function parseIpv4(frame: Uint8Array): Ipv4Header | undefined {
  if (frame.length < ETH_HLEN + IPV4_HLEN) {
    return undefined;
  }
  const v = new DataView(frame.buffer, frame.byteOffset + ETH_HLEN);
  const vihl = v.getUint8(0);
  const headerLength = (vihl & 0x0f) * 4;
  const totalLength = v.getUint16(2);
  if (vihl >> 4 !== 4 || headerLength < IPV4_HLEN || totalLength < headerLength || ETH_HLEN + totalLength > frame.length) {
    return undefined;
  }
  if (inetChecksum(frame, ETH_HLEN, ETH_HLEN + headerLength) !== 0) {
    return undefined;
  }
  return {
    headerLength,
    totalLength,
    protocol: v.getUint8(9),
    src: v.getUint32(12),
    dst: v.getUint32(16),
    ttl: v.getUint8(8),
    fragment: v.getUint16(6) & (IP_MF | IP_OFFMASK),
  };
}
