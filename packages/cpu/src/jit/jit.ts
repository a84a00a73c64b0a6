/**
 * The JIT's entry points for the run loop: compiling the region at a hot block, and deciding whether
 * a compiled region may run now (same CS limit, code unchanged since it was compiled).
 */
import type { Cpu } from "../cpu.js";
import type { Block } from "../blocks/block.js";
import { compileRegion } from "./codegen.js";
import { discoverRegion } from "./region.js";
import { RegionCode } from "./region-code.js";

/** Compiles the region entered at `b` (sets b.region), or marks the block as declined. */
export function compileAt(cpu: Cpu, b: Block): void {
  try {
    const region = discoverRegion(cpu, b);
    // Translating the region's other blocks may have flushed a full cache.
    if (!region.blocks.every((x) => x.valid)) return;
    const compiled = compileRegion(cpu, region);
    if (compiled === null) {
      b.jitDeclined = true;
      return;
    }
    // Out of code budget: drop every region (this one stays, it is the hottest code right now).
    if (cpu.jitCode.full(compiled.bytes)) cpu.jitCode.flush();
    b.region = compiled.fn;
    b.regionBlocks = region.blocks;
    b.regionCode = RegionCode.of(cpu, region.blocks);
    b.regionCsLimit = region.csLimit;
    b.regionEpoch = cpu.codeEpoch;
    // (A region dropped with one of its blocks is compiled again later: its entry is listed once.)
    for (const x of region.blocks) if (!x.usedBy.includes(b)) x.usedBy.push(b);
    cpu.jitCode.add(b, compiled.bytes);
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
  if (regionCodeCurrent(cpu, b)) return b.region !== null;
  for (const x of b.regionBlocks) {
    if (x.epoch === cpu.codeEpoch) continue;
    if (!cpu.blocks.verify(x)) {
      cpu.blocks.discard(x);
      return false;
    }
    x.epoch = cpu.codeEpoch;
  }
  b.regionEpoch = cpu.codeEpoch;
  b.regionCode?.refresh(cpu);
  return b.region !== null;
}

/**
 * The region's code checked in one pass over its merged spans (RegionCode): when memory still holds it,
 * every block of the region is current in this code epoch. False when it differs somewhere (or there is no
 * snapshot): then the per-block check finds and drops the blocks that changed.
 */
export function regionCodeCurrent(cpu: Cpu, b: Block): boolean {
  const code = b.regionCode;
  if (!code?.matches(cpu)) return false;
  const epoch = cpu.codeEpoch;
  for (const x of b.regionBlocks) x.epoch = epoch;
  b.regionEpoch = epoch;
  return true;
}
