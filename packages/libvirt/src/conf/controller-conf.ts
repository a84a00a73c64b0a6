// <controller> devices (libvirt 9.0 src/conf/domain_conf.c: virDomainControllerDefParseXML,
// virDomainControllerDefFormat, virDomainControllerInsertPreAlloced, virDomainDefAddController,
// virDomainDefControllersParse; domain_validate.c: virDomainControllerDefValidate).
import { childElements, firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_XML_DETAIL, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { formatDeviceInfo, formatVirtioOptions, newDeviceInfo, parseDeviceInfo, parseVirtioOptions } from "./device-info.js";
import type { ControllerDef } from "./domain-def.js";
import { CONTROLLER_MODELS, VIR_DOMAIN_CONTROLLER, VIR_DOMAIN_CONTROLLER_PCI_MODEL_NAME, type ControllerType } from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { attrString, elementString, parseScaledValue } from "./units.js";
import { propEnum, propInt, propString, propTristateSwitch, propUInt, VIR_XML_PROP_NONNEGATIVE } from "./virxml-props.js";
import { virStrToLongI } from "./virstring.js";

/** virDomainControllerDefNew */
export function newController(type: ControllerType): ControllerDef {
  return {
    type,
    idx: -1,
    model: null,
    ports: -1,
    vectors: -1,
    driver: { queues: 0, cmdPerLun: 0, maxSectors: 0, ioeventfd: null, iothread: 0 },
    virtio: null,
    pci: { modelName: null, chassisNr: -1, chassis: -1, port: -1, busNr: -1, targetIndex: -1, hotplug: null, numaNode: -1, pcihole64: null },
    info: newDeviceInfo(),
  };
}

/** models that are USB2 "companion" candidates (IS_USB2_CONTROLLER) */
export function isUsb2Controller(c: ControllerDef): boolean {
  return c.type === "usb" && c.model !== null && ["ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3"].includes(c.model);
}

/** virDomainControllerDefParseXML */
export function parseController(node: XmlElement, ctx: ParseContext): ControllerDef {
  const type = propEnum(node, "type", VIR_DOMAIN_CONTROLLER) ?? "ide";
  if (type === "xenbus") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "controller type 'xenbus' is not supported by virtkit");
  const c = newController(type);
  const model = propString(node, "model");
  if (model !== null) {
    if (!CONTROLLER_MODELS[type].includes(model)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Unknown model type '${model}'`);
    c.model = model;
  }
  const idx = propInt(node, "index", VIR_XML_PROP_NONNEGATIVE);
  if (idx !== null) c.idx = idx;
  const driver = firstChild(node, "driver");
  if (driver) {
    c.driver.queues = propUInt(driver, "queues") ?? 0;
    c.driver.cmdPerLun = propUInt(driver, "cmd_per_lun") ?? 0;
    c.driver.maxSectors = propUInt(driver, "max_sectors") ?? 0;
    c.driver.ioeventfd = propTristateSwitch(driver, "ioeventfd");
    c.driver.iothread = propUInt(driver, "iothread") ?? 0;
    c.virtio = parseVirtioOptions(driver);
  }
  const models = childElements(node, "model");
  if (models.length > 1) throw confError(VIR_ERR_XML_ERROR, "Multiple <model> elements in controller definition not allowed");
  if (models.length === 1 && type === "pci") {
    c.pci.modelName = propEnum(models[0]!, "name", VIR_DOMAIN_CONTROLLER_PCI_MODEL_NAME);
  }
  const targets = childElements(node, "target");
  if (targets.length > 1) throw confError(VIR_ERR_XML_ERROR, "Multiple <target> elements in controller definition not allowed");
  if (targets.length === 1 && type === "pci") {
    const t = targets[0]!;
    c.pci.chassisNr = propInt(t, "chassisNr", VIR_XML_PROP_NONNEGATIVE, 0) ?? -1;
    c.pci.chassis = propInt(t, "chassis", VIR_XML_PROP_NONNEGATIVE, 0) ?? -1;
    c.pci.port = propInt(t, "port", VIR_XML_PROP_NONNEGATIVE, 0) ?? -1;
    c.pci.busNr = propInt(t, "busNr", VIR_XML_PROP_NONNEGATIVE, 0) ?? -1;
    c.pci.hotplug = propTristateSwitch(t, "hotplug");
    c.pci.targetIndex = propInt(t, "index", VIR_XML_PROP_NONNEGATIVE, 0) ?? -1;
  }
  // <target><node> is a child element rather than an attribute
  let numaNode = -1;
  const t0 = targets[0];
  const nodeText = t0 ? elementString(firstChild(t0, "node")) : null;
  if (nodeText !== null) {
    const n = virStrToLongI(nodeText);
    if (n === null || n < 0) throw confError(VIR_ERR_XML_ERROR, "invalid NUMA node in target");
    numaNode = n;
  }
  if (!(type === "usb" && model === "none")) {
    c.info = parseDeviceInfo(node, ctx.flags, { userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0 });
  }
  const ports = propInt(node, "ports", VIR_XML_PROP_NONNEGATIVE) ?? -1;
  switch (type) {
    case "virtio-serial":
      c.vectors = propInt(node, "vectors", VIR_XML_PROP_NONNEGATIVE) ?? -1;
      c.ports = ports;
      break;
    case "usb": {
      const masterPort = model === "ich9-uhci1" ? 0 : model === "ich9-uhci2" ? 2 : model === "ich9-uhci3" ? 4 : -1;
      if (masterPort !== -1 && c.info.usbMasterStartport === null) c.info.usbMasterStartport = masterPort;
      c.ports = ports;
      break;
    }
    case "pci":
      if (model === "pci-root" || model === "pcie-root") {
        const ph = firstChild(node, "pcihole64");
        const bytes = parseScaledValue(elementString(ph), attrString(ph, "unit"), "./pcihole64", 1024n, 1024n * ((1n << 64n) - 1n), false);
        if (bytes !== null) c.pci.pcihole64 = Number((bytes + 1023n) / 1024n);
      }
      if (numaNode >= 0) c.pci.numaNode = numaNode;
      break;
    default:
      break;
  }
  return c;
}

/** virDomainControllerInsertPreAlloced: keep controllers of one type ordered by index */
export function insertController(list: ControllerDef[], c: ControllerDef): void {
  let insertAt = -1;
  for (let idx = list.length - 1; idx >= 0; idx--) {
    const cur = list[idx]!;
    if (cur.type !== c.type) continue;
    if (c.idx === -1) {
      insertAt = idx + 1;
      break;
    }
    if (cur.idx > c.idx) {
      insertAt = idx;
    } else if (c.info.usbMasterStartport === null && cur.info.usbMasterStartport !== null && cur.idx === c.idx) {
      insertAt = idx;
    } else if (insertAt === -1) {
      insertAt = idx + 1;
    }
  }
  if (insertAt < 0) list.push(c);
  else list.splice(insertAt, 0, c);
}

/**
 * virDomainDefControllersParse: parse all <controller>s with the "USB disabled" bookkeeping;
 * returns whether a model='none' USB controller was seen.
 */
export function parseControllers(nodes: XmlElement[], ctx: ParseContext, out: ControllerDef[]): boolean {
  let usbNone = false;
  let usbOther = false;
  let usbMaster = false;
  for (const n of nodes) {
    const c = parseController(n, ctx);
    if (c.type === "usb") {
      if (c.model === "none") {
        if (usbOther || usbNone) throw confError(VIR_ERR_XML_DETAIL, "Can't add another USB controller: USB is disabled for this domain");
        usbNone = true;
      } else {
        if (usbNone) throw confError(VIR_ERR_XML_DETAIL, "Can't add another USB controller: USB is disabled for this domain");
        usbOther = true;
      }
      if (c.info.usbMasterStartport === null) usbMaster = true;
    }
    insertController(out, c);
  }
  if (usbOther && !usbMaster) throw confError(VIR_ERR_XML_DETAIL, "No master USB controller specified");
  return usbNone;
}

export function findController(list: readonly ControllerDef[], type: ControllerType, idx: number): number {
  return list.findIndex((c) => c.type === type && c.idx === idx);
}

/** virDomainControllerFindUnusedIndex */
export function findUnusedControllerIndex(list: readonly ControllerDef[], type: ControllerType): number {
  let idx = 0;
  while (findController(list, type, idx) >= 0) idx++;
  return idx;
}

/** virDomainDefAddController: appended (not sorted), like VIR_APPEND_ELEMENT_COPY */
export function addController(list: ControllerDef[], type: ControllerType, idx: number, model: string | null): ControllerDef {
  const c = newController(type);
  c.idx = idx < 0 ? findUnusedControllerIndex(list, type) : idx;
  c.model = model;
  list.push(c);
  return c;
}

/** virDomainDefMaybeAddController */
export function maybeAddController(list: ControllerDef[], type: ControllerType, idx: number, model: string | null): boolean {
  if (idx >= 0 && findController(list, type, idx) >= 0) return false;
  addController(list, type, idx, model);
  return true;
}

/** virDomainControllerDefValidate */
export function validateController(c: ControllerDef): void {
  if (c.type !== "pci") return;
  const o = c.pci;
  if ((c.model === "pci-root" || c.model === "pcie-root") && c.info.address !== null) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "pci-root and pcie-root controllers should not have an address");
  }
  if (c.idx > 255) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `PCI controller index ${c.idx} too high, maximum is 255`);
  if (o.targetIndex !== -1) {
    if (o.targetIndex < 0 || o.targetIndex > 30) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `PCI controller target index '${o.targetIndex}' out of range - must be 0-30`);
    }
    if ((c.idx === 0 && o.targetIndex !== 0) || (c.idx !== 0 && o.targetIndex === 0)) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "Only the PCI controller with index 0 can have target index 0, and vice versa");
    }
  }
  if (o.chassisNr !== -1 && (o.chassisNr < 1 || o.chassisNr > 255)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `PCI controller chassisNr '${o.chassisNr}' out of range - must be 1-255`);
  }
  if (o.chassis !== -1 && (o.chassis < 0 || o.chassis > 255)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `PCI controller chassis '${o.chassis}' out of range - must be 0-255`);
  }
  if (o.port !== -1 && (o.port < 0 || o.port > 255)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `PCI controller port '${o.port}' out of range - must be 0-255`);
  }
  if (o.busNr !== -1 && (o.busNr < 1 || o.busNr > 254)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `PCI controller busNr '${o.busNr}' out of range - must be 1-254`);
  }
  if (o.numaNode >= 0 && c.idx === 0) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "The PCI controller with index=0 can't be associated with a NUMA node");
  }
}

/** virDomainControllerDefFormat */
export function formatController(buf: XmlBuffer, c: ControllerDef, flags: number): void {
  const attr = new XmlBuffer();
  attr.add(` type='${c.type}' index='${c.idx}'`);
  if (c.model !== null) attr.addEscaped((v) => ` model='${v}'`, c.model);
  if (c.type === "virtio-serial") {
    if (c.ports !== -1) attr.add(` ports='${c.ports}'`);
    if (c.vectors !== -1) attr.add(` vectors='${c.vectors}'`);
  } else if (c.type === "usb") {
    if (c.ports !== -1) attr.add(` ports='${c.ports}'`);
  }
  const child = buf.child();
  if (c.type === "pci") {
    const o = c.pci;
    if (o.modelName !== null && o.modelName !== "none") child.add(`<model name='${o.modelName}'/>\n`);
    const tAttr = new XmlBuffer();
    if (o.chassisNr !== -1) tAttr.add(` chassisNr='${o.chassisNr}'`);
    if (o.chassis !== -1) tAttr.add(` chassis='${o.chassis}'`);
    if (o.port !== -1) tAttr.add(` port='0x${o.port.toString(16)}'`);
    if (o.busNr !== -1) tAttr.add(` busNr='${o.busNr}'`);
    if (o.targetIndex !== -1) tAttr.add(` index='${o.targetIndex}'`);
    if (o.hotplug !== null) tAttr.add(` hotplug='${o.hotplug}'`);
    const tChild = child.child();
    if (o.numaNode !== -1) tChild.add(`<node>${o.numaNode}</node>\n`);
    formatElement(child, "target", tAttr, tChild);
  }
  const dAttr = new XmlBuffer();
  if (c.driver.queues) dAttr.add(` queues='${c.driver.queues}'`);
  if (c.driver.cmdPerLun) dAttr.add(` cmd_per_lun='${c.driver.cmdPerLun}'`);
  if (c.driver.maxSectors) dAttr.add(` max_sectors='${c.driver.maxSectors}'`);
  if (c.driver.ioeventfd !== null) dAttr.add(` ioeventfd='${c.driver.ioeventfd}'`);
  if (c.driver.iothread) dAttr.add(` iothread='${c.driver.iothread}'`);
  dAttr.add(formatVirtioOptions(c.virtio));
  formatElement(child, "driver", dAttr, null);
  formatDeviceInfo(child, c.info, flags);
  if (c.type === "pci" && c.pci.pcihole64 !== null) child.add(`<pcihole64 unit='KiB'>${c.pci.pcihole64}</pcihole64>\n`);
  formatElement(buf, "controller", attr, child);
}
