// The daemon's RPC server (src/rpc/virnetserver.c, virnetserverclient.c, virnetserverprogram.c,
// src/remote/remote_daemon_stream.c): reads packets from each client socket, answers keepalive,
// dispatches CALLs in parallel (replies are matched by serial, so they may leave out of order),
// relays events as MESSAGE packets with serial 1 and pumps streams both ways.
import { createServer, type Server, type Socket } from "node:net";
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { Connect } from "../api/connect.js";
import { VIR_DOMAIN_EVENT_ID_TRAY_CHANGE } from "../api/constants.js";
import type { DomainEvent, DomainRef } from "../api/driver.js";
import { Stream } from "../api/stream.js";
import { toVirError, virError, type VirError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import { KeepAlive } from "./keepalive.js";
import { remoteProcApiName, remoteProcErrorDomain, remoteProcName } from "./remote-api-names.js";
import { remoteHandler, type DispatchClient } from "./remote-dispatch.js";
import * as P from "./remote-procedures.js";
import { REMOTE_PROCEDURE_INFO } from "./remote-procedures.js";
import { REMOTE_AUTH_NONE, remoteMsgs, remoteProcCodecs } from "./remote-protocol.js";
import { XdrReader, XdrWriter } from "./xdr.js";
import {
  encodePacket,
  VIR_NET_CALL,
  VIR_NET_CALL_WITH_FDS,
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

export type LogLevel = "debug" | "info" | "warning" | "error";
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface ServerOptions {
  /** keepalive_interval (seconds; -1 disables pinging) and keepalive_count. */
  keepaliveInterval?: number;
  keepaliveCount?: number;
  /** max_clients: further connections are closed at once. */
  maxClients?: number;
  /** Opens the hypervisor connection for CONNECT_OPEN (default: the public API inside the daemon). */
  openConnection?: (name: string, readOnly: boolean) => Promise<Connect>;
  log?: Logger;
}

const RPC = VirErrorDomain.VIR_FROM_RPC;

function rpcError(detail: string): VirError {
  return virError(RPC, VirErrorNumber.VIR_ERR_RPC, detail);
}

/** int32 as C's %d prints an unsigned program number. */
function asInt(n: number): number {
  return n | 0;
}

export class VirNetServer {
  readonly clients = new Set<ServerClient>();
  private readonly listeners: { server: Server; path?: string }[] = [];
  readonly keepaliveInterval: number;
  readonly keepaliveCount: number;
  readonly maxClients: number;
  readonly log: Logger;
  readonly openConnection: (name: string, readOnly: boolean) => Promise<Connect>;

  constructor(opts: ServerOptions = {}) {
    this.keepaliveInterval = opts.keepaliveInterval ?? 5;
    this.keepaliveCount = opts.keepaliveCount ?? 5;
    this.maxClients = opts.maxClients ?? 5000;
    this.log = opts.log ?? (() => undefined);
    this.openConnection = opts.openConnection ?? ((name, readOnly) => Connect.open(name, { readOnly, insideDaemon: true }));
  }

  /** Listen on a unix socket; `readOnly` forces VIR_CONNECT_RO for its clients. */
  async listenUnix(path: string, opts: { readOnly: boolean; mode?: number }): Promise<void> {
    if (existsSync(path)) unlinkSync(path);
    const server = createServer((s) => { this.accept(s, opts.readOnly); });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => { resolve(); });
    });
    if (opts.mode !== undefined) chmodSync(path, opts.mode);
    this.listeners.push({ server, path });
    this.log("info", "listening", { socket: path, readonly: opts.readOnly });
  }

  /** Listen on TCP (auth_tcp = "none"); resolves with the bound port. */
  async listenTcp(host: string, port: number, opts: { readOnly?: boolean } = {}): Promise<number> {
    const server = createServer((s) => { this.accept(s, opts.readOnly ?? false); });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => { resolve(); });
    });
    this.listeners.push({ server });
    const addr = server.address();
    const bound = typeof addr === "object" && addr ? addr.port : port;
    this.log("info", "listening", { host, port: bound });
    return bound;
  }

  /** Serve an already connected socket (tests, socket activation). */
  accept(socket: Socket, readOnly: boolean): ServerClient | null {
    if (this.clients.size >= this.maxClients) {
      this.log("warning", "too many active clients, dropping connection", { max_clients: this.maxClients });
      socket.destroy();
      return null;
    }
    const c = new ServerClient(this, socket, readOnly);
    this.clients.add(c);
    socket.once("close", () => { this.clients.delete(c); });
    return c;
  }

  /** Stop accepting, drop every client, then wait for the listeners to finish closing. */
  async close(): Promise<void> {
    const closing = this.listeners.map((l) => new Promise<void>((resolve) => { l.server.close(() => { resolve(); }); }));
    await Promise.all([...this.clients].map((c) => c.close()));
    await Promise.all(closing);
    for (const l of this.listeners) if (l.path && existsSync(l.path)) unlinkSync(l.path);
    this.listeners.length = 0;
  }
}

