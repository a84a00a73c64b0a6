/**
 * The guest code bytes a compiled region was built from, merged into one span per run of overlapping
 * blocks and widened to whole 32-bit words. Blocks of a region are traces that overlap heavily (a loop
 * body is part of the trace entering it and of the trace after its branch), so checking the region's code
 * after the code epoch moved (the host ran: Cpu.newCodeEpoch) compares each word once instead of each byte
 * once per block that holds it.
 */
import type { Cpu } from "../cpu.js";
import type { Block } from "../blocks/block.js";

export class RegionCode {
  constructor(
    /** Per span: physical frame, first word's index in the frame (byte offset / 4), and length in words. */
    readonly frames: Int32Array,
    readonly wordLos: Int32Array,
    readonly wordLens: Int32Array,
    /** The spans' words, back to back. */
    readonly words: Int32Array,
  ) {}

  /**
   * Builds the spans from the blocks' own saved bytes (what they were translated from); the bytes around
   * them that complete a word come from memory now. Null when a block's bytes differ from another block's
   * or from memory (a block is stale: only the per-block check can tell which), or a frame is not RAM.
   */
  static of(cpu: Cpu, blocks: readonly Block[]): RegionCode | null {
    const sorted = [...blocks].sort((a, b) => a.frame - b.frame || a.lo - b.lo);
    const frames: number[] = [], los: number[] = [], his: number[] = [];
    for (const x of sorted) {
      const lo = x.lo & ~3, hi = (x.hi + 3) & ~3;
      const last = frames.length - 1;
      if (last >= 0 && frames[last] === x.frame && lo <= his[last]!) {
        if (hi > his[last]!) his[last] = hi;
      } else {
        frames.push(x.frame);
        los.push(lo);
        his.push(hi);
      }
    }
    const lens = los.map((lo, i) => his[i]! - lo);
    const total = lens.reduce((a, n) => a + n, 0);
    const starts: number[] = [];
    for (let i = 0, at = 0; i < lens.length; at += lens[i]!, i++) starts.push(at);
    // The current memory of every span, then each block's bytes must agree with it.
    const bytes = new Uint8Array(total);
    for (let s = 0; s < frames.length; s++) {
      const chunk = cpu.mem.frameChunk[frames[s]!]!;
      if (chunk === 0) return null;
      const at = cpu.mem.frameOffset[frames[s]!]! + los[s]!;
      bytes.set(cpu.u8s[chunk - 1]!.subarray(at, at + lens[s]!), starts[s]);
    }
    for (const x of blocks) {
      let s = 0;
      while (frames[s] !== x.frame || los[s]! > x.lo || his[s]! < x.hi) s++;
      const at = starts[s]! + x.lo - los[s]!;
      for (let i = 0; i < x.bytes.length; i++) if (bytes[at + i] !== x.bytes[i]) return null;
    }
    const words = new Int32Array(bytes.buffer, 0, total >>> 2);
    return new RegionCode(Int32Array.from(frames), Int32Array.from(los, (lo) => lo >>> 2), Int32Array.from(lens, (n) => n >>> 2), words);
  }

  /** True when guest memory still holds every word of every span. */
  matches(cpu: Cpu): boolean {
    const frameChunk = cpu.mem.frameChunk;
    const frameOffset = cpu.mem.frameOffset;
    const words = this.words;
    let k = 0;
    for (let s = 0; s < this.frames.length; s++) {
      const frame = this.frames[s]!;
      const chunk = frameChunk[frame]!;
      if (chunk === 0) return false;
      const i32 = cpu.i32s[chunk - 1]!;
      const at = (frameOffset[frame]! >>> 2) + this.wordLos[s]!;
      const n = this.wordLens[s]!;
      for (let i = 0; i < n; i++) if (i32[at + i] !== words[k + i]) return false;
      k += n;
    }
    return true;
  }

  /**
   * Takes the spans' words from memory again, after every block of the region was checked one by one and
   * found current: what differed was a byte next to the code in one of its words.
   */
  refresh(cpu: Cpu): void {
    let k = 0;
    for (let s = 0; s < this.frames.length; s++) {
      const frame = this.frames[s]!;
      const chunk = cpu.mem.frameChunk[frame]!;
      const n = this.wordLens[s]!;
      if (chunk !== 0) {
        const at = (cpu.mem.frameOffset[frame]! >>> 2) + this.wordLos[s]!;
        this.words.set(cpu.i32s[chunk - 1]!.subarray(at, at + n), k);
      }
      k += n;
    }
  }
}
