/**
 * The translation cache: decoded blocks keyed by host-physical address + EIP + mode, the set of
 * physical frames holding translated code, and their invalidation.
 *
 * Keeping blocks right when code changes:
 * - The processor's own writes: a frame with blocks is never on the TLB's fast write path (Cpu.tlbFill
 *   consults `codeFrames`), so every write to it reaches `invalidateWrite`, which drops the blocks whose
 *   bytes the write overlaps (writes to data sharing the page leave them alone).
 * - Everyone else (devices writing guest RAM, the host between runs, another thread on shared memory):
 *   the processor bumps `Cpu.codeEpoch` whenever such writes may have happened (entry to run(), after
 *   port and MMIO accesses, interrupt acknowledge, serialising instructions), and a block whose epoch is
 *   stale compares its saved bytes with memory before it runs again.
 */
import type { Cpu } from "../cpu.js";
import { Block } from "./block.js";
import { DecodedInsn } from "./decoded-insn.js";
import { ATTR_BRANCH, ATTR_FOLLOWED, ATTR_TERMINAL, ATTR_UNCONDITIONAL } from "./decoded-insn.js";
import { decodeInsn } from "./decoder.js";
import { markFollowed, selectHandler } from "./block-handlers.js";

/** Instructions per block at most (long straight-line code is split). */
export const MAX_BLOCK_INSNS = 48;
/** Blocks kept before the whole cache is dropped and rebuilt from what runs next. */
const MAX_BLOCKS = 1 << 16;

export class BlockCache {
  private readonly byPhys = new Map<number, Block>();
  private readonly byFrame = new Map<number, Block[]>();
  /** Per physical frame: how many valid blocks were translated from it. */
  readonly codeFrames = new Int32Array(1 << 20);
  private count = 0;

  constructor(private readonly cpu: Cpu) {}

  get size(): number {
    return this.count;
  }

  /** The cached blocks, frame by frame (for statistics and tests). */
  frames(): IterableIterator<readonly Block[]> {
    return this.byFrame.values();
  }

  /**
   * The block for this entry point, translating it if needed; null when the code cannot be translated.
   * A cached block whose bytes may have changed since (stale epoch) is checked first.
   */
  find(phys: number, eip: number, lin: number, mode: number): Block | null {
    for (let b = this.byPhys.get(phys) ?? null; b !== null; b = b.chain) {
      if (b.eip === eip && b.lin === lin && b.mode === mode) {
        if (b.epoch === this.cpu.codeEpoch) return b;
        if (this.verify(b)) {
          b.epoch = this.cpu.codeEpoch;
          return b;
        }
        this.discard(b);
        break;
      }
    }
    return this.translate(phys, eip, lin, mode);
  }

  private translate(phys: number, eip: number, lin: number, mode: number): Block | null {
    const cpu = this.cpu;
    const frame = phys >>> 12;
    const chunk = cpu.mem.frameChunk[frame]!;
    if (chunk === 0) return null;
    if (this.count >= MAX_BLOCKS) this.clear();
    const u8 = cpu.u8s[chunk - 1]!;
    const frameBase = cpu.mem.frameOffset[frame]!;
    const size32 = (mode & 1) !== 0;
    const start = phys & 0xfff;
    const insns: DecodedInsn[] = [];
    // The block is a trace: it goes on after a conditional branch (not taken) and through a JMP to
    // code in the same page (never back into itself), and ends at any other control transfer.
    let off = start;
    let e = eip;
    let lo = start, hi = start;
    const seen = new Set<number>();
    while (insns.length < MAX_BLOCK_INSNS && off >= 0 && off < 0x1000 && !seen.has(off)) {
      seen.add(off);
      // Bytes under the CS limit from this instruction's EIP.
      const room = cpu.segHi[1]! - (e >>> 0) + 1;
      const avail = Math.min(0x1000 - off, room);
      if (avail <= 0) break;
      const d = new DecodedInsn();
      if (!decodeInsn(u8, frameBase + off, avail, e, size32, d)) break;
      selectHandler(d);
      insns.push(d);
      if (off < lo) lo = off;
      if (off + d.len > hi) hi = off + d.len;
      const attrs = d.attrs;
      if ((attrs & ATTR_BRANCH) !== 0 && (attrs & ATTR_UNCONDITIONAL) !== 0) {
        // JMP rel: follow it when its target is in this page, inside the CS limit, and new to the trace.
        const toff = start + ((d.imm - eip) | 0);
        if (toff < 0 || toff >= 0x1000 || d.imm >>> 0 > cpu.segHi[1]! >>> 0 || seen.has(toff) || insns.length >= MAX_BLOCK_INSNS) break;
        d.attrs |= ATTR_FOLLOWED;
        d.after = d.imm;
        markFollowed(d);
        off = toff;
        e = d.imm;
        continue;
      }
      if ((attrs & ATTR_TERMINAL) !== 0) break;
      off += d.len;
      e = d.next;
    }
    if (insns.length === 0) return null;
    const bytes = u8.slice(frameBase + lo, frameBase + hi);
    const b = new Block(phys, eip, lin, mode, insns, bytes, cpu.codeEpoch, lo);
    b.chain = this.byPhys.get(phys) ?? null;
    this.byPhys.set(phys, b);
    let list = this.byFrame.get(frame);
    if (list === undefined) {
      list = [];
      this.byFrame.set(frame, list);
    }
    list.push(b);
    this.count++;
    if (this.codeFrames[frame] === 0) cpu.protectCodeFrame(frame);
    this.codeFrames[frame] = this.codeFrames[frame]! + 1;
    return b;
  }

