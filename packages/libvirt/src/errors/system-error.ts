// virReportSystemError (src/util/virerror.h, virerror.c virReportSystemErrorFull): a
// VIR_ERR_SYSTEM_ERROR whose message is the caller's text, ": ", and glibc's strerror() of the
// errno. Node reports a failed system call as an error with `code` ("ENOENT") and a negative
// `errno`; the texts below are glibc's (string/_strerror.c, sysdeps/gnu/errlist.h) for the errno
// values a file operation can report, so messages read exactly as libvirtd's.
import { VirError } from "./vir-error.js";
import { VIR_ERR_ERROR, VirErrorNumber } from "./virterror.js";

/** errno name -> [Linux errno number, glibc strerror text]. */
const ERRNO: Record<string, readonly [number, string]> = {
  EPERM: [1, "Operation not permitted"],
  ENOENT: [2, "No such file or directory"],
  EIO: [5, "Input/output error"],
  ENXIO: [6, "No such device or address"],
  EBADF: [9, "Bad file descriptor"],
  EAGAIN: [11, "Resource temporarily unavailable"],
  ENOMEM: [12, "Cannot allocate memory"],
  EACCES: [13, "Permission denied"],
  EBUSY: [16, "Device or resource busy"],
  EEXIST: [17, "File exists"],
  ENODEV: [19, "No such device"],
  ENOTDIR: [20, "Not a directory"],
  EISDIR: [21, "Is a directory"],
  EINVAL: [22, "Invalid argument"],
  EMFILE: [24, "Too many open files"],
  ETXTBSY: [26, "Text file busy"],
  EFBIG: [27, "File too large"],
  ENOSPC: [28, "No space left on device"],
  ESPIPE: [29, "Illegal seek"],
  EROFS: [30, "Read-only file system"],
  EPIPE: [32, "Broken pipe"],
  ENAMETOOLONG: [36, "File name too long"],
  ELOOP: [40, "Too many levels of symbolic links"],
  ENOPROTOOPT: [92, "Protocol not available"],
  EDQUOT: [122, "Disk quota exceeded"],
};

/** The errno name a Node error carries ("ENOENT"), or null for anything else. */
export function errnoName(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" && code.startsWith("E") ? code : null;
}

/** glibc strerror(): "Success" for 0, the text of a known errno, else Node's own description. */
export function strerror(e: unknown): string {
  if (e === 0 || e === null || e === undefined) return "Success";
  const name = errnoName(e);
  if (name !== null && ERRNO[name]) return ERRNO[name][1];
  if (e instanceof Error) return e.message;
  return typeof e === "number" ? `Unknown error ${e}` : "Unknown error";
}

/** The errno number (int1 of the error), 0 when there is none. */
export function errnoNumber(e: unknown): number {
  const name = errnoName(e);
  if (name !== null && ERRNO[name]) return ERRNO[name][0];
  const n = (e as NodeJS.ErrnoException | null)?.errno;
  return typeof n === "number" ? Math.abs(n) : 0;
}

/**
 * virReportSystemError(errno, fmt, ...): `text` is the already formatted message; `cause` is the
 * failed call's error, or 0 when the call "failed" without setting errno (a short read).
 */
export function virSystemError(from: number, cause: unknown, text: string): VirError {
  return new VirError({
    code: VirErrorNumber.VIR_ERR_SYSTEM_ERROR,
    domain: from,
    message: `${text}: ${strerror(cause)}`,
    level: VIR_ERR_ERROR,
    str1: "%s",
    str2: `${text}: ${strerror(cause)}`,
    int1: errnoNumber(cause),
  });
}
