/**
 * Helpers for the engine differential tests: choosing how a processor executes (the interpreter alone,
 * the block interpreter, the JIT compiling everything at once) and a complete, comparable picture of
 * its architectural state after a run.
 */
import type { Cpu } from "../cpu.js";
import type { PhysicalMemory } from "../core/physical-memory.js";

export type Engine = "interpreter" | "blocks" | "jit";
export const ENGINES: readonly Engine[] = ["interpreter", "blocks", "jit"];

/** Selects the execution engine; the JIT variant compiles a block the first time it runs. */
export function useEngine(cpu: Cpu, engine: Engine): void {
  cpu.blocksEnabled = engine !== "interpreter";
  cpu.jit = engine === "jit";
  cpu.jitThreshold = engine === "jit" ? 0 : cpu.jitThreshold;
}

const hex = (v: number): string => (v >>> 0).toString(16);

/** FNV-1a over every RAM chunk, a word at a time. */
export function memoryHash(mem: PhysicalMemory): string {
  let h = 0x811c9dc5;
  for (const c of mem.chunks) {
    const w = c.i32;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w[i]!, 0x01000193);
  }
  return hex(h);
}

/** The first RAM byte (physical address) where two memories differ, or -1 (native memcmp per chunk). */
export function firstMemoryDifference(a: PhysicalMemory, b: PhysicalMemory): number {
  for (let i = 0; i < a.chunks.length; i++) {
    const x = a.chunks[i]!, y = b.chunks[i]!;
    const bx = Buffer.from(x.u8.buffer, x.u8.byteOffset, x.u8.byteLength);
    const by = Buffer.from(y.u8.buffer, y.u8.byteOffset, y.u8.byteLength);
    if (bx.equals(by)) continue;
    for (let j = 0; j < bx.length; j++) if (bx[j] !== by[j]) return x.base + j;
  }
  return -1;
}

/** Everything architectural a run can change in the processor (plus the stop reason and the instruction count). */
export function stateOf(cpu: Cpu, stop: number, withMemoryHash = false): string {
  return [
    `stop ${stop}${cpu.internalError === "" ? "" : ` (${cpu.internalError})`}`,
    `retired ${cpu.instructionsRetired}`,
    `eip ${hex(cpu.eip)} eflags ${hex(cpu.eflags)} cpl ${cpu.cpl}`,
    `regs ${Array.from(cpu.reg, hex).join(" ")}`,
    `sel ${Array.from(cpu.segSel, hex).join(" ")}`,
    `base ${Array.from(cpu.segBase, hex).join(" ")}`,
    `limit ${Array.from(cpu.segLimit, hex).join(" ")}`,
    `ar ${Array.from(cpu.segAr, hex).join(" ")}`,
    `cr ${hex(cpu.cr0)} ${hex(cpu.cr2)} ${hex(cpu.cr3)} ${hex(cpu.cr4)} dr ${Array.from(cpu.dr, hex).join(" ")}`,
    `gdtr ${hex(cpu.gdtrBase)}/${hex(cpu.gdtrLimit)} idtr ${hex(cpu.idtrBase)}/${hex(cpu.idtrLimit)}`,
    `halted ${cpu.halted} shutdown ${cpu.shutdown} shadow ${cpu.interruptShadow} nmi ${cpu.nmiPending}/${cpu.nmiBlocked}`,
    `pending ${cpu.pendingVector}/${cpu.pendingError} debugTrap ${hex(cpu.debugTrap)}`,
    withMemoryHash ? `mem ${memoryHash(cpu.mem)}` : "",
  ].join("\n");
}
