import { existsSync, lstatSync, unlinkSync } from "node:fs";
import { type Server, type Socket, connect, createServer } from "node:net";
import { dirname } from "node:path";
import { CharBackendBase } from "./chardev.js";
import { describeError } from "./chardev-file.js";
import { WriteCoalescer } from "./write-coalescer.js";

export type SocketAddress =
  | { type: "inet"; host: string; port: number; ipv4?: boolean; ipv6?: boolean }
  | { type: "unix"; path: string };

export interface SocketChardevOptions {
  address: SocketAddress;
  /** server=on: listen and serve one client at a time. */
  server: boolean;
  /** wait=on (server only, QEMU's default): open() completes when the first client connects. */
  wait: boolean;
  /** nodelay=on: TCP_NODELAY. */
  nodelay?: boolean;
  /** Client mode: reconnect this many milliseconds after losing (or failing) the connection. */
  reconnectMs?: number;
  /** Server mode, inet: to= (try ports up to this one when the first is taken). */
  portRangeEnd?: number;
  /** Called with QEMU's "waiting for connection" notice when a server waits. */
  onNotice?: (message: string) => void;
}

/** How QEMU prints a socket address in its messages ("tcp:127.0.0.1:4444", "unix:/tmp/s"). */
export function formatSocketAddress(address: SocketAddress): string {
  return address.type === "unix" ? `unix:${address.path}` : `tcp:${address.host}:${address.port}`;
}

/**
 * `-chardev socket`: TCP or Unix stream socket, as listening server (server=on[,wait=off]) or as
 * client (QEMU chardev/char-socket.c). A server serves one connection at a time; others wait their
 * turn as they would in the kernel's listen backlog. Output while nobody is connected is dropped.
 */
export class SocketChardev extends CharBackendBase {
  readonly driver = "socket";
  private server: Server | undefined;
  private client: Socket | undefined;
  private readonly waiting: Socket[] = [];
  private closing = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly out = new WriteCoalescer((bytes) => {
    this.client?.write(bytes);
  });

  constructor(
    id: string,
    private readonly options: SocketChardevOptions,
  ) {
    super(id);
    this.peerConnected = false;
  }

  /** The bound address of a listening server (resolves port=0 to the port chosen). */
  get localAddress(): SocketAddress | undefined {
    const addr = this.server?.address();
    if (addr === null || addr === undefined) {
      return undefined;
    }
    if (typeof addr === "string") {
      return { type: "unix", path: addr };
    }
    return { type: "inet", host: (addr).address, port: (addr).port };
  }

  open(): Promise<void> {
    this.closing = false;
    return this.options.server ? this.listen() : this.connectClient(true);
  }

