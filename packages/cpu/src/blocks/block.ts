/**
 * A translated basic block: the decoded instructions from one entry point up to the first control
 * transfer (or the end of the page, or an instruction the decoder leaves to the interpreter), with
 * the key it was translated under and the guest code bytes it was translated from.
 */
import type { DecodedInsn } from "./decoded-insn.js";

/** A compiled region: runs at most `budget` instructions from the block's entry; returns how many retired. */
export type RegionFn = (budget: number) => number;

export class Block {
  /** Key: host-physical address of the first byte, EIP, linear address, and the mode bits (Cpu.modeKey). */
  readonly phys: number;
  readonly eip: number;
  readonly lin: number;
  readonly mode: number;
  readonly insns: DecodedInsn[];
  /** EIP just past the last byte (the block is usable while `endEip - 1` is inside the CS limit). */
  readonly endEip: number;
  /** Physical frame and the byte range [lo, hi) of it the block was translated from. */
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
  /** Entry blocks of the compiled regions that include this block (they are dropped with it). */
  usedBy: Block[] = [];
  /** The JIT found nothing worth compiling here. */
  jitDeclined = false;

  constructor(phys: number, eip: number, lin: number, mode: number, insns: DecodedInsn[], bytes: Uint8Array, epoch: number) {
    this.phys = phys;
    this.eip = eip;
    this.lin = lin;
    this.mode = mode;
    this.insns = insns;
    const last = insns[insns.length - 1]!;
    this.endEip = last.next;
    this.frame = phys >>> 12;
    this.lo = phys & 0xfff;
    this.hi = this.lo + bytes.length;
    this.bytes = bytes;
    this.epoch = epoch;
  }
}
