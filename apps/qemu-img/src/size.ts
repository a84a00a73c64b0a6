/**
 * Size parsing and printing as qemu does it (util/cutils.c qemu_strtosz and
 * size_to_str; qemu-img.c cvtnum).
 */

const SUFFIX_SHIFT: Readonly<Record<string, number>> = { b: 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 };

/**
 * qemu_strtosz(): decimal (or 0x hex) integer, optional fraction, optional
 * b/k/M/G/T/P/E suffix (case-insensitive), whole string consumed. Returns a
 * bigint, "EINVAL" or "ERANGE".
 */
export function strtosz(input: string): bigint | "EINVAL" | "ERANGE" {
  const m = /^\s*([+]?)(0[xX][0-9a-fA-F]+|[0-9]+)?(\.[0-9]*)?([a-zA-Z]?)$/.exec(input);
  if (!m?.[2]) return "EINVAL";
  const intPart = m[2];
  const hex = /^0[xX]/.test(intPart);
  const frac = m[3] ?? "";
  const suffix = m[4]!.toLowerCase();
  if (hex && frac) return "EINVAL";
  if (suffix !== "" && SUFFIX_SHIFT[suffix] === undefined) return "EINVAL";
  const shift = suffix === "" ? 0 : SUFFIX_SHIFT[suffix]!;
  const val = BigInt(intPart);
  if (val >= 1n << 64n) return "ERANGE";
  if (shift === 0) {
    // A fraction needs a scale ("1.5" alone is invalid, "1." is fine).
    if (frac.length > 1 && Number(frac) !== 0) return "EINVAL";
    return val;
  }
  // 64.64 fixed point as qemu computes it, rounding 0.5 upward.
  const fraction = frac.length > 1 ? Number(`0${frac}`) : 0;
  const valf = BigInt(Math.min(Math.trunc(fraction * 2 ** 64), 2 ** 64 - 2048));
  const mul = 1n << BigInt(shift);
  let total = val * mul + ((valf * mul) >> 64n);
  const lowBits = (valf * mul) & ((1n << 64n) - 1n);
  total += lowBits >> 63n;
  if (total >= 1n << 64n) return "ERANGE";
  return total;
}

export const INT64_MAX = (1n << 63n) - 1n;

/** cvtnum_full(): prints qemu's two-line message on error and returns null. */
export function cvtnum(name: string, value: string, report: (msg: string) => void, min = 0n, max = INT64_MAX): number | null {
  const r = strtosz(value);
  if (r === "EINVAL") {
    report(`Invalid ${name} specified. You may use k, M, G, T, P or E suffixes for`);
    report("kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
    return null;
  }
  if (r === "ERANGE" || r > max || r < min) {
    report(`Invalid ${name} specified. Must be between ${min} and ${max}.`);
    return null;
  }
  return Number(r);
}

/** C printf "%.Ng" for a finite double. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return "0";
  const p = precision === 0 ? 1 : precision;
  // The exponent after rounding to p significant digits decides the style.
  let s = value.toExponential(p - 1);
  const [m0, e] = s.split("e") as [string, string];
  let mant = m0;
  let x = Number(e);
  if (x < -4 || x >= p) {
    if (mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
    const sign = x < 0 ? "-" : "+";
    x = Math.abs(x);
    return `${mant}e${sign}${x < 10 ? "0" : ""}${x}`;
  }
  s = value.toFixed(Math.max(0, p - 1 - x));
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

const IEC = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** size_to_str(): "1 GiB", "196 KiB", "0 B" */
export function sizeToStr(val: number): string {
  // frexp(val / (1000.0 / 1024.0), &i): exponent such that x = m * 2^i, m in [0.5, 1)
  const x = val / (1000 / 1024);
  let i = x === 0 ? 0 : Math.floor(Math.log2(x)) + 1;
  if (x !== 0 && 2 ** (i - 1) > x) i--;
  if (x !== 0 && 2 ** i <= x) i++;
  i = Math.trunc((i - 1) / 10) * 10;
  return `${formatG(val / 2 ** i, 3)} ${IEC[i / 10] ?? ""}B`;
}

/**
 * C printf "%.Nf": the exact decimal value of the double, rounded half-to-even
 * on exact ties (glibc), where Number.prototype.toFixed rounds ties up.
 */
export function formatFixed(x: number, digits: number): string {
  const exact = x.toFixed(100);
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + digits);
  if (/^50*$/.test(rest)) {
    const truncated = exact.slice(0, dot + 1 + digits).replace(/\.$/, "");
    const last = Number(truncated[truncated.length - 1]);
    if (last % 2 === 0) return truncated;
  }
  return x.toFixed(digits);
}
