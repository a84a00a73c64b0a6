/**
 * The uncompressed kernel inside a bzImage, as the kernel's scripts/extract-vmlinux finds it — but from the
 * boot-protocol header instead of by scanning for magic numbers: protocol 2.08+ records where the compressed
 * payload starts and how long it is (Documentation/arch/x86/boot.rst "payload_offset", "payload_length").
 *
 * gzip is decompressed with node:zlib. Node has no xz, lzma, bzip2 or zstd, so those payloads go through the
 * host's `xz` (Debian xz-utils, also for lzma), `bzip2` or `zstd` command; a missing tool is a clear error.
 * What comes out is the kernel's stripped ELF vmlinux (with the relocation table the build appends for a
 * relocatable 32-bit kernel after it, which ELF readers ignore).
 */
import { spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";

/** Setup header fields (boot.rst "The real-mode kernel header"). */
export const HDR_SETUP_SECTS = 0x1f1;
export const HDR_HEADER = 0x202;
export const HDR_VERSION = 0x206;
export const HDR_PAYLOAD_OFFSET = 0x248;
export const HDR_PAYLOAD_LENGTH = 0x24c;
export const LINUX_HDRS_MAGIC = 0x53726448; // "HdrS"

export class BzImageError extends Error {}

export type KernelCompression = "gzip" | "xz" | "lzma" | "bzip2" | "zstd" | "lz4" | "lzo";

/** Magic numbers of the payload formats CONFIG_KERNEL_* can choose (the same ones extract-vmlinux looks for). */
const MAGICS: readonly [KernelCompression, readonly number[]][] = [
  ["gzip", [0x1f, 0x8b, 0x08]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["lzma", [0x5d, 0x00, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["lz4", [0x02, 0x21, 0x4c, 0x18]],
  ["lzo", [0x89, 0x4c, 0x5a, 0x4f]],
];

/** The host command for each format Node cannot decompress itself (argv, and the Debian package that has it). */
const TOOLS: Partial<Record<KernelCompression, { argv: string[]; pkg: string }>> = {
  // --single-stream: the build appends the uncompressed size (4 bytes) after the stream; ignore it.
  xz: { argv: ["xz", "-d", "-c", "--single-stream"], pkg: "xz-utils" },
  lzma: { argv: ["xz", "-d", "-c", "--format=lzma"], pkg: "xz-utils" },
  bzip2: { argv: ["bzip2", "-d", "-c"], pkg: "bzip2" },
  zstd: { argv: ["zstd", "-d", "-c", "-q"], pkg: "zstd" },
  lz4: { argv: ["lz4", "-d", "-c", "-l"], pkg: "lz4" },
};

export interface BzImagePayload {
  protocol: number;
  setupSize: number;
  offset: number;
  length: number;
  compression: KernelCompression;
  data: Uint8Array;
}

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** Locates the compressed payload of a bzImage and names its format. */
export function bzImagePayload(image: Uint8Array): BzImagePayload {
  if (image.length < 0x250 || u32(image, HDR_HEADER) !== LINUX_HDRS_MAGIC) {
    throw new BzImageError('not a bzImage: no "HdrS" boot protocol header at 0x202');
  }
  const protocol = u16(image, HDR_VERSION);
  if (protocol < 0x208) {
    throw new BzImageError(`boot protocol ${(protocol >> 8).toString()}.${(protocol & 0xff).toString().padStart(2, "0")} records no payload_offset (needs 2.08 or later)`);
  }
  // setup_sects 0 means 4 (boot.rst)
  const setupSize = ((image[HDR_SETUP_SECTS] === 0 ? 4 : image[HDR_SETUP_SECTS]!) + 1) * 512;
  const offset = setupSize + u32(image, HDR_PAYLOAD_OFFSET);
  const length = u32(image, HDR_PAYLOAD_LENGTH);
  if (offset + length > image.length || length < 8) {
    throw new BzImageError(`payload at ${offset.toString()} (+${length.toString()}) lies outside the ${image.length.toString()}-byte image`);
  }
  const data = image.subarray(offset, offset + length);
  const hit = MAGICS.find(([, m]) => m.every((b, i) => data[i] === b));
  if (hit === undefined) {
    throw new BzImageError(`unknown payload format (first bytes ${[...data.subarray(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`);
  }
  return { protocol, setupSize, offset, length, compression: hit[0], data };
}

/** Decompresses a bzImage's payload into the ELF vmlinux. */
export function extractVmlinux(image: Uint8Array): { vmlinux: Uint8Array; compression: KernelCompression; tool: string } {
  const p = bzImagePayload(image);
  let out: Uint8Array;
  let tool: string;
  if (p.compression === "gzip") {
    // The build appends the uncompressed size (4 bytes) after the gzip member; zlib would take it for a
    // second member's header.
    out = new Uint8Array(gunzipSync(p.data.subarray(0, p.data.length - 4)));
    tool = "node:zlib";
  } else {
    const t = TOOLS[p.compression];
    if (t === undefined) {
      throw new BzImageError(`${p.compression} payloads are not supported here (no Node built-in and no decompressor wired up)`);
    }
    const r = spawnSync(t.argv[0]!, t.argv.slice(1), { input: p.data, maxBuffer: 1 << 30 });
    if (r.error !== undefined) {
      throw new BzImageError(`the kernel payload is ${p.compression}-compressed and Node has no ${p.compression} decompressor: '${t.argv[0]!}' is needed (Debian package ${t.pkg}): ${r.error.message}`);
    }
    if (r.status !== 0) {
      throw new BzImageError(`${t.argv.join(" ")} failed (exit ${String(r.status)}): ${r.stderr.toString().trim()}`);
    }
    out = new Uint8Array(r.stdout);
    tool = t.argv[0]!;
  }
  if (out.length < 52 || u32(out, 0) !== 0x464c457f) {
    throw new BzImageError("the decompressed payload is not an ELF image");
  }
  return { vmlinux: out, compression: p.compression, tool };
}
