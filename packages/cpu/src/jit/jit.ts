/**
 * The JIT's entry points for the run loop: compiling the region at a hot block, and deciding whether
 * a compiled region may run now (same CS limit, code unchanged since it was compiled).
 */
import type { Cpu } from "../cpu.js";
import type { Block } from "../blocks/block.js";
import { compileRegion } from "./codegen.js";
import { discoverRegion } from "./region.js";

/** Compiles the region entered at `b` (sets b.region), or marks the block as declined. */
export function compileAt(cpu: Cpu, b: Block): void {
  try {
    const region = discoverRegion(cpu, b);
    // Translating the region's other blocks may have flushed a full cache.
    if (!region.blocks.every((x) => x.valid)) return;
    const fn = compileRegion(cpu, region);
    if (fn === null) {
      b.jitDeclined = true;
      return;
    }
    b.region = fn;
    b.regionBlocks = region.blocks;
    b.regionCsLimit = region.csLimit;
    b.regionEpoch = cpu.codeEpoch;
    for (const x of region.blocks) x.usedBy.push(b);
    cpu.jitCompiled++;
  } catch (e) {
    // A compiler defect must not stop the guest: the block interpreter runs this code instead.
    b.jitDeclined = true;
    cpu.jitFailures++;
    cpu.jitLastError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
}

/** True when the region compiled at `b` may run now. */
export function regionUsable(cpu: Cpu, b: Block): boolean {
  if (cpu.segHi[1] !== b.regionCsLimit) return false;
  if (b.regionEpoch === cpu.codeEpoch) return true;
  for (const x of b.regionBlocks) {
    if (x.epoch === cpu.codeEpoch) continue;
    if (!cpu.blocks.verify(x)) {
      cpu.blocks.discard(x);
      return false;
    }
    x.epoch = cpu.codeEpoch;
  }
  b.regionEpoch = cpu.codeEpoch;
  return b.region !== null;
}
