// Virtual network XML: libvirt 9.0's src/conf/network_conf.c (virNetworkDefParseXML,
// virNetworkDefFormatBuf). Errors are VIR_FROM_NETWORK unless raised by a shared helper.
//
// Modelled: name, uuid, ipv6, trustGuestRxFilters, metadata, forward (mode, dev, managed, driver,
// nat address/port/ipv6, interface, pf), bridge (name, zone, stp, delay, macTableManager), mtu,
// mac, domain, dns (enable, forwardPlainNames, forwarder, host, srv, txt), port isolated, ip
// (family, address, netmask, prefix, localPtr, tftp, dhcp range/host/bootp with leases).
// Refused (VIR_ERR_CONFIG_UNSUPPORTED): bandwidth, vlan, virtualport, portgroup, route, forward
// <address> (hostdev PCI pools) and the driver-specific namespaces.
import { childElements, copyElement, dumpNode, firstChild, sanitizeNamespaces, textContent, XmlBuffer, type XmlElement } from "../util/xml.js";
import {
  confError,
  parseConfXml,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_NO_NAME,
  VIR_ERR_XML_DETAIL,
  VIR_ERR_XML_ERROR,
  VIR_ERR_XML_INVALID_SCHEMA,
  VIR_FROM_NETWORK,
  VIR_FROM_XML,
} from "./conf-error.js";
import { checkIllegalChars } from "./domain-hooks-test.js";
import { generateUUID, isMulticastMac, parseMacAddr, parseUUID } from "./identifiers.js";
import {
  formatSocketAddr,
  ipPrefix,
  parseSocketAddr,
  socketAddrGetRange,
  tryParseSocketAddr,
  type SocketAddr,
} from "./socket-addr.js";
import { attrString, elementString } from "./units.js";
import { propEnum, propString, propTristateBool, propUInt, propULongLong, VIR_XML_PROP_NONE, type TristateBool } from "./virxml-props.js";
import { virStrToLongUi, virStrToLongUllp } from "./virstring.js";

/** virNetworkXMLFlags */
export const VIR_NETWORK_XML_INACTIVE = 1 << 0;
/** virNetworkDefineFlags */
export const VIR_NETWORK_DEFINE_VALIDATE = 1 << 0;

export const VIR_NETWORK_FORWARD = ["none", "nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev"] as const;
export type NetworkForwardType = (typeof VIR_NETWORK_FORWARD)[number];
export const VIR_NETWORK_BRIDGE_MAC_TABLE_MANAGER = ["default", "kernel", "libvirt"] as const;
export const VIR_NETWORK_FORWARD_DRIVER_NAME = ["default", "kvm", "vfio"] as const;
export const VIR_NETWORK_DHCP_LEASETIME_UNIT = ["seconds", "minutes", "hours"] as const;
export type NetworkDHCPLeaseUnit = (typeof VIR_NETWORK_DHCP_LEASETIME_UNIT)[number];

export interface NetworkDHCPLease {
  /** 0 is "infinite" */
  expiry: bigint;
  unit: NetworkDHCPLeaseUnit;
}

export interface NetworkDHCPRange {
  start: SocketAddr;
  end: SocketAddr;
  lease: NetworkDHCPLease | null;
}

export interface NetworkDHCPHost {
  /** as written (libvirt keeps the string) */
  mac: string | null;
  id: string | null;
  name: string | null;
  ip: SocketAddr | null;
  lease: NetworkDHCPLease | null;
}

export interface NetworkIPDef {
  /** "ipv4" | "ipv6" as written, or null */
  family: string | null;
  address: SocketAddr;
  netmask: SocketAddr | null;
  /** 0 when not given */
  prefix: number;
  localPTR: TristateBool;
  tftproot: string | null;
  ranges: NetworkDHCPRange[];
  hosts: NetworkDHCPHost[];
  bootfile: string | null;
  bootserver: SocketAddr | null;
}

export interface NetworkForwardIf {
  dev: string;
  /** live only: guest interfaces using it */
  connections: number;
}

export interface NetworkForwardDef {
  type: NetworkForwardType;
  managed: boolean;
  driverName: "kvm" | "vfio" | null;
  ifs: NetworkForwardIf[];
  /** at most one physical function */
  pfs: string[];
  natAddrStart: SocketAddr | null;
  natAddrEnd: SocketAddr | null;
  natPortStart: number;
  natPortEnd: number;
  natIPv6: TristateBool;
}

export interface NetworkDNSHost {
  ip: SocketAddr | null;
  names: string[];
}

export interface NetworkDNSSrv {
  service: string | null;
  protocol: string | null;
  domain: string | null;
  target: string | null;
  port: number;
  priority: number;
  weight: number;
}

export interface NetworkDNSDef {
  enable: TristateBool;
  forwardPlainNames: TristateBool;
  forwarders: { addr: SocketAddr | null; domain: string | null }[];
  hosts: NetworkDNSHost[];
  srvs: NetworkDNSSrv[];
  txts: { name: string; value: string | null }[];
}

