import { inetAton, ipToString } from "./ipv4.js";
import type { SocketNetAddress, SocketNetMode } from "./socket-net.js";
import { type HostForward, USER_NET_DEFAULTS, type UserNetConfig } from "./user-net.js";

/*
 * QEMU's -netdev option: "TYPE,id=ID,key=value,..." (QemuOpts syntax, ",," a literal comma,
 * the first element without "=" the implied type), validated as QEMU 7.2 does (the Netdev QAPI
 * union in qapi/net.json, then net/slirp.c net_init_slirp and net/socket.c net_init_socket),
 * with QEMU's error texts.
 */

export class NetdevOptionError extends Error {}

export type NetdevConfig =
  | { id: string; type: "user"; user: UserNetConfig }
  | { id: string; type: "socket"; mode: SocketNetMode };

/** NetClientDriver values QEMU 7.2 accepts for -netdev (qapi/net.json), "nic" excepted. */
const NETDEV_TYPES = new Set([
  "none",
  "user",
  "tap",
  "l2tpv3",
  "socket",
  "stream",
  "dgram",
  "vde",
  "bridge",
  "hubport",
  "netmap",
  "vhost-user",
  "vhost-vdpa",
]);

type KeyKind = "string" | "bool" | "number" | "list";

/** NetdevUserOptions members. */
const USER_KEYS: Readonly<Record<string, KeyKind>> = {
  hostname: "string",
  restrict: "bool",
  ipv4: "bool",
  ipv6: "bool",
  ip: "string",
  net: "string",
  host: "string",
  tftp: "string",
  bootfile: "string",
  dhcpstart: "string",
  dns: "string",
  dnssearch: "list",
  domainname: "string",
  "ipv6-prefix": "string",
  "ipv6-prefixlen": "number",
  "ipv6-host": "string",
  "ipv6-dns": "string",
  smb: "string",
  smbserver: "string",
  hostfwd: "list",
  guestfwd: "list",
  "tftp-server-name": "string",
};

/** NetdevSocketOptions members. */
const SOCKET_KEYS: Readonly<Record<string, KeyKind>> = {
  fd: "string",
  listen: "string",
  connect: "string",
  mcast: "string",
  localaddr: "string",
  udp: "string",
};

/** Options of the user netdev that virtkit's stack does not implement (refused, not ignored). */
const USER_UNSUPPORTED = ["tftp", "smb", "smbserver", "guestfwd", "dnssearch", "ipv6-prefix", "ipv6-prefixlen", "ipv6-host", "ipv6-dns", "tftp-server-name"];

const ID_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const BOOL_TRUE = new Set(["on", "yes", "true", "y"]);
const BOOL_FALSE = new Set(["off", "no", "false", "n"]);

function splitOpts(text: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === ",") {
      if (text[i + 1] === ",") {
        cur += ",";
        i++;
        continue;
      }
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** get_str_sep: the text before `sep` and the rest, or undefined if there is no `sep`. */
function splitAt(text: string, sep: string): [string, string] | undefined {
  const i = text.indexOf(sep);
  return i < 0 ? undefined : [text.slice(0, i), text.slice(i + 1)];
}

/** qemu_strtoi with base 0 (decimal, 0x hex, 0 octal); undefined unless the whole text is a number. */
function strtoi(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  if (/^[+-]?0[0-7]*$/.test(t)) return parseInt(t, 8);
  if (/^[+-]?[1-9][0-9]*$/.test(t)) return parseInt(t, 10);
  return undefined;
}

/**
 * Parses one -netdev argument. `existingIds` are the netdev ids already defined (for QEMU's
 * "Duplicate ID" error).
 */
export function parseNetdevOption(text: string, existingIds: ReadonlySet<string> = new Set()): NetdevConfig {
  const entries: [string, string][] = [];
  let id: string | undefined;
  splitOpts(text).forEach((part, index) => {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (index === 0) {
        entries.push(["type", part]);
      } else if (part !== "") {
        // Short-form booleans ("restrict", "norestrict").
        entries.push(part.startsWith("no") ? [part.slice(2), "off"] : [part, "on"]);
      }
      return;
    }
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === "id") {
      id = value;
    } else {
      entries.push([key, value]);
    }
  });
  if (id !== undefined && !ID_RE.test(id)) {
    throw new NetdevOptionError("Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter.");
  }
  if (id !== undefined && existingIds.has(id)) {
    throw new NetdevOptionError(`Duplicate ID '${id}' for netdev`);
  }
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const type = entries.find(([k]) => k === "type")?.[1];
  if (type === undefined) {
    throw new NetdevOptionError("Parameter 'type' is missing");
  }
  if (!NETDEV_TYPES.has(type)) {
    throw new NetdevOptionError(`Parameter 'type' does not accept value '${type}'`);
  }
  if (id === undefined) {
    throw new NetdevOptionError("Parameter 'id' is missing");
  }
  const keys = type === "user" ? USER_KEYS : type === "socket" ? SOCKET_KEYS : undefined;
  if (keys === undefined) {
    throw new NetdevOptionError(`-netdev ${type} is not supported by virtkit (user and socket are)`);
  }
  for (const [k, v] of entries) {
    if (k === "type") continue;
    const kind = keys[k];
    if (kind === undefined) {
      throw new NetdevOptionError(`Invalid parameter '${k}'`);
    }
    if (kind === "bool" && !BOOL_TRUE.has(v) && !BOOL_FALSE.has(v)) {
      throw new NetdevOptionError(`Parameter '${k}' expects 'on' or 'off'`);
    }
    if (kind === "number" && strtoi(v) === undefined) {
      throw new NetdevOptionError(`Parameter '${k}' expects a number`);
    }
    if (kind === "list") {
      lists.set(k, [...(lists.get(k) ?? []), v]);
    }
    values.set(k, v);
  }
  if (type === "socket") {
    return { id, type: "socket", mode: parseSocket(values) };
  }
  return { id, type: "user", user: parseUser(values, lists) };
}

