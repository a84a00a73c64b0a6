import * as dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import * as net from "node:net";
import { NetClient } from "./net-client.js";

/*
 * -netdev socket (QEMU net/socket.c): Ethernet frames over a host socket, so that two emulators
 * share a virtual link. On a stream (listen= / connect=) each frame is preceded by its length as a
 * 32-bit big-endian number; over UDP (udp= with localaddr=) each datagram is one frame. A listening
 * netdev serves one peer at a time and listens again when it goes away; frames sent while nobody
 * is connected are dropped.
 */

/** QEMU NET_BUFSIZE: the largest frame a stream may carry; a longer length ends the connection. */
export const NET_BUFSIZE = 4096 + 65536;

export class SocketNetError extends Error {}

export interface SocketNetAddress { host: string; port: number }

export type SocketNetMode =
  | { kind: "listen"; addr: SocketNetAddress }
  | { kind: "connect"; addr: SocketNetAddress }
  | { kind: "udp"; addr: SocketNetAddress; local: SocketNetAddress };

/** strerror() texts for the socket errors QEMU reports. */
const SOCKET_STRERROR: Readonly<Record<string, string>> = {
  EADDRINUSE: "Address already in use",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EACCES: "Permission denied",
  ECONNREFUSED: "Connection refused",
  ENETUNREACH: "Network is unreachable",
  EHOSTUNREACH: "No route to host",
  ETIMEDOUT: "Connection timed out",
};

function errnoText(e: unknown): string {
  const code = typeof e === "object" && e !== null && "code" in e ? String(e.code) : "";
  return SOCKET_STRERROR[code] ?? (e instanceof Error ? e.message : String(e));
}

async function resolve(host: string): Promise<string> {
  if (host === "") return "0.0.0.0";
  if (/^[0-9]/.test(host)) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    throw new SocketNetError(`can't resolve host address '${host}'`);
  }
}

export class SocketNet extends NetClient {
  private server: net.Server | undefined;
  private stream: net.Socket | undefined;
  private udp: dgram.Socket | undefined;
  private udpDest: SocketNetAddress | undefined;
  private info = "";
  /** Receive state: the 4-byte length, then the frame (net_socket_rs). */
  private readonly lenBuf = new Uint8Array(4);
  private lenHave = 0;
  private frame: Uint8Array | undefined;
  private frameHave = 0;
  private closed = false;

  constructor(
    id: string,
    readonly mode: SocketNetMode,
    private readonly onNotice: (message: string) => void = () => undefined,
  ) {
    super(id, "socket");
    // Until a peer is there, nothing flows (QEMU sets link_down on a listening netdev).
    this.linkDown = mode.kind === "listen";
  }

  get infoStr(): string {
    return this.info;
  }

  get connected(): boolean {
    return this.stream !== undefined || this.udp !== undefined;
  }

  /** Binds / starts connecting; rejects with QEMU's error text. */
  async open(): Promise<void> {
    const m = this.mode;
    if (m.kind === "listen") {
      const host = await resolve(m.addr.host);
      const server = net.createServer((socket) => {
        if (this.stream !== undefined) {
          // One peer at a time (QEMU stops accepting while connected).
          socket.destroy();
          return;
        }
        this.info = `socket: connection from ${socket.remoteAddress ?? ""}:${socket.remotePort ?? 0}`;
        this.attach(socket);
      });
      await new Promise<void>((resolveListen, reject) => {
        server.once("error", (e) => {
          reject(new SocketNetError(`can't bind ip=${host} to socket: ${errnoText(e)}`));
        });
        server.listen({ host, port: m.addr.port }, () => {
          resolveListen();
        });
      });
      this.server = server;
      return;
    }
    if (m.kind === "connect") {
      const host = await resolve(m.addr.host);
      this.info = `socket: connect to ${host}:${m.addr.port}`;
      const socket = net.connect({ host, port: m.addr.port });
      socket.once("connect", () => {
        this.attach(socket);
      });
      socket.once("error", (e) => {
        if (this.stream !== socket) {
          this.onNotice(`netdev ${this.id}: can't connect socket: ${errnoText(e)}`);
        }
      });
      return;
    }
    const local = await resolve(m.local.host);
    const dest = await resolve(m.addr.host);
    const sock = dgram.createSocket({ type: "udp4", reuseAddr: true });
    await new Promise<void>((resolveBind, reject) => {
      sock.once("error", (e) => {
        reject(new SocketNetError(`can't bind ip=${local} to socket: ${errnoText(e)}`));
      });
      sock.bind({ address: local, port: m.local.port }, () => {
        resolveBind();
      });
    });
    sock.on("message", (msg) => {
      if (msg.length > 0) this.send(msg);
    });
    this.udp = sock;
    this.udpDest = { host: dest, port: m.addr.port };
    this.info = `socket: udp=${dest}:${m.addr.port}`;
  }

  /** The port a listen= netdev is bound to (useful with port 0). */
  get listenPort(): number | undefined {
    const a = this.server?.address();
    return typeof a === "object" && a !== null ? a.port : undefined;
  }

  private attach(socket: net.Socket): void {
    this.stream = socket;
    this.linkDown = false;
    socket.setNoDelay(true);
    this.lenHave = 0;
    this.frame = undefined;
    socket.on("data", (chunk: Buffer) => {
      this.streamData(socket, chunk);
    });
    const gone = (): void => {
      if (this.stream !== socket) return;
      this.stream = undefined;
      this.info = "";
      // A listening netdev waits for the next peer; the link is down meanwhile.
      if (this.mode.kind === "listen") this.linkDown = true;
    };
    socket.on("close", gone);
    socket.on("error", () => {
      socket.destroy();
    });
  }

  /** Reassembles length-prefixed frames from the stream (net_fill_rstate). */
  private streamData(socket: net.Socket, chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.frame === undefined) {
        while (this.lenHave < 4 && i < chunk.length) this.lenBuf[this.lenHave++] = chunk[i++]!;
        if (this.lenHave < 4) return;
        const len = ((this.lenBuf[0]! << 24) | (this.lenBuf[1]! << 16) | (this.lenBuf[2]! << 8) | this.lenBuf[3]!) >>> 0;
        this.lenHave = 0;
        if (len > NET_BUFSIZE) {
          // QEMU treats an oversized length as the end of the connection.
          socket.destroy();
          return;
        }
        if (len === 0) continue;
        this.frame = new Uint8Array(len);
        this.frameHave = 0;
      }
      const n = Math.min(this.frame.length - this.frameHave, chunk.length - i);
      this.frame.set(chunk.subarray(i, i + n), this.frameHave);
      this.frameHave += n;
      i += n;
      if (this.frameHave === this.frame.length) {
        const f = this.frame;
        this.frame = undefined;
        this.send(f);
      }
    }
  }

  /** A frame from the NIC: out on the socket, or dropped with no peer (QEMU net_socket_receive). */
  protected receive(frame: Uint8Array): boolean {
    if (this.stream !== undefined) {
      const out = Buffer.allocUnsafe(4 + frame.length);
      out.writeUInt32BE(frame.length, 0);
      out.set(frame, 4);
      this.stream.write(out);
    } else if (this.udp !== undefined && this.udpDest !== undefined) {
      this.udp.send(frame, this.udpDest.port, this.udpDest.host);
    }
    return true;
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.destroy();
    this.stream = undefined;
    const server = this.server;
    if (server !== undefined) {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const udp = this.udp;
    if (udp !== undefined) {
      await new Promise<void>((r) => udp.close(() => r()));
    }
  }
}
