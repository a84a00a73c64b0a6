/**
 * Event delivery details: a fault while delivering INT n is reported at the INT instruction (ring 3
 * through a DPL 0 gate, V86 mode), and the reported error code is -1 whenever the exception has none.
 */
import { describe, expect, it } from "vitest";
import { STOP_EXCEPTION } from "../cpu.js";
import { EXC_GP, EXC_UD } from "./exceptions.js";
import { CS, DS, ES, FLAG_VM, SS } from "./registers.js";
import { code, CODE, enterRing3, frame, inHandler, machine, runToHalt, setDescriptor, setGate, SEL_CODE0, SEL_FREE, STUBS } from "../testing/test-machine.js";

describe("INT n privilege checks report the INT instruction", () => {
  it("ring 3 through a DPL 0 gate: #GP(vector*8+2) with EIP at the INT", () => {
    const m = machine();
    setGate(m, 0x41, SEL_CODE0, STUBS + 0x41 * 4, 0xe, 0);
    enterRing3(m);
    code(m, [0x90, 0xcd, 0x41, 0xf4]);
    runToHalt(m);
    expect(inHandler(m, EXC_GP)).toBe(true);
    const f = frame(m, true);
    expect(f.error).toBe(0x41 * 8 + 2);
    expect(f.eip).toBe(CODE + 1);
    expect(f.cs).toBe(0x1b);
  });

  function v86(iopl: number): ReturnType<typeof machine> {
    const m = machine();
    setGate(m, 0x41, SEL_CODE0, STUBS + 0x41 * 4, 0xe, 0);
    m.mem.writeBytes(CODE, [0x90, 0xcd, 0x41, 0xf4]);
    m.cpu.setFlags(0x2 | FLAG_VM | (iopl << 12));
    for (const s of [ES, SS, DS]) m.cpu.loadRealSegment(s, 0);
    m.cpu.loadRealSegment(CS, CODE >>> 4);
    m.cpu.reg[4] = 0x7000;
    m.cpu.eip = 0;
    return m;
  }

  it("V86 mode at IOPL 3 through a DPL 0 gate: #GP(vector*8+2) at the INT", () => {
    const m = v86(3);
    runToHalt(m);
    expect(inHandler(m, EXC_GP)).toBe(true);
    expect(frame(m, true).error).toBe(0x41 * 8 + 2);
    expect(frame(m, true).eip).toBe(1);
    expect(frame(m, true).cs).toBe(CODE >>> 4);
  });

  it("V86 mode at IOPL 0 (no VME): #GP(0) at the INT", () => {
    const m = v86(0);
    runToHalt(m);
    expect(inHandler(m, EXC_GP)).toBe(true);
    expect(frame(m, true).error).toBe(0);
    expect(frame(m, true).eip).toBe(1);
  });
});

describe("reported exceptions", () => {
  it("carry pendingError -1 for vectors without an error code and in real mode", () => {
    const m = machine();
    m.cpu.reportExceptions = true;
    code(m, [0x0f, 0x0b]);
    expect(m.cpu.run(10)).toBe(STOP_EXCEPTION);
    expect([m.cpu.pendingVector, m.cpu.pendingError]).toEqual([EXC_UD, -1]);
    // mov cr0 at CPL 3: #GP(0) keeps its error code
    enterRing3(m);
    code(m, [0x0f, 0x22, 0xc0]);
    expect(m.cpu.run(10)).toBe(STOP_EXCEPTION);
    expect([m.cpu.pendingVector, m.cpu.pendingError]).toEqual([EXC_GP, 0]);
    // real mode: a limit violation is #GP with no error code on the stack
    const r = machine();
    r.cpu.reportExceptions = true;
    r.cpu.cr0 &= ~1;
    r.cpu.onModeChange();
    for (const s of [CS, DS]) r.cpu.loadRealSegmentRaw(s, 0, s === CS ? 0x9b : 0x93);
    code(r, [0x8b, 0x87, 0xff, 0xff], 0x1000); // mov ax, [bx+0xffff]: a word at offset FFFFh crosses the limit
    r.cpu.reg[3] = 0;
    expect(r.cpu.run(10)).toBe(STOP_EXCEPTION);
    expect([r.cpu.pendingVector, r.cpu.pendingError]).toEqual([EXC_GP, -1]);
  });
});

describe("gate checks", () => {
  it("a gate whose offset is beyond the target code segment's limit is #GP(0) before any push", () => {
    const m = machine();
    setDescriptor(m, SEL_FREE, 0, 0xfff, 0x9b, 0x4); // 4 KiB code segment
    setGate(m, 0x42, SEL_FREE, 0x2000, 0xe, 0);
    code(m, [0xcd, 0x42, 0xf4]);
    const sp = m.cpu.reg[4]!;
    runToHalt(m);
    expect(inHandler(m, EXC_GP)).toBe(true);
    const f = frame(m, true);
    expect(f.error).toBe(0);
    expect(f.eip).toBe(CODE);
    // only the #GP frame (vector, error, EIP, CS, EFLAGS) is on the stack
    expect(m.cpu.reg[4]).toBe(sp - 20);
  });
});