/** parse_host_port (net/util.c). */
function parseHostPort(text: string): SocketNetAddress {
  const sp = splitAt(text, ":");
  if (sp === undefined) {
    throw new NetdevOptionError(`host address '${text}' doesn't contain ':' separating host from port`);
  }
  const [host, portText] = sp;
  if (host !== "" && /^[0-9]/.test(host) && inetAton(host) === undefined) {
    throw new NetdevOptionError(`host address '${host}' is not a valid IPv4 address`);
  }
  // strtol(p, &r, 0): a numeric prefix is enough; none is an error. The port is taken mod 2^16 (htons).
  const m = /^\s*[+-]?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)/i.exec(portText);
  if (m === null) {
    throw new NetdevOptionError(`port number '${portText}' is invalid`);
  }
  const port = strtoi(m[0]) ?? 0;
  const numeric = host !== "" && /^[0-9]/.test(host) ? ipToString(inetAton(host)!) : host;
  return { host: numeric, port: ((port % 65536) + 65536) % 65536 };
}

function parseSocket(values: Map<string, string>): SocketNetMode {
  const set = ["fd", "listen", "connect", "mcast", "udp"].filter((k) => values.has(k));
  if (set.length !== 1) {
    throw new NetdevOptionError("exactly one of listen=, connect=, mcast= or udp= is required");
  }
  if (values.has("localaddr") && !values.has("mcast") && !values.has("udp")) {
    throw new NetdevOptionError("localaddr= is only valid with mcast= or udp=");
  }
  const which = set[0]!;
  const v = values.get(which)!;
  switch (which) {
    case "fd":
      throw new NetdevOptionError("-netdev socket,fd= is not supported by virtkit (no inherited descriptors)");
    case "listen":
      return { kind: "listen", addr: parseHostPort(v) };
    case "connect":
      return { kind: "connect", addr: parseHostPort(v) };
    case "mcast":
      parseHostPort(v);
      throw new NetdevOptionError("-netdev socket,mcast= is not supported by virtkit");
    default: {
      const local = values.get("localaddr");
      if (local === undefined) {
        throw new NetdevOptionError("localaddr= is mandatory with udp=");
      }
      const addr = parseHostPort(v);
      return { kind: "udp", addr, local: parseHostPort(local) };
    }
  }
}

/** The network/mask part of net_init_slirp (QEMU 7.2 net/slirp.c). */
function parseNetwork(text: string): { net: number; mask: number } {
  const sp = splitAt(text, "/");
  let net: number | undefined;
  let mask: number;
  if (sp === undefined) {
    net = inetAton(text);
    if (net === undefined) throw new NetdevOptionError("Failed to parse netmask");
    // Classful default masks, as QEMU guesses them.
    if (!(net & 0x80000000)) mask = 0xff000000;
    else if ((net & 0xfff00000) >>> 0 === 0xac100000) mask = 0xfff00000;
    else if ((net & 0xc0000000) >>> 0 === 0x80000000) mask = 0xffff0000;
    else if ((net & 0xffff0000) >>> 0 === 0xc0a80000) mask = 0xffff0000;
    else if ((net & 0xffff0000) >>> 0 === 0xc6120000) mask = 0xfffe0000;
    else if ((net & 0xe0000000) >>> 0 === 0xe0000000) mask = 0xffffff00;
    else mask = 0xfffffff0;
  } else {
    net = inetAton(sp[0]);
    if (net === undefined) throw new NetdevOptionError("Failed to parse netmask");
    if (/^[0-9]+$/.test(sp[1])) {
      const shift = parseInt(sp[1], 10);
      if (shift < 4 || shift > 32) throw new NetdevOptionError("Invalid netmask provided (must be in range 4-32)");
      mask = shift === 32 ? 0xffffffff : (0xffffffff << (32 - shift)) >>> 0;
    } else {
      const m = inetAton(sp[1]);
      if (m === undefined) throw new NetdevOptionError("Failed to parse netmask");
      mask = m;
    }
  }
  return { net: (net & mask) >>> 0, mask: mask >>> 0 };
}

