// virFileReadAll (src/util/virfile.c) as virsh uses it for XML files: the whole file up to a
// limit, failures reported as libvirt system errors ("Failed to open file '%s': <strerror>").
import { closeSync, openSync, readSync } from "node:fs";
import { VirError, VirErrorDomain, VirErrorNumber } from "@virtkit/libvirt";

/** VSH_MAX_XML_FILE */
export const VSH_MAX_XML_FILE = 10 * 1024 * 1024;

/** strerror(3) texts (glibc) for the errno values file operations produce. */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  EINVAL: "Invalid argument",
  EEXIST: "File exists",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
  EMFILE: "Too many open files",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  EPIPE: "Broken pipe",
  EAGAIN: "Resource temporarily unavailable",
  ENXIO: "No such device or address",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
};

export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined ? STRERROR[code] : undefined) ?? (e instanceof Error ? e.message : String(e));
}

/** virReportSystemError(errno, fmt): "<message>: <strerror>". */
export function systemError(message: string, e: unknown): VirError {
  return new VirError({ code: VirErrorNumber.VIR_ERR_SYSTEM_ERROR, domain: VirErrorDomain.VIR_FROM_NONE, message: `${message}: ${strerror(e)}` });
}

export function readFileAll(path: string, maxlen = VSH_MAX_XML_FILE): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw systemError(`Failed to open file '${path}'`, e);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    const buf = Buffer.allocUnsafe(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        throw systemError(`Failed to read file '${path}'`, e);
      }
      if (n === 0) break;
      total += n;
      if (total > maxlen) throw systemError(`Failed to read file '${path}'`, Object.assign(new Error(), { code: "EINVAL" }));
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
