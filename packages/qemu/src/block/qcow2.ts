import type { BlockDriver, BlockStatus, CreateOptions } from "./block-driver.js";
import { BlockError } from "./block-error.js";
import { FileProtocol } from "./file-protocol.js";
import { qcow2Compress, qcow2Decompress } from "./qcow2-compress.js";
import {
  DEFAULT_CLUSTER_SIZE,
  MAX_CLUSTER_BITS,
  MIN_CLUSTER_BITS,
  QCOW2_COMPRESSION_TYPE_ZLIB,
  QCOW2_HEADER_LENGTH,
  QCOW2_INCOMPAT_CORRUPT,
  QCOW2_INCOMPAT_DIRTY,
  QCOW2_V2_HEADER_LENGTH,
  type Qcow2Header,
  parseQcow2Header,
  serializeQcow2Header,
  writeU64,
} from "./qcow2-header.js";
import { RefcountTable, setRefcountEntry } from "./qcow2-refcount.js";
import { type Qcow2Snapshot, parseSnapshotTable, serializeSnapshotTable, snapshotTableSize } from "./qcow2-snapshot.js";

// L1/L2 entry bits (qcow2.txt "Cluster mapping"; qcow2.h). Entries are handled as
// two 32-bit halves: HI holds bits 63..32, LO bits 31..0.
/** QCOW_OFLAG_COPIED, bit 63: refcount is exactly one, may be written in place */
export const QCOW_OFLAG_COPIED_HI = 0x80000000;
/** QCOW_OFLAG_COMPRESSED, bit 62 */
export const QCOW_OFLAG_COMPRESSED_HI = 0x40000000;
/** QCOW_OFLAG_ZERO, bit 0 (v3): cluster reads as zeroes */
export const QCOW_OFLAG_ZERO = 1;
/** L2E_OFFSET_MASK 0x00fffffffffffe00 */
const OFFSET_MASK_HI = 0x00ffffff;
const OFFSET_MASK_LO = 0xfffffe00;
/** L1E_RESERVED_MASK 0x7f000000000001ff, L2E_STD_RESERVED_MASK 0x3f000000000001fe */
export const L1E_RESERVED_HI = 0x7f000000;
export const L1E_RESERVED_LO = 0x1ff;
export const L2E_STD_RESERVED_HI = 0x3f000000;
export const L2E_STD_RESERVED_LO = 0x1fe;

const TWO32 = 0x100000000;

/** qcow2_get_cluster_type() */
export const enum ClusterType {
  Unallocated = 0,
  ZeroPlain = 1,
  ZeroAlloc = 2,
  Normal = 3,
  Compressed = 4,
}

export function entryOffset(hi: number, lo: number): number {
  return (hi & OFFSET_MASK_HI) * TWO32 + ((lo & OFFSET_MASK_LO) >>> 0);
}

export function clusterType(hi: number, lo: number): ClusterType {
  if (hi & QCOW_OFLAG_COMPRESSED_HI) return ClusterType.Compressed;
  const hasOffset = (hi & OFFSET_MASK_HI) !== 0 || (lo & OFFSET_MASK_LO) !== 0;
  if (lo & QCOW_OFLAG_ZERO) return hasOffset ? ClusterType.ZeroAlloc : ClusterType.ZeroPlain;
  return hasOffset ? ClusterType.Normal : ClusterType.Unallocated;
}

interface L2Table {
  data: Uint8Array;
  view: DataView;
  dirty: boolean;
}

/** A mapping view: the active L1 table, or a snapshot's. */
interface L1View {
  view: DataView;
  size: number;
}

export interface Qcow2OpenOptions {
  readOnly: boolean;
  /** BDRV_O_CHECK: open for qemu-img check (relaxed header rules, no dirty-bit repair). */
  checkMode?: boolean;
  /** cache=unsafe: no fdatasync barriers (qemu-img convert's default for its target). */
  unsafeCache?: boolean;
  /** Reads, small writes and flushes on the calling thread (FileProtocol.syncIo), for one-shot tools. */
  syncIo?: boolean;
  /** Opens the backing image; null keeps the image without one (reads fall back to zeroes). */
  openBacking?: (path: string, format: string | null) => Promise<BlockDriver>;
}

export interface Qcow2CreateOptions extends CreateOptions {
  /** Size of the backing image, needed when size is not given. */
  backingSize?: number;
}

/** Where a guest range lives in this layer (qcow2_get_host_offset). */
export interface Qcow2Mapping {
  type: ClusterType;
  /** host offset for Normal/ZeroAlloc (+ offset in cluster), compressed: descriptor offset */
  hostOffset: number;
  /** contiguous bytes with this type (and contiguous host offsets) */
  length: number;
}

/**
 * The qcow2 format driver (block/qcow2*.c): v2 and v3, refcount widths 1..64,
 * cluster sizes 512 B..2 MiB, backing files, zero clusters, compressed clusters,
 * internal snapshots. Metadata lives in write-back caches; flush() writes them in
 * the order qcow2.txt requires so that a crash leaks at worst.
 */
export class Qcow2Driver implements BlockDriver {
  readonly format = "qcow2";
  readonly file: FileProtocol;
  header: Qcow2Header;
  backing: BlockDriver | null = null;
  readonly clusterBits: number;
  readonly clusterSize: number;
  readonly l2Bits: number;
  readonly l2Entries: number;
  /** Compressed descriptor layout: x = 62 - (cluster_bits - 8) */
  readonly csizeShift: number;
  readonly csizeMask: number;
  refcount: RefcountTable;
  snapshots: Qcow2Snapshot[] = [];
  snapshotsSize = 0;
  private l1: Uint8Array;
  private l1View: DataView;
  private l1Dirty = false;
  private l2Cache = new Map<number, L2Table>();
  /** Clusters whose refcount drops once the metadata dropping them is on disk. */
  private pendingDecrements: number[] = [];
  private lockTail: Promise<void> = Promise.resolve();
  /** Byte position for packing compressed clusters (s->free_byte_offset). */
  private freeByteOffset = 0;
  private decompressed: { key: string; data: Uint8Array } | null = null;
  private closed = false;
  /** Maximum bytes of L2 tables kept before a write-back (qemu's default l2-cache is 32 MiB). */
  private static readonly L2_CACHE_BYTES = 32 * 1024 * 1024;

  private constructor(file: FileProtocol, header: Qcow2Header, refcount: RefcountTable, l1: Uint8Array) {
    this.file = file;
    this.header = header;
    this.clusterBits = header.clusterBits;
    this.clusterSize = 2 ** header.clusterBits;
    this.l2Bits = header.clusterBits - 3;
    this.l2Entries = 2 ** this.l2Bits;
    this.csizeShift = 62 - (header.clusterBits - 8);
    this.csizeMask = 2 ** (header.clusterBits - 8) - 1;
    this.refcount = refcount;
    this.l1 = l1;
    this.l1View = new DataView(l1.buffer, l1.byteOffset, l1.byteLength);
    this.attachRefcount(refcount);
  }

