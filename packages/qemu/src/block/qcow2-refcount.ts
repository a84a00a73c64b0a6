import { BlockError } from "./block-error.js";
import type { FileProtocol } from "./file-protocol.js";

/**
 * Reads and writes one refcount entry of width 2^order bits inside a refcount
 * block (qcow2.txt "Host cluster management"; qcow2-refcount.c get_refcount_roN).
 * Sub-byte widths pack LSB first within each byte; wider ones are big-endian.
 */
export function getRefcountEntry(block: Uint8Array, order: number, index: number): number {
  switch (order) {
    case 0:
      return (block[index >>> 3]! >>> (index & 7)) & 1;
    case 1:
      return (block[index >>> 2]! >>> (2 * (index & 3))) & 3;
    case 2:
      return (block[index >>> 1]! >>> (4 * (index & 1))) & 15;
    case 3:
      return block[index]!;
    case 4:
      return (block[index * 2]! << 8) | block[index * 2 + 1]!;
    case 5: {
      const o = index * 4;
      return ((block[o]! << 24) >>> 0) + (block[o + 1]! << 16) + (block[o + 2]! << 8) + block[o + 3]!;
    }
    default: {
      const o = index * 8;
      const hi = ((block[o]! << 24) >>> 0) + (block[o + 1]! << 16) + (block[o + 2]! << 8) + block[o + 3]!;
      const lo = ((block[o + 4]! << 24) >>> 0) + (block[o + 5]! << 16) + (block[o + 6]! << 8) + block[o + 7]!;
      // Refcounts beyond 2^53 cannot be represented exactly; they saturate.
      return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
    }
  }
}

export function setRefcountEntry(block: Uint8Array, order: number, index: number, value: number): void {
  switch (order) {
    case 0: {
      const i = index >>> 3, s = index & 7;
      block[i] = (block[i]! & ~(1 << s)) | ((value & 1) << s);
      return;
    }
    case 1: {
      const i = index >>> 2, s = 2 * (index & 3);
      block[i] = (block[i]! & ~(3 << s)) | ((value & 3) << s);
      return;
    }
    case 2: {
      const i = index >>> 1, s = 4 * (index & 1);
      block[i] = (block[i]! & ~(15 << s)) | ((value & 15) << s);
      return;
    }
    case 3:
      block[index] = value;
      return;
    case 4:
      block[index * 2] = value >>> 8;
      block[index * 2 + 1] = value;
      return;
    case 5: {
      const o = index * 4;
      block[o] = value >>> 24;
      block[o + 1] = value >>> 16;
      block[o + 2] = value >>> 8;
      block[o + 3] = value;
      return;
    }
    default: {
      const o = index * 8;
      const hi = Math.floor(value / 0x100000000);
      const lo = value >>> 0;
      block[o] = hi >>> 24;
      block[o + 1] = hi >>> 16;
      block[o + 2] = hi >>> 8;
      block[o + 3] = hi;
      block[o + 4] = lo >>> 24;
      block[o + 5] = lo >>> 16;
      block[o + 6] = lo >>> 8;
      block[o + 7] = lo;
    }
  }
}

/** Largest refcount a 2^order-bit entry holds (s->refcount_max). */
export function refcountMax(order: number): number {
  return order >= 6 ? Number.MAX_SAFE_INTEGER : 2 ** (2 ** order) - 1;
}

/** REFT_OFFSET_MASK / REFT_RESERVED_MASK (qcow2.h) */
export const REFT_RESERVED_MASK = 0x1ff;

interface CachedBlock {
  data: Uint8Array;
  dirty: boolean;
}

/**
 * The refcount table and a write-back cache of refcount blocks.
 *
 * Ordering rules (qcow2.txt; qcow2_cache_set_dependency in qemu):
 *  - increments may reach the disk at any time: a too-high refcount is a leak;
 *  - new refcount blocks are written and synced before the table entry that
 *    points to them, and a grown table is synced before the header points to it;
 *  - decrements are queued by the caller until the references they drop are on disk
 *    (see Qcow2.flush), since a too-low refcount is corruption.
 */
export class RefcountTable {
  readonly clusterBits: number;
  readonly clusterSize: number;
  readonly order: number;
  /** log2 of the number of entries per refcount block */
  readonly blockBits: number;
  /** refcount entries per refcount block */
  readonly entriesPerBlock: number;
  readonly max: number;
  tableOffset: number;
  /** refcount table entries: host offsets of refcount blocks (0 = none) */
  table: number[];
  private cache = new Map<number, CachedBlock>();
  /** Lowest cluster index that may be free (s->free_cluster_index). */
  freeClusterIndex = 0;
  /** Called after the reftable moves, so the header on disk can be rewritten. */
  onTableMoved: ((offset: number, clusters: number) => Promise<void>) | null = null;

