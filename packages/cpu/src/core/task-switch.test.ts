/**
 * Hardware task switches beyond the tasks ROM: 16-bit TSSs, a V86 task, the T bit's debug trap,
 * CR3 and LDTR loading, a fault after the commit point (reported in the new task), and the
 * breakpoint enables a switch clears.
 */
import { describe, expect, it } from "vitest";
import { EXC_DB, EXC_TS } from "./exceptions.js";
import { CR0_PG, CR0_TS, CS, FLAG_NT, FLAG_VM, LDTR, TR } from "./registers.js";
import { DR6_BT } from "./debug.js";
import {
  code, CODE, frame, GDT, inHandler, machine, PAGE_DIR, runToHalt, SEL_CODE0, SEL_DATA0, SEL_FREE, SEL_TSS, setDescriptor,
  type TestMachine,
} from "../testing/test-machine.js";

const TSS2 = 0x4000;
const SEL_TSS2 = SEL_FREE;
const SEL_LDT = SEL_FREE + 8;
const TASK_CODE = 0x11000;

/** A 32-bit TSS for a ring-0 flat task starting at `eip`. */
function tss32(m: TestMachine, base: number, eip: number, extra: (base: number) => void = () => undefined): void {
  for (let i = 0; i < 0x68; i += 4) m.mem.write32(base + i, 0);
  m.mem.write32(base + 0x20, eip);
  m.mem.write32(base + 0x24, 2);
  m.mem.write32(base + 0x38, 0x7800);
  for (let s = 0; s < 6; s++) m.mem.write16(base + 0x48 + 4 * s, s === CS ? SEL_CODE0 : SEL_DATA0);
  m.mem.write16(base + 0x66, 0x68);
  extra(base);
}

/** jmp far SEL:0 / call far SEL:0 */
const jmpFar = (sel: number): number[] => [0xea, 0, 0, 0, 0, sel & 0xff, sel >>> 8];
const callFar = (sel: number): number[] => [0x9a, 0, 0, 0, 0, sel & 0xff, sel >>> 8];

