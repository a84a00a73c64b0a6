/**
 * Physical memory as the processor sees it on its front-side bus: RAM chunks (typed arrays, shareable
 * between threads) placed at physical addresses, and MMIO windows that call back into devices.
 *
 * The address space is 32 bits wide (IA32_VMX_BASIC bit 48 = 1 in our model: "physical addresses are
 * limited to 32 bits", SDM vol. 3D A.1). A page table of 2^20 entries maps each 4 KiB frame to the
 * chunk holding it, so a TLB miss costs two array loads to find the bytes.
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_MASK = PAGE_SIZE - 1;
const FRAMES = 1 << 20;

/** A device window on the physical bus. Offsets are relative to the window start. */
export interface MmioHandler {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

export interface RamChunk {
  readonly base: number;
  readonly size: number;
  readonly u8: Uint8Array;
  /** Aligned 32-bit view of the same bytes (little-endian host assumed, checked at load). */
  readonly i32: Int32Array;
}

interface MmioWindow {
  base: number;
  size: number;
  handler: MmioHandler;
}

if (new Uint8Array(new Uint32Array([0x11223344]).buffer)[0] !== 0x44) {
  throw new Error("virtkit requires a little-endian host");
}

export class PhysicalMemory {
  /** Frame number → chunk index + 1 (0 = no RAM). */
  readonly frameChunk = new Uint16Array(FRAMES);
  /** Frame number → byte offset of that frame inside its chunk. */
  readonly frameOffset = new Int32Array(FRAMES);
  /** Frame number → 1 for ROM: reads come from the chunk, writes are ignored (as a PC's BIOS ROM). */
  readonly frameReadOnly = new Uint8Array(FRAMES);
  readonly chunks: RamChunk[] = [];
  private readonly mmio: MmioWindow[] = [];
  /** Bumped whenever the map changes, so caches built on it (TLBs, EPT walks) know to drop entries. */
  generation = 0;

  /** Places `buffer` (whole pages) at physical address `base`. Returns the chunk index. */
  mapRam(base: number, buffer: ArrayBuffer | SharedArrayBuffer, byteOffset = 0, size = buffer.byteLength - byteOffset): number {
    if ((base & PAGE_MASK) !== 0 || (size & PAGE_MASK) !== 0 || (byteOffset & PAGE_MASK) !== 0 || size <= 0) {
      throw new RangeError(`RAM mapping must be page aligned: base=0x${base.toString(16)} size=0x${size.toString(16)}`);
    }
    if (base + size > 2 ** 32) throw new RangeError("RAM mapping beyond the 32-bit physical address space");
    for (let f = base >>> PAGE_SHIFT; f < (base + size) / PAGE_SIZE; f++) {
      if (this.frameChunk[f] !== 0) throw new RangeError(`physical frame 0x${f.toString(16)} is already mapped`);
    }
    const index = this.chunks.length;
    this.chunks.push({
      base,
      size,
      u8: new Uint8Array(buffer, byteOffset, size),
      i32: new Int32Array(buffer, byteOffset, size >>> 2),
    });
    for (let f = base >>> PAGE_SHIFT, off = 0; off < size; f++, off += PAGE_SIZE) {
      this.frameChunk[f] = index + 1;
      this.frameOffset[f] = off;
    }
    this.generation++;
    return index;
  }

  /**
   * Places `buffer` at `base` as read-only memory: the processor reads it like RAM, writes to it are
   * dropped on the bus. The same buffer may be mapped at several addresses (the BIOS alias below 4 GiB).
   */
  /**
   * Where writes to ROM frames go: dropped by default (a ROM), or handed to this callback — how a
   * KVM_MEM_READONLY slot turns guest writes into MMIO for the instruction emulator.
   */
  onRomWrite: ((addr: number, size: 1 | 2 | 4, value: number) => void) | null = null;

  mapRom(base: number, buffer: ArrayBuffer | SharedArrayBuffer, byteOffset = 0, size = buffer.byteLength - byteOffset): number {
    const index = this.mapRam(base, buffer, byteOffset, size);
    for (let f = base >>> PAGE_SHIFT, off = 0; off < size; f++, off += PAGE_SIZE) this.frameReadOnly[f] = 1;
    return index;
  }

  unmapRam(base: number, size: number): void {
    for (let f = base >>> PAGE_SHIFT, off = 0; off < size; f++, off += PAGE_SIZE) {
      this.frameChunk[f] = 0;
      this.frameReadOnly[f] = 0;
    }
    this.generation++;
  }

  mapMmio(base: number, size: number, handler: MmioHandler): void {
    this.mmio.push({ base, size, handler });
    this.generation++;
  }