  /** Installs a refcount table and lets it update the header when it moves. */
  attachRefcount(refcount: RefcountTable): void {
    this.refcount = refcount;
    refcount.onTableMoved = async (offset, clusters): Promise<void> => {
      this.header.refcountTableOffset = offset;
      this.header.refcountTableClusters = clusters;
      const b = new Uint8Array(12);
      const v = new DataView(b.buffer);
      writeU64(v, 0, offset);
      v.setUint32(8, clusters);
      await this.file.pwrite(b, 48);
    };
  }

  get readOnly(): boolean {
    return this.file.readOnly;
  }

  get filename(): string {
    return this.file.path;
  }

  get l1Size(): number {
    return this.header.l1Size;
  }

  get dirty(): boolean {
    return (this.header.incompatibleFeatures & BigInt(QCOW2_INCOMPAT_DIRTY)) !== 0n;
  }

  get corrupt(): boolean {
    return (this.header.incompatibleFeatures & BigInt(QCOW2_INCOMPAT_CORRUPT)) !== 0n;
  }

  /** Reads the first cluster and checks whether it starts with the qcow2 magic. */
  static probe(first: Uint8Array): boolean {
    return first.length >= 8 && first[0] === 0x51 && first[1] === 0x46 && first[2] === 0x49 && first[3] === 0xfb && (first[7] === 2 || first[7] === 3);
  }

  static async open(path: string, opts: Qcow2OpenOptions): Promise<Qcow2Driver> {
    const file = FileProtocol.open(path, opts.readOnly);
    file.ignoreFlush = opts.unsafeCache ?? false;
    file.syncIo = opts.syncIo ?? false;
    try {
      return await Qcow2Driver.openFile(file, opts);
    } catch (e) {
      file.close();
      throw e;
    }
  }

  private static async openFile(file: FileProtocol, opts: Qcow2OpenOptions): Promise<Qcow2Driver> {
    const first = new Uint8Array(2 ** MAX_CLUSTER_BITS);
    // Read enough for the header; the cluster size is known after the fixed fields.
    file.preadSync(first.subarray(0, 512), 0);
    const peekBits = new DataView(first.buffer).getUint32(20);
    const cs = peekBits >= MIN_CLUSTER_BITS && peekBits <= MAX_CLUSTER_BITS ? 2 ** peekBits : 512;
    if (cs > 512) file.preadSync(first.subarray(512, cs), 512);
    const header = parseQcow2Header(first.subarray(0, cs), opts.checkMode ?? false);
    if (header.incompatibleFeatures & BigInt(QCOW2_INCOMPAT_CORRUPT) && !opts.readOnly && !opts.checkMode) {
      throw new BlockError("qcow2: Image is corrupt; cannot be opened read/write", "EACCES");
    }
    const refcount = RefcountTable.load(file, header.clusterBits, header.refcountOrder, header.refcountTableOffset, header.refcountTableClusters);
    const l1 = new Uint8Array(header.l1Size * 8);
    file.preadSync(l1, header.l1TableOffset);
    const d = new Qcow2Driver(file, header, refcount, l1);
    d.refcount.freeClusterIndex = 0;
    if (header.nbSnapshots > 0) {
      const raw = await d.readSnapshotTableBytes(header.snapshotsOffset, header.nbSnapshots);
      const parsed = parseSnapshotTable(raw, header.nbSnapshots, header.size);
      d.snapshots = parsed.snapshots;
      d.snapshotsSize = parsed.size;
    }
    if (header.backingFile !== null && opts.openBacking) {
      d.backing = await opts.openBacking(header.backingFile, header.backingFormat);
    }
    // Autoclear bits we do not implement (bitmaps, raw external data) must be
    // cleared by a writer (qcow2.txt "autoclear_features").
    if (!opts.readOnly && header.version >= 3 && header.autoclearFeatures !== 0n) {
      header.autoclearFeatures = 0n;
      const b = new Uint8Array(8);
      await file.pwrite(b, 88);
      await file.flush();
    }
    // A dirty image (lazy refcounts, or a crash with them on) is repaired on open.
    if (d.dirty && !opts.readOnly && !opts.checkMode) {
      const { checkQcow2 } = await import("./qcow2-check.js");
      const res = await checkQcow2(d, { fixLeaks: true, fixErrors: true }, () => undefined);
      if (res.checkErrors > 0 || res.corruptions > 0) throw new BlockError("Could not repair dirty image: Input/output error", "EIO");
      await d.setIncompatBit(QCOW2_INCOMPAT_DIRTY, false);
    }
    return d;
  }

  private async readSnapshotTableBytes(offset: number, nb: number): Promise<Uint8Array> {
    // Entries are variable length; read generously, bounded by the file and qemu's cap.
    const fileSize = this.file.size();
    const len = Math.max(0, Math.min(fileSize - offset, 1024 * 65536, nb * (40 + 1024 + 2 * 65535 + 8)));
    const raw = new Uint8Array(len);
    await this.file.pread(raw, offset);
    return raw;
  }

