// Character devices: <serial>, <parallel>, <console>, <channel>, and the character device source
// shared with <rng backend='egd'> (libvirt 9.0 src/conf/domain_conf.c: virDomainChrDefParseXML,
// virDomainChrDefParseTargetXML, virDomainChrSourceDefParseXML, virDomainChrDefFormat,
// virDomainChrSourceDefFormat, virDomainChrTargetDefFormat, virDomainChrSourceDefIsEqual;
// domain_validate.c: virDomainChrSourceDefValidate).
import { childElements, firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_INTERNAL_ERROR, VIR_ERR_INVALID_ARG, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { formatDeviceInfo, newDeviceInfo, parseDeviceInfo } from "./device-info.js";
import type { ChrDef, ChrSourceDef } from "./domain-def.js";
import {
  VIR_DOMAIN_CHR,
  VIR_DOMAIN_CHR_CHANNEL_TARGET,
  VIR_DOMAIN_CHR_CONSOLE_TARGET,
  VIR_DOMAIN_CHR_DEVICE,
  VIR_DOMAIN_CHR_DEVICE_STATE,
  VIR_DOMAIN_CHR_SERIAL_TARGET,
  VIR_DOMAIN_CHR_SERIAL_TARGET_MODEL,
  VIR_DOMAIN_CHR_TCP_PROTOCOL,
  type ChrDeviceType,
  type ChrType,
} from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FORMAT_INACTIVE, VIR_DOMAIN_DEF_PARSE_INACTIVE } from "./domain-flags.js";
import { rejectUnmodelled, VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { attrString } from "./units.js";
import {
  propEnum,
  propString,
  propTristateBool,
  propTristateSwitch,
  propUInt,
  VIR_XML_PROP_NONZERO,
  VIR_XML_PROP_REQUIRED,
} from "./virxml-props.js";
import { virStrToLongUi } from "./virstring.js";

export function newChrSource(type: ChrType = "pty"): ChrSourceDef {
  return {
    type,
    path: null,
    append: null,
    listen: false,
    host: null,
    service: null,
    bindHost: null,
    bindService: null,
    connectHost: null,
    connectService: null,
    protocol: "raw",
    tls: null,
    reconnect: { enabled: null, timeout: 0 },
    channel: null,
    master: null,
    slave: null,
    spicevmc: null,
    logFile: null,
    logAppend: null,
  };
}

export function newChr(deviceType: ChrDeviceType, sourceType: ChrType = "pty"): ChrDef {
  return {
    deviceType,
    targetType: "none",
    targetModel: "none",
    targetPort: -1,
    targetName: null,
    targetAddress: null,
    state: null,
    source: newChrSource(sourceType),
    info: newDeviceInfo(),
  };
}

/** virDomainChrTargetTypeFromString / virDomainChrDefaultTargetType */
function targetTypeTable(deviceType: ChrDeviceType): readonly string[] | null {
  switch (deviceType) {
    case "serial":
      return VIR_DOMAIN_CHR_SERIAL_TARGET;
    case "console":
      return VIR_DOMAIN_CHR_CONSOLE_TARGET;
    case "channel":
      return VIR_DOMAIN_CHR_CHANNEL_TARGET;
    case "parallel":
      return null;
  }
}

/** "connect" or "bind", as virDomainChrSourceModeTypeFromString */
function parseSourceMode(node: XmlElement): "connect" | "bind" {
  const v = propString(node, "mode");
  if (v === null) return "connect";
  if (v === "connect" || v === "bind") return v;
  throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute 'mode' in element '${node.local}': '${v}'.`, 5);
}

function parseReconnect(node: XmlElement, src: ChrSourceDef): void {
  const r = firstChild(node, "reconnect");
  if (!r) return;
  src.reconnect.enabled = propTristateBool(r, "enabled");
  if (src.reconnect.enabled === "yes") src.reconnect.timeout = propUInt(r, "timeout", VIR_XML_PROP_REQUIRED)!;
}

/** virDomainChrSourceDefParseXML: <source>, <log> and <protocol> children of `node` */
export function parseChrSource(src: ChrSourceDef, node: XmlElement, flags: number): void {
  const sources = childElements(node, "source");
  if (sources.length > 0) {
    if (sources.length > 1 && src.type !== "udp") throw confError(VIR_ERR_XML_ERROR, "only one source element is allowed for character device");
    if (sources.length > 2) throw confError(VIR_ERR_XML_ERROR, "only two source elements are allowed for character device");
    const s = sources[0]!;
    rejectUnmodelled(s, ["seclabel"], "a character device <source>");
    switch (src.type) {
      case "file":
        src.path = propString(s, "path");
        src.append = propTristateSwitch(s, "append");
        break;
      case "pty":
        // the pty path only exists in live XML
        if (!(flags & VIR_DOMAIN_DEF_PARSE_INACTIVE)) src.path = propString(s, "path");
        break;
      case "dev":
      case "pipe":
        src.path = propString(s, "path");
        break;
      case "unix":
        src.listen = parseSourceMode(s) === "bind";
        src.path = propString(s, "path");
        parseReconnect(s, src);
        break;
      case "udp":
        for (const u of sources) {
          const mode = parseSourceMode(u);
          if (mode === "connect" && src.connectHost === null && src.connectService === null) {
            src.connectHost = propString(u, "host");
            src.connectService = propString(u, "service");
          } else if (mode === "bind" && src.bindHost === null && src.bindService === null) {
            src.bindHost = propString(u, "host");
            src.bindService = propString(u, "service");
          }
        }
        break;
      case "tcp":
        src.listen = parseSourceMode(s) === "bind";
        src.host = propString(s, "host");
        src.service = propString(s, "service");
        src.tls = propTristateBool(s, "tls");
        parseReconnect(s, src);
        break;
      case "spiceport":
      case "dbus":
        src.channel = propString(s, "channel");
        break;
      case "nmdm":
        src.master = propString(s, "master");
        src.slave = propString(s, "slave");
        break;
      default:
        break;
    }
  }
  const logs = childElements(node, "log");
  if (logs.length === 1) {
    src.logFile = propString(logs[0]!, "file");
    src.logAppend = propTristateSwitch(logs[0]!, "append");
  } else if (logs.length > 1) {
    throw confError(VIR_ERR_XML_ERROR, "only one log element is allowed for character device");
  }
  const protocols = childElements(node, "protocol");
  if (protocols.length === 1) {
    if (src.type === "tcp") {
      const prot = propString(protocols[0]!, "type");
      if (prot !== null) {
        if (!VIR_DOMAIN_CHR_TCP_PROTOCOL.includes(prot as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Unknown protocol '${prot}'`);
        src.protocol = prot as ChrSourceDef["protocol"];
      }
    }
  } else if (protocols.length > 1) {
    throw confError(VIR_ERR_XML_ERROR, "only one protocol element is allowed for character device");
  }
}

