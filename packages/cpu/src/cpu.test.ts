/**
 * Core behaviours of the processor: the LOCK prefix rules, page faults of accesses that straddle a
 * page boundary, alignment checking, the instruction length limit, the A20 gate and read-only memory.
 */
import { describe, expect, it } from "vitest";
import { STOP_EXCEPTION, STOP_SHUTDOWN } from "./cpu.js";
import { EXC_AC, EXC_GP, EXC_PF, EXC_UD } from "./core/exceptions.js";
import { PhysicalMemory } from "./core/physical-memory.js";
import { CR0_AM, FLAG_AC } from "./core/registers.js";
import { code, CODE, DATA, enterRing3, machine, PAGE_TABLE, runToHalt, type TestMachine } from "./testing/test-machine.js";

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** Runs one instruction with reportExceptions; returns the vector raised or -1. */
function exec(m: TestMachine, bytes: number[]): number {
  m.cpu.reportExceptions = true;
  code(m, [...bytes, 0xf4]);
  const r = m.cpu.run(1);
  return r === STOP_EXCEPTION ? m.cpu.pendingVector : -1;
}

describe("the LOCK prefix (SDM vol. 2A LOCK)", () => {
  // ModRM 06 = [esi], C0 = eax; ESI points at DATA.
  const allowed: [string, number[]][] = [
    ["lock add [mem], eax", [0xf0, 0x01, 0x06]],
    ["lock sbb byte [mem], al", [0xf0, 0x18, 0x06]],
    ["lock xor dword [mem], 1 (83 /6)", [0xf0, 0x83, 0x36, 0x01]],
    ["lock not dword [mem]", [0xf0, 0xf7, 0x16]],
    ["lock neg byte [mem]", [0xf0, 0xf6, 0x1e]],
    ["lock inc dword [mem]", [0xf0, 0xff, 0x06]],
    ["lock dec byte [mem]", [0xf0, 0xfe, 0x0e]],
    ["lock xchg [mem], eax", [0xf0, 0x87, 0x06]],
    ["lock bts [mem], eax", [0xf0, 0x0f, 0xab, 0x06]],
    ["lock btr [mem], eax", [0xf0, 0x0f, 0xb3, 0x06]],
    ["lock btc [mem], eax", [0xf0, 0x0f, 0xbb, 0x06]],
    ["lock bts [mem], 3 (0F BA /5)", [0xf0, 0x0f, 0xba, 0x2e, 0x03]],
    ["lock btc [mem], 3 (0F BA /7)", [0xf0, 0x0f, 0xba, 0x3e, 0x03]],
    ["lock xadd [mem], eax", [0xf0, 0x0f, 0xc1, 0x06]],
    ["lock cmpxchg [mem], ecx", [0xf0, 0x0f, 0xb1, 0x0e]],
    ["lock cmpxchg8b [mem]", [0xf0, 0x0f, 0xc7, 0x0e]],
  ];
  const refused: [string, number[]][] = [
    ["lock add eax, ebx (register destination)", [0xf0, 0x01, 0xd8]],
    ["lock add eax, [mem] (02/03: register destination)", [0xf0, 0x03, 0x06]],
    ["lock mov [mem], eax", [0xf0, 0x89, 0x06]],
    ["lock cmp [mem], eax", [0xf0, 0x39, 0x06]],
    ["lock cmp dword [mem], 1 (83 /7)", [0xf0, 0x83, 0x3e, 0x01]],
    ["lock test dword [mem], 1 (F7 /0)", [0xf0, 0xf7, 0x06, 1, 0, 0, 0]],
    ["lock mul dword [mem]", [0xf0, 0xf7, 0x26]],
    ["lock call [mem] (FF /2)", [0xf0, 0xff, 0x16]],
    ["lock nop", [0xf0, 0x90]],
    ["lock bt [mem], eax (0F A3)", [0xf0, 0x0f, 0xa3, 0x06]],
    ["lock bt [mem], 3 (0F BA /4)", [0xf0, 0x0f, 0xba, 0x26, 0x03]],
    ["lock bts eax, ecx (register)", [0xf0, 0x0f, 0xab, 0xc8]],
    ["lock xadd eax, ecx (register)", [0xf0, 0x0f, 0xc1, 0xc8]],
    ["lock movzx eax, byte [mem]", [0xf0, 0x0f, 0xb6, 0x06]],
    ["lock cpuid", [0xf0, 0x0f, 0xa2]],
    ["lock 0F C7 /6 [mem]", [0xf0, 0x0f, 0xc7, 0x36]],
  ];
  for (const [name, bytes] of allowed) {
    it(`accepts ${name}`, () => {
      const m = machine();
      m.cpu.reg[6] = DATA;
      expect(exec(m, bytes)).toBe(-1);
    });
  }
  for (const [name, bytes] of refused) {
    it(`refuses ${name} with #UD before any state changes`, () => {
      const m = machine();
      m.cpu.reg[6] = DATA;
      m.mem.write32(DATA, 0x11223344);
      expect(exec(m, bytes)).toBe(EXC_UD);
      expect(m.cpu.eip).toBe(CODE);
      expect(m.mem.read32(DATA)).toBe(0x11223344);
    });
  }
});

