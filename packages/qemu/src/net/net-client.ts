/*
 * One end of a point-to-point Ethernet link (QEMU include/net/net.h NetClientState): a NIC model
 * and its -netdev backend are peers. A frame sent by one is offered to the other; a receiver
 * that cannot take it now (no receive buffers) refuses, and the frame waits in the receiver's
 * incoming queue (QEMU net/queue.c) until the receiver flushes it.
 */

/** QEMU NET_QUEUE_LEN-style bound on frames held for a receiver that is not taking them. */
export const NET_INCOMING_QUEUE_MAX = 10000;

export abstract class NetClient {
  peer: NetClient | undefined;
  /** Frames the peer sent while this client could not receive. */
  private readonly incoming: Uint8Array[] = [];
  /** Frames dropped because the incoming queue was full. */
  dropped = 0;
  /** link_down: frames to or from this client are dropped (set_link off). */
  linkDown = false;

  constructor(
    /** The -netdev / -device id. */
    readonly id: string,
    /** QEMU NetClientDriver name: "user", "socket", "nic", ... */
    readonly model: string,
  ) {}

  /** Sends a frame to the peer (qemu_send_packet); dropped without a peer or with the link down. */
  send(frame: Uint8Array): void {
    const peer = this.peer;
    if (peer === undefined || this.linkDown || peer.linkDown) {
      return;
    }
    peer.deliver(frame);
  }

  /** A frame from the peer: taken now, or queued (copied) for flushIncoming. */
  deliver(frame: Uint8Array): void {
    if (this.incoming.length === 0 && this.receive(frame)) {
      return;
    }
    if (this.incoming.length >= NET_INCOMING_QUEUE_MAX) {
      this.dropped++;
      return;
    }
    this.incoming.push(frame.slice());
  }

  /**
   * Takes a frame from the peer. Returns false to refuse it for now (it is queued and offered
   * again by flushIncoming); true when taken or deliberately dropped (filtered). The frame is only
   * valid during the call.
   */
  protected abstract receive(frame: Uint8Array): boolean;

  /** Offers queued frames again, in order (qemu_flush_queued_packets). */
  flushIncoming(): void {
    while (this.incoming.length > 0) {
      if (!this.receive(this.incoming[0]!)) {
        return;
      }
      this.incoming.shift();
    }
  }

  /** Frames waiting for this client. */
  get queuedFrames(): number {
    return this.incoming.length;
  }

  /** Drops queued frames (qemu_purge_queued_packets). */
  purgeIncoming(): void {
    this.incoming.length = 0;
  }

  /** Releases host resources (sockets, listeners). */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The text QEMU's `info network` shows for this client. */
  abstract readonly infoStr: string;
}

/** Makes `a` and `b` peers (qemu_new_nic with a netdev). */
export function connectPeers(a: NetClient, b: NetClient): void {
  a.peer = b;
  b.peer = a;
}

/** Formats a MAC address as QEMU does (lower-case hex, colon separated). */
export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Parses "52:54:00:12:34:56" (qemu_parse_macaddr accepts ':' or '-'); undefined if malformed. */
export function parseMac(text: string): Uint8Array | undefined {
  const m = /^([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})$/i.exec(text);
  if (m === null) {
    return undefined;
  }
  return Uint8Array.from(m.slice(1, 7), (h) => parseInt(h, 16));
}

let nicIndex = 0;

/**
 * The next default MAC, 52:54:00:12:34:56 + n (QEMU qemu_macaddr_default_if_unset: each NIC
 * without mac= takes the next one).
 */
export function defaultMac(): Uint8Array {
  const mac = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56 + nicIndex);
  nicIndex++;
  return mac;
}
