// <input> devices (libvirt 9.0 src/conf/domain_conf.c: virDomainInputDefParseXML,
// virDomainInputDefFormat; domain_validate.c: virDomainInputDefValidate).
import { firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_INTERNAL_ERROR, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { formatDeviceInfo, formatVirtioOptions, parseDeviceInfo, parseVirtioOptions } from "./device-info.js";
import type { DomainDef, InputDef } from "./domain-def.js";
import { VIR_DOMAIN_INPUT, VIR_DOMAIN_INPUT_BUS, VIR_DOMAIN_INPUT_MODEL, type Arch, type InputBus, type InputType } from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FORMAT_MIGRATABLE } from "./domain-flags.js";
import { VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { propEnum, propString, propTristateSwitch, VIR_XML_PROP_NONZERO } from "./virxml-props.js";

const GRAB_TOGGLE = ["default", "ctrl-ctrl", "alt-alt", "shift-shift", "meta-meta", "scrolllock", "ctrl-scrolllock"] as const;

export function isX86(arch: Arch): boolean {
  return arch === "i686" || arch === "x86_64";
}

/** virDomainInputDefParseXML; the default bus depends on the OS type and architecture */
export function parseInput(node: XmlElement, dom: Pick<DomainDef, "os" | "virtType">, ctx: ParseContext): InputDef {
  const type = propString(node, "type");
  const bus = propString(node, "bus");
  const model = propString(node, "model");
  if (type === null) throw confError(VIR_ERR_INTERNAL_ERROR, "missing input device type");
  if (!VIR_DOMAIN_INPUT.includes(type as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown input device type '${type}'`);
  const t = type as InputType;
  if (model !== null && (!VIR_DOMAIN_INPUT_MODEL.includes(model as never) || model === "default")) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown input model '${model}'`);
  }
  let b: InputBus;
  if (bus !== null) {
    if (!VIR_DOMAIN_INPUT_BUS.includes(bus as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown input bus type '${bus}'`);
    b = bus as InputBus;
  } else if (dom.os.type === "hvm") {
    if ((t === "mouse" || t === "keyboard") && isX86(dom.os.arch)) b = "ps2";
    else if (dom.os.arch === "s390" || dom.os.arch === "s390x" || t === "passthrough") b = "virtio";
    else if (t === "evdev") b = "none";
    else b = "usb";
  } else if (dom.os.type === "xen" || dom.os.type === "xenpvh") {
    b = "xen";
  } else {
    b = dom.virtType === "vz" || dom.virtType === "parallels" ? "parallels" : "ps2";
  }
  const info = parseDeviceInfo(node, ctx.flags, { userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0 });
  if (b === "usb" && info.address !== null && info.address.type !== "usb") throw confError(VIR_ERR_XML_ERROR, "Invalid address for a USB device");
  const input: InputDef = {
    type: t,
    bus: b,
    model: model as InputDef["model"],
    evdev: null,
    grab: null,
    grabToggle: null,
    repeat: null,
    virtio: null,
    info,
  };
  const source = firstChild(node, "source");
  if (source) {
    let evdev: string | null = null;
    if (t === "passthrough") evdev = propString(source, "evdev");
    else if (t === "evdev") evdev = propString(source, "dev");
    if (evdev !== null) input.evdev = sanitizePath(evdev);
    if ((t === "passthrough" || t === "evdev") && input.evdev === null) throw confError(VIR_ERR_XML_ERROR, "Missing evdev path for input device");
    if (t === "evdev") {
      input.grab = propEnum(source, "grab", ["default", "all"] as const, VIR_XML_PROP_NONZERO) as InputDef["grab"];
      input.grabToggle = propEnum(source, "grabToggle", GRAB_TOGGLE, VIR_XML_PROP_NONZERO);
      input.repeat = propTristateSwitch(source, "repeat");
    }
  }
  input.virtio = parseVirtioOptions(firstChild(node, "driver"));
  return input;
}

/**
 * virFileSanitizePath (src/util/virfile.c): collapse runs of '/', drop a trailing '/', keep a
 * leading "//" (valid POSIX) and leave URIs alone.
 */
export function sanitizePath(path: string): string {
  const uri = path.indexOf("://");
  if (uri >= 0 && path.indexOf("/") > uri) return path;
  let out = "";
  let i = 0;
  if (path.startsWith("/") && path[1] === "/" && path[2] !== "/") {
    out = "//";
    i = 2;
  }
  while (i < path.length) {
    if (path[i] !== "/") {
      out += path.charAt(i);
      i++;
      continue;
    }
    while (path[i + 1] === "/") i++;
    i++;
    if (out.length !== 0 && i >= path.length) break;
    out += "/";
  }
  return out;
}

/** virDomainInputDefValidate */
export function validateInput(input: InputDef, def: DomainDef): void {
  if (def.os.type === "hvm") {
    if (input.bus === "ps2" && input.type !== "mouse" && input.type !== "keyboard") {
      throw confError(VIR_ERR_INTERNAL_ERROR, `ps2 bus does not support ${input.type} input device`);
    }
    if (input.bus === "xen") throw confError(VIR_ERR_INTERNAL_ERROR, `unsupported input bus ${input.bus}`);
  } else if (def.os.type === "xen" || def.os.type === "xenpvh") {
    if (input.bus !== "xen") throw confError(VIR_ERR_INTERNAL_ERROR, `unsupported input bus ${input.bus}`);
    if (input.type !== "mouse" && input.type !== "keyboard") throw confError(VIR_ERR_INTERNAL_ERROR, `xen bus does not support ${input.type} input device`);
  } else if (def.virtType === "vz" || def.virtType === "parallels") {
    if (input.bus !== "parallels") throw confError(VIR_ERR_INTERNAL_ERROR, `parallels containers don't support input bus ${input.bus}`);
    if (input.type !== "mouse" && input.type !== "keyboard") throw confError(VIR_ERR_INTERNAL_ERROR, `parallels bus does not support ${input.type} input device`);
  } else {
    throw confError(VIR_ERR_INTERNAL_ERROR, "Input devices are not supported by this virtualization driver.");
  }
  switch (input.type) {
    case "mouse":
    case "tablet":
    case "keyboard":
      if (input.evdev !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "setting source evdev path only supported for passthrough input devices");
      break;
    case "passthrough":
      if (input.bus !== "virtio") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "only bus 'virtio' is supported for 'passthrough' input devices");
      break;
    case "evdev":
      if (input.bus !== "none") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "input evdev doesn't support bus element");
      break;
  }
  if (input.model !== null && input.bus !== "virtio") {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `only bus 'virtio' is supported for input model '${input.model}'`);
  }
}

