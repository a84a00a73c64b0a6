import type { Socket } from "node:net";

/*
 * One TCP connection of the user-mode network, spliced to a host socket (as libslirp's tcp_*.c
 * with socket.c): the guest side is a real TCP endpoint (RFC 793 3.4-3.9 state machine,
 * sequence/acknowledgement numbers, the guest's receive window, MSS, FIN/RST), the host side a
 * node:net Socket. The virtual link does not lose frames, but a guest may drop (full receive
 * ring), so unacknowledged data is kept and resent on a timer.
 */

export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_PUSH = 0x08;
export const TH_ACK = 0x10;
export const TCP_HLEN = 20;
/** RFC 879 default and the MSS slirp announces (1500 - 40). */
export const TCP_DEFAULT_MSS = 536;
export const TCP_OUR_MSS = 1460;
/** The window the stack advertises (no window scaling). */
export const TCP_MAX_WINDOW = 65535;
/** Bytes from the host held for the guest before reading from the host socket pauses. */
const HOST_BUFFER_HIGH = 512 * 1024;
const RETRANSMIT_MS = 200;

export type TcpState = "SYN_SENT" | "SYN_RCVD_PENDING" | "SYN_RCVD" | "ESTABLISHED" | "CLOSE_WAIT" | "FIN_WAIT" | "LAST_ACK" | "CLOSED";

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** MSS option, if present (SYN). */
  mss: number | undefined;
  payload: Uint8Array;
}

/** What a connection needs from the stack that owns it. */
export interface TcpOwner {
  emit(conn: TcpConnection, flags: number, seq: number, ack: number, payload?: Uint8Array, mss?: number): void;
  forget(conn: TcpConnection): void;
}