  constructor(
    private readonly file: FileProtocol,
    clusterBits: number,
    order: number,
    tableOffset: number,
    table: number[],
  ) {
    this.clusterBits = clusterBits;
    this.clusterSize = 2 ** clusterBits;
    this.order = order;
    this.blockBits = clusterBits + 3 - order;
    this.entriesPerBlock = 2 ** this.blockBits;
    this.max = refcountMax(order);
    this.tableOffset = tableOffset;
    this.table = table;
  }

  static load(file: FileProtocol, clusterBits: number, order: number, offset: number, clusters: number): RefcountTable {
    const raw = new Uint8Array(clusters * 2 ** clusterBits);
    file.preadSync(raw, offset);
    const v = new DataView(raw.buffer);
    const table: number[] = new Array<number>(raw.length / 8);
    for (let i = 0; i < table.length; i++) table[i] = v.getUint32(i * 8) * 0x100000000 + v.getUint32(i * 8 + 4);
    return new RefcountTable(file, clusterBits, order, offset, table);
  }

  get tableClusters(): number {
    return Math.ceil((this.table.length * 8) / this.clusterSize);
  }

  private async loadBlock(offset: number): Promise<CachedBlock> {
    let b = this.cache.get(offset);
    if (b) return b;
    const data = new Uint8Array(this.clusterSize);
    await this.file.pread(data, offset);
    b = { data, dirty: false };
    this.cache.set(offset, b);
    return b;
  }

  private blockOffsetFor(cluster: number): number {
    const rtIndex = Math.floor(cluster / this.entriesPerBlock);
    if (rtIndex >= this.table.length) return 0;
    const raw = this.table[rtIndex]!;
    // REFT_OFFSET_MASK drops the 9 reserved low bits; the rest must be cluster aligned.
    const e = raw - (raw % 512);
    if (e % this.clusterSize !== 0) this.unaligned(e, rtIndex);
    return e;
  }

  private unaligned(e: number, rtIndex: number): never {
    throw new BlockError(`Refblock offset 0x${e.toString(16)} unaligned (reftable index: 0x${rtIndex.toString(16)})`, "EIO");
  }

  /**
   * The refcount block covering `cluster` (cached after the first read), or null when the
   * table has none (every refcount in it is 0). Throws as get() does.
   */
  async blockFor(cluster: number): Promise<Uint8Array | null> {
    const off = this.blockOffsetFor(cluster);
    if (off === 0) return null;
    return (this.cache.get(off) ?? (await this.loadBlock(off))).data;
  }

  /** qcow2_get_refcount() */
  async get(cluster: number): Promise<number> {
    const off = this.blockOffsetFor(cluster);
    if (off === 0) return 0;
    const b = this.cache.get(off) ?? (await this.loadBlock(off));
    return getRefcountEntry(b.data, this.order, cluster % this.entriesPerBlock);
  }

  /**
   * The refcount of `cluster` when it can be had without I/O (its block is cached, or it has
   * none: 0), else -1. Loops over thousands of clusters (check, allocation) ask this first and
   * await get() only on a miss, instead of an await per cluster. Throws as get() does.
   */
  peek(cluster: number): number {
    const off = this.blockOffsetFor(cluster);
    if (off === 0) return 0;
    const b = this.cache.get(off);
    return b ? getRefcountEntry(b.data, this.order, cluster % this.entriesPerBlock) : -1;
  }

  /**
   * Adds delta to the refcount of `cluster`, creating the refcount block (and
   * growing the table) on demand. Errors like qemu's on overflow/underflow.
   */
  async update(cluster: number, delta: number): Promise<void> {
    let off = this.blockOffsetFor(cluster);
    if (off === 0) {
      if (delta < 0) throw new BlockError(`refcount underflow on cluster ${cluster}`, "EINVAL");
      off = await this.createBlockFor(cluster);
    }
    this.apply(this.cache.get(off) ?? (await this.loadBlock(off)), cluster, delta);
  }

  /** update() without I/O when the cluster's refcount block is cached; false (nothing done) otherwise. */
  tryUpdate(cluster: number, delta: number): boolean {
    const off = this.blockOffsetFor(cluster);
    const b = off === 0 ? undefined : this.cache.get(off);
    if (!b) return false;
    this.apply(b, cluster, delta);
    return true;
  }