describe("task switches", () => {
  it("CALL to a 16-bit TSS and IRET back: 16-bit state layout, back link, NT, busy bits", () => {
    const m = machine();
    // 16-bit TSS: IP at 14, FLAGS 16, AX..DI 18.., ES CS SS DS 34.., LDT 42.
    for (let i = 0; i < 0x2c; i += 2) m.mem.write16(TSS2 + i, 0);
    m.mem.write16(TSS2 + 14, TASK_CODE & 0xffff);
    m.mem.write16(TSS2 + 16, 2);
    m.mem.write16(TSS2 + 18, 0x1234);
    m.mem.write16(TSS2 + 26, 0x7000);
    // a 16-bit code segment based at TASK_CODE & ~0xffff so IP fits in 16 bits
    setDescriptor(m, SEL_FREE + 16, TASK_CODE & 0xffff0000, 0xffff, 0x9b, 0);
    // and a 16-bit stack segment: the 16-bit TSS gives SP (the upper half of ESP reads as FFFFh)
    setDescriptor(m, SEL_FREE + 24, 0, 0xffff, 0x93, 0);
    m.mem.write16(TSS2 + 34, SEL_DATA0);
    m.mem.write16(TSS2 + 36, SEL_FREE + 16);
    m.mem.write16(TSS2 + 38, SEL_FREE + 24);
    m.mem.write16(TSS2 + 40, SEL_DATA0);
    setDescriptor(m, SEL_TSS2, TSS2, 0x2b, 0x81, 0);
    // task: push ax (0x1234) to prove the 16-bit registers; iret
    m.mem.writeBytes(TASK_CODE, [0x50, 0xcf]);
    code(m, [...callFar(SEL_TSS2), 0xf4]);
    m.cpu.reg[0] = 0x55aa55aa;
    runToHalt(m);
    expect(m.cpu.eip).toBe(CODE + 8);
    expect(m.cpu.segSel[TR]).toBe(SEL_TSS);
    expect(m.cpu.reg[0]).toBe(0x55aa55aa);
    expect(m.mem.read16(TSS2)).toBe(SEL_TSS); // back link
    expect(m.mem.read16(0x6ffe)).toBe(0x1234); // the task's push
    expect(m.mem.read16(TSS2 + 18)).toBe(0x1234); // its AX saved on the way out
    expect(m.mem.read16(TSS2 + 16) & FLAG_NT).toBe(0); // NT cleared in the saved FLAGS by IRET
    expect((m.mem.read8(GDT + SEL_TSS2 + 5) >>> 1) & 1).toBe(0);
    expect((m.mem.read8(GDT + SEL_TSS + 5) >>> 1) & 1).toBe(1);
    expect(m.cpu.cr0 & CR0_TS).toBe(CR0_TS);
  });

  it("a TSS with the T bit set traps into #DB (DR6.BT) before the new task's first instruction", () => {
    const m = machine();
    tss32(m, TSS2, TASK_CODE, (b) => m.mem.write16(b + 0x64, 1));
    setDescriptor(m, SEL_TSS2, TSS2, 0x67, 0x89, 0);
    m.mem.writeBytes(TASK_CODE, [0x90, 0xf4]);
    code(m, jmpFar(SEL_TSS2));
    runToHalt(m);
    expect(inHandler(m, EXC_DB)).toBe(true);
    expect(frame(m).eip).toBe(TASK_CODE);
    expect(m.cpu.dr[6]! & DR6_BT).toBe(DR6_BT);
  });

  it("a switch loads CR3 (with paging) and LDTR from the new TSS, and clears the local breakpoint enables", () => {
    const m = machine({ paging: true });
    // a second page directory aliasing the first (same page table)
    const pd2 = 0x102000;
    m.mem.write32(pd2, m.mem.read32(PAGE_DIR));
    setDescriptor(m, SEL_LDT, 0x5000, 0x7f, 0x82, 0);
    tss32(m, TSS2, TASK_CODE, (b) => {
      m.mem.write32(b + 0x1c, pd2);
      m.mem.write16(b + 0x60, SEL_LDT);
    });
    setDescriptor(m, SEL_TSS2, TSS2, 0x67, 0x89, 0);
    m.mem.writeBytes(TASK_CODE, [0xf4]);
    m.cpu.dr[7] = 0x400 | 0x1ff;
    code(m, jmpFar(SEL_TSS2));
    runToHalt(m);
    expect(m.cpu.eip).toBe(TASK_CODE + 1);
    expect(m.cpu.cr3).toBe(pd2);
    expect(m.cpu.cr0 & CR0_PG).toBe(CR0_PG);
    expect(m.cpu.segSel[LDTR]).toBe(SEL_LDT);
    expect(m.cpu.segBase[LDTR]).toBe(0x5000);
    expect(m.cpu.dr[7] & 0x1ff).toBe(0xaa);
    // the old task's state: EIP after the JMP
    expect(m.mem.read32(0x3000 + 0x20)).toBe(CODE + 7);
  });

  it("a bad SS in the new TSS faults after the commit point: #TS(SS) in the new task, at its EIP", () => {
    const m = machine();
    tss32(m, TSS2, TASK_CODE, (b) => m.mem.write16(b + 0x50, SEL_CODE0));
    setDescriptor(m, SEL_TSS2, TSS2, 0x67, 0x89, 0);
    // The #TS is delivered through the new task's ring-0 stack (ESP0 of TSS2).
    m.mem.write32(TSS2 + 4, 0x7c00);
    m.mem.write32(TSS2 + 8, SEL_DATA0);
    code(m, jmpFar(SEL_TSS2));
    runToHalt(m);
    expect(inHandler(m, EXC_TS)).toBe(true);
    const f = frame(m, true);
    expect(f.error).toBe(SEL_CODE0);
    expect(f.eip).toBe(TASK_CODE);
    expect(m.cpu.segSel[TR]).toBe(SEL_TSS2);
  });

  it("a TSS whose EFLAGS has VM set starts a virtual-8086 task", () => {
    const m = machine();
    tss32(m, TSS2, 0x0100, (b) => {
      m.mem.write32(b + 0x24, 2 | FLAG_VM);
      for (let s = 0; s < 6; s++) m.mem.write16(b + 0x48 + 4 * s, 0x1100);
      m.mem.write32(b + 0x38, 0xfffe);
      // the ring-0 stack an exception from V86 mode switches to
      m.mem.write32(b + 4, 0x7c00);
      m.mem.write32(b + 8, SEL_DATA0);
    });
    setDescriptor(m, SEL_TSS2, TSS2, 0x67, 0x89, 0);
    // at 1100:0100 (linear 11100): mov ax, cs; then a privileged HLT -> #GP from V86
    m.mem.writeBytes(0x11100, [0x8c, 0xc8, 0xf4]);
    code(m, jmpFar(SEL_TSS2));
    runToHalt(m);
    expect(inHandler(m, 13)).toBe(true);
    const f = frame(m, true);
    expect(f.cs).toBe(0x1100);
    expect(f.eip).toBe(0x102);
    expect(f.eflags & FLAG_VM).toBe(FLAG_VM);
    expect(m.cpu.reg[0]! & 0xffff).toBe(0x1100);
  });
});
