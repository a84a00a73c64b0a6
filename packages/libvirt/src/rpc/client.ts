// The client end of the libvirt RPC protocol (src/rpc/virnetclient.c, virnetclientprogram.c,
// virnetclientstream.c): serials from 0, replies matched by serial (calls may overlap), events
// delivered from MESSAGE packets, keepalive answered and optionally driven, streams bound to the
// serial of the call that opened them.
import { connect as netConnect, type Socket } from "node:net";
import type { StreamBackend, StreamSink } from "../api/stream.js";
import { VirError, virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import { KeepAlive } from "./keepalive.js";
import * as P from "./remote-procedures.js";
import { remoteProcs, type RemoteArgs, type RemoteProcNumber, type RemoteRet } from "./remote-protocol.js";
import { XdrReader, XdrWriter } from "./xdr.js";
import type { Codec } from "./xdr-codec.js";
import {
  encodePacket,
  VIR_NET_CALL,
  VIR_NET_CONTINUE,
  VIR_NET_ERROR,
  VIR_NET_MESSAGE,
  VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX,
  VIR_NET_OK,
  VIR_NET_REPLY,
  VIR_NET_STREAM,
  VIR_NET_STREAM_HOLE,
  VirNetPacketDecoder,
  virNetMessageError,
  virNetStreamHole,
  type VirNetMessageHeader,
  type VirNetPacket,
} from "./virnet-protocol.js";

const RPC = VirErrorDomain.VIR_FROM_RPC;

interface Pending {
  ret: Codec<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: VirError) => void;
}

export type EventHandler = (proc: number, payload: Uint8Array) => void;

/** Decode a remote_error payload into the VirError the server raised. */
export function decodeRemoteError(payload: Uint8Array): VirError {
  const e = virNetMessageError.dec(new XdrReader(payload));
  return new VirError({
    code: e.code,
    domain: e.domain,
    message: e.message ?? "",
    level: e.level,
    str1: e.str1,
    str2: e.str2,
    str3: e.str3,
    int1: e.int1,
    int2: e.int2,
  });
}

export class VirNetClient {
  private serial = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, ClientStream>();
  private readonly decoder = new VirNetPacketDecoder();
  private readonly writer = new XdrWriter(4096);
  private keepalive: KeepAlive | null = null;
  private closed = false;
  private closeReason = -1;
  onEvent: EventHandler | null = null;
  /** virConnectCloseReason: 0 error, 1 EOF, 2 keepalive, 3 client. */
  onClose: ((reason: number) => void) | null = null;

  constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => { this.onData(chunk); });
    socket.on("error", () => { this.shutdown(0); });
    socket.on("close", () => { this.shutdown(1); });
  }

  static connectUnix(path: string): Promise<VirNetClient> {
    return new Promise((resolve, reject) => {
      const s = netConnect(path);
      s.once("connect", () => { resolve(new VirNetClient(s)); });
      s.once("error", (e: NodeJS.ErrnoException) => {
        reject(virError(RPC, VirErrorNumber.VIR_ERR_SYSTEM_ERROR, `Failed to connect socket to '${path}': ${errnoText(e)}`));
      });
    });
  }

  static connectTcp(host: string, port: number): Promise<VirNetClient> {
    return new Promise((resolve, reject) => {
      const s = netConnect(port, host);
      s.once("connect", () => { s.setNoDelay(true); resolve(new VirNetClient(s)); });
      s.once("error", (e: NodeJS.ErrnoException) => {
        reject(virError(RPC, VirErrorNumber.VIR_ERR_SYSTEM_ERROR, `unable to connect to server at '${host}:${port}': ${errnoText(e)}`));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private onData(chunk: Buffer): void {
    let pkts: VirNetPacket[];
    try {
      pkts = this.decoder.push(chunk);
    } catch {
      this.shutdown(0);
      return;
    }
    for (const pkt of pkts) {
      this.keepalive?.received();
      this.onPacket(pkt);
    }
  }

  private onPacket(pkt: VirNetPacket): void {
    const h = pkt.header;
    if (KeepAlive.handle(h, (p) => { this.write(p); })) return;
    if (h.type === VIR_NET_REPLY) {
      const p = this.pending.get(h.serial);
      if (!p) return;
      this.pending.delete(h.serial);
      if (h.status === VIR_NET_OK) {
        try {
          p.resolve(p.ret.dec(new XdrReader(pkt.payload)));
        } catch {
          p.reject(virError(RPC, VirErrorNumber.VIR_ERR_RPC, "Unable to decode message payload"));
        }
      } else {
        p.reject(this.errorFrom(pkt.payload));
      }
      return;
    }
    if (h.type === VIR_NET_MESSAGE) {
      this.onEvent?.(h.proc, pkt.payload);
      return;
    }
    if (h.type === VIR_NET_STREAM || h.type === VIR_NET_STREAM_HOLE) {
      this.streams.get(h.serial)?.incoming(pkt);
    }
  }

  private errorFrom(payload: Uint8Array): VirError {
    try {
      return decodeRemoteError(payload);
    } catch {
      return virError(RPC, VirErrorNumber.VIR_ERR_RPC, "Unable to decode message payload");
    }
  }

  write(pkt: Uint8Array): void {
    if (this.closed) return;
    this.socket.write(pkt.slice());
  }

  send(h: VirNetMessageHeader, body?: (w: XdrWriter) => void): void {
    this.write(encodePacket(this.writer, h, body));
  }

  /** A typed REMOTE call. */
  call<N extends RemoteProcNumber>(proc: N, args: RemoteArgs<N>): Promise<RemoteRet<N>> {
    const c = remoteProcs[proc];
    return this.callRaw(P.REMOTE_PROGRAM, P.REMOTE_PROTOCOL_VERSION, proc, c.args, args, c.ret) as Promise<RemoteRet<N>>;
  }

  /** Any program's call; resolves with the decoded reply. */
  callRaw(prog: number, vers: number, proc: number, argCodec: Codec<unknown>, args: unknown, ret: Codec<unknown>, serial = this.serial++): Promise<unknown> {
    if (this.closed) return Promise.reject(this.eofError());
    return new Promise((resolve, reject) => {
      this.pending.set(serial, { ret, resolve, reject });
      try {
        this.send({ prog, vers, proc, type: VIR_NET_CALL, serial, status: VIR_NET_OK }, (w) => { argCodec.enc(w, args); });
      } catch (e) {
        this.pending.delete(serial);
        reject(e instanceof VirError ? e : virError(RPC, VirErrorNumber.VIR_ERR_RPC, (e as Error).message));
      }
    });
  }

  /**
   * A call that opens a stream: the stream is bound to the call's serial before the call goes
   * out, so data the server sends right after its reply is not lost.
   */
  async callStream<N extends RemoteProcNumber>(proc: N, args: RemoteArgs<N>, attach: (backend: StreamBackend) => StreamSink): Promise<RemoteRet<N>> {
    const serial = this.serial++;
    const st = new ClientStream(this, proc, serial);
    this.streams.set(serial, st);
    try {
      const c = remoteProcs[proc];
      const ret = (await this.callRaw(P.REMOTE_PROGRAM, P.REMOTE_PROTOCOL_VERSION, proc, c.args, args, c.ret, serial)) as RemoteRet<N>;
      st.bind(attach(st));
      return ret;
    } catch (e) {
      this.streams.delete(serial);
      throw e;
    }
  }

  dropStream(serial: number): void {
    this.streams.delete(serial);
  }

  /** virNetClientKeepAliveStart: ping after `interval` s of silence, give up after `count`. */
  startKeepAlive(interval: number, count: number): void {
    this.keepalive?.stop();
    if (interval <= 0) {
      this.keepalive = null;
      return;
    }
    this.keepalive = new KeepAlive(interval, count, {
      send: (p) => { this.write(p); },
      dead: () => { this.shutdown(2); },
    });
    this.keepalive.start();
  }

  private eofError(): VirError {
    if (this.closeReason === 2) return virError(RPC, VirErrorNumber.VIR_ERR_RPC, "connection closed due to keepalive timeout");
    return virError(RPC, VirErrorNumber.VIR_ERR_SYSTEM_ERROR, "End of file while reading data: Input/output error");
  }

  private shutdown(reason: number): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    this.keepalive?.stop();
    this.socket.destroy();
    const err = this.eofError();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const s of this.streams.values()) s.fail(err);
    this.streams.clear();
    this.onClose?.(reason);
  }

  /** Close the socket from this side (after CONNECT_CLOSE, or to abandon the connection). */
  close(): void {
    this.shutdown(3);
  }
}

function errnoText(e: NodeJS.ErrnoException): string {
  const table: Record<string, string> = {
    ENOENT: "No such file or directory",
    ECONNREFUSED: "Connection refused",
    EACCES: "Permission denied",
    ETIMEDOUT: "Connection timed out",
    EHOSTUNREACH: "No route to host",
  };
  return (e.code && table[e.code]) ?? e.message;
}

/** The remote end of a virStream: STREAM packets with the opening call's proc and serial. */
class ClientStream implements StreamBackend {
  private sink: StreamSink | null = null;
  private readonly early: VirNetPacket[] = [];
  private confirm: { resolve: () => void; reject: (e: VirError) => void } | null = null;
  private done = false;

  constructor(
    private readonly client: VirNetClient,
    private readonly proc: number,
    private readonly serial: number,
  ) {}

  private hdr(type: number, status: number): VirNetMessageHeader {
    return { prog: P.REMOTE_PROGRAM, vers: P.REMOTE_PROTOCOL_VERSION, proc: this.proc, type, serial: this.serial, status };
  }

  bind(sink: StreamSink): void {
    this.sink = sink;
    for (const p of this.early.splice(0)) this.incoming(p);
  }

  incoming(pkt: VirNetPacket): void {
    if (!this.sink) {
      this.early.push(pkt);
      return;
    }
    const h = pkt.header;
    if (h.type === VIR_NET_STREAM_HOLE) {
      try {
        this.sink.hole(virNetStreamHole.dec(new XdrReader(pkt.payload)).length);
      } catch {
        this.sink.error(virError(RPC, VirErrorNumber.VIR_ERR_RPC, "Unable to decode message payload"));
      }
      return;
    }
    if (h.status === VIR_NET_CONTINUE) {
      if (pkt.payload.length === 0) this.sink.eof();
      else this.sink.data(pkt.payload);
      return;
    }
    if (h.status === VIR_NET_OK) {
      // Confirmation of our finish/abort.
      this.client.dropStream(this.serial);
      this.confirm?.resolve();
      this.confirm = null;
      return;
    }
    if (h.status === VIR_NET_ERROR) {
      let err: VirError;
      try {
        err = decodeRemoteError(pkt.payload);
      } catch {
        err = virError(RPC, VirErrorNumber.VIR_ERR_RPC, "stream failed");
      }
      this.client.dropStream(this.serial);
      this.fail(err);
    }
  }

  fail(err: VirError): void {
    this.done = true;
    if (this.confirm) {
      this.confirm.reject(err);
      this.confirm = null;
    }
    this.sink?.error(err);
  }

  send(data: Uint8Array): void {
    if (this.done) throw virError(VirErrorDomain.VIR_FROM_STREAMS, VirErrorNumber.VIR_ERR_RPC, "stream is closed");
    for (let off = 0; off < data.length; off += VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX) {
      const part = data.subarray(off, Math.min(data.length, off + VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX));
      this.client.send(this.hdr(VIR_NET_STREAM, VIR_NET_CONTINUE), (w) => { w.raw(part); });
    }
  }

  sendHole(length: number, flags: number): void {
    this.client.send(this.hdr(VIR_NET_STREAM_HOLE, VIR_NET_CONTINUE), (w) => { virNetStreamHole.enc(w, { length, flags }); });
  }

  private end(status: number): Promise<void> {
    if (this.done) return Promise.resolve();
    this.done = true;
    return new Promise((resolve, reject) => {
      this.confirm = { resolve, reject };
      this.client.send(this.hdr(VIR_NET_STREAM, status));
    });
  }

  finish(): Promise<void> {
    return this.end(VIR_NET_OK);
  }

  abort(): Promise<void> {
    return this.end(VIR_NET_ERROR);
  }
}
