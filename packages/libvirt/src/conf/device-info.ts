// Per-device common XML: <boot>, <alias>, <master>, <rom>, <acpi>, <address> and the virtio
// <driver> options (virDomainDeviceInfoParseXML / virDomainDeviceInfoFormat and
// virDomainVirtioOptionsParseXML / Format in src/conf/domain_conf.c, address parsers in
// src/conf/device_conf.c, libvirt 9.0).
import { firstChild, type XmlBuffer, type XmlElement } from "../util/xml.js";
import { attrString } from "./units.js";
import {
  confError,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_XML_ERROR,
  VIR_FROM_NONE,
} from "./conf-error.js";
import type { DeviceAddress, DeviceInfo, VirtioOptions } from "./domain-def.js";
import { VIR_DOMAIN_DEVICE_ADDRESS_TYPE } from "./domain-enums.js";
import {
  VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT,
  VIR_DOMAIN_DEF_FORMAT_ALLOW_ROM,
  VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT,
  VIR_DOMAIN_DEF_PARSE_ALLOW_ROM,
  VIR_DOMAIN_DEF_PARSE_INACTIVE,
} from "./domain-flags.js";
import {
  propString,
  propTristateBool,
  propTristateSwitch,
  propUInt,
  propULongLong,
  VIR_XML_PROP_NONZERO,
  VIR_XML_PROP_REQUIRED,
} from "./virxml-props.js";
import { strtolPrefixI } from "./virstring.js";

export function newDeviceInfo(): DeviceInfo {
  return { alias: null, bootIndex: 0, loadparm: null, acpiIndex: 0, rom: null, usbMasterStartport: null, address: null };
}

/** USER_ALIAS_PREFIX / USER_ALIAS_CHARS of domain_conf.c */
const USER_ALIAS_RE = /^ua-[A-Za-z0-9_-]*$/;

/** VIR_DOMAIN_DEVICE_USB_MAX_PORT_DEPTH */
const USB_MAX_PORT_DEPTH = 4;

