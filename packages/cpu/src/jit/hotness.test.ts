/**
 * When code becomes hot enough to compile: every entry to a block counts, a loop's own iterations
 * included (a loop the block interpreter runs in place would otherwise need threshold² iterations).
 */
import { describe, expect, it } from "vitest";
import { CaseMachine } from "../testing/case-machine.js";

/** `mov ecx, n; l: add eax, ecx; dec ecx; jnz l`: one block looping on itself. */
function countingLoop(n: number): Uint8Array {
  return Uint8Array.from([0xb9, n & 0xff, (n >> 8) & 0xff, 0, 0, 0x01, 0xc8, 0x49, 0x75, 0xfb]);
}

function compiledAfter(iterations: number, threshold: number): number {
  const m = new CaseMachine("jit");
  m.cpu.jitThreshold = threshold;
  const out = m.run({ code: countingLoop(iterations), regs: [0, 0, 0, 0, 0x10000800, 0, 0, 0], eflags: 0, window: new Uint8Array(0x1000) });
  expect(out.fault).toBeUndefined();
  expect(out.regs[0]).toBe((iterations * (iterations + 1)) / 2);
  return m.cpu.jitCompiled;
}

describe("JIT hotness", () => {
  it("compiles a loop once its iterations pass the threshold", () => {
    expect(compiledAfter(300, 200)).toBe(1);
  });
  it("leaves a loop that stays below the threshold to the block interpreter", () => {
    expect(compiledAfter(150, 200)).toBe(0);
  });
});
