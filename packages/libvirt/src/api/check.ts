// The argument and access checks every public entry point makes before reaching the driver
// (src/internal.h virCheck*Arg*, virCheckReadOnlyGoto; src/util/virerror.h virReport*).
import { VirError, virError } from "../errors/vir-error.js";
import { VIR_ERR_ERROR, VirErrorNumber } from "../errors/virterror.js";
import { resolve } from "node:path";
import { VIR_CONNECT_RO } from "./constants.js";
import type { HypervisorConnection } from "./driver.js";

/** virCheckReadOnlyGoto: "operation forbidden: read only access prevents virDomainX". */
export function checkReadOnly(flags: number, api: string, from: number): void {
  if (flags & VIR_CONNECT_RO) {
    throw virError(from, VirErrorNumber.VIR_ERR_OPERATION_DENIED, `read only access prevents ${api}`);
  }
}

/** virReportInvalidArg-style error: the message is the detail itself. */
export function invalidArg(from: number, api: string, argname: string, message: string): VirError {
  return new VirError({
    code: VirErrorNumber.VIR_ERR_INVALID_ARG,
    domain: from,
    message,
    level: VIR_ERR_ERROR,
    str1: api,
    str2: argname,
    str3: null,
    int1: 0,
    int2: 0,
  });
}

/** virCheckNonNullArgGoto. */
export function checkNonNull(v: unknown, argname: string, api: string, from: number): void {
  if (v === null || v === undefined) throw invalidArg(from, api, argname, `${argname} in ${api} must not be NULL`);
}

/** A string argument: non-null and of type string. */
export function checkString(v: unknown, argname: string, api: string, from: number): asserts v is string {
  if (typeof v !== "string") throw invalidArg(from, api, argname, `${argname} in ${api} must not be NULL`);
}

/** virCheckNonNegativeArgGoto / unsigned arguments: a finite integer >= 0. */
export function checkUnsigned(v: unknown, argname: string, api: string, from: number): asserts v is number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw invalidArg(from, api, argname, `${argname} in ${api} must be a non-negative integer`);
  }
}

/** virCheckPositiveArgGoto. */
export function checkPositive(v: unknown, argname: string, api: string, from: number): asserts v is number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw invalidArg(from, api, argname, `${argname} in ${api} must be greater than zero`);
  }
}

/** virCheckNonZeroArgGoto. */
export function checkNonZero(v: number, argname: string, api: string, from: number): void {
  if (v === 0) throw invalidArg(from, api, argname, `${argname} in ${api} must not be zero`);
}

/** Flags are `unsigned int`: reject anything that is not a 32-bit unsigned integer. */
export function checkFlags(flags: unknown, api: string, from: number): asserts flags is number {
  if (typeof flags !== "number" || !Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
    throw invalidArg(from, api, "flags", `unsupported use of long flags in function ${api}`);
  }
}

/** virCheckFlags inside a driver: "unsupported flags (0x%x) in function %s". */
export function checkSupportedFlags(flags: number, supported: number, fn: string, from: number): void {
  const extra = (flags & ~supported) >>> 0;
  if (extra !== 0) throw invalidArg(from, fn, "flags", `unsupported flags (0x${extra.toString(16)}) in function ${fn}`);
}

/** 36-char UUID string to 16 raw bytes (virUUIDParse accepts hex with optional dashes). */
export function parseUUID(s: string): Uint8Array | null {
  const hex = s.trim().replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** virUUIDFormat. */
export function formatUUID(u: Uint8Array): string {
  const h = Buffer.from(u).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

type DriverFn<K extends keyof HypervisorConnection> = NonNullable<HypervisorConnection[K]>;

/**
 * The driver entry `key`, bound to its connection, or VIR_ERR_NO_SUPPORT
 * "this function is not supported by the connection driver: <api>".
 */
export function entry<K extends keyof HypervisorConnection>(drv: HypervisorConnection, key: K, api: string, from: number): DriverFn<K> {
  const f = drv[key];
  if (typeof f !== "function") throw virError(from, VirErrorNumber.VIR_ERR_NO_SUPPORT, api);
  return (f as (...a: unknown[]) => unknown).bind(drv) as DriverFn<K>;
}

/**
 * VIR_EXCLUSIVE_FLAGS_GOTO (internal.h): "Flags 'A' and 'B' are mutually exclusive",
 * VIR_ERR_INVALID_ARG.
 */
export function checkExclusiveFlags(flags: number, a: number, aName: string, b: number, bName: string, api: string, from: number): void {
  if (flags & a && flags & b) throw invalidArg(from, api, "flags", `Flags '${aName}' and '${bName}' are mutually exclusive`);
}

/**
 * g_canonicalize_filename(path, NULL): absolute against the working directory, with ".", ".."
 * and repeated or trailing slashes removed (symbolic links are not resolved). The public API
 * does this before a file name leaves the process, because the daemon has another cwd.
 */
export function canonicalizeFilename(path: string): string {
  const out = resolve(path);
  // POSIX keeps exactly two leading slashes (implementation-defined); glib does too.
  return /^\/\/[^/]/.test(path) ? `/${out}` : out;
}