interface EventReg {
  callbackID: number;
  eventID: number;
  legacy: boolean;
}

/** One stream opened by a call: identified by the call's proc and serial. */
class ServerStream {
  active = false;
  closed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly client: ServerClient,
    readonly prog: number,
    readonly vers: number,
    readonly proc: number,
    readonly serial: number,
    readonly stream: Stream,
    readonly allowSkip: boolean,
  ) {}

  private hdr(type: number, status: number): VirNetMessageHeader {
    return { prog: this.prog, vers: this.vers, proc: this.proc, type, serial: this.serial, status };
  }

  /** After the REPLY is sent, data from the source flows out as STREAM packets. */
  activate(): void {
    this.active = true;
    this.stream.setHandler({
      data: (chunk) => {
        for (let off = 0; off < chunk.length; off += VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX) {
          const part = chunk.subarray(off, Math.min(chunk.length, off + VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX));
          this.client.send(this.hdr(VIR_NET_STREAM, VIR_NET_CONTINUE), (w) => { w.raw(part); });
        }
      },
      hole: (length) => {
        this.client.send(this.hdr(VIR_NET_STREAM_HOLE, VIR_NET_CONTINUE), (w) => { virNetStreamHole.enc(w, { length, flags: 0 }); });
      },
      eof: () => {
        this.client.send(this.hdr(VIR_NET_STREAM, VIR_NET_CONTINUE));
      },
      error: (err) => {
        if (this.closed) return;
        this.closed = true;
        this.client.sendError(this.hdr(VIR_NET_STREAM, VIR_NET_ERROR), err);
        this.client.streams.delete(this.serial);
      },
    });
  }

  /** A STREAM / STREAM_HOLE packet from the client, handled in arrival order. */
  incoming(pkt: VirNetPacket): void {
    this.chain = this.chain.then(() => this.handle(pkt)).catch((e: unknown) => {
      if (this.closed) return;
      this.closed = true;
      this.client.streams.delete(this.serial);
      this.client.sendError(this.hdr(VIR_NET_STREAM, VIR_NET_ERROR), toVirError(e, RPC));
    });
  }

  private async handle(pkt: VirNetPacket): Promise<void> {
    if (this.closed) return;
    const h = pkt.header;
    if (h.type === VIR_NET_STREAM_HOLE) {
      if (!this.allowSkip) throw rpcError("Unexpected stream hole");
      const hole = virNetStreamHole.dec(new XdrReader(pkt.payload));
      await this.stream.sendHole(hole.length, hole.flags);
      return;
    }
    if (h.status === VIR_NET_CONTINUE) {
      if (pkt.payload.length > 0) await this.stream.send(pkt.payload.slice());
      return;
    }
    if (h.status === VIR_NET_OK) {
      // Finish: flush into the source, then a zero-length STREAM OK confirms.
      this.closed = true;
      this.client.streams.delete(this.serial);
      await this.stream.finish();
      this.client.send(this.hdr(VIR_NET_STREAM, VIR_NET_OK));
      return;
    }
    // VIR_NET_ERROR from the client: abort, confirmed with STREAM OK.
    this.closed = true;
    this.client.streams.delete(this.serial);
    await this.stream.abort();
    this.client.send(this.hdr(VIR_NET_STREAM, VIR_NET_OK));
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.stream.abort();
    } catch {
      /* the client is gone; nothing to report to */
    }
  }
}