  /**
   * Creates an image (qcow2_co_create): header in cluster 0, refcount table in
   * cluster 1, first refcount block in cluster 2, L1 table after that.
   */
  static async create(path: string, opts: Qcow2CreateOptions): Promise<void> {
    const clusterSize = opts.clusterSize ?? DEFAULT_CLUSTER_SIZE;
    const compat = opts.compat ?? "1.1";
    let version: number;
    if (compat === "0.10" || compat === "v2") version = 2;
    else if (compat === "1.1" || compat === "v3") version = 3;
    else throw new BlockError(`Invalid compatibility level: '${compat}'`);
    if (opts.size % 512 !== 0) throw new BlockError("Image size must be a multiple of 512 bytes");
    if (!Number.isInteger(Math.log2(clusterSize)) || clusterSize < 512 || clusterSize > 2 * 1024 * 1024) {
      throw new BlockError("Cluster size must be a power of two between 512 and 2048k");
    }
    if (opts.backingFormat !== undefined && opts.backingFile === undefined) {
      throw new BlockError("Backing format cannot be used without backing file");
    }
    if (opts.lazyRefcounts) {
      if (version < 3) throw new BlockError("Lazy refcounts only supported with compatibility level 1.1 and above (use version=v3 or greater)");
      throw new BlockError("lazy_refcounts=on is not supported by this implementation", "ENOTSUP");
    }
    const refcountBits = opts.refcountBits ?? 16;
    if (refcountBits > 64 || refcountBits < 1 || !Number.isInteger(Math.log2(refcountBits))) {
      throw new BlockError("Refcount width must be a power of two and may not exceed 64 bits");
    }
    if (version < 3 && refcountBits !== 16) {
      throw new BlockError("Different refcount widths than 16 bits require compatibility level 1.1 or above (use version=v3 or greater)");
    }
    const clusterBits = Math.log2(clusterSize);
    const refcountOrder = Math.log2(refcountBits);
    const header: Qcow2Header = {
      version,
      backingFileOffset: 0,
      backingFileSize: 0,
      clusterBits,
      size: 0,
      cryptMethod: 0,
      l1Size: 0,
      l1TableOffset: 0,
      refcountTableOffset: clusterSize,
      refcountTableClusters: 1,
      nbSnapshots: 0,
      snapshotsOffset: 0,
      incompatibleFeatures: 0n,
      compatibleFeatures: 0n,
      autoclearFeatures: 0n,
      refcountOrder,
      headerLength: version === 3 ? QCOW2_HEADER_LENGTH : QCOW2_V2_HEADER_LENGTH,
      compressionType: QCOW2_COMPRESSION_TYPE_ZLIB,
      unknownHeaderFields: new Uint8Array(0),
      backingFile: null,
      backingFormat: null,
      featureTable: [],
      unknownExtensions: [],
    };
    const file = FileProtocol.create(path);
    // Creating an image is a short run of small writes nobody else waits on: no thread-pool round trips.
    file.syncIo = true;
    try {
      // Like qemu: a minimal header, the refcount table and one refcount block for clusters 0..2.
      await file.pwrite(serializeQcow2Header(header, false), 0);
      const rt = new Uint8Array(clusterSize);
      writeU64(new DataView(rt.buffer), 0, 2 * clusterSize);
      const rb = new Uint8Array(clusterSize);
      for (let i = 0; i < 3; i++) setRefcountEntry(rb, refcountOrder, i, 1);
      await file.pwrite(rt, clusterSize);
      await file.pwrite(rb, 2 * clusterSize);
      await file.flush();
    } finally {
      file.close();
    }
    // qcow2_co_create() reopens the new image with BDRV_O_NO_FLUSH to size it: an image that is
    // still being created has nothing to keep consistent, so the L1 growth below issues no
    // fdatasync (about ten of them otherwise, each a journal commit on the critical path).
    const d = await Qcow2Driver.open(path, { readOnly: false, unsafeCache: true, syncIo: true });
    try {
      let size = opts.size;
      if (opts.backingFile !== undefined) {
        d.header.backingFile = opts.backingFile;
        d.header.backingFormat = opts.backingFormat ?? null;
        if (size === 0 && opts.backingSize !== undefined) size = opts.backingSize;
      }
      // qcow2_co_create: "Create a full header (including things like feature table)" before sizing
      await d.rewriteHeader();
      await d.truncate(size);
      await d.flush();
    } finally {
      await d.close();
    }
  }

  getLength(): number {
    return this.header.size;
  }

  allocatedSize(): number {
    return this.file.allocatedSize();
  }

  /** Serializes all metadata operations, like qemu's s->lock CoMutex. */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.lockTail;
    let release!: () => void;
    this.lockTail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** qcow2_signal_corruption(): sets the corrupt bit (when writable) and fails the request. */
  async signalCorruption(msg: string): Promise<never> {
    if (!this.readOnly && !this.corrupt) {
      process.stderr.write(`qcow2: Marking image as corrupt: ${msg}; further corruption events will be suppressed\n`);
      await this.setIncompatBit(QCOW2_INCOMPAT_CORRUPT, true);
    }
    throw new BlockError(msg, "EIO");
  }

  /** Updates one incompatible feature bit in place (qcow2_mark_dirty/mark_corrupt). */
  async setIncompatBit(bit: number, on: boolean): Promise<void> {
    if (this.header.version < 3) return;
    const b = BigInt(bit);
    this.header.incompatibleFeatures = on ? this.header.incompatibleFeatures | b : this.header.incompatibleFeatures & ~b;
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setBigUint64(0, this.header.incompatibleFeatures);
    await this.file.flush();
    await this.file.pwrite(buf, 72);
    await this.file.flush();
  }

  /** Rewrites the whole header cluster (qcow2_update_header), with the feature name table. */
  async rewriteHeader(): Promise<void> {
    // qcow2_update_header: the feature name table only in v3 images with clusters over 4 KiB (its 392
    // bytes would leave a 512-byte header cluster almost no room for a backing file name)
    const buf = serializeQcow2Header(this.header, this.header.version >= 3 && this.clusterSize > 4096);
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.header.backingFileOffset = this.header.backingFile !== null ? Number(v.getBigUint64(8)) : 0;
    this.header.backingFileSize = this.header.backingFile !== null ? v.getUint32(16) : 0;
    if (this.header.version >= 3) this.header.headerLength = Math.max(this.header.headerLength, QCOW2_HEADER_LENGTH);
    await this.file.pwrite(buf, 0);
    await this.file.flush();
  }

  // ---- L1 / L2 access ----------------------------------------------------------

  private activeL1(): L1View {
    return { view: this.l1View, size: this.header.l1Size };
  }

  private async loadL2(offset: number, l1Index: number): Promise<L2Table> {
    let t = this.l2Cache.get(offset);
    if (t) return t;
    if (offset % this.clusterSize !== 0) {
      return this.signalCorruption(`L2 table offset 0x${offset.toString(16)} unaligned (L1 index: 0x${l1Index.toString(16)})`);
    }
    const data = new Uint8Array(this.clusterSize);
    await this.file.pread(data, offset);
    t = { data, view: new DataView(data.buffer), dirty: false };
    this.l2Cache.set(offset, t);
    return t;
  }

  /** Reads the L2 entry of guest cluster `vc` via `l1`: [hi, lo]; [0, 0] when unmapped. */
  private async getEntry(l1: L1View, vc: number, out: Uint32Array): Promise<L2Table | null> {
    const l1i = Math.floor(vc / this.l2Entries);
    if (l1i >= l1.size) {
      out[0] = 0;
      out[1] = 0;
      return null;
    }
    const l2off = entryOffset(l1.view.getUint32(l1i * 8), l1.view.getUint32(l1i * 8 + 4));
    if (l2off === 0) {
      out[0] = 0;
      out[1] = 0;
      return null;
    }
    const t = await this.loadL2(l2off, l1i);
    const i = (vc % this.l2Entries) * 8;
    out[0] = t.view.getUint32(i);
    out[1] = t.view.getUint32(i + 4);
    return t;
  }

  /**
   * Returns the active L2 table for guest cluster `vc`, ready to be modified:
   * allocated if missing, copied if shared with a snapshot (no COPIED flag).
   */
  private async writableL2(vc: number): Promise<L2Table> {
    const l1i = Math.floor(vc / this.l2Entries);
    if (l1i >= this.header.l1Size) throw new BlockError("Request beyond the end of the L1 table", "EIO");
    const hi = this.l1View.getUint32(l1i * 8);
    const lo = this.l1View.getUint32(l1i * 8 + 4);
    const old = entryOffset(hi, lo);
    if (old !== 0 && hi & QCOW_OFLAG_COPIED_HI) return this.loadL2(old, l1i);
    const data = new Uint8Array(this.clusterSize);
    if (old !== 0) data.set((await this.loadL2(old, l1i)).data);
    const off = await this.refcount.allocClusters(1);
    if (off === 0) return this.signalCorruption("Preventing invalid allocation of L2 table at offset 0");
    const t: L2Table = { data, view: new DataView(data.buffer), dirty: true };
    this.l2Cache.set(off, t);
    this.setL1Entry(l1i, off);
    if (old !== 0) this.pendingDecrements.push(old / this.clusterSize);
    return t;
  }

