/**
 * Debug exceptions (SDM vol. 3B chapter 17): single-step traps from EFLAGS.TF, instruction breakpoints
 * (faults, suppressed once by EFLAGS.RF), data and I/O breakpoints (traps), DR7.GD, the MOV SS hold,
 * REP string instructions stopping after the iteration that hit, and RF in the frames of other faults.
 */
import { describe, expect, it } from "vitest";
import { STOP_BUDGET, STOP_EXCEPTION } from "../cpu.js";
import { EXC_BP, EXC_DB, EXC_UD } from "./exceptions.js";
import { CR4_DE, FLAG_RF, FLAG_TF } from "./registers.js";
import { DR6_B0, DR6_BD, DR6_BS, DR7_GD } from "./debug.js";
import { code, CODE, DATA, frame, inHandler, machine, runToHalt, SEL_DATA0, type TestMachine } from "../testing/test-machine.js";

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const movEax = (v: number): number[] => [0xb8, ...u32(v)];
const SET_TF = [0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d]; // pushfd; or dword [esp], 0x100; popfd
const MOV_DR0_EAX = [0x0f, 0x23, 0xc0];
const MOV_DR1_EAX = [0x0f, 0x23, 0xc8];
const MOV_DR7_EAX = [0x0f, 0x23, 0xf8];

function dr6(m: TestMachine): number {
  return m.cpu.dr[6]! & 0xe00f;
}

describe("single-step traps (EFLAGS.TF)", () => {
  it("POPF that sets TF: the trap comes after the next instruction, with EIP after it and DR6.BS", () => {
    const m = machine();
    code(m, [...SET_TF, 0x90, 0x90, 0xf4]);
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    const f = frame(m);
    expect(f.eip).toBe(CODE + SET_TF.length + 1);
    expect(f.eflags & FLAG_TF).toBe(FLAG_TF);
    expect(dr6(m)).toBe(DR6_BS);
    // The interrupt gate cleared TF: the handler itself is not single-stepped.
    expect(m.cpu.eflags & FLAG_TF).toBe(0);
  });

  it("an instruction that clears TF still traps after itself", () => {
    const m = machine();
    // popfd with TF clear on the stack, started with TF set
    code(m, [0x6a, 0x02, 0x9d, 0xf4]);
    m.cpu.setFlags(0x2);
    m.cpu.eip = CODE + 2;
    m.cpu.reg[4] = m.cpu.reg[4]! - 4;
    m.mem.write32(m.cpu.reg[4], 2);
    m.cpu.setFlags(0x2 | FLAG_TF);
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    expect(frame(m).eip).toBe(CODE + 3);
    expect(frame(m).eflags & FLAG_TF).toBe(0);
  });

  it("INT n is not followed by a single-step trap (the gate clears TF, the pending trap is dropped)", () => {
    const m = machine();
    code(m, [...SET_TF, 0xcd, 0x40]);
    runToHalt(m);
    expect(inHandler(m, 0x40)).toBe(true);
  });

  it("a faulting instruction reports its fault, not a single step", () => {
    const m = machine();
    code(m, [...SET_TF, 0x0f, 0x0b]);
    runToHalt(m);
    expect(inHandler(m, EXC_UD)).toBe(true);
    expect(frame(m).eip).toBe(CODE + SET_TF.length);
  });

  it("MOV SS holds the trap back until after the following instruction", () => {
    const m = machine();
    // mov ss, ax; nop; nop; hlt, started with TF set: one #DB, after the NOP that follows MOV SS
    code(m, [0x8e, 0xd0, 0x90, 0x90, 0xf4]);
    m.cpu.reg[0] = SEL_DATA0;
    m.cpu.setFlags(0x2 | FLAG_TF);
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    expect(frame(m).eip).toBe(CODE + 3);
    expect(dr6(m)).toBe(DR6_BS);
  });
});

describe("instruction breakpoints", () => {
  const target = CODE + 0x40;
  function armed(): TestMachine {
    const m = machine();
    code(m, [...movEax(target), ...MOV_DR0_EAX, ...movEax(1), ...MOV_DR7_EAX, 0xe9, ...u32(target - (CODE + 21))]);
    m.mem.writeBytes(target, [0x90, 0xf4]);
    return m;
  }

  it("fault before the instruction: EIP at it, DR6.B0, and RF clear in the frame", () => {
    const m = armed();
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    const f = frame(m);
    expect(f.eip).toBe(target);
    expect(f.eflags & FLAG_RF).toBe(0);
    expect(dr6(m)).toBe(DR6_B0);
  });

  it("EFLAGS.RF lets the instruction run once, then RF is clear", () => {
    const m = armed();
    runToHalt(m);
    // Resume at the breakpoint as an IRET with RF set in the image would.
    m.cpu.reg[4] = m.cpu.reg[4]! + 16;
    m.cpu.halted = false;
    m.cpu.eip = target;
    m.cpu.setFlags(0x2 | FLAG_RF);
    runToHalt(m);
    expect(m.cpu.eip).toBe(target + 2);
    expect(m.cpu.eflags & FLAG_RF).toBe(0);
  });

  it("a disabled breakpoint does not fire", () => {
    const m = armed();
    m.mem.writeBytes(CODE + 8, movEax(0));
    runToHalt(m);
    expect(m.cpu.eip).toBe(target + 2);
  });
});

