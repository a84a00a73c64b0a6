// The fuzzer's parts proven: deterministic generation, the SDM flag masks, the cut before an
// undefined flag is consumed, the whole loop against the host CPU itself (must agree with
// itself), and the minimiser finding the one wrong instruction of a deliberately broken runner.
import { describe, expect, it } from "vitest";
import { AF, CF, fromHex, MEM_BASE, OF, PF, SF, ZF, type CaseResult, type CaseRunner, type NativeCase } from "../native/native-case.js";
import { nativeUnavailableReason, runNative } from "../native/native.js";
import { compareOutcome, prepare } from "./compare.js";
import { fuzz } from "./fuzzer.js";
import { generateCase, generateCases, shiftEffect, type FuzzCase, type GenInsn } from "./generator.js";
import { minimise } from "./minimise.js";
import { Rng } from "./rng.js";

const why = nativeUnavailableReason();
if (why !== null) console.warn(`skipping the fuzzer runs on the host CPU: ${why}`);

const ALL = CF | PF | AF | ZF | SF | OF;
const g = (hexBytes: string, text: string, reads: number, def: number, undef: number): GenInsn => ({
  bytes: fromHex(hexBytes),
  text,
  reads,
  effect: () => ({ def, undef }),
});
const regs = (eax = 0, ebx = 0): number[] => [eax, 0, 0, ebx, MEM_BASE + 0xc00, 0, MEM_BASE + 0x400, MEM_BASE + 0x400];
const fcase = (insns: GenInsn[], r = regs(), eflags = 0): FuzzCase => ({ case: { insns: insns.map((i) => i.bytes), regs: r, eflags }, insns });

