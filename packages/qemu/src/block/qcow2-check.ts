import { BlockError } from "./block-error.js";
import { QCOW2_INCOMPAT_CORRUPT, QCOW2_INCOMPAT_DIRTY, QCOW_MAX_L1_SIZE, writeU64 } from "./qcow2-header.js";
import { REFT_RESERVED_MASK, RefcountTable, getRefcountEntry, refcountMax, setRefcountEntry } from "./qcow2-refcount.js";
import {
  ClusterType,
  L1E_RESERVED_HI,
  L1E_RESERVED_LO,
  L2E_STD_RESERVED_HI,
  L2E_STD_RESERVED_LO,
  QCOW_OFLAG_COPIED_HI,
  type Qcow2Driver,
  clusterType,
  entryOffset,
} from "./qcow2.js";

/** BdrvCheckResult + BlockFragInfo (include/block/block_int-common.h). */
export interface CheckResult {
  corruptions: number;
  leaks: number;
  checkErrors: number;
  corruptionsFixed: number;
  leaksFixed: number;
  imageEndOffset: number;
  totalClusters: number;
  allocatedClusters: number;
  fragmentedClusters: number;
  compressedClusters: number;
}

export interface CheckFix {
  /** BDRV_FIX_LEAKS */
  fixLeaks: boolean;
  /** BDRV_FIX_ERRORS */
  fixErrors: boolean;
}

function emptyResult(): CheckResult {
  return {
    corruptions: 0,
    leaks: 0,
    checkErrors: 0,
    corruptionsFixed: 0,
    leaksFixed: 0,
    imageEndOffset: 0,
    totalClusters: 0,
    allocatedClusters: 0,
    fragmentedClusters: 0,
    compressedClusters: 0,
  };
}

const hex = (n: number): string => n.toString(16);
/** printf("%#" PRIx64): "0" for zero, else 0x-prefixed */
const hexAlt = (n: number): string => (n === 0 ? "0" : `0x${n.toString(16)}`);
/** A 64-bit L1/L2 entry from its halves, printed as PRIx64. */
const entryHex = (hi: number, lo: number): string => ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);

/** The in-memory refcount table (IMRT) the check builds from the references it finds. */
class Imrt {
  counts: Float64Array;
  constructor(n: number) {
    this.counts = new Float64Array(Math.max(n, 1));
  }
  ensure(k: number): void {
    if (k < this.counts.length) return;
    const next = new Float64Array(Math.max(k + 1, this.counts.length * 2));
    next.set(this.counts);
    this.counts = next;
  }
}

class Checker {
  readonly cs: number;
  readonly max: number;
  fileLen = 0;
  nbClusters = 0;
  rebuild = false;

  constructor(
    readonly d: Qcow2Driver,
    readonly log: (line: string) => void,
  ) {
    this.cs = d.clusterSize;
    this.max = refcountMax(d.header.refcountOrder);
  }

  /** qcow2_inc_refcounts_imrt() */
  inc(res: CheckResult, imrt: Imrt, offset: number, size: number): void {
    if (size <= 0) return;
    if (offset + size - this.fileLen >= this.cs) {
      this.log(`ERROR: counting reference for region exceeding the end of the file by one cluster or more: offset 0x${hex(offset)} size 0x${hex(size)}`);
      res.corruptions++;
      return;
    }
    const first = Math.floor(offset / this.cs);
    const last = Math.floor((offset + size - 1) / this.cs);
    for (let k = first; k <= last; k++) {
      imrt.ensure(k);
      if (k >= this.nbClusters) this.nbClusters = k + 1;
      const rc = imrt.counts[k]!;
      if (rc >= this.max) {
        this.log(`ERROR: overflow cluster offset=0x${hex(k * this.cs)}`);
        this.log("Use qemu-img amend to increase the refcount entry width or qemu-img convert to create a clean copy if the image cannot be opened for writing");
        res.corruptions++;
        continue;
      }
      imrt.counts[k] = rc + 1;
    }
  }

  async readTable(offset: number, bytes: number): Promise<DataView> {
    const buf = new Uint8Array(bytes);
    await this.d.file.pread(buf, offset);
    return new DataView(buf.buffer);
  }

