/**
 * x87 code on every engine: the interpreter (every instruction decoded again), the block cache's
 * decoded forms, and the JIT (compiling at once, and after the usual warm-up) must leave exactly the
 * same processor and FPU state (the whole FXSAVE image: registers, tags, FSW, FCW, FIP/FCS/FOP,
 * FDP/FDS), memory, instruction count and FERR# signals. Random loops of x87 instructions from random
 * FPU states (empty and full stacks, specials, unmasked exceptions, every precision and rounding
 * control, CR0.TS/EM/MP/NE), and directed cases: #NM once a loop is compiled, #MF and FERR# from a
 * stack fault inside a compiled loop, stack overflow, and x87 code that rewrites itself.
 */
import { describe, expect, it } from "vitest";
import { STOP_HLT } from "../cpu.js";
import { CR0_EM, CR0_MP, CR0_NE, CR0_TS } from "../core/registers.js";
import { type F80Bits, randomControlWord, randomDoublePathValue, Rng } from "../fpu/x87-case-generator.js";
import { CODE, DATA, machine, PAGE_TABLE, STACK0, type TestMachine } from "../testing/test-machine.js";
import { stateOf, useEngine, type Engine } from "../testing/engine-state.js";

type Variant = Engine | "jit-warm";
const VARIANTS: Variant[] = ["interpreter", "blocks", "jit", "jit-warm"];
const CASES = Number(process.env.VIRTKIT_X87_ENGINE_CASES ?? 250);

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

interface Rig {
  m: TestMachine;
  ferr: number;
}

function make(variant: Variant, paging = false): Rig {
  const m = machine({ paging });
  const rig: Rig = { m, ferr: 0 };
  m.cpu.host.signalFerr = () => {
    rig.ferr++;
  };
  if (variant === "jit-warm") {
    useEngine(m.cpu, "jit");
    m.cpu.jitThreshold = 3;
  } else {
    useEngine(m.cpu, variant);
  }
  return rig;
}

/** Everything a run can change, the FPU's whole FXSAVE image included. */
function fullState(r: Rig, stop: number): string {
  const img = new Uint8Array(512);
  r.m.cpu.fpu!.x87.fxsaveImage(img);
  return `${stateOf(r.m.cpu, stop, true)}\nfpu ${Buffer.from(img.subarray(0, 160)).toString("hex")}\nferr ${r.ferr}`;
}

/** One scenario on every engine (fresh machines, or `reuse`d ones); returns the states (the interpreter's first) and the rigs. */
function onEveryEngine(scenario: (r: Rig) => number, reuse?: Rig[], paging = false): { states: string[]; rigs: Rig[] } {
  const states: string[] = [];
  const rigs: Rig[] = [];
  for (const [i, v] of VARIANTS.entries()) {
    const r = reuse?.[i] ?? make(v, paging);
    const stop = scenario(r);
    states.push(fullState(r, stop));
    rigs.push(r);
    expect(r.m.cpu.jitFailures, r.m.cpu.jitLastError).toBe(0);
  }
  return { states, rigs };
}

