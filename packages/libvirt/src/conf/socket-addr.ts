// IP addresses as libvirt's src/util/virsocketaddr.c handles them: virSocketAddrParse is glibc's
// getaddrinfo(AI_NUMERICHOST) (IPv4 in inet_aton's "exact" forms: a, a.b, a.b.c, a.b.c.d with
// octal/hex parts; IPv6 by inet_pton, with an optional %scope), virSocketAddrFormat is
// getnameinfo(NI_NUMERICHOST) (dotted quad; RFC 5952-style compressed IPv6 as glibc's inet_ntop).
// The file's errors are VIR_FROM_NONE.
import { confError, VIR_ERR_INTERNAL_ERROR, VIR_ERR_SYSTEM_ERROR, VIR_FROM_NONE } from "./conf-error.js";


export interface SocketAddr {
  family: "ipv4" | "ipv6";
  /** 4 or 16 bytes, network order */
  bytes: number[];
  /** IPv6 scope suffix as written after '%' */
  scope?: string;
}

/** glibc's inet_aton_exact: 1 to 4 parts, each decimal, 0octal or 0xhex; the last part fills the rest */
function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length > 4) return null;
  const vals: number[] = [];
  for (const p of parts) {
    let m: RegExpMatchArray | null;
    let v: number;
    if ((m = /^0[xX]([0-9a-fA-F]*)$/.exec(p))) v = m[1] === "" ? 0 : parseInt(m[1]!, 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = parseInt(p, 10);
    else return null;
    if (!Number.isFinite(v) || v > 0xffffffff) return null;
    vals.push(v);
  }
  const last = vals.pop()!;
  for (const v of vals) if (v > 0xff) return null;
  const lastMax = [0xffffffff, 0xffffff, 0xffff, 0xff][vals.length]!;
  if (last > lastMax) return null;
  const out = [...vals];
  const rest = 4 - vals.length;
  for (let i = rest - 1; i >= 0; i--) out.push(Math.floor(last / 2 ** (8 * i)) & 0xff);
  return out;
}

/** inet_pton(AF_INET6) */
function parseIPv6(s: string): number[] | null {
  if (s === "") return null;
  let head = s;
  let v4: number[] | null = null;
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.slice(lastColon + 1).includes(".")) {
    const tail = s.slice(lastColon + 1);
    if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(tail)) return null;
    v4 = tail.split(".").map((x) => parseInt(x, 10));
    if (v4.some((x) => x > 255)) return null;
    head = s.slice(0, lastColon + 1);
    if (!head.endsWith("::")) head = head.slice(0, -1);
    if (head === "") return null;
  }
  const dbl = head.indexOf("::");
  if (dbl >= 0 && head.includes("::", dbl + 1)) return null;
  const groupsOf = (t: string): number[] | null => {
    if (t === "") return [];
    const out: number[] = [];
    for (const g of t.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const want = v4 ? 6 : 8;
  let words: number[];
  if (dbl >= 0) {
    const a = groupsOf(head.slice(0, dbl));
    const b = groupsOf(head.slice(dbl + 2));
    if (!a || !b || a.length + b.length > want - 1) return null;
    words = [...a, ...new Array<number>(want - a.length - b.length).fill(0), ...b];
  } else {
    const a = groupsOf(head);
    if (a?.length !== want) return null;
    words = a;
  }
  const bytes: number[] = [];
  for (const w of words) bytes.push(w >> 8, w & 0xff);
  if (v4) bytes.push(...v4);
  return bytes;
}

function gaiError(val: string, msg: string): never {
  throw confError(VIR_ERR_SYSTEM_ERROR, `Cannot parse socket address '${val}': ${msg}`, VIR_FROM_NONE);
}

/** The address without reporting, or null (what getaddrinfo(AI_NUMERICHOST) would reject). */
export function tryParseSocketAddr(val: string): SocketAddr | null {
  const v4 = parseIPv4(val);
  if (v4) return { family: "ipv4", bytes: v4 };
  const pct = val.indexOf("%");
  const v6 = parseIPv6(pct >= 0 ? val.slice(0, pct) : val);
  if (!v6) return null;
  if (pct >= 0) {
    const scope = val.slice(pct + 1);
    if (scope === "") return null;
    return { family: "ipv6", bytes: v6, scope };
  }
  return { family: "ipv6", bytes: v6 };
}

/** virSocketAddrParse(addr, val, family): family "ipv4" is AF_INET, null AF_UNSPEC */
export function parseSocketAddr(val: string, family: "ipv4" | null = null): SocketAddr {
  const a = tryParseSocketAddr(val);
  if (!a) gaiError(val, "Name or service not known");
  if (family === "ipv4" && a.family !== "ipv4") gaiError(val, "Address family for hostname not supported");
  return a;
}

/** virSocketAddrFormat */
export function formatSocketAddr(a: SocketAddr): string {
  if (a.family === "ipv4") return a.bytes.join(".");
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((a.bytes[i]! << 8) | a.bytes[i + 1]!);
  // glibc inet_ntop6: the first longest run of two or more zero words becomes "::"
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (cur.base < 0) cur = { base: i, len: 1 };
      else cur.len++;
    } else if (cur.base >= 0) {
      if (best.base < 0 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base >= 0 && (best.base < 0 || cur.len > best.len)) best = cur;
  if (best.base >= 0 && best.len < 2) best = { base: -1, len: 0 };
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && w[5] === 0xffff))) {
      out += a.bytes.slice(12).join(".");
      break;
    }
    out += w[i]!.toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) out += ":";
  return a.scope !== undefined ? `${out}%${a.scope}` : out;
}

