/**
 * A JIT region: the blocks reachable from a hot entry block through direct near branches and
 * fall-through, inside the entry's page, laid out in address order. Every edge of a region goes
 * forward (to a block at a higher EIP, where structured `break` reaches it) or back to the entry
 * (the region's loop); any other edge leaves the region. The entry is the lowest block, so the
 * whole region compiles to one `for (;;)` with nested labelled blocks.
 */
import type { Cpu } from "../cpu.js";
import type { Block } from "../blocks/block.js";
import { ATTR_BRANCH, ATTR_FOLLOWED, ATTR_TERMINAL, ATTR_UNCONDITIONAL } from "../blocks/decoded-insn.js";

/** Limits that keep compiled functions small enough for V8 to optimise quickly. */
export const MAX_REGION_BLOCKS = 24;
export const MAX_REGION_INSNS = 240;

export interface Region {
  entry: Block;
  /** The blocks in address order; blocks[0] is the entry. */
  blocks: Block[];
  /** Per block: EIPs of its successors (taken target first for a branch, then fall-through). */
  succ: number[][];
  /** The CS limit (Cpu.segHi[CS]) the targets were checked against. */
  csLimit: number;
}

/** Unsigned order of two EIPs of the same page (they may have bit 31 set). */
function after(a: number, b: number): boolean {
  return a >>> 0 > b >>> 0;
}

/** Where execution goes when the block's last instruction completes without leaving it otherwise. */
export function finalSuccessors(b: Block): number[] {
  const last = b.insns[b.insns.length - 1]!;
  if ((last.attrs & ATTR_FOLLOWED) !== 0) return [last.after];
  if ((last.attrs & ATTR_BRANCH) !== 0) {
    return (last.attrs & ATTR_UNCONDITIONAL) !== 0 ? [last.imm] : [last.imm, last.after];
  }
  if ((last.attrs & ATTR_TERMINAL) !== 0) return [];
  // The block stopped early (length limit, end of page, an instruction left to the interpreter).
  return [last.after];
}

/** Every EIP a block may continue at: the taken targets of its branches inside the trace, then the final ones. */
export function successors(b: Block): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.insns.length - 1; i++) {
    const d = b.insns[i]!;
    if ((d.attrs & ATTR_BRANCH) !== 0 && (d.attrs & ATTR_FOLLOWED) === 0) out.push(d.imm);
  }
  return [...out, ...finalSuccessors(b)];
}

/** Collects the region entered at `entry`, translating the blocks it reaches. */
export function discoverRegion(cpu: Cpu, entry: Block): Region {
  const csBase = (entry.lin - entry.eip) | 0;
  const page = entry.lin >>> 12;
  const physPage = entry.phys & ~0xfff;
  const csLimit = cpu.segHi[1]!;
  const byEip = new Map<number, Block>([[entry.eip, entry]]);
  const work: Block[] = [entry];
  let insns = entry.insns.length;
  while (work.length > 0) {
    const b = work.pop()!;
    for (const t of successors(b)) {
      if (t === entry.eip || byEip.has(t)) continue;
      // Only forward edges stay inside; the loop is the entry's.
      if (!after(t, b.eip)) continue;
      if (t >>> 0 > csLimit) continue;
      const lin = (csBase + t) | 0;
      if (lin >>> 12 !== page) continue;
      if (byEip.size >= MAX_REGION_BLOCKS) continue;
      const nb = cpu.blocks.find(physPage | (lin & 0xfff), t, lin, entry.mode);
      if (nb === null || insns + nb.insns.length > MAX_REGION_INSNS) continue;
      insns += nb.insns.length;
      byEip.set(t, nb);
      work.push(nb);
    }
  }
  const blocks = [...byEip.values()].sort((a, b) => (a.eip >>> 0) - (b.eip >>> 0));
  return { entry, blocks, succ: blocks.map(successors), csLimit };
}
