/** Integer flag results that the native oracle found wrong once: logic instructions and the ASCII adjusts. */
import { describe, expect, it } from "vitest";
import { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_ZF } from "../core/registers.js";
import { code, machine, runToHalt } from "../testing/test-machine.js";

function after(bytes: number[], eax: number, flags: number): { eax: number; flags: number } {
  const m = machine();
  code(m, [...bytes, 0xf4]);
  m.cpu.reg[0] = eax;
  m.cpu.setFlags(flags | 2);
  runToHalt(m);
  return { eax: m.cpu.reg[0] >>> 0, flags: m.cpu.eflags };
}

describe("AND, OR, XOR and TEST", () => {
  // and eax,ebx / or eax,ebx / xor eax,ebx / test eax,ebx / and al,1 / or eax,imm32 / test byte [mem]...
  const forms: [string, number[]][] = [
    ["and eax, ebx", [0x21, 0xd8]],
    ["or eax, ebx", [0x09, 0xd8]],
    ["xor eax, ebx", [0x31, 0xd8]],
    ["test eax, ebx", [0x85, 0xd8]],
    ["and al, 1", [0x24, 0x01]],
    ["or eax, 0x80000000", [0x0d, 0, 0, 0, 0x80]],
    ["xor al, 0xa2 (80 /6)", [0x80, 0xf0, 0xa2]],
    ["test al, 0x90", [0xa8, 0x90]],
  ];
  for (const [name, bytes] of forms) {
    it(`${name} clears CF and OF that were set before`, () => {
      const r = after(bytes, 0x12345678, FLAG_CF | FLAG_OF);
      expect(r.flags & (FLAG_CF | FLAG_OF)).toBe(0);
    });
  }
  it("a JC after TEST is not taken even when CF was set (the lazy CF is recomputed)", () => {
    // stc; test eax, eax; jc +1; hlt; (jc target) inc eax; hlt
    const r = after([0xf9, 0x85, 0xc0, 0x72, 0x01, 0xf4, 0x40], 5, 0);
    expect(r.eax).toBe(5);
  });
});

describe("ASCII adjusts work on the whole of AX", () => {
  it("AAS with AX=1200h and AF=1 gives 100Ah (the borrow from AL reaches AH), CF=AF=1", () => {
    const r = after([0x3f], 0x1200, FLAG_AF);
    expect(r.eax & 0xffff).toBe(0x100a);
    expect(r.flags & (FLAG_AF | FLAG_CF)).toBe(FLAG_AF | FLAG_CF);
  });
  it("AAS without adjustment only masks AL and clears AF/CF", () => {
    const r = after([0x3f], 0x1234, FLAG_CF);
    expect(r.eax & 0xffff).toBe(0x1204);
    expect(r.flags & (FLAG_AF | FLAG_CF)).toBe(0);
  });
  it("AAA with AL=0FAh adds 106h across AX: 01FAh becomes 0300h", () => {
    const r = after([0x37], 0x01fa, 0);
    expect(r.eax & 0xffff).toBe(0x0300);
    expect(r.flags & (FLAG_AF | FLAG_CF)).toBe(FLAG_AF | FLAG_CF);
  });
  it("DAA and DAS keep the SDM's carry rules (DAS borrow from AL-6 with AF set)", () => {
    // DAS: AL=03h AF=1 CF=0 -> AL=FDh, CF=1 (borrow), AF=1
    const das = after([0x2f], 0x03, FLAG_AF);
    expect(das.eax & 0xff).toBe(0xfd);
    expect(das.flags & (FLAG_AF | FLAG_CF)).toBe(FLAG_AF | FLAG_CF);
    // DAA: AL=9Ah -> 00h with CF=1, AF=1, ZF=1
    const daa = after([0x27], 0x9a, 0);
    expect(daa.eax & 0xff).toBe(0x00);
    expect(daa.flags & (FLAG_AF | FLAG_CF | FLAG_ZF)).toBe(FLAG_AF | FLAG_CF | FLAG_ZF);
  });
});
