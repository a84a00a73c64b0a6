// libvirt's number parsing (src/util/virstring.c, libvirt 9.0): virStrToLong_* wrap C strtol/strtoul
// and reject trailing garbage, an empty number and out-of-range values. The C library rules they
// inherit matter for which inputs libvirt accepts: leading white space (isspace) is skipped, a '+'
// or '-' sign is allowed, strtoul negates "-N" modulo 2^64, and base 16 accepts a "0x" prefix.
// Results are exact: values are computed as bigint and narrowed at the end.

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const ULONG_MAX = (1n << 64n) - 1n;
const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;

/** g_ascii_isspace / C isspace in the C locale */
export function isCSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

interface StrtoResult {
  /** the value as strtol/strtoul computed it before clamping */
  value: bigint;
  negative: boolean;
  /** index just past the last digit (0 when no digits were found: end == s) */
  end: number;
  /** ERANGE: the magnitude did not fit */
  overflow: boolean;
}

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x5a) return code - 0x41 + 10;
  return 99;
}

/** The common scan of strtol/strtoul: returns the magnitude and where parsing stopped. */
function scan(s: string, base: number, limit: bigint): StrtoResult {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === "+" || s[i] === "-") {
    negative = s[i] === "-";
    i++;
  }
  if ((base === 16 || base === 0) && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && digitValue(s[i + 2] ?? "") < 16) {
    i += 2;
    base = 16;
  } else if (base === 0) {
    base = s[i] === "0" ? 8 : 10;
  }
  const start = i;
  let value = 0n;
  let overflow = false;
  const b = BigInt(base);
  while (i < s.length) {
    const d = digitValue(s[i]!);
    if (d >= base) break;
    value = value * b + BigInt(d);
    if (value > limit) overflow = true;
    i++;
  }
  if (i === start) return { value: 0n, negative: false, end: 0, overflow: false };
  return { value, negative, end: i, overflow };
}

/** strtol + the checks of virStrToLong_i/_l/_ll: the whole string must be the number. */
function strToSigned(s: string, base: number, min: bigint, max: bigint): bigint | null {
  const r = scan(s, base, -LONG_MIN);
  if (r.end === 0 || r.end !== s.length) return null;
  const v = r.negative ? -r.value : r.value;
  if (r.overflow || v > LONG_MAX || v < LONG_MIN) return null;
  if (v < min || v > max) return null;
  return v;
}

/** strtoul semantics: "-N" is accepted and wraps modulo 2^64 */
function strtoul(s: string, base: number): StrtoResult & { wrapped: bigint } {
  const r = scan(s, base, ULONG_MAX);
  const wrapped = r.overflow ? ULONG_MAX : r.negative ? (ULONG_MAX + 1n - r.value) & ULONG_MAX : r.value;
  return { ...r, wrapped };
}

/** virStrToLong_i: an int, whole string */
export function virStrToLongI(s: string, base = 10): number | null {
  const v = strToSigned(s, base, INT_MIN, INT_MAX);
  return v === null ? null : Number(v);
}

/** virStrToLong_ll: a long long, whole string */
export function virStrToLongLl(s: string, base = 10): bigint | null {
  return strToSigned(s, base, LONG_MIN, LONG_MAX);
}

/**
 * virStrToLong_ui: an unsigned int. Like libvirt on LP64 it takes "-1" as UINT_MAX and any
 * "-N" whose magnitude fits in 32 bits as its two's complement.
 */
export function virStrToLongUi(s: string, base = 10): number | null {
  const r = strtoul(s, base);
  if (r.end === 0 || r.end !== s.length || r.overflow) return null;
  let val = r.wrapped;
  if (r.negative) {
    if (r.value > UINT_MAX) return null;
    val &= UINT_MAX;
  }
  if (val > UINT_MAX) return null;
  return Number(val);
}

/** virStrToLong_uip: an unsigned int, no sign allowed */
export function virStrToLongUip(s: string, base = 10): number | null {
  const r = strtoul(s, base);
  if (r.end === 0 || r.end !== s.length || r.overflow) return null;
  if (s.slice(0, r.end).includes("-")) return null;
  if (r.wrapped > UINT_MAX) return null;
  return Number(r.wrapped);
}

/** virStrToLong_ull: an unsigned long long (negatives wrap, as strtoull does) */
export function virStrToLongUll(s: string, base = 10): bigint | null {
  const r = strtoul(s, base);
  if (r.end === 0 || r.end !== s.length || r.overflow) return null;
  return r.wrapped;
}

/** virStrToLong_ullp: an unsigned long long, no '-' allowed */
export function virStrToLongUllp(s: string, base = 10): bigint | null {
  const r = strtoul(s, base);
  if (r.end === 0 || r.end !== s.length || r.overflow) return null;
  if (s.slice(0, r.end).includes("-")) return null;
  return r.wrapped;
}

/**
 * strtol with an end pointer (virStrToLong_i(s, &end, ...)): returns the int and the index after
 * it, or null if there is no number or it is out of range.
 */
export function strtolPrefixI(s: string, base = 10): { value: number; end: number } | null {
  const r = scan(s, base, -LONG_MIN);
  if (r.end === 0) return null;
  const v = r.negative ? -r.value : r.value;
  if (r.overflow || v > INT_MAX || v < INT_MIN) return null;
  return { value: Number(v), end: r.end };
}

/** printf("%llu") of a bigint or number */
export function fmtU(v: number | bigint): string {
  return typeof v === "bigint" ? v.toString() : String(v);
}