export interface NetworkDef {
  name: string;
  uuid: string;
  uuidSpecified: boolean;
  /** ipv6='yes' */
  ipv6nogw: boolean;
  trustGuestRxFilters: TristateBool;
  domain: string | null;
  domainLocalOnly: TristateBool;
  isolatedPort: TristateBool;
  bridge: string | null;
  bridgeZone: string | null;
  stp: boolean;
  delay: bigint;
  macTableManager: "kernel" | "libvirt" | null;
  /** bridge MAC, canonical form */
  mac: string | null;
  mtu: number;
  dns: NetworkDNSDef;
  ips: NetworkIPDef[];
  forward: NetworkForwardDef;
  metadata: XmlElement | null;
  /** live only: guest interfaces connected */
  connections: number;
}

function netError(code: number, msg: string | null): never {
  throw confError(code, msg, VIR_FROM_NETWORK);
}

const UNMODELLED = ["bandwidth", "vlan", "virtualport", "portgroup", "route"];

function parseLease(node: XmlElement): NetworkDHCPLease | null {
  const expiry = propULongLong(node, "expiry", VIR_XML_PROP_NONE, 0);
  if (expiry === null) return null;
  const unit = propEnum(node, "unit", VIR_NETWORK_DHCP_LEASETIME_UNIT) ?? "minutes";
  if (expiry > 0n && ((unit === "seconds" && expiry < 120n) || (unit === "minutes" && expiry < 2n))) {
    netError(VIR_ERR_CONFIG_UNSUPPORTED, "The minimum lease time should be greater than 2 minutes");
  }
  return { expiry, unit };
}

function parseChildLease(node: XmlElement): NetworkDHCPLease | null {
  let lease: NetworkDHCPLease | null = null;
  for (const c of childElements(node)) if (c.local === "lease") lease = parseLease(c) ?? lease;
  return lease;
}

function ipDefPrefix(ip: NetworkIPDef): number {
  return ipPrefix(ip.address, ip.netmask, ip.prefix);
}

function parseDHCP(networkName: string, node: XmlElement, ip: NetworkIPDef): void {
  for (const cur of childElements(node)) {
    if (cur.local === "range") {
      const start = propString(cur, "start");
      if (start === null) netError(VIR_ERR_XML_ERROR, `Missing 'start' attribute in dhcp range for network '${networkName}'`);
      const startAddr = parseSocketAddr(start);
      const end = propString(cur, "end");
      if (end === null) netError(VIR_ERR_XML_ERROR, `Missing 'end' attribute in dhcp range for network '${networkName}'`);
      const endAddr = parseSocketAddr(end);
      socketAddrGetRange(startAddr, endAddr, ip.address, ipDefPrefix(ip));
      ip.ranges.push({ start: startAddr, end: endAddr, lease: parseChildLease(cur) });
    } else if (cur.local === "host") {
      ip.hosts.push(parseDHCPHost(networkName, ip, cur));
    } else if (ip.address.family === "ipv4" && cur.local === "bootp") {
      const file = propString(cur, "file");
      if (file === null) continue;
      const server = propString(cur, "server");
      ip.bootserver = server !== null ? parseSocketAddr(server) : null;
      ip.bootfile = file;
    }
  }
}

function parseDHCPHost(networkName: string, ip: NetworkIPDef, node: XmlElement): NetworkDHCPHost {
  const mac = propString(node, "mac");
  if (mac !== null) {
    if (ip.address.family === "ipv6") {
      netError(VIR_ERR_XML_ERROR, `Invalid to specify MAC address '${mac}' in network '${networkName}' IPv6 static host definition`);
    }
    const parsed = parseMacAddr(mac);
    if (parsed === null) netError(VIR_ERR_XML_ERROR, `Cannot parse MAC address '${mac}' in network '${networkName}'`);
    if (isMulticastMac(parsed)) netError(VIR_ERR_XML_ERROR, `expected unicast mac address, found multicast '${mac}' in network '${networkName}'`);
  }
  const id = propString(node, "id");
  if (id !== null) {
    const bad = /[^0-9a-fA-F:]/.exec(id)?.[0];
    if (bad !== undefined) netError(VIR_ERR_XML_ERROR, `Invalid character '${bad}' in id '${id}' of network '${networkName}'`);
  }
  const name = propString(node, "name");
  if (name !== null && !/^[A-Za-z0-9]/.test(name)) netError(VIR_ERR_XML_ERROR, `Cannot use host name '${name}' in network '${networkName}'`);
  const ipStr = propString(node, "ip");
  let addr: SocketAddr | null = null;
  if (ipStr !== null) {
    addr = tryParseSocketAddr(ipStr);
    if (!addr) netError(VIR_ERR_XML_ERROR, `Invalid IP address in static host definition for network '${networkName}'`);
  }
  if (ip.address.family === "ipv6") {
    if (id === null && name === null) {
      netError(VIR_ERR_XML_ERROR, `Static host definition in IPv6 network '${networkName}' must have id or name attribute`);
    }
  } else if (mac === null && name === null) {
    netError(VIR_ERR_XML_ERROR, `Static host definition in IPv4 network '${networkName}' must have mac or name attribute`);
  }
  if (ipStr === null) netError(VIR_ERR_XML_ERROR, `Missing IP address in static host definition for network '${networkName}'`);
  return { mac, id, name, ip: addr, lease: parseChildLease(node) };
}