export class ServerClient {
  conn: Connect | null = null;
  private readonly decoder = new VirNetPacketDecoder();
  private readonly writer = new XdrWriter(4096);
  private readonly keepalive: KeepAlive;
  private closing = false;
  private closedFlag = false;
  private closeCallback = false;
  private readonly events = new Map<number, EventReg>();
  readonly streams = new Map<number, ServerStream>();
  readonly id: number;
  private static nextId = 1;

  constructor(
    readonly server: VirNetServer,
    readonly socket: Socket,
    public readOnly: boolean,
  ) {
    this.id = ServerClient.nextId++;
    this.keepalive = new KeepAlive(server.keepaliveInterval, server.keepaliveCount, {
      send: (pkt) => { this.write(pkt); },
      dead: () => {
        server.log("warning", "No response from client after keepalive messages", { client: this.id });
        void this.close();
      },
    });
    socket.on("data", (chunk: Buffer) => { this.onData(chunk); });
    socket.on("error", () => { void this.close(); });
    socket.on("close", () => { void this.close(); });
    server.log("debug", "client connected", { client: this.id, readonly: readOnly });
  }

  private onData(chunk: Buffer): void {
    if (this.closedFlag) return;
    let pkts: VirNetPacket[];
    try {
      pkts = this.decoder.push(chunk);
    } catch (e) {
      // Bad length word: libvirtd closes the connection (virNetMessageDecodeLength).
      this.server.log("warning", "closing client after a malformed packet", { client: this.id, error: (e as Error).message });
      void this.close();
      return;
    }
    for (const pkt of pkts) {
      this.keepalive.received();
      this.onPacket(pkt);
    }
  }

  private onPacket(pkt: VirNetPacket): void {
    const h = pkt.header;
    if (KeepAlive.handle(h, (p) => { this.write(p); })) return;
    if (h.type === VIR_NET_STREAM || h.type === VIR_NET_STREAM_HOLE) {
      const st = this.streams.get(h.serial);
      if (st?.proc === h.proc && h.prog === P.REMOTE_PROGRAM) st.incoming(pkt);
      return; // late data for a closed stream is dropped, as libvirtd does
    }
    if (h.type !== VIR_NET_CALL && h.type !== VIR_NET_CALL_WITH_FDS) return; // REPLY/MESSAGE from a client: ignored
    void this.dispatch(pkt);
  }

  write(pkt: Uint8Array): void {
    if (this.closedFlag || this.socket.destroyed) return;
    this.socket.write(pkt.slice());
  }

  /** Encode and send a packet (copies out of the shared writer). */
  send(h: VirNetMessageHeader, body?: (w: XdrWriter) => void): void {
    this.write(encodePacket(this.writer, h, body));
  }

  sendError(h: VirNetMessageHeader, err: VirError): void {
    this.send({ ...h, status: VIR_NET_ERROR }, (w) => {
      virNetMessageError.enc(w, {
        code: err.code,
        domain: err.domain,
        message: err.message,
        level: err.level,
        dom: null,
        str1: err.str1,
        str2: err.str2,
        str3: err.str3,
        int1: err.int1,
        int2: err.int2,
        net: null,
      });
    });
  }