  /** check_refcounts_l2() */
  async checkL2(res: CheckResult, imrt: Imrt, l2Offset: number, fragInfo: boolean, fix: CheckFix): Promise<void> {
    const d = this.d;
    const v = await this.readTable(l2Offset, this.cs);
    let nextContiguous = 0;
    for (let i = 0; i < d.l2Entries; i++) {
      const hi = v.getUint32(i * 8), lo = v.getUint32(i * 8 + 4);
      // An all-zero entry (unallocated, no flags) passes every test below: the common case.
      if (hi === 0 && lo === 0) continue;
      const type = clusterType(hi, lo);
      if (type !== ClusterType.Compressed && (hi & L2E_STD_RESERVED_HI || lo & L2E_STD_RESERVED_LO)) {
        this.log(`ERROR found l2 entry with reserved bits set: ${entryHex(hi, lo)}`);
        res.corruptions++;
      }
      switch (type) {
        case ClusterType.Compressed: {
          let h = hi;
          if (h & QCOW_OFLAG_COPIED_HI) {
            const c = d.compressedRange(h, lo);
            this.log(`ERROR: coffset=0x${hex(c.dataOffset)}: copied flag must never be set for compressed clusters`);
            h = (h & ~QCOW_OFLAG_COPIED_HI) >>> 0;
            res.corruptions++;
          }
          const c = d.compressedRange(h, lo);
          this.inc(res, imrt, c.offset, c.size);
          if (fragInfo) {
            res.allocatedClusters++;
            res.compressedClusters++;
            res.fragmentedClusters++;
          }
          break;
        }
        case ClusterType.ZeroAlloc:
        case ClusterType.Normal: {
          const offset = entryOffset(hi, lo);
          if (offset % this.cs !== 0) {
            res.corruptions++;
            if (type === ClusterType.ZeroAlloc) {
              this.log(`${fix.fixErrors ? "Repairing" : "ERROR"} offset=${hex(offset)}: Preallocated cluster is not properly aligned; L2 entry corrupted.`);
              if (fix.fixErrors) {
                // fix_l2_entry_by_zero(): make it a plain zero cluster.
                const b = new Uint8Array(8);
                new DataView(b.buffer).setUint32(4, 1);
                await d.file.pwrite(b, l2Offset + i * 8);
                await d.file.flush();
                res.corruptions--;
                res.corruptionsFixed++;
                continue;
              }
            } else {
              this.log(`ERROR offset=${hex(offset)}: Data cluster is not properly aligned; L2 entry corrupted.`);
            }
          }
          if (fragInfo) {
            res.allocatedClusters++;
            if (nextContiguous !== 0 && offset !== nextContiguous) res.fragmentedClusters++;
            nextContiguous = offset + this.cs;
          }
          this.inc(res, imrt, offset, this.cs);
          break;
        }
        default:
          break;
      }
    }
  }

  /** check_refcounts_l1() */
  async checkL1(res: CheckResult, imrt: Imrt, l1Offset: number, l1Size: number, fragInfo: boolean, fix: CheckFix): Promise<void> {
    if (l1Size === 0) return;
    this.inc(res, imrt, l1Offset, l1Size * 8);
    const v = await this.readTable(l1Offset, l1Size * 8);
    for (let i = 0; i < l1Size; i++) {
      const hi = v.getUint32(i * 8), lo = v.getUint32(i * 8 + 4);
      if (hi === 0 && lo === 0) continue;
      if (hi & L1E_RESERVED_HI || lo & L1E_RESERVED_LO) {
        this.log(`ERROR found L1 entry with reserved bits set: ${entryHex(hi, lo)}`);
        res.corruptions++;
      }
      const l2 = entryOffset(hi, lo);
      this.inc(res, imrt, l2, this.cs);
      if (l2 % this.cs !== 0) {
        this.log(`ERROR l2_offset=${hex(l2)}: Table is not cluster aligned; L1 entry corrupted`);
        res.corruptions++;
      }
      await this.checkL2(res, imrt, l2, fragInfo, fix);
    }
  }

