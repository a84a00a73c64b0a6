// <interface> devices (libvirt 9.0 src/conf/domain_conf.c: virDomainNetDefParseXML,
// virDomainNetDefParseXMLDriver, virDomainNetDefFormat, virDomainVirtioNetDriverFormat;
// domain_validate.c: virDomainNetDefValidate).
// Supported types: network, bridge, user, ethernet, direct. A missing <mac> gets a generated
// 52:54:00:xx:xx:xx address as libvirt's virDomainNetGenerateMAC does.
import { firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_INVALID_ARG, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { checkVirtioOptionsAbsent, formatDeviceInfo, formatVirtioOptions, parseDeviceInfo, parseVirtioOptions } from "./device-info.js";
import type { NetDef } from "./domain-def.js";
import {
  VIR_DOMAIN_NET,
  VIR_DOMAIN_NET_DRIVER,
  VIR_DOMAIN_NET_INTERFACE_LINK_STATE,
  VIR_DOMAIN_NET_MAC_TYPE,
  VIR_DOMAIN_NET_MODEL,
  VIR_DOMAIN_NET_VIRTIO_TX_MODE,
  type NetType,
} from "./domain-enums.js";
import {
  VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT,
  VIR_DOMAIN_DEF_FORMAT_ALLOW_ROM,
  VIR_DOMAIN_DEF_FORMAT_INACTIVE,
  VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT,
  VIR_DOMAIN_DEF_PARSE_ALLOW_ROM,
  VIR_DOMAIN_DEF_PARSE_INACTIVE,
} from "./domain-flags.js";
import { generateMacAddr, isMulticastMac, parseMacAddr, parseUUID } from "./identifiers.js";
import { rejectUnmodelled, VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { attrString } from "./units.js";
import {
  propEnum,
  propString,
  propStringRequired,
  propTristateBool,
  propTristateSwitch,
  propUInt,
  VIR_XML_PROP_NONZERO,
  type TristateSwitch,
} from "./virxml-props.js";
import { virStrToLongUip } from "./virstring.js";

const SUPPORTED_TYPES: readonly NetType[] = ["network", "bridge", "user", "ethernet", "direct"];
const NET_UNMODELLED = [
  "virtualport", "bandwidth", "vlan", "filterref", "tune", "coalesce", "teaming", "ip", "route", "portForward",
  "backend", "guest", "actual", "port", "backenddomain",
];
/** VIR_NET_GENERATED_VNET_PREFIX / MACVTAP / MACVLAN (src/util/virnetdev.h) */
const GENERATED_IFNAME_PREFIXES = ["vnet", "macvtap", "macvlan"];
/** virNetDevMacVLanMode (src/util/virnetdevmacvlan.c) */
const MACVLAN_MODES = ["vepa", "private", "bridge", "passthrough"];
const NET_MODEL_CHARS = /^[A-Za-z0-9_-]*$/;

export function isVirtioNetModel(model: string | null): boolean {
  return model === "virtio" || model === "virtio-transitional" || model === "virtio-non-transitional";
}

function isGeneratedIfname(ifname: string, netPrefix: string | null): boolean {
  return GENERATED_IFNAME_PREFIXES.some((p) => ifname.startsWith(p)) || (netPrefix !== null && ifname.startsWith(netPrefix));
}

/** virDomainNetSetModelString: known models match case-insensitively and take libvirt's spelling */
function parseModel(model: string): string {
  for (const m of VIR_DOMAIN_NET_MODEL) {
    if (m.toLowerCase() === model.toLowerCase()) return m === "unknown" ? model : m;
  }
  if (!NET_MODEL_CHARS.test(model)) throw confError(VIR_ERR_INVALID_ARG, "Model name contains invalid characters");
  return model;
}

/** virDomainNetDefParseXML */
export function parseNet(node: XmlElement, ctx: ParseContext, netPrefix: string | null = null): NetDef {
  rejectUnmodelled(node, NET_UNMODELLED, "<interface>");
  const type = propEnum(node, "type", VIR_DOMAIN_NET) ?? "user";
  if (!SUPPORTED_TYPES.includes(type)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `interface type '${type}' is not supported by virtkit`);
  const trustGuestRxFilters = propTristateBool(node, "trustGuestRxFilters");
  const modelStr = attrString(firstChild(node, "model"), "type");
  const model = modelStr !== null ? parseModel(modelStr) : null;
  const source = firstChild(node, "source");
  if (source) rejectUnmodelled(source, ["ip", "route", "local", "reconnect", "address", "vendor", "product"], "<interface><source>");
  const requireSource = (): XmlElement => {
    if (!source) throw confError(VIR_ERR_XML_ERROR, `interface type='${type}' requires a 'source' element`);
    return source;
  };
  let src: NetDef["source"] = null;
  switch (type) {
    case "network": {
      const s = requireSource();
      src = { network: propStringRequired(s, "network"), portgroup: propString(s, "portgroup"), portid: null };
      if (!(ctx.flags & VIR_DOMAIN_DEF_PARSE_INACTIVE)) {
        const portid = propString(s, "portid");
        if (portid !== null) {
          const u = parseUUID(portid);
          if (u === null) {
            throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute 'portid' in element 'source': '${portid}'. Expected UUID`, 5);
          }
          src.portid = u;
        }
      }
      break;
    }
    case "bridge": {
      const s = requireSource();
      src = { bridge: propStringRequired(s, "bridge") };
      break;
    }
    case "direct": {
      const s = requireSource();
      const dev = propStringRequired(s, "dev");
      const mode = propString(s, "mode") ?? "vepa";
      if (!MACVLAN_MODES.includes(mode)) {
        throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute 'mode' in element 'source': '${mode}'.`, 5);
      }
      src = { dev, mode };
      break;
    }
    case "user":
      src = source ? { dev: propString(source, "dev") } : null;
      break;
    default:
      break;
  }

  let ifname: string | null = null;
  let managedTap: NetDef["managedTap"] = null;
  const target = firstChild(node, "target");
  if (target) {
    ifname = propString(target, "dev");
    managedTap = propTristateBool(target, "managed");
  }
  const linkstate = attrString(firstChild(node, "link"), "state");
  const script = attrString(firstChild(node, "script"), "path");
  const downscript = attrString(firstChild(node, "downscript"), "path");

  let mac: string | null = null;
  let macType: NetDef["macType"] = null;
  let macCheck: NetDef["macCheck"] = null;
  const macNode = firstChild(node, "mac");
  let macGiven = false;
  if (macNode) {
    const addr = propString(macNode, "address");
    if (addr !== null) {
      macGiven = true;
      mac = parseMacAddr(addr);
      if (mac === null) throw confError(VIR_ERR_XML_ERROR, `unable to parse mac address '${addr}'`);
      if (isMulticastMac(mac)) throw confError(VIR_ERR_XML_ERROR, `expected unicast mac address, found multicast '${addr}'`);
    }
    macType = propEnum(macNode, "type", VIR_DOMAIN_NET_MAC_TYPE, VIR_XML_PROP_NONZERO) as NetDef["macType"];
    macCheck = propTristateBool(macNode, "check");
  }
  const macGenerated = !macGiven;
  mac ??= generateMacAddr();

  const info = parseDeviceInfo(node, ctx.flags | VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT | VIR_DOMAIN_DEF_PARSE_ALLOW_ROM, {
    userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0,
  });

  if (managedTap !== "no" && ifname !== null && ctx.flags & VIR_DOMAIN_DEF_PARSE_INACTIVE && isGeneratedIfname(ifname, netPrefix)) {
    ifname = null;
  }

  const net: NetDef = {
    type,
    mac,
    macGenerated,
    macType,
    macCheck,
    trustGuestRxFilters,
    source: src,
    ifname,
    managedTap,
    model,
    driver: { name: null, txmode: null, ioeventfd: null, eventIdx: null, queues: 0, rxQueueSize: 0, txQueueSize: 0, rss: null, rssHashReport: null },
    virtio: null,
    script,
    downscript,
    linkState: null,
    mtu: 0,
    info,
  };

  // virDomainNetDefParseXMLDriver
  const driver = firstChild(node, "driver");
  if (driver) {
    net.virtio = parseVirtioOptions(driver);
    if (isVirtioNetModel(model)) {
      rejectUnmodelled(driver, ["host", "guest"], "<interface><driver>");
      const d = net.driver;
      d.name = propEnum(driver, "name", VIR_DOMAIN_NET_DRIVER, VIR_XML_PROP_NONZERO) as NetDef["driver"]["name"];
      d.txmode = propEnum(driver, "txmode", VIR_DOMAIN_NET_VIRTIO_TX_MODE, VIR_XML_PROP_NONZERO) as NetDef["driver"]["txmode"];
      d.ioeventfd = propTristateSwitch(driver, "ioeventfd");
      d.eventIdx = propTristateSwitch(driver, "event_idx");
      d.queues = propUInt(driver, "queues") ?? 0;
      // there is always at least one TX/RX queue
      if (d.queues === 1) d.queues = 0;
      d.rxQueueSize = propUInt(driver, "rx_queue_size") ?? 0;
      d.txQueueSize = propUInt(driver, "tx_queue_size") ?? 0;
      d.rss = propTristateSwitch(driver, "rss");
      d.rssHashReport = propTristateSwitch(driver, "rss_hash_report");
    }
  }

  if (linkstate !== null) {
    const i = VIR_DOMAIN_NET_INTERFACE_LINK_STATE.indexOf(linkstate as never);
    if (i <= 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown interface link state '${linkstate}'`);
    net.linkState = VIR_DOMAIN_NET_INTERFACE_LINK_STATE[i] as NetDef["linkState"];
  }
  const mtu = attrString(firstChild(node, "mtu"), "size");
  if (mtu !== null) {
    const v = virStrToLongUip(mtu);
    if (v === null) throw confError(VIR_ERR_XML_ERROR, "malformed mtu size");
    net.mtu = v;
  }
  return net;
}

/** virDomainNetDefValidate for the modelled parts */
export function validateNet(net: NetDef): void {
  if (net.managedTap === "no" && net.type !== "ethernet") {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unmanaged target dev is not supported on interfaces of type '${net.type}'`);
  }
  if (!isVirtioNetModel(net.model)) checkVirtioOptionsAbsent(net.virtio);
}

function sw(name: string, v: TristateSwitch): string {
  return v !== null ? ` ${name}='${v}'` : "";
}

/** virDomainNetDefFormat */
export function formatNet(buf: XmlBuffer, net: NetDef, flags: number, netPrefix: string | null = null): void {
  let open = `<interface type='${net.type}'`;
  if (net.trustGuestRxFilters !== null) open += ` trustGuestRxFilters='${net.trustGuestRxFilters}'`;
  buf.add(open + ">\n");
  buf.adjustIndent(2);
  let mac = `<mac address='${net.mac}'`;
  if (net.macType !== null) mac += ` type='${net.macType}'`;
  if (net.macCheck !== null) mac += ` check='${net.macCheck}'`;
  buf.add(mac + "/>\n");
  const s = net.source;
  switch (net.type) {
    case "network":
      if (s) {
        buf.addEscaped((v) => `<source network='${v}'`, s.network);
        buf.addEscaped((v) => ` portgroup='${v}'`, s.portgroup);
        if (s.portid && !(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE)) buf.addEscaped((v) => ` portid='${v}'`, s.portid);
        buf.add("/>\n");
      }
      break;
    case "bridge":
      if (s?.bridge !== undefined) {
        buf.addEscaped((v) => `<source bridge='${v}'`, s.bridge);
        buf.add("/>\n");
      }
      break;
    case "direct":
      if (s) {
        buf.addEscaped((v) => `<source dev='${v}'`, s.dev);
        buf.add(` mode='${s.mode ?? "vepa"}'/>\n`);
      }
      break;
    default:
      // user (passt only) and ethernet have no <source> in the modelled subset
      break;
  }
  buf.addEscaped((v) => `<script path='${v}'/>\n`, net.script);
  buf.addEscaped((v) => `<downscript path='${v}'/>\n`, net.downscript);
  const target = new XmlBuffer();
  if (net.ifname !== null && (net.managedTap === "no" || !(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE && isGeneratedIfname(net.ifname, netPrefix)))) {
    target.addEscaped((v) => ` dev='${v}'`, net.ifname);
  }
  if (net.managedTap !== null) target.add(` managed='${net.managedTap}'`);
  formatElement(buf, "target", target, null);
  if (net.model !== null) {
    buf.addEscaped((v) => `<model type='${v}'/>\n`, net.model);
    if (isVirtioNetModel(net.model)) {
      const d = net.driver;
      const attrs = new XmlBuffer();
      if (d.name !== null) attrs.add(` name='${d.name}'`);
      if (d.txmode !== null) attrs.add(` txmode='${d.txmode}'`);
      attrs.add(sw("ioeventfd", d.ioeventfd) + sw("event_idx", d.eventIdx));
      if (d.queues) attrs.add(` queues='${d.queues}'`);
      if (d.rxQueueSize) attrs.add(` rx_queue_size='${d.rxQueueSize}'`);
      if (d.txQueueSize) attrs.add(` tx_queue_size='${d.txQueueSize}'`);
      attrs.add(sw("rss", d.rss) + sw("rss_hash_report", d.rssHashReport));
      attrs.add(formatVirtioOptions(net.virtio));
      formatElement(buf, "driver", attrs, buf.child());
    }
  }
  if (net.linkState !== null) buf.add(`<link state='${net.linkState}'/>\n`);
  if (net.mtu) buf.add(`<mtu size='${net.mtu}'/>\n`);
  formatDeviceInfo(buf, net.info, flags | VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT | VIR_DOMAIN_DEF_FORMAT_ALLOW_ROM);
  buf.adjustIndent(-2);
  buf.add("</interface>\n");
}
