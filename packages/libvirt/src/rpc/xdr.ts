// XDR (RFC 4506) as libvirt's rpcgen output uses it (reference §3.2): every integer, enum,
// bool, char and short is a 4-byte big-endian word; hyper is 8 bytes; opaque/string data is
// padded to a multiple of 4. The writer grows one buffer and is reused between messages; the
// reader walks a view without copying, except for strings (decoded) and opaque (sub-views).

/** A decode failure: truncated data, a length over its declared maximum, a bad discriminant. */
export class XdrError extends Error {
  override readonly name = "XdrError";
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: false });
const TWO_32 = 4294967296;

export class XdrWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 65536) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  reset(pos = 0): void {
    this.pos = pos;
  }

  /** Make room for n more bytes (doubling), keeping what was written. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v | 0);
    this.pos += 4;
  }

  /** Patch a u32 already written at `at` (the packet length word). */
  setU32At(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0);
  }

  u64(v: number | bigint): void {
    this.ensure(8);
    if (typeof v === "bigint") this.view.setBigUint64(this.pos, BigInt.asUintN(64, v));
    else {
      const n = v < 0 ? 0 : v;
      this.view.setUint32(this.pos, Math.floor(n / TWO_32) >>> 0);
      this.view.setUint32(this.pos + 4, n % TWO_32 >>> 0);
    }
    this.pos += 8;
  }

  i64(v: number | bigint): void {
    this.ensure(8);
    if (typeof v === "bigint") this.view.setBigInt64(this.pos, BigInt.asIntN(64, v));
    else {
      const hi = Math.floor(v / TWO_32);
      this.view.setInt32(this.pos, hi | 0);
      this.view.setUint32(this.pos + 4, (v - hi * TWO_32) >>> 0);
    }
    this.pos += 8;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  /** Raw bytes followed by zero padding to a 4-byte boundary. */
  bytes(data: Uint8Array): void {
    const padded = (data.length + 3) & ~3;
    this.ensure(padded);
    this.buf.set(data, this.pos);
    this.buf.fill(0, this.pos + data.length, this.pos + padded);
    this.pos += padded;
  }

  /** Raw bytes without padding (stream data is not XDR). */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** opaque x<max>: length word, bytes, padding. */
  opaque(data: Uint8Array, max: number): void {
    if (data.length > max) throw new XdrError(`opaque length ${data.length} exceeds maximum ${max}`);
    this.u32(data.length);
    this.bytes(data);
  }

  /** string x<max>: length word, UTF-8 bytes, padding. */
  string(s: string, max: number): void {
    // Encode straight into the buffer: UTF-8 is at most 3 bytes per UTF-16 unit.
    this.ensure(4 + s.length * 3 + 3);
    const start = this.pos + 4;
    const { written } = textEncoder.encodeInto(s, this.buf.subarray(start));
    if (written > max) throw new XdrError(`string length ${written} exceeds maximum ${max}`);
    this.view.setUint32(this.pos, written);
    const padded = (written + 3) & ~3;
    this.buf.fill(0, start + written, start + padded);
    this.pos = start + padded;
  }

  /** A view of what was written (valid until the next write or reset). */
  view0(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of what was written. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class XdrReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new XdrError(`truncated XDR data: need ${n} bytes at offset ${this.pos}, have ${this.end - this.pos}`);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  /** unsigned hyper as a number (exact up to 2^53). */
  u64(): number {
    this.need(8);
    const v = this.view.getUint32(this.pos) * TWO_32 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return v;
  }

  /** hyper as a number (exact within ±2^53). */
  i64(): number {
    this.need(8);
    const v = this.view.getInt32(this.pos) * TWO_32 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return v;
  }

  u64big(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  i64big(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** n raw bytes (a view into the message) and their padding. */
  bytes(n: number): Uint8Array {
    const padded = (n + 3) & ~3;
    this.need(padded);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += padded;
    return out;
  }

  opaque(max: number): Uint8Array {
    const n = this.u32();
    if (n > max) throw new XdrError(`opaque length ${n} exceeds maximum ${max}`);
    return this.bytes(n);
  }

  string(max: number): string {
    const n = this.u32();
    if (n > max) throw new XdrError(`string length ${n} exceeds maximum ${max}`);
    return textDecoder.decode(this.bytes(n));
  }

  /** A variable-array count, checked against its maximum and against the bytes left. */
  count(max: number, minElementSize = 4): number {
    const n = this.u32();
    if (n > max) throw new XdrError(`array length ${n} exceeds maximum ${max}`);
    if (n * minElementSize > this.end - this.pos) throw new XdrError(`truncated XDR array of ${n} elements`);
    return n;
  }
}