describe("accesses that straddle into a not-present page", () => {
  function straddle(): TestMachine {
    const m = machine({ paging: true });
    // Page DATA+0x1000 is not present.
    m.mem.write32(PAGE_TABLE + ((DATA + 0x1000) >>> 12) * 4, 0);
    m.cpu.flushTlb(true);
    return m;
  }
  it("a dword read at page end - 2 faults with CR2 = the start of the missing page", () => {
    const m = straddle();
    expect(exec(m, [0xa1, ...u32(DATA + 0xffe)])).toBe(EXC_PF);
    expect(m.cpu.cr2 >>> 0).toBe(DATA + 0x1000);
    expect(m.cpu.pendingError).toBe(0);
  });
  it("a dword write at page end - 3 faults the same way and writes no byte of the present page", () => {
    const m = straddle();
    m.mem.write32(DATA + 0xffc, 0);
    m.cpu.reg[0] = -1;
    expect(exec(m, [0xa3, ...u32(DATA + 0xffd)])).toBe(EXC_PF);
    expect(m.cpu.cr2 >>> 0).toBe(DATA + 0x1000);
    expect(m.cpu.pendingError).toBe(2);
    expect(m.mem.read32(DATA + 0xffc)).toBe(0);
  });
  it("a word read at the last byte of a page", () => {
    const m = straddle();
    expect(exec(m, [0x66, 0xa1, ...u32(DATA + 0xfff)])).toBe(EXC_PF);
    expect(m.cpu.cr2 >>> 0).toBe(DATA + 0x1000);
  });
});

describe("alignment checking (#AC)", () => {
  function ring3ac(): TestMachine {
    const m = machine();
    m.cpu.cr0 |= CR0_AM;
    enterRing3(m);
    m.cpu.setFlags(0x2 | FLAG_AC);
    return m;
  }
  it("is raised at CPL 3 with CR0.AM and EFLAGS.AC for misaligned words, dwords and CMPXCHG8B quadwords", () => {
    expect(exec(ring3ac(), [0xa1, ...u32(DATA + 1)])).toBe(EXC_AC);
    expect(exec(ring3ac(), [0x66, 0xa3, ...u32(DATA + 3)])).toBe(EXC_AC);
    const m = ring3ac();
    m.cpu.reg[6] = DATA + 4;
    expect(exec(m, [0x0f, 0xc7, 0x0e])).toBe(EXC_AC);
    expect(m.cpu.pendingError).toBe(0);
  });
  it("checks stack pushes at CPL 3", () => {
    const m = ring3ac();
    m.cpu.reg[4] = m.cpu.reg[4]! - 1;
    expect(exec(m, [0x50])).toBe(EXC_AC);
  });
  it("is not raised for aligned accesses, bytes, at CPL 0, or with AC or AM clear", () => {
    expect(exec(ring3ac(), [0xa1, ...u32(DATA + 4)])).toBe(-1);
    expect(exec(ring3ac(), [0xa0, ...u32(DATA + 1)])).toBe(-1);
    const m0 = machine();
    m0.cpu.cr0 |= CR0_AM;
    m0.cpu.setFlags(0x2 | FLAG_AC);
    expect(exec(m0, [0xa1, ...u32(DATA + 1)])).toBe(-1);
    const noAc = ring3ac();
    noAc.cpu.setFlags(0x2);
    expect(exec(noAc, [0xa1, ...u32(DATA + 1)])).toBe(-1);
  });
  it("follows EFLAGS.AC as POPF changes it", () => {
    const m = machine();
    m.cpu.cr0 |= CR0_AM;
    enterRing3(m);
    // push 0x40002; popfd; mov eax, [DATA+1]
    code(m, [0x68, ...u32(0x40002), 0x9d, 0xa1, ...u32(DATA + 1)]);
    runToHalt(m);
    expect(m.cpu.eflags & FLAG_AC).toBe(FLAG_AC);
  });
});

