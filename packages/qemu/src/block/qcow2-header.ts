import { BlockError } from "./block-error.js";

// Constants from docs/interop/qcow2.txt ("QCOW2 Image Format") and block/qcow2.h.
/** "QFI\xfb" */
export const QCOW_MAGIC = 0x514649fb;
export const QCOW_CRYPT_NONE = 0;
export const MIN_CLUSTER_BITS = 9;
export const MAX_CLUSTER_BITS = 21;
export const DEFAULT_CLUSTER_SIZE = 65536;
/** qcow2.h: limits qemu enforces on table sizes. */
export const QCOW_MAX_REFTABLE_SIZE = 8 * 1024 * 1024;
export const QCOW_MAX_L1_SIZE = 32 * 1024 * 1024;
export const QCOW_MAX_SNAPSHOTS = 65536;
export const QCOW_MAX_SNAPSHOTS_SIZE = 1024 * QCOW_MAX_SNAPSHOTS;
export const QCOW_MAX_SNAPSHOT_EXTRA_DATA = 1024;
/** Size of the v2 header and of the v3 header without the compression type byte. */
export const QCOW2_V2_HEADER_LENGTH = 72;
export const QCOW2_V3_MIN_HEADER_LENGTH = 104;
/** sizeof(QCowHeader) in qemu 7.2: v3 fields plus compression_type and padding. */
export const QCOW2_HEADER_LENGTH = 112;

// Feature bits (qcow2.txt "Header", bytes 72-95).
export const QCOW2_INCOMPAT_DIRTY = 1 << 0;
export const QCOW2_INCOMPAT_CORRUPT = 1 << 1;
export const QCOW2_INCOMPAT_DATA_FILE = 1 << 2;
export const QCOW2_INCOMPAT_COMPRESSION = 1 << 3;
export const QCOW2_INCOMPAT_EXTL2 = 1 << 4;
/** Incompatible bits this implementation understands. */
export const QCOW2_INCOMPAT_SUPPORTED = QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT;
export const QCOW2_COMPAT_LAZY_REFCOUNTS = 1 << 0;
export const QCOW2_AUTOCLEAR_BITMAPS = 1 << 0;
export const QCOW2_AUTOCLEAR_DATA_FILE_RAW = 1 << 1;
export const QCOW2_COMPRESSION_TYPE_ZLIB = 0;
export const QCOW2_COMPRESSION_TYPE_ZSTD = 1;

// Header extension magics (qcow2.txt "Header extensions").
export const QCOW2_EXT_MAGIC_END = 0x00000000;
export const QCOW2_EXT_MAGIC_BACKING_FORMAT = 0xe2792aca;
export const QCOW2_EXT_MAGIC_FEATURE_TABLE = 0x6803f857;
export const QCOW2_EXT_MAGIC_CRYPTO_HEADER = 0x0537be77;
export const QCOW2_EXT_MAGIC_BITMAPS = 0x23852875;
export const QCOW2_EXT_MAGIC_DATA_FILE = 0x44415441;

// Feature name table entry types.
export const QCOW2_FEAT_TYPE_INCOMPATIBLE = 0;
export const QCOW2_FEAT_TYPE_COMPATIBLE = 1;
export const QCOW2_FEAT_TYPE_AUTOCLEAR = 2;

export interface FeatureName {
  type: number;
  bit: number;
  name: string;
}

/** The feature name table qemu 7.2 writes (qcow2.c qcow2_update_header), in its order. */
export const QEMU_FEATURE_TABLE: readonly FeatureName[] = [
  { type: QCOW2_FEAT_TYPE_INCOMPATIBLE, bit: 0, name: "dirty bit" },
  { type: QCOW2_FEAT_TYPE_INCOMPATIBLE, bit: 1, name: "corrupt bit" },
  { type: QCOW2_FEAT_TYPE_INCOMPATIBLE, bit: 2, name: "external data file" },
  { type: QCOW2_FEAT_TYPE_INCOMPATIBLE, bit: 3, name: "compression type" },
  { type: QCOW2_FEAT_TYPE_INCOMPATIBLE, bit: 4, name: "extended L2 entries" },
  { type: QCOW2_FEAT_TYPE_COMPATIBLE, bit: 0, name: "lazy refcounts" },
  { type: QCOW2_FEAT_TYPE_AUTOCLEAR, bit: 0, name: "bitmaps" },
  { type: QCOW2_FEAT_TYPE_AUTOCLEAR, bit: 1, name: "raw external data" },
];