  /** Chunk index + 1 for the frame holding `addr`, or 0 when it is not RAM. */
  ramFrame(addr: number): number {
    return this.frameChunk[addr >>> PAGE_SHIFT]!;
  }

  private window(addr: number): MmioWindow | undefined {
    for (const w of this.mmio) if (addr >= w.base && addr < w.base + w.size) return w;
    return undefined;
  }

  read8(addr: number): number {
    addr >>>= 0;
    const c = this.frameChunk[addr >>> PAGE_SHIFT]!;
    if (c !== 0) return this.chunks[c - 1]!.u8[this.frameOffset[addr >>> PAGE_SHIFT]! | (addr & PAGE_MASK)]!;
    const w = this.window(addr);
    // Reads of unclaimed physical addresses float high on a PC bus.
    return w ? w.handler.read(addr - w.base, 1) & 0xff : 0xff;
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    const c = this.frameChunk[addr >>> PAGE_SHIFT]!;
    if (c !== 0) {
      if (this.frameReadOnly[addr >>> PAGE_SHIFT] === 0) this.chunks[c - 1]!.u8[this.frameOffset[addr >>> PAGE_SHIFT]! | (addr & PAGE_MASK)] = value;
      else this.onRomWrite?.(addr, 1, value & 0xff);
      return;
    }
    const w = this.window(addr);
    if (w) w.handler.write(addr - w.base, 1, value & 0xff);
  }

  read16(addr: number): number {
    addr >>>= 0;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 2 && this.frameChunk[addr >>> PAGE_SHIFT] === 0) {
      const w = this.window(addr);
      if (w) return w.handler.read(addr - w.base, 2) & 0xffff;
    }
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    addr >>>= 0;
    const f = addr >>> PAGE_SHIFT;
    const c = this.frameChunk[f]!;
    if (c !== 0 && (addr & 3) === 0) return this.chunks[c - 1]!.i32[(this.frameOffset[f]! | (addr & PAGE_MASK)) >>> 2]!;
    if (c === 0 && (addr & PAGE_MASK) <= PAGE_SIZE - 4) {
      const w = this.window(addr);
      if (w) return w.handler.read(addr - w.base, 4) | 0;
    }
    return (this.read8(addr) | (this.read8(addr + 1) << 8) | (this.read8(addr + 2) << 16) | (this.read8(addr + 3) << 24)) | 0;
  }

  write16(addr: number, value: number): void {
    addr >>>= 0;
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 2 && this.frameReadOnly[addr >>> PAGE_SHIFT] !== 0 && this.frameChunk[addr >>> PAGE_SHIFT] !== 0) {
      this.onRomWrite?.(addr, 2, value & 0xffff);
      return;
    }
    if ((addr & PAGE_MASK) <= PAGE_SIZE - 2 && this.frameChunk[addr >>> PAGE_SHIFT] === 0) {
      const w = this.window(addr);
      if (w) {
        w.handler.write(addr - w.base, 2, value & 0xffff);
        return;
      }
    }
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
  }

  write32(addr: number, value: number): void {
    addr >>>= 0;
    const f = addr >>> PAGE_SHIFT;
    const c = this.frameChunk[f]!;
    if (c !== 0 && this.frameReadOnly[f] !== 0 && (addr & PAGE_MASK) <= PAGE_SIZE - 4) {
      this.onRomWrite?.(addr, 4, value >>> 0);
      return;
    }
    if (c !== 0 && (addr & 3) === 0) {
      if (this.frameReadOnly[f] === 0) this.chunks[c - 1]!.i32[(this.frameOffset[f]! | (addr & PAGE_MASK)) >>> 2] = value;
      else this.onRomWrite?.(addr, 4, value >>> 0);
      return;
    }
    if (c === 0 && (addr & PAGE_MASK) <= PAGE_SIZE - 4) {
      const w = this.window(addr);
      if (w) {
        w.handler.write(addr - w.base, 4, value >>> 0);
        return;
      }
    }
    this.write8(addr, value & 0xff);
    this.write8(addr + 1, (value >>> 8) & 0xff);
    this.write8(addr + 2, (value >>> 16) & 0xff);
    this.write8(addr + 3, (value >>> 24) & 0xff);
  }

  /** 64-bit read as two halves; `out[0]` low, `out[1]` high. */
  read64(addr: number, out: Uint32Array): void {
    out[0] = this.read32(addr);
    out[1] = this.read32(addr + 4);
  }

  readBytes(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.read8(addr + i);
    return out;
  }

  writeBytes(addr: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.write8(addr + i, bytes[i]!);
  }
}