  /** check_refblocks() */
  async checkRefblocks(res: CheckResult, imrt: Imrt, fix: CheckFix): Promise<void> {
    const rt = this.d.refcount;
    for (let i = 0; i < rt.table.length; i++) {
      const raw = rt.table[i]!;
      // An empty entry passes every test below (cluster 0 lies inside any image that has a header).
      if (raw === 0 && this.nbClusters > 0) continue;
      const offset = raw - (raw % 512);
      if (raw % 512 & REFT_RESERVED_MASK) {
        this.log(`ERROR refcount table entry ${i} has reserved bits set`);
        res.corruptions++;
        this.rebuild = true;
        continue;
      }
      if (offset % this.cs !== 0) {
        this.log(`ERROR refcount block ${i} is not cluster aligned; refcount table entry corrupted`);
        res.corruptions++;
        this.rebuild = true;
        continue;
      }
      const cluster = offset / this.cs;
      if (cluster >= this.nbClusters) {
        res.corruptions++;
        this.log(`${fix.fixErrors ? "Repairing" : "ERROR"} refcount block ${i} is outside image`);
        if (fix.fixErrors) {
          await this.d.file.truncate(offset + this.cs);
          this.fileLen = this.d.file.size();
          this.nbClusters = Math.ceil(this.fileLen / this.cs);
          res.corruptions--;
          res.corruptionsFixed++;
          this.inc(res, imrt, offset, this.cs);
        }
        continue;
      }
      if (offset !== 0) {
        this.inc(res, imrt, offset, this.cs);
        const rc = imrt.counts[cluster]!;
        if (rc !== 1) {
          this.log(`ERROR refcount block ${i} refcount=${rc}`);
          res.corruptions++;
          this.rebuild = true;
        }
      }
    }
  }

  /** calculate_refcounts() */
  async calculate(res: CheckResult, fix: CheckFix): Promise<Imrt> {
    const d = this.d;
    const imrt = new Imrt(this.nbClusters);
    this.inc(res, imrt, 0, this.cs);
    await this.checkL1(res, imrt, d.header.l1TableOffset, d.header.l1Size, true, fix);
    for (const sn of d.snapshots) {
      if (sn.l1TableOffset % this.cs !== 0) {
        this.log(`ERROR snapshot ${sn.id} (${sn.name}) l1_offset=${hexAlt(sn.l1TableOffset)}: L1 table is not cluster aligned; snapshot table entry corrupted`);
        res.corruptions++;
        continue;
      }
      if (sn.l1Size > QCOW_MAX_L1_SIZE / 8) {
        this.log(`ERROR snapshot ${sn.id} (${sn.name}) l1_size=${hexAlt(sn.l1Size)}: L1 table is too large; snapshot table entry corrupted`);
        res.corruptions++;
        continue;
      }
      await this.checkL1(res, imrt, sn.l1TableOffset, sn.l1Size, false, fix);
    }
    this.inc(res, imrt, d.header.snapshotsOffset, d.snapshotsSize);
    this.inc(res, imrt, d.refcount.tableOffset, d.refcount.table.length * 8);
    await this.checkRefblocks(res, imrt, fix);
    return imrt;
  }

  /** compare_refcounts(); returns the highest cluster index in use. */
  async compare(res: CheckResult, fix: CheckFix, imrt: Imrt): Promise<number> {
    const rt = this.d.refcount;
    const per = rt.entriesPerBlock;
    let highest = 0;
    // One refcount block at a time, its entries decoded in place (a get() per cluster costs an
    // await each); a block that cannot be read fails each of its clusters, as get() would.
    let blockStart = -1;
    let block: Uint8Array | null = null;
    let blockFailed = false;
    for (let i = 0; i < this.nbClusters; i++) {
      if (i - (i % per) !== blockStart) {
        blockStart = i - (i % per);
        try {
          block = await rt.blockFor(i);
          blockFailed = false;
        } catch {
          blockFailed = true;
        }
      }
      if (blockFailed) {
        this.log(`Can't get refcount for cluster ${i}: Input/output error`);
        res.checkErrors++;
        continue;
      }
      const r1 = block === null ? 0 : getRefcountEntry(block, rt.order, i - blockStart);
      const r2 = imrt.counts[i] ?? 0;
      if (r1 > 0 || r2 > 0) highest = i;
      if (r1 === r2) continue;
      let fixed: "leaks" | "corruptions" | null = null;
      if (r1 === 0) this.rebuild = true;
      else if (r1 > r2 && fix.fixLeaks) fixed = "leaks";
      else if (r1 < r2 && fix.fixErrors) fixed = "corruptions";
      this.log(`${fixed ? "Repairing" : r1 < r2 ? "ERROR" : "Leaked"} cluster ${i} refcount=${r1} reference=${r2}`);
      if (fixed) {
        try {
          await rt.update(i, r2 - r1);
          blockStart = -1; // the update may have created the block: read it again
          await rt.writeDirty();
          await this.d.file.flush();
          if (fixed === "leaks") res.leaksFixed++;
          else res.corruptionsFixed++;
          continue;
        } catch {
          // fall through to counting it
        }
      }
      if (r1 < r2) res.corruptions++;
      else res.leaks++;
    }
    return highest;
  }