describe("the instruction generator", () => {
  it("gives the same cases for the same seed and different ones for another", () => {
    const a = generateCases(new Rng(42), 50).map((c) => c.insns.map((i) => i.text).join("; "));
    const b = generateCases(new Rng(42), 50).map((c) => c.insns.map((i) => i.text).join("; "));
    const c = generateCases(new Rng(43), 50).map((x) => x.insns.map((i) => i.text).join("; "));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("keeps pointer registers inside the data window", () => {
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const c = generateCase(rng).case;
      for (const r of [4, 6, 7]) {
        expect(c.regs[r]).toBeGreaterThanOrEqual(MEM_BASE);
        expect(c.regs[r]).toBeLessThan(MEM_BASE + 0x1000);
      }
    }
  });

  it("never lets an instruction read a flag an earlier one left undefined (worst case)", () => {
    const rng = new Rng(9);
    for (let n = 0; n < 500; n++) {
      const c = generateCase(rng);
      let undef = 0;
      for (const i of c.insns) {
        expect(i.reads & undef, `${i.text} in ${c.insns.map((x) => x.text).join("; ")}`).toBe(0);
        const e = i.effect(undefined);
        undef = (undef & ~e.def) | e.undef;
      }
    }
  });
});

describe("the SDM flag semantics of shifts and rotates", () => {
  it("a masked count of 0 changes no flag", () => {
    expect(shiftEffect(4, 4, 32)).toEqual({ def: 0, undef: 0 });
    expect(shiftEffect(0, 1, 0)).toEqual({ def: 0, undef: 0 });
  });
  it("a count of 1 defines OF, larger counts leave OF undefined; shifts leave AF undefined", () => {
    expect(shiftEffect(5, 4, 1)).toEqual({ def: CF | SF | ZF | PF | OF, undef: AF });
    expect(shiftEffect(5, 4, 3)).toEqual({ def: CF | SF | ZF | PF, undef: AF | OF });
    expect(shiftEffect(1, 4, 1)).toEqual({ def: CF | OF, undef: 0 });
    expect(shiftEffect(1, 4, 5)).toEqual({ def: CF, undef: OF });
  });
  it("SHL/SHR by at least the operand width leave CF undefined, SAR does not", () => {
    expect(shiftEffect(4, 1, 9).undef & CF).toBe(CF);
    expect(shiftEffect(5, 2, 16).undef & CF).toBe(CF);
    expect(shiftEffect(7, 1, 9).undef & CF).toBe(0);
  });
});

describe.skipIf(why !== null)("the comparison against the host CPU", () => {
  it("masks the flags MUL leaves undefined and keeps CF/OF", async () => {
    const c = fcase([g("f7e3", "mul ebx", 0, CF | OF, SF | ZF | AF | PF)], regs(0x80000000, 2));
    const [t] = await runNative([c.case], { trace: true });
    const p = prepare(c, t!);
    expect(p.mask.flags & ALL).toBe(CF | OF);
    expect(p.native.regs[0]).toBe(0);
    expect(p.native.regs[2]).toBe(1);
  });

  it("cuts a case before an instruction that reads a flag left undefined (AND then DAA)", async () => {
    const c = fcase([g("21d8", "and eax, ebx", 0, ALL & ~AF, AF), g("27", "daa", AF | CF, ALL & ~OF, OF), g("40", "inc eax", 0, ALL & ~CF, 0)], regs(0x0f, 0x0f));
    const [t] = await runNative([c.case], { trace: true });
    const p = prepare(c, t!);
    expect(p.fuzzCase.insns.map((i) => i.text)).toEqual(["and eax, ebx"]);
    expect(p.mask.flags & AF).toBe(0);
    expect(p.native.regs[0]).toBe(0x0f);
  });

  it("reports a wrong register, flag and memory byte", () => {
    const ref: CaseResult = { regs: [1, 2, 3, 4, 5, 6, 7, 8], eflags: CF, mem: new Uint8Array(16) };
    const bad: CaseResult = { regs: [1, 2, 9, 4, 5, 6, 7, 8], eflags: 0, mem: new Uint8Array(16) };
    bad.mem[3] = 1;
    const d = compareOutcome(ref, bad, { flags: ALL, regs: 0xff });
    expect(d).toHaveLength(3);
    expect(d[0]).toMatch(/^edx: expected 00000003, got 00000009/);
    expect(d[1]).toMatch(/^eflags/);
    expect(d[2]).toMatch(/^memory 0x10000003/);
    expect(compareOutcome(ref, bad, { flags: 0, regs: 0xff & ~4 })).toHaveLength(1);
  });

  it("the whole loop finds no difference between the host CPU and itself", async () => {
    const report = await fuzz({ seed: 2024, cases: 1500, runVirtkit: (cases) => runNative(cases) });
    expect(report.ran).toBe(1500);
    expect(report.mismatches).toEqual([]);
  });

  it("minimises a failure of a broken runner to the one instruction it gets wrong", async () => {
    // a "CPU" that gets DAA wrong: after any case containing DAA its AL is off by one
    const broken: CaseRunner = async (cases: readonly NativeCase[]) => {
      const rs = await runNative(cases);
      return rs.map((r, i) => {
        const hasDaa = (cases[i]?.insns ?? []).some((b) => b.length === 1 && b[0] === 0x27);
        return hasDaa ? { ...r, regs: r.regs.map((v, k) => (k === 0 ? (v & ~0xff) | ((v + 1) & 0xff) : v)) } : r;
      });
    };
    const c = fcase(
      [g("b819000000", "mov eax, 0x19", 0, 0, 0), g("0409", "add al, 9", 0, ALL, 0), g("27", "daa", AF | CF, ALL & ~OF, OF), g("43", "inc ebx", 0, ALL & ~CF, 0), g("f8", "clc", 0, CF, 0)],
      regs(0, 5),
    );
    const report = await fuzz({ seed: 1, cases: 0, runVirtkit: broken });
    expect(report.mismatches).toEqual([]);
    const m = await minimise(c, broken);
    expect(m?.single).toBe(true);
    expect(m?.fuzzCase.insns.map((i) => i.text)).toEqual(["daa"]);
    // the single case starts from the native state before DAA: AL = 19h + 09h = 22h, AF set
    expect((m?.fuzzCase.case.regs[0] ?? 0) & 0xff).toBe(0x22);
    expect(m?.differences[0]).toMatch(/^eax: expected 00000028, got 00000029/);
  });
});