function differences(states: string[]): string[] {
  const out: string[] = [];
  const ref = states[0]!.split("\n");
  for (let i = 1; i < states.length; i++) {
    const lines = states[i]!.split("\n");
    lines.forEach((l, k) => {
      if (l !== ref[k]) out.push(`${VARIANTS[i]}: ${l}\n  interpreter: ${ref[k]}`);
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Random programs

/** [EBX + disp8] with ModRM.reg = r (mod 01, rm 011). */
function mem(r: number, disp: number): number[] {
  return [0x43 | (r << 3), disp & 0xff];
}

/** One random instruction (x87 mostly, from the forms real code uses most, and now and then any). */
function randomInsn(g: Rng): number[] {
  const i = g.int(8);
  const disp = g.chance(0.9) ? g.int(8) * 8 : g.int(64);
  switch (g.int(24)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return [g.pick([0xd8, 0xdc, 0xde]), 0xc0 | (g.pick([0, 1, 4, 5, 6, 7]) << 3) | i];
    case 4:
    case 5:
      return [0xd9, 0xc0 | i]; // FLD ST(i)
    case 6:
      return [0xd9, 0xc8 | i]; // FXCH
    case 7:
    case 8:
      return [g.pick([0xdd, 0xdd, 0xd9, 0xdf]), (g.chance(0.5) ? 0xd8 : 0xd0) | i]; // FST/FSTP (and aliases)
    case 9:
      return [0xd9, g.pick([0xe0, 0xe1, 0xe4, 0xe5, 0xe8, 0xee, 0xeb, 0xfa, 0xfc, 0xfd, 0xf8, 0xf6, 0xf7, 0xd0])];
    case 10:
      return g.pick([[0xd8, 0xd0 | i], [0xd8, 0xd8 | i], [0xde, 0xd9], [0xdd, 0xe0 | i], [0xdd, 0xe8 | i], [0xda, 0xe9]]); // compares
    case 11:
      return [g.pick([0xdb, 0xdf]), (g.chance(0.5) ? 0xe8 : 0xf0) | i]; // FCOMI/FUCOMI(P)
    case 12:
      return [g.pick([0xda, 0xdb]), 0xc0 | (g.int(4) << 3) | i]; // FCMOVcc
    case 13:
      return g.pick([[0xdf, 0xe0], [0xdf, 0xe0, 0x9e], [0x9b], [0xdb, 0xe2], [0xdd, 0xc0 | i], [0xdf, 0xc0 | i]]); // FNSTSW AX (SAHF), WAIT, FNCLEX, FFREE(P)
    case 14:
      return [g.pick([0xd9, 0xdd]), ...mem(0, disp)]; // FLD m32/m64
    case 15:
      return [g.pick([0xd9, 0xdd]), ...mem(g.pick([2, 3]), disp)]; // FST(P) m32/m64
    case 16:
      return [g.pick([0xdf, 0xdb, 0xdf]), ...mem(g.pick([0, 0, 5]), disp)]; // FILD m16/m32/m64
    case 17:
      return [g.pick([0xdf, 0xdb]), ...mem(g.pick([2, 3]), disp)]; // FIST(P) m16/m32
    case 18:
      return [g.pick([0xd8, 0xdc, 0xda, 0xde]), ...mem(g.int(8), disp)]; // arithmetic and compares with memory
    case 19:
      return [0xdb, ...mem(g.pick([5, 7]), disp)]; // FLD/FSTP m80
    case 20:
      return g.pick([[0xdd, ...mem(7, disp)], [0xd9, ...mem(7, disp)]]); // FNSTSW/FNSTCW m16
    case 21:
      return [0xd8 + g.int(8), 0xc0 + g.int(64)]; // any register form, undefined ones included
    case 22:
      return g.pick([[0xd9, 0xe8], [0xd9, 0xee], [0xd9, 0xc0]]); // pushes (stack overflow)
    default:
      return [0xdd, 0xd8]; // FSTP ST(0): pops (stack underflow)
  }
}

/**
 * The forms the JIT writes out or calls directly: arithmetic, FLD/FST/FSTP ST(i), FXCH, FLD1/FLDZ, FCHS,
 * FLD/FST(P)/arithmetic on m32fp/m64fp, FCOMI/FUCOMI(P) with a SETcc reading the result.
 */
function hotInsn(g: Rng): number[] {
  const i = g.int(4);
  switch (g.int(11)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return [g.pick([0xd8, 0xdc, 0xde]), 0xc0 | (g.pick([0, 1, 4, 5, 6, 7]) << 3) | i];
    case 4:
      return [0xd9, 0xc0 | i];
    case 5:
      return [0xdd, (g.chance(0.5) ? 0xd8 : 0xd0) | i];
    case 6:
      return [0xd9, 0xc8 | i];
    case 7:
      return [0xd9, g.pick([0xe8, 0xee, 0xe0])];
    case 8:
      return [g.pick([0xd9, 0xdd]), ...mem(g.pick([0, 2, 3]), g.int(8) * 8)]; // FLD, FST, FSTP m32fp/m64fp
    case 9:
      // FCOMI/FUCOMI(P), then what it left in EFLAGS summed up over the iterations (ADC ESI, 0; LAHF with
      // ADD EDI, EAX) or read once (SETA DH, SETP DL).
      return [g.pick([0xdb, 0xdf]), g.pick([0xe8, 0xf0]) | i, ...g.pick([[0x83, 0xd6, 0x00], [0x9f, 0x01, 0xc7], [0x0f, 0x97, 0xc6], [0x0f, 0x9a, 0xc2]])];
    default:
      return [g.pick([0xd8, 0xdc]), ...mem(g.pick([0, 1, 4, 5, 6, 7]), g.int(8) * 8)]; // arithmetic with m32fp/m64fp
  }
}


interface Program {
  bytes: number[];
  cr0: number;
  cw: number;
  sw: number;
  top: number;
  regs: F80Bits[];
  tags: number;
  data: number[];
}

/** `hot`: only hotInsn forms, double-exact register values, more iterations. */
function randomProgram(g: Rng, hot = false): Program {
  const body: number[] = [];
  const n = 2 + g.int(9);
  // Hot programs draw from three forms each, so that each form meets its own results again and again.
  const menu = [hotInsn(g), hotInsn(g), hotInsn(g)];
  for (let k = 0; k < n; k++) body.push(...(hot ? g.pick(menu) : randomInsn(g)));
  // mov ecx, iterations; l: body; dec ecx; jnz l; hlt
  const iterations = 1 + g.int(hot ? 40 : 25);
  const back = -(body.length + 3);
  const bytes = [0xb9, ...le32(iterations), ...body, 0x49, ...(back >= -128 ? [0x75, back & 0xff] : [0x0f, 0x85, ...le32(back - 4)]), 0xf4];
  let cr0 = 0;
  if (g.chance(0.05)) cr0 |= CR0_TS;
  if (g.chance(0.03)) cr0 |= CR0_EM;
  if (g.chance(0.1)) cr0 |= CR0_MP;
  if (g.chance(0.7)) cr0 |= CR0_NE;
  const cw = g.chance(0.4) ? 0x37f : g.chance(0.4) ? 0x27f : randomControlWord(g, 0.7);
  const regs: F80Bits[] = [];
  let tags = 0;
  for (let p = 0; p < 8; p++) {
    regs.push(hot ? randomDoublePathValue(g, 0.05, 0.75) : randomDoublePathValue(g));
    if (g.chance(hot ? 0.8 : 0.6)) tags |= 1 << p;
  }
  const data: number[] = [];
  for (let k = 0; k < 32; k++) {
    const v = randomDoublePathValue(g);
    data.push(g.chance(0.5) ? v[2] : g.u32(), g.chance(0.5) ? v[1] : g.u32(), v[0]);
  }
  return { bytes, cr0, cw, sw: g.u32() & 0x4700, top: g.int(8), regs, tags, data };
}

function load(r: Rig, p: Program): void {
  const { cpu, mem: m } = r.m;
  m.writeBytes(CODE, p.bytes);
  for (let k = 0; k < p.data.length; k++) m.write32(DATA + 4 * k, p.data[k]!);
  const f = cpu.fpu!.x87;
  f.reset();
  f.setControlWord(p.cw);
  for (let q = 0; q < 8; q++) f.writeReg(q, ...p.regs[q]!);
  f.tagValid = p.tags;
  f.sw = p.sw | (p.top << 11);
  f.updateSummary();
  cpu.cr0 = (cpu.cr0 & ~(CR0_TS | CR0_EM | CR0_MP | CR0_NE)) | p.cr0;
  cpu.reg[3] = DATA;
  cpu.reg[4] = STACK0;
  cpu.setFlags(0x2);
  cpu.halted = false;
  cpu.eip = CODE;
}

function hex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

function compareRandomPrograms(seed: number, hot: boolean): string[] {
  const g = new Rng(seed);
  // One machine per engine for all cases (each case writes its code over the last one's).
  const rigs = VARIANTS.map((v) => make(v));
  const problems: string[] = [];
  for (let c = 0; c < CASES && problems.length < 3; c++) {
    const p = randomProgram(g, hot);
    const { states } = onEveryEngine((r) => {
      load(r, p);
      return r.m.cpu.run(50_000);
    }, rigs);
    const d = differences(states);
    if (d.length > 0) problems.push(`case ${c}: code ${hex(p.bytes)} cr0 ${p.cr0.toString(16)} cw ${p.cw.toString(16)}\n${d.join("\n")}`);
  }
  return problems;
}

describe("x87 code leaves the interpreter's exact state on every engine", () => {
  it(`${CASES} random loops of the register forms compiled inline, on double values (exact and rounded results, FSUBR/FDIVR)`, () => {
    expect(compareRandomPrograms(0x5ea7, true)).toEqual([]);
  });

  it(`${CASES} random loops of x87 instructions from random FPU states`, () => {
    const g = new Rng(0x87e9);
    // One machine per engine for all cases (each case writes its code over the last one's).
    const rigs = VARIANTS.map((v) => make(v));
    const problems: string[] = [];
    for (let c = 0; c < CASES && problems.length < 3; c++) {
      const p = randomProgram(g);
      const { states } = onEveryEngine((r) => {
        load(r, p);
        return r.m.cpu.run(50_000);
      }, rigs);
      const d = differences(states);
      if (d.length > 0) problems.push(`case ${c}: code ${hex(p.bytes)} cr0 ${p.cr0.toString(16)} cw ${p.cw.toString(16)}\n${d.join("\n")}`);
    }
    expect(problems).toEqual([]);
  });
});

/** The benchmark's loop: sum in ST(0), 1.0 in ST(1). */
const SUM_LOOP = [0xd8, 0xc1, 0xd9, 0xc0, 0xd8, 0xc8, 0xdd, 0xd8, 0x49, 0x75, 0xf5, 0xf4];

/** The #NM/#MF stub's frame: [vector, EIP, CS, EFLAGS] at ESP. */
function frame(r: Rig): { vector: number; eip: number } {
  const { cpu, mem: m } = r.m;
  return { vector: m.read32(cpu.reg[4]!), eip: m.read32(cpu.reg[4]! + 4) };
}

describe("x87 exceptions in compiled code", () => {
  it("#NM: CR0.TS set after the loop was compiled faults at its first x87 instruction, as in the interpreter", () => {
    const { states, rigs } = onEveryEngine((r) => {
      const { cpu, mem: m } = r.m;
      m.writeBytes(CODE, [0xd9, 0xe8, 0xd9, 0xee, ...SUM_LOOP]);
      cpu.fpu!.x87.reset();
      cpu.reg[1] = 40;
      cpu.eip = CODE;
      expect(cpu.run(10_000)).toBe(STOP_HLT);
      cpu.halted = false;
      cpu.cr0 |= CR0_TS;
      cpu.reg[1] = 40;
      cpu.eip = CODE + 4;
      return cpu.run(10_000);
    });
    expect(differences(states)).toEqual([]);
    expect(frame(rigs[0]!)).toEqual({ vector: 7, eip: CODE + 4 });
    expect(rigs[2]!.m.cpu.jitCompiled).toBeGreaterThan(0);
  });

  /** Three values, then FSTP ST(0) until the stack is empty: the fourth underflows (IE unmasked), the fifth finds it pending. */
  function popUntilEmpty(r: Rig, ne: boolean): number {
    const { cpu, mem: m } = r.m;
    // fld1; fld1; fld1; mov ecx, 6; l: fstp st0; dec ecx; jnz l; hlt
    m.writeBytes(CODE, [0xd9, 0xe8, 0xd9, 0xe8, 0xd9, 0xe8, 0xb9, ...le32(6), 0xdd, 0xd8, 0x49, 0x75, 0xfb, 0xf4]);
    const f = cpu.fpu!.x87;
    f.reset();
    f.setControlWord(0x37e);
    if (!ne) cpu.cr0 &= ~CR0_NE;
    cpu.eip = CODE;
    return cpu.run(10_000);
  }

  it("#MF (CR0.NE = 1): the stack underflow inside the compiled loop is delivered at the next FSTP", () => {
    const { states, rigs } = onEveryEngine((r) => popUntilEmpty(r, true));
    expect(differences(states)).toEqual([]);
    expect(frame(rigs[0]!)).toEqual({ vector: 16, eip: CODE + 11 });
    expect(rigs[0]!.ferr).toBe(0);
  });

  it("FERR# (CR0.NE = 0): every waiting instruction after the unmasked stack fault signals it and the loop goes on", () => {
    const { states, rigs } = onEveryEngine((r) => popUntilEmpty(r, false));
    expect(differences(states)).toEqual([]);
    expect(rigs[0]!.ferr).toBe(2);
    expect(rigs[0]!.m.cpu.halted).toBe(true);
  });

  it("stack overflow: the ninth push into a full stack (masked: the indefinite; C1 = 1)", () => {
    const { states, rigs } = onEveryEngine((r) => {
      const { cpu, mem: m } = r.m;
      // mov ecx, 10; l: fld1; fadd st0, st1 ... as pushes: fld st0; dec ecx; jnz l; hlt
      m.writeBytes(CODE, [0xd9, 0xe8, 0xb9, ...le32(10), 0xd9, 0xc0, 0xd8, 0xc1, 0x49, 0x75, 0xf9, 0xf4]);
      cpu.fpu!.x87.reset();
      cpu.eip = CODE;
      return cpu.run(10_000);
    });
    expect(differences(states)).toEqual([]);
    const f = rigs[0]!.m.cpu.fpu!.x87;
    expect(f.sw & 0x41).toBe(0x41); // IE and SF
    expect(f.regSe[f.top]).toBe(0xffff); // the real indefinite on top
  });
});

describe("FCOMI/FUCOMI in compiled code", () => {
  it("an unordered FUCOMI (a NaN: the handler's path) leaves ZF, PF and CF set for the SETP/LAHF after it", () => {
    const { states, rigs } = onEveryEngine((r) => {
      const { cpu, mem: m } = r.m;
      // fld1; fldz; fdiv st0, st0 (0/0: the indefinite, IE masked); mov ecx, 3
      // l: fucomi st0, st1; setp dl; lahf; add edi, eax; fucomi st0, st0; setp dh; dec ecx; jnz l; hlt
      m.writeBytes(CODE, [0xd9, 0xe8, 0xd9, 0xee, 0xd8, 0xf0, 0xb9, ...le32(3),
        0xdb, 0xe9, 0x0f, 0x9a, 0xc2, 0x9f, 0x01, 0xc7, 0xdb, 0xe8, 0x0f, 0x9a, 0xc6, 0x49, 0x75, 0xee, 0xf4]);
      cpu.fpu!.x87.reset();
      cpu.reg[0] = 0;
      cpu.reg[2] = 0;
      cpu.reg[7] = 0;
      cpu.eip = CODE;
      return cpu.run(10_000);
    });
    expect(differences(states)).toEqual([]);
    const c = rigs[0]!.m.cpu;
    expect(c.reg[2]! & 0xffff).toBe(0x0101); // PF after both compares
    expect(c.halted).toBe(true);
  });
});

describe("x87 memory operands in compiled code", () => {
  it("a #PF on the third FADD m64fp of a compiled loop (FLD1, FADD, FSTP on m64fp): CR2, the frame and the FPU as the interpreter leaves them", () => {
    const { states, rigs } = onEveryEngine((r) => {
      const { cpu, mem: m } = r.m;
      // The page after DATA + 0x1000 is not present; EBX starts 16 bytes below it.
      m.write32(PAGE_TABLE + ((DATA + 0x1000) >>> 12) * 4, 0);
      cpu.flushTlb(true);
      // mov ecx, 4; l: fld1; fadd qword [ebx]; fstp qword [ebx]; add ebx, 8; dec ecx; jnz l; hlt
      m.writeBytes(CODE, [0xb9, ...le32(4), 0xd9, 0xe8, 0xdc, 0x03, 0xdd, 0x1b, 0x83, 0xc3, 0x08, 0x49, 0x75, 0xf4, 0xf4]);
      m.write32(DATA + 0xff0, 0);
      m.write32(DATA + 0xff4, 0x40000000); // 2.0
      m.write32(DATA + 0xff8, 0);
      m.write32(DATA + 0xffc, 0x40080000); // 3.0
      cpu.fpu!.x87.reset();
      cpu.reg[3] = DATA + 0xff0;
      cpu.eip = CODE;
      return cpu.run(10_000);
    }, undefined, true);
    expect(differences(states)).toEqual([]);
    const r = rigs[0]!;
    // Pushed by the stub over the CPU's frame with an error code: vector, error code (not present, read), EIP.
    const esp = r.m.cpu.reg[4]!;
    expect([r.m.mem.read32(esp), r.m.mem.read32(esp + 4), r.m.mem.read32(esp + 8)]).toEqual([14, 0, CODE + 7]);
    expect(r.m.cpu.cr2 >>> 0).toBe(DATA + 0x1000);
    // 1 + 2 and 1 + 3 stored back.
    expect([r.m.mem.read32(DATA + 0xff4), r.m.mem.read32(DATA + 0xffc)]).toEqual([0x40080000, 0x40100000]);
    expect(rigs[2]!.m.cpu.jitCompiled).toBeGreaterThan(0);
  });
});

describe("self-modifying x87 code", () => {
  it("a loop that rewrites its own FADD into FMUL (and back) runs the new instruction on every engine", () => {
    // fld1; fld1; fadd st0,st0 (= 2); mov ecx, 6
    // l: patch: fadd st0, st1 ; xor byte [patch+1], 0x09 (C1 <-> C8: fadd st0,st1 <-> fmul st0,st0) ; dec ecx ; jnz l ; hlt
    const patch = CODE + 11;
    const bytes = [0xd9, 0xe8, 0xd9, 0xe8, 0xd8, 0xc0, 0xb9, ...le32(6), 0xd8, 0xc1, 0x80, 0x35, ...le32(patch + 1), 0x09, 0x49, 0x75, 0xf4, 0xf4];
    const { states, rigs } = onEveryEngine((r) => {
      const { cpu, mem: m } = r.m;
      m.writeBytes(CODE, bytes);
      cpu.fpu!.x87.reset();
      cpu.eip = CODE;
      return cpu.run(10_000);
    });
    expect(differences(states)).toEqual([]);
    // x ← x + 1, then x ← x², three times from 2: 3, 9, 10, 100, 101, 10201 = 0x27D9 (2^13 · 1.0011111011001b).
    for (const r of rigs) {
      const f = r.m.cpu.fpu!.x87;
      expect([f.regSe[f.top], f.regHi[f.top], f.regLo[f.top]]).toEqual([0x3fff + 13, (0x27d9 << 18) >>> 0, 0]);
      expect(r.m.cpu.halted).toBe(true);
    }
  });
});
