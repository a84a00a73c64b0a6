import type { AccessSize } from "../hw/io-device.js";
import type { FlatView } from "./flat-view.js";
import type { MemoryRegion, ResolvedOps } from "./memory-region.js";

/*
 * The access path every guest load, store, port access and DMA transfer takes, done once here for
 * all devices (QEMU softmmu/physmem.c flatview_read_continue / flatview_write_continue and
 * softmmu/memory.c memory_region_dispatch_read/write, access_with_adjusted_size):
 *
 *  1. Find the flat range at the address. RAM is copied directly, clamped to the range.
 *  2. An I/O region gets the whole remaining access, clamped only by its valid.max_access_size and
 *     its alignment (memory_access_size): like QEMU, an access is NOT clamped at the end of a
 *     small region, because chipsets decode registers by their start address alone (a dword at
 *     0xCF8 reaches CONFIG_ADDRESS even though 0xCF9 is another device).
 *  3. The region's valid constraints decide whether the access happens at all (a decode error
 *     reads 0 and drops writes).
 *  4. The access is split into, or widened to, the sizes the device implements (impl), little-endian.
 *
 * Values move through byte buffers (kvm_run's data area, DMA buffers), so nothing allocates.
 */

/** MemTxResult: MEMTX_OK, or a decode error somewhere in the access. */
export const MEMTX_OK = 0;
export const MEMTX_DECODE_ERROR = 2;

/** Reads `n` (<= 8) bytes at `buf[off]` as a little-endian number (exact up to 2^53). */
export function loadLe(buf: Uint8Array, off: number, n: number): number {
  if (n <= 4) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) {
      v = (v << 8) | buf[off + i]!;
    }
    return v >>> 0;
  }
  return loadLe(buf, off, 4) + loadLe(buf, off + 4, n - 4) * 0x1_0000_0000;
}

/** Stores the low `n` (<= 8) bytes of `v` at `buf[off]`, little-endian. */
export function storeLe(buf: Uint8Array, off: number, n: number, v: number): void {
  let lo = v >>> 0;
  if (n > 4) {
    storeLe(buf, off + 4, n - 4, Math.floor(v / 0x1_0000_0000));
    n = 4;
  }
  for (let i = 0; i < n; i++) {
    buf[off + i] = lo & 0xff;
    lo >>>= 8;
  }
}

/** Copies without allocating a view for the short accesses exits make. */
function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  if (n <= 16) {
    for (let i = 0; i < n; i++) {
      dst[dstOff + i] = src[srcOff + i]!;
    }
  } else {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
  }
}

/** memory_access_size: how much of an `l`-byte access at region offset `addr1` one dispatch takes. */
function accessSize(ops: ResolvedOps, l: number, addr1: number): number {
  let max = ops.validMax;
  if (!ops.validUnaligned) {
    const align = addr1 & -addr1;
    if (align !== 0 && align < max) {
      max = align;
    }
  }
  if (l > max) {
    l = max;
  }
  // pow2floor
  return l >= 8 ? 8 : l >= 4 ? 4 : l >= 2 ? 2 : 1;
}

/** memory_region_access_valid. */
function accessValid(ops: ResolvedOps, addr: number, size: number, isWrite: boolean): boolean {
  if (!ops.validUnaligned && (addr & (size - 1)) !== 0) {
    return false;
  }
  if (size > ops.validMax || size < ops.validMin) {
    return false;
  }
  return ops.accepts === undefined || ops.accepts(addr, size, isWrite);
}

/** memory_region_dispatch_read into buf[off..off+size). */
export function dispatchRead(mr: MemoryRegion, addr: number, buf: Uint8Array, off: number, size: number): number {
  const ops = mr.ops;
  if (ops === null || !accessValid(ops, addr, size, false)) {
    buf.fill(0, off, off + size);
    return MEMTX_DECODE_ERROR;
  }
  const step = Math.max(Math.min(size, ops.implMax), ops.implMin);
  const device = ops.device;
  for (let i = 0; i < size; i += step) {
    const v = device.read(addr + i, step as AccessSize);
    // A widened access keeps only the bytes asked for (stn_he_p of the original length).
    storeLe(buf, off + i, Math.min(step, size - i), v);
  }
  return MEMTX_OK;
}

/** memory_region_dispatch_write from buf[off..off+size). */
export function dispatchWrite(mr: MemoryRegion, addr: number, buf: Uint8Array, off: number, size: number): number {
  const ops = mr.ops;
  if (ops === null || !accessValid(ops, addr, size, true)) {
    return MEMTX_DECODE_ERROR;
  }
  const step = Math.max(Math.min(size, ops.implMax), ops.implMin);
  const device = ops.device;
  for (let i = 0; i < size; i += step) {
    device.write(addr + i, step as AccessSize, loadLe(buf, off + i, Math.min(step, size - i)));
  }
  return MEMTX_OK;
}

/** flatview_read_continue: `len` bytes at `addr` into buf[off..]. Returns MEMTX_OK or an error. */
export function flatViewRead(fv: FlatView, addr: number, buf: Uint8Array, off: number, len: number): number {
  let result = MEMTX_OK;
  while (len > 0) {
    const i = fv.lookupIndex(addr);
    let l: number;
    if (i < 0) {
      // Unassigned: reads as 0 up to the next mapped range (QEMU unassigned_mem_read).
      l = Math.min(len, fv.nextStart(addr) - addr);
      buf.fill(0, off, off + l);
      result |= MEMTX_DECODE_ERROR;
    } else {
      const fr = fv.ranges[i]!;
      const mr = fr.mr;
      const addr1 = addr - fr.addr + fr.offsetInRegion;
      const ram = mr.ram;
      if (ram !== null) {
        l = Math.min(len, fr.end - addr);
        copyBytes(ram.bytes, addr1, buf, off, l);
      } else {
        l = accessSize(mr.ops!, len, addr1);
        result |= dispatchRead(mr, addr1, buf, off, l);
      }
    }
    len -= l;
    addr += l;
    off += l;
  }
  return result;
}

/** flatview_write_continue: `len` bytes from buf[off..] to `addr`. */
export function flatViewWrite(fv: FlatView, addr: number, buf: Uint8Array, off: number, len: number): number {
  let result = MEMTX_OK;
  while (len > 0) {
    const i = fv.lookupIndex(addr);
    let l: number;
    if (i < 0) {
      l = Math.min(len, fv.nextStart(addr) - addr);
      result |= MEMTX_DECODE_ERROR;
    } else {
      const fr = fv.ranges[i]!;
      const mr = fr.mr;
      const addr1 = addr - fr.addr + fr.offsetInRegion;
      const ram = mr.ram;
      if (ram !== null) {
        l = Math.min(len, fr.end - addr);
        // Read-only through the region itself (a ROM) or through an alias on the way (a PAM
        // segment in read-only mode): the write is dropped. QEMU under TCG behaves so (its TLB
        // entry for the read-only range sends writes to the RAM region's unassigned ops); QEMU
        // under KVM leaves a read-only alias's memslot writable, which hardware does not.
        if (fr.readonly) {
          result |= MEMTX_DECODE_ERROR;
        } else {
          copyBytes(buf, off, ram.bytes, addr1, l);
        }
      } else {
        l = accessSize(mr.ops!, len, addr1);
        result |= dispatchWrite(mr, addr1, buf, off, l);
      }
    }
    len -= l;
    addr += l;
    off += l;
  }
  return result;
}