  /** True when the block's bytes still match memory (for blocks whose epoch is stale). */
  verify(b: Block): boolean {
    const cpu = this.cpu;
    const chunk = cpu.mem.frameChunk[b.frame]!;
    if (chunk === 0) return false;
    const u8 = cpu.u8s[chunk - 1]!;
    const at = cpu.mem.frameOffset[b.frame]! + b.lo;
    const bytes = b.bytes;
    for (let i = 0; i < bytes.length; i++) if (u8[at + i] !== bytes[i]) return false;
    return true;
  }

  /**
   * A write of `size` bytes at host-physical `phys` into a frame holding code: drops the blocks whose
   * bytes it overlaps. Returns true when any block was dropped.
   */
  invalidateWrite(phys: number, size: number): boolean {
    const frame = phys >>> 12;
    const list = this.byFrame.get(frame);
    if (list === undefined) return false;
    const lo = phys & 0xfff;
    const hi = lo + size;
    let hit = false;
    for (let i = list.length - 1; i >= 0; i--) {
      const b = list[i]!;
      if (b.lo < hi && lo < b.hi) {
        this.drop(b);
        list[i] = list[list.length - 1]!;
        list.pop();
        hit = true;
      }
    }
    if (list.length === 0) this.byFrame.delete(frame);
    return hit;
  }

  /** Drops one block that no longer matches memory. */
  discard(b: Block): void {
    if (!b.valid) return;
    const list = this.byFrame.get(b.frame);
    if (list !== undefined) {
      const i = list.indexOf(b);
      if (i >= 0) {
        list[i] = list[list.length - 1]!;
        list.pop();
      }
      if (list.length === 0) this.byFrame.delete(b.frame);
    }
    this.drop(b);
  }

  private drop(b: Block): void {
    b.valid = false;
    b.region = null;
    // Compiled regions that include this block's code go with it.
    for (const e of b.usedBy) e.region = null;
    b.usedBy = [];
    this.count--;
    this.codeFrames[b.frame] = this.codeFrames[b.frame]! - 1;
    let p = this.byPhys.get(b.phys) ?? null;
    if (p === b) {
      if (b.chain === null) this.byPhys.delete(b.phys);
      else this.byPhys.set(b.phys, b.chain);
      return;
    }
    while (p !== null && p.chain !== b) p = p.chain;
    if (p !== null) p.chain = b.chain;
  }

  /** Drops every block (memory map changes, cache full). */
  clear(): void {
    for (const b of this.byPhys.values()) {
      for (let x: Block | null = b; x !== null; x = x.chain) {
        x.valid = false;
        x.region = null;
      }
    }
    this.byPhys.clear();
    this.byFrame.clear();
    this.codeFrames.fill(0);
    this.count = 0;
    this.cpu.jitCode.reset();
    this.cpu.lookupGen++;
  }
}