/** a - b in sequence space (RFC 793 3.3), as a signed 32-bit number. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpConnection {
  state: TcpState;
  socket: Socket | undefined;
  /** Our initial sequence number and send state (RFC 793 3.2). */
  private readonly iss: number;
  sndUna: number;
  sndNxt: number;
  rcvNxt = 0;
  /** The guest's receive window. */
  sndWnd = TCP_MAX_WINDOW;
  mss = TCP_DEFAULT_MSS;
  /** Host bytes from sndUna on (unacknowledged, then unsent). */
  private out = new Uint8Array(16384);
  private outLen = 0;
  private hostEof = false;
  private finSent = false;
  private guestFin = false;
  private paused = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly owner: TcpOwner,
    readonly guestIp: number,
    readonly guestPort: number,
    /** The address and port the guest sees on the other end. */
    readonly remoteIp: number,
    readonly remotePort: number,
    initialState: TcpState,
  ) {
    this.state = initialState;
    this.iss = (Math.random() * 0x1_0000_0000) >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
  }

  get key(): string {
    return `${this.guestIp}:${this.guestPort}-${this.remoteIp}:${this.remotePort}`;
  }

  /** Window we advertise: what the host socket can still take. */
  private get rcvWnd(): number {
    const queued = this.socket?.writableLength ?? 0;
    return Math.max(0, TCP_MAX_WINDOW - queued);
  }

  get window(): number {
    return this.rcvWnd;
  }

  /** Hooks host socket events (data towards the guest, end, errors). */
  attachSocket(socket: Socket): void {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.hostData(chunk);
    });
    socket.on("end", () => {
      this.hostEof = true;
      this.pump();
    });
    socket.on("drain", () => {
      // The host took what the guest sent: open the window again.
      if (this.state === "ESTABLISHED" || this.state === "FIN_WAIT") {
        this.emitAck();
      }
    });
    socket.on("error", () => {
      // Reported through "close".
    });
    socket.on("close", () => {
      if (this.state === "SYN_RCVD_PENDING" || this.state === "SYN_SENT" || this.state === "SYN_RCVD") {
        this.reset();
      } else {
        this.hostEof = true;
        this.pump();
      }
    });
  }

  /** Guest-initiated: the host connection is up, answer the guest's SYN (RFC 793 3.4). */
  hostConnected(): void {
    if (this.state !== "SYN_RCVD_PENDING") {
      return;
    }
    this.state = "SYN_RCVD";
    this.sendSyn();
  }

  private sendSyn(): void {
    const flags = this.state === "SYN_SENT" ? TH_SYN : TH_SYN | TH_ACK;
    this.owner.emit(this, flags, this.iss, this.rcvNxt, undefined, TCP_OUR_MSS);
    this.sndNxt = (this.iss + 1) >>> 0;
    this.arm();
  }

  /** Host-initiated (hostfwd): send our SYN to the guest. */
  open(): void {
    this.socket?.pause();
    this.paused = true;
    this.sendSyn();
  }

  private hostData(chunk: Buffer): void {
    if (this.outLen + chunk.length > this.out.length) {
      let size = this.out.length;
      while (size < this.outLen + chunk.length) size *= 2;
      const bigger = new Uint8Array(size);
      bigger.set(this.out.subarray(0, this.outLen));
      this.out = bigger;
    }
    this.out.set(chunk, this.outLen);
    this.outLen += chunk.length;
    if (this.outLen > HOST_BUFFER_HIGH && !this.paused) {
      this.paused = true;
      this.socket?.pause();
    }
    this.pump();
  }

  /** Sends what the guest's window allows, then our FIN once the host has ended (RFC 793 3.5). */
  pump(): void {
    if (this.state !== "ESTABLISHED" && this.state !== "CLOSE_WAIT") {
      return;
    }
    for (;;) {
      const inFlight = seqDiff(this.sndNxt, this.sndUna);
      const unsent = this.outLen - inFlight;
      const room = this.sndWnd - inFlight;
      if (unsent <= 0 || room <= 0) {
        break;
      }
      const n = Math.min(unsent, room, this.mss);
      const payload = this.out.subarray(inFlight, inFlight + n);
      this.owner.emit(this, TH_ACK | TH_PUSH, this.sndNxt, this.rcvNxt, payload);
      this.sndNxt = (this.sndNxt + n) >>> 0;
    }
    if (this.hostEof && !this.finSent && seqDiff(this.sndNxt, this.sndUna) === this.outLen) {
      this.owner.emit(this, TH_FIN | TH_ACK, this.sndNxt, this.rcvNxt);
      this.sndNxt = (this.sndNxt + 1) >>> 0;
      this.finSent = true;
      this.state = this.state === "CLOSE_WAIT" ? "LAST_ACK" : "FIN_WAIT";
    }
    if (this.sndNxt !== this.sndUna || (this.outLen > 0 && this.sndWnd === 0)) {
      this.arm();
    }
  }

  private emitAck(): void {
    this.owner.emit(this, TH_ACK, this.sndNxt, this.rcvNxt);
  }

  /** Retransmission (and zero-window probe) timer. */
  private arm(): void {
    if (this.timer !== undefined) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.retransmit();
    }, RETRANSMIT_MS);
    this.timer.unref();
  }

  private retransmit(): void {
    if (this.state === "CLOSED") {
      return;
    }
    if (this.state === "SYN_SENT" || this.state === "SYN_RCVD") {
      this.sendSyn();
      return;
    }
    if (this.sndNxt === this.sndUna && !(this.outLen > 0 && this.sndWnd === 0)) {
      return;
    }
    // Go back to the oldest unacknowledged byte (a FIN already sent is sent again after it).
    this.sndNxt = this.sndUna;
    if (this.finSent && this.outLen === 0) {
      this.owner.emit(this, TH_FIN | TH_ACK, this.sndUna, this.rcvNxt);
      this.sndNxt = (this.sndUna + 1) >>> 0;
      this.arm();
      return;
    }
    this.finSent = false;
    if (this.state === "FIN_WAIT") this.state = "ESTABLISHED";
    if (this.state === "LAST_ACK") this.state = "CLOSE_WAIT";
    if (this.sndWnd === 0 && this.outLen > 0) {
      // Zero-window probe: one byte past the window.
      this.owner.emit(this, TH_ACK, this.sndNxt, this.rcvNxt, this.out.subarray(0, 1));
      this.sndNxt = (this.sndNxt + 1) >>> 0;
      this.arm();
      return;
    }
    this.pump();
  }

  /** A segment from the guest for this connection (RFC 793 3.9 "SEGMENT ARRIVES", simplified). */
  input(seg: TcpSegment): void {
    if (seg.flags & TH_RST) {
      this.close(false);
      return;
    }
    if (this.state === "SYN_SENT") {
      if ((seg.flags & (TH_SYN | TH_ACK)) !== (TH_SYN | TH_ACK) || seg.ack !== ((this.iss + 1) >>> 0)) {
        if (seg.flags & TH_ACK) this.owner.emit(this, TH_RST, seg.ack, 0);
        return;
      }
      this.rcvNxt = (seg.seq + 1) >>> 0;
      this.sndUna = seg.ack;
      this.sndWnd = seg.window;
      this.mss = Math.min(seg.mss ?? TCP_DEFAULT_MSS, TCP_OUR_MSS);
      this.state = "ESTABLISHED";
      this.emitAck();
      this.paused = false;
      this.socket?.resume();
      this.pump();
      return;
    }
    if (seg.flags & TH_SYN) {
      // A retransmitted SYN: answer again.
      if (this.state === "SYN_RCVD") this.sendSyn();
      return;
    }
    if (this.state === "SYN_RCVD_PENDING") {
      return;
    }
    if (!(seg.flags & TH_ACK)) {
      return;
    }
    // Acknowledgement of our data (and SYN/FIN).
    const acked = seqDiff(seg.ack, this.sndUna);
    if (acked > 0 && seqDiff(seg.ack, this.sndNxt) <= 0) {
      let dataAcked = acked;
      if (this.state === "SYN_RCVD") {
        dataAcked--; // our SYN
        this.state = "ESTABLISHED";
      }
      if (this.finSent && seg.ack === this.sndNxt) {
        dataAcked--; // our FIN
      }
      dataAcked = Math.max(0, Math.min(dataAcked, this.outLen));
      this.out.copyWithin(0, dataAcked, this.outLen);
      this.outLen -= dataAcked;
      this.sndUna = seg.ack;
      if (this.paused && this.outLen < HOST_BUFFER_HIGH / 2) {
        this.paused = false;
        this.socket?.resume();
      }
    } else if (this.state === "SYN_RCVD") {
      return;
    }
    this.sndWnd = seg.window;
    // Data from the guest, in order only; anything else gets a duplicate ACK.
    let payload = seg.payload;
    let seq = seg.seq;
    const behind = seqDiff(this.rcvNxt, seq);
    if (behind > 0 && behind < payload.length) {
      payload = payload.subarray(behind);
      seq = this.rcvNxt;
    }
    let needAck = false;
    if (payload.length > 0 || seg.flags & TH_FIN) {
      needAck = true;
      if (seq === this.rcvNxt && !this.guestFin) {
        if (payload.length > 0) {
          this.socket?.write(payload);
          this.rcvNxt = (this.rcvNxt + payload.length) >>> 0;
        }
        if (seg.flags & TH_FIN) {
          this.rcvNxt = (this.rcvNxt + 1) >>> 0;
          this.guestFin = true;
          this.socket?.end();
          if (this.state === "ESTABLISHED") this.state = "CLOSE_WAIT";
        }
      }
    }
    if (needAck) {
      this.emitAck();
    }
    if (this.finSent && this.sndUna === this.sndNxt && this.guestFin) {
      this.close(false);
      return;
    }
    this.pump();
  }

  /** Aborts with RST towards the guest (host connect failed or host reset). */
  reset(): void {
    if (this.state === "CLOSED") return;
    if (this.state === "SYN_RCVD_PENDING") {
      this.owner.emit(this, TH_RST | TH_ACK, 0, this.rcvNxt);
    } else {
      this.owner.emit(this, TH_RST | TH_ACK, this.sndNxt, this.rcvNxt);
    }
    this.close(false);
  }

  /** Drops the connection (after RST either way, or an orderly close). */
  close(sendRst: boolean): void {
    if (this.state === "CLOSED") return;
    if (sendRst) this.owner.emit(this, TH_RST | TH_ACK, this.sndNxt, this.rcvNxt);
    this.state = "CLOSED";
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.destroy();
    this.owner.forget(this);
  }
}