export function socketAddrEqual(a: SocketAddr, b: SocketAddr): boolean {
  return a.family === b.family && a.bytes.every((x, i) => x === b.bytes[i]);
}

/** virSocketAddrPrefixToNetmask; null for a prefix too large for the family */
export function prefixToNetmask(prefix: number, family: "ipv4" | "ipv6"): SocketAddr | null {
  const n = family === "ipv4" ? 4 : 16;
  if (prefix > n * 8) return null;
  const bytes: number[] = [];
  for (let i = 0; i < n; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    bytes.push((0xff00 >> bits) & 0xff);
  }
  return { family, bytes };
}

/** virSocketAddrGetNumNetmaskBits: the prefix length of a contiguous netmask, -1 otherwise */
export function netmaskBits(mask: SocketAddr): number {
  let c = 0;
  let ended = false;
  for (const b of mask.bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (b >> bit) & 1;
      if (set && ended) return -1;
      if (set) c++;
      else ended = true;
    }
  }
  return c;
}

/**
 * virSocketAddrGetIPPrefix: the prefix if given, else the netmask's, else the classful
 * (IPv4) or /64 (IPv6) default.
 */
export function ipPrefix(address: SocketAddr | null, netmask: SocketAddr | null, prefix: number): number {
  if (prefix > 0) return prefix;
  if (netmask) return netmaskBits(netmask);
  if (address?.family === "ipv4") {
    const octet = address.bytes[0]!;
    if (address.bytes.every((b) => b === 0)) return 0;
    if ((octet & 0x80) === 0) return 8;
    if ((octet & 0xc0) === 0x80) return 16;
    if ((octet & 0xe0) === 0xc0) return 24;
    return -1;
  }
  if (address?.family === "ipv6") return address.bytes.every((b) => b === 0) ? 0 : 64;
  return 0;
}

function sameUnderMask(a: SocketAddr, b: SocketAddr, mask: SocketAddr): boolean {
  return a.bytes.every((x, i) => (x & mask.bytes[i]!) === (b.bytes[i]! & mask.bytes[i]!));
}

/**
 * virSocketAddrGetRange: checks that start..end lies inside network/prefix (when given), avoids
 * the IPv4 network and broadcast addresses and spans at most 65536 addresses. Returns the size.
 */
export function socketAddrGetRange(start: SocketAddr, end: SocketAddr, network: SocketAddr | null, prefix: number): number {
  const s = formatSocketAddr(start);
  const e = formatSocketAddr(end);
  const err = (m: string): never => {
    throw confError(VIR_ERR_INTERNAL_ERROR, m, VIR_FROM_NONE);
  };
  if (start.family !== end.family) err(`mismatch of address family in range ${s} - ${e}`);
  if (network) {
    const n = formatSocketAddr(network);
    if (start.family !== network.family) err(`mismatch of address family in range ${s} - ${e} for network ${n}`);
    const mask = prefix < 0 ? null : prefixToNetmask(prefix, network.family);
    if (!mask) err(`bad prefix ${prefix} for network ${n} when  checking range ${s} - ${e}`);
    if (netmaskBits(mask!) < 0 || !sameUnderMask(start, network, mask!) || !sameUnderMask(end, network, mask!)) {
      err(`range ${s} - ${e} is not entirely within network ${n}/${prefix}`);
    }
    if (start.family === "ipv4") {
      const netaddr = network.bytes.map((b, i) => b & mask!.bytes[i]!);
      const broadcast = network.bytes.map((b, i) => (b | ~mask!.bytes[i]!) & 0xff);
      if (start.bytes.every((b, i) => b === netaddr[i])) err(`start of range ${s} - ${e} in network ${n}/${prefix} is the network address`);
      if (end.bytes.every((b, i) => b === broadcast[i])) err(`end of range ${s} - ${e} in network ${n}/${prefix} is the broadcast address`);
    }
  }
  if (start.family === "ipv4") {
    for (let i = 0; i < 2; i++) if (start.bytes[i] !== end.bytes[i]) err(`range ${s} - ${e} is too large (> 65535)`);
    const r = (end.bytes[2]! - start.bytes[2]!) * 256 + (end.bytes[3]! - start.bytes[3]!);
    if (r < 0) err(`range ${s} - ${e} is reversed `);
    return r + 1;
  }
  for (let i = 0; i < 14; i++) if (start.bytes[i] !== end.bytes[i]) err(`range ${s} - ${e} is too large (> 65535)`);
  const r = ((end.bytes[14]! << 8) | end.bytes[15]!) - ((start.bytes[14]! << 8) | start.bytes[15]!);
  if (r < 0) err(`range ${s} - ${e} start larger than end`);
  return r + 1;
}