  /** check_oflag_copied() */
  async checkCopied(res: CheckResult, fix: CheckFix): Promise<void> {
    const d = this.d;
    const repair = fix.fixErrors ? true : fix.fixLeaks ? res.checkErrors === 0 && res.corruptions === 0 && res.leaks === 0 : false;
    const l1 = d.activeL1Bytes();
    const lv = new DataView(l1.buffer, l1.byteOffset, l1.byteLength);
    for (let i = 0; i < d.header.l1Size; i++) {
      const hi = lv.getUint32(i * 8), lo = lv.getUint32(i * 8 + 4);
      const l2 = entryOffset(hi, lo);
      if (l2 === 0) continue;
      let rc: number;
      try {
        rc = await d.refcount.get(Math.floor(l2 / this.cs));
      } catch {
        continue;
      }
      if ((rc === 1) !== ((hi & QCOW_OFLAG_COPIED_HI) !== 0)) {
        res.corruptions++;
        this.log(`${repair ? "Repairing" : "ERROR"} OFLAG_COPIED L2 cluster: l1_index=${i} l1_entry=${entryHex(hi, lo)} refcount=${rc}`);
        if (repair) {
          const nhi = rc === 1 ? (hi | QCOW_OFLAG_COPIED_HI) >>> 0 : (hi & ~QCOW_OFLAG_COPIED_HI) >>> 0;
          lv.setUint32(i * 8, nhi);
          const b = new Uint8Array(8);
          const bv = new DataView(b.buffer);
          bv.setUint32(0, nhi);
          bv.setUint32(4, lo);
          await d.file.pwrite(b, d.header.l1TableOffset + i * 8);
          await d.file.flush();
          res.corruptions--;
          res.corruptionsFixed++;
        }
      }
      const v = await this.readTable(l2, this.cs);
      let dirty = 0;
      for (let j = 0; j < d.l2Entries; j++) {
        const ehi = v.getUint32(j * 8), elo = v.getUint32(j * 8 + 4);
        if (ehi === 0 && elo === 0) continue;
        const type = clusterType(ehi, elo);
        if (type !== ClusterType.Normal && type !== ClusterType.ZeroAlloc) continue;
        let drc: number;
        try {
          const c = Math.floor(entryOffset(ehi, elo) / this.cs);
          drc = d.refcount.peek(c);
          if (drc < 0) drc = await d.refcount.get(c);
        } catch {
          continue;
        }
        if ((drc === 1) !== ((ehi & QCOW_OFLAG_COPIED_HI) !== 0)) {
          res.corruptions++;
          this.log(`${repair ? "Repairing" : "ERROR"} OFLAG_COPIED data cluster: l2_entry=${entryHex(ehi, elo)} refcount=${drc}`);
          if (repair) {
            v.setUint32(j * 8, drc === 1 ? (ehi | QCOW_OFLAG_COPIED_HI) >>> 0 : (ehi & ~QCOW_OFLAG_COPIED_HI) >>> 0);
            dirty++;
          }
        }
      }
      if (dirty > 0) {
        await d.file.pwrite(new Uint8Array(v.buffer), l2);
        res.corruptions -= dirty;
        res.corruptionsFixed += dirty;
      }
    }
    await d.file.flush();
  }

  /**
   * rebuild_refcount_structure(): writes fresh refcount blocks and a fresh
   * refcount table, computed from the references found, past the end of the
   * image; then points the header at them. The old structures become leaks.
   */
  async rebuildRefcounts(imrt: Imrt): Promise<void> {
    const d = this.d;
    const order = d.header.refcountOrder;
    const perBlock = 2 ** (d.clusterBits + 3 - order);
    const entriesPerCluster = this.cs / 8;
    const start = Math.max(this.nbClusters, Math.ceil(d.file.size() / this.cs));
    let blocks = 0, tableClusters = 1;
    for (;;) {
      const end = start + blocks + tableClusters;
      const nb = Math.ceil(end / perBlock);
      const tc = Math.max(1, Math.ceil(nb / entriesPerCluster));
      if (nb === blocks && tc === tableClusters) break;
      blocks = nb;
      tableClusters = tc;
    }
    imrt.ensure(start + blocks + tableClusters);
    for (let c = start; c < start + blocks + tableClusters; c++) imrt.counts[c] = 1;
    const table: number[] = new Array<number>(tableClusters * entriesPerCluster).fill(0);
    for (let b = 0; b < blocks; b++) {
      const data = new Uint8Array(this.cs);
      let any = false;
      for (let i = 0; i < perBlock; i++) {
        const c = b * perBlock + i;
        const rc = c < imrt.counts.length ? imrt.counts[c]! : 0;
        if (rc > 0) {
          setRefcountEntry(data, order, i, rc);
          any = true;
        }
      }
      if (!any) continue;
      const off = (start + b) * this.cs;
      table[b] = off;
      await d.file.pwrite(data, off);
    }
    const tableOff = (start + blocks) * this.cs;
    const rt = new RefcountTable(d.file, d.clusterBits, order, tableOff, table);
    await d.file.pwrite(rt.serializeTable(), tableOff);
    await d.file.flush();
    const hdr = new Uint8Array(12);
    const hv = new DataView(hdr.buffer);
    writeU64(hv, 0, tableOff);
    hv.setUint32(8, tableClusters);
    await d.file.pwrite(hdr, 48);
    await d.file.flush();
    d.header.refcountTableOffset = tableOff;
    d.header.refcountTableClusters = tableClusters;
    d.attachRefcount(RefcountTable.load(d.file, d.clusterBits, order, tableOff, tableClusters));
  }