/** virDomainInputDefFormat */
export function formatInput(buf: XmlBuffer, input: InputDef, flags: number): void {
  // the implicit PS/2 keyboard is left out of migratable XML for backward compatibility
  if (flags & VIR_DOMAIN_DEF_FORMAT_MIGRATABLE && input.type === "keyboard" && (input.bus === "ps2" || input.bus === "xen")) return;
  const attr = new XmlBuffer();
  attr.add(` type='${input.type}'`);
  if (input.bus !== "none") attr.add(` bus='${input.bus}'`);
  if (input.model !== null) attr.add(` model='${input.model}'`);
  const child = buf.child();
  const dAttr = new XmlBuffer();
  dAttr.add(formatVirtioOptions(input.virtio));
  formatElement(child, "driver", dAttr, null);
  const sAttr = new XmlBuffer();
  if (input.type === "evdev") sAttr.addEscaped((v) => ` dev='${v}'`, input.evdev);
  else sAttr.addEscaped((v) => ` evdev='${v}'`, input.evdev);
  if (input.grab !== null) sAttr.add(` grab='${input.grab}'`);
  if (input.grabToggle !== null) sAttr.add(` grabToggle='${input.grabToggle}'`);
  if (input.repeat !== null) sAttr.add(` repeat='${input.repeat}'`);
  formatElement(child, "source", sAttr, null);
  formatDeviceInfo(child, input.info, flags);
  formatElement(buf, "input", attr, child);
}
