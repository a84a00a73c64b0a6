// UUIDs, MAC addresses and CPU bitmaps in libvirt's text forms.
//   virUUIDParse/virUUIDFormat/virUUIDGenerate  (src/util/viruuid.c)
//   virMacAddrParse/virMacAddrFormat/virMacAddrGenerate (src/util/virmacaddr.c), with the
//     52:54:00 prefix the domain config uses for generated NIC addresses (VIR_MAC_PREFIX_BUFLEN,
//     virDomainNetGenerateMAC -> virDomainXMLOption's config.macPrefix, default 52:54:00)
//   virBitmapParse/virBitmapFormat (src/util/virbitmap.c)
import { randomBytes } from "node:crypto";
import { confError, VIR_ERR_INVALID_ARG, VIR_FROM_NONE } from "./conf-error.js";
import { isCSpace, strtolPrefixI } from "./virstring.js";

const HEX = "0123456789abcdef";

function hexValue(c: string | undefined): number {
  if (c === undefined) return -1;
  const i = HEX.indexOf(c.toLowerCase());
  return i;
}

/**
 * virUUIDParse: 32 hex digits with '-' or ' ' allowed between byte pairs and white space around.
 * Returns the canonical lower-case form, or null if malformed.
 */
export function parseUUID(s: string): string | null {
  let i = 0;
  while (isCSpace(s[i])) i++;
  const bytes: number[] = [];
  while (bytes.length < 16) {
    const c = s[i];
    if (c === undefined) return null;
    if (c === "-" || c === " ") {
      i++;
      continue;
    }
    const hi = hexValue(c);
    if (hi < 0) return null;
    const lo = hexValue(s[i + 1]);
    if (lo < 0) return null;
    bytes.push(hi * 16 + lo);
    i += 2;
  }
  for (; i < s.length; i++) if (!isCSpace(s[i])) return null;
  return formatUUIDBytes(bytes);
}

function formatUUIDBytes(b: readonly number[]): string {
  const h = b.map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** virUUIDGenerate: a random RFC 4122 version 4 UUID */
export function generateUUID(): string {
  const b = [...randomBytes(16)];
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUUIDBytes(b);
}

/** The 16 raw bytes of a canonical UUID string (for remote_uuid on the wire). */
export function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, "");
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * virMacAddrParse: six groups of one or two hex digits separated by ':'; after the sixth group any
 * character <= ' ' may follow. Returns the canonical "%02x:..." form or null.
 */
export function parseMacAddr(s: string): string | null {
  const out: number[] = [];
  let i = 0;
  for (let n = 0; n < 6; n++) {
    if (hexValue(s[i]) < 0) return null;
    let j = i;
    let v = 0;
    while (hexValue(s[j]) >= 0) {
      v = v * 16 + hexValue(s[j]);
      j++;
    }
    if (j - i < 1 || j - i > 2 || v > 0xff) return null;
    out.push(v);
    if (n === 5) {
      const next = s.charCodeAt(j);
      return j >= s.length || next <= 0x20 ? formatMacBytes(out) : null;
    }
    if (s[j] !== ":") return null;
    i = j + 1;
  }
  return null;
}

export function formatMacBytes(b: readonly number[]): string {
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** VIR_MAC_PREFIX of QEMU/KVM guests, used by libvirt for every generated NIC address */
export const VIR_MAC_PREFIX_QEMU = [0x52, 0x54, 0x00] as const;

/** virMacAddrGenerate(prefix): the prefix then three random bytes */
export function generateMacAddr(prefix: readonly number[] = VIR_MAC_PREFIX_QEMU): string {
  const r = randomBytes(3);
  return formatMacBytes([prefix[0]!, prefix[1]!, prefix[2]!, r[0]!, r[1]!, r[2]!]);
}

export function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** VIR_DOMAIN_CPUMASK_LEN (domain_conf.h) */
export const VIR_DOMAIN_CPUMASK_LEN = 16384;

/**
 * virBitmapParse(str, &bitmap, size): "N", "N-M" and "^N" items separated by ','. Returns the set
 * bits in ascending order; throws libvirt's "Failed to parse bitmap" (VIR_FROM_NONE) when malformed
 * or when a bit is >= size.
 */
export function parseBitmap(str: string, size: number = VIR_DOMAIN_CPUMASK_LEN): number[] {
  const fail = (): never => {
    throw confError(VIR_ERR_INVALID_ARG, `Failed to parse bitmap '${str}'`, VIR_FROM_NONE);
  };
  const bits = new Set<number>();
  let i = 0;
  const skip = (): void => {
    while (isCSpace(str[i])) i++;
  };
  skip();
  if (i >= str.length) fail();
  let neg = false;
  while (i < str.length) {
    if (str[i] === "^") {
      i++;
      neg = true;
    }
    const c = str.charCodeAt(i);
    if (!(c >= 0x30 && c <= 0x39)) fail();
    const first = strtolPrefixI(str.slice(i));
    if (!first || first.value < 0) fail();
    const start = first!.value;
    i += first!.end;
    skip();
    if (str[i] === "," || i >= str.length) {
      if (start >= size) fail();
      if (neg) bits.delete(start);
      else bits.add(start);
    } else if (str[i] === "-") {
      if (neg) fail();
      i++;
      skip();
      const last = strtolPrefixI(str.slice(i));
      if (!last || last.value < start) fail();
      i += last!.end;
      for (let b = start; b <= last!.value; b++) {
        if (b >= size) fail();
        bits.add(b);
      }
      skip();
    }
    if (str[i] === ",") {
      i++;
      skip();
      neg = false;
    } else if (i >= str.length) {
      break;
    } else {
      fail();
    }
  }
  return [...bits].sort((a, b) => a - b);
}

/** virBitmapFormat: ascending ranges "0-1,3,5" ("" for an empty set) */
export function formatBitmap(bits: readonly number[]): string {
  const out: string[] = [];
  let k = 0;
  while (k < bits.length) {
    const start = bits[k]!;
    let prev = start;
    while (k + 1 < bits.length && bits[k + 1] === prev + 1) {
      k++;
      prev = bits[k]!;
    }
    out.push(prev === start ? `${start}` : `${start}-${prev}`);
    k++;
  }
  return out.join(",");
}
