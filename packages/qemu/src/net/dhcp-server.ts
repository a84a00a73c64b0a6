/*
 * The user-mode network's DHCP server (RFC 2131 on the BOOTP message of RFC 951, options from
 * RFC 2132), as libslirp's bootp.c runs it: a pool of 16 addresses from dhcpstart, one per client
 * MAC, with the virtual host as router and server and the virtual DNS address as name server.
 */

export const BOOTP_SERVER_PORT = 67;
export const BOOTP_CLIENT_PORT = 68;
export const BOOTP_REQUEST = 1;
export const BOOTP_REPLY = 2;
/** RFC 2131 3: the options field starts with this magic cookie. */
export const DHCP_MAGIC_COOKIE = 0x63825363;
/** Fixed BOOTP header before the cookie (op .. file). */
export const BOOTP_HEADER_SIZE = 236;
/** RFC 2131 2: a DHCP message is at least 300 bytes (BOOTP's minimum). */
const BOOTP_MIN_SIZE = 300;

/** DHCP message types (option 53, RFC 2132 9.6). */
export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;

/** Option codes (RFC 2132). */
export const DHCP_OPT_PAD = 0;
export const DHCP_OPT_SUBNET_MASK = 1;
export const DHCP_OPT_ROUTER = 3;
export const DHCP_OPT_DNS = 6;
export const DHCP_OPT_HOSTNAME = 12;
export const DHCP_OPT_DOMAIN_NAME = 15;
export const DHCP_OPT_REQUESTED_IP = 50;
export const DHCP_OPT_LEASE_TIME = 51;
export const DHCP_OPT_MESSAGE_TYPE = 53;
export const DHCP_OPT_SERVER_ID = 54;
export const DHCP_OPT_END = 255;

/** libslirp NB_BOOTP_CLIENTS and LEASE_TIME. */
export const NB_BOOTP_CLIENTS = 16;
export const LEASE_TIME = 24 * 3600;

export interface DhcpServerConfig {
  host: number;
  netmask: number;
  dns: number;
  dhcpStart: number;
  hostname?: string;
  domainname?: string;
  /** bootfile=: the boot file name put in the BOOTP file field (libslirp bootp_filename). */
  bootfile?: string;
}

export interface DhcpReply {
  /** UDP payload of the reply. */
  payload: Uint8Array;
  /** The address handed out (yiaddr), 0 for a NAK. */
  yiaddr: number;
  /** MAC of the client (chaddr). */
  clientMac: Uint8Array;
  /** DHCP message type of the reply (0 for a plain BOOTP reply). */
  type: number;
}

export class DhcpServer {
  /** Pool slot -> client MAC (undefined: free). */
  private readonly leases: (string | undefined)[] = new Array<string | undefined>(NB_BOOTP_CLIENTS).fill(undefined);

  constructor(private readonly config: DhcpServerConfig) {}

  private slotOf(mac: string): number {
    return this.leases.indexOf(mac);
  }

  private allocate(mac: string): number {
    const existing = this.slotOf(mac);
    if (existing >= 0) {
      return existing;
    }
    const free = this.leases.indexOf(undefined);
    if (free >= 0) {
      this.leases[free] = mac;
    }
    return free;
  }

  /** The address leased to `mac`, if any. */
  leaseOf(mac: Uint8Array): number | undefined {
    const slot = this.slotOf(macKey(mac));
    return slot < 0 ? undefined : (this.config.dhcpStart + slot) >>> 0;
  }

