// The FPU as the integer core sees it: host interface, #NM/#MF/FERR, #UD, fault atomicity,
// stack faults, tags, EFLAGS, FXSAVE, pointers and a few known results. No native oracle needed.

import { describe, expect, it } from "vitest";
import { FPU_EX_IE, FPU_EX_PE, FPU_EX_ZE, FPU_SW_C1, FPU_SW_ES, FPU_SW_SF } from "./x87-control-status.js";
import { CR0_EM, CR0_MP, CR0_TS, EFLAGS_AF, EFLAGS_CF, EFLAGS_OF, EFLAGS_PF, EFLAGS_SF, EFLAGS_ZF, type X87Options } from "./x87-host.js";
import { X87 } from "./x87.js";
import { X87Fault as Fault, X87TestHost as Host } from "../testing/x87-test-host.js";

function setup(options: X87Options = {}): { f: X87; h: Host; x: (op: number, modrm: number, addr?: number) => void } {
  const h = new Host();
  const f = new X87(h, options);
  const x = (op: number, modrm: number, addr = 0): void => {
    f.checkDeviceNotAvailable(false);
    f.execute(op, modrm, addr, addr, 0x2b, 0x23, 0x1000, true, true);
  };
  return { f, h, x };
}

function faultOf(fn: () => void): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof Fault) return e.vector;
    throw e;
  }
  return -1;
}

function st(f: X87, i: number): string {
  const p = f.phys(i);
  return `${f.regSe[p]!.toString(16)}:${f.regHi[p]!.toString(16).padStart(8, "0")}${f.regLo[p]!.toString(16).padStart(8, "0")}`;
}

function loadDouble(h: Host, f: (op: number, modrm: number, addr?: number) => void, v: number, addr = 0x100): void {
  h.view.setFloat64(addr, v, true);
  f(0xdd, 0x00, addr); // FLD m64fp
}

describe("initial state and control word", () => {
  it("FNINIT: FCW 037F, FSW 0, every tag empty (SDM vol. 2A FINIT)", () => {
    const { f, h, x } = setup();
    x(0xd9, 0xe8); // FLD1
    x(0xdb, 0xe3); // FNINIT
    expect(f.cw).toBe(0x037f);
    expect(f.sw).toBe(0);
    expect(f.tw).toBe(0xffff);
    x(0xd9, 0x38, 0x10); // FNSTCW
    expect(h.view.getUint16(0x10, true)).toBe(0x037f);
  });

  it("power-on RESET: FCW 0040H, FSW 0, FTW 5555H (every register +0.0) — SDM vol. 3A Table 9-1", () => {
    const { f, x } = setup();
    x(0xd9, 0xeb);
    f.powerOnReset();
    expect([f.cw, f.sw, f.tw, f.tagValid]).toEqual([0x0040, 0, 0x5555, 0xff]);
  });

  it("FLDCW keeps bits 0-5, 8-12, forces bit 6 and clears 13-15", () => {
    const { f, h, x } = setup();
    h.view.setUint16(0x20, 0xffff, true);
    x(0xd9, 0x28, 0x20);
    expect(f.cw).toBe(0x1f7f);
    h.view.setUint16(0x20, 0, true);
    x(0xd9, 0x28, 0x20);
    expect(f.cw).toBe(0x0040);
  });

  it("the tag word is derived from the contents: valid, zero, special, empty", () => {
    const { f, h, x } = setup();
    x(0xd9, 0xe8); // R7 = 1.0 → valid (00)
    x(0xd9, 0xee); // R6 = 0.0 → zero (01)
    loadDouble(h, x, Infinity); // R5 = ∞ → special (10)
    expect(f.tw).toBe(0b00_01_10_11_11_11_11_11);
    x(0xdd, 0xc0); // FFREE st0 → empty
    expect(f.tw).toBe(0b00_01_11_11_11_11_11_11);
  });
});

