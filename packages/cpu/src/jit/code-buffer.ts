/**
 * The JIT's code budget: how much generated JavaScript the live compiled regions hold, and the flush
 * when it runs out.
 *
 * Every region is a V8 function with its own source, bytecode and optimised machine code (a few
 * hundred bytes of source per guest instruction), and nothing frees a region while its entry block
 * stays in the translation cache. Unbounded, a Linux boot accumulated ~10,000 regions (220 MB of
 * source, 400 MB of executable code) until V8 spent 99 % of its time collecting garbage and the
 * guest stood still. QEMU's TCG has the same problem with its code_gen_buffer and solves it the same
 * way: when the buffer is full, tb_flush() drops every translation and the hot ones are translated
 * again (accel/tcg/translate-all.c). Regions invalidated earlier (self-modifying code, a dropped
 * block) keep counting until the flush, as invalidated TBs keep their space in QEMU's buffer.
 */
import type { Block } from "../blocks/block.js";

/** Default budget in bytes of generated source (VIRTKIT_JIT_CODE_BUDGET overrides it). */
export const JIT_CODE_BUDGET = 32 * 1024 * 1024;

export class JitCodeBuffer {
  /** Bytes of generated source compiled since the last flush. */
  used = 0;
  /** Flushes so far (statistics, and the tests' evidence). */
  flushes = 0;
  /** Entry blocks that received a region since the last flush. */
  private entries: Block[] = [];

  constructor(public budget: number = JIT_CODE_BUDGET) {}

  /** True when a region of `bytes` more does not fit. */
  full(bytes: number): boolean {
    return this.used + bytes > this.budget;
  }

  /** Records the region just compiled at `entry`. */
  add(entry: Block, bytes: number): void {
    this.used += bytes;
    this.entries.push(entry);
  }

  /**
   * Drops every compiled region (tb_flush). Entry blocks start counting their heat again, so only code
   * that is still hot is compiled anew; the blocks themselves (decoded instructions) stay cached.
   */
  flush(): void {
    for (const b of this.entries) {
      for (const x of b.regionBlocks) x.usedBy = [];
      b.region = null;
      b.regionBlocks = [];
      b.regionCode = null;
      b.heat = 0;
    }
    this.entries = [];
    this.used = 0;
    this.flushes++;
  }

  /** The translation cache dropped every block (and with them the regions): start empty, no flush counted. */
  reset(): void {
    this.entries = [];
    this.used = 0;
  }
}
