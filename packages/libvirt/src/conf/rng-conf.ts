// <rng> devices (libvirt 9.0 src/conf/domain_conf.c: virDomainRNGDefParseXML, virDomainRNGDefFormat;
// domain_postparse.c: virDomainRNGDefPostParse; domain_validate.c: virDomainRNGDefValidate).
import { childElements, firstChild, formatElement, XmlBuffer, type XmlElement } from "../util/xml.js";
import { formatChrSource, newChrSource, parseChrSource, validateChrSource } from "./chr-conf.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { formatDeviceInfo, formatVirtioOptions, parseDeviceInfo, parseVirtioOptions } from "./device-info.js";
import type { RngDef } from "./domain-def.js";
import { VIR_DOMAIN_CHR, VIR_DOMAIN_RNG_BACKEND, VIR_DOMAIN_RNG_MODEL, type ChrType } from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { attrString, elementString } from "./units.js";
import { propString } from "./virxml-props.js";
import { virStrToLongUip } from "./virstring.js";

/** virXPathUInt("string(...)"): -1 when missing/empty, -2 when malformed */
function xpathUInt(v: string | null): number | "missing" | "bad" {
  if (v === null) return "missing";
  const n = virStrToLongUip(v);
  return n ?? "bad";
}

/** virDomainRNGDefParseXML */
export function parseRng(node: XmlElement, ctx: ParseContext): RngDef {
  const model = propString(node, "model");
  if (model === null) throw confError(VIR_ERR_XML_ERROR, "missing RNG device model");
  if (!VIR_DOMAIN_RNG_MODEL.includes(model as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown RNG model '${model}'`);
  const rate = firstChild(node, "rate");
  const bytes = xpathUInt(attrString(rate, "bytes"));
  if (bytes === "bad") throw confError(VIR_ERR_XML_ERROR, "invalid RNG rate bytes value");
  const rateBytes = typeof bytes === "number" ? bytes : 0;
  let ratePeriod = 0;
  if (rateBytes > 0) {
    const period = xpathUInt(attrString(rate, "period"));
    if (period === "bad") throw confError(VIR_ERR_XML_ERROR, "invalid RNG rate period value");
    ratePeriod = typeof period === "number" ? period : 0;
  }
  const backends = childElements(node, "backend");
  if (backends.length !== 1) throw confError(VIR_ERR_XML_ERROR, "only one RNG backend is supported");
  const be = backends[0]!;
  const backend = propString(be, "model");
  if (backend === null) throw confError(VIR_ERR_XML_ERROR, "missing RNG device backend model");
  if (!VIR_DOMAIN_RNG_BACKEND.includes(backend as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown RNG backend model '${backend}'`);
  const rng: RngDef = {
    model: model as RngDef["model"],
    rateBytes,
    ratePeriod,
    backend: backend as RngDef["backend"],
    file: null,
    chardev: null,
    virtio: null,
    info: parseDeviceInfo(node, ctx.flags, { userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0 }),
  };
  if (rng.backend === "random") {
    rng.file = elementString(be);
  } else if (rng.backend === "egd") {
    const type = propString(be, "type");
    if (type === null) throw confError(VIR_ERR_XML_ERROR, "missing EGD backend type");
    if (!VIR_DOMAIN_CHR.includes(type as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown backend type '${type}' for egd`);
    rng.chardev = newChrSource(type as ChrType);
    parseChrSource(rng.chardev, be, ctx.flags);
  }
  rng.virtio = parseVirtioOptions(firstChild(node, "driver"));
  return rng;
}

/** virDomainRNGDefPostParse: the random backend defaults to /dev/random */
export function postParseRng(rng: RngDef): void {
  if (rng.backend === "random" && rng.file === null) rng.file = "/dev/random";
}

export function validateRng(rng: RngDef): void {
  if (rng.backend === "egd" && rng.chardev) validateChrSource(rng.chardev, null);
}

/** virDomainRNGDefFormat */
export function formatRng(buf: XmlBuffer, rng: RngDef, flags: number): void {
  buf.add(`<rng model='${rng.model}'>\n`);
  buf.adjustIndent(2);
  if (rng.rateBytes) buf.add(`<rate bytes='${rng.rateBytes}'${rng.ratePeriod ? ` period='${rng.ratePeriod}'` : ""}/>\n`);
  buf.add(`<backend model='${rng.backend}'`);
  switch (rng.backend) {
    case "random":
      buf.addEscaped((v) => `>${v}</backend>\n`, rng.file);
      break;
    case "egd":
      buf.add(` type='${rng.chardev!.type}'>\n`);
      buf.adjustIndent(2);
      formatChrSource(buf, rng.chardev!, flags);
      buf.adjustIndent(-2);
      buf.add("</backend>\n");
      break;
    case "builtin":
      buf.add("/>\n");
      break;
  }
  const driver = new XmlBuffer();
  driver.add(formatVirtioOptions(rng.virtio));
  formatElement(buf, "driver", driver, null);
  formatDeviceInfo(buf, rng.info, flags);
  buf.adjustIndent(-2);
  buf.add("</rng>\n");
}