  private async dispatch(pkt: VirNetPacket): Promise<void> {
    const h = pkt.header;
    const reply: VirNetMessageHeader = { ...h, type: VIR_NET_REPLY, status: VIR_NET_OK };
    if (h.prog !== P.REMOTE_PROGRAM || h.vers !== P.REMOTE_PROTOCOL_VERSION) {
      this.sendError(reply, rpcError(`Cannot find program ${asInt(h.prog)} version ${asInt(h.vers)}`));
      return;
    }
    if (h.status !== VIR_NET_OK) {
      this.sendError(reply, rpcError(`Unexpected message status ${h.status}`));
      return;
    }
    const codecs = remoteProcCodecs(h.proc);
    const handler = remoteHandler(h.proc);
    if (!codecs || !handler) {
      const name = remoteProcName(h.proc);
      if (name === undefined || REMOTE_PROCEDURE_INFO.get(h.proc)?.msg) {
        this.sendError(reply, rpcError(`unknown procedure: ${h.proc}`));
        return;
      }
      // A procedure of the 9.0 protocol this daemon has no entry for: libvirtd would reach the
      // API, whose driver lacks it (or, before CONNECT_OPEN, find no connection).
      if (!this.conn) {
        this.sendError(reply, virError(RPC, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, "hypervisor connection not open"));
        return;
      }
      this.sendError(reply, virError(remoteProcErrorDomain(name), VirErrorNumber.VIR_ERR_NO_SUPPORT, remoteProcApiName(name)));
      return;
    }
    let args: unknown;
    try {
      args = codecs.args.dec(new XdrReader(pkt.payload));
    } catch {
      this.sendError(reply, rpcError("Unable to decode message payload"));
      return;
    }
    const call = new CallContext(this, h);
    try {
      const ret = await handler(call, args);
      this.send(reply, (w) => { (codecs.ret).enc(w, ret); });
      call.stream?.activate();
      if (h.proc === P.REMOTE_PROC_CONNECT_CLOSE) {
        // virNetServerClientDelayedClose: the reply goes out, then the socket closes.
        this.closing = true;
        this.socket.end();
        void this.close();
      }
    } catch (e) {
      if (call.stream) {
        this.streams.delete(h.serial);
        void call.stream.abort();
      }
      const err = toVirError(e, RPC);
      this.server.log("debug", "call failed", { client: this.id, proc: h.proc, serial: h.serial, code: err.code, message: err.message });
      this.sendError(reply, err);
    }
  }

  // ---- DispatchClient pieces shared by all calls ----
  connOrThrow(): Connect {
    if (!this.conn) throw virError(RPC, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, "hypervisor connection not open");
    return this.conn;
  }

  /** remoteDispatchConnectOpen holds the client's lock for the whole open: opens run one at a time. */
  open(name: string | null, flags: number): Promise<void> {
    const run = this.openChain.then(() => this.openLocked(name, flags));
    this.openChain = run.catch(() => undefined);
    return run;
  }

  private openChain: Promise<void> = Promise.resolve();

  private async openLocked(name: string | null, flags: number): Promise<void> {
    if (this.conn) {
      // libvirtd quirk (remoteDispatchConnectOpen): the error path also drops the open connection.
      const old = this.conn;
      this.conn = null;
      await this.dropEvents(old);
      await old.close().catch(() => undefined);
      throw virError(RPC, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, "connection already open");
    }
    if (this.readOnly) flags |= 1;
    const readOnly = (flags & 1) !== 0;
    if (name === null) throw virError(RPC, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, "connection not open");
    this.conn = await this.server.openConnection(name, readOnly);
    this.readOnly = readOnly;
    this.server.log("info", "client opened connection", { client: this.id, uri: name, readonly: readOnly });
  }

  startKeepAlive(): void {
    this.keepalive.start();
  }

  setCloseCallback(on: boolean): void {
    this.closeCallback = on;
  }

  get hasCloseCallback(): boolean {
    return this.closeCallback;
  }

  async registerDomainEvent(dom: DomainRef | null, eventID: number, legacy: boolean): Promise<number> {
    const conn = this.connOrThrow();
    if (legacy) {
      for (const r of this.events.values()) {
        if (r.legacy && r.eventID === eventID) {
          throw virError(RPC, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, `domain event ${eventID} already registered`);
        }
      }
    }
    const id = await conn.domainEventRegisterAny(dom ? conn.domain(dom) : null, eventID, (_c, _d, ev) => {
      this.relayDomainEvent(reg, ev);
    });
    const reg: EventReg = { callbackID: id, eventID, legacy };
    this.events.set(id, reg);
    return id;
  }

  async deregisterDomainEvent(idOrEventID: number, legacy: boolean): Promise<void> {
    const conn = this.connOrThrow();
    let reg: EventReg | undefined;
    if (legacy) reg = [...this.events.values()].find((r) => r.legacy && r.eventID === idOrEventID);
    else reg = this.events.get(idOrEventID);
    if (reg?.legacy !== legacy) {
      throw virError(RPC, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, legacy ? `domain event ${idOrEventID} not registered` : `callback ID ${idOrEventID} not registered`);
    }
    this.events.delete(reg.callbackID);
    await conn.domainEventDeregisterAny(reg.callbackID);
  }