/** virDomainChrDefParseXML */
export function parseChr(node: XmlElement, ctx: ParseContext): ChrDef {
  const typeStr = propString(node, "type");
  let type: ChrType = "pty";
  if (typeStr !== null) {
    if (!VIR_DOMAIN_CHR.includes(typeStr as never)) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown type presented to host for character device: ${typeStr}`);
    }
    type = typeStr as ChrType;
    if (type === "qemu-vdagent") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "character device type 'qemu-vdagent' is not supported by virtkit");
  }
  const deviceType = node.local as ChrDeviceType;
  if (!VIR_DOMAIN_CHR_DEVICE.includes(deviceType)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown character device type: ${node.local}`);
  const chr = newChr(deviceType, type);
  const target = firstChild(node, "target");
  const table = targetTypeTable(deviceType);
  if (target) {
    const tt = propString(target, "type");
    if (tt === null) {
      if (deviceType === "channel") throw confError(VIR_ERR_XML_ERROR, "target type must be specified for channel device");
      chr.targetType = "none";
    } else if (table === null) {
      chr.targetType = "none";
    } else if (!table.includes(tt)) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown target type '${tt}' specified for character device`);
    } else {
      chr.targetType = tt;
    }
    const model = attrString(firstChild(target, "model"), "name");
    if (model !== null && deviceType === "serial") {
      if (!VIR_DOMAIN_CHR_SERIAL_TARGET_MODEL.includes(model as never)) {
        throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown target model '${model}' specified for character device`);
      }
      chr.targetModel = model;
    }
    if (deviceType === "channel") {
      if (chr.targetType === "guestfwd") {
        const address = propString(target, "address");
        if (address === null) throw confError(VIR_ERR_XML_ERROR, "guestfwd channel does not define a target address");
        if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
          throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "guestfwd channel only supports IPv4 addresses");
        }
        chr.targetAddress = { address, port: propUInt(target, "port", VIR_XML_PROP_REQUIRED)! };
      } else if (chr.targetType === "xen" || chr.targetType === "virtio") {
        chr.targetName = propString(target, "name");
        if (chr.targetType === "virtio" && !(ctx.flags & VIR_DOMAIN_DEF_PARSE_INACTIVE)) {
          chr.state = propEnum(target, "state", VIR_DOMAIN_CHR_DEVICE_STATE, VIR_XML_PROP_NONZERO) as ChrDef["state"];
        }
      }
    } else {
      const port = propString(target, "port");
      if (port !== null) {
        const p = virStrToLongUi(port);
        if (p === null) throw confError(VIR_ERR_XML_ERROR, `Invalid port number: ${port}`);
        // stored in an int: libvirt's "-1" shorthand for UINT_MAX reads back as -1
        chr.targetPort = p > 0x7fffffff ? p - 0x100000000 : p;
      }
    }
  } else if (deviceType === "channel") {
    throw confError(VIR_ERR_XML_ERROR, "target type must be specified for channel device");
  }
  parseChrSource(chr.source, node, ctx.flags);
  if (chr.source.type === "spicevmc") {
    if (chr.targetType !== "virtio") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "spicevmc device type only supports virtio");
    chr.source.spicevmc = "vdagent";
  }
  chr.info = parseDeviceInfo(node, ctx.flags, { userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0 });
  if (deviceType === "serial" && chr.targetType === "usb-serial" && chr.info.address !== null && chr.info.address.type !== "usb") {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "usb-serial requires address of usb type");
  }
  return chr;
}

