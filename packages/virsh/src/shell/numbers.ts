// Number parsing as libvirt's util/virstring.c (virStrToLong_*) and util/virutil.c
// (virScaleInteger) do it: strtol-style (leading blanks, optional sign, base 10 unless asked),
// the whole string consumed, range checked in the C type. Values come back as bigint so that
// unsigned long long keeps all 64 bits.
import { VirErrorDomain, VirErrorNumber, virError, type VirError } from "@virtkit/libvirt";

export const INT_MIN = -(2n ** 31n);
export const INT_MAX = 2n ** 31n - 1n;
export const UINT_MAX = 2n ** 32n - 1n;
export const LLONG_MAX = 2n ** 63n - 1n;
export const LLONG_MIN = -(2n ** 63n);
export const ULLONG_MAX = 2n ** 64n - 1n;

const DEC = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/;
const ANY_BASE = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/;

interface Scanned {
  neg: boolean;
  magnitude: bigint;
  rest: string;
}

/** strtol/strtoul's scan: sign and digits; base 0 accepts 0x.. and 0.. as C does. */
function scan(s: string, base: 10 | 0): Scanned | null {
  const m = (base === 10 ? DEC : ANY_BASE).exec(s);
  if (!m) return null;
  const digits = m[2]!;
  let magnitude: bigint;
  if (base === 0 && /^0[xX]/.test(digits)) magnitude = BigInt(digits);
  else if (base === 0 && digits.length > 1 && digits.startsWith("0")) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits);
  return { neg: m[1] === "-", magnitude, rest: s.slice(m[0].length) };
}

/** virStrToLong_i / _ll: signed, range [min, max]. `rest` is null when the whole string must be used. */
export function strToSigned(s: string, min: bigint, max: bigint, base: 10 | 0 = 10): { value: bigint; rest: string } | null {
  const r = scan(s, base);
  if (!r) return null;
  const v = r.neg ? -r.magnitude : r.magnitude;
  if (v < min || v > max) return null;
  return { value: v, rest: r.rest };
}

/**
 * virStrToLong_ui / _ull (wrap = true: "-N" wraps as strtoul does) and virStrToLong_uip / _ullp
 * (wrap = false: a minus sign is refused).
 */
export function strToUnsigned(s: string, max: bigint, wrap: boolean, base: 10 | 0 = 10): { value: bigint; rest: string } | null {
  const r = scan(s, base);
  if (!r) return null;
  if (r.neg && !wrap) return null;
  if (r.magnitude > ULLONG_MAX) return null;
  let v = r.neg ? (ULLONG_MAX + 1n - r.magnitude) & ULLONG_MAX : r.magnitude;
  if (r.neg && r.magnitude === 0n) v = 0n;
  if (max === UINT_MAX && v > UINT_MAX) {
    // virStrToLong_ui on LP64: a negative int wrapped through unsigned long is folded back.
    if (r.neg && r.magnitude <= 2n ** 31n) v &= UINT_MAX;
    else return null;
  }
  if (v > max) return null;
  return { value: v, rest: r.rest };
}

/** Whole-string forms (end pointer NULL in C). */
export function parseSigned(s: string, min: bigint, max: bigint): bigint | null {
  const r = strToSigned(s, min, max);
  return r?.rest === "" ? r.value : null;
}
export function parseUnsigned(s: string, max: bigint, wrap: boolean): bigint | null {
  const r = strToUnsigned(s, max, wrap);
  return r?.rest === "" ? r.value : null;
}

/**
 * virScaleInteger: apply a unit suffix ("", "b", "k", "KiB", "MB", ...) to value; `scale` is the
 * unit of a bare number. Errors are libvirt errors, reported as libvirt reports them.
 */
export function scaleInteger(value: bigint, suffix: string, scale: bigint, limit: bigint): bigint | VirError {
  let mult: bigint;
  if (suffix === "") {
    mult = scale;
  } else if (/^(b|bytes?)$/i.test(suffix)) {
    mult = 1n;
  } else {
    let base: bigint;
    if (suffix.length === 1 || suffix.slice(1).toLowerCase() === "ib") base = 1024n;
    else if (suffix.length === 2 && suffix[1]!.toLowerCase() === "b") base = 1000n;
    else return virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_INVALID_ARG, `unknown suffix '${suffix}'`);
    const power = "kmgtpe".indexOf(suffix[0]!.toLowerCase());
    if (power < 0) return virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_INVALID_ARG, `unknown suffix '${suffix}'`);
    mult = base ** BigInt(power + 1);
  }
  if (value !== 0n && value > limit / mult) {
    return virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_OVERFLOW, `value too large: ${value}${suffix}`);
  }
  return value * mult;
}