  /** remoteRelayDomainEvent*: MESSAGE packets with serial 1. */
  private relayDomainEvent(reg: EventReg, ev: DomainEvent): void {
    if (!this.events.has(reg.callbackID)) return;
    const dom = ev.dom;
    const hdr = (proc: number): VirNetMessageHeader => ({
      prog: P.REMOTE_PROGRAM,
      vers: P.REMOTE_PROTOCOL_VERSION,
      proc,
      type: VIR_NET_MESSAGE,
      serial: 1,
      status: VIR_NET_OK,
    });
    if (ev.eventID === 0 && "event" in ev) {
      const msg = { dom, event: ev.event, detail: ev.detail };
      if (reg.legacy) this.send(hdr(P.REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE), (w) => { remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE].enc(w, msg); });
      else this.send(hdr(P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE), (w) => {
        remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE].enc(w, { callbackID: reg.callbackID, msg });
      });
    } else if (ev.eventID === 1) {
      if (reg.legacy) this.send(hdr(P.REMOTE_PROC_DOMAIN_EVENT_REBOOT), (w) => { remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_REBOOT].enc(w, { dom }); });
      else this.send(hdr(P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT), (w) => {
        remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT].enc(w, { callbackID: reg.callbackID, msg: { dom } });
      });
    } else if (ev.eventID === VIR_DOMAIN_EVENT_ID_TRAY_CHANGE && "payload" in ev) {
      const p = ev.payload as { devAlias: string; reason: number };
      const msg = { dom, devAlias: p.devAlias, reason: p.reason };
      if (reg.legacy) this.send(hdr(P.REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE), (w) => { remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE].enc(w, msg); });
      else this.send(hdr(P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE), (w) => {
        remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE].enc(w, { callbackID: reg.callbackID, msg });
      });
    }
  }

  private async dropEvents(conn: Connect): Promise<void> {
    for (const r of this.events.values()) await conn.domainEventDeregisterAny(r.callbackID).catch(() => undefined);
    this.events.clear();
  }

  /** Tear down: streams aborted, events dropped, the hypervisor connection closed. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.keepalive.stop();
    if (!this.closing) this.socket.destroy();
    for (const s of this.streams.values()) await s.abort();
    this.streams.clear();
    const conn = this.conn;
    this.conn = null;
    if (conn) {
      await this.dropEvents(conn);
      await conn.close().catch(() => undefined);
    }
    this.server.log("debug", "client closed", { client: this.id });
  }
}

/** The DispatchClient one call sees: the client plus this call's header (for streams). */
class CallContext implements DispatchClient {
  stream: ServerStream | null = null;

  constructor(
    private readonly client: ServerClient,
    private readonly header: VirNetMessageHeader,
  ) {}

  conn(): Connect {
    return this.client.connOrThrow();
  }
  open(name: string | null, flags: number): Promise<void> {
    return this.client.open(name, flags);
  }
  closeRequested(): void {
    /* handled after the reply is written */
  }
  authTypes(): number[] {
    return [REMOTE_AUTH_NONE];
  }
  startKeepAlive(): void {
    this.client.startKeepAlive();
  }
  registerCloseCallback(): void {
    this.client.setCloseCallback(true);
  }
  unregisterCloseCallback(): void {
    this.client.setCloseCallback(false);
  }
  registerDomainEvent(dom: DomainRef | null, eventID: number, legacy: boolean): Promise<number> {
    return this.client.registerDomainEvent(dom, eventID, legacy);
  }
  deregisterDomainEvent(id: number, legacy: boolean): Promise<void> {
    return this.client.deregisterDomainEvent(id, legacy);
  }
  newStream(allowSkip = false): Stream {
    const st = new Stream(0);
    const h = this.header;
    this.stream = new ServerStream(this.client, h.prog, h.vers, h.proc, h.serial, st, allowSkip);
    this.client.streams.set(h.serial, this.stream);
    return st;
  }
}
