/* eslint-disable @typescript-eslint/no-implied-eval -- the formulas under test are JavaScript source, evaluated here as the JIT does. */
/**
 * The JIT's flag formulas against the interpreter's lazy flags: every flag of every lazy kind and
 * width from random operands, every condition code, and writeback of mixed states (flags from
 * several producers, constants, locals and the processor's own state) leaving getFlags() exact.
 */
import { describe, expect, it } from "vitest";
import { Cpu } from "../cpu.js";
import { LZ_ADC, LZ_ADD, LZ_DEC, LZ_INC, LZ_LOGIC, LZ_SBB, LZ_SUB } from "../core/lazy-flags.js";
import { PhysicalMemory } from "../core/physical-memory.js";
import { conditionExpr, FLAG_BITS, FlagState, producerFlag, setLazy, writeback, type FlagSource, type Producer } from "./flag-state.js";

const PAR = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, p = 1;
  while (b) {
    p ^= b & 1;
    b >>= 1;
  }
  PAR[i] = p;
}

function cpu(): Cpu {
  const mem = new PhysicalMemory();
  mem.mapRam(0, new ArrayBuffer(0x1000));
  return new Cpu(mem, { ioRead: () => 0, ioWrite: () => undefined, acknowledgeInterrupt: () => -1 });
}

let seed = 0x2545f491;
function rnd(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed | 0;
}
const INTERESTING = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, 0xf, 0x10];
const operand = (): number => (rnd() & 3) === 0 ? INTERESTING[(rnd() >>> 0) % INTERESTING.length]! : rnd();

/** Operands as the interpreter gives them to setLazy: masked for 8/16 bits, int32 for 32. */
function mask(v: number, bits: number): number {
  return bits === 32 ? v | 0 : v & ((1 << bits) - 1);
}

/** The result the compiled code keeps (int32) for an operation of `kind`. */
function result(kind: number, a: number, b: number, cin: number): number {
  switch (kind) {
    case LZ_ADD: return (a + b) | 0;
    case LZ_ADC: return (a + b + cin) | 0;
    case LZ_SUB: return (a - b) | 0;
    case LZ_SBB: return (a - b - cin) | 0;
    case LZ_LOGIC: return a & b;
    case LZ_INC: return (a + 1) | 0;
    default: return (a - 1) | 0;
  }
}

