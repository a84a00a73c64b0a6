// The KEEPALIVE program (src/rpc/virkeepaliveprotocol.x, virkeepalive.c; reference §5): PING (1)
// and PONG (2) as MESSAGE packets with serial 0 and no payload. Either side answers a PING with a
// PONG. The side that runs keepalive pings when nothing has been received for `interval` seconds
// and gives up after `count` unanswered pings; every received packet resets the count.
import { KEEPALIVE_PROC_PING, KEEPALIVE_PROC_PONG, KEEPALIVE_PROGRAM, KEEPALIVE_PROTOCOL_VERSION } from "./remote-procedures.js";
import { packet, VIR_NET_MESSAGE, VIR_NET_OK, type VirNetMessageHeader } from "./virnet-protocol.js";

export const KEEPALIVE_PING_PACKET = packet({
  prog: KEEPALIVE_PROGRAM,
  vers: KEEPALIVE_PROTOCOL_VERSION,
  proc: KEEPALIVE_PROC_PING,
  type: VIR_NET_MESSAGE,
  serial: 0,
  status: VIR_NET_OK,
});
export const KEEPALIVE_PONG_PACKET = packet({
  prog: KEEPALIVE_PROGRAM,
  vers: KEEPALIVE_PROTOCOL_VERSION,
  proc: KEEPALIVE_PROC_PONG,
  type: VIR_NET_MESSAGE,
  serial: 0,
  status: VIR_NET_OK,
});

export interface KeepAliveHooks {
  send(pkt: Uint8Array): void;
  /** Called once when `count` pings went unanswered. */
  dead(): void;
  now?: () => number;
}

export class KeepAlive {
  private timer: NodeJS.Timeout | null = null;
  private lastReceived: number;
  private countToDeath: number;
  private readonly now: () => number;

  constructor(
    private readonly interval: number,
    private readonly count: number,
    private readonly hooks: KeepAliveHooks,
  ) {
    this.now = hooks.now ?? (() => Date.now());
    this.lastReceived = this.now();
    this.countToDeath = count;
  }

  /** Is this a keepalive packet? Answers PINGs; returns true if the packet was consumed. */
  static handle(h: VirNetMessageHeader, send: (pkt: Uint8Array) => void): boolean {
    if (h.prog !== KEEPALIVE_PROGRAM) return false;
    if (h.vers === KEEPALIVE_PROTOCOL_VERSION && h.type === VIR_NET_MESSAGE && h.proc === KEEPALIVE_PROC_PING) {
      send(KEEPALIVE_PONG_PACKET);
    }
    return true;
  }

  /** Start pinging (interval <= 0 disables, as keepalive_interval = -1 does). */
  start(): void {
    if (this.interval <= 0 || this.timer) return;
    this.lastReceived = this.now();
    this.countToDeath = this.count;
    this.timer = setInterval(() => { this.tick(); }, this.interval * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Any packet from the peer proves it alive. */
  received(): void {
    this.lastReceived = this.now();
    this.countToDeath = this.count;
  }

  /** One timer period (virKeepAliveTimerInternal). */
  tick(): void {
    const idle = (this.now() - this.lastReceived) / 1000;
    if (idle < this.interval - 0.001) return;
    if (this.countToDeath <= 0) {
      this.stop();
      this.hooks.dead();
      return;
    }
    this.countToDeath--;
    this.hooks.send(KEEPALIVE_PING_PACKET);
  }
}
