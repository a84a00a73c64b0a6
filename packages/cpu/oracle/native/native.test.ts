// The native harness proven on cases whose results are known from the SDM definitions.
import { describe, expect, it } from "vitest";
import { AF, CASE_FLAGS, CF, DF, fromHex, MEM_BASE, OF, PF, SF, STATUS_FLAGS, ZF, type NativeCase } from "./native-case.js";
import { nativeUnavailableReason, runNative } from "./native.js";

const why = nativeUnavailableReason();
if (why !== null) console.warn(`skipping the native oracle tests: ${why}`);

const STACK = MEM_BASE + 0x800;
function regs(p: Partial<Record<"eax" | "ecx" | "edx" | "ebx" | "esp" | "ebp" | "esi" | "edi", number>>): number[] {
  return [p.eax ?? 0, p.ecx ?? 0, p.edx ?? 0, p.ebx ?? 0, p.esp ?? STACK, p.ebp ?? 0, p.esi ?? 0, p.edi ?? 0];
}
function one(code: string, r: number[], eflags = 0, mem?: NativeCase["mem"]): NativeCase {
  return mem === undefined ? { insns: [fromHex(code)], regs: r, eflags } : { insns: [fromHex(code)], regs: r, eflags, mem };
}

describe.skipIf(why !== null)("the native oracle runs instructions on the host CPU", () => {
  it("add al, bl: F0h + 20h = 10h with CF set, AF/ZF/SF/OF/PF clear", async () => {
    const [r] = await runNative([one("00d8", regs({ eax: 0xf0, ebx: 0x20 }))]);
    expect(r?.regs[0]).toBe(0x10);
    expect((r?.eflags ?? 0) & STATUS_FLAGS).toBe(CF);
  });

  it("add al, bl: 0Fh + 01h sets AF; 7Fh + 01h sets OF SF AF; FFh + 01h sets ZF CF AF PF", async () => {
    const rs = await runNative([
      one("00d8", regs({ eax: 0x0f, ebx: 0x01 })),
      one("00d8", regs({ eax: 0x7f, ebx: 0x01 })),
      one("00d8", regs({ eax: 0xff, ebx: 0x01 })),
    ]);
    expect(rs.map((r) => [r.regs[0], r.eflags & STATUS_FLAGS])).toEqual([
      [0x10, AF],
      [0x80, OF | SF | AF],
      [0x00, ZF | CF | AF | PF],
    ]);
  });

  it("adc eax, ebx consumes the incoming CF", async () => {
    const rs = await runNative([one("11d8", regs({ eax: 1, ebx: 2 }), CF), one("11d8", regs({ eax: 1, ebx: 2 }), 0)]);
    expect(rs.map((r) => r.regs[0])).toEqual([4, 3]);
  });

  it("sub eax, ebx: 0 - 1 borrows: FFFFFFFFh with CF SF AF PF", async () => {
    const [r] = await runNative([one("29d8", regs({ eax: 0, ebx: 1 }))]);
    expect(r?.regs[0]).toBe(0xffffffff);
    expect((r?.eflags ?? 0) & STATUS_FLAGS).toBe(CF | SF | AF | PF);
  });

  it("add [esi], eax writes the window and leaves registers", async () => {
    const [r] = await runNative([one("0106", regs({ eax: 0x01010101, esi: MEM_BASE + 0x10 }), 0, [{ offset: 0x10, bytes: fromHex("78563412") }])]);
    expect(Array.from(r?.mem.subarray(0x10, 0x14) ?? [])).toEqual([0x79, 0x57, 0x35, 0x13]);
    expect(r?.regs[6]).toBe(MEM_BASE + 0x10);
  });

  it("std; rep movsb copies backwards and counts ECX down", async () => {
    const c: NativeCase = {
      insns: [fromHex("fd"), fromHex("f3a4")],
      regs: regs({ ecx: 3, esi: MEM_BASE + 0x102, edi: MEM_BASE + 0x202 }),
      eflags: 0,
      mem: [{ offset: 0x100, bytes: fromHex("aabbcc") }],
    };
    const [r] = await runNative([c]);
    expect(Array.from(r?.mem.subarray(0x200, 0x203) ?? [])).toEqual([0xaa, 0xbb, 0xcc]);
    expect([r?.regs[1], r?.regs[6], r?.regs[7]]).toEqual([0, MEM_BASE + 0xff, MEM_BASE + 0x1ff]);
    expect((r?.eflags ?? 0) & DF).toBe(DF);
  });

  it("push ebx lands below ESP in the window", async () => {
    const [r] = await runNative([one("53", regs({ ebx: 0xdeadbeef }))]);
    expect(r?.regs[4]).toBe(STACK - 4);
    expect(Array.from(r?.mem.subarray(0x7fc, 0x800) ?? [])).toEqual([0xef, 0xbe, 0xad, 0xde]);
  });

  it("div ecx with ECX=0 raises #DE (vector 0) at the first instruction with state unchanged", async () => {
    const [r] = await runNative([{ insns: [fromHex("40"), fromHex("f7f1"), fromHex("40")], regs: regs({ eax: 7 }), eflags: 0 }]);
    expect(r?.fault).toEqual({ vector: 0, errorCode: 0, insnIndex: 1, offset: 1 });
    expect(r?.regs[0]).toBe(8);
  });

  it("an access outside the window is a #PF with the user-mode error code", async () => {
    const [r] = await runNative([one("8b00", regs({ eax: 0x1000 }))]);
    expect(r?.fault?.vector).toBe(14);
    expect((r?.fault?.errorCode ?? 0) & 4).toBe(4);
  });

  it("ud2 raises #UD (vector 6)", async () => {
    const [r] = await runNative([one("0f0b", regs({}))]);
    expect(r?.fault?.vector).toBe(6);
  });

  it("tracing reports the state after every instruction", async () => {
    const c: NativeCase = { insns: [fromHex("40"), fromHex("40"), fromHex("f9")], regs: regs({}), eflags: 0 };
    const [r] = await runNative([c], { trace: true });
    expect(r?.steps?.map((s) => [s.regs[0], s.eflags & CF])).toEqual([
      [1, 0],
      [2, 0],
      [2, CF],
    ]);
  });

  it("flags outside the loadable set are not loaded", async () => {
    const [r] = await runNative([one("90", regs({}), 0xffffffff)]);
    expect((r?.eflags ?? 0) & CASE_FLAGS).toBe(CASE_FLAGS);
    expect((r?.eflags ?? 0) & 0x100).toBe(0); // TF never set
  });

  it("reports a case that never comes back instead of hanging", async () => {
    await expect(runNative([one("ebfe", regs({}))])).rejects.toThrow(/native case 0 did not come back.*ebfe/);
  });

  it("many cases go through one process in order", async () => {
    const cases = Array.from({ length: 500 }, (_, i) => one("05" + "01000000", regs({ eax: i })));
    const rs = await runNative(cases);
    expect(rs.map((r) => r.regs[0])).toEqual(cases.map((_, i) => i + 1));
  });
});
