// A raw-socket peer for protocol edge-case tests: writes hand-built packets and collects whatever
// comes back, without any of the client's conveniences.
import { connect, type Socket } from "node:net";
import { REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION } from "../remote-procedures.js";
import { VIR_NET_CALL, VIR_NET_OK, VirNetPacketDecoder, packet, type VirNetMessageHeader, type VirNetPacket } from "../virnet-protocol.js";
import type { XdrWriter } from "../xdr.js";

export class RawPeer {
  readonly packets: VirNetPacket[] = [];
  closed = false;
  private readonly decoder = new VirNetPacketDecoder();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on("data", (b: Buffer) => {
      this.packets.push(...this.decoder.push(b));
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  static open(path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once("connect", () => { resolve(new RawPeer(s)); });
      s.once("error", reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  call(proc: number, serial: number, body?: (w: XdrWriter) => void, over: Partial<VirNetMessageHeader> = {}): void {
    this.write(packet({ prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc, type: VIR_NET_CALL, serial, status: VIR_NET_OK, ...over }, body));
  }

  /** Wait until a packet matching `pred` has arrived (or the socket closed: returns null). */
  async next(pred: (p: VirNetPacket) => boolean = () => true): Promise<VirNetPacket | null> {
    for (;;) {
      const i = this.packets.findIndex(pred);
      if (i >= 0) return this.packets.splice(i, 1)[0]!;
      if (this.closed) return null;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** Wait for the peer to close the connection. */
  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  close(): void {
    this.socket.destroy();
  }
}
