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
