// The attribute readers of libvirt's src/util/virxml.c (virXMLPropString, virXMLPropEnum,
// virXMLPropTristateBool/Switch, virXMLPropInt/UInt/LongLong/ULongLong), with their exact error
// messages. They report from virxml.c, hence VIR_FROM_XML. Element names in messages are libxml2's
// node->name, i.e. the local name.
import { attr, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_XML_ERROR, VIR_FROM_XML } from "./conf-error.js";
import { virStrToLongI, virStrToLongLl, virStrToLongUip, virStrToLongUllp } from "./virstring.js";

/** virXMLPropFlags */
export const VIR_XML_PROP_NONE = 0;
export const VIR_XML_PROP_REQUIRED = 1 << 0;
export const VIR_XML_PROP_NONZERO = 1 << 1;
export const VIR_XML_PROP_NONNEGATIVE = 1 << 2;

/** virTristateBool / virTristateSwitch string tables (src/util/virenum.c); index 0 is "absent" */
export const VIR_TRISTATE_BOOL = ["default", "yes", "no"] as const;
export const VIR_TRISTATE_SWITCH = ["default", "on", "off"] as const;
export type TristateBool = "yes" | "no" | null;
export type TristateSwitch = "on" | "off" | null;

function missing(el: XmlElement, name: string): never {
  throw confError(VIR_ERR_XML_ERROR, `Missing required attribute '${name}' in element '${el.local}'`, VIR_FROM_XML);
}

export function propString(el: XmlElement, name: string): string | null {
  return attr(el, name);
}

/** virXMLPropStringRequired */
export function propStringRequired(el: XmlElement, name: string): string {
  const v = attr(el, name);
  if (v === null) missing(el, name);
  return v;
}

/**
 * virXMLPropEnum / virXMLPropEnumDefault: the index of the value in `table`, or null when the
 * attribute is absent (and not required). NONZERO rejects index 0 (the "default"/"none" entry).
 */
export function propEnumIndex(el: XmlElement, name: string, table: readonly string[], flags = VIR_XML_PROP_NONE): number | null {
  const v = attr(el, name);
  if (v === null) {
    if (flags & VIR_XML_PROP_REQUIRED) missing(el, name);
    return null;
  }
  const i = table.indexOf(v);
  if (i < 0 || (flags & VIR_XML_PROP_NONZERO && i === 0)) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': '${v}'.`, VIR_FROM_XML);
  }
  return i;
}

/** virXMLPropEnum returning the string value itself (it is one of `table`) */
export function propEnum<T extends string>(el: XmlElement, name: string, table: readonly T[], flags = VIR_XML_PROP_NONE): T | null {
  const i = propEnumIndex(el, name, table, flags);
  return i === null ? null : table[i]!;
}

/** virXMLPropTristateBool: "default" is rejected (NONZERO is implied) */
export function propTristateBool(el: XmlElement, name: string, flags = VIR_XML_PROP_NONE): TristateBool {
  return propEnum(el, name, VIR_TRISTATE_BOOL, flags | VIR_XML_PROP_NONZERO) as TristateBool;
}

/** virXMLPropTristateSwitch: "default" is rejected (NONZERO is implied) */
export function propTristateSwitch(el: XmlElement, name: string, flags = VIR_XML_PROP_NONE): TristateSwitch {
  return propEnum(el, name, VIR_TRISTATE_SWITCH, flags | VIR_XML_PROP_NONZERO) as TristateSwitch;
}

/** virXMLPropInt (base 10 unless given) */
export function propInt(el: XmlElement, name: string, flags = VIR_XML_PROP_NONE, base = 10): number | null {
  const v = attr(el, name);
  if (v === null) {
    if (flags & VIR_XML_PROP_REQUIRED) missing(el, name);
    return null;
  }
  const n = virStrToLongI(v, base);
  if (n === null) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': '${v}'. Expected integer value`, VIR_FROM_XML);
  }
  if (flags & VIR_XML_PROP_NONNEGATIVE && n < 0) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': '${v}'. Expected non-negative value`, VIR_FROM_XML);
  }
  if (flags & VIR_XML_PROP_NONZERO && n === 0) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': Zero is not permitted`, VIR_FROM_XML);
  }
  return n;
}

/** virXMLPropUInt (virStrToLong_uip: no sign allowed) */
export function propUInt(el: XmlElement, name: string, flags = VIR_XML_PROP_NONE, base = 10): number | null {
  const v = attr(el, name);
  if (v === null) {
    if (flags & VIR_XML_PROP_REQUIRED) missing(el, name);
    return null;
  }
  const n = virStrToLongUip(v, base);
  if (n === null) {
    throw confError(
      VIR_ERR_XML_ERROR,
      `Invalid value for attribute '${name}' in element '${el.local}': '${v}'. Expected non-negative integer value`,
      VIR_FROM_XML,
    );
  }
  if (flags & VIR_XML_PROP_NONZERO && n === 0) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': Zero is not permitted`, VIR_FROM_XML);
  }
  return n;
}

/** virXMLPropLongLong */
export function propLongLong(el: XmlElement, name: string, flags = VIR_XML_PROP_NONE, base = 10): bigint | null {
  const v = attr(el, name);
  if (v === null) {
    if (flags & VIR_XML_PROP_REQUIRED) missing(el, name);
    return null;
  }
  const n = virStrToLongLl(v, base);
  if (n === null) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': '${v}'. Expected long long integer value`, VIR_FROM_XML);
  }
  if (flags & VIR_XML_PROP_NONNEGATIVE && n < 0n) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': '${v}'. Expected non-negative value`, VIR_FROM_XML);
  }
  if (flags & VIR_XML_PROP_NONZERO && n === 0n) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': Zero is not permitted`, VIR_FROM_XML);
  }
  return n;
}

/** virXMLPropULongLong */
export function propULongLong(el: XmlElement, name: string, flags = VIR_XML_PROP_NONE, base = 10): bigint | null {
  const v = attr(el, name);
  if (v === null) {
    if (flags & VIR_XML_PROP_REQUIRED) missing(el, name);
    return null;
  }
  const n = virStrToLongUllp(v, base);
  if (n === null) {
    throw confError(
      VIR_ERR_XML_ERROR,
      `Invalid value for attribute '${name}' in element '${el.local}': '${v}'. Expected non-negative integer value`,
      VIR_FROM_XML,
    );
  }
  if (flags & VIR_XML_PROP_NONZERO && n === 0n) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value for attribute '${name}' in element '${el.local}': Zero is not permitted`, VIR_FROM_XML);
  }
  return n;
}
