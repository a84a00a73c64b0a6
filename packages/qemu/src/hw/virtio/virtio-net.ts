import { NetClient, defaultMac, formatMac, parseMac } from "../../net/net-client.js";
import { VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_F_VERSION_1, VIRTIO_ID_NET, features } from "./virtio-config.js";
import { VirtioDevice } from "./virtio-device.js";
import type { VirtQueue, VirtqueueElement } from "./virtqueue.js";

/*
 * virtio-net (OASIS virtio-v1.1 5.1; QEMU hw/net/virtio-net.c) for backends without a vnet
 * header (user, socket): a receiveq, a transmitq and a controlq. Every frame carries a
 * struct virtio_net_hdr in front (5.1.6); this device offers no checksum or segmentation
 * offloads, so the header is written zero on receive and stripped on transmit.
 */

/** Feature bits (5.1.3). */
export const VIRTIO_NET_F_CSUM = 0;
export const VIRTIO_NET_F_GUEST_CSUM = 1;
export const VIRTIO_NET_F_CTRL_GUEST_OFFLOADS = 2;
export const VIRTIO_NET_F_MTU = 3;
export const VIRTIO_NET_F_MAC = 5;
/** Legacy only (5.1.3.1): "device handles packets with any GSO type". */
export const VIRTIO_NET_F_GSO = 6;
export const VIRTIO_NET_F_MRG_RXBUF = 15;
export const VIRTIO_NET_F_STATUS = 16;
export const VIRTIO_NET_F_CTRL_VQ = 17;
export const VIRTIO_NET_F_CTRL_RX = 18;
export const VIRTIO_NET_F_CTRL_VLAN = 19;
export const VIRTIO_NET_F_CTRL_RX_EXTRA = 20;
export const VIRTIO_NET_F_GUEST_ANNOUNCE = 21;
export const VIRTIO_NET_F_MQ = 22;
export const VIRTIO_NET_F_CTRL_MAC_ADDR = 23;

export const VIRTIO_NET_S_LINK_UP = 1;
export const VIRTIO_NET_S_ANNOUNCE = 2;

/** struct virtio_net_hdr (5.1.6): 10 bytes, 12 with num_buffers (MRG_RXBUF or VERSION_1). */
export const VIRTIO_NET_HDR_LEN = 10;
export const VIRTIO_NET_HDR_MRG_LEN = 12;
export const VIRTIO_NET_HDR_GSO_NONE = 0;

/** Control classes and commands (5.1.6.5). */
export const VIRTIO_NET_CTRL_RX = 0;
export const VIRTIO_NET_CTRL_RX_PROMISC = 0;
export const VIRTIO_NET_CTRL_RX_ALLMULTI = 1;
export const VIRTIO_NET_CTRL_RX_ALLUNI = 2;
export const VIRTIO_NET_CTRL_RX_NOMULTI = 3;
export const VIRTIO_NET_CTRL_RX_NOUNI = 4;
export const VIRTIO_NET_CTRL_RX_NOBCAST = 5;
export const VIRTIO_NET_CTRL_MAC = 1;
export const VIRTIO_NET_CTRL_MAC_TABLE_SET = 0;
export const VIRTIO_NET_CTRL_MAC_ADDR_SET = 1;
export const VIRTIO_NET_CTRL_VLAN = 2;
export const VIRTIO_NET_CTRL_VLAN_ADD = 0;
export const VIRTIO_NET_CTRL_VLAN_DEL = 1;
export const VIRTIO_NET_CTRL_ANNOUNCE = 3;
export const VIRTIO_NET_CTRL_ANNOUNCE_ACK = 0;
export const VIRTIO_NET_CTRL_MQ = 4;
export const VIRTIO_NET_CTRL_GUEST_OFFLOADS = 5;
export const VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET = 0;
export const VIRTIO_NET_OK = 0;
export const VIRTIO_NET_ERR = 1;

/** QEMU MAC_TABLE_ENTRIES and MAX_VLAN. */
export const MAC_TABLE_ENTRIES = 64;
export const MAX_VLAN = 4096;
export const VIRTIO_NET_CONFIG_SIZE = 8;
/** QEMU VIRTIO_NET_MAX_BUFSIZE / NET_BUFSIZE: no frame a backend carries is longer; longer ones are dropped. */
export const VIRTIO_NET_MAX_BUFSIZE = 4096 + 65536;
/** Control commands are small; a longer one is answered VIRTIO_NET_ERR unread. */
const CTRL_MAX = 4096;
const ETH_ALEN = 6;