  /** Read through a method so the flow analysis does not pin the flag. */
  stillBroken(): boolean {
    return this.rebuild;
  }

  /** qcow2_check_refcounts() */
  async run(res: CheckResult, fix: CheckFix): Promise<void> {
    const d = this.d;
    this.fileLen = d.file.size();
    this.nbClusters = Math.ceil(this.fileLen / this.cs);
    res.totalClusters = Math.ceil(d.header.size / this.cs);
    let imrt = await this.calculate(res, fix);
    const pre = { ...res };
    let highest = await this.compare(res, { fixLeaks: false, fixErrors: false }, imrt);
    if (this.rebuild && fix.fixErrors) {
      const old = { ...res };
      this.log("Rebuilding refcount structure");
      await this.rebuildRefcounts(imrt);
      res.corruptions = 0;
      res.leaks = 0;
      this.rebuild = false;
      this.fileLen = d.file.size();
      this.nbClusters = Math.ceil(this.fileLen / this.cs);
      const fresh = emptyResult();
      imrt = await this.calculate(fresh, { fixLeaks: false, fixErrors: false });
      Object.assign(res, { ...fresh, corruptionsFixed: res.corruptionsFixed, leaksFixed: res.leaksFixed, checkErrors: res.checkErrors + fresh.checkErrors });
      let freshLeaks = 0;
      if (fix.fixLeaks) {
        const saved = { ...res };
        const tmp = emptyResult();
        highest = await this.compare(tmp, { fixLeaks: true, fixErrors: false }, imrt);
        if (this.stillBroken()) this.log("ERROR rebuilt refcount structure is still broken");
        freshLeaks = tmp.leaks;
        Object.assign(res, saved);
      }
      if (res.corruptions < old.corruptions) res.corruptionsFixed += old.corruptions - res.corruptions;
      if (res.leaks < old.leaks) res.leaksFixed += old.leaks - res.leaks;
      res.leaks += freshLeaks;
    } else if (fix.fixLeaks || fix.fixErrors) {
      if (this.rebuild) {
        this.log("ERROR need to rebuild refcount structures");
        res.checkErrors++;
        throw new BlockError("Input/output error", "EIO");
      }
      if (res.leaks || res.corruptions) {
        Object.assign(res, pre);
        highest = await this.compare(res, fix, imrt);
      }
    }
    await this.checkCopied(res, fix);
    res.imageEndOffset = (highest + 1) * this.cs;
  }
}

/**
 * qcow2_co_check(): rebuilds the reference counts from the metadata and compares
 * them with the refcount structures, with qemu's messages (passed to `log`, which
 * qemu-img sends to stderr) and optional repair.
 */
export async function checkQcow2(d: Qcow2Driver, fix: CheckFix, log: (line: string) => void): Promise<CheckResult> {
  if (!d.readOnly) await d.flush();
  const res = emptyResult();
  const c = new Checker(d, log);
  await c.run(res, fix);
  if ((fix.fixLeaks || fix.fixErrors) && res.checkErrors === 0 && res.corruptions === 0) {
    if (d.dirty) await d.setIncompatBit(QCOW2_INCOMPAT_DIRTY, false);
    if (d.corrupt) await d.setIncompatBit(QCOW2_INCOMPAT_CORRUPT, false);
  }
  if (fix.fixLeaks || fix.fixErrors) await d.reload();
  return res;
}