function parseUser(values: Map<string, string>, lists: Map<string, string[]>): UserNetConfig {
  const bool = (k: string, d: boolean): boolean => {
    const v = values.get(k);
    return v === undefined ? d : BOOL_TRUE.has(v);
  };
  const ipv4 = bool("ipv4", true);
  const ipv6 = bool("ipv6", true);
  if (!ipv4 && !ipv6) {
    throw new NetdevOptionError("IPv4 and IPv6 disabled");
  }
  for (const k of USER_UNSUPPORTED) {
    if (values.has(k)) throw new NetdevOptionError(`-netdev user,${k}= is not supported by virtkit`);
  }
  if (!ipv4) {
    throw new NetdevOptionError("-netdev user,ipv4=off is not supported by virtkit (its user network is IPv4 only)");
  }
  let { net, netmask } = { net: USER_NET_DEFAULTS.net, netmask: USER_NET_DEFAULTS.netmask };
  const netText = values.get("net") ?? values.get("ip");
  if (netText !== undefined) {
    const n = parseNetwork(netText);
    net = n.net;
    netmask = n.mask;
  }
  const inNet = (a: number): boolean => ((a & netmask) >>> 0) === net;
  const hostPart = (x: number): number => (net | (x & ~netmask)) >>> 0;
  let host = hostPart(0x0202);
  let dhcpStart = hostPart(0x020f);
  let dns = hostPart(0x0203);
  const hostText = values.get("host");
  if (hostText !== undefined) {
    const h = inetAton(hostText);
    if (h === undefined) throw new NetdevOptionError("Failed to parse host");
    if (!inNet(h)) throw new NetdevOptionError("Host doesn't belong to network");
    host = h;
  }
  const dnsText = values.get("dns");
  if (dnsText !== undefined) {
    const d = inetAton(dnsText);
    if (d === undefined) throw new NetdevOptionError("Failed to parse DNS");
    if (!inNet(d)) throw new NetdevOptionError("DNS doesn't belong to network");
    if (d === host) throw new NetdevOptionError("DNS must be different from host");
    dns = d;
  }
  const dhcpText = values.get("dhcpstart");
  if (dhcpText !== undefined) {
    const d = inetAton(dhcpText);
    if (d === undefined) throw new NetdevOptionError("Failed to parse DHCP start address");
    if (!inNet(d)) throw new NetdevOptionError("DHCP doesn't belong to network");
    if (d === host || d === dns) throw new NetdevOptionError("DHCP must be different from host and DNS");
    dhcpStart = d;
  }
  const hostfwd = (lists.get("hostfwd") ?? []).map(parseHostForward);
  const hostname = values.get("hostname");
  const domainname = values.get("domainname");
  const bootfile = values.get("bootfile");
  return {
    net,
    netmask,
    host,
    dns,
    dhcpStart,
    restrict: bool("restrict", false),
    hostfwd,
    ...(hostname !== undefined ? { hostname } : {}),
    ...(domainname !== undefined ? { domainname } : {}),
    ...(bootfile !== undefined ? { bootfile } : {}),
  };
}

/** slirp_hostfwd: "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport". */
export function parseHostForward(rule: string): HostForward {
  const fail = (reason: string): never => {
    throw new NetdevOptionError(`Invalid host forwarding rule '${rule}' (${reason})`);
  };
  let p = rule;
  const proto = splitAt(p, ":") ?? fail("No : separators");
  let udp = false;
  if (proto[0] === "udp") udp = true;
  else if (proto[0] !== "tcp" && proto[0] !== "") fail("Bad protocol name");
  p = proto[1];
  const haddr = splitAt(p, ":") ?? fail("Missing : separator");
  let hostAddr = "";
  if (haddr[0] !== "") {
    const a = inetAton(haddr[0]);
    if (a === undefined) fail("Bad host address");
    hostAddr = ipToString(a!);
  }
  p = haddr[1];
  const hport = splitAt(p, "-") ?? fail("Bad host port separator");
  const hostPort = strtoi(hport[0]);
  if (hostPort === undefined || hostPort < 0 || hostPort > 65535) fail("Bad host port");
  p = hport[1];
  const gaddr = splitAt(p, ":") ?? fail("Missing guest address");
  let guestAddr = 0;
  if (gaddr[0] !== "") {
    const a = inetAton(gaddr[0]);
    if (a === undefined) fail("Bad guest address");
    guestAddr = a!;
  }
  const guestPort = strtoi(gaddr[1]);
  if (guestPort === undefined || guestPort < 1 || guestPort > 65535) fail("Bad guest port");
  return { rule, udp, hostAddr, hostPort: hostPort!, guestAddr, guestPort: guestPort! };
}