export interface HeaderExtension {
  magic: number;
  data: Uint8Array;
}

/** All fields of a qcow2 header, v2 or v3, plus what the extensions carry. */
export interface Qcow2Header {
  version: number;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  /** Feature bitmaps as numbers: only the low 32 bits can be set by qemu; high bits are kept separately. */
  incompatibleFeatures: bigint;
  compatibleFeatures: bigint;
  autoclearFeatures: bigint;
  refcountOrder: number;
  headerLength: number;
  compressionType: number;
  /** Header bytes past the fields we know (header_length > 112), preserved on rewrite. */
  unknownHeaderFields: Uint8Array;
  backingFile: string | null;
  backingFormat: string | null;
  featureTable: FeatureName[];
  /** Extensions other than backing format / feature table / end, preserved on rewrite. */
  unknownExtensions: HeaderExtension[];
}

function u64(v: DataView, off: number): number {
  return v.getUint32(off) * 0x100000000 + v.getUint32(off + 4);
}

function setU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, Math.floor(x / 0x100000000));
  v.setUint32(off + 4, x >>> 0);
}

export { u64 as readU64, setU64 as writeU64 };

const decoder = new TextDecoder("latin1");
const encoder = new TextEncoder();

/**
 * Parses and validates a header the way qcow2_do_open does, with its messages.
 * `readAt` reads bytes of the first cluster (for extensions and backing name).
 * `checkMode` is BDRV_O_CHECK: relaxed rules qemu-img check relies on.
 */
