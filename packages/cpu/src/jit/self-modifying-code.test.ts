/**
 * Translated and compiled code follows the code in memory: a guest patching code it already ran (in
 * the same block, in another block, through another linear alias of the frame, across a page
 * boundary), the host or a device writing code into RAM behind the processor's back (between runs,
 * and from a port-I/O callback in the middle of one), paging changes (INVLPG, CR3 loads; a stale TLB
 * entry used exactly as the interpreter uses it), and a fault inside a compiled loop. Every engine
 * must end exactly where the interpreter ends.
 */
import { describe, expect, it } from "vitest";
import { STOP_HLT } from "../cpu.js";
import { CR0_PG } from "../core/registers.js";
import { CODE, DATA, machine, PAGE_DIR, PAGE_TABLE, STUBS, type TestMachine } from "../testing/test-machine.js";
import { stateOf, useEngine, type Engine } from "../testing/engine-state.js";

type Variant = Engine | "jit-warm";
const VARIANTS: Variant[] = ["interpreter", "blocks", "jit", "jit-warm"];

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function make(variant: Variant, paging = false): TestMachine {
  const m = machine({ paging });
  if (variant === "jit-warm") {
    useEngine(m.cpu, "jit");
    // The default threshold: blocks run interpreted first, then compiled (the usual life of hot code).
    m.cpu.jitThreshold = 3;
  } else {
    useEngine(m.cpu, variant);
  }
  return m;
}

/** Runs `scenario` on every engine; returns the final states (the interpreter's first). */
function onEveryEngine(scenario: (m: TestMachine) => number, paging = false): { states: string[]; machines: TestMachine[] } {
  const states: string[] = [];
  const machines: TestMachine[] = [];
  for (const v of VARIANTS) {
    const m = make(v, paging);
    const stop = scenario(m);
    states.push(stateOf(m.cpu, stop, true));
    machines.push(m);
    expect(m.cpu.jitFailures, m.cpu.jitLastError).toBe(0);
  }
  return { states, machines };
}

function expectSameEverywhere(states: string[]): void {
  for (let i = 1; i < states.length; i++) expect(states[i], `${VARIANTS[i]} vs interpreter`).toBe(states[0]);
}

