/**
 * The JIT's code budget: compiled regions never hold more generated code than the budget, a full
 * buffer drops them all (tb_flush) and the code that is still hot is compiled again, and the guest
 * computes the same results throughout. Without the bound a Linux boot piled up regions until V8
 * did nothing but collect garbage (code-buffer.ts).
 */
import { describe, expect, it } from "vitest";
import { CaseMachine } from "../testing/case-machine.js";

const LOOPS = 120;
const PASSES = 3;

/**
 * PASSES times over LOOPS distinct counting loops (each its own region):
 * `mov ecx, 10+i; l: add eax, ecx; dec ecx; jnz l`, then `dec ebx; jnz outer`.
 */
function program(): { code: Uint8Array; eax: number } {
  const bytes: number[] = [0xbb, PASSES, 0, 0, 0]; // mov ebx, PASSES
  const outer = bytes.length;
  let perPass = 0;
  for (let i = 0; i < LOOPS; i++) {
    const n = 10 + i;
    bytes.push(0xb9, n, 0, 0, 0); // mov ecx, n
    bytes.push(0x01, 0xc8, 0x49, 0x75, 0xfb); // l: add eax, ecx; dec ecx; jnz l
    perPass += (n * (n + 1)) / 2;
  }
  bytes.push(0x4b); // dec ebx
  const rel = outer - (bytes.length + 6);
  bytes.push(0x0f, 0x85, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >> 24) & 0xff); // jnz outer
  return { code: Uint8Array.from(bytes), eax: (perPass * PASSES) >>> 0 };
}

function run(m: CaseMachine, code: Uint8Array): number {
  const out = m.run({ code, regs: [0, 0, 0, 0, 0x10000800, 0, 0, 0], eflags: 0, window: new Uint8Array(0x1000) });
  expect(out.fault).toBeUndefined();
  return out.regs[0]!;
}

describe("the JIT's code budget", () => {
  it("flushes every region when full, recompiles the hot ones, and the guest's results do not change", () => {
    const { code, eax } = program();
    const unlimited = new CaseMachine("jit");
    expect(run(unlimited, code)).toBe(eax);
    const perRegion = unlimited.cpu.jitCode.used / unlimited.cpu.jitCompiled;
    expect(unlimited.cpu.jitCode.flushes).toBe(0);

    const m = new CaseMachine("jit");
    // Room for about ten of these regions.
    m.cpu.jitCode.budget = Math.ceil(perRegion * 10);
    expect(run(m, code)).toBe(eax);
    expect(m.cpu.jitFailures, m.cpu.jitLastError).toBe(0);
    expect(m.cpu.jitCode.used).toBeLessThanOrEqual(m.cpu.jitCode.budget);
    // LOOPS regions per pass with room for ten: a flush about every ten compilations.
    expect(m.cpu.jitCode.flushes).toBeGreaterThanOrEqual(Math.floor((LOOPS * PASSES) / 10) - 1);
    // After a flush the loops were compiled again (each pass compiles every loop anew).
    expect(m.cpu.jitCompiled).toBeGreaterThanOrEqual(LOOPS * PASSES);
    // The same count as the interpreter: nothing was run twice or skipped around a flush.
    const interp = new CaseMachine("interpreter");
    expect(run(interp, code)).toBe(eax);
    expect(m.cpu.instructionsRetired).toBe(interp.cpu.instructionsRetired);
  });

  it("keeps no compiled region, and no block's list of regions, alive across a flush", () => {
    const { code } = program();
    const m = new CaseMachine("jit");
    run(m, code);
    const before = m.cpu.jitCompiled;
    expect(before).toBeGreaterThan(0);
    m.cpu.jitCode.flush();
    expect(m.cpu.jitCode.used).toBe(0);
    // Every entry block lost its region and its heat; the blocks it was made of forgot it.
    let regions = 0, users = 0;
    for (const list of m.cpu.blocks.frames()) {
      for (const b of list) {
        if (b.region !== null) regions++;
        users += b.usedBy.length;
      }
    }
    expect(regions).toBe(0);
    expect(users).toBe(0);
  });
});