  private apply(b: CachedBlock, cluster: number, delta: number): void {
    const idx = cluster & (2 ** this.blockBits - 1);
    const cur = getRefcountEntry(b.data, this.order, idx);
    const next = cur + delta;
    if (next < 0 || next > this.max) throw new BlockError(`refcount ${next < 0 ? "underflow" : "overflow"} on cluster ${cluster}`, "ERANGE");
    setRefcountEntry(b.data, this.order, idx, next);
    b.dirty = true;
    if (next === 0 && cluster < this.freeClusterIndex) this.freeClusterIndex = cluster;
  }


  /** Writes every dirty refcount block; the caller issues the barrier. */
  async writeDirty(): Promise<boolean> {
    let any = false;
    for (const [off, b] of this.cache) {
      if (!b.dirty) continue;
      await this.file.pwrite(b.data, off);
      b.dirty = false;
      any = true;
    }
    return any;
  }

  /** Drops clean cached blocks once the cache holds more than `maxBlocks`. */
  trim(maxBlocks: number): void {
    if (this.cache.size <= maxBlocks) return;
    for (const [off, b] of this.cache) if (!b.dirty) this.cache.delete(off);
  }

  dropCache(): void {
    this.cache.clear();
  }

  /**
   * Finds `count` contiguous free clusters at or after freeClusterIndex and sets
   * their refcount to 1 (qcow2_alloc_clusters). Returns the host offset.
   */
  async allocClusters(count: number): Promise<number> {
    const perBlock = 2 ** this.blockBits;
    for (;;) {
      const start = await this.findFree(count);
      // Creating a missing refcount block may consume a cluster of the range: retry then.
      let created = false;
      for (let rt = Math.floor(start / perBlock); rt <= Math.floor((start + count - 1) / perBlock); rt++) {
        if (rt >= this.table.length || this.table[rt] === 0) {
          await this.createBlockFor(rt * perBlock);
          created = true;
        }
      }
      if (created) {
        let free = true;
        for (let i = 0; i < count && free; i++) {
          let rc = this.peek(start + i);
          if (rc < 0) rc = await this.get(start + i);
          free = rc === 0;
        }
        if (!free) continue;
      }
      for (let i = 0; i < count; i++) if (!this.tryUpdate(start + i, 1)) await this.update(start + i, 1);
      return start * this.clusterSize;
    }
  }

  private async findFree(count: number): Promise<number> {
    let i = this.freeClusterIndex;
    let run = 0;
    let start = i;
    let firstGap = -1;
    while (run < count) {
      let rc = this.peek(i);
      if (rc < 0) rc = await this.get(i);
      if (rc === 0) {
        if (firstGap < 0) firstGap = i;
        if (run === 0) start = i;
        run++;
      } else {
        run = 0;
      }
      i++;
    }
    this.freeClusterIndex = firstGap === start ? start + count : firstGap;
    return start;
  }

  /**
   * Creates the refcount block covering `cluster` (alloc_refcount_block). The new
   * block is placed in a free cluster; if that cluster is covered by the new
   * block itself, the block describes itself. Written and synced before the
   * reftable entry, which is synced in turn.
   */
  private async createBlockFor(cluster: number): Promise<number> {
    const rtIndex = Math.floor(cluster / 2 ** this.blockBits);
    if (rtIndex >= this.table.length) await this.growTable(rtIndex + 1);
    const existing = this.table[rtIndex]!;
    if (existing !== 0) return existing;
    // Choose a free cluster for the block; prefer the first cluster it covers
    // when that one is free (the common case when the image grows at its end).
    const first = rtIndex * 2 ** this.blockBits;
    let where: number;
    if (first >= this.freeClusterIndex && !(await this.coveredAndUsed(first))) where = first;
    else where = await this.findFree(1);
    const data = new Uint8Array(this.clusterSize);
    const whereRt = Math.floor(where / 2 ** this.blockBits);
    if (whereRt === rtIndex) {
      setRefcountEntry(data, this.order, where & (2 ** this.blockBits - 1), 1);
    } else {
      await this.update(where, 1);
      await this.writeDirty();
      await this.file.flush();
    }
    const off = where * this.clusterSize;
    await this.file.pwrite(data, off);
    await this.file.flush();
    this.cache.set(off, { data, dirty: false });
    this.table[rtIndex] = off;
    await this.writeTableEntry(rtIndex);
    await this.file.flush();
    return off;
  }

  private async coveredAndUsed(cluster: number): Promise<boolean> {
    return (await this.get(cluster)) !== 0;
  }

  private async writeTableEntry(rtIndex: number): Promise<void> {
    const b = new Uint8Array(8);
    const v = new DataView(b.buffer);
    v.setUint32(0, Math.floor(this.table[rtIndex]! / 0x100000000));
    v.setUint32(4, this.table[rtIndex]! >>> 0);
    await this.file.pwrite(b, this.tableOffset + rtIndex * 8);
  }