/** virDomainChrSourceDefIsEqual */
export function chrSourceEqual(a: ChrSourceDef, b: ChrSourceDef): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case "file":
      return a.append === b.append && a.path === b.path;
    case "pty":
    case "dev":
    case "pipe":
      return a.path === b.path;
    case "nmdm":
      return a.master === b.master && a.slave === b.slave;
    case "udp":
      return a.bindHost === b.bindHost && a.bindService === b.bindService && a.connectHost === b.connectHost && a.connectService === b.connectService;
    case "tcp":
      return (
        a.listen === b.listen &&
        a.protocol === b.protocol &&
        a.host === b.host &&
        a.service === b.service &&
        a.reconnect.enabled === b.reconnect.enabled &&
        a.reconnect.timeout === b.reconnect.timeout
      );
    case "unix":
      return a.listen === b.listen && a.path === b.path && a.reconnect.enabled === b.reconnect.enabled && a.reconnect.timeout === b.reconnect.timeout;
    case "spiceport":
    case "dbus":
      return a.channel === b.channel;
    case "spicevmc":
      return a.spicevmc === b.spicevmc;
    default:
      return true;
  }
}

/** virDomainChrSourceDefValidate */
export function validateChrSource(src: ChrSourceDef, chr: ChrDef | null): void {
  switch (src.type) {
    case "file":
    case "dev":
    case "pipe":
      if (src.path === null) throw confError(VIR_ERR_INTERNAL_ERROR, "Missing source path attribute for char device");
      break;
    case "nmdm":
      if ((src.master !== null) !== (src.slave !== null)) {
        throw confError(VIR_ERR_INTERNAL_ERROR, "Should define both master and slave path attributes for nmdm device");
      }
      break;
    case "tcp":
      if (src.host === null) throw confError(VIR_ERR_INTERNAL_ERROR, "Missing source host attribute for char device");
      if (src.service === null) throw confError(VIR_ERR_INTERNAL_ERROR, "Missing source service attribute for char device");
      if (src.listen && src.reconnect.enabled !== null) throw confError(VIR_ERR_INTERNAL_ERROR, "chardev reconnect is possible only for connect mode");
      break;
    case "udp":
      if (src.connectService === null) throw confError(VIR_ERR_INTERNAL_ERROR, "Missing source service attribute for char device");
      break;
    case "unix":
      if (src.path === null && !(chr?.deviceType === "channel" && (chr.targetType === "xen" || chr.targetType === "virtio"))) {
        throw confError(VIR_ERR_INTERNAL_ERROR, "Missing source path attribute for char device");
      }
      if (src.listen && src.reconnect.enabled !== null) throw confError(VIR_ERR_INTERNAL_ERROR, "chardev reconnect is possible only for connect mode");
      break;
    case "spiceport":
    case "dbus":
      if (src.channel === null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "Missing source channel attribute for char device");
      if (!/^[A-Za-z0-9_.-]*$/.test(src.channel)) throw confError(VIR_ERR_INVALID_ARG, "Invalid character in source channel for char device");
      break;
    default:
      break;
  }
}

function formatReconnect(buf: XmlBuffer, src: ChrSourceDef): void {
  if (src.reconnect.enabled === null) return;
  buf.add(`<reconnect enabled='${src.reconnect.enabled}'${src.reconnect.enabled === "yes" ? ` timeout='${src.reconnect.timeout}'` : ""}/>\n`);
}

