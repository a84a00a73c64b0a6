/**
 * Entropy backends for virtio-rng, the objects of `-object rng-random,id=ID,filename=PATH` and
 * `-object rng-builtin,id=ID` (QEMU backends/rng-random.c, backends/rng-builtin.c; qemu-options.hx
 * "-object"). libvirt's <rng><backend model='random'>/dev/urandom</backend></rng> becomes
 * `-object rng-random,id=objrng0,filename=/dev/urandom` with `-device virtio-rng-pci,rng=objrng0`.
 *
 * rng-random reads the file (a character device such as /dev/urandom or /dev/hwrng); rng-builtin
 * asks the host's CSPRNG (QEMU: qemu_guest_getrandom, here node:crypto).
 */
import { randomFillSync } from "node:crypto";
import { openSync, readSync } from "node:fs";
import { parseQemuOpts } from "../cli/qemu-opts.js";

export type RngSource = (dest: Uint8Array) => void;

/** The object types QEMU 7.2 knows that virtkit refuses (a clear error instead of "invalid object type"). */
const KNOWN_UNSUPPORTED = new Set([
  "rng-egd", "memory-backend-ram", "memory-backend-file", "memory-backend-memfd", "iothread", "secret",
  "tls-creds-x509", "tls-creds-psk", "tls-creds-anon", "filter-buffer", "filter-dump", "filter-mirror",
  "filter-redirector", "filter-rewriter", "throttle-group", "cryptodev-backend-builtin", "input-linux", "authz-simple",
]);

export class ObjectOptionError extends Error {}

export interface RngObject {
  id: string;
  type: "rng-random" | "rng-builtin";
  /** rng-random: the file to read (QEMU's default is /dev/urandom). */
  filename: string;
}

/** QEMU's id rule (id_wellformed): a letter first, then letters, digits, '-', '.', '_'. */
const ID_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Parses one -object argument, in the key=value form (qom-type first, implied) or the JSON form QEMU
 * also accepts ({"qom-type": "rng-random", "id": ..., "filename": ...}).
 */
export function parseObjectOption(text: string, ids: ReadonlySet<string>): RngObject {
  let props: Record<string, string>;
  if (text.trimStart().startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ObjectOptionError(`JSON parse error, ${(e as Error).message}`);
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ObjectOptionError("Invalid parameter type, expected: object");
    props = {};
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      if (typeof v !== "string") throw new ObjectOptionError(`Invalid parameter type for '${k}', expected: string`);
      props[k] = v;
    }
  } else {
    props = Object.fromEntries(parseQemuOpts(text, "qom-type").entries);
  }
  const type = props["qom-type"];
  if (type === undefined) throw new ObjectOptionError("Parameter 'qom-type' is missing");
  if (type !== "rng-random" && type !== "rng-builtin") {
    if (KNOWN_UNSUPPORTED.has(type)) throw new ObjectOptionError(`object type '${type}' is not supported by virtkit (only rng-random and rng-builtin)`);
    throw new ObjectOptionError(`invalid object type: ${type}`);
  }
  const id = props.id;
  if (id === undefined) throw new ObjectOptionError("Parameter 'id' is missing");
  if (!ID_RE.test(id)) throw new ObjectOptionError(`Parameter 'id' expects an identifier`);
  if (ids.has(id)) throw new ObjectOptionError(`attempt to add duplicate property '${id}' to object (type 'container')`);
  const allowed = type === "rng-random" ? ["qom-type", "id", "filename"] : ["qom-type", "id"];
  for (const k of Object.keys(props)) {
    if (!allowed.includes(k)) throw new ObjectOptionError(`Property '${type}.${k}' not found`);
  }
  return { id, type, filename: props.filename ?? "/dev/urandom" };
}

/** Opens the backend (at machine creation, as QEMU's user_creatable_complete does). */
export function openRngBackend(obj: RngObject): RngSource {
  if (obj.type === "rng-builtin") return (dest) => randomFillSync(dest);
  let fd: number;
  try {
    fd = openSync(obj.filename, "r");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "ENOENT" ? "No such file or directory" : err.code === "EACCES" ? "Permission denied" : err.message;
    throw new ObjectOptionError(`Could not open '${obj.filename}': ${why}`);
  }
  return (dest) => {
    let done = 0;
    while (done < dest.length) {
      const n = readSync(fd, dest, done, dest.length - done, null);
      // A file that ends (not a character device) gives what it has; the rest stays as it was.
      if (n === 0) return;
      done += n;
    }
  };
}