  /** Handles one BOOTP request (the UDP payload); undefined when nothing is sent back. */
  handle(request: Uint8Array): DhcpReply | undefined {
    if (request.length < BOOTP_HEADER_SIZE + 4 || request[0] !== BOOTP_REQUEST) {
      return undefined;
    }
    const v = new DataView(request.buffer, request.byteOffset, request.byteLength);
    const hlen = request[2]!;
    if (request[1] !== 1 || hlen !== 6) {
      return undefined;
    }
    const clientMac = request.slice(28, 34);
    const key = macKey(clientMac);
    let type = 0;
    let requested = 0;
    if (v.getUint32(BOOTP_HEADER_SIZE) === DHCP_MAGIC_COOKIE) {
      for (let i = BOOTP_HEADER_SIZE + 4; i < request.length; ) {
        const code = request[i]!;
        if (code === DHCP_OPT_PAD) {
          i++;
          continue;
        }
        if (code === DHCP_OPT_END || i + 1 >= request.length) {
          break;
        }
        const len = request[i + 1]!;
        if (i + 2 + len > request.length) {
          break;
        }
        if (code === DHCP_OPT_MESSAGE_TYPE && len >= 1) {
          type = request[i + 2]!;
        } else if (code === DHCP_OPT_REQUESTED_IP && len === 4) {
          requested = v.getUint32(i + 2);
        }
        i += 2 + len;
      }
    }
    const ciaddr = v.getUint32(12);
    let replyType: number;
    let yiaddr = 0;
    if (type === DHCPDISCOVER || type === 0) {
      // type 0: a plain BOOTP client, answered like a discover (libslirp does the same).
      const slot = this.allocate(key);
      if (slot < 0) {
        return undefined;
      }
      replyType = type === 0 ? 0 : DHCPOFFER;
      yiaddr = (this.config.dhcpStart + slot) >>> 0;
    } else if (type === DHCPREQUEST) {
      const want = requested !== 0 ? requested : ciaddr;
      if (want !== 0) {
        const slot = (want - this.config.dhcpStart) >>> 0;
        const owner = slot < NB_BOOTP_CLIENTS ? this.leases[slot] : "none";
        if (slot < NB_BOOTP_CLIENTS && (owner === undefined || owner === key)) {
          const old = this.slotOf(key);
          if (old >= 0 && old !== slot) {
            this.leases[old] = undefined;
          }
          this.leases[slot] = key;
          replyType = DHCPACK;
          yiaddr = want;
        } else {
          replyType = DHCPNAK;
        }
      } else {
        const slot = this.allocate(key);
        if (slot < 0) {
          return undefined;
        }
        replyType = DHCPACK;
        yiaddr = (this.config.dhcpStart + slot) >>> 0;
      }
    } else if (type === DHCPRELEASE) {
      const slot = this.slotOf(key);
      if (slot >= 0) {
        this.leases[slot] = undefined;
      }
      return undefined;
    } else {
      return undefined;
    }
    return { payload: this.reply(request, replyType, yiaddr), yiaddr, clientMac, type: replyType };
  }

  private reply(request: Uint8Array, type: number, yiaddr: number): Uint8Array {
    const c = this.config;
    const opts: number[] = [];
    const u32 = (x: number): number[] => [x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff];
    if (type !== 0) {
      opts.push(DHCP_OPT_MESSAGE_TYPE, 1, type);
      opts.push(DHCP_OPT_SERVER_ID, 4, ...u32(c.host));
    }
    if (type !== DHCPNAK) {
      if (type !== 0) {
        opts.push(DHCP_OPT_LEASE_TIME, 4, ...u32(LEASE_TIME));
      }
      opts.push(DHCP_OPT_SUBNET_MASK, 4, ...u32(c.netmask));
      opts.push(DHCP_OPT_ROUTER, 4, ...u32(c.host));
      opts.push(DHCP_OPT_DNS, 4, ...u32(c.dns));
      for (const [code, text] of [
        [DHCP_OPT_HOSTNAME, c.hostname],
        [DHCP_OPT_DOMAIN_NAME, c.domainname],
      ] as const) {
        if (text !== undefined && text.length > 0) {
          const b = new TextEncoder().encode(text).subarray(0, 255);
          opts.push(code, b.length, ...b);
        }
      }
    }
    opts.push(DHCP_OPT_END);
    const size = Math.max(BOOTP_MIN_SIZE, BOOTP_HEADER_SIZE + 4 + opts.length);
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    out[0] = BOOTP_REPLY;
    out[1] = 1;
    out[2] = 6;
    out.set(request.subarray(4, 8), 4); // xid
    out.set(request.subarray(10, 12), 10); // flags
    v.setUint32(16, yiaddr);
    v.setUint32(20, type === DHCPNAK ? 0 : c.host); // siaddr: next server
    out.set(request.subarray(24, 28), 24); // giaddr
    out.set(request.subarray(28, 44), 28); // chaddr
    if (type !== DHCPNAK && c.bootfile !== undefined) {
      // file[128] at 108, NUL-terminated (RFC 951).
      out.set(new TextEncoder().encode(c.bootfile).subarray(0, 127), 108);
    }
    v.setUint32(BOOTP_HEADER_SIZE, DHCP_MAGIC_COOKIE);
    out.set(opts, BOOTP_HEADER_SIZE + 4);
    return out;
  }
}

function macKey(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}