describe("data and I/O breakpoints", () => {
  it("a write breakpoint traps after the writing instruction; reads do not match it", () => {
    const m = machine();
    const bp = [...movEax(DATA + 0x40), ...MOV_DR1_EAX, ...movEax(0x00d00004), ...MOV_DR7_EAX];
    // mov eax, [DATA+0x40] (read: no trap); mov byte [DATA+0x42], 2 (write inside the 4-byte range: trap)
    code(m, [...bp, 0xa1, ...u32(DATA + 0x40), 0xc6, 0x05, ...u32(DATA + 0x42), 0x02, 0x90, 0xf4]);
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    expect(frame(m).eip).toBe(CODE + bp.length + 5 + 7);
    expect(dr6(m)).toBe(DR6_B0 << 1);
  });

  it("REP STOSB stops after the iteration that hit: EIP at the instruction, ECX the remaining count", () => {
    const m = machine();
    const bp = [...movEax(DATA + 5), ...MOV_DR0_EAX, ...movEax(0x00010001), ...MOV_DR7_EAX];
    // mov edi, DATA; mov ecx, 16; xor eax, eax; rep stosb
    const pre = [0xbf, ...u32(DATA), 0xb9, ...u32(16), 0x31, 0xc0];
    code(m, [...bp, ...pre, 0xf3, 0xaa, 0xf4]);
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    expect(frame(m).eip).toBe(CODE + bp.length + pre.length);
    expect(m.cpu.reg[1]).toBe(10);
    expect(m.cpu.reg[7]).toBe(DATA + 6);
  });

  it("an I/O breakpoint (R/W=10) needs CR4.DE and traps after OUT", () => {
    const m = machine();
    m.cpu.cr4 |= CR4_DE;
    const bp = [...movEax(0xe9), ...MOV_DR0_EAX, ...movEax(0x00020002), ...MOV_DR7_EAX];
    code(m, [...bp, 0x66, 0xba, 0xe9, 0x00, 0xee, 0x90, 0xf4]);
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    expect(frame(m).eip).toBe(CODE + bp.length + 5);
    expect(m.out).toEqual([[0xe9, 1, 0x02]]);
    // Without CR4.DE the same setting never matches.
    const n = machine();
    code(n, [...bp, 0x66, 0xba, 0xe9, 0x00, 0xee, 0x90, 0xf4]);
    runToHalt(n);
    expect(n.cpu.eip).toBe(CODE + bp.length + 7);
  });
});

describe("DR7.GD and fault frames", () => {
  it("general detect: a MOV from DR0 faults with DR6.BD, EIP at the MOV, and GD is cleared", () => {
    const m = machine();
    m.cpu.dr[7] = 0x400 | DR7_GD;
    code(m, [0x0f, 0x21, 0xc0, 0xf4]);
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    expect(frame(m).eip).toBe(CODE);
    expect(dr6(m)).toBe(DR6_BD);
    expect(m.cpu.dr[7] & DR7_GD).toBe(0);
  });

  it("fault-class exceptions other than #DB push EFLAGS with RF set; traps (#BP) do not", () => {
    const m = machine();
    code(m, [0x0f, 0x0b]);
    runToHalt(m);
    expect(inHandler(m, EXC_UD)).toBe(true);
    expect(frame(m).eflags & FLAG_RF).toBe(FLAG_RF);
    expect(m.cpu.eflags & FLAG_RF).toBe(0);
    const n = machine();
    code(n, [0xcc]);
    runToHalt(n);
    expect(inHandler(n, EXC_BP)).toBe(true);
    expect(frame(n).eflags & FLAG_RF).toBe(0);
  });
});

describe("debug traps with reportExceptions (instruction emulators)", () => {
  it("run(1) over an instruction with TF reports the single-step trap at once, EIP after it", () => {
    const m = machine();
    m.cpu.reportExceptions = true;
    code(m, [0x90, 0x90]);
    m.cpu.setFlags(0x2 | FLAG_TF);
    expect(m.cpu.run(1)).toBe(STOP_EXCEPTION);
    expect([m.cpu.pendingVector, m.cpu.pendingError, m.cpu.eip]).toEqual([EXC_DB, -1, CODE + 1]);
    expect(m.cpu.dr[6]! & DR6_BS).toBe(DR6_BS);
  });

  it("a faulting instruction leaves no stale trap behind for the next run", () => {
    const m = machine();
    m.cpu.reportExceptions = true;
    code(m, [0x0f, 0x0b]);
    m.cpu.setFlags(0x2 | FLAG_TF);
    expect(m.cpu.run(1)).toBe(STOP_EXCEPTION);
    expect(m.cpu.pendingVector).toBe(EXC_UD);
    m.cpu.setFlags(0x2);
    code(m, [0x90]);
    expect(m.cpu.run(1)).toBe(STOP_BUDGET);
  });
});
