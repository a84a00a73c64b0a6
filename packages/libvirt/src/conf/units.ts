// Scaled integers with unit suffixes, as libvirt 9.0 reads and writes them:
//   virScaleInteger (src/util/virutil.c): "b"/"byte"/"bytes" = 1; "k", "KiB", "M", "MiB", ... = powers
//     of 1024; "KB", "MB", ... = powers of 1000; case-insensitive; anything else is "unknown suffix".
//   virParseScaledValue (src/util/virxml.c): the element text is an unsigned long long
//     (virStrToLong_ullp: leading white space allowed, trailing not), scaled by its unit attribute.
//   virDomainParseMemory (src/conf/domain_conf.c): bytes rounded UP to KiB, limited to LLONG_MAX.
//   virFormatIntPretty (virutil.c): the largest binary unit that divides the value exactly.
import { textContent, attr, type XmlElement } from "../util/xml.js";
import {
  confError,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_OVERFLOW,
  VIR_ERR_XML_ERROR,
  VIR_FROM_DOMAIN,
  VIR_FROM_NONE,
  VIR_FROM_XML,
} from "./conf-error.js";
import { virStrToLongUllp } from "./virstring.js";

export const LLONG_MAX = (1n << 63n) - 1n;
export const ULLONG_MAX = (1n << 64n) - 1n;

/** Multiplier per unit letter for a given base (k, m, g, t, p, e). */
const UNIT_POWERS: Readonly<Record<string, number>> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

/** virScaleInteger: scale `value` by `suffix` (or by `scale` when there is none) within `limit`. */
export function virScaleInteger(value: bigint, suffix: string | null, scale: bigint, limit: bigint): bigint {
  let printed = suffix ?? "";
  if (suffix === null || suffix === "") {
    printed = "";
  } else {
    const lower = suffix.toLowerCase();
    if (lower === "b" || lower === "byte" || lower === "bytes") {
      scale = 1n;
    } else {
      let base: bigint;
      const rest = lower.slice(1);
      if (rest === "" || rest === "ib") base = 1024n;
      else if (rest === "b") base = 1000n;
      else throw confError(VIR_ERR_INVALID_ARG, `unknown suffix '${suffix}'`, VIR_FROM_NONE);
      const power = UNIT_POWERS[lower[0]!];
      if (power === undefined) throw confError(VIR_ERR_INVALID_ARG, `unknown suffix '${suffix}'`, VIR_FROM_NONE);
      scale = base ** BigInt(power);
    }
  }
  if (value !== 0n && value > limit / scale) {
    throw confError(VIR_ERR_OVERFLOW, `value too large: ${value}${printed}`, VIR_FROM_NONE);
  }
  return value * scale;
}

/**
 * virParseScaledValue: `valueText` is virXPathString("string(<xpath>)") (null when absent or
 * empty), `unit` the unit attribute's string value. Returns null when absent and not required.
 */
export function parseScaledValue(
  valueText: string | null,
  unit: string | null,
  xpath: string,
  scale: bigint,
  max: bigint,
  required: boolean,
): bigint | null {
  if (valueText === null) {
    if (!required) return null;
    throw confError(VIR_ERR_XML_ERROR, `missing element or attribute '${xpath}'`, VIR_FROM_XML);
  }
  const bytes = virStrToLongUllp(valueText, 10);
  if (bytes === null) {
    throw confError(VIR_ERR_XML_ERROR, `Invalid value '${valueText}' for element or attribute '${xpath}'`, VIR_FROM_XML);
  }
  return virScaleInteger(bytes, unit === "" ? null : unit, scale, max);
}

/** virXPathString semantics for an element: its string value, null if missing or empty */
export function elementString(el: XmlElement | null): string | null {
  if (!el) return null;
  const s = textContent(el);
  return s === "" ? null : s;
}

/** virXPathString of an attribute: null if missing or empty */
export function attrString(el: XmlElement | null, name: string): string | null {
  if (!el) return null;
  const v = attr(el, name);
  return v === null || v === "" ? null : v;
}

/**
 * virDomainParseMemory(xpath, NULL, ...): the element's value in bytes (default unit KiB), rounded
 * up to KiB. Returns null when the element is absent and not required. The limit is LLONG_MAX
 * bytes on 64-bit hosts whether "capped" or not (virMemoryMaxValue).
 */
export function parseDomainMemory(el: XmlElement | null, xpath: string, required: boolean): number | null {
  const max = LLONG_MAX;
  const bytes = parseScaledValue(elementString(el), attrString(el, "unit"), xpath, 1024n, max, required);
  if (bytes === null) return null;
  const kib = (bytes + 1023n) / 1024n;
  if (kib >= (max + 1023n) / 1024n) throw confError(VIR_ERR_OVERFLOW, "size value too large", VIR_FROM_DOMAIN);
  return Number(kib);
}

/** virFormatIntPretty: [value, unit] with the largest exact binary unit, "B" for 0 or odd sizes */
export function formatIntPretty(val: bigint): [bigint, string] {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (val === 0n || val % 1024n !== 0n) return [val, "B"];
  let limit = 1024n * 1024n;
  for (const u of units) {
    if (val % limit !== 0n) return [val / (limit / 1024n), u];
    limit *= 1024n;
  }
  return [val / (limit / 1024n), "PiB"];
}
