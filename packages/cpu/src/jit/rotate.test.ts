/**
 * ROL/ROR of a 32-bit register by 1 or an immediate compile inline (crypto code such as Linux's SHA-256
 * and ChaCha is made of them): the same registers and flags as the interpreter — CF and OF from the
 * rotate, SF, ZF, AF and PF still those of the ADD before it (SDM vol. 2B ROL/ROR) — and no call-out to
 * the interpreter's handler.
 */
import { describe, expect, it } from "vitest";
import { code } from "../testing/test-machine.js";
import { ENGINES } from "../testing/engine-state.js";
import { onEveryEngine } from "../testing/every-engine.js";
import { jitStats } from "./diagnostics.js";

/**
 * mov ecx, 300; l: add eax, ebx; <four 3-byte ops>; adc edi, eax; cmovs esi, ebx; cmovo edi, edx;
 * cmovp esi, eax; dec ecx; jnz l; hlt — every iteration folds CF, SF, OF and PF into ESI/EDI with inline
 * forms, so a flag the rotates got wrong anywhere shows in the end state.
 */
const FOLD = [0x11, 0xc7, 0x0f, 0x48, 0xf3, 0x0f, 0x40, 0xfa, 0x0f, 0x4a, 0xf0];
function loop(ops: number[]): number[] {
  return [0xb9, 0x2c, 0x01, 0x00, 0x00, 0x01, 0xd8, ...ops, ...FOLD, 0x49, 0x75, -(2 + ops.length + FOLD.length + 3) & 0xff, 0xf4];
}

/** rol eax, 7; ror ebx, 13; rol edx, 1 (D1 /0); ror eax, 1 (D1 /1) — padded to 3 bytes each with NOPs. */
const ROTATES = [0xc1, 0xc0, 0x07, 0xc1, 0xcb, 0x0d, 0xd1, 0xc2, 0x90, 0xd1, 0xc8, 0x90];
/** The same shape with ADDs (always inline): the call-out baseline. */
const ADDS = [0x83, 0xc0, 0x07, 0x83, 0xc3, 0x0d, 0x01, 0xc2, 0x90, 0x01, 0xc0, 0x90];

function run(ops: number[]): { states: string[]; callOutBytes: number } {
  let before = 0;
  const { states, machines } = onEveryEngine((m, engine) => {
    code(m, loop(ops));
    m.cpu.reg[0] = 0x9e3779b9;
    m.cpu.reg[3] = 0x7f4a7c15;
    m.cpu.reg[2] = 0x80000001;
    if (engine === "jit") before = jitStats.callOutBytes;
  });
  // The JIT runs last (ENGINES order): everything compiled since `before` is its.
  expect(machines[ENGINES.indexOf("jit")]!.cpu.jitCompiled).toBeGreaterThan(0);
  return { states, callOutBytes: jitStats.callOutBytes - before };
}

describe("ROL and ROR in compiled regions", () => {
  it("give the interpreter's registers and flags, keeping the ADD's SF/ZF/AF/PF", () => {
    // (onEveryEngine requires every engine's state to equal the interpreter's.)
    expect(run(ROTATES).states).toHaveLength(ENGINES.length);
  });

  it("compile without calling the interpreter's handler", () => {
    // Only HLT after the loop calls out, in both shapes.
    expect(run(ROTATES).callOutBytes).toBe(run(ADDS).callOutBytes);
  });
});