/** virDomainChrSourceDefFormat */
export function formatChrSource(buf: XmlBuffer, src: ChrSourceDef, flags: number): void {
  const attr = new XmlBuffer();
  const child = buf.child();
  switch (src.type) {
    case "pty":
    case "dev":
    case "file":
    case "pipe":
      if (src.type !== "pty" || (src.path !== null && !(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE))) {
        attr.addEscaped((v) => ` path='${v}'`, src.path);
        if (src.type === "file" && src.append !== null) attr.add(` append='${src.append}'`);
        formatElement(buf, "source", attr, child);
      }
      break;
    case "nmdm":
      buf.addEscaped((v) => `<source master='${v}' `, src.master);
      buf.addEscaped((v) => `slave='${v}'/>\n`, src.slave);
      break;
    case "udp":
      if (src.bindService !== null || src.bindHost !== null) {
        buf.add("<source mode='bind'");
        buf.addEscaped((v) => ` host='${v}'`, src.bindHost);
        buf.addEscaped((v) => ` service='${v}'`, src.bindService);
        buf.add("/>\n");
      }
      if (src.connectService !== null || src.connectHost !== null) {
        buf.add("<source mode='connect'");
        buf.addEscaped((v) => ` host='${v}'`, src.connectHost);
        buf.addEscaped((v) => ` service='${v}'`, src.connectService);
        buf.add("/>\n");
      }
      break;
    case "tcp":
      attr.add(` mode='${src.listen ? "bind" : "connect"}' `);
      attr.addEscaped((v) => `host='${v}' `, src.host);
      attr.addEscaped((v) => `service='${v}'`, src.service);
      if (src.tls !== null) attr.add(` tls='${src.tls}'`);
      formatReconnect(child, src);
      formatElement(buf, "source", attr, child);
      buf.add(`<protocol type='${src.protocol}'/>\n`);
      break;
    case "unix":
      if (src.path !== null) {
        attr.add(` mode='${src.listen ? "bind" : "connect"}'`);
        attr.addEscaped((v) => ` path='${v}'`, src.path);
        formatReconnect(child, src);
        formatElement(buf, "source", attr, child);
      }
      break;
    case "spiceport":
    case "dbus":
      buf.addEscaped((v) => `<source channel='${v}'/>\n`, src.channel);
      break;
    default:
      break;
  }
  if (src.logFile !== null) {
    buf.addEscaped((v) => `<log file='${v}'`, src.logFile);
    if (src.logAppend !== null) buf.add(` append='${src.logAppend}'`);
    buf.add("/>\n");
  }
}

/** virDomainChrTargetDefFormat */
function formatChrTarget(buf: XmlBuffer, chr: ChrDef, flags: number): void {
  switch (chr.deviceType) {
    case "channel": {
      let s = `<target type='${chr.targetType}'`;
      if (chr.targetType === "guestfwd" && chr.targetAddress) {
        s += ` address='${chr.targetAddress.address}' port='${chr.targetAddress.port}'`;
        buf.add(s);
      } else {
        buf.add(s);
        if (chr.targetType === "xen" || chr.targetType === "virtio") {
          buf.addEscaped((v) => ` name='${v}'`, chr.targetName);
          if (chr.targetType === "virtio" && chr.state !== null && !(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE)) buf.add(` state='${chr.state}'`);
        }
      }
      buf.add("/>\n");
      break;
    }
    case "console":
      buf.add(`<target type='${chr.targetType}' port='${chr.targetPort}'/>\n`);
      break;
    case "serial": {
      let s = "<target ";
      if (chr.targetType !== "none") s += `type='${chr.targetType}' `;
      s += `port='${chr.targetPort}'`;
      buf.add(s);
      if (chr.targetModel !== "none") {
        buf.add(">\n");
        buf.adjustIndent(2);
        buf.add(`<model name='${chr.targetModel}'/>\n`);
        buf.adjustIndent(-2);
        buf.add("</target>\n");
      } else {
        buf.add("/>\n");
      }
      break;
    }
    case "parallel":
      buf.add(`<target port='${chr.targetPort}'/>\n`);
      break;
  }
}

/** virDomainChrDefFormat */
export function formatChr(buf: XmlBuffer, chr: ChrDef, flags: number): void {
  const name = chr.deviceType;
  buf.add(`<${name}`);
  buf.adjustIndent(2);
  // compat with the legacy <console tty='/dev/pts/5'/> syntax
  const ttyCompat =
    chr.deviceType === "console" && chr.targetPort === 0 && chr.source.type === "pty" && !(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE) && chr.source.path !== null;
  buf.add(` type='${chr.source.type}'`);
  if (ttyCompat) buf.addEscaped((v) => ` tty='${v}'`, chr.source.path);
  buf.add(">\n");
  formatChrSource(buf, chr.source, flags);
  formatChrTarget(buf, chr, flags);
  formatDeviceInfo(buf, chr.info, flags);
  buf.adjustIndent(-2);
  buf.add(`</${name}>\n`);
}