  /**
   * Grows the refcount table so that it has at least `minEntries` entries
   * (qcow2_refcount_area). The new table and the refcount blocks that cover it
   * are placed past every allocated cluster, written, synced, then the header is
   * switched over (synced), and only then is the old table freed.
   */
  private async growTable(minEntries: number): Promise<void> {
    const perBlock = 2 ** this.blockBits;
    const entriesPerCluster = this.clusterSize / 8;
    // Place new structures after the highest cluster in use.
    let end = await this.highestUsedCluster() + 1;
    end = Math.max(end, Math.ceil(this.file.size() / this.clusterSize));
    let tableClusters = Math.ceil(Math.max(minEntries, this.table.length + 1) * 1.5 / entriesPerCluster);
    let newBlocks: number[] = [];
    for (;;) {
      // Structures occupy [end, end + tableClusters + newBlocks.length)
      const total = tableClusters + newBlocks.length;
      const needed: number[] = [];
      for (let c = end; c < end + total; c++) {
        const rt = Math.floor(c / perBlock);
        if ((rt >= this.table.length || this.table[rt] === 0) && !needed.includes(rt)) needed.push(rt);
      }
      const maxRt = Math.max(minEntries - 1, ...needed);
      if (maxRt + 1 > tableClusters * entriesPerCluster) {
        tableClusters = Math.ceil((maxRt + 1) / entriesPerCluster);
        continue;
      }
      if (needed.length === newBlocks.length) {
        newBlocks = needed;
        break;
      }
      newBlocks = needed;
    }
    const newTableEntries = tableClusters * entriesPerCluster;
    const newTable = this.table.slice();
    while (newTable.length < newTableEntries) newTable.push(0);
    const tableStart = end;
    const blocksStart = end + tableClusters;
    const blockData = new Map<number, Uint8Array>();
    newBlocks.forEach((rt, i) => {
      newTable[rt] = (blocksStart + i) * this.clusterSize;
      blockData.set(rt, new Uint8Array(this.clusterSize));
    });
    // Account for the new clusters: in new blocks directly, in old blocks via the cache.
    for (let c = tableStart; c < blocksStart + newBlocks.length; c++) {
      const rt = Math.floor(c / perBlock);
      const nb = blockData.get(rt);
      if (nb) setRefcountEntry(nb, this.order, c & (perBlock - 1), 1);
      else await this.update(c, 1);
    }
    await this.writeDirty();
    for (const [rt, data] of blockData) {
      await this.file.pwrite(data, newTable[rt]!);
      this.cache.set(newTable[rt]!, { data, dirty: false });
    }
    const raw = new Uint8Array(tableClusters * this.clusterSize);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < newTable.length; i++) {
      v.setUint32(i * 8, Math.floor(newTable[i]! / 0x100000000));
      v.setUint32(i * 8 + 4, newTable[i]! >>> 0);
    }
    await this.file.pwrite(raw, tableStart * this.clusterSize);
    await this.file.flush();
    const oldOffset = this.tableOffset;
    const oldClusters = this.tableClusters;
    this.table = newTable;
    this.tableOffset = tableStart * this.clusterSize;
    if (this.onTableMoved) await this.onTableMoved(this.tableOffset, tableClusters);
    await this.file.flush();
    // The old table is unreferenced now; freeing it can only leak on a crash.
    for (let i = 0; i < oldClusters; i++) await this.update(oldOffset / this.clusterSize + i, -1);
  }

  /** Highest cluster index with a nonzero refcount (scans the blocks that exist). */
  async highestUsedCluster(): Promise<number> {
    const perBlock = 2 ** this.blockBits;
    for (let rt = this.table.length - 1; rt >= 0; rt--) {
      const off = this.table[rt]!;
      if (off === 0) continue;
      const b = await this.loadBlock(off);
      for (let i = perBlock - 1; i >= 0; i--) {
        if (getRefcountEntry(b.data, this.order, i) !== 0) return rt * perBlock + i;
      }
    }
    return 0;
  }

  /** Serialized table (for writing a whole new table). */
  serializeTable(): Uint8Array {
    const raw = new Uint8Array(this.tableClusters * this.clusterSize);
    const v = new DataView(raw.buffer);
    for (let i = 0; i < this.table.length; i++) {
      v.setUint32(i * 8, Math.floor(this.table[i]! / 0x100000000));
      v.setUint32(i * 8 + 4, this.table[i]! >>> 0);
    }
    return raw;
  }
}
