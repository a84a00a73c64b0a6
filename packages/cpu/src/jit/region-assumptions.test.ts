/**
 * Regions compiled while a data segment is flat (base 0, 4 GiB limit) skip its offset checks and base
 * addition, and while alignment checking is off skip the alignment checks; entered later with that
 * segment reloaded (another base, a smaller limit) or alignment checking on, or loading the segment in
 * the middle, they must still end exactly where the interpreter ends: the region gives up its
 * assumptions (and is compiled again with the general checks), or leaves after the segment load.
 */
import { describe, expect, it } from "vitest";
import { CR0_AM, DS } from "../core/registers.js";
import { CODE, DATA, enterRing3, SEL_DATA0, SEL_FREE, setDescriptor, type TestMachine } from "../testing/test-machine.js";
import { onEveryEngine as onEachEngine } from "../testing/every-engine.js";

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/**
 * Runs `code` at CODE with EBX = DATA + 0x10 and EDX = 0 on every engine, SEL_FREE a data segment at
 * `base` with a 4 GiB limit or (`byteLimit`) a byte-granular one; returns the machines.
 */
function onEveryEngine(code: number[], base: number, byteLimit?: number, setup?: (m: TestMachine) => void): { states: string[]; machines: TestMachine[] } {
  return onEachEngine((m) => {
    // A 32-bit read/write data segment.
    if (byteLimit === undefined) setDescriptor(m, SEL_FREE, base, 0xfffff, 0x93, 0xc);
    else setDescriptor(m, SEL_FREE, base, byteLimit, 0x93, 0x4);
    m.mem.write32(DATA + 0x10, 5);
    m.mem.write32(DATA + 0x110, 7);
    m.mem.writeBytes(CODE, code);
    m.cpu.eip = CODE;
    m.cpu.reg[3] = DATA + 0x10;
    m.cpu.reg[2] = 0;
    setup?.(m);
  }, 1_000_000);
}

/**
 * mov esi, 3; outer: mov ecx, 300; l: mov eax, [ebx]; add edx, eax; dec ecx; jnz l;
 * mov ax, SEL_FREE; mov ds, ax; dec esi; jnz outer; hlt
 */
const RELOAD_BETWEEN_RUNS = [
  0xbe, ...le32(3), 0xb9, ...le32(300), 0x8b, 0x03, 0x01, 0xc2, 0x49, 0x75, 0xf9,
  0x66, 0xb8, SEL_FREE, 0x00, 0x8e, 0xd8, 0x4e, 0x75, 0xeb, 0xf4,
];

describe("JIT regions compiled for flat segments", () => {
  it("follow a data segment reloaded with a base between entries", () => {
    const { machines } = onEveryEngine(RELOAD_BETWEEN_RUNS, 0x100);
    const jit = machines[2]!;
    expect(jit.cpu.segBase[DS]).toBe(0x100);
    // 300 reads through the flat segment, 600 through the based one.
    expect(jit.cpu.reg[2]).toBe(300 * 5 + 600 * 7);
    expect(jit.cpu.jitCompiled).toBeGreaterThan(1);
  });

  it("fault as the interpreter does once the reloaded segment's limit excludes the offset", () => {
    const { machines } = onEveryEngine(RELOAD_BETWEEN_RUNS, 0, 0xff);
    const jit = machines[2]!;
    // #GP(0) at the load, delivered to its stub (push 13; hlt), with the first round complete.
    expect(jit.cpu.reg[2]).toBe(300 * 5);
    expect(jit.cpu.reg[1]).toBe(300);
    expect(jit.mem.read32(jit.cpu.reg[4]!)).toBe(13);
  });

  it("leave after a segment load in the middle and read through the new segment", () => {
    // mov ecx, 200; mov esi, SEL_DATA0; l: xor esi, SEL_DATA0 ^ SEL_FREE; mov ds, si;
    // mov eax, [ebx]; add edx, eax; dec ecx; jnz l; hlt
    const code = [
      0xb9, ...le32(200), 0xbe, ...le32(SEL_DATA0), 0x83, 0xf6, SEL_DATA0 ^ SEL_FREE, 0x8e, 0xde,
      0x8b, 0x03, 0x01, 0xc2, 0x49, 0x75, 0xf4, 0xf4,
    ];
    const { machines } = onEveryEngine(code, 0x100);
    const jit = machines[2]!;
    // Odd iterations read through SEL_FREE (base 0x100), even ones through the flat SEL_DATA0.
    expect(jit.cpu.reg[2]).toBe(100 * 7 + 100 * 5);
  });

  it("raise #AC as the interpreter does once alignment checking is turned on", () => {
    // At CPL 3 with CR0.AM: mov esi, 2; outer: mov ecx, 300; l: mov eax, [ebx+1]; add edx, eax; dec ecx;
    // jnz l; pushfd; or dword [esp], EFLAGS.AC; popfd; dec esi; jnz outer; hlt
    const code = [
      0xbe, ...le32(2), 0xb9, ...le32(300), 0x8b, 0x43, 0x01, 0x01, 0xc2, 0x49, 0x75, 0xf8,
      0x9c, 0x81, 0x0c, 0x24, ...le32(0x40000), 0x9d, 0x4e, 0x75, 0xe7, 0xf4,
    ];
    const { machines } = onEveryEngine(code, 0, undefined, (m) => {
      m.cpu.cr0 |= CR0_AM;
      enterRing3(m);
    });
    const jit = machines[2]!;
    // The first round read misaligned words unchecked; the second faults at its first load (#AC(0), vector 17).
    expect(jit.cpu.reg[1]).toBe(300);
    expect(jit.mem.read32(jit.cpu.reg[4]!)).toBe(17);
  });
});
