// virtkit's CPU model as a runner of native oracle cases: the environment is the harness's (known
// answers without the host), then a 20 000-instruction differential slice against the host CPU.
import { describe, expect, it } from "vitest";
import { fuzz } from "../fuzz/fuzzer.js";
import { CASE_CODE_ADDRESS, fromHex, MEM_BASE, type NativeCase } from "./native-case.js";
import { nativeUnavailableReason } from "./native.js";
import { runVirtkit } from "./virtkit-cases.js";

const regs = (eax = 0, ebx = 0): number[] => [eax, 0, 0, ebx, MEM_BASE + 0xc00, 0, MEM_BASE + 0x400, MEM_BASE + 0x400];
const one = async (c: NativeCase) => {
  const [r] = await runVirtkit([c]);
  if (r === undefined) throw new Error("no result");
  return r;
};

describe("runVirtkit: the native harness's environment on the CPU model", () => {
  it("runs the instructions back to back and reports registers, flags and the window", async () => {
    // add eax, ebx; mov [esi], eax
    const r = await one({ insns: [fromHex("01d8"), fromHex("8906")], regs: regs(0xffffffff, 2), eflags: 0 });
    expect(r.fault).toBeUndefined();
    expect(r.regs[0]).toBe(1);
    // FFFFFFFFh + 2 = 1: CF (carry out), AF (carry out of bit 3); ZF SF OF clear; PF clear (one bit set)
    expect(r.eflags & 0x8d5).toBe(0x011);
    expect(r.mem[0x400]).toBe(1);
    expect(r.eflags & 0x202).toBe(0x202);
  });

  it("clears CF and OF after a logic instruction (AND/OR/XOR/TEST)", async () => {
    // stc; or eax, ebx  (the CF left by STC must not survive)
    const r = await one({ insns: [fromHex("f9"), fromHex("09d8")], regs: regs(1, 2), eflags: 0x801 });
    expect(r.eflags & 0x801).toBe(0);
  });

  it("reports a page fault outside the window with the user error code and the faulting instruction", async () => {
    // nop; mov eax, [0x20000000]
    const r = await one({ insns: [fromHex("90"), fromHex("a100000020")], regs: regs(), eflags: 0 });
    expect(r.fault).toEqual({ vector: 14, errorCode: 4, insnIndex: 1, offset: 1 });
  });

  it("reports #UD for LOCK on BT with a memory operand, before any state changes", async () => {
    // inc eax; lock bt [esi], eax
    const r = await one({ insns: [fromHex("40"), fromHex("f00fa306")], regs: regs(5), eflags: 0 });
    expect(r.fault).toEqual({ vector: 6, errorCode: 0, insnIndex: 1, offset: 1 });
    expect(r.regs[0]).toBe(6);
  });

  it("raises #AC for a misaligned access once a case sets EFLAGS.AC (CR0.AM is on, as under Linux)", async () => {
    // push 0x40000; popfd; mov eax, [esi+1]
    const r = await one({ insns: [fromHex("6800000400"), fromHex("9d"), fromHex("8b4601")], regs: regs(), eflags: 0 });
    expect(r.fault).toEqual({ vector: 17, errorCode: 0, insnIndex: 2, offset: 6 });
  });

  it("adjusts AAS over the whole of AX (the borrow reaches AH)", async () => {
    // AX = 1200h with AF set: AAS gives 100Ah
    const r = await one({ insns: [fromHex("3f")], regs: regs(0x1200), eflags: 0x10 });
    expect(r.regs[0]! & 0xffff).toBe(0x100a);
    expect(r.eflags & 0x11).toBe(0x11);
  });

  it("starts every case from the same machine state", async () => {
    const c: NativeCase = { insns: [fromHex("8b06"), fromHex("c70601000000")], regs: regs(), eflags: 0, mem: [{ offset: 0x400, bytes: fromHex("78563412") }] };
    const [a, b] = await runVirtkit([c, c]);
    expect(a?.regs[0]).toBe(0x12345678);
    expect(b).toEqual(a);
    expect(CASE_CODE_ADDRESS).toBe(0x30001000);
  });
});

const why = nativeUnavailableReason();
if (why !== null) console.warn(`skipping the differential slice of virtkit against the host CPU: ${why}`);

describe.skipIf(why !== null)("virtkit against the host CPU (native oracle)", () => {
  it("agrees on 20 000 random user-level instructions (all SDM-defined state)", async () => {
    const report = await fuzz({ seed: 20261127, cases: Number.MAX_SAFE_INTEGER, instructions: 20_000, runVirtkit });
    const shown = report.mismatches.slice(0, 5).map((m) => `${(m.minimised?.text ?? m.text).join("; ")}: ${(m.minimised?.differences ?? m.differences).join("; ")}`);
    expect(shown).toEqual([]);
    expect(report.instructions).toBeGreaterThanOrEqual(20_000);
  });
});
