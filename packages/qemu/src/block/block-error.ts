/**
 * Errors raised by the block layer. The message is the text qemu prints after
 * "Could not open 'FILE': " (or in the equivalent position) so that front ends
 * such as qemu-img can reproduce qemu's diagnostics exactly.
 */
export class BlockError extends Error {
  /** errno-style code (EINVAL, ENOTSUP, EACCES, EIO, EFBIG, ENOENT, ENOSPC...) */
  readonly code: string;
  constructor(message: string, code = "EINVAL") {
    super(message);
    this.name = "BlockError";
    this.code = code;
  }
}

/** strerror() text for the errno names the block layer uses (glibc wording). */
export const STRERROR: Readonly<Record<string, string>> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  EACCES: "Permission denied",
  EEXIST: "File exists",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  ENOTSUP: "Operation not supported",
  ENOMEM: "Cannot allocate memory",
  EBUSY: "Device or resource busy",
  ERANGE: "Numerical result out of range",
};

export function strerror(code: string): string {
  return STRERROR[code] ?? code;
}

/** Converts a Node system error into a BlockError carrying qemu-style text. */
export function fromSystemError(e: unknown, prefix: string): BlockError {
  if (e instanceof BlockError) return e;
  const code = typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : "EIO";
  return new BlockError(`${prefix}: ${strerror(code)}`, code);
}
