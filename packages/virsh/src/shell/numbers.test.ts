// virStrToLong_* and virScaleInteger as virsh's option getters use them.
import { describe, expect, it } from "vitest";
import { INT_MAX, INT_MIN, UINT_MAX, ULLONG_MAX, parseSigned, parseUnsigned, scaleInteger, strToSigned } from "./numbers.js";

describe("number parsing", () => {
  it("int: blanks and sign allowed, trailing junk and overflow refused", () => {
    expect(parseSigned(" -12", INT_MIN, INT_MAX)).toBe(-12n);
    expect(parseSigned("+7", INT_MIN, INT_MAX)).toBe(7n);
    expect(parseSigned("12x", INT_MIN, INT_MAX)).toBeNull();
    expect(parseSigned("2147483648", INT_MIN, INT_MAX)).toBeNull();
    expect(parseSigned("", INT_MIN, INT_MAX)).toBeNull();
  });

  it("unsigned: a minus sign is refused unless wrapping, which folds like strtoul", () => {
    expect(parseUnsigned("-1", UINT_MAX, false)).toBeNull();
    expect(parseUnsigned("-1", UINT_MAX, true)).toBe(UINT_MAX);
    expect(parseUnsigned("-1", ULLONG_MAX, true)).toBe(ULLONG_MAX);
    expect(parseUnsigned("4294967296", UINT_MAX, false)).toBeNull();
    expect(parseUnsigned("18446744073709551615", ULLONG_MAX, false)).toBe(ULLONG_MAX);
  });

  it("base 0 (keepalive options) reads hex and octal as C does", () => {
    expect(strToSigned("0x10", INT_MIN, INT_MAX, 0)?.value).toBe(16n);
    expect(strToSigned("010", INT_MIN, INT_MAX, 0)?.value).toBe(8n);
  });

  it("scaled sizes: binary and decimal suffixes, bytes, libvirt's errors", () => {
    expect(scaleInteger(1n, "", 1024n, ULLONG_MAX)).toBe(1024n);
    expect(scaleInteger(10n, "M", 1n, ULLONG_MAX)).toBe(10n * 1024n * 1024n);
    expect(scaleInteger(1n, "GiB", 1n, ULLONG_MAX)).toBe(1024n ** 3n);
    expect(scaleInteger(1n, "kB", 1n, ULLONG_MAX)).toBe(1000n);
    expect(scaleInteger(5n, "bytes", 1024n, ULLONG_MAX)).toBe(5n);
    const bad = scaleInteger(1n, "X", 1n, ULLONG_MAX);
    expect(typeof bad === "bigint" ? bad : bad.message).toBe("invalid argument: unknown suffix 'X'");
    const big = scaleInteger(99999999999n, "E", 1n, ULLONG_MAX);
    expect(typeof big === "bigint" ? big : big.message).toBe("numerical overflow: value too large: 99999999999E");
  });
});