describe("self-modifying code", () => {
  it("a store into the block being executed changes the instructions after it in that block", () => {
    // l: mov [patch+2], cl ; patch: add eax, imm8 ; dec ecx ; jnz l ; hlt   (ECX = 100 down to 1)
    const patch = CODE + 13;
    const code = [0xb9, ...le32(100), 0x31, 0xc0, 0x88, 0x0d, ...le32(patch + 2), 0x83, 0xc0, 0x00, 0x49, 0x75, 0xf4, 0xf4];
    const { states, machines } = onEveryEngine((m) => {
      m.mem.writeBytes(CODE, code);
      m.cpu.eip = CODE;
      return m.cpu.run(100_000);
    });
    expectSameEverywhere(states);
    // Each ADD adds the CL its own iteration wrote: 100 + 99 + ... + 1.
    expect(machines[0]!.cpu.reg[0]).toBe(5050);
    expect(machines[0]!.cpu.halted).toBe(true);
  });

  it("a store into another block (a function called in a loop, patched between calls) is seen at the next call", () => {
    // l: call f ; mov [f+2], cl ; dec ecx ; jnz l ; hlt ; f: add eax, 7 ; ret
    const f = CODE + 5 + 14 + 1;
    const code = [0xb9, ...le32(100), 0xe8, ...le32(f - (CODE + 10)), 0x88, 0x0d, ...le32(f + 2), 0x49, 0x75, 0xf2, 0xf4, 0x83, 0xc0, 0x07, 0xc3];
    expect(code.length).toBe(f - CODE + 4);
    const { states, machines } = onEveryEngine((m) => {
      m.mem.writeBytes(CODE, code);
      m.cpu.eip = CODE;
      m.cpu.reg[0] = 0;
      return m.cpu.run(100_000);
    });
    expectSameEverywhere(states);
    // First call adds 7, then each call adds the CL stored after the previous one (100 .. 2).
    expect(machines[0]!.cpu.reg[0]).toBe(7 + 5049);
  });

  it("a store through another linear alias of the code's frame invalidates it (tracking is by physical frame)", () => {
    // Linear 0x400000 and 0x401000 both map the frame at DATA; the code runs at 0x400000 and patches
    // its loop's ADD immediate through 0x401000.
    const lin = 0x400000, alias = 0x401000;
    const body = [0xb9, ...le32(50), 0x31, 0xc0, 0x88, 0x0d, ...le32(alias + 15), 0x83, 0xc0, 0x00, 0x49, 0x75, 0xf4, 0xf4];
    const { states, machines } = onEveryEngine((m) => {
      m.mem.write32(PAGE_DIR + 4, (PAGE_TABLE + 0x1000) | 7);
      m.mem.write32(PAGE_TABLE + 0x1000, DATA | 7);
      m.mem.write32(PAGE_TABLE + 0x1004, DATA | 7);
      m.cpu.flushTlb(true);
      m.mem.writeBytes(DATA, body);
      m.cpu.eip = lin;
      return m.cpu.run(100_000);
    }, true);
    expectSameEverywhere(states);
    expect(machines[0]!.cpu.reg[0]).toBe((50 * 51) / 2);
  });

  it("a loop spanning two pages, patched in the second page", () => {
    // Page 1 (ends at CODE+0x1000): l: inc ebx ; jmp m (to the next page). Page 2: m: mov [k+2], cl ;
    // k: add eax, imm8 ; dec ecx ; jnz l ; hlt
    const l = CODE + 0xff8;
    const mAddr = CODE + 0x1000;
    const k = mAddr + 6;
    const m1 = [0x43, 0xe9, ...le32(mAddr - (l + 6))];
    const m2 = [0x88, 0x0d, ...le32(k + 2), 0x83, 0xc0, 0x00, 0x49, 0x0f, 0x85, ...le32(l - (k + 3 + 1 + 6)), 0xf4];
    const { states, machines } = onEveryEngine((m) => {
      m.mem.writeBytes(CODE, [0xb9, ...le32(64), 0x31, 0xc0, 0x31, 0xdb, 0xe9, ...le32(l - (CODE + 14))]);
      m.mem.writeBytes(l, m1);
      m.mem.writeBytes(mAddr, m2);
      m.cpu.eip = CODE;
      return m.cpu.run(100_000);
    });
    expectSameEverywhere(states);
    expect(machines[0]!.cpu.reg[0]).toBe((64 * 65) / 2);
    expect(machines[0]!.cpu.reg[3]).toBe(64);
  });

  it("the host writing new code into RAM between runs (as a loader or a device would) is executed", () => {
    // A compiled loop adds 1 to EAX; the host then rewrites the ADD's immediate in RAM directly.
    const code = [0xb9, ...le32(1000), 0x83, 0xc0, 0x01, 0x49, 0x75, 0xfa, 0xf4];
    const { states, machines } = onEveryEngine((m) => {
      m.mem.writeBytes(CODE, code);
      m.cpu.eip = CODE;
      m.cpu.reg[0] = 0;
      const first = m.cpu.run(100_000);
      expect(first).toBe(STOP_HLT);
      // Behind the processor's back: the raw RAM buffer, as a DMA engine writes it.
      m.mem.chunks[0]!.u8[CODE + 7] = 5;
      m.cpu.halted = false;
      m.cpu.eip = CODE;
      return m.cpu.run(100_000);
    });
    expectSameEverywhere(states);
    expect(machines[0]!.cpu.reg[0]).toBe(1000 + 5000);
  });

  it("a device writing code into RAM during a port-I/O access is seen right after the OUT", () => {
    // l: out 0x80, al ; add eax, imm8 ; dec ecx ; jnz l ; hlt. Each OUT makes the "device" store
    // ECX into the ADD's immediate (by DMA: straight into the RAM buffer).
    const code = [0xb9, ...le32(40), 0x31, 0xc0, 0xe6, 0x80, 0x83, 0xc0, 0x00, 0x49, 0x75, 0xf8, 0xf4];
    const { states, machines } = onEveryEngine((m) => {
      m.mem.writeBytes(CODE, code);
      m.cpu.host.ioWrite = () => {
        m.mem.chunks[0]!.u8[CODE + 11] = m.cpu.reg[1]! & 0xff;
      };
      m.cpu.eip = CODE;
      return m.cpu.run(100_000);
    });
    expectSameEverywhere(states);
    expect(machines[0]!.cpu.reg[0]).toBe((40 * 41) / 2);
  });
});