function hexish(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** virPCIDeviceAddressIsValid(addr, report=true) */
function checkPciAddress(a: { domain: number; bus: number; slot: number; function: number }): void {
  if (a.bus > 0xff) throw confError(VIR_ERR_XML_ERROR, `Invalid PCI address bus='0x${a.bus.toString(16)}', must be <= 0xFF`, VIR_FROM_NONE);
  if (a.slot > 0x1f) throw confError(VIR_ERR_XML_ERROR, `Invalid PCI address slot='0x${a.slot.toString(16)}', must be <= 0x1F`, VIR_FROM_NONE);
  if (a.function > 7) throw confError(VIR_ERR_XML_ERROR, `Invalid PCI address function=0x${a.function.toString(16)}, must be <= 7`, VIR_FROM_NONE);
}

function parseAddress(el: XmlElement): DeviceAddress {
  const type = propString(el, "type");
  if (type === null) throw confError(VIR_ERR_INTERNAL_ERROR, "No type specified for device address");
  const idx = VIR_DOMAIN_DEVICE_ADDRESS_TYPE.indexOf(type as never);
  if (idx <= 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown address type '${type}'`);
  const u = (name: string, base = 10): number => propUInt(el, name, 0, base) ?? 0;
  switch (VIR_DOMAIN_DEVICE_ADDRESS_TYPE[idx]) {
    case "pci": {
      const a = { domain: u("domain", 0), bus: u("bus", 0), slot: u("slot", 0), function: u("function", 0) };
      const multifunction = propTristateSwitch(el, "multifunction");
      if (a.domain || a.bus || a.slot) checkPciAddress(a);
      if (firstChild(el, "zpci")) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "zPCI addresses are not supported by virtkit");
      return { type: "pci", ...a, multifunction };
    }
    case "drive":
      return { type: "drive", controller: u("controller"), bus: u("bus"), target: u("target"), unit: u("unit") };
    case "virtio-serial":
      return { type: "virtio-serial", controller: u("controller"), bus: u("bus"), port: u("port") };
    case "ccid":
      return { type: "ccid", controller: u("controller"), slot: u("slot") };
    case "usb": {
      const portStr = propString(el, "port");
      const port: number[] = [];
      if (portStr !== null) parseUsbPort(portStr, port);
      return { type: "usb", bus: u("bus"), port };
    }
    case "spapr-vio":
      return { type: "spapr-vio", reg: propULongLong(el, "reg", 0, 16) };
    case "ccw":
      return { type: "ccw", cssid: u("cssid", 0), ssid: u("ssid", 0), devno: u("devno", 0) };
    case "virtio-mmio":
      return { type: "virtio-mmio" };
    case "isa":
      return { type: "isa", iobase: u("iobase", 16), irq: u("irq", 16) };
    case "virtio-s390":
      throw confError(VIR_ERR_XML_ERROR, "virtio-s390 bus doesn't have an address");
    case "dimm":
      return { type: "dimm", slot: propUInt(el, "slot", VIR_XML_PROP_REQUIRED)!, base: propULongLong(el, "base", 0, 16) ?? 0n };
    default:
      return { type: "unassigned" };
  }
}

/** virDomainDeviceUSBAddressParsePort: "1.2.3" */
function parseUsbPort(s: string, out: number[]): void {
  let rest = s;
  for (let i = 0; i < USB_MAX_PORT_DEPTH; i++) {
    const r = /^\s*\+?\d+/.exec(rest);
    const n = r ? strtolPrefixI(rest) : null;
    if (!r || !n || n.value < 0) break;
    out.push(n.value);
    rest = rest.slice(n.end);
    if (rest === "") return;
    if (rest.startsWith(".")) rest = rest.slice(1);
  }
  throw confError(VIR_ERR_INTERNAL_ERROR, "Cannot parse <address> 'port' attribute");
}

export interface DeviceInfoParseOptions {
  /** the driver accepts user aliases ("ua-...") in inactive XML (VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) */
  userAliases: boolean;
}

/** virDomainDeviceInfoParseXML */
export function parseDeviceInfo(node: XmlElement, flags: number, opts: DeviceInfoParseOptions): DeviceInfo {
  const info = newDeviceInfo();
  const alias = attrString(firstChild(node, "alias"), "name");
  if (alias !== null) {
    if (!(flags & VIR_DOMAIN_DEF_PARSE_INACTIVE) || (opts.userAliases && USER_ALIAS_RE.test(alias))) info.alias = alias;
  }
  const master = firstChild(node, "master");
  if (master) info.usbMasterStartport = propUInt(master, "startport") ?? 0;
  const boot = flags & VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT ? firstChild(node, "boot") : null;
  if (boot) {
    info.bootIndex = propUInt(boot, "order", VIR_XML_PROP_REQUIRED | VIR_XML_PROP_NONZERO)!;
    const loadparm = propString(boot, "loadparm");
    if (loadparm !== null) {
      const upper = loadparm.toUpperCase();
      // virDomainDeviceLoadparmIsValid: 1-8 characters of [a-zA-Z0-9. ]
      if (upper.length === 0 || Buffer.byteLength(upper) > 8) {
        throw confError(VIR_ERR_INTERNAL_ERROR, `loadparm value '${upper}' must be between 1 and 8 characters`);
      }
      if (!/^[A-Za-z0-9. ]*$/.test(upper)) {
        throw confError(VIR_ERR_INTERNAL_ERROR, `invalid loadparm value '${upper}', expecting chars in set of [a-zA-Z0-9.] and blank spaces`);
      }
      info.loadparm = upper;
    }
  }
  const rom = flags & VIR_DOMAIN_DEF_PARSE_ALLOW_ROM ? firstChild(node, "rom") : null;
  if (rom) {
    const enabled = propTristateBool(rom, "enabled");
    const bar = propTristateSwitch(rom, "bar");
    const file = propString(rom, "file");
    if (enabled === "no" && (bar !== null || file !== null)) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "ROM tuning is not supported when ROM is disabled");
    }
    info.rom = { enabled, bar, file };
  }
  const acpi = firstChild(node, "acpi");
  if (acpi) info.acpiIndex = propUInt(acpi, "index", VIR_XML_PROP_NONZERO) ?? 0;
  const address = firstChild(node, "address");
  if (address) info.address = parseAddress(address);
  return info;
}

export function isPciAddressEmpty(a: { domain: number; bus: number; slot: number }): boolean {
  return !(a.domain || a.bus || a.slot);
}

/** virDomainDeviceInfoFormat */
export function formatDeviceInfo(buf: XmlBuffer, info: DeviceInfo, flags: number): void {
  if (flags & VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT && info.bootIndex) {
    buf.add(`<boot order='${info.bootIndex}'${info.loadparm !== null ? ` loadparm='${info.loadparm}'` : ""}/>\n`);
  }
  if (info.alias !== null) buf.add(`<alias name='${info.alias}'/>\n`);
  if (info.usbMasterStartport !== null) buf.add(`<master startport='${info.usbMasterStartport}'/>\n`);
  if (flags & VIR_DOMAIN_DEF_FORMAT_ALLOW_ROM && info.rom && (info.rom.enabled !== null || info.rom.bar !== null || info.rom.file !== null)) {
    let s = "<rom";
    if (info.rom.enabled !== null) s += ` enabled='${info.rom.enabled}'`;
    if (info.rom.bar !== null) s += ` bar='${info.rom.bar}'`;
    buf.add(s);
    buf.addEscaped((v) => ` file='${v}'`, info.rom.file);
    buf.add("/>\n");
  }
  if (info.acpiIndex !== 0) buf.add(`<acpi index='${info.acpiIndex}'/>\n`);
  const a = info.address;
  if (!a) return;
  let attrs = ` type='${a.type}'`;
  switch (a.type) {
    case "pci":
      if (!isPciAddressEmpty(a)) {
        attrs += ` domain='0x${hexish(a.domain, 4)}' bus='0x${hexish(a.bus, 2)}' slot='0x${hexish(a.slot, 2)}' function='0x${a.function}'`;
      }
      if (a.multifunction !== null) attrs += ` multifunction='${a.multifunction}'`;
      break;
    case "drive":
      attrs += ` controller='${a.controller}' bus='${a.bus}' target='${a.target}' unit='${a.unit}'`;
      break;
    case "virtio-serial":
      attrs += ` controller='${a.controller}' bus='${a.bus}' port='${a.port}'`;
      break;
    case "ccid":
      attrs += ` controller='${a.controller}' slot='${a.slot}'`;
      break;
    case "usb":
      attrs += ` bus='${a.bus}'`;
      if (a.port.length > 0 && a.port[0] !== 0) {
        const parts: number[] = [];
        for (const p of a.port) {
          if (p === 0) break;
          parts.push(p);
        }
        attrs += ` port='${parts.join(".")}'`;
      }
      break;
    case "spapr-vio":
      if (a.reg !== null && a.reg !== 0n) attrs += ` reg='0x${a.reg.toString(16).padStart(8, "0")}'`;
      break;
    case "ccw":
      attrs += ` cssid='0x${a.cssid.toString(16)}' ssid='0x${a.ssid.toString(16)}' devno='0x${hexish(a.devno, 4)}'`;
      break;
    case "isa":
      if (a.iobase > 0) attrs += ` iobase='0x${a.iobase.toString(16)}'`;
      if (a.irq > 0) attrs += ` irq='0x${a.irq.toString(16)}'`;
      break;
    case "dimm":
      attrs += ` slot='${a.slot}'`;
      if (a.base) attrs += ` base='0x${a.base.toString(16)}'`;
      break;
    case "virtio-mmio":
    case "unassigned":
      break;
  }
  buf.add(`<address${attrs}/>\n`);
}

/** virDomainVirtioOptionsParseXML: null when there is no <driver> element */
export function parseVirtioOptions(driver: XmlElement | null): VirtioOptions | null {
  if (!driver) return null;
  return {
    iommu: propTristateSwitch(driver, "iommu"),
    ats: propTristateSwitch(driver, "ats"),
    packed: propTristateSwitch(driver, "packed"),
    pagePerVq: propTristateSwitch(driver, "page_per_vq"),
  };
}

/** virDomainVirtioOptionsFormat: attributes for a <driver> element */
export function formatVirtioOptions(v: VirtioOptions | null): string {
  if (!v) return "";
  let s = "";
  if (v.iommu !== null) s += ` iommu='${v.iommu}'`;
  if (v.ats !== null) s += ` ats='${v.ats}'`;
  if (v.packed !== null) s += ` packed='${v.packed}'`;
  if (v.pagePerVq !== null) s += ` page_per_vq='${v.pagePerVq}'`;
  return s;
}

/** virDomainCheckVirtioOptionsAreAbsent (domain_validate.c) */
export function checkVirtioOptionsAbsent(v: VirtioOptions | null): void {
  if (!v) return;
  if (v.iommu !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "iommu driver option is only supported for virtio devices");
  if (v.ats !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "ats driver option is only supported for virtio devices");
  if (v.packed !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "packed driver option is only supported for virtio devices");
  if (v.pagePerVq !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "page_per_vq option is only supported for virtio devices");
}
