/**
 * The x87 as the integer core drives it: operands through segmentation and paging, #NM, #AC by
 * operand type, FXSAVE/FXRSTOR alignment, and FERR# through the CPU host when CR0.NE = 0.
 */
import { describe, expect, it } from "vitest";
import { STOP_EXCEPTION } from "../cpu.js";
import { EXC_AC, EXC_GP, EXC_NM } from "./exceptions.js";
import { CR0_AM, CR0_NE, CR0_TS, DS, FLAG_AC } from "./registers.js";
import { code, DATA, enterRing3, machine, runToHalt, SEL_FREE, setDescriptor, loadSelector, type TestMachine } from "../testing/test-machine.js";

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** Runs `bytes` to their end (any privilege level); the vector of the first exception, or -1. */
function exec(m: TestMachine, bytes: number[]): number {
  m.cpu.reportExceptions = true;
  code(m, bytes);
  const end = m.cpu.eip + bytes.length;
  while (m.cpu.eip !== end) {
    if (m.cpu.run(1) === STOP_EXCEPTION) return m.cpu.pendingVector;
  }
  return -1;
}

describe("x87 escapes on the integer core", () => {
  it("FLD1; FSTP qword [mem] stores 1.0 through the data segment", () => {
    const m = machine();
    expect(exec(m, [0xdb, 0xe3, 0xd9, 0xe8, 0xdd, 0x1d, ...u32(DATA)])).toBe(-1); // fninit; fld1; fstp qword [DATA]
    expect(m.mem.read32(DATA + 4) >>> 0).toBe(0x3ff00000);
    expect(m.mem.read32(DATA)).toBe(0);
  });

  it("FNSTSW AX writes AX only", () => {
    const m = machine();
    m.cpu.reg[0] = 0x12345678;
    expect(exec(m, [0xdb, 0xe3, 0xdf, 0xe0])).toBe(-1);
    expect(m.cpu.reg[0] >>> 0).toBe(0x12340000);
  });

  it("an operand beyond the segment limit is #GP (checked per access)", () => {
    const m = machine();
    setDescriptor(m, SEL_FREE, DATA, 0xfff, 0x93, 0x4);
    loadSelector(m, DS, SEL_FREE);
    expect(exec(m, [0xdd, 0x05, ...u32(0xffc)])).toBe(EXC_GP); // fld qword [0xffc]: bytes ffc..1003
    expect(exec(m, [0xd9, 0x05, ...u32(0xffc)])).toBe(-1); // fld dword [0xffc] fits
  });

  it("CR0.TS makes escapes and FXSAVE #NM", () => {
    const m = machine();
    m.cpu.cr0 |= CR0_TS;
    expect(exec(m, [0xd9, 0xe8])).toBe(EXC_NM);
    expect(exec(m, [0x0f, 0xae, 0x05, ...u32(DATA)])).toBe(EXC_NM);
  });

  it("FXSAVE/FXRSTOR need a 16-byte aligned operand and round-trip the x87 state", () => {
    const m = machine();
    expect(exec(m, [0x0f, 0xae, 0x05, ...u32(DATA + 8)])).toBe(EXC_GP);
    // fninit; fld1; fxsave [DATA]; fninit; fxrstor [DATA]; fstp dword [DATA+0x200]
    expect(exec(m, [0xdb, 0xe3, 0xd9, 0xe8, 0x0f, 0xae, 0x05, ...u32(DATA), 0xdb, 0xe3, 0x0f, 0xae, 0x0d, ...u32(DATA), 0xd9, 0x1d, ...u32(DATA + 0x200)])).toBe(-1);
    expect(m.mem.read16(DATA)).toBe(0x037f);
    expect(m.mem.read32(DATA + 0x200) >>> 0).toBe(0x3f800000);
  });

  it("alignment checking asks 8 bytes of an m64 operand and 4 of an m32 one at CPL 3", () => {
    const ring3 = (): TestMachine => {
      const m = machine();
      m.cpu.cr0 |= CR0_AM;
      enterRing3(m);
      m.cpu.setFlags(0x2 | FLAG_AC);
      return m;
    };
    expect(exec(ring3(), [0xdd, 0x05, ...u32(DATA + 4)])).toBe(EXC_AC);
    expect(exec(ring3(), [0xd9, 0x05, ...u32(DATA + 4)])).toBe(-1);
    expect(exec(ring3(), [0xd9, 0x05, ...u32(DATA + 2)])).toBe(EXC_AC);
  });

  it("with CR0.NE = 0 a pending unmasked exception asserts FERR# through the host and execution goes on", () => {
    const m = machine();
    let ferr = 0;
    m.cpu.host.signalFerr = () => ferr++;
    m.cpu.cr0 &= ~CR0_NE;
    // fninit; fldcw [DATA] (all exceptions unmasked); fldz; fld1; fdiv st0, st1 (#Z pending); fld1 (waits: FERR#)
    m.mem.write16(DATA, 0x0340);
    code(m, [0xdb, 0xe3, 0xd9, 0x2d, ...u32(DATA), 0xd9, 0xee, 0xd9, 0xe8, 0xd8, 0xf1, 0xd9, 0xe8, 0xf4]);
    runToHalt(m);
    expect(ferr).toBeGreaterThan(0);
  });
});