describe("paging changes", () => {
  /**
   * Code calls the function at linear 0x400000 in a loop. Frames A and B hold `add eax, 1; ret` and
   * `add eax, 100; ret`. After 20 calls the loop switches the PTE to B, then (depending on `flush`)
   * executes INVLPG, reloads CR3 (through EDX), or nothing (the stale TLB entry stays in use, as the interpreter's).
   */
  function pagingScenario(flush: "invlpg" | "cr3" | "none"): (m: TestMachine) => number {
    const FA = 0x200000, FB = 0x201000, F = 0x400000;
    const pte = PAGE_TABLE + 0x1000;
    return (m) => {
      m.mem.write32(PAGE_DIR + 4, pte | 7);
      m.mem.write32(pte, FA | 7);
      m.mem.writeBytes(FA, [0x83, 0xc0, 0x01, 0xc3]);
      m.mem.writeBytes(FB, [0x83, 0xc0, 0x64, 0xc3]);
      m.cpu.flushTlb(true);
      // mov ecx, 40 ; l: call F ; cmp ecx, 21 ; jne s ; mov dword [pte], FB|7 ; <flush> ; s: dec ecx ; jnz l ; hlt
      const flushCode = flush === "invlpg" ? [0x0f, 0x01, 0x3d, ...le32(F)] : flush === "cr3" ? [0x0f, 0x20, 0xda, 0x0f, 0x22, 0xda] : [];
      const head = [0xb9, ...le32(40)];
      const callAt = CODE + head.length;
      const call = [0xe8, ...le32(F - (callAt + 5))];
      const patch = [0xc7, 0x05, ...le32(pte), ...le32(FB | 7), ...flushCode];
      const cmp = [0x83, 0xf9, 21, 0x75, patch.length];
      const tail = [0x49, 0x75, (-(call.length + cmp.length + patch.length + 3)) & 0xff, 0xf4];
      m.mem.writeBytes(CODE, [...head, ...call, ...cmp, ...patch, ...tail]);
      m.cpu.eip = CODE;
      m.cpu.reg[0] = 0;
      return m.cpu.run(100_000);
    };
  }

  it("INVLPG after changing the code page's mapping runs the new frame's code", () => {
    const { states, machines } = onEveryEngine(pagingScenario("invlpg"), true);
    expectSameEverywhere(states);
    expect(machines[0]!.cpu.reg[0]).toBe(20 + 20 * 100);
  });

  it("a CR3 load after changing the mapping runs the new frame's code", () => {
    const { states, machines } = onEveryEngine(pagingScenario("cr3"), true);
    expectSameEverywhere(states);
    expect(machines[0]!.cpu.reg[0]).toBe(20 + 20 * 100);
  });

  it("without a flush the stale TLB entry keeps the old code, on every engine as in the interpreter", () => {
    const { states, machines } = onEveryEngine(pagingScenario("none"), true);
    expectSameEverywhere(states);
    expect(machines[0]!.cpu.reg[0]).toBe(40);
  });
});

describe("faults inside compiled loops", () => {
  it("a #PF in the middle of a compiled loop leaves the interpreter's state (EIP, registers, flags, CR2, count)", () => {
    // Walk 64 pages reading and writing; page 37 is not present. The #PF stub halts with the frame pushed.
    const base = 0x400000;
    const { states, machines } = onEveryEngine((m) => {
      m.mem.write32(PAGE_DIR + 4, (PAGE_TABLE + 0x1000) | 7);
      for (let i = 0; i < 64; i++) m.mem.write32(PAGE_TABLE + 0x1000 + i * 4, i === 37 ? 0 : (0x200000 + i * 0x1000) | 7);
      m.cpu.flushTlb(true);
      // mov esi, base ; mov ecx, 64 ; l: add eax, [esi] ; mov [esi+4], eax ; sub esi, -4096 ; cmp eax, ebx ; dec ecx ; jnz l ; hlt
      m.mem.writeBytes(CODE, [0xbe, ...le32(base), 0xb9, ...le32(64), 0x03, 0x06, 0x89, 0x46, 0x04, 0x81, 0xee, ...le32(-4096), 0x39, 0xd8, 0x49, 0x75, 0xf0, 0xf4]);
      for (let i = 0; i < 64; i++) m.mem.write32(0x200000 + i * 0x1000, i * 3 + 1);
      m.cpu.eip = CODE;
      m.cpu.reg[3] = 12345;
      return m.cpu.run(100_000);
    }, true);
    expectSameEverywhere(states);
    const cpu = machines[0]!.cpu;
    expect(cpu.cr2 >>> 0).toBe(base + 37 * 0x1000);
    // Halted in the #PF stub (vector 14).
    expect(cpu.eip).toBe(STUBS + 14 * 4 + 3);
    expect(cpu.cr0 & CR0_PG).not.toBe(0);
  });
});
