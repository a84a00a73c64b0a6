/**
 * The guest code bytes a compiled region was built from, merged into one span per run of overlapping
 * blocks. Blocks of a region are traces that overlap heavily (a loop body is part of the trace entering
 * it and of the trace after its branch), so checking the region's code after the code epoch moved (the
 * host ran: Cpu.newCodeEpoch) compares each byte once instead of once per block that holds it.
 */
import type { Cpu } from "../cpu.js";
import type { Block } from "../blocks/block.js";

export class RegionCode {
  constructor(
    /** Per span: physical frame, first byte's offset in it, and length. */
    readonly frames: Int32Array,
    readonly los: Int32Array,
    readonly lens: Int32Array,
    /** The spans' bytes, back to back. */
    readonly bytes: Uint8Array,
  ) {}

  /**
   * Builds the spans from the blocks' own saved bytes (what they were translated from). Null when two
   * blocks disagree about a byte they share: one of them is stale, and only the per-block check can tell which.
   */
  static of(blocks: readonly Block[]): RegionCode | null {
    const sorted = [...blocks].sort((a, b) => a.frame - b.frame || a.lo - b.lo);
    const frames: number[] = [], los: number[] = [], his: number[] = [];
    for (const x of sorted) {
      const last = frames.length - 1;
      if (last >= 0 && frames[last] === x.frame && x.lo <= his[last]!) {
        if (x.hi > his[last]!) his[last] = x.hi;
      } else {
        frames.push(x.frame);
        los.push(x.lo);
        his.push(x.hi);
      }
    }
    const lens = los.map((lo, i) => his[i]! - lo);
    const bytes = new Uint8Array(lens.reduce((a, n) => a + n, 0));
    const filled = new Uint8Array(bytes.length);
    const starts: number[] = [];
    for (let i = 0, at = 0; i < lens.length; at += lens[i]!, i++) starts.push(at);
    for (const x of blocks) {
      let span = 0;
      while (frames[span] !== x.frame || los[span]! > x.lo || his[span]! < x.hi) span++;
      const at = starts[span]! + x.lo - los[span]!;
      for (let i = 0; i < x.bytes.length; i++) {
        const v = x.bytes[i]!;
        if (filled[at + i] !== 0 && bytes[at + i] !== v) return null;
        bytes[at + i] = v;
        filled[at + i] = 1;
      }
    }
    return new RegionCode(Int32Array.from(frames), Int32Array.from(los), Int32Array.from(lens), bytes);
  }

  /** True when guest memory still holds every byte of every span. */
  matches(cpu: Cpu): boolean {
    const frameChunk = cpu.mem.frameChunk;
    const frameOffset = cpu.mem.frameOffset;
    const bytes = this.bytes;
    let k = 0;
    for (let s = 0; s < this.frames.length; s++) {
      const frame = this.frames[s]!;
      const chunk = frameChunk[frame]!;
      if (chunk === 0) return false;
      const u8 = cpu.u8s[chunk - 1]!;
      const at = frameOffset[frame]! + this.los[s]!;
      const n = this.lens[s]!;
      for (let i = 0; i < n; i++) if (u8[at + i] !== bytes[k + i]) return false;
      k += n;
    }
    return true;
  }
}