export interface VirtioNetOptions {
  /** mac= (default: the next 52:54:00:12:34:56 + n). */
  mac?: string | Uint8Array;
  /** rx_queue_size / tx_queue_size (default 256). */
  rxQueueSize?: number;
  txQueueSize?: number;
  /** mrg_rxbuf (default on). */
  mergeableRxBuffers?: boolean;
  /** -device id. */
  id?: string;
}

export class VirtioNetOptionError extends Error {}

interface RxMode {
  promisc: boolean;
  allmulti: boolean;
  alluni: boolean;
  nomulti: boolean;
  nouni: boolean;
  nobcast: boolean;
}

export interface VirtioNetDeviceState {
  mac: string;
  status: number;
  rxMode: RxMode;
  macTable: string[];
  firstMulti: number;
  uniOverflow: boolean;
  multiOverflow: boolean;
  vlans: number[];
}

/** The NIC side of the link (QEMU NICState), forwarding to the device. */
class VirtioNetNic extends NetClient {
  constructor(
    private readonly dev: VirtioNet,
    id: string,
  ) {
    super(id, "nic");
  }

  protected receive(frame: Uint8Array): boolean {
    return this.dev.receiveFrame(frame);
  }

  get infoStr(): string {
    return `model=virtio-net-pci,macaddr=${formatMac(this.dev.mac)}`;
  }
}

export class VirtioNet extends VirtioDevice {
  readonly deviceId = VIRTIO_ID_NET;
  readonly name = "virtio-net";
  /** The NIC end to connect to a -netdev backend with connectPeers(). */
  readonly nic: NetClient;
  readonly mac = new Uint8Array(ETH_ALEN);
  private readonly confMac: Uint8Array;
  private readonly rxq: VirtQueue;
  private readonly txq: VirtQueue;
  private netStatus = VIRTIO_NET_S_LINK_UP;
  private rxMode: RxMode = { promisc: true, allmulti: false, alluni: false, nomulti: false, nouni: false, nobcast: false };
  private macTable: Uint8Array[] = [];
  private firstMulti = 0;
  private uniOverflow = false;
  private multiOverflow = false;
  private readonly vlans = new Uint32Array(MAX_VLAN >> 5);
  private hdrLen = VIRTIO_NET_HDR_LEN;
  private mergeable = false;
  private readonly hdr = new Uint8Array(VIRTIO_NET_HDR_MRG_LEN);
  private txBuf = new Uint8Array(2048);

  constructor(options: VirtioNetOptions = {}) {
    super(
      VIRTIO_NET_CONFIG_SIZE,
      features(
        VIRTIO_NET_F_CTRL_GUEST_OFFLOADS,
        VIRTIO_NET_F_MAC,
        ...(options.mergeableRxBuffers === false ? [] : [VIRTIO_NET_F_MRG_RXBUF]),
        VIRTIO_NET_F_STATUS,
        VIRTIO_NET_F_CTRL_VQ,
        VIRTIO_NET_F_CTRL_RX,
        VIRTIO_NET_F_CTRL_VLAN,
        VIRTIO_NET_F_CTRL_RX_EXTRA,
        VIRTIO_NET_F_GUEST_ANNOUNCE,
        VIRTIO_NET_F_CTRL_MAC_ADDR,
      ),
    );
    this.legacyOnlyFeatures = features(VIRTIO_NET_F_GSO);
    // 2 per queue pair + config + control (QEMU virtio_net_pci_realize).
    this.defaultVectors = 4;
    let mac: Uint8Array | undefined;
    if (options.mac === undefined) {
      mac = defaultMac();
    } else if (typeof options.mac === "string") {
      mac = parseMac(options.mac);
      if (mac === undefined) {
        throw new VirtioNetOptionError(`Property 'virtio-net-device.mac' doesn't take value '${options.mac}'`);
      }
    } else {
      mac = options.mac;
    }
    this.confMac = mac.slice();
    this.mac.set(mac);
    this.nic = new VirtioNetNic(this, options.id ?? "net0");
    this.rxq = this.addQueue(options.rxQueueSize ?? 256, () => {
      // The driver posted receive buffers: frames held for us can come in now.
      this.nic.flushIncoming();
    });
    this.txq = this.addQueue(options.txQueueSize ?? 256, (vq) => {
      this.transmit(vq);
    });
    this.addQueue(64, (vq) => {
      this.control(vq);
    });
    this.updateConfig();
  }

