// <memballoon> (libvirt 9.0 src/conf/domain_conf.c: virDomainMemballoonDefParseXML,
// virDomainMemballoonDefFormat).
import { firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import { formatDeviceInfo, formatVirtioOptions, newDeviceInfo, parseDeviceInfo, parseVirtioOptions } from "./device-info.js";
import type { MemballoonDef } from "./domain-def.js";
import { VIR_DOMAIN_MEMBALLOON_MODEL, type MemballoonModel } from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { propEnum, propInt, propTristateSwitch, VIR_XML_PROP_REQUIRED } from "./virxml-props.js";

export function newMemballoon(model: MemballoonModel): MemballoonDef {
  return { model, autodeflate: null, freePageReporting: null, period: 0, virtio: null, info: newDeviceInfo() };
}

/** virDomainMemballoonDefParseXML: a model='none' balloon ignores its address */
export function parseMemballoon(node: XmlElement, ctx: ParseContext): MemballoonDef {
  const m = newMemballoon(propEnum(node, "model", VIR_DOMAIN_MEMBALLOON_MODEL, VIR_XML_PROP_REQUIRED)!);
  m.autodeflate = propTristateSwitch(node, "autodeflate");
  m.freePageReporting = propTristateSwitch(node, "freePageReporting");
  const stats = firstChild(node, "stats");
  if (stats) m.period = Math.max(0, propInt(stats, "period", 0, 0) ?? 0);
  if (m.model !== "none") {
    m.info = parseDeviceInfo(node, ctx.flags, { userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0 });
  }
  m.virtio = parseVirtioOptions(firstChild(node, "driver"));
  return m;
}

/** virDomainMemballoonDefFormat */
export function formatMemballoon(buf: XmlBuffer, m: MemballoonDef, flags: number): void {
  const attr = new XmlBuffer();
  attr.add(` model='${m.model}'`);
  if (m.autodeflate !== null) attr.add(` autodeflate='${m.autodeflate}'`);
  if (m.freePageReporting !== null) attr.add(` freePageReporting='${m.freePageReporting}'`);
  const child = buf.child();
  if (m.period) child.add(`<stats period='${m.period}'/>\n`);
  formatDeviceInfo(child, m.info, flags);
  const driver = new XmlBuffer();
  driver.add(formatVirtioOptions(m.virtio));
  formatElement(child, "driver", driver, null);
  formatElement(buf, "memballoon", attr, child);
}
