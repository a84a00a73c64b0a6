import type { DmaMemory } from "../hw/io-device.js";
import type { AddressSpace, MemoryRegionSection } from "./address-space.js";
import { MEMTX_OK } from "./memory-dispatch.js";

/*
 * Guest-physical memory as a bus-master device sees it (QEMU dma_memory_read/dma_memory_write,
 * address_space_ldl_le and friends): bytes and little-endian values at a guest physical address.
 * RAM is reached directly in its SharedArrayBuffer (so a device model in a worker thread can use the
 * same buffers); anything else goes through the address space's dispatch, as DMA to MMIO does in QEMU.
 * A transfer that touches an unassigned address reports failure (MEMTX_DECODE_ERROR).
 */
export class GuestMemory implements DmaMemory {
  private readonly scratch = new Uint8Array(8);

  constructor(readonly as: AddressSpace) {}

  /** Copies guest memory at `address` into `dest`; false if part of it is unassigned. */
  read(address: number, dest: Uint8Array): boolean {
    const fast = this.ramView(address, dest.length);
    if (fast !== undefined) {
      dest.set(fast);
      return true;
    }
    return this.as.read(address, dest, 0, dest.length) === MEMTX_OK;
  }

  /** Copies `src` into guest memory at `address`; false if part of it is unassigned or read-only. */
  write(address: number, src: Uint8Array): boolean {
    const fr = this.as.flatView.lookup(address);
    const ram = fr?.mr.ram;
    if (fr !== undefined && ram != null && !fr.readonly && address + src.length <= fr.end) {
      ram.bytes.set(src, address - fr.addr + fr.offsetInRegion);
      return true;
    }
    return this.as.write(address, src, 0, src.length) === MEMTX_OK;
  }

  /**
   * address_space_write_rom: stores into RAM and ROM alike (firmware and loader blobs go into ROM
   * regions this way); I/O ranges and holes are skipped. Returns false if some byte found no RAM.
   */
  writeRom(address: number, src: Uint8Array): boolean {
    let ok = true;
    let done = 0;
    while (done < src.length) {
      const fr = this.as.flatView.lookup(address + done);
      if (fr === undefined || fr.mr.ram === null) {
        ok = false;
        const next = fr === undefined ? this.as.flatView.nextStart(address + done) : fr.end;
        done = Math.min(src.length, next - address);
        continue;
      }
      const n = Math.min(src.length - done, fr.end - (address + done));
      fr.mr.ram.bytes.set(src.subarray(done, done + n), address + done - fr.addr + fr.offsetInRegion);
      done += n;
    }
    return ok;
  }

  /**
   * A direct view of RAM when [address, address+length) lies in one RAM range (address_space_map),
   * else undefined. Writes through the view bypass read-only protection; use it for reads or for
   * memory the caller knows is writable RAM.
   */
  ramView(address: number, length: number): Uint8Array | undefined {
    const fr = this.as.flatView.lookup(address);
    if (fr === undefined || fr.mr.ram === null || address + length > fr.end) {
      return undefined;
    }
    const start = address - fr.addr + fr.offsetInRegion;
    return fr.mr.ram.bytes.subarray(start, start + length);
  }

  /** The region section mapped at `address` (QEMU memory_region_find). */
  findRegion(address: number): MemoryRegionSection | undefined {
    return this.as.find(address);
  }

  private readN(address: number, n: number): number {
    const b = this.scratch;
    this.as.read(address, b, 0, n);
    let v = 0;
    for (let i = n - 1; i >= 0; i--) {
      v = v * 256 + b[i]!;
    }
    return v;
  }

  private writeN(address: number, n: number, value: number): void {
    const b = this.scratch;
    let v = value;
    for (let i = 0; i < n; i++) {
      b[i] = v % 256;
      v = Math.floor(v / 256);
    }
    this.as.write(address, b, 0, n);
  }

  readU8(address: number): number {
    return this.readN(address, 1);
  }
  readU16(address: number): number {
    return this.readN(address, 2);
  }
  readU32(address: number): number {
    return this.readN(address, 4);
  }
  /** 64-bit little-endian value (exact up to 2^53). */
  readU64(address: number): number {
    return this.readN(address, 8);
  }
  writeU8(address: number, value: number): void {
    this.writeN(address, 1, value & 0xff);
  }
  writeU16(address: number, value: number): void {
    this.writeN(address, 2, value & 0xffff);
  }
  writeU32(address: number, value: number): void {
    this.writeN(address, 4, value >>> 0);
  }
  writeU64(address: number, value: number): void {
    this.writeN(address, 8, value);
  }
}