  get linkUp(): boolean {
    return (this.netStatus & VIRTIO_NET_S_LINK_UP) !== 0;
  }

  /** set_link: link status bit and a config change interrupt (QEMU virtio_net_set_link_status). */
  setLink(up: boolean): void {
    const old = this.netStatus;
    this.netStatus = up ? this.netStatus | VIRTIO_NET_S_LINK_UP : this.netStatus & ~VIRTIO_NET_S_LINK_UP;
    this.nic.linkDown = !up;
    if (old !== this.netStatus) {
      this.updateConfig();
      this.notifyConfig();
    }
  }

  /** Asks the guest to announce itself (after migration), with VIRTIO_NET_F_GUEST_ANNOUNCE. */
  announce(): void {
    if (this.hasGuestFeature(VIRTIO_NET_F_GUEST_ANNOUNCE) && this.hasGuestFeature(VIRTIO_NET_F_CTRL_VQ)) {
      this.netStatus |= VIRTIO_NET_S_ANNOUNCE;
      this.updateConfig();
      this.notifyConfig();
    }
  }

  protected override updateConfig(): void {
    this.config.set(this.mac, 0);
    this.configView.setUint16(6, this.netStatus, true);
  }

  protected override configWritable(offset: number): boolean {
    return offset < ETH_ALEN;
  }

  /** A legacy driver without CTRL_MAC_ADDR sets the MAC through config space (QEMU virtio_net_set_config). */
  protected override configWritten(): void {
    if (!this.hasGuestFeature(VIRTIO_NET_F_CTRL_MAC_ADDR) && !this.hasGuestFeature(VIRTIO_F_VERSION_1)) {
      this.mac.set(this.config.subarray(0, ETH_ALEN));
    }
  }

  protected override featuresChanged(): void {
    this.mergeable = this.hasGuestFeature(VIRTIO_NET_F_MRG_RXBUF);
    this.hdrLen = this.mergeable || this.hasGuestFeature(VIRTIO_F_VERSION_1) ? VIRTIO_NET_HDR_MRG_LEN : VIRTIO_NET_HDR_LEN;
    // Without VLAN filtering every VLAN passes (QEMU virtio_net_set_features).
    this.vlans.fill(this.hasGuestFeature(VIRTIO_NET_F_CTRL_VLAN) ? 0 : 0xffffffff);
  }

  protected override driverOkChanged(ok: boolean): void {
    if (ok) {
      this.nic.flushIncoming();
    }
  }

  protected deviceReset(): void {
    this.rxMode = { promisc: true, allmulti: false, alluni: false, nomulti: false, nouni: false, nobcast: false };
    this.macTable = [];
    this.firstMulti = 0;
    this.uniOverflow = false;
    this.multiOverflow = false;
    this.vlans.fill(0);
    this.mac.set(this.confMac);
    this.netStatus &= ~VIRTIO_NET_S_ANNOUNCE;
    this.hdrLen = VIRTIO_NET_HDR_LEN;
    this.mergeable = false;
    this.updateConfig();
  }