describe("device-not-available and pending exceptions (SDM vol. 3A Table 2-2, vol. 1 §8.7)", () => {
  it("#NM on escape opcodes with EM or TS; on WAIT only with MP and TS", () => {
    const { f, h } = setup();
    h.cr0 = CR0_EM;
    expect(faultOf(() => f.checkDeviceNotAvailable(false))).toBe(7);
    expect(faultOf(() => f.checkDeviceNotAvailable(true))).toBe(-1);
    h.cr0 = CR0_TS;
    expect(faultOf(() => f.checkDeviceNotAvailable(false))).toBe(7);
    expect(faultOf(() => f.checkDeviceNotAvailable(true))).toBe(-1);
    h.cr0 = CR0_TS | CR0_MP;
    expect(faultOf(() => f.checkDeviceNotAvailable(true))).toBe(7);
    h.cr0 = CR0_MP;
    expect(faultOf(() => f.checkDeviceNotAvailable(false))).toBe(-1);
  });

  it("an unmasked zero-divide sets ES and #MF hits the next waiting instruction, not FNSTSW", () => {
    const { f, h, x } = setup();
    h.view.setUint16(0x20, 0x037b, true); // ZE unmasked
    x(0xd9, 0x28, 0x20);
    x(0xd9, 0xe8); // 1
    x(0xd9, 0xee); // 0
    x(0xde, 0xf9); // FDIVP st1, st0: 1/0
    expect(f.sw & (FPU_EX_ZE | FPU_SW_ES)).toBe(FPU_EX_ZE | FPU_SW_ES);
    expect(st(f, 1)).toBe("3fff:8000000000000000"); // unmasked ZE: destination and stack unchanged
    x(0xdf, 0xe0); // FNSTSW AX: no-wait
    expect(h.ax & 0xff).toBe(0x84);
    expect(faultOf(() => x(0xd9, 0xd0))).toBe(16); // FNOP waits
    expect(faultOf(() => f.fwait())).toBe(16);
    x(0xdb, 0xe2); // FNCLEX
    expect(faultOf(() => x(0xd9, 0xd0))).toBe(-1);
  });

  it("with CR0.NE = 0 the error is reported on FERR# (IRQ13) and execution continues", () => {
    const { f, h, x } = setup();
    h.cr0 = CR0_MP;
    h.view.setUint16(0x20, 0x037b, true);
    x(0xd9, 0x28, 0x20);
    x(0xd9, 0xe8);
    x(0xd9, 0xee);
    x(0xde, 0xf9);
    x(0xd9, 0xe8); // waiting instruction: FERR#, then it executes
    expect(h.ferr).toBe(1);
    expect(st(f, 0)).toBe("3fff:8000000000000000");
  });

  it("undefined encodings raise #UD; FISTTP needs SSE3", () => {
    const { x } = setup();
    for (const [op, modrm] of [
      [0xd9, 0xd1],
      [0xd9, 0xe2],
      [0xd9, 0x08],
      [0xda, 0xe8],
      [0xdb, 0x20],
      [0xdb, 0xf8],
      [0xdd, 0x28],
      [0xde, 0xd8],
      [0xdf, 0xe1],
    ] as const) {
      expect(faultOf(() => x(op, modrm)), `${op.toString(16)} ${modrm.toString(16)}`).toBe(6);
    }
    expect(faultOf(() => x(0xdb, 0x08, 0x40))).toBe(6);
    const { x: x3, h: h3 } = setup({ sse3: true });
    x3(0xd9, 0xe8);
    x3(0xdb, 0x08, 0x40); // FISTTP m32int
    expect(h3.view.getInt32(0x40, true)).toBe(1);
  });
});