function parseIP(networkName: string, node: XmlElement): NetworkIPDef {
  const family = attrString(node, "family");
  const address = attrString(node, "address");
  if (address === null) netError(VIR_ERR_XML_ERROR, `Missing required address attribute in network '${networkName}'`);
  const addr = tryParseSocketAddr(address);
  if (!addr) netError(VIR_ERR_XML_ERROR, `Invalid address '${address}' in network '${networkName}'`);
  const netmaskStr = attrString(node, "netmask");
  let netmask: SocketAddr | null = null;
  if (netmaskStr !== null) {
    netmask = tryParseSocketAddr(netmaskStr);
    if (!netmask) netError(VIR_ERR_XML_ERROR, `Invalid netmask '${netmaskStr}' in network '${networkName}'`);
  }
  const prefix = propUInt(node, "prefix") ?? 0;
  const localPTR = propTristateBool(node, "localPtr");
  if (family === null || family === "ipv4") {
    if (addr.family !== "ipv4") {
      netError(VIR_ERR_CONFIG_UNSUPPORTED, `${family === null ? "no" : "ipv4"} family specified for non-IPv4 address '${address}' in network '${networkName}'`);
    }
    if (netmask) {
      if (netmask.family !== "ipv4") {
        netError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid netmask '${netmaskStr}' for address '${address}' in network '${networkName}' (both must be IPv4)`);
      }
      if (prefix > 0) netError(VIR_ERR_CONFIG_UNSUPPORTED, `Network '${networkName}' IP address cannot have both a prefix and a netmask`);
    } else if (prefix > 32) {
      netError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid IPv4 prefix '${prefix}' in network '${networkName}'`);
    }
  } else if (family === "ipv6") {
    if (addr.family !== "ipv6") netError(VIR_ERR_CONFIG_UNSUPPORTED, `Family 'ipv6' specified for non-IPv6 address '${address}' in network '${networkName}'`);
    if (netmask) netError(VIR_ERR_CONFIG_UNSUPPORTED, `netmask not allowed for IPv6 address '${address}' in network '${networkName}'`);
    if (prefix > 128) netError(VIR_ERR_CONFIG_UNSUPPORTED, `Invalid IPv6 prefix '${prefix}' in network '${networkName}'`);
  } else {
    netError(VIR_ERR_XML_ERROR, `Unrecognized family '${family}' in network '${networkName}'`);
  }
  const ip: NetworkIPDef = {
    family,
    address: addr,
    netmask,
    prefix,
    localPTR,
    tftproot: null,
    ranges: [],
    hosts: [],
    bootfile: null,
    bootserver: null,
  };
  const dhcp = firstChild(node, "dhcp");
  if (dhcp) parseDHCP(networkName, dhcp, ip);
  if (firstChild(node, "tftp")) {
    if (addr.family !== "ipv4") netError(VIR_ERR_CONFIG_UNSUPPORTED, `Unsupported <tftp> element in an IPv6 element in network '${networkName}'`);
    ip.tftproot = attrString(firstChild(node, "tftp"), "root");
  }
  return ip;
}

