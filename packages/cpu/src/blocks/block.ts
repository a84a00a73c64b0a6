/**
 * A translated basic block: the decoded instructions from one entry point up to the first control
 * transfer (or the end of the page, or an instruction the decoder leaves to the interpreter), with
 * the key it was translated under and the guest code bytes it was translated from.
 */
import type { DecodedInsn } from "./decoded-insn.js";
import type { RegionCode } from "../jit/region-code.js";

/** A compiled region: runs at most `budget` instructions from the block's entry; returns how many retired. */
export type RegionFn = (budget: number) => number;

export class Block {
  /** Key: host-physical address of the first byte, EIP, linear address, and the mode bits (Cpu.modeKey). */
  readonly phys: number;
  readonly eip: number;
  readonly lin: number;
  readonly mode: number;
  readonly insns: DecodedInsn[];
  /** The highest EIP of any of its bytes (the block is usable while it is inside the CS limit). */
  readonly lastByteEip: number;
  /** Physical frame and the byte range [lo, hi) of it holding the block's instructions (a hull for a trace). */
  readonly frame: number;
  readonly lo: number;
  readonly hi: number;
  /** The code bytes [lo, hi) as translated, to detect changes made behind the processor's back. */
  readonly bytes: Uint8Array;
  /** Cpu.codeEpoch when the bytes were last known to match memory. */
  epoch: number;
  valid = true;
  /** Next block with the same physical address (other EIP or mode). */
  chain: Block | null = null;
  /** Entries into this block; drives JIT compilation. */
  heat = 0;
  /** The compiled region entered at this block, once hot; null before (or when compilation declined). */
  region: RegionFn | null = null;
  /** The blocks the region was compiled from, the CS limit its branch targets were checked against, and the epoch they were last verified in. */
  regionBlocks: Block[] = [];
  regionCsLimit = 0;
  regionEpoch = 0;
  /** The region's code bytes merged into spans, to check them in one pass (null: check block by block). */
  regionCode: RegionCode | null = null;
  /** Entry blocks of the compiled regions that include this block (they are dropped with it). */
  usedBy: Block[] = [];
  /** The JIT found nothing worth compiling here. */
  jitDeclined = false;
  /** The blocks that followed this one last (links valid while Cpu.lookupGen equals chainGen). */
  link0: Block | null = null;
  link1: Block | null = null;
  chainGen = -1;

  /** `lo` is the frame offset of the first byte of `bytes` (the trace's lowest byte). */
  constructor(phys: number, eip: number, lin: number, mode: number, insns: DecodedInsn[], bytes: Uint8Array, epoch: number, lo: number) {
    this.phys = phys;
    this.eip = eip;
    this.lin = lin;
    this.mode = mode;
    this.insns = insns;
    let top = 0;
    for (const d of insns) if ((d.next - 1) >>> 0 > top) top = (d.next - 1) >>> 0;
    this.lastByteEip = top;
    this.frame = phys >>> 12;
    this.lo = lo;
    this.hi = lo + bytes.length;
    this.bytes = bytes;
    this.epoch = epoch;
  }
}