  /** QEMU receive_filter: promiscuous, VLAN table, broadcast/multicast/unicast rules and the MAC table. */
  private acceptFrame(frame: Uint8Array): boolean {
    const m = this.rxMode;
    if (m.promisc) {
      return true;
    }
    if (frame.length >= 16 && frame[12] === 0x81 && frame[13] === 0x00) {
      const vid = ((frame[14]! << 8) | frame[15]!) & 0xfff;
      if (!(this.vlans[vid >> 5]! & (1 << (vid & 31)))) {
        return false;
      }
    }
    const matchTable = (from: number, to: number): boolean => {
      for (let i = from; i < to; i++) {
        const e = this.macTable[i]!;
        if (e[0] === frame[0] && e[1] === frame[1] && e[2] === frame[2] && e[3] === frame[3] && e[4] === frame[4] && e[5] === frame[5]) {
          return true;
        }
      }
      return false;
    };
    if (frame[0]! & 1) {
      if (frame[0] === 0xff && frame[1] === 0xff && frame[2] === 0xff && frame[3] === 0xff && frame[4] === 0xff && frame[5] === 0xff) {
        return !m.nobcast;
      }
      if (m.nomulti) {
        return false;
      }
      if (m.allmulti || this.multiOverflow) {
        return true;
      }
      return matchTable(this.firstMulti, this.macTable.length);
    }
    if (m.nouni) {
      return false;
    }
    if (m.alluni || this.uniOverflow) {
      return true;
    }
    const mac = this.mac;
    if (mac[0] === frame[0] && mac[1] === frame[1] && mac[2] === frame[2] && mac[3] === frame[3] && mac[4] === frame[4] && mac[5] === frame[5]) {
      return true;
    }
    return matchTable(0, this.firstMulti);
  }

  /**
   * A frame from the backend (QEMU virtio_net_receive_rcu). Returns false when the guest has no
   * receive buffers for it yet (the frame waits in the NIC's incoming queue).
   */
  receiveFrame(frame: Uint8Array): boolean {
    // A retry only happens when the driver added buffers while we were looking (another thread).
    for (let attempt = 0; attempt < 4; attempt++) {
      const r = this.receiveOnce(frame);
      if (r !== "retry") {
        return r;
      }
    }
    return false;
  }

  private receiveOnce(frame: Uint8Array): boolean | "retry" {
    const vq = this.rxq;
    if (!(this.status & VIRTIO_CONFIG_S_DRIVER_OK) || !vq.isReady || this.broken) {
      return false;
    }
    if (frame.length < 14 || !this.acceptFrame(frame)) {
      return true;
    }
    if (vq.isEmpty()) {
      // Out of buffers: ask the driver to kick when it adds some, and check once more (race).
      vq.setNotification(true);
      if (vq.isEmpty()) {
        return false;
      }
    }
    vq.setNotification(false);
    const hdr = this.hdr;
    hdr.fill(0);
    const hdrLen = this.hdrLen;
    let offset = 0;
    let count = 0;
    let first: VirtqueueElement | null = null;
    const elems: VirtqueueElement[] = [];
    const lens: number[] = [];
    while (offset < frame.length) {
      const elem = vq.pop();
      if (elem === null) {
        if (this.isBroken()) {
          return true;
        }
        if (count === 0) {
          return false;
        }
        // Not enough buffers for the rest of a merged frame: give them back and ask for a kick
        // when more come; buffers added before the kick was asked for are looked at once more.
        for (let i = 0; i < count; i++) vq.unpop();
        vq.setNotification(true);
        return vq.availableCount() > count ? "retry" : false;
      }
      if (elem.inAddr.length < 1) {
        this.error("virtio-net receive queue contains no in buffers");
        return true;
      }
      let guestOffset = 0;
      if (count === 0) {
        first = elem;
        guestOffset = hdrLen;
        if (elem.inSize < hdrLen) {
          this.error("virtio-net header too short for the receive buffer");
          return true;
        }
      }
      const room = elem.inSize - guestOffset;
      const n = Math.min(room, frame.length - offset);
      if (!this.mergeable && n < frame.length - offset) {
        // A frame that does not fit one buffer without MRG_RXBUF is dropped (QEMU).
        vq.unpop();
        return true;
      }
      if (elem.scatter(guestOffset, frame.subarray(offset, offset + n)) !== n) {
        this.error("virtio: bogus descriptor or out of resources");
        return true;
      }
      offset += n;
      elems.push(elem);
      lens.push(n + guestOffset);
      count++;
      if (!this.mergeable) {
        break;
      }
    }
    if (first === null) {
      return true;
    }
    // num_buffers: the buffers this frame spans (1 without MRG_RXBUF, 5.1.6.4).
    if (hdrLen === VIRTIO_NET_HDR_MRG_LEN) {
      hdr[10] = count & 0xff;
      hdr[11] = count >> 8;
    }
    if (first.scatter(0, hdr.subarray(0, hdrLen)) !== hdrLen) {
      this.error("virtio: bogus descriptor or out of resources");
      return true;
    }
    for (let i = 0; i < count; i++) {
      if (!vq.fill(elems[i]!, lens[i]!, i)) {
        return true;
      }
    }
    vq.flush(count);
    this.notifyQueue(vq);
    return true;
  }

