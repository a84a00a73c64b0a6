/**
 * The JIT against the interpreter and the host CPU on the native oracle's random user-level
 * instruction sequences (oracle/fuzz/generator.ts), each run in one run() call so the JIT compiles
 * it (threshold 0): straight-line, and wrapped in a loop so the compiled loop iterates with flags,
 * memory operands, stack and string instructions, and faults at any iteration. Against the
 * interpreter everything must be identical (undefined flags included, faults with their EIP and
 * partial state, instruction counts); against the host (when `cc -m32` works) all SDM-defined state.
 */
import { describe, expect, it } from "vitest";
import { fuzz } from "../../oracle/fuzz/fuzzer.js";
import { generateCase } from "../../oracle/fuzz/generator.js";
import { Rng } from "../../oracle/fuzz/rng.js";
import { caseCode, initialWindow, type CaseResult, type CaseRunner, type NativeCase } from "../../oracle/native/native-case.js";
import { nativeUnavailableReason } from "../../oracle/native/native.js";
import { CaseMachine, type CaseInput, type CaseOutcome } from "../testing/case-machine.js";

const CASES = Number(process.env.VIRTKIT_JIT_DIFF_CASES ?? 400);

function input(c: NativeCase, code = caseCode(c)): CaseInput {
  return { code, regs: c.regs, eflags: c.eflags, window: initialWindow(c) };
}

/** The case's instructions in a loop: `dec ebp; jns start` (EBP starts below 0x40 in generated cases). */
function looped(c: NativeCase): Uint8Array {
  const body = caseCode(c);
  const back = -(body.length + 1 + 2);
  const tail = back >= -128 ? [0x4d, 0x79, back & 0xff] : [0x4d, 0x0f, 0x89, ...le32(-(body.length + 1 + 6))];
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function describeOutcome(o: CaseOutcome): string {
  const hex = (v: number): string => (v >>> 0).toString(16);
  let memSum = 0;
  for (let i = 0; i < o.mem.length; i++) memSum = (Math.imul(memSum, 31) + o.mem[i]!) | 0;
  return `regs ${o.regs.map(hex).join(" ")} eflags ${hex(o.eflags)} retired ${o.retired} mem ${hex(memSum)} fault ${JSON.stringify(o.fault ?? null)}`;
}

function compareEngines(cases: number, seed: number, wrap: boolean): string[] {
  const rng = new Rng(seed);
  const interp = new CaseMachine("interpreter");
  const jit = new CaseMachine("jit");
  const problems: string[] = [];
  for (let i = 0; i < cases && problems.length < 5; i++) {
    const g = generateCase(rng);
    const inp = input(g.case, wrap ? looped(g.case) : undefined);
    const a = describeOutcome(interp.run(inp));
    const b = describeOutcome(jit.run(inp));
    if (a !== b) problems.push(`case ${i} (${g.insns.map((x) => x.text).join("; ")}${wrap ? "; dec ebp; jns start" : ""}):\n  interpreter ${a}\n  jit         ${b}`);
  }
  expect(jit.cpu.jitFailures, jit.cpu.jitLastError).toBe(0);
  expect(jit.cpu.jitCompiled).toBeGreaterThan(0);
  return problems;
}

describe("compiled code leaves exactly the interpreter's state", () => {
  it(`${CASES} straight-line cases`, () => {
    expect(compareEngines(CASES, 0x1234, false)).toEqual([]);
  });
  it(`${CASES} cases looped (dec ebp; jns): flags across the back edge, faults at any iteration`, () => {
    expect(compareEngines(CASES, 0x4321, true)).toEqual([]);
  });
});

/** A CaseRunner (oracle/native) that runs every case through the JIT. */
function jitRunner(): CaseRunner {
  const m = new CaseMachine("jit");
  return (cases) =>
    Promise.resolve(
      cases.map((c): CaseResult => {
        const o = m.run(input(c));
        const r: CaseResult = { regs: o.regs, eflags: o.eflags, mem: o.mem };
        if (o.fault !== undefined) r.fault = { ...o.fault, insnIndex: insnIndexAt(c, o.fault.offset) };
        return r;
      }),
    );
}

function insnIndexAt(c: NativeCase, offset: number): number {
  let at = 0;
  for (let i = 0; i < c.insns.length; i++) {
    const len = c.insns[i]?.length ?? 0;
    if (offset < at + len) return i;
    at += len;
  }
  return c.insns.length;
}

const why = nativeUnavailableReason();
if (why !== null) console.warn(`skipping the JIT's native differential slice: ${why}`);

describe.skipIf(why !== null)("the JIT against the host CPU (native oracle)", () => {
  it("agrees on 20 000 random user-level instructions (all SDM-defined state)", async () => {
    const report = await fuzz({ seed: 0x6a17, cases: 100_000, instructions: 20_000, runVirtkit: jitRunner(), maxMismatches: 5 });
    const shown = report.mismatches.slice(0, 5).map((m) => `${(m.minimised?.text ?? m.text).join("; ")}: ${(m.minimised?.differences ?? m.differences).join(", ")}`);
    expect(shown).toEqual([]);
    expect(report.instructions).toBeGreaterThanOrEqual(20_000);
  });
});