  private setL1Entry(l1i: number, off: number): void {
    this.l1View.setUint32(l1i * 8, off === 0 ? 0 : (QCOW_OFLAG_COPIED_HI | Math.floor(off / TWO32)) >>> 0);
    this.l1View.setUint32(l1i * 8 + 4, off >>> 0);
    this.l1Dirty = true;
  }

  private setEntry(t: L2Table, vc: number, hi: number, lo: number): void {
    const i = (vc % this.l2Entries) * 8;
    t.view.setUint32(i, hi >>> 0);
    t.view.setUint32(i + 4, lo >>> 0);
    t.dirty = true;
  }

  /** Queues the refcount drop for whatever host clusters an L2 entry referenced. */
  private releaseEntry(hi: number, lo: number): void {
    const type = clusterType(hi, lo);
    if (type === ClusterType.Normal || type === ClusterType.ZeroAlloc) {
      this.pendingDecrements.push(entryOffset(hi, lo) / this.clusterSize);
    } else if (type === ClusterType.Compressed) {
      const { offset, size } = this.compressedRange(hi, lo);
      const first = Math.floor(offset / this.clusterSize);
      const last = Math.floor((offset + size - 1) / this.clusterSize);
      for (let c = first; c <= last; c++) this.pendingDecrements.push(c);
    }
  }

  /**
   * Compressed cluster descriptor (qcow2.txt "Compressed Clusters Descriptor"):
   * bits 0..x-1 host byte offset, bits x..61 additional 512-byte sectors.
   * Returns the sector-aligned range qemu reads and counts references for.
   */
  compressedRange(hi: number, lo: number): { offset: number; size: number; dataOffset: number } {
    const shiftHi = this.csizeShift - 32;
    const offHi = hi & (2 ** shiftHi - 1);
    const dataOffset = offHi * TWO32 + (lo >>> 0);
    const nbSectors = ((hi & 0x3fffffff) >>> shiftHi) & this.csizeMask;
    const start = dataOffset - (dataOffset % 512);
    return { offset: start, size: (nbSectors + 1) * 512, dataOffset };
  }

  private compressedEntry(offset: number, size: number): [number, number] {
    const nbSectors = Math.floor((offset + size - 1) / 512) - Math.floor(offset / 512);
    const shiftHi = this.csizeShift - 32;
    const hi = QCOW_OFLAG_COMPRESSED_HI | (nbSectors << shiftHi) | Math.floor(offset / TWO32);
    return [hi >>> 0, offset >>> 0];
  }

  // ---- reads ---------------------------------------------------------------------

  private readonly tmpEntry = new Uint32Array(2);

  /** qcow2_get_host_offset(): the type and extent of the mapping at `offset`. */
  private async mapping(l1: L1View, offset: number, maxLen: number): Promise<Qcow2Mapping> {
    const e = this.tmpEntry;
    const vc = Math.floor(offset / this.clusterSize);
    const inCluster = offset % this.clusterSize;
    const t = await this.getEntry(l1, vc, e);
    const type = clusterType(e[0]!, e[1]!);
    let host = type === ClusterType.Normal || type === ClusterType.ZeroAlloc ? entryOffset(e[0]!, e[1]!) : 0;
    if ((type === ClusterType.Normal || type === ClusterType.ZeroAlloc) && host % this.clusterSize !== 0) {
      await this.signalCorruption(
        `${type === ClusterType.ZeroAlloc ? "Preallocated zero" : "Data"} cluster offset 0x${host.toString(16)} unaligned (guest offset: 0x${(vc * this.clusterSize).toString(16)})`,
      );
    }
    if (type === ClusterType.Compressed) host = this.compressedRange(e[0]!, e[1]!).dataOffset;
    let length = Math.min(this.clusterSize - inCluster, maxLen);
    if (type !== ClusterType.Compressed) {
      // Extend over following entries of the same L2 table with the same type (and contiguous host clusters).
      const idx = vc % this.l2Entries;
      let n = 1;
      while (length < maxLen && idx + n < this.l2Entries) {
        let hi = 0, lo = 0;
        if (t) {
          hi = t.view.getUint32((idx + n) * 8);
          lo = t.view.getUint32((idx + n) * 8 + 4);
        }
        const nt = clusterType(hi, lo);
        if (nt !== type) break;
        if ((type === ClusterType.Normal || type === ClusterType.ZeroAlloc) && entryOffset(hi, lo) !== host + n * this.clusterSize) break;
        length = Math.min(length + this.clusterSize, maxLen);
        n++;
      }
    }
    return { type, hostOffset: type === ClusterType.Normal || type === ClusterType.ZeroAlloc ? host + inCluster : host, length };
  }

  async read(offset: number, buf: Uint8Array): Promise<void> {
    this.checkRange(offset, buf.length);
    await this.locked(() => this.readVia(this.activeL1(), this.backing, offset, buf));
  }

  private checkRange(offset: number, len: number): void {
    if (this.closed) throw new BlockError("Image is closed", "EIO");
    if (offset < 0 || len < 0 || offset + len > this.header.size) {
      throw new BlockError(`Request out of range: offset ${offset} length ${len} (image size ${this.header.size})`, "EIO");
    }
  }