  /** Guest frames out to the backend (QEMU virtio_net_flush_tx). */
  private transmit(vq: VirtQueue): void {
    if (!(this.status & VIRTIO_CONFIG_S_DRIVER_OK)) {
      return;
    }
    do {
      vq.setNotification(false);
      let pushed = false;
      for (;;) {
        if (this.broken) {
          return;
        }
        const elem = vq.pop();
        if (elem === null) {
          break;
        }
        if (elem.outAddr.length < 1) {
          this.error("virtio-net header not in first element");
          return;
        }
        if (elem.outSize < this.hdrLen) {
          this.error("virtio-net header incorrect");
          return;
        }
        const len = elem.outSize - this.hdrLen;
        if (len <= VIRTIO_NET_MAX_BUFSIZE) {
          if (this.txBuf.length < len) {
            this.txBuf = new Uint8Array(VIRTIO_NET_MAX_BUFSIZE);
          }
          const frame = this.txBuf.subarray(0, len);
          if (elem.gather(this.hdrLen, frame) !== frame.length) {
            this.error("virtio: bogus descriptor or out of resources");
            return;
          }
          this.nic.send(frame);
        }
        pushed = vq.push(elem, 0) || pushed;
      }
      if (pushed) {
        this.notifyQueue(vq);
      }
      vq.setNotification(true);
    } while (!this.isBroken() && !vq.isEmpty());
  }

  /** Control virtqueue (5.1.6.5; QEMU virtio_net_handle_ctrl). */
  private control(vq: VirtQueue): void {
    for (;;) {
      if (this.broken) {
        return;
      }
      const elem = vq.pop();
      if (elem === null) {
        return;
      }
      if (elem.inSize < 1 || elem.outSize < 2) {
        this.error("virtio-net ctrl missing headers");
        return;
      }
      let status = VIRTIO_NET_ERR;
      if (elem.outSize <= CTRL_MAX) {
        const out = new Uint8Array(elem.outSize);
        if (elem.gather(0, out) !== out.length) {
          this.error("virtio: bogus descriptor or out of resources");
          return;
        }
        status = this.controlCommand(out[0]!, out[1]!, out.subarray(2));
      }
      if (elem.scatter(0, Uint8Array.of(status)) !== 1) {
        this.error("virtio: bogus descriptor or out of resources");
        return;
      }
      vq.push(elem, 1);
      this.notifyQueue(vq);
    }
  }

  private controlCommand(cls: number, cmd: number, data: Uint8Array): number {
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    switch (cls) {
      case VIRTIO_NET_CTRL_RX: {
        if (data.length !== 1) {
          return VIRTIO_NET_ERR;
        }
        const on = data[0] !== 0;
        const key = (["promisc", "allmulti", "alluni", "nomulti", "nouni", "nobcast"] as const)[cmd];
        if (key === undefined) {
          return VIRTIO_NET_ERR;
        }
        this.rxMode[key] = on;
        return VIRTIO_NET_OK;
      }
      case VIRTIO_NET_CTRL_MAC:
        if (cmd === VIRTIO_NET_CTRL_MAC_ADDR_SET) {
          if (data.length !== ETH_ALEN) {
            return VIRTIO_NET_ERR;
          }
          this.mac.set(data);
          this.updateConfig();
          return VIRTIO_NET_OK;
        }
        if (cmd === VIRTIO_NET_CTRL_MAC_TABLE_SET) {
          return this.setMacTable(dv, data);
        }
        return VIRTIO_NET_ERR;
      case VIRTIO_NET_CTRL_VLAN: {
        if (data.length !== 2) {
          return VIRTIO_NET_ERR;
        }
        const vid = dv.getUint16(0, true);
        if (vid >= MAX_VLAN) {
          return VIRTIO_NET_ERR;
        }
        if (cmd === VIRTIO_NET_CTRL_VLAN_ADD) {
          this.vlans[vid >> 5]! |= 1 << (vid & 31);
        } else if (cmd === VIRTIO_NET_CTRL_VLAN_DEL) {
          this.vlans[vid >> 5]! &= ~(1 << (vid & 31));
        } else {
          return VIRTIO_NET_ERR;
        }
        return VIRTIO_NET_OK;
      }
      case VIRTIO_NET_CTRL_ANNOUNCE:
        if (cmd === VIRTIO_NET_CTRL_ANNOUNCE_ACK && this.netStatus & VIRTIO_NET_S_ANNOUNCE) {
          this.netStatus &= ~VIRTIO_NET_S_ANNOUNCE;
          this.updateConfig();
          return VIRTIO_NET_OK;
        }
        return VIRTIO_NET_ERR;
      case VIRTIO_NET_CTRL_GUEST_OFFLOADS:
        // No guest offloads are offered, so the only acceptable set is the empty one.
        if (!this.hasGuestFeature(VIRTIO_NET_F_CTRL_GUEST_OFFLOADS) || cmd !== VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET || data.length !== 8) {
          return VIRTIO_NET_ERR;
        }
        return dv.getUint32(0, true) === 0 && dv.getUint32(4, true) === 0 ? VIRTIO_NET_OK : VIRTIO_NET_ERR;
      default:
        // VIRTIO_NET_CTRL_MQ and unknown classes: MQ is not offered.
        return VIRTIO_NET_ERR;
    }
  }

