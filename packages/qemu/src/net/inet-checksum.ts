/*
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
 * big-endian words, used by IPv4 (RFC 791), ICMP (RFC 792), UDP (RFC 768) and TCP (RFC 793),
 * the last two over a pseudo-header of source, destination, protocol and length.
 */

/** Adds bytes [start, end) to a running 32-bit sum (big-endian words; an odd tail is padded). */
export function checksumAdd(sum: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) {
    sum += (bytes[i]! << 8) | bytes[i + 1]!;
  }
  if (i < end) {
    sum += bytes[i]! << 8;
  }
  return sum;
}

/** Folds a running sum and complements it. */
export function checksumFinish(sum: number): number {
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  return ~sum & 0xffff;
}

/** Checksum of bytes [start, end). */
export function inetChecksum(bytes: Uint8Array, start: number, end: number): number {
  return checksumFinish(checksumAdd(0, bytes, start, end));
}

/** Sum of the IPv4 pseudo-header for UDP/TCP (RFC 768, RFC 793 3.1). */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}