describe("a fault in the middle of an instruction leaves the FPU untouched", () => {
  it("FSTP m80 on a missing page: no partial store, no pop", () => {
    const { f, h, x } = setup();
    x(0xd9, 0xeb); // FLDPI
    const before = [f.sw, f.tw, st(f, 0)];
    h.faultFrom = 0x2008; // the 10-byte store at 0x2000 crosses into the missing page
    expect(faultOf(() => x(0xdb, 0x38, 0x2000))).toBe(14);
    expect([f.sw, f.tw, st(f, 0)]).toEqual(before);
    expect(h.view.getUint32(0x2000, true)).toBe(0);
  });

  it("FNSAVE that faults does not reinitialise; FLD m64 that faults does not push", () => {
    const { f, h, x } = setup();
    x(0xd9, 0xe8);
    h.faultFrom = 0x3040;
    expect(faultOf(() => x(0xdd, 0x30, 0x3000))).toBe(14); // 108 bytes do not fit
    expect(f.tw).not.toBe(0xffff);
    expect(faultOf(() => x(0xdd, 0x00, 0x3040))).toBe(14);
    expect(f.top).toBe(7);
  });
});

describe("stack faults (SDM vol. 1 §8.5.1.1)", () => {
  it("overflow pushes the real indefinite with IE, SF and C1=1", () => {
    const { f, x } = setup();
    for (let i = 0; i < 8; i++) x(0xd9, 0xe8);
    x(0xd9, 0xe8);
    expect(st(f, 0)).toBe("ffff:c000000000000000");
    expect(f.sw & (FPU_EX_IE | FPU_SW_SF | FPU_SW_C1)).toBe(FPU_EX_IE | FPU_SW_SF | FPU_SW_C1);
  });

  it("underflow on an empty ST(1) gives the indefinite with C1=0", () => {
    const { f, x } = setup();
    x(0xd9, 0xe8);
    x(0xd8, 0xc1); // FADD st0, st1 (empty)
    expect(st(f, 0)).toBe("ffff:c000000000000000");
    expect(f.sw & (FPU_EX_IE | FPU_SW_SF | FPU_SW_C1)).toBe(FPU_EX_IE | FPU_SW_SF);
  });
});

describe("results", () => {
  it("FLDPI follows the rounding control; no PE", () => {
    for (const [rc, want] of [
      [0, "4000:c90fdaa22168c235"],
      [1, "4000:c90fdaa22168c234"],
      [2, "4000:c90fdaa22168c235"],
      [3, "4000:c90fdaa22168c234"],
    ] as const) {
      const { f, h, x } = setup();
      h.view.setUint16(0x20, 0x037f | (rc << 10), true);
      x(0xd9, 0x28, 0x20);
      x(0xd9, 0xeb);
      expect(st(f, 0), `RC=${rc}`).toBe(want);
      expect(f.sw & FPU_EX_PE).toBe(0);
    }
  });

  it("transcendentals of 0.5 give the correctly rounded values", () => {
    const cases: [string, number, number, string][] = [
      ["fsin", 0xd9, 0xfe, "3ffd:f57743a2582f7f44"],
      ["fcos", 0xd9, 0xff, "3ffe:e0a94032dbea7cee"],
      ["f2xm1", 0xd9, 0xf0, "3ffd:d413cccfe7799211"],
    ];
    for (const [name, op, modrm, want] of cases) {
      const { f, h, x } = setup();
      loadDouble(h, x, 0.5);
      x(op, modrm);
      expect(st(f, 0), name).toBe(want);
    }
    const { f, h, x } = setup();
    loadDouble(h, x, 0.5);
    x(0xd9, 0xf2); // FPTAN pushes 1.0 above tan(0.5)
    expect([st(f, 0), st(f, 1)]).toEqual(["3fff:8000000000000000", "3ffe:8bda7adf9a3a5219"]);
    loadDouble(h, x, 1, 0x108);
    loadDouble(h, x, 3, 0x110);
    x(0xd9, 0xf1); // FYL2X: 1 × log2(3)
    expect(st(f, 0)).toBe("3fff:cae00d1cfdeb43d0");
  });

  it("FCOMI writes ZF/PF/CF and clears OF/SF/AF", () => {
    const { h, x } = setup();
    loadDouble(h, x, 2);
    loadDouble(h, x, 1, 0x108);
    h.eflags = 0x202 | EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_ZF;
    x(0xdb, 0xf1); // FCOMI st0(1), st1(2): less
    expect(h.eflags & (EFLAGS_OF | EFLAGS_SF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_PF | EFLAGS_CF)).toBe(EFLAGS_CF);
  });

  it("FIST/FILD and FBSTP/FBLD round-trip integers and BCD", () => {
    const { f, h, x } = setup();
    h.view.setBigInt64(0x200, -1234567890123456789n, true);
    x(0xdf, 0x28, 0x200); // FILD m64
    x(0xd9, 0xc0); // FLD st0
    x(0xdf, 0x38, 0x210); // FISTP m64
    expect(h.view.getBigInt64(0x210, true)).toBe(-1234567890123456789n);
    h.view.setBigInt64(0x200, 987654321098765432n, true);
    x(0xdf, 0x28, 0x200);
    x(0xdf, 0x30, 0x220); // FBSTP
    expect(Buffer.from(h.mem.subarray(0x220, 0x22a)).toString("hex")).toBe("32547698103254769800");
    x(0xdf, 0x20, 0x220); // FBLD
    x(0xdf, 0x38, 0x230);
    expect(h.view.getBigInt64(0x230, true)).toBe(987654321098765432n);
    expect(f.top).toBe(7); // only the first FILD is left on the stack
  });
});