export function parseQcow2Header(first: Uint8Array, checkMode = false): Qcow2Header {
  if (first.length < QCOW2_V2_HEADER_LENGTH) throw new BlockError("Could not read qcow2 header: Input/output error", "EIO");
  const v = new DataView(first.buffer, first.byteOffset, first.byteLength);
  if (v.getUint32(0) !== QCOW_MAGIC) throw new BlockError("Image is not in qcow2 format");
  const version = v.getUint32(4);
  if (version < 2 || version > 3) throw new BlockError(`Unsupported qcow2 version ${version}`, "ENOTSUP");
  const clusterBits = v.getUint32(20);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
    throw new BlockError(`Unsupported cluster size: 2^${clusterBits}`);
  }
  const clusterSize = 2 ** clusterBits;
  const h: Qcow2Header = {
    version,
    backingFileOffset: u64(v, 8),
    backingFileSize: v.getUint32(16),
    clusterBits,
    size: u64(v, 24),
    cryptMethod: v.getUint32(32),
    l1Size: v.getUint32(36),
    l1TableOffset: u64(v, 40),
    refcountTableOffset: u64(v, 48),
    refcountTableClusters: v.getUint32(56),
    nbSnapshots: v.getUint32(60),
    snapshotsOffset: u64(v, 64),
    incompatibleFeatures: 0n,
    compatibleFeatures: 0n,
    autoclearFeatures: 0n,
    refcountOrder: 4,
    headerLength: QCOW2_V2_HEADER_LENGTH,
    compressionType: QCOW2_COMPRESSION_TYPE_ZLIB,
    unknownHeaderFields: new Uint8Array(0),
    backingFile: null,
    backingFormat: null,
    featureTable: [],
    unknownExtensions: [],
  };
  if (version === 3) {
    h.incompatibleFeatures = v.getBigUint64(72);
    h.compatibleFeatures = v.getBigUint64(80);
    h.autoclearFeatures = v.getBigUint64(88);
    h.refcountOrder = v.getUint32(96);
    h.headerLength = v.getUint32(100);
    if (h.headerLength < QCOW2_V3_MIN_HEADER_LENGTH) throw new BlockError("qcow2 header too short");
  }
  if (h.headerLength > clusterSize) throw new BlockError("qcow2 header exceeds cluster size");
  if (h.headerLength > QCOW2_HEADER_LENGTH) {
    h.unknownHeaderFields = first.slice(QCOW2_HEADER_LENGTH, h.headerLength);
  }
  if (h.backingFileOffset > clusterSize) throw new BlockError("Invalid backing file offset");
  const extEnd = h.backingFileOffset !== 0 ? h.backingFileOffset : clusterSize;
  if (h.headerLength > 104) h.compressionType = v.getUint8(104);
  if (h.compressionType !== QCOW2_COMPRESSION_TYPE_ZLIB) {
    // validate_compression_type(): zstd needs the incompatible bit; we have no zstd.
    if (h.compressionType !== QCOW2_COMPRESSION_TYPE_ZSTD) {
      throw new BlockError(`Unknown compression type '${h.compressionType}'`, "ENOTSUP");
    }
    if (!(h.incompatibleFeatures & BigInt(QCOW2_INCOMPAT_COMPRESSION))) {
      throw new BlockError("Compression type incompatible feature bit must be set if compression type is not zlib");
    }
  }
  const unsupported = h.incompatibleFeatures & ~BigInt(QCOW2_INCOMPAT_SUPPORTED);
  if (unsupported !== 0n) {
    let table: FeatureName[];
    try {
      table = readExtensions(first, h, extEnd).featureTable;
    } catch {
      table = [];
    }
    throw new BlockError(unsupportedFeatureMessage(table, unsupported), "ENOTSUP");
  }
  if (h.refcountOrder > 6) throw new BlockError("Reference count entry width too large; may not exceed 64 bits");
  if (h.cryptMethod !== QCOW_CRYPT_NONE) {
    throw new BlockError(`Encrypted qcow2 images (crypt method ${h.cryptMethod}) are not supported`, "ENOTSUP");
  }
  if (h.refcountTableClusters === 0 && !checkMode) throw new BlockError("Image does not contain a reference count table");
  validateTable(h.refcountTableOffset, h.refcountTableClusters, clusterSize, QCOW_MAX_REFTABLE_SIZE, clusterBits, "Reference count table");
  if (!checkMode) {
    validateTable(h.snapshotsOffset, h.nbSnapshots, 40, 40 * QCOW_MAX_SNAPSHOTS, clusterBits, "Snapshot table");
  }
  validateTable(h.l1TableOffset, h.l1Size, 8, QCOW_MAX_L1_SIZE, clusterBits, "Active L1 table");
  // size_to_l1(): number of L1 entries needed for the virtual size.
  const l2Bits = clusterBits - 3;
  const l1Needed = Math.ceil(h.size / 2 ** (clusterBits + l2Bits));
  if (l1Needed > 0x7fffffff) throw new BlockError("Image is too big", "EFBIG");
  if (h.l1Size < l1Needed) throw new BlockError("L1 table is too small");
  const ext = readExtensions(first, h, extEnd);
  h.backingFormat = ext.backingFormat;
  h.featureTable = ext.featureTable;
  h.unknownExtensions = ext.unknown;
  if (h.backingFileOffset !== 0) {
    const len = h.backingFileSize;
    if (len > Math.min(1023, clusterSize - h.backingFileOffset) || len >= 1024) {
      throw new BlockError("Backing file name too long");
    }
    h.backingFile = decoder.decode(first.subarray(h.backingFileOffset, h.backingFileOffset + len));
  }
  return h;
}

/** qcow2_validate_table() */
function validateTable(offset: number, entries: number, entryLen: number, maxBytes: number, clusterBits: number, name: string): void {
  if (entries > Math.floor(maxBytes / entryLen)) throw new BlockError(`${name} too large`, "EFBIG");
  if (2 ** 63 - entries * entryLen < offset || offset % 2 ** clusterBits !== 0) {
    throw new BlockError(`${name} offset invalid`);
  }
}

/** report_unsupported_feature() */
export function unsupportedFeatureMessage(table: readonly FeatureName[], mask: bigint): string {
  const names: string[] = [];
  for (const f of table) {
    if (f.type === QCOW2_FEAT_TYPE_INCOMPATIBLE && mask & (1n << BigInt(f.bit))) {
      names.push(f.name.slice(0, 46));
      mask &= ~(1n << BigInt(f.bit));
    }
  }
  if (mask !== 0n) names.push(`Unknown incompatible feature: ${mask.toString(16)}`);
  return `Unsupported qcow2 feature(s): ${names.join(", ")}`;
}

interface Extensions {
  backingFormat: string | null;
  featureTable: FeatureName[];
  unknown: HeaderExtension[];
}