  private async readVia(l1: L1View, backing: BlockDriver | null, offset: number, buf: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const m = await this.mapping(l1, offset + done, buf.length - done);
      const dst = buf.subarray(done, done + m.length);
      switch (m.type) {
        case ClusterType.Normal:
          await this.file.pread(dst, m.hostOffset);
          break;
        case ClusterType.ZeroPlain:
        case ClusterType.ZeroAlloc:
          dst.fill(0);
          break;
        case ClusterType.Compressed: {
          const vc = Math.floor((offset + done) / this.clusterSize);
          const data = await this.decompressCluster(l1, vc);
          const inCluster = (offset + done) % this.clusterSize;
          dst.set(data.subarray(inCluster, inCluster + m.length));
          break;
        }
        default:
          await this.readBacking(backing, offset + done, dst);
      }
      done += m.length;
    }
  }

  private async readBacking(backing: BlockDriver | null, offset: number, dst: Uint8Array): Promise<void> {
    if (!backing) {
      dst.fill(0);
      return;
    }
    const blen = backing.getLength();
    const n = Math.max(0, Math.min(dst.length, blen - offset));
    if (n > 0) await backing.read(offset, dst.subarray(0, n));
    dst.fill(0, n);
  }

  private async decompressCluster(l1: L1View, vc: number): Promise<Uint8Array> {
    const e = new Uint32Array(2);
    await this.getEntry(l1, vc, e);
    const key = `${e[0]}:${e[1]}`;
    if (this.decompressed?.key === key) return this.decompressed.data;
    const { offset, size, dataOffset } = this.compressedRange(e[0]!, e[1]!);
    const raw = new Uint8Array(size);
    await this.file.pread(raw, offset);
    const data = new Uint8Array(this.clusterSize);
    if (!qcow2Decompress(raw.subarray(dataOffset - offset), data)) {
      throw new BlockError(`Could not decompress cluster at offset 0x${dataOffset.toString(16)}`, "EIO");
    }
    this.decompressed = { key, data };
    return data;
  }

  /** Current content of one guest cluster as seen through the active L1 (for COW). */
  private async readClusterForCow(vc: number, dst: Uint8Array): Promise<void> {
    const start = vc * this.clusterSize;
    const len = Math.min(this.clusterSize, this.header.size - start);
    if (len < this.clusterSize) dst.fill(0, Math.max(len, 0));
    if (len > 0) await this.readVia(this.activeL1(), this.backing, start, dst.subarray(0, len));
  }

  // ---- writes --------------------------------------------------------------------

  async write(offset: number, buf: Uint8Array): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, buf.length);
    await this.locked(async () => {
      await this.writeLocked(offset, buf);
      await this.maybeWriteback();
    });
  }

  private checkWritable(): void {
    if (this.readOnly) throw new BlockError("Could not write: Permission denied", "EACCES");
    if (this.corrupt) throw new BlockError("Image is corrupt; writes are refused", "EIO");
  }

  private async writeLocked(offset: number, buf: Uint8Array): Promise<void> {
    const cs = this.clusterSize;
    const e = new Uint32Array(2);
    let done = 0;
    this.decompressed = null;
    while (done < buf.length) {
      const pos = offset + done;
      const vc = Math.floor(pos / cs);
      const inCluster = pos % cs;
      const m = await this.mapping(this.activeL1(), pos, buf.length - done);
      if (m.type === ClusterType.Normal) {
        await this.getEntry(this.activeL1(), vc, e);
        if (e[0]! & QCOW_OFLAG_COPIED_HI) {
          // Allocated and not shared: overwrite in place.
          await this.file.pwrite(buf.subarray(done, done + m.length), m.hostOffset);
          done += m.length;
          continue;
        }
      }
      // Needs new clusters: a run within this L2 table of clusters that are not writable in place.
      const idx = vc % this.l2Entries;
      const maxClusters = Math.min(this.l2Entries - idx, Math.ceil((inCluster + buf.length - done) / cs), 4096);
      const t = await this.writableL2(vc);
      let k = 1;
      while (k < maxClusters) {
        const hi = t.view.getUint32((idx + k) * 8);
        const lo = t.view.getUint32((idx + k) * 8 + 4);
        if (clusterType(hi, lo) === ClusterType.Normal && hi & QCOW_OFLAG_COPIED_HI) break;
        k++;
      }
      const runBytes = Math.min(k * cs - inCluster, buf.length - done);
      const host = await this.refcount.allocClusters(k);
      let data: Uint8Array;
      if (inCluster === 0 && runBytes === k * cs) {
        data = buf.subarray(done, done + runBytes);
      } else {
        data = new Uint8Array(k * cs);
        if (inCluster !== 0 || runBytes < cs) await this.readClusterForCow(vc, data.subarray(0, cs));
        const lastEnd = inCluster + runBytes;
        if (k > 1 && lastEnd % cs !== 0) await this.readClusterForCow(vc + k - 1, data.subarray((k - 1) * cs, k * cs));
        data.set(buf.subarray(done, done + runBytes), inCluster);
      }
      await this.file.pwrite(data, host);
      const t2 = t;
      for (let i = 0; i < k; i++) {
        const o = (idx + i) * 8;
        this.releaseEntry(t2.view.getUint32(o), t2.view.getUint32(o + 4));
        const h = host + i * cs;
        this.setEntry(t2, vc + i, QCOW_OFLAG_COPIED_HI | Math.floor(h / TWO32), h >>> 0);
      }
      done += runBytes;
    }
  }

  /** Writes one cluster compressed (qcow2_co_pwritev_compressed); must be a whole, unallocated-or-replaceable cluster. */
  async writeCompressed(offset: number, buf: Uint8Array): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, buf.length);
    if (offset % this.clusterSize !== 0 || (buf.length !== this.clusterSize && offset + buf.length !== this.header.size)) {
      throw new BlockError("Compressed writes must cover exactly one cluster", "EINVAL");
    }
    let src = buf;
    if (buf.length < this.clusterSize) {
      src = new Uint8Array(this.clusterSize);
      src.set(buf);
    }
    const packed = qcow2Compress(src);
    if (!packed) {
      await this.write(offset, buf);
      return;
    }
    await this.locked(async () => {
      this.decompressed = null;
      const vc = offset / this.clusterSize;
      const t = await this.writableL2(vc);
      const hostOff = await this.allocBytes(packed.length);
      await this.file.pwrite(packed, hostOff);
      const o = (vc % this.l2Entries) * 8;
      this.releaseEntry(t.view.getUint32(o), t.view.getUint32(o + 4));
      const [hi, lo] = this.compressedEntry(hostOff, packed.length);
      this.setEntry(t, vc, hi, lo);
      await this.maybeWriteback();
    });
  }

  /**
   * qcow2_alloc_bytes(): byte-granular allocation for compressed clusters. A
   * host cluster shared by several compressed clusters carries one reference
   * per compressed cluster that touches it.
   */
  private async allocBytes(size: number): Promise<number> {
    const cs = this.clusterSize;
    let off = this.freeByteOffset;
    if (off !== 0 && (off % cs) + size <= cs && (await this.refcount.get(Math.floor(off / cs))) > 0) {
      await this.refcount.update(Math.floor(off / cs), 1);
    } else {
      const clusters = Math.ceil(size / cs);
      off = await this.refcount.allocClusters(clusters);
    }
    this.freeByteOffset = off + size;
    if (this.freeByteOffset % cs === 0) this.freeByteOffset = 0;
    return off;
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, length);
    await this.locked(async () => {
      await this.zeroOrDiscard(offset, length, false);
      await this.maybeWriteback();
    });
  }

  async discard(offset: number, length: number): Promise<void> {
    this.checkWritable();
    this.checkRange(offset, length);
    await this.locked(async () => {
      await this.zeroOrDiscard(offset, length, true);
      await this.maybeWriteback();
    });
  }

  /**
   * Zeroes (zero_in_l2_slice) or discards (discard_in_l2_slice) whole clusters via
   * their L2 entries; partial clusters at the edges are written with zero bytes
   * (zeroes) or left alone (discard).
   */
  private async zeroOrDiscard(offset: number, length: number, discard: boolean): Promise<void> {
    const cs = this.clusterSize;
    const end = offset + length;
    const firstFull = Math.ceil(offset / cs) * cs;
    const lastFull = end === this.header.size ? Math.ceil(end / cs) * cs : Math.floor(end / cs) * cs;
    if (!discard) {
      if (firstFull > offset) await this.writeLocked(offset, new Uint8Array(Math.min(firstFull, end) - offset));
      if (lastFull < end && lastFull >= firstFull) await this.writeLocked(lastFull, new Uint8Array(end - lastFull));
    }
    const e = new Uint32Array(2);
    const v3 = this.header.version >= 3;
    this.decompressed = null;
    for (let pos = firstFull; pos < lastFull; pos += cs) {
      const vc = pos / cs;
      await this.getEntry(this.activeL1(), vc, e);
      const type = clusterType(e[0]!, e[1]!);
      if (!v3) {
        // No zero flag before v3: unmapping works only without a backing file.
        if (this.backing) {
          if (!discard) await this.writeLocked(pos, new Uint8Array(Math.min(cs, this.header.size - pos)));
          continue;
        }
        if (type === ClusterType.Unallocated) continue;
        const t = await this.writableL2(vc);
        const o = (vc % this.l2Entries) * 8;
        this.releaseEntry(t.view.getUint32(o), t.view.getUint32(o + 4));
        this.setEntry(t, vc, 0, 0);
        continue;
      }
      if (type === ClusterType.ZeroPlain) continue;
      if (type === ClusterType.Unallocated && !this.backing) continue;
      const t = await this.writableL2(vc);
      const o = (vc % this.l2Entries) * 8;
      const hi = t.view.getUint32(o), lo = t.view.getUint32(o + 4);
      if (!discard && clusterType(hi, lo) === ClusterType.Normal && hi & QCOW_OFLAG_COPIED_HI) {
        // Keep the allocation, mark it zero (QCOW2_CLUSTER_ZERO_ALLOC).
        this.setEntry(t, vc, hi, (lo | QCOW_OFLAG_ZERO) >>> 0);
      } else {
        this.releaseEntry(hi, lo);
        this.setEntry(t, vc, 0, QCOW_OFLAG_ZERO);
      }
    }
  }

  /** Writes metadata back when the L2 cache grows past its budget. */
  private async maybeWriteback(): Promise<void> {
    if (this.l2Cache.size * this.clusterSize > Qcow2Driver.L2_CACHE_BYTES) {
      await this.flushLocked();
      for (const [off, t] of this.l2Cache) if (!t.dirty) this.l2Cache.delete(off);
      this.refcount.trim(256);
    }
  }

  async flush(): Promise<void> {
    if (this.readOnly) return;
    await this.locked(() => this.flushLocked());
  }

  /**
   * Metadata write-back in dependency order, each stage behind an fdatasync:
   *   1. refcount increments (new clusters are counted before anything points at them),
   *   2. L2 tables (data written earlier reaches the disk with this barrier too),
   *   3. the L1 table,
   *   4. refcount decrements for clusters the new metadata no longer references.
   */
  private async flushLocked(): Promise<void> {
    if (this.readOnly) return;
    if (await this.refcount.writeDirty()) await this.file.flush();
    let l2Written = false;
    for (const [off, t] of this.l2Cache) {
      if (!t.dirty) continue;
      await this.file.pwrite(t.data, off);
      t.dirty = false;
      l2Written = true;
    }
    if (l2Written || this.l1Dirty) await this.file.flush();
    if (this.l1Dirty) {
      await this.file.pwrite(this.l1, this.header.l1TableOffset);
      this.l1Dirty = false;
      await this.file.flush();
    }
    if (this.pendingDecrements.length > 0) {
      const list = this.pendingDecrements;
      this.pendingDecrements = [];
      for (const c of list) {
        await this.refcount.update(c, -1);
        // A freed L2 table must not be served from the cache later.
        if ((await this.refcount.get(c)) === 0) {
          this.l2Cache.delete(c * this.clusterSize);
          if (Math.floor(this.freeByteOffset / this.clusterSize) === c) this.freeByteOffset = 0;
        }
      }
      await this.refcount.writeDirty();
    }
    await this.file.flush();
  }

  // ---- size changes --------------------------------------------------------------

  async truncate(size: number): Promise<void> {
    this.checkWritable();
    await this.locked(async () => {
      // qcow2_co_truncate()
      if (size % 512 !== 0) throw new BlockError("The new size must be a multiple of 512");
      if (this.snapshots.length > 0 && this.header.version < 3) {
        throw new BlockError("Can't resize a v2 image which has snapshots", "ENOTSUP");
      }
      const needed = Math.ceil(size / (this.clusterSize * this.l2Entries));
      if (size < this.header.size) await this.shrinkLocked(size, needed);
      else if (needed > this.header.l1Size) await this.growL1(needed);
      await this.flushLocked();
      this.header.size = size;
      const b = new Uint8Array(8);
      writeU64(new DataView(b.buffer), 0, size);
      await this.file.pwrite(b, 24);
      await this.file.flush();
    });
  }

  /**
   * The shrinking half of qcow2_co_truncate(): drops every cluster past the new
   * end (qcow2_cluster_discard with full discard), frees the L2 tables past the
   * new L1 size (qcow2_shrink_l1_table, the L1 keeps its size), and cuts the
   * file after the last cluster still in use. Each step is flushed before the
   * refcounts it releases drop.
   */
  private async shrinkLocked(size: number, newL1Size: number): Promise<void> {
    const cs = this.clusterSize;
    const e = new Uint32Array(2);
    const firstDropped = Math.ceil(size / cs);
    const end = Math.ceil(this.header.size / cs);
    this.decompressed = null;
    for (let vc = firstDropped; vc < end; vc++) {
      if (vc % this.l2Entries === 0 && Math.floor(vc / this.l2Entries) >= this.header.l1Size) break;
      const t = await this.getEntry(this.activeL1(), vc, e);
      if (!t || (e[0] === 0 && e[1] === 0)) continue;
      const w = await this.writableL2(vc);
      const o = (vc % this.l2Entries) * 8;
      this.releaseEntry(w.view.getUint32(o), w.view.getUint32(o + 4));
      this.setEntry(w, vc, 0, 0);
    }
    await this.flushLocked();
    for (let i = newL1Size; i < this.header.l1Size; i++) {
      const off = entryOffset(this.l1View.getUint32(i * 8), this.l1View.getUint32(i * 8 + 4));
      if (off === 0) continue;
      this.l1View.setUint32(i * 8, 0);
      this.l1View.setUint32(i * 8 + 4, 0);
      this.l1Dirty = true;
      this.pendingDecrements.push(off / cs);
    }
    await this.flushLocked();
    this.header.size = size;
    const b = new Uint8Array(8);
    writeU64(new DataView(b.buffer), 0, size);
    await this.file.pwrite(b, 24);
    await this.file.flush();
    // qcow2_get_last_cluster(): the file ends after the last cluster in use.
    const fileSize = this.file.size();
    let last = Math.ceil(fileSize / cs) - 1;
    while (last >= 0 && (await this.refcount.get(last)) === 0) last--;
    if (last < 0) return this.signalCorruption("There are no references in the refcount table.");
    if ((last + 1) * cs < fileSize) await this.file.truncate((last + 1) * cs);
    this.refcount.freeClusterIndex = Math.min(this.refcount.freeClusterIndex, last + 1);
  }

  /**
   * qcow2_grow_l1_table(): the new table goes to fresh clusters, is synced, then
   * the header is switched (l1_size and l1_table_offset in one write), then the
   * old table is freed.
   */
  private async growL1(minSize: number): Promise<void> {
    await this.flushLocked();
    const newSize = minSize;
    const bytes = newSize * 8;
    const newL1 = new Uint8Array(bytes);
    newL1.set(this.l1);
    const clusters = Math.ceil(bytes / this.clusterSize);
    const off = await this.refcount.allocClusters(clusters);
    await this.refcount.writeDirty();
    await this.file.flush();
    // qemu 7.2 writes exactly the table's bytes (a new image ends right after its L1 table).
    await this.file.pwrite(newL1, off);
    await this.file.flush();
    const hdr = new Uint8Array(12);
    const hv = new DataView(hdr.buffer);
    hv.setUint32(0, newSize);
    writeU64(hv, 4, off);
    await this.file.pwrite(hdr, 36);
    await this.file.flush();
    const oldOff = this.header.l1TableOffset;
    const oldClusters = Math.ceil((this.header.l1Size * 8) / this.clusterSize);
    this.header.l1TableOffset = off;
    this.header.l1Size = newSize;
    this.l1 = newL1;
    this.l1View = new DataView(newL1.buffer);
    for (let i = 0; i < oldClusters; i++) await this.refcount.update(oldOff / this.clusterSize + i, -1);
    await this.refcount.writeDirty();
    await this.file.flush();
  }

  // ---- block status --------------------------------------------------------------

  async blockStatus(offset: number, length: number): Promise<BlockStatus> {
    return this.locked(async () => {
      const m = await this.mapping(this.activeL1(), offset, Math.min(length, this.header.size - offset));
      switch (m.type) {
        case ClusterType.Normal: {
          const st = { length: m.length, data: true, zero: false, allocated: true, hostOffset: m.hostOffset };
          // BDRV_BLOCK_RECURSE: with (suspected) metadata preallocation, holes in the
          // file under a data cluster read as zero (bdrv_co_block_status()).
          if (await this.metadataPreallocated()) {
            const f = this.file.blockStatus(m.hostOffset, m.length);
            if (f.eof && (f.length === 0 || f.zero)) st.zero = true;
            else {
              st.length = f.length;
              st.zero = f.zero;
            }
          }
          return st;
        }
        case ClusterType.ZeroAlloc:
          return { length: m.length, data: false, zero: true, allocated: true, hostOffset: m.hostOffset };
        case ClusterType.ZeroPlain:
          return { length: m.length, data: false, zero: true, allocated: true, hostOffset: -1 };
        case ClusterType.Compressed:
          return { length: m.length, data: true, zero: false, allocated: true, hostOffset: -1 };
        default:
          return { length: m.length, data: false, zero: false, allocated: false, hostOffset: -1 };
      }
    });
  }

  private metaPrealloc: boolean | null = null;

  /**
   * qcow2_detect_metadata_preallocation(): more clusters in use than the file
   * has blocks allocated suggests preallocated metadata, so block status must
   * look at the file's holes too. Computed once per open, like qemu.
   */
  private async metadataPreallocated(): Promise<boolean> {
    if (this.metaPrealloc !== null) return this.metaPrealloc;
    const realClusters = Math.floor(this.file.allocatedSize() / this.clusterSize);
    const threshold = Math.max(Math.floor((realClusters * 10) / 9), realClusters + 2);
    const end = Math.ceil(this.file.size() / this.clusterSize);
    let count = 0;
    for (let i = 0; i < end && count < threshold; i++) {
      let rc = this.refcount.peek(i);
      if (rc < 0) rc = await this.refcount.get(i);
      if (rc > 0) count++;
    }
    this.metaPrealloc = count >= threshold;
    return this.metaPrealloc;
  }

  // ---- snapshots -------------------------------------------------------------------

  findSnapshot(idOrName: string): Qcow2Snapshot | undefined {
    return this.snapshots.find((s) => s.id === idOrName) ?? this.snapshots.find((s) => s.name === idOrName);
  }

  /** Reads guest data as it was in snapshot `sn` (bdrv_snapshot_load_tmp). */
  async readSnapshot(sn: Qcow2Snapshot, offset: number, buf: Uint8Array): Promise<void> {
    if (offset < 0 || offset + buf.length > sn.diskSize) throw new BlockError("Request out of range", "EIO");
    await this.locked(async () => {
      const raw = new Uint8Array(sn.l1Size * 8);
      await this.file.pread(raw, sn.l1TableOffset);
      await this.readVia({ view: new DataView(raw.buffer), size: sn.l1Size }, this.backing, offset, buf);
    });
  }

  /**
   * qcow2_update_snapshot_refcount(): adds `addend` to the refcount of every L2
   * table and data cluster reachable from an L1 table, then recomputes the COPIED
   * flags of the entries walked. `l1` may be the active table (in memory).
   */
  private async updateSnapshotRefcount(l1: Uint8Array, addend: number, isActive: boolean): Promise<void> {
    const lv = new DataView(l1.buffer, l1.byteOffset, l1.byteLength);
    const n = l1.length / 8;
    for (let i = 0; i < n; i++) {
      const l1hi = lv.getUint32(i * 8), l1lo = lv.getUint32(i * 8 + 4);
      const l2off = entryOffset(l1hi, l1lo);
      if (l2off === 0) continue;
      const t = await this.loadL2(l2off, i);
      for (let j = 0; j < this.l2Entries; j++) {
        const hi = t.view.getUint32(j * 8), lo = t.view.getUint32(j * 8 + 4);
        const type = clusterType(hi, lo);
        if (type === ClusterType.Compressed) {
          if (addend !== 0) {
            const { offset, size } = this.compressedRange(hi, lo);
            for (let c = Math.floor(offset / this.clusterSize); c <= Math.floor((offset + size - 1) / this.clusterSize); c++) {
              await this.refcount.update(c, addend);
            }
          }
        } else if (type === ClusterType.Normal || type === ClusterType.ZeroAlloc) {
          const c = entryOffset(hi, lo) / this.clusterSize;
          if (addend !== 0) await this.refcount.update(c, addend);
          const rc = await this.refcount.get(c);
          const nhi = rc === 1 ? (hi | QCOW_OFLAG_COPIED_HI) >>> 0 : (hi & ~QCOW_OFLAG_COPIED_HI) >>> 0;
          if (nhi !== hi) {
            t.view.setUint32(j * 8, nhi);
            t.dirty = true;
          }
        }
      }
      const c = l2off / this.clusterSize;
      if (addend !== 0) await this.refcount.update(c, addend);
      const rc = await this.refcount.get(c);
      if (rc === 0) {
        this.l2Cache.delete(l2off);
        continue;
      }
      const nhi = rc === 1 ? (l1hi | QCOW_OFLAG_COPIED_HI) >>> 0 : (l1hi & ~QCOW_OFLAG_COPIED_HI) >>> 0;
      if (nhi !== l1hi) {
        lv.setUint32(i * 8, nhi);
        if (isActive) this.l1Dirty = true;
      }
    }
  }

  /** qcow2_snapshot_create(); returns the new snapshot's id. */
  async createSnapshot(name: string, dateMs = Date.now()): Promise<Qcow2Snapshot> {
    this.checkWritable();
    return this.locked(async () => {
      await this.flushLocked();
      let maxId = 0;
      for (const s of this.snapshots) {
        const n = Number.parseInt(s.id, 10);
        if (Number.isFinite(n) && n > maxId) maxId = n;
      }
      const id = String(maxId + 1);
      const l1Bytes = this.header.l1Size * 8;
      let l1Offset = 0;
      if (l1Bytes > 0) {
        l1Offset = await this.refcount.allocClusters(Math.ceil(l1Bytes / this.clusterSize));
        await this.refcount.writeDirty();
        await this.file.flush();
      }
      // Every table and cluster is shared now: the walk clears the COPIED flags.
      await this.updateSnapshotRefcount(this.l1, 1, true);
      const copy = this.l1.slice();
      if (l1Bytes > 0) await this.file.pwrite(copy, l1Offset);
      await this.flushLocked();
      const sn: Qcow2Snapshot = {
        l1TableOffset: l1Offset,
        l1Size: this.header.l1Size,
        id,
        name,
        dateSec: Math.floor(dateMs / 1000),
        dateNsec: (dateMs % 1000) * 1000000,
        vmClockNsec: 0,
        vmStateSize: 0,
        diskSize: this.header.size,
        icount: 0,
        extraDataSize: 24,
        unknownExtra: new Uint8Array(0),
      };
      await this.writeSnapshotTable([...this.snapshots, sn]);
      return sn;
    });
  }

  /** qcow2_write_snapshots(): new table in fresh clusters, synced, header switched, old freed. */
  private async writeSnapshotTable(list: Qcow2Snapshot[]): Promise<void> {
    const size = snapshotTableSize(list);
    let off = 0;
    if (size > 0) {
      off = await this.refcount.allocClusters(Math.ceil(size / this.clusterSize));
      await this.refcount.writeDirty();
      await this.file.flush();
      await this.file.pwrite(serializeSnapshotTable(list), off);
      await this.file.flush();
    }
    const hdr = new Uint8Array(12);
    const hv = new DataView(hdr.buffer);
    hv.setUint32(0, list.length);
    writeU64(hv, 4, off);
    await this.file.pwrite(hdr, 60);
    await this.file.flush();
    const oldOff = this.header.snapshotsOffset, oldSize = this.snapshotsSize;
    this.header.nbSnapshots = list.length;
    this.header.snapshotsOffset = off;
    this.snapshots = list;
    this.snapshotsSize = size;
    if (oldSize > 0) {
      for (let c = Math.floor(oldOff / this.clusterSize); c <= Math.floor((oldOff + oldSize - 1) / this.clusterSize); c++) {
        await this.refcount.update(c, -1);
      }
      await this.refcount.writeDirty();
      await this.file.flush();
    }
  }

  /** qcow2_snapshot_goto() */
  async applySnapshot(idOrName: string): Promise<void> {
    this.checkWritable();
    await this.locked(async () => {
      const sn = this.findSnapshot(idOrName);
      if (!sn) throw new BlockError("Can't find the snapshot", "ENOENT");
      await this.flushLocked();
      if (sn.l1Size > this.header.l1Size) await this.growL1(sn.l1Size);
      const snL1 = new Uint8Array(this.header.l1Size * 8);
      if (sn.l1Size > 0) await this.file.pread(snL1.subarray(0, sn.l1Size * 8), sn.l1TableOffset);
      await this.updateSnapshotRefcount(snL1.subarray(0, sn.l1Size * 8), 1, false);
      await this.flushLocked();
      // Walk the old active table once more (from memory) to drop its references.
      const oldL1 = this.l1.slice();
      // Flags in snL1 were recomputed by the walk above; write it as the new active table.
      this.l1.set(snL1);
      this.l1Dirty = true;
      await this.flushLocked();
      await this.updateSnapshotRefcount(oldL1, -1, false);
      await this.flushLocked();
      await this.updateSnapshotRefcount(this.l1, 0, true);
      if (sn.diskSize !== this.header.size) {
        this.header.size = sn.diskSize;
        const b = new Uint8Array(8);
        writeU64(new DataView(b.buffer), 0, sn.diskSize);
        await this.file.pwrite(b, 24);
      }
      await this.flushLocked();
    });
  }

  /** qcow2_snapshot_delete() */
  async deleteSnapshot(idOrName: string): Promise<void> {
    this.checkWritable();
    await this.locked(async () => {
      const sn = this.findSnapshot(idOrName);
      if (!sn) throw new BlockError("Can't find the snapshot", "ENOENT");
      await this.flushLocked();
      await this.writeSnapshotTable(this.snapshots.filter((s) => s !== sn));
      if (sn.l1Size > 0) {
        const snL1 = new Uint8Array(sn.l1Size * 8);
        await this.file.pread(snL1, sn.l1TableOffset);
        await this.updateSnapshotRefcount(snL1, -1, false);
        await this.flushLocked();
        const first = sn.l1TableOffset / this.clusterSize;
        for (let i = 0; i < Math.ceil((sn.l1Size * 8) / this.clusterSize); i++) await this.refcount.update(first + i, -1);
      }
      await this.updateSnapshotRefcount(this.l1, 0, true);
      await this.flushLocked();
    });
  }

  // ---- teardown ------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.readOnly) await this.flush();
    this.closed = true;
    if (this.backing) await this.backing.close();
    this.file.close();
  }

  /** Drops all caches (after an external repair rewrote metadata). */
  async reload(): Promise<void> {
    await this.locked(async () => {
      await this.flushLocked();
      this.l2Cache.clear();
      this.refcount.dropCache();
      const first = new Uint8Array(this.clusterSize);
      this.file.preadSync(first, 0);
      this.header = parseQcow2Header(first, true);
      this.attachRefcount(RefcountTable.load(this.file, this.clusterBits, this.header.refcountOrder, this.header.refcountTableOffset, this.header.refcountTableClusters));
      this.l1 = new Uint8Array(this.header.l1Size * 8);
      await this.file.pread(this.l1, this.header.l1TableOffset);
      this.l1View = new DataView(this.l1.buffer);
    });
  }

  /** The active L1 table bytes (read-only view for check and map). */
  activeL1Bytes(): Uint8Array {
    return this.l1;
  }
}