describe("FXSAVE/FXRSTOR image (SDM vol. 1 Table 10-2)", () => {
  it("stores the abridged tag byte and ST(i) in 16-byte slots, and restores them", () => {
    const { f, h, x } = setup();
    x(0xd9, 0xe8); // R7 = 1.0
    x(0xd9, 0xeb); // R6 = π
    f.fxsave(0x400);
    expect(h.mem[0x404]).toBe(0b1100_0000);
    expect(h.view.getUint16(0x400, true)).toBe(0x037f);
    expect(h.view.getUint16(0x402, true)).toBe(6 << 11);
    expect(h.view.getUint16(0x400 + 32 + 8, true)).toBe(0x4000); // ST0 = π
    expect(h.view.getUint16(0x400 + 48 + 8, true)).toBe(0x3fff); // ST1 = 1.0
    x(0xdb, 0xe3);
    f.fxrstor(0x400);
    expect([f.top, f.tw, st(f, 0), st(f, 1)]).toEqual([6, 0x0fff, "4000:c90fdaa22168c235", "3fff:8000000000000000"]);
  });
});

describe("last-instruction pointers (SDM vol. 1 §8.1.8, §8.1.9)", () => {
  it("classic model: FIP/FCS/FOP on every non-control instruction, FDP/FDS on memory forms", () => {
    const { f, h } = setup();
    h.view.setFloat64(0x500, 2, true);
    f.execute(0xdd, 0x05, 0x500, 0x1234, 0x2b, 0x23, 0x8000, true, true);
    expect([f.fip, f.fcs, f.fop, f.fdp, f.fds]).toEqual([0x8000, 0x23, 0x505, 0x1234, 0x2b]);
    f.execute(0xd9, 0xe1, 0, 0, 0, 0x1b, 0x9000, true, true); // FABS: no data pointer
    expect([f.fip, f.fcs, f.fop, f.fdp]).toEqual([0x9000, 0x1b, 0x1e1, 0x1234]);
    f.execute(0xd9, 0x38, 0x600, 0x600, 0x2b, 0x23, 0xa000, true, true); // FNSTCW: control
    expect(f.fip).toBe(0x9000);
  });

  it("FDP_EXCPTN_ONLY model: FOP/FDP only when an unmasked exception occurs, FCS/FDS zero", () => {
    const { f, h } = setup({ fdpOnUnmaskedExceptionOnly: true, fopOnUnmaskedExceptionOnly: true, fcsFdsDeprecated: true });
    h.view.setFloat64(0x500, 2, true);
    f.execute(0xdd, 0x05, 0x500, 0x1234, 0x2b, 0x23, 0x8000, true, true);
    expect([f.fip, f.fcs, f.fop, f.fdp]).toEqual([0x8000, 0, 0, 0]);
  });
});