/** qcow2_read_extensions(): walks the extension area between header_length and ext_end. */
function readExtensions(first: Uint8Array, h: Qcow2Header, extEnd: number): Extensions {
  const out: Extensions = { backingFormat: null, featureTable: [], unknown: [] };
  const v = new DataView(first.buffer, first.byteOffset, first.byteLength);
  let off = h.headerLength;
  while (off < extEnd) {
    if (off + 8 > first.length) throw new BlockError("Header extension too large");
    const magic = v.getUint32(off);
    const len = v.getUint32(off + 4);
    off += 8;
    if (off > extEnd || len > extEnd - off) throw new BlockError("Header extension too large");
    const data = first.subarray(off, off + len);
    if (magic === QCOW2_EXT_MAGIC_END) return out;
    if (magic === QCOW2_EXT_MAGIC_BACKING_FORMAT) {
      if (len >= 16) throw new BlockError(`ERROR: ext_backing_format: len=${len} too large (>=16)`);
      out.backingFormat = decoder.decode(data);
    } else if (magic === QCOW2_EXT_MAGIC_FEATURE_TABLE) {
      for (let i = 0; i + 48 <= len; i += 48) {
        const raw = data.subarray(i + 2, i + 48);
        const nul = raw.indexOf(0);
        out.featureTable.push({ type: data[i]!, bit: data[i + 1]!, name: decoder.decode(nul < 0 ? raw : raw.subarray(0, nul)) });
      }
    } else {
      out.unknown.push({ magic, data: data.slice() });
    }
    off += (len + 7) & ~7;
  }
  return out;
}

/**
 * Serializes a complete header cluster (qcow2_update_header): fixed fields,
 * then backing format, feature name table, preserved unknown extensions, end
 * marker, then the backing file name. Throws if it does not fit one cluster.
 */
export function serializeQcow2Header(h: Qcow2Header, withFeatureTable: boolean): Uint8Array {
  const clusterSize = 2 ** h.clusterBits;
  const buf = new Uint8Array(clusterSize);
  const v = new DataView(buf.buffer);
  v.setUint32(0, QCOW_MAGIC);
  v.setUint32(4, h.version);
  v.setUint32(20, h.clusterBits);
  setU64(v, 24, h.size);
  v.setUint32(32, h.cryptMethod);
  v.setUint32(36, h.l1Size);
  setU64(v, 40, h.l1TableOffset);
  setU64(v, 48, h.refcountTableOffset);
  v.setUint32(56, h.refcountTableClusters);
  v.setUint32(60, h.nbSnapshots);
  setU64(v, 64, h.snapshotsOffset);
  let off: number;
  if (h.version >= 3) {
    const len = Math.max(h.headerLength, QCOW2_HEADER_LENGTH);
    v.setBigUint64(72, h.incompatibleFeatures);
    v.setBigUint64(80, h.compatibleFeatures);
    v.setBigUint64(88, h.autoclearFeatures);
    v.setUint32(96, h.refcountOrder);
    v.setUint32(100, len);
    v.setUint8(104, h.compressionType);
    buf.set(h.unknownHeaderFields, QCOW2_HEADER_LENGTH);
    off = len;
  } else {
    off = QCOW2_V2_HEADER_LENGTH;
  }
  const put = (magic: number, data: Uint8Array): void => {
    const padded = (data.length + 7) & ~7;
    if (off + 8 + padded > clusterSize) throw new BlockError("Header extensions do not fit in one cluster", "ENOSPC");
    v.setUint32(off, magic);
    v.setUint32(off + 4, data.length);
    buf.set(data, off + 8);
    off += 8 + padded;
  };
  if (h.backingFormat !== null) put(QCOW2_EXT_MAGIC_BACKING_FORMAT, encoder.encode(h.backingFormat));
  if (withFeatureTable) {
    const table = new Uint8Array(48 * QEMU_FEATURE_TABLE.length);
    QEMU_FEATURE_TABLE.forEach((f, i) => {
      table[i * 48] = f.type;
      table[i * 48 + 1] = f.bit;
      table.set(encoder.encode(f.name), i * 48 + 2);
    });
    put(QCOW2_EXT_MAGIC_FEATURE_TABLE, table);
  }
  for (const e of h.unknownExtensions) put(e.magic, e.data);
  put(QCOW2_EXT_MAGIC_END, new Uint8Array(0));
  if (h.backingFile !== null) {
    const name = encoder.encode(h.backingFile);
    if (off + name.length > clusterSize || name.length > 1023) throw new BlockError("Backing file name too long", "ENOSPC");
    buf.set(name, off);
    setU64(v, 8, off);
    v.setUint32(16, name.length);
    off += name.length;
  }
  return buf.subarray(0, off);
}