describe("instruction length", () => {
  it("an instruction of 15 bytes runs; 16 bytes (prefixes included) is #GP(0)", () => {
    const m = machine();
    // 14 segment-override prefixes + NOP = 15 bytes
    expect(exec(m, [...new Array<number>(14).fill(0x3e), 0x90])).toBe(-1);
    const n = machine();
    expect(exec(n, [...new Array<number>(15).fill(0x3e), 0x90])).toBe(EXC_GP);
    expect(n.cpu.pendingError).toBe(0);
    expect(n.cpu.eip).toBe(CODE);
  });
});

describe("the A20 gate and read-only memory", () => {
  it("changing cpu.a20 drops translations made under the old setting", () => {
    const m = machine();
    m.mem.write8(0x100000 + DATA, 0xaa);
    m.mem.write8(DATA, 0x55);
    expect(exec(m, [0xa0, ...u32(0x100000 + DATA)])).toBe(-1);
    expect(m.cpu.reg[0]! & 0xff).toBe(0xaa);
    m.cpu.a20 = false;
    expect(exec(m, [0xa0, ...u32(0x100000 + DATA)])).toBe(-1);
    expect(m.cpu.reg[0]! & 0xff).toBe(0x55);
    m.cpu.a20 = true;
    expect(exec(m, [0xa0, ...u32(0x100000 + DATA)])).toBe(-1);
    expect(m.cpu.reg[0]! & 0xff).toBe(0xaa);
  });
  it("a ROM mapping reads like RAM and drops writes, on the fast and the slow path", () => {
    const mem = new PhysicalMemory();
    const rom = new Uint8Array(0x1000).fill(0x5a);
    mem.mapRom(0xf0000, rom.buffer);
    mem.write32(0xf0000, 0);
    mem.write8(0xf0004, 0);
    expect(mem.read32(0xf0000)).toBe(0x5a5a5a5a);
    expect(mem.read8(0xf0004)).toBe(0x5a);
    const m = machine();
    const chunk = new Uint8Array(0x1000).fill(0x77);
    m.mem.unmapRam(0x300000, 0x1000);
    m.mem.mapRom(0x300000, chunk.buffer);
    m.cpu.syncChunks();
    m.cpu.reg[0] = 0x12345678;
    expect(exec(m, [0xa3, ...u32(0x300000)])).toBe(-1);
    expect(exec(m, [0xa1, ...u32(0x300000)])).toBe(-1);
    expect(m.cpu.reg[0] >>> 0).toBe(0x77777777);
  });
});

describe("shutdown", () => {
  it("a triple fault stops with STOP_SHUTDOWN, stays shut down on the next run, and RESET leaves it", () => {
    const m = machine();
    m.cpu.idtrLimit = 0; // every delivery faults: #GP -> #DF -> triple fault
    code(m, [0x0f, 0x0b]);
    expect(m.cpu.run(10)).toBe(STOP_SHUTDOWN);
    expect(m.cpu.run(10)).toBe(STOP_SHUTDOWN);
    m.cpu.reset();
    expect(m.cpu.shutdown).toBe(false);
    expect(m.cpu.eip).toBe(0xfff0);
  });
});
