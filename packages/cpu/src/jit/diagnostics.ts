/**
 * Switches for finding a JIT defect in a whole-system run (the Linux boot), where the differential tests
 * cannot reach: compare a run with and without them, then bisect.
 *
 * - VIRTKIT_JIT_NOINLINE=alu,jcc,...: these inline forms run through their handlers instead (codegen.ts
 *   kinds), to find which form is wrong.
 * - VIRTKIT_JIT_MAXCOMPILE=N: only the first N regions are compiled (the order is deterministic for a
 *   deterministic guest), to find the region that is wrong; region N's blocks and source go to stderr.
 * - VIRTKIT_JIT_STATS=1: at exit, the size of what the JIT generated (regions, guest instructions, bytes of
 *   source, bytes per guest instruction, by kind of code) and V8's code space, to weigh code-size changes.
 */
import { getHeapSpaceStatistics } from "node:v8";

const noInline = new Set((process.env.VIRTKIT_JIT_NOINLINE ?? "").split(",").filter((s) => s !== ""));
const maxCompile = Number(process.env.VIRTKIT_JIT_MAXCOMPILE ?? Infinity);
let compiled = 0;

/** False when VIRTKIT_JIT_NOINLINE names this inline form. */
export function inlineAllowed(kind: string): boolean {
  return noInline.size === 0 || !noInline.has(kind);
}

/** False once VIRTKIT_JIT_MAXCOMPILE regions were compiled; shows the last one allowed. */
export function compileAllowed(describe: () => string): boolean {
  if (maxCompile === Infinity) return true;
  compiled++;
  if (compiled === maxCompile) process.stderr.write(`virtkit jit: region ${compiled}\n${describe()}\n`);
  return compiled <= maxCompile;
}

/** Totals of everything compiled in this process (all processors), for VIRTKIT_JIT_STATS. */
export const jitStats = {
  regions: 0,
  /** Guest instructions in compiled regions (an instruction in two regions counts twice). */
  insns: 0,
  /** Guest instructions with a memory operand compiled with an inline fast path. */
  memInsns: 0,
  /** Bytes of generated source. */
  bytes: 0,
  /** Of those: the slow paths (handler call-outs) of inline forms, and the instructions that only call their handler. */
  slowBytes: 0,
  callOutBytes: 0,
};

const statsWanted = process.env.VIRTKIT_JIT_STATS === "1";
let statsHooked = false;

/** Adds one compiled region to the statistics (cheap; printed only when VIRTKIT_JIT_STATS=1). */
export function recordRegion(insns: number, memInsns: number, bytes: number, slowBytes: number, callOutBytes: number): void {
  jitStats.regions++;
  jitStats.insns += insns;
  jitStats.memInsns += memInsns;
  jitStats.bytes += bytes;
  jitStats.slowBytes += slowBytes;
  jitStats.callOutBytes += callOutBytes;
  if (statsWanted && !statsHooked) {
    statsHooked = true;
    process.on("exit", () => process.stderr.write(formatJitStats()));
  }
}

/** The statistics as text: totals, per guest instruction, and V8's code spaces now. */
export function formatJitStats(): string {
  const s = jitStats;
  const per = (n: number): string => (s.insns === 0 ? "0" : (n / s.insns).toFixed(1));
  const mb = (n: number): string => (n / 1048576).toFixed(1);
  let code = 0;
  for (const sp of getHeapSpaceStatistics()) if (sp.space_name.startsWith("code")) code += sp.space_used_size;
  return (
    `virtkit jit: ${s.regions} regions, ${s.insns} guest instructions (${s.memInsns} with inline memory access), ` +
    `${mb(s.bytes)} MB source = ${per(s.bytes)} B/insn (slow paths ${per(s.slowBytes)}, handler-only ${per(s.callOutBytes)}); ` +
    `V8 code space ${mb(code)} MB\n`
  );
}