  private listen(): Promise<void> {
    const address = this.options.address;
    return new Promise<void>((resolve, reject) => {
      const server = createServer({ pauseOnConnect: false }, (socket) => {
        this.accept(socket);
        if (this.options.wait && !settled) {
          settled = true;
          resolve();
        }
      });
      let settled = false;
      let port = address.type === "inet" ? address.port : 0;
      server.on("error", (e: NodeJS.ErrnoException) => {
        if (settled || this.server !== undefined) {
          return;
        }
        // to=: try the following ports up to the limit (QEMU inet_listen_saddr port range).
        if (address.type === "inet" && e.code === "EADDRINUSE" && this.options.portRangeEnd !== undefined && port < this.options.portRangeEnd) {
          port++;
          listenInet();
          return;
        }
        settled = true;
        // libuv reports a missing directory as EACCES for pipes; QEMU (bind(2)) says ENOENT.
        const reason =
          address.type === "unix" && e.code === "EACCES" && !existsSync(dirname(address.path))
            ? "No such file or directory"
            : describeError(e);
        reject(
          new Error(
            address.type === "unix"
              ? `Failed to bind socket to ${address.path}: ${reason}`
              : `Failed to find an available port: ${reason}`,
          ),
        );
      });
      const onListening = (): void => {
        this.server = server;
        if (this.options.wait) {
          const local = this.localAddress ?? address;
          this.options.onNotice?.(`QEMU waiting for connection on: disconnected:${formatSocketAddress(local)},server=on`);
        } else {
          settled = true;
          resolve();
        }
      };
      server.once("listening", onListening);
      function listenInet(): void {
        if (address.type !== "inet") return;
        const host = address.host === "" ? (address.ipv6 === true ? "::" : "0.0.0.0") : address.host;
        server.listen({ host, port, ipv6Only: address.ipv6 === true && address.ipv4 !== true });
      }
      if (address.type === "unix") {
        // QEMU removes a stale socket file before binding.
        if (existsSync(address.path) && lstatSync(address.path).isSocket()) {
          unlinkSync(address.path);
        }
        server.listen(address.path);
      } else {
        listenInet();
      }
    });
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.client !== undefined) {
      socket.pause();
      this.waiting.push(socket);
      socket.once("close", () => {
        const i = this.waiting.indexOf(socket);
        if (i >= 0) {
          this.waiting.splice(i, 1);
        }
      });
      return;
    }
    this.attachSocket(socket);
  }

  private attachSocket(socket: Socket): void {
    this.client = socket;
    this.peerConnected = true;
    if (this.options.nodelay === true) {
      socket.setNoDelay(true);
    }
    socket.on("data", (chunk: Buffer) => {
      this.deliver(chunk);
    });
    socket.on("error", () => {
      // reported through "close"
    });
    socket.once("close", () => {
      this.detachSocket(socket);
    });
    socket.resume();
    this.emit("opened");
  }

  private detachSocket(socket: Socket): void {
    if (this.client !== socket) {
      return;
    }
    this.client = undefined;
    this.peerConnected = false;
    this.out.discard();
    this.clearInput();
    this.emit("closed");
    if (this.closing) {
      return;
    }
    const next = this.waiting.shift();
    if (next !== undefined) {
      this.attachSocket(next);
    } else if (!this.options.server && this.options.reconnectMs !== undefined) {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectClient(false).catch(() => {
        if (!this.closing) {
          this.scheduleReconnect();
        }
      });
    }, this.options.reconnectMs);
  }

  private connectClient(first: boolean): Promise<void> {
    const address = this.options.address;
    return new Promise<void>((resolve, reject) => {
      const socket =
        address.type === "unix"
          ? connect({ path: address.path })
          : connect({ host: address.host === "" ? "localhost" : address.host, port: address.port, family: address.ipv6 === true ? 6 : address.ipv4 === true ? 4 : 0 });
      const onError = (e: Error): void => {
        socket.destroy();
        if (first && this.options.reconnectMs !== undefined) {
          // With reconnect, a first failure is not fatal: QEMU keeps trying in the background.
          this.scheduleReconnect();
          resolve();
          return;
        }
        const target = address.type === "unix" ? address.path : `${address.host}:${address.port}`;
        reject(new Error(`Failed to connect to '${target}': ${describeError(e)}`));
      };
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        if (this.closing) {
          socket.destroy();
          resolve();
          return;
        }
        this.attachSocket(socket);
        resolve();
      });
    });
  }

  protected writeOut(bytes: Uint8Array): number {
    if (this.client === undefined) {
      return 0; // nobody listening: QEMU drops the output
    }
    this.out.push(bytes);
    return bytes.length;
  }

  protected override pauseSource(): void {
    this.client?.pause();
  }

  protected override resumeSource(): void {
    this.client?.resume();
  }

  /** Drops the current connection (the next waiting client, if any, is served). */
  disconnect(): void {
    this.client?.destroy();
  }

  protected closeBackend(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer !== undefined) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    this.out.flush();
    const sockets = [...this.waiting];
    this.waiting.length = 0;
    if (this.client !== undefined) {
      sockets.push(this.client);
    }
    const closes = sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.destroyed) {
            resolve();
            return;
          }
          s.once("close", () => {
            resolve();
          });
          // Let buffered output reach the peer, then drop the connection.
          s.end(() => {
            s.destroy();
          });
        }),
    );
    const server = this.server;
    this.server = undefined;
    const serverClosed = new Promise<void>((resolve) => {
      if (server === undefined) {
        resolve();
        return;
      }
      server.close(() => {
        resolve();
      });
    });
    return Promise.all([...closes, serverClosed]).then(() => {
      const address = this.options.address;
      if (this.options.server && address.type === "unix" && existsSync(address.path)) {
        unlinkSync(address.path);
      }
    });
  }
}
