// The framing every libvirt program shares: src/rpc/virnetprotocol.x (libvirt 9.0) and the length
// rules of virnetmessage.c (reference §3.1). A packet is a u32 length word (counting itself), a
// 24-byte header, then an XDR payload whose struct depends on prog/proc/type/status.
import { XdrError, XdrReader, XdrWriter } from "./xdr.js";
import { int, optional, string, struct, opaqueFixed, hyper, uint, type Infer } from "./xdr-codec.js";

/** virnetprotocol.x constants. */
export const VIR_NET_MESSAGE_INITIAL = 65536;
export const VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX = 262120;
export const VIR_NET_MESSAGE_MAX = 33554432;
export const VIR_NET_MESSAGE_HEADER_MAX = 24;
export const VIR_NET_MESSAGE_PAYLOAD_MAX = 33554408;
export const VIR_NET_MESSAGE_LEN_MAX = 4;
export const VIR_NET_MESSAGE_STRING_MAX = 4194304;
export const VIR_NET_MESSAGE_NUM_FDS_MAX = 32;
export const VIR_NET_MESSAGE_HEADER_XDR_LEN = 4;
export const VIR_UUID_BUFLEN = 16;

/** enum virNetMessageType. */
export const VIR_NET_CALL = 0;
export const VIR_NET_REPLY = 1;
export const VIR_NET_MESSAGE = 2;
export const VIR_NET_STREAM = 3;
export const VIR_NET_CALL_WITH_FDS = 4;
export const VIR_NET_REPLY_WITH_FDS = 5;
export const VIR_NET_STREAM_HOLE = 6;

/** enum virNetMessageStatus. */
export const VIR_NET_OK = 0;
export const VIR_NET_ERROR = 1;
export const VIR_NET_CONTINUE = 2;

/** struct virNetMessageHeader. */
export interface VirNetMessageHeader {
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

const nonnullString = string(VIR_NET_MESSAGE_STRING_MAX);
const netString = optional(nonnullString);
const netDomain = optional(struct({ name: nonnullString, uuid: opaqueFixed(VIR_UUID_BUFLEN), id: int }));
const netNetwork = optional(struct({ name: nonnullString, uuid: opaqueFixed(VIR_UUID_BUFLEN) }));

/** struct virNetMessageError (= remote_error). */
export const virNetMessageError = struct({
  code: int,
  domain: int,
  message: netString,
  level: int,
  dom: netDomain,
  str1: netString,
  str2: netString,
  str3: netString,
  int1: int,
  int2: int,
  net: netNetwork,
});
export type VirNetMessageError = Infer<typeof virNetMessageError>;

/** struct virNetStreamHole. */
export const virNetStreamHole = struct({ length: hyper, flags: uint });
export type VirNetStreamHole = Infer<typeof virNetStreamHole>;

/** A decoded packet: header plus a view of the payload bytes (after nfds for *_WITH_FDS). */
export interface VirNetPacket {
  header: VirNetMessageHeader;
  payload: Uint8Array;
  /** The whole packet including the length word (for forwarding and tests). */
  raw: Uint8Array;
}

export class VirNetFramingError extends Error {
  override readonly name = "VirNetFramingError";
}

/**
 * Reassembles packets from a byte stream. A length word under 28 (a header cannot fit) or over
 * VIR_NET_MESSAGE_MAX + 4 is fatal, as in virNetMessageDecodeLength/DecodeHeader: the peer closes.
 */
export class VirNetPacketDecoder {
  private buf = new Uint8Array(VIR_NET_MESSAGE_INITIAL);
  private have = 0;

  /** Append bytes; returns the complete packets now available (payload views stay valid). */
  push(chunk: Uint8Array): VirNetPacket[] {
    const need = this.have + chunk.length;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, this.have));
      this.buf = next;
    }
    this.buf.set(chunk, this.have);
    this.have = need;
    const out: VirNetPacket[] = [];
    let off = 0;
    while (this.have - off >= 4) {
      const len = ((this.buf[off]! << 24) | (this.buf[off + 1]! << 16) | (this.buf[off + 2]! << 8) | this.buf[off + 3]!) >>> 0;
      if (len < VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX) {
        throw new VirNetFramingError(`packet ${len} bytes received too small, want ${VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX}`);
      }
      if (len - VIR_NET_MESSAGE_LEN_MAX > VIR_NET_MESSAGE_MAX) {
        throw new VirNetFramingError(`packet ${len - VIR_NET_MESSAGE_LEN_MAX} bytes received too large, want ${VIR_NET_MESSAGE_MAX}`);
      }
      if (this.have - off < len) break;
      // Copy out: the accumulation buffer is reused for the next reads.
      const raw = this.buf.slice(off, off + len);
      out.push(decodePacket(raw));
      off += len;
    }
    if (off > 0) {
      this.buf.copyWithin(0, off, this.have);
      this.have -= off;
    }
    return out;
  }
}

export function decodePacket(raw: Uint8Array): VirNetPacket {
  const r = new XdrReader(raw, 4);
  const header: VirNetMessageHeader = {
    prog: r.u32(),
    vers: r.u32(),
    proc: r.i32(),
    type: r.i32(),
    serial: r.u32(),
    status: r.i32(),
  };
  if (header.type === VIR_NET_CALL_WITH_FDS || header.type === VIR_NET_REPLY_WITH_FDS) {
    const nfds = r.u32();
    if (nfds > VIR_NET_MESSAGE_NUM_FDS_MAX) throw new VirNetFramingError(`Too many FDs to receive: ${nfds} > ${VIR_NET_MESSAGE_NUM_FDS_MAX}`);
  }
  return { header, payload: raw.subarray(r.pos), raw };
}

/**
 * Encodes one packet into `w` (reset first) and returns a view of it. `body` writes the payload.
 */
export function encodePacket(w: XdrWriter, h: VirNetMessageHeader, body?: (w: XdrWriter) => void): Uint8Array {
  w.reset();
  w.u32(0);
  w.u32(h.prog);
  w.u32(h.vers);
  w.i32(h.proc);
  w.i32(h.type);
  w.u32(h.serial);
  w.i32(h.status);
  body?.(w);
  if (w.pos - VIR_NET_MESSAGE_LEN_MAX > VIR_NET_MESSAGE_MAX) throw new XdrError(`message of ${w.pos} bytes exceeds VIR_NET_MESSAGE_MAX`);
  w.setU32At(0, w.pos);
  return w.view0();
}

/** Encodes one packet into a fresh buffer. */
export function packet(h: VirNetMessageHeader, body?: (w: XdrWriter) => void, initial = 256): Uint8Array {
  const w = new XdrWriter(initial);
  return encodePacket(w, h, body).slice();
}
