/**
 * REP MOVS and REP STOS, which move many elements at once when every page involved is plain RAM on the TLB's
 * fast path: the result must be what element-by-element execution gives (SDM vol. 2B MOVS/STOS, REP) — across
 * pages, unaligned, with a destination overlapping the source on either side, with 16-bit offsets that wrap —
 * and a fault in the middle (segment limit, page not present) must leave ECX/ESI/EDI at the faulting element.
 */
import { describe, expect, it } from "vitest";
import { ECX, EDI, ES, ESI } from "../core/registers.js";
import { CODE, DATA, PAGE_TABLE, SEL_FREE, code, frame, inHandler, loadSelector, machine, runToHalt, setDescriptor, type TestMachine } from "../testing/test-machine.js";

const REP_STOSB = [0xf3, 0xaa];
const REP_STOSW = [0x66, 0xf3, 0xab];
const REP_STOSD = [0xf3, 0xab];
const REP_MOVSB = [0xf3, 0xa4];
const REP_MOVSD = [0xf3, 0xa5];

function run(m: TestMachine, insn: number[], regs: { eax?: number; ecx: number; esi?: number; edi: number }): void {
  code(m, [...insn, 0xf4]);
  const r = m.cpu.reg;
  r[0] = regs.eax ?? 0;
  r[ECX] = regs.ecx;
  r[ESI] = regs.esi ?? 0;
  r[EDI] = regs.edi;
  runToHalt(m, 10_000_000);
}

function bytes(m: TestMachine, at: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => m.mem.read8(at + i));
}

/** Element-by-element forward MOVS of `count` elements of `size` bytes in a copy of memory. */
function modelMovs(mem: number[], src: number, dst: number, count: number, size: number): number[] {
  const out = mem.slice();
  for (let e = 0; e < count; e++) {
    const el = out.slice(src + e * size, src + e * size + size);
    for (let b = 0; b < size; b++) out[dst + e * size + b] = el[b]!;
  }
  return out;
}

describe("REP STOS", () => {
  it("STOSD from an unaligned address across three pages stores the pattern byte for byte", () => {
    const m = machine();
    run(m, REP_STOSD, { eax: 0x11223344, ecx: 0x500, edi: DATA + 0xffd });
    expect(m.cpu.reg[ECX]).toBe(0);
    expect(m.cpu.reg[EDI]).toBe(DATA + 0xffd + 0x1400);
    const got = bytes(m, DATA + 0xffc, 0x1402);
    expect(got[0]).toBe(0);
    for (let i = 0; i < 0x1400; i++) expect(got[1 + i]).toBe([0x44, 0x33, 0x22, 0x11][i % 4]);
    expect(got[0x1401]).toBe(0);
  });

  it("STOSW and STOSB fill exactly ECX elements", () => {
    const m = machine();
    run(m, REP_STOSW, { eax: 0xbeef, ecx: 0x999, edi: DATA + 1 });
    expect(bytes(m, DATA + 1 + 2 * 0x999 - 2, 3)).toEqual([0xef, 0xbe, 0]);
    // a fresh machine: the first one has the STOSW translated at CODE
    const b = machine();
    run(b, REP_STOSB, { eax: 0x5a, ecx: 0x2001, edi: DATA + 0x3000 });
    expect(bytes(b, DATA + 0x2fff, 1)).toEqual([0]);
    expect(bytes(b, DATA + 0x3000 + 0x2000, 2)).toEqual([0x5a, 0]);
    expect(b.cpu.reg[EDI]).toBe(DATA + 0x5001);
  });

  it("with a 16-bit address size DI wraps within the segment and the upper halves of EDI/ECX stay", () => {
    const m = machine();
    run(m, [0x67, ...REP_STOSB], { eax: 0x77, ecx: 0xabcd0020, edi: 0x1234fff0 });
    expect(m.cpu.reg[EDI]! >>> 0).toBe(0x12340010);
    expect(m.cpu.reg[ECX]! >>> 0).toBe(0xabcd0000);
    expect(bytes(m, 0xfff0, 16).every((b) => b === 0x77)).toBe(true);
    expect(bytes(m, 0, 16).every((b) => b === 0x77)).toBe(true);
    expect(bytes(m, 0x10000 + 0xfff0, 1)).toEqual([0]);
  });

  it("stores over the code that follows are executed as stored (the REP's own page stays element by element)", () => {
    const m = machine();
    // rep stosb writing five NOPs over "mov eax, 1" right after it; then hlt
    code(m, [...REP_STOSB, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xf4]);
    const r = m.cpu.reg;
    r[0] = 0x90;
    r[ECX] = 5;
    r[EDI] = CODE + 2;
    runToHalt(m);
    expect(r[0]).toBe(0x90);
  });
});

