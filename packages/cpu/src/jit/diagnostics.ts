/**
 * Switches for finding a JIT defect in a whole-system run (the Linux boot), where the differential tests
 * cannot reach: compare a run with and without them, then bisect.
 *
 * - VIRTKIT_JIT_NOINLINE=alu,jcc,...: these inline forms run through their handlers instead (codegen.ts
 *   kinds), to find which form is wrong.
 * - VIRTKIT_JIT_MAXCOMPILE=N: only the first N regions are compiled (the order is deterministic for a
 *   deterministic guest), to find the region that is wrong; region N's blocks and source go to stderr.
 */
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