describe("flag formulas of compiled code", () => {
  const kinds = [LZ_ADD, LZ_ADC, LZ_SUB, LZ_SBB, LZ_LOGIC, LZ_INC, LZ_DEC];
  it("compute every flag of every lazy kind and width as the interpreter does", () => {
    const c = cpu();
    for (const kind of kinds) {
      for (const bits of [8, 16, 32]) {
        const p: Producer = { kind, bits, a: "a", b: "b", r: "r", cin: "cin" };
        const fns = [0, 1, 2, 3, 4, 5].map((f) => (kind === LZ_INC || kind === LZ_DEC) && f === 0 ? null : (new Function("PAR", "a", "b", "r", "cin", `return ${producerFlag(f, p)};`) as (...x: unknown[]) => number));
        for (let i = 0; i < 400; i++) {
          const a = mask(operand(), bits), cin = rnd() & 1;
          const b = kind === LZ_INC || kind === LZ_DEC ? 1 : mask(operand(), bits);
          const r = result(kind, a, b, cin);
          c.setFlags(2);
          c.lzCarryIn = cin;
          if (kind === LZ_INC || kind === LZ_DEC) c.setLazyKeepCf(kind, a, r, bits);
          else c.setLazy(kind, a, b, r, bits);
          const f = c.getFlags();
          for (let fl = 0; fl < 6; fl++) {
            const fn = fns[fl];
            if (fn === null || fn === undefined) continue;
            expect(fn(PAR, a, b, r, cin), `kind ${kind} bits ${bits} flag ${fl} a=${a} b=${b} cin=${cin}`).toBe((f & FLAG_BITS[fl]!) !== 0 ? 1 : 0);
          }
        }
      }
    }
  });

  it("evaluate every condition code from a producer as Cpu.condition does", () => {
    const c = cpu();
    for (const kind of kinds) {
      for (const bits of [8, 16, 32]) {
        const p: Producer = { kind, bits, a: "a", b: "b", r: "r", cin: "cin" };
        const s = new FlagState();
        // INC/DEC leave CF to an earlier instruction: a constant here.
        s.define(kind === LZ_INC || kind === LZ_DEC ? 0x3e : 0x3f, { t: 1, p });
        if (kind === LZ_INC || kind === LZ_DEC) s.src[0] = { t: 2, v: 1 };
        for (let cc = 0; cc < 16; cc++) {
          const fn = new Function("PAR", "a", "b", "r", "cin", `return ${conditionExpr(s, cc)};`) as (...x: unknown[]) => boolean;
          for (let i = 0; i < 100; i++) {
            const a = mask(operand(), bits), cin = rnd() & 1;
            const b = kind === LZ_INC || kind === LZ_DEC ? 1 : mask(operand(), bits);
            const r = result(kind, a, b, cin);
            c.setFlags(kind === LZ_INC || kind === LZ_DEC ? 3 : 2);
            c.lzCarryIn = cin;
            if (kind === LZ_INC || kind === LZ_DEC) c.setLazyKeepCf(kind, a, r, bits);
            else c.setLazy(kind, a, b, r, bits);
            expect(fn(PAR, a, b, r, cin), `kind ${kind} bits ${bits} cc ${cc} a=${a} b=${b}`).toBe(c.condition(cc));
          }
        }
      }
    }
  });

  it("write back mixed states so that getFlags() answers exactly", () => {
    const c = cpu();
    for (let i = 0; i < 2000; i++) {
      // The processor's own state: some earlier lazy operation.
      const k0 = kinds[(rnd() >>> 0) % 5]!, bits0 = [8, 16, 32][(rnd() >>> 0) % 3]!;
      const a0 = mask(operand(), bits0), b0 = mask(operand(), bits0);
      c.setFlags(2 | (rnd() & 0x8d5));
      c.setLazy(k0, a0, b0, result(k0, a0, b0, 0), bits0);
      const before = c.getFlags();
      c.setLazy(k0, a0, b0, result(k0, a0, b0, 0), bits0);
      // Two compiled producers, a local and constants, mixed per flag.
      const prods: Producer[] = [0, 1].map((j) => ({ kind: kinds[(rnd() >>> 0) % kinds.length]!, bits: [8, 16, 32][(rnd() >>> 0) % 3]!, a: `a${j}`, b: `b${j}`, r: `r${j}`, cin: `c${j}` }));
      const vals: Record<string, number> = {};
      for (const [j, p] of prods.entries()) {
        const a = mask(operand(), p.bits), cin = rnd() & 1;
        const b = p.kind === LZ_INC || p.kind === LZ_DEC ? 1 : mask(operand(), p.bits);
        vals[`a${j}`] = a;
        vals[`b${j}`] = b;
        vals[`c${j}`] = cin;
        vals[`r${j}`] = result(p.kind, a, b, cin);
      }
      vals.loc = rnd() & 1;
      const s = new FlagState();
      const expected: number[] = [];
      for (let f = 0; f < 6; f++) {
        const pick = (rnd() >>> 0) % 5;
        const p = prods[pick & 1]!;
        let src: FlagSource;
        if (pick < 2 && !(f === 0 && (p.kind === LZ_INC || p.kind === LZ_DEC))) src = { t: 1, p };
        else if (pick === 2) src = { t: 2, v: rnd() & 1 };
        else if (pick === 3) src = { t: 3, name: "loc" };
        else src = { t: 0 };
        s.src[f] = src;
      }
      for (let f = 0; f < 6; f++) {
        const src = s.src[f]!;
        const names = Object.keys(vals);
        const ev = (e: string): number => (new Function("PAR", ...names, `return ${e};`) as (...x: unknown[]) => number)(PAR, ...names.map((n) => vals[n]));
        expected[f] = src.t === 0 ? ((before & FLAG_BITS[f]!) !== 0 ? 1 : 0) : src.t === 2 ? src.v : src.t === 3 ? vals.loc : ev(producerFlag(f, src.p));
      }
      const names = Object.keys(vals);
      (new Function("cpu", "PAR", "L", ...names, writeback(s)) as (...x: unknown[]) => void)(c, PAR, setLazy, ...names.map((n) => vals[n]));
      const got = c.getFlags();
      for (let f = 0; f < 6; f++) expect((got & FLAG_BITS[f]!) !== 0 ? 1 : 0, `case ${i} flag ${f}: ${writeback(s)}`).toBe(expected[f]);
      expect(got & ~0x8d5, "non-status bits").toBe(before & ~0x8d5);
    }
  });
});