describe("REP MOVS", () => {
  const SRC = DATA + 0x800;
  for (const [name, delta, size, count] of [
    ["MOVSB, destination one byte ahead (the first byte repeated)", 1, 1, 0x2100],
    ["MOVSD, destination three bytes ahead (closer than an element)", 3, 4, 0x900],
    ["MOVSD, destination eight bytes ahead", 8, 4, 0x900],
    ["MOVSD, destination two bytes behind", -2, 4, 0x900],
    ["MOVSB, disjoint, from the middle of one page to the end of another", 0x4321, 1, 0x1f00],
  ] as const) {
    it(`${name}: the same bytes as element-by-element copying`, () => {
      const m = machine();
      const span = count * size + Math.abs(delta) + 16;
      const base = Math.min(SRC, SRC + delta) - 8;
      for (let i = 0; i < span; i++) m.mem.write8(base + i, (i * 37 + 11) & 0xff);
      const before = bytes(m, base, span);
      const want = modelMovs(before, SRC - base, SRC + delta - base, count, size);
      run(m, size === 1 ? REP_MOVSB : REP_MOVSD, { ecx: count, esi: SRC, edi: SRC + delta });
      expect(bytes(m, base, span)).toEqual(want);
      expect([m.cpu.reg[ECX], m.cpu.reg[ESI], m.cpu.reg[EDI]]).toEqual([0, SRC + count * size, SRC + delta + count * size]);
    });
  }
});

describe("a fault in the middle leaves the registers at the faulting element", () => {
  it("the segment limit: #GP(0) at the first element past ES's limit", () => {
    const m = machine();
    // ES: base 0, byte-granular limit DATA + 0xFFF, writable data
    setDescriptor(m, SEL_FREE, 0, DATA + 0xfff, 0x93, 0x4);
    loadSelector(m, ES, SEL_FREE);
    run(m, REP_STOSB, { eax: 0x33, ecx: 0x100, edi: DATA + 0xff0 });
    expect(inHandler(m, 13)).toBe(true);
    expect(frame(m, true)).toMatchObject({ vector: 13, error: 0, eip: CODE });
    expect([m.cpu.reg[ECX], m.cpu.reg[EDI]]).toEqual([0xf0, DATA + 0x1000]);
    expect(bytes(m, DATA + 0xfef, 0x12)).toEqual([0, ...Array<number>(0x10).fill(0x33), 0]);
  });

  it("a page not present: #PF with CR2 at the page, ECX/ESI/EDI at the element that needs it", () => {
    const m = machine({ paging: true });
    const page = (DATA >>> 12) + 2;
    m.mem.write32(PAGE_TABLE + page * 4, 0);
    m.cpu.flushTlb(true);
    run(m, REP_MOVSD, { ecx: 0x300, esi: DATA + 0x3000, edi: DATA + 0x1ff8 });
    expect(inHandler(m, 14)).toBe(true);
    expect(m.cpu.cr2 >>> 0).toBe(page << 12);
    expect([m.cpu.reg[ECX], m.cpu.reg[ESI], m.cpu.reg[EDI]]).toEqual([0x300 - 2, DATA + 0x3008, DATA + 0x2000]);
  });
});