  /** VIRTIO_NET_CTRL_MAC_TABLE_SET: a unicast then a multicast table, each le32 entries + MACs. */
  private setMacTable(dv: DataView, data: Uint8Array): number {
    const table: Uint8Array[] = [];
    let uniOverflow = false;
    let multiOverflow = false;
    let at = 0;
    let firstMulti = 0;
    for (let part = 0; part < 2; part++) {
      if (at + 4 > data.length) {
        return VIRTIO_NET_ERR;
      }
      const entries = dv.getUint32(at, true);
      at += 4;
      if (entries > (data.length - at) / ETH_ALEN) {
        return VIRTIO_NET_ERR;
      }
      if (table.length + entries <= MAC_TABLE_ENTRIES) {
        for (let i = 0; i < entries; i++) {
          table.push(data.slice(at + i * ETH_ALEN, at + (i + 1) * ETH_ALEN));
        }
      } else if (part === 0) {
        uniOverflow = true;
      } else {
        multiOverflow = true;
      }
      at += entries * ETH_ALEN;
      if (part === 0) {
        firstMulti = table.length;
      }
    }
    if (at !== data.length) {
      return VIRTIO_NET_ERR;
    }
    this.macTable = table;
    this.firstMulti = firstMulti;
    this.uniOverflow = uniOverflow;
    this.multiOverflow = multiOverflow;
    return VIRTIO_NET_OK;
  }

  protected saveDevice(): VirtioNetDeviceState {
    return {
      mac: formatMac(this.mac),
      status: this.netStatus,
      rxMode: { ...this.rxMode },
      macTable: this.macTable.map(formatMac),
      firstMulti: this.firstMulti,
      uniOverflow: this.uniOverflow,
      multiOverflow: this.multiOverflow,
      vlans: Array.from(this.vlans),
    };
  }

  protected loadDevice(state: unknown): void {
    const s = state as VirtioNetDeviceState;
    const mac = parseMac(s.mac);
    if (mac !== undefined) {
      this.mac.set(mac);
    }
    this.netStatus = s.status & 0xffff;
    this.rxMode = { ...s.rxMode };
    this.macTable = s.macTable.map((m) => parseMac(m) ?? new Uint8Array(ETH_ALEN));
    this.firstMulti = s.firstMulti;
    this.uniOverflow = s.uniOverflow;
    this.multiOverflow = s.multiOverflow;
    for (let i = 0; i < this.vlans.length; i++) this.vlans[i] = s.vlans[i] ?? 0;
    this.updateConfig();
  }

  override resumeAfterLoad(): void {
    this.nic.flushIncoming();
  }
}

/** Builds a virtio-net device. */
export function createVirtioNet(options: VirtioNetOptions = {}): VirtioNet {
  return new VirtioNet(options);
}