const PROTOCOL_CHARS = /^[A-Za-z0-9+/-]*$/;
const SERVICE_CHARS = /^[A-Za-z0-9_+/*-]*$/;
const DNS_RECORD_LENGTH_SRV = 512 - 30;

/** virXPathUInt: null when absent or empty, "bad" when not an unsigned int */
function xpathUInt(node: XmlElement, name: string): number | "bad" | null {
  const v = attrString(node, name);
  if (v === null) return null;
  return virStrToLongUi(v) ?? "bad";
}

function parseDNS(networkName: string, node: XmlElement): NetworkDNSDef {
  const dns: NetworkDNSDef = {
    enable: propTristateBool(node, "enable"),
    forwardPlainNames: propTristateBool(node, "forwardPlainNames"),
    forwarders: [],
    hosts: [],
    srvs: [],
    txts: [],
  };
  const detail = (m: string): never => netError(VIR_ERR_XML_DETAIL, m);
  for (const f of childElements(node, "forwarder")) {
    const addrStr = propString(f, "addr");
    let addr: SocketAddr | null = null;
    if (addrStr !== null) {
      addr = tryParseSocketAddr(addrStr);
      if (!addr) netError(VIR_ERR_XML_ERROR, `Invalid forwarder IP address '${addrStr}' in network '${networkName}'`);
    }
    const domain = propString(f, "domain");
    if (addrStr === null && domain === null) netError(VIR_ERR_XML_ERROR, "Invalid forwarder element, must contain at least one of addr or domain");
    dns.forwarders.push({ addr, domain });
  }
  for (const h of childElements(node, "host")) {
    const ipStr = propString(h, "ip");
    if (ipStr === null) detail(`Missing IP address in network '${networkName}' DNS HOST record`);
    const ip = tryParseSocketAddr(ipStr!);
    if (!ip) detail(`Invalid IP address in network '${networkName}' DNS HOST record`);
    const names: string[] = [];
    for (const hn of childElements(h, "hostname")) {
      if (hn.children.length === 0) continue;
      const name = textContent(hn);
      if (name === "") detail(`Missing hostname in network '${networkName}' DNS HOST record`);
      names.push(name);
    }
    if (names.length === 0) detail(`Missing hostname in network '${networkName}' DNS HOST record`);
    dns.hosts.push({ ip, names });
  }
  for (const s of childElements(node, "srv")) {
    const service = propString(s, "service");
    if (service === null) detail(`missing required service attribute in DNS SRV record of network '${networkName}'`);
    if (Buffer.byteLength(service!) > DNS_RECORD_LENGTH_SRV) {
      detail(`service attribute '${service}' in network '${networkName}' is too long, limit is ${DNS_RECORD_LENGTH_SRV} bytes`);
    }
    if (!SERVICE_CHARS.test(service!)) detail(`invalid character in service attribute '${service}' in DNS SRV record of network '${networkName}'`);
    const protocol = propString(s, "protocol");
    if (protocol === null) detail(`missing required protocol attribute in DNS SRV record '${service}' of network '${networkName}'`);
    if (!PROTOCOL_CHARS.test(protocol!)) detail(`invalid character in protocol attribute '${protocol}' in DNS SRV record of network '${networkName}'`);
    const srv: NetworkDNSSrv = { service, protocol, domain: propString(s, "domain"), target: propString(s, "target"), port: 0, priority: 0, weight: 0 };
    const num = (attrName: "port" | "priority" | "weight", min: number, invalid: string): void => {
      const r = xpathUInt(s, attrName);
      if (r !== null && r !== "bad" && srv.target === null) {
        detail(`DNS SRV ${attrName} attribute not permitted without target for service '${service}' in network '${networkName}'`);
      }
      if (r === "bad" || (r !== null && (r < min || r > 65535))) {
        detail(`${invalid} DNS SRV ${attrName} attribute for service '${service}' in network '${networkName}'`);
      }
      if (r !== null) srv[attrName] = r as number;
    };
    num("port", 1, "invalid");
    num("priority", 0, "Invalid");
    num("weight", 0, "invalid");
    dns.srvs.push(srv);
  }
  for (const t of childElements(node, "txt")) {
    const name = propString(t, "name");
    if (name === null) detail(`missing required name attribute in DNS TXT record of network ${networkName}`);
    if (/[ ,]/.test(name!)) detail(`prohibited character in DNS TXT record name '${name}' of network ${networkName}`);
    const value = propString(t, "value");
    if (value === null) detail(`missing required value attribute in DNS TXT record named '${name}' of network ${networkName}`);
    dns.txts.push({ name: name!, value });
  }
  if (dns.enable === "no" && (dns.forwarders.length || dns.hosts.length || dns.srvs.length || dns.txts.length)) {
    netError(VIR_ERR_XML_ERROR, `Extra data in disabled network '${networkName}'`);
  }
  return dns;
}

function newForward(): NetworkForwardDef {
  return {
    type: "none",
    managed: false,
    driverName: null,
    ifs: [],
    pfs: [],
    natAddrStart: null,
    natAddrEnd: null,
    natPortStart: 0,
    natPortEnd: 0,
    natIPv6: null,
  };
}

function parseNat(networkName: string, node: XmlElement, fwd: NetworkForwardDef): void {
  if (fwd.type !== "nat") netError(VIR_ERR_XML_ERROR, `The <nat> element can only be used when <forward> 'mode' is 'nat' in network ${networkName}`);
  fwd.natIPv6 = propTristateBool(node, "ipv6");
  const addrs = childElements(node, "address");
  if (addrs.length > 1) netError(VIR_ERR_XML_ERROR, `Only one <address> element is allowed in <nat> in <forward> in network ${networkName}`);
  let start: string | null = null;
  let end: string | null = null;
  if (addrs[0]) {
    start = propString(addrs[0], "start");
    if (start === null) netError(VIR_ERR_XML_ERROR, `missing 'start' attribute in <address> element in <nat> in <forward> in network ${networkName}`);
    end = propString(addrs[0], "end");
    if (end === null) netError(VIR_ERR_XML_ERROR, `missing 'end' attribute in <address> element in <nat> in <forward> in network ${networkName}`);
  }
  const v4 = (s: string, what: string): SocketAddr => {
    const a = tryParseSocketAddr(s);
    if (a?.family !== "ipv4") netError(VIR_ERR_XML_ERROR, `Bad ipv4 ${what} address '${s}' in <nat> in <forward> in network '${networkName}'`);
    return a;
  };
  if (start !== null) fwd.natAddrStart = v4(start, "start");
  if (end !== null) fwd.natAddrEnd = v4(end, "end");
  if (fwd.natAddrStart && fwd.natAddrEnd) socketAddrGetRange(fwd.natAddrStart, fwd.natAddrEnd, null, 0);
  const ports = childElements(node, "port");
  if (ports.length > 1) netError(VIR_ERR_XML_ERROR, `Only one <port> element is allowed in <nat> in <forward> in network ${networkName}`);
  if (ports[0]) {
    const s = xpathUInt(ports[0], "start");
    if (s === null || s === "bad" || s > 65535) {
      netError(VIR_ERR_XML_DETAIL, `Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network ${networkName}`);
    }
    fwd.natPortStart = s;
    const e = xpathUInt(ports[0], "end");
    if (e === null || e === "bad" || e > 65535 || e < s) {
      netError(VIR_ERR_XML_DETAIL, `Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network ${networkName}`);
    }
    fwd.natPortEnd = e;
  }
}

function parseForward(networkName: string, node: XmlElement): NetworkForwardDef {
  const fwd = newForward();
  const mode = attrString(node, "mode");
  if (mode === null) fwd.type = "nat";
  else {
    if (!VIR_NETWORK_FORWARD.includes(mode as never)) netError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown forwarding type '${mode}'`);
    fwd.type = mode as NetworkForwardType;
  }
  const managed = attrString(node, "managed");
  if (managed !== null && managed.toLowerCase() === "yes") fwd.managed = true;
  const driverName = attrString(firstChild(node, "driver"), "name");
  if (driverName !== null) {
    const i = VIR_NETWORK_FORWARD_DRIVER_NAME.indexOf(driverName as never);
    if (i <= 0) netError(VIR_ERR_CONFIG_UNSUPPORTED, `Unknown forward <driver name='${driverName}'/> in network ${networkName}`);
    fwd.driverName = driverName as "kvm" | "vfio";
  }
  const ifNodes = childElements(node, "interface");
  const addrNodes = childElements(node, "address");
  const pfNodes = childElements(node, "pf");
  const natNodes = childElements(node, "nat");
  if (natNodes.length > 1) netError(VIR_ERR_XML_ERROR, `Only one <nat> element is allowed in <forward> of network ${networkName}`);
  if (natNodes[0]) parseNat(networkName, natNodes[0], fwd);
  const dev = attrString(node, "dev");
  if (dev !== null && (addrNodes.length > 0 || pfNodes.length > 0)) {
    // libvirt's format string has a %s it never fills; the message keeps it literally
    netError(VIR_ERR_XML_ERROR, "the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network %s");
  }
  if (ifNodes.length > 0 || dev !== null) {
    if (dev !== null) fwd.ifs.push({ dev, connections: 0 });
    ifNodes.forEach((n, i) => {
      const d = propString(n, "dev");
      if (d === null) netError(VIR_ERR_XML_ERROR, `Missing required dev attribute in <forward> <interface> element of network ${networkName}`);
      if (i === 0 && dev !== null) {
        if (d !== dev) netError(VIR_ERR_XML_ERROR, `<forward dev='${dev}'> must match first <interface dev='${d}'/> in network ${networkName}`);
        return;
      }
      // libvirt compares with the slots before i (with forward dev, slot 0 is that dev)
      for (let j = 0; j < i && j < fwd.ifs.length; j++) {
        if (fwd.ifs[j]!.dev === d) netError(VIR_ERR_XML_ERROR, `interface '${d}' can only be listed once in network ${networkName}`);
      }
      fwd.ifs.push({ dev: d, connections: 0 });
    });
  } else if (addrNodes.length > 0) {
    netError(VIR_ERR_CONFIG_UNSUPPORTED, "element <address> in <forward> is not supported by virtkit");
  } else if (pfNodes.length > 1) {
    netError(VIR_ERR_XML_ERROR, `Only one <pf> element is allowed in <forward> of network ${networkName}`);
  } else if (pfNodes[0]) {
    const d = propString(pfNodes[0], "dev");
    if (d === null) netError(VIR_ERR_XML_ERROR, `Missing required dev attribute in <pf> element of network '${networkName}'`);
    fwd.pfs.push(d);
  }
  return fwd;
}

/** virNetworkDefParseXML on the <network> root element */
export function parseNetworkElement(root: XmlElement): NetworkDef {
  const name = elementString(firstChild(root, "name"));
  if (name === null) netError(VIR_ERR_NO_NAME, null);
  checkIllegalChars("name", name, "/");
  const uuidStr = elementString(firstChild(root, "uuid"));
  let uuid: string;
  if (uuidStr === null) uuid = generateUUID();
  else {
    const u = parseUUID(uuidStr);
    if (u === null) netError(VIR_ERR_INTERNAL_ERROR, "malformed uuid element");
    uuid = u;
  }
  const def: NetworkDef = {
    name,
    uuid,
    uuidSpecified: uuidStr !== null,
    ipv6nogw: false,
    trustGuestRxFilters: null,
    domain: null,
    domainLocalOnly: null,
    isolatedPort: null,
    bridge: null,
    bridgeZone: null,
    stp: true,
    delay: 0n,
    macTableManager: null,
    mac: null,
    mtu: 0,
    dns: { enable: null, forwardPlainNames: null, forwarders: [], hosts: [], srvs: [], txts: [] },
    ips: [],
    forward: newForward(),
    metadata: null,
    connections: 0,
  };
  const ipv6 = attrString(root, "ipv6");
  if (ipv6 !== null) {
    if (ipv6 !== "yes" && ipv6 !== "no") netError(VIR_ERR_XML_ERROR, `Invalid ipv6 setting '${ipv6}' in network '${name}'`);
    def.ipv6nogw = ipv6 === "yes";
  }
  def.trustGuestRxFilters = propTristateBool(root, "trustGuestRxFilters");
  const domainNode = firstChild(root, "domain");
  if (domainNode) {
    def.domain = propString(domainNode, "name");
    def.domainLocalOnly = propTristateBool(domainNode, "localOnly");
  }
  for (const c of childElements(root)) {
    if (c.ns === null && UNMODELLED.includes(c.local)) {
      netError(VIR_ERR_CONFIG_UNSUPPORTED, `element <${c.local}> in <network> is not supported by virtkit`);
    }
  }
  const port = firstChild(root, "port");
  if (port) def.isolatedPort = propTristateBool(port, "isolated");

  const bridge = firstChild(root, "bridge");
  def.bridge = attrString(bridge, "name");
  def.bridgeZone = attrString(bridge, "zone");
  const stp = attrString(bridge, "stp");
  def.stp = stp !== "off";
  const delay = attrString(bridge, "delay");
  if (delay !== null) {
    const d = virStrToLongUllp(delay);
    if (d === null) netError(VIR_ERR_XML_ERROR, `Invalid delay value in network '${name}'`);
    def.delay = d;
  }
  const mtm = attrString(bridge, "macTableManager");
  if (mtm !== null) {
    const i = VIR_NETWORK_BRIDGE_MAC_TABLE_MANAGER.indexOf(mtm as never);
    if (i <= 0) netError(VIR_ERR_XML_ERROR, `Invalid macTableManager setting '${mtm}' in network '${name}'`);
    def.macTableManager = mtm as "kernel" | "libvirt";
  }
  const macStr = attrString(firstChild(root, "mac"), "address");
  if (macStr !== null) {
    const mac = parseMacAddr(macStr);
    if (mac === null) netError(VIR_ERR_XML_ERROR, `Invalid bridge mac address '${macStr}' in network '${name}'`);
    if (isMulticastMac(mac)) netError(VIR_ERR_XML_ERROR, `Invalid multicast bridge mac address '${macStr}' in network '${name}'`);
    def.mac = mac;
  }
  const mtu = attrString(firstChild(root, "mtu"), "size");
  if (mtu !== null) {
    const m = virStrToLongUi(mtu);
    if (m === null) netError(VIR_ERR_XML_ERROR, `Invalid mtu size '${mtu}' in network '${name}'`);
    def.mtu = m;
  }
  const dns = firstChild(root, "dns");
  if (dns) def.dns = parseDNS(name, dns);
  for (const ip of childElements(root, "ip")) def.ips.push(parseIP(name, ip));
  const forward = firstChild(root, "forward");
  if (forward) def.forward = parseForward(name, forward);

  const fwd = def.forward;
  switch (fwd.type) {
    case "none":
      break;
    case "route":
    case "nat":
    case "open":
      if (def.ips.length === 0) netError(VIR_ERR_XML_ERROR, `${fwd.type} forwarding requested, but no IP address provided for network '${name}'`);
      if (fwd.ifs.length > 1) netError(VIR_ERR_XML_ERROR, `multiple forwarding interfaces specified for network '${name}', only one is supported`);
      if (fwd.type === "open" && fwd.ifs.length) netError(VIR_ERR_XML_ERROR, `forward dev not allowed for network '${name}' with forward mode='${fwd.type}'`);
      break;
    default:
      if (fwd.type !== "bridge") {
        if (def.bridge !== null) netError(VIR_ERR_XML_ERROR, `bridge name not allowed in ${fwd.type} mode (network '${name}')`);
        if (def.bridgeZone !== null) netError(VIR_ERR_XML_ERROR, `bridge zone not allowed in ${fwd.type} mode (network '${name}')`);
        if (def.macTableManager !== null) {
          netError(VIR_ERR_XML_ERROR, `bridge macTableManager setting not allowed in ${fwd.type} mode (network '${name}')`);
        }
      }
      if (def.delay !== 0n || stp !== null || def.bridgeZone !== null) {
        netError(VIR_ERR_XML_ERROR, `bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in ${fwd.type} (network '${name}')`);
      }
      if (def.bridge !== null && (fwd.ifs.length || fwd.pfs.length)) {
        netError(VIR_ERR_XML_ERROR, `A network with forward mode='${fwd.type}' can specify a bridge name or a forward dev, but not both (network '${name}')`);
      }
  }
  if (def.mtu && !["none", "nat", "route", "open"].includes(fwd.type)) {
    netError(VIR_ERR_XML_ERROR, `mtu size only allowed in open, route, nat, and isolated mode, not in ${fwd.type} (network '${name}')`);
  }
  const metadata = firstChild(root, "metadata");
  if (metadata) {
    def.metadata = copyElement(metadata);
    sanitizeNamespaces(def.metadata);
  }
  return def;
}

export interface ParseNetworkOptions {
  /**
   * VIR_NETWORK_DEFINE_VALIDATE: network.rng validation, which virtkit approximates by checking
   * the element names at the top level and inside <ip> (see README)
   */
  flags?: number;
}

/** the elements network.rng allows in <network> and in <ip> */
const NETWORK_SCHEMA_TOP = ["name", "uuid", "metadata", "forward", "bridge", "mtu", "mac", "domain", "dns", "bandwidth", "vlan", "port", "ip", "route", "virtualport", "portgroup"];
const NETWORK_SCHEMA_IP = ["tftp", "dhcp"];

function validateNetworkSchema(root: XmlElement): void {
  const fail = (detail: string): never => {
    throw confError(VIR_ERR_XML_INVALID_SCHEMA, `Unable to validate doc against /usr/share/libvirt/schemas/network.rng\n${detail}`, VIR_FROM_XML);
  };
  for (const c of childElements(root)) {
    if (c.ns !== null || !NETWORK_SCHEMA_TOP.includes(c.local)) fail(`Element network has extra content: ${c.local}\n`);
    if (c.local === "ip") {
      for (const g of childElements(c)) {
        if (g.ns !== null || !NETWORK_SCHEMA_IP.includes(g.local)) {
          fail(`Element ip has extra content: ${g.local}\nExtra element ip in interleave\nElement network failed to validate content\n`);
        }
      }
    }
  }
}

/** virNetworkDefParse(xml, NULL, xmlopt, validate). Throws ConfError. */
export function parseNetworkXML(xml: string, opts: ParseNetworkOptions = {}): NetworkDef {
  const root = parseConfXml(xml, "(network_definition)", "network", VIR_FROM_NETWORK).root;
  if ((opts.flags ?? 0) & VIR_NETWORK_DEFINE_VALIDATE) validateNetworkSchema(root);
  return parseNetworkElement(root);
}

function formatLease(buf: XmlBuffer, lease: NetworkDHCPLease): void {
  buf.adjustIndent(2);
  if (lease.expiry === 0n) buf.add("<lease expiry='0'/>\n");
  else buf.add(`<lease expiry='${lease.expiry}' unit='${lease.unit}'/>\n`);
  buf.adjustIndent(-2);
}

function formatIP(buf: XmlBuffer, ip: NetworkIPDef): void {
  buf.add("<ip");
  if (ip.family !== null) buf.add(` family='${ip.family}'`);
  buf.add(` address='${formatSocketAddr(ip.address)}'`);
  if (ip.netmask) buf.add(` netmask='${formatSocketAddr(ip.netmask)}'`);
  if (ip.prefix > 0) buf.add(` prefix='${ip.prefix}'`);
  if (ip.localPTR !== null) buf.add(` localPtr='${ip.localPTR}'`);
  buf.add(">\n");
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<tftp root='${v}'/>\n`, ip.tftproot);
  if (ip.ranges.length || ip.hosts.length) {
    buf.add("<dhcp>\n");
    buf.adjustIndent(2);
    for (const r of ip.ranges) {
      buf.add(`<range start='${formatSocketAddr(r.start)}' end='${formatSocketAddr(r.end)}'`);
      if (r.lease) {
        buf.add(">\n");
        formatLease(buf, r.lease);
        buf.add("</range>\n");
      } else buf.add("/>\n");
    }
    for (const h of ip.hosts) {
      buf.add("<host");
      if (h.mac !== null) buf.add(` mac='${h.mac}'`);
      if (h.id !== null) buf.add(` id='${h.id}'`);
      if (h.name !== null) buf.add(` name='${h.name}'`);
      if (h.ip) buf.add(` ip='${formatSocketAddr(h.ip)}'`);
      if (h.lease) {
        buf.add(">\n");
        formatLease(buf, h.lease);
        buf.add("</host>\n");
      } else buf.add("/>\n");
    }
    if (ip.bootfile !== null) {
      buf.addEscaped((v) => `<bootp file='${v}'`, ip.bootfile);
      if (ip.bootserver) buf.add(` server='${formatSocketAddr(ip.bootserver)}'`);
      buf.add("/>\n");
    }
    buf.adjustIndent(-2);
    buf.add("</dhcp>\n");
  }
  buf.adjustIndent(-2);
  buf.add("</ip>\n");
}

function formatDNS(buf: XmlBuffer, dns: NetworkDNSDef): void {
  const hasChildren = dns.forwarders.length || dns.hosts.length || dns.srvs.length || dns.txts.length;
  if (!(dns.enable || dns.forwardPlainNames || hasChildren)) return;
  buf.add("<dns");
  if (dns.enable) buf.add(` enable='${dns.enable}'`);
  if (dns.forwardPlainNames) buf.add(` forwardPlainNames='${dns.forwardPlainNames}'`);
  if (!hasChildren) {
    buf.add("/>\n");
    return;
  }
  buf.add(">\n");
  buf.adjustIndent(2);
  for (const f of dns.forwarders) {
    buf.add("<forwarder");
    buf.addEscaped((v) => ` domain='${v}'`, f.domain);
    if (f.addr) buf.add(` addr='${formatSocketAddr(f.addr)}'`);
    buf.add("/>\n");
  }
  for (const t of dns.txts) {
    buf.addEscaped((v) => `<txt name='${v}' `, t.name);
    buf.addEscaped((v) => `value='${v}'/>\n`, t.value);
  }
  for (const s of dns.srvs) {
    if (s.service === null || s.protocol === null) continue;
    buf.addEscaped((v) => `<srv service='${v}' `, s.service);
    buf.addEscaped((v) => `protocol='${v}'`, s.protocol);
    buf.addEscaped((v) => ` domain='${v}'`, s.domain);
    buf.addEscaped((v) => ` target='${v}'`, s.target);
    if (s.port) buf.add(` port='${s.port}'`);
    if (s.priority) buf.add(` priority='${s.priority}'`);
    if (s.weight) buf.add(` weight='${s.weight}'`);
    buf.add("/>\n");
  }
  for (const h of dns.hosts) {
    buf.add(`<host ip='${h.ip ? formatSocketAddr(h.ip) : "(null)"}'>\n`);
    buf.adjustIndent(2);
    for (const n of h.names) buf.addEscaped((v) => `<hostname>${v}</hostname>\n`, n);
    buf.adjustIndent(-2);
    buf.add("</host>\n");
  }
  buf.adjustIndent(-2);
  buf.add("</dns>\n");
}

function formatNat(buf: XmlBuffer, fwd: NetworkForwardDef): void {
  const { natAddrStart: start, natAddrEnd: end, natPortStart: ps, natPortEnd: pe } = fwd;
  if (!start && !end && !ps && !pe && !fwd.natIPv6) return;
  buf.add("<nat");
  if (fwd.natIPv6) buf.add(` ipv6='${fwd.natIPv6}'`);
  if (!start && !end && !ps && !pe) {
    buf.add("/>\n");
    return;
  }
  buf.add(">\n");
  buf.adjustIndent(2);
  if (start) {
    buf.add(`<address start='${formatSocketAddr(start)}'`);
    if (end) buf.add(` end='${formatSocketAddr(end)}'`);
    buf.add("/>\n");
  }
  if (ps || pe) {
    buf.add(`<port start='${ps}'`);
    if (pe) buf.add(` end='${pe}'`);
    buf.add("/>\n");
  }
  buf.adjustIndent(-2);
  buf.add("</nat>\n");
}

/** virNetworkDefFormatBuf */
export function formatNetworkDef(buf: XmlBuffer, def: NetworkDef, flags: number): void {
  buf.add("<network");
  if (!(flags & VIR_NETWORK_XML_INACTIVE) && def.connections > 0) buf.add(` connections='${def.connections}'`);
  if (def.ipv6nogw) buf.add(" ipv6='yes'");
  if (def.trustGuestRxFilters) buf.add(` trustGuestRxFilters='${def.trustGuestRxFilters}'`);
  buf.add(">\n");
  buf.adjustIndent(2);
  buf.addEscaped((v) => `<name>${v}</name>\n`, def.name);
  buf.add(`<uuid>${def.uuid}</uuid>\n`);
  if (def.metadata) buf.add(dumpNode(def.metadata, buf.getIndent() / 2) + "\n");

  const fwd = def.forward;
  if (fwd.type !== "none") {
    const dev = fwd.pfs.length === 0 && fwd.ifs[0] ? fwd.ifs[0].dev : null;
    buf.add("<forward");
    buf.addEscaped((v) => ` dev='${v}'`, dev);
    buf.add(` mode='${fwd.type}'`);
    if (fwd.type === "hostdev") buf.add(fwd.managed ? " managed='yes'" : " managed='no'");
    const short = !(
      fwd.ifs.length ||
      fwd.pfs.length ||
      fwd.natAddrStart !== null ||
      fwd.natAddrEnd !== null ||
      fwd.natPortStart ||
      fwd.natPortEnd ||
      fwd.driverName !== null ||
      fwd.natIPv6
    );
    buf.add(`${short ? "/" : ""}>\n`);
    buf.adjustIndent(2);
    if (fwd.driverName !== null) buf.add(`<driver name='${fwd.driverName}'/>\n`);
    if (fwd.type === "nat") formatNat(buf, fwd);
    if (fwd.pfs[0] !== undefined) buf.addEscaped((v) => `<pf dev='${v}'/>\n`, fwd.pfs[0]);
    if (fwd.ifs.length && (!fwd.pfs.length || !(flags & VIR_NETWORK_XML_INACTIVE))) {
      for (const i of fwd.ifs) {
        buf.addEscaped((v) => `<interface dev='${v}'`, i.dev);
        if (!(flags & VIR_NETWORK_XML_INACTIVE) && i.connections > 0) buf.add(` connections='${i.connections}'`);
        buf.add("/>\n");
      }
    }
    buf.adjustIndent(-2);
    if (!short) buf.add("</forward>\n");
  }

  const hasBridge = ["none", "nat", "route", "open"].includes(fwd.type);
  if (hasBridge || def.bridge !== null || def.macTableManager !== null) {
    buf.add("<bridge");
    buf.addEscaped((v) => ` name='${v}'`, def.bridge);
    buf.addEscaped((v) => ` zone='${v}'`, def.bridgeZone);
    if (hasBridge) buf.add(` stp='${def.stp ? "on" : "off"}' delay='${BigInt.asIntN(64, def.delay)}'`);
    if (def.macTableManager !== null) buf.add(` macTableManager='${def.macTableManager}'`);
    buf.add("/>\n");
  }
  if (def.mtu) buf.add(`<mtu size='${def.mtu}'/>\n`);
  if (def.mac !== null) buf.add(`<mac address='${def.mac}'/>\n`);
  if (def.domain !== null) {
    buf.add(`<domain name='${def.domain}'`);
    if (def.domainLocalOnly) buf.add(` localOnly='${def.domainLocalOnly}'`);
    buf.add("/>\n");
  }
  formatDNS(buf, def.dns);
  if (def.isolatedPort !== null) buf.add(`<port isolated='${def.isolatedPort}'/>\n`);
  for (const ip of def.ips) formatIP(buf, ip);
  buf.adjustIndent(-2);
  buf.add("</network>\n");
}

export interface FormatNetworkOptions {
  /** VIR_NETWORK_XML_INACTIVE */
  flags?: number;
}

/** virNetworkDefFormat */
export function formatNetworkXML(def: NetworkDef, opts: FormatNetworkOptions = {}): string {
  const buf = new XmlBuffer();
  formatNetworkDef(buf, def, opts.flags ?? 0);
  return buf.toString();
}
