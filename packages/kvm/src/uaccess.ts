/**
 * copy_from_user / copy_to_user for ioctl arguments: the struct bytes behind an argument, or null for a bad
 * pointer (EFAULT). An argument is either a byte array (the struct itself) or a user address in the host's
 * address space, as a C pointer.
 */
import type { HostMachine } from "./host/host-machine.js";

/** The argument of an ioctl: a plain value (_IO) or user memory holding the struct. */
export type IoctlArg = number | Uint8Array | undefined;

export function userStruct(host: HostMachine, arg: IoctlArg, size: number): Uint8Array | null {
  if (arg instanceof Uint8Array) return arg.byteLength >= size ? arg.subarray(0, size) : null;
  if (typeof arg === "number" && host.isUserRange(arg, size)) return host.userBytes(arg, size);
  return null;
}

/** A user pointer stored inside a struct (u64 address): the bytes it points at, or null (EFAULT). */
export function userPointer(host: HostMachine, addr: number, size: number): Uint8Array | null {
  if (size === 0) return new Uint8Array(0);
  return host.isUserRange(addr, size) ? host.userBytes(addr, size) : null;
}

/**
 * The struct bytes behind an argument without a copy or a view when the argument is already a byte array
 * long enough (for hot ioctls; callers stay within `size`), else as userStruct.
 */
export function userStructInPlace(host: HostMachine, arg: IoctlArg, size: number): Uint8Array | null {
  if (arg instanceof Uint8Array) return arg.byteLength >= size ? arg : null;
  return userStruct(host, arg, size);
}

/** Little-endian u32 at `off` of a struct (no DataView per call). */
export function getLe32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

export function setLe32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}
