// The direct entries (x87-decoded.ts) against X87.execute, which the native differential checks
// against the host's silicon: long random sequences of register forms run on two FPUs from the same
// state, one through X87.execute only, the other through the entry the block cache and the JIT use
// (X87.execute when the entry declines). After every instruction the whole FXSAVE image, the fault,
// EFLAGS, AX and the FERR# count must agree, and the double cache (X87.regF64) must hold exactly the
// registers' values wherever it claims to.

import { describe, expect, it } from "vitest";
import { f80ToExactDouble } from "./float80-double-path.js";
import { type F80Bits, randomControlWord, randomDoublePathValue, Rng } from "./x87-case-generator.js";
import { CR0_NE } from "./x87-host.js";
import { X87_COMPARE_FLAGS, X87_FNSTSW_AX, X87_GENERAL, x87CompareToFlags, x87FormOperands, x87RegisterForm, x87RunRegisterForm } from "./x87-decoded.js";
import { X87 } from "./x87.js";
import { X87Fault as Fault, X87TestHost as Host } from "../testing/x87-test-host.js";

/** A host for register forms: any memory access faults (#PF), which only one of the two FPUs would take. */
function registerHost(): Host {
  const h = new Host();
  h.faultFrom = 0;
  h.cr0 = CR0_NE;
  return h;
}


/** A register form, most often one with a direct entry. */
function randomForm(g: Rng): [number, number] {
  const i = g.int(8);
  switch (g.int(11)) {
    case 0:
    case 1:
    case 2:
      return [g.pick([0xd8, 0xdc, 0xde]), 0xc0 | (g.pick([0, 1, 4, 5, 6, 7]) << 3) | i];
    case 3:
      return [0xd9, 0xc0 | i];
    case 4:
      return [g.pick([0xd9, 0xdd, 0xdf]), 0xc8 | i];
    case 5:
      return [g.pick([0xdd, 0xdd, 0xd9, 0xdf]), (g.chance(0.5) ? 0xd8 : 0xd0) | i];
    case 6:
      return [0xd9, g.pick([0xe0, 0xe1, 0xe4, 0xe5, 0xe8, 0xee, 0xeb, 0xfa, 0xfc, 0xf6, 0xf7])];
    case 7:
      return [g.pick([0xdb, 0xdf]), g.pick([0xe8, 0xf0]) | i]; // FCOMI/FUCOMI(P)
    default:
      return [0xd8 + g.int(8), 0xc0 + g.int(64)];
  }
}

function image(f: X87): string {
  const img = new Uint8Array(512);
  f.fxsaveImage(img);
  return Buffer.from(img.subarray(0, 160)).toString("hex");
}

/** Runs one instruction on `f`; `direct` through the entry when there is one. Returns what it did. */
function step(f: X87, h: Host, opcode: number, modrm: number, direct: boolean): string {
  const ip = 0x1000;
  const cs = 0x23;
  try {
    const form = x87RegisterForm(opcode, modrm);
    if ((h.cr0 & 0xc) !== 0) throw new Fault(7);
    const fop = ((opcode & 7) << 8) | modrm;
    const x = x87FormOperands.x;
    if (direct && form === X87_COMPARE_FLAGS) {
      // The caller's part: ZF, PF, CF by the relation, OF, SF, AF cleared.
      const rel = x87CompareToFlags(f, x & 7, (x & 8) !== 0, fop, ip, cs);
      if (rel >= 0) {
        h.eflags = (h.eflags & ~0x8d5) | [0, 0x01, 0x40][rel]!;
        return "direct";
      }
    } else if (direct && form !== X87_GENERAL && form !== X87_FNSTSW_AX && x87RunRegisterForm(f, form, x, fop, ip, cs)) {
      return "direct";
    }
    f.execute(opcode, modrm, 0, 0, 0, cs, ip, true, true);
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    return `fault ${e.vector}`;
  }
  return "execute";
}

function cacheProblems(f: X87): string[] {
  const out: string[] = [];
  for (let p = 0; p < 8; p++) {
    if (((f.f64Valid >>> p) & 1) === 0) continue;
    const v = f80ToExactDouble(f.regSe[p]!, f.regHi[p]!, f.regLo[p]!);
    if (!Object.is(v, f.regF64[p])) out.push(`R${p} cached ${f.regF64[p]} holds ${v}`);
  }
  return out;
}

describe("the direct register-form entries against X87.execute", () => {
  it("4000 random sequences of 40 register forms: identical state after every instruction, a truthful double cache", () => {
    const g = new Rng(0xdec0de);
    const problems: string[] = [];
    let direct = 0;
    let steps = 0;
    for (let s = 0; s < 4000 && problems.length < 3; s++) {
      const ha = registerHost();
      const hb = registerHost();
      const a = new X87(ha);
      const b = new X87(hb);
      const cw = g.chance(0.4) ? 0x37f : g.chance(0.4) ? 0x27f : randomControlWord(g, 0.7);
      const ne = g.chance(0.8);
      const top = g.int(8);
      const sw = g.u32() & 0x4700;
      const regs: F80Bits[] = [];
      let tags = 0;
      for (let p = 0; p < 8; p++) {
        regs.push(randomDoublePathValue(g));
        if (g.chance(0.6)) tags |= 1 << p;
      }
      for (const [f, h] of [[a, ha], [b, hb]] as const) {
        f.reset();
        f.setControlWord(cw);
        for (let p = 0; p < 8; p++) f.writeReg(p, ...regs[p]!);
        f.tagValid = tags;
        f.sw = sw | (top << 11);
        f.updateSummary();
        h.cr0 = ne ? CR0_NE : 0;
      }
      const trace: string[] = [];
      for (let k = 0; k < 40; k++) {
        if (g.chance(0.05)) {
          // A new precision/rounding control now and then (FLDCW), the cache kept.
          const w = g.chance(0.5) ? 0x27f : randomControlWord(g, 0.8);
          a.setControlWord(w);
          b.setControlWord(w);
        }
        const [op, modrm] = randomForm(g);
        const ra = step(a, ha, op, modrm, false);
        const rb = step(b, hb, op, modrm, true);
        steps++;
        if (rb === "direct") direct++;
        trace.push(`${op.toString(16)} ${modrm.toString(16)} (${rb})`);
        const sa = `${ra === "direct" ? "execute" : ra} ${image(a)} eflags ${ha.eflags.toString(16)} ax ${ha.ax.toString(16)} ferr ${ha.ferr}`;
        const sb = `${rb === "direct" ? "execute" : rb} ${image(b)} eflags ${hb.eflags.toString(16)} ax ${hb.ax.toString(16)} ferr ${hb.ferr}`;
        const cache = cacheProblems(b);
        if (sa !== sb || cache.length > 0) {
          problems.push(`sequence ${s} cw ${cw.toString(16)}: ${trace.join("; ")}\n  execute ${sa}\n  direct  ${sb}\n  ${cache.join(", ")}`);
          break;
        }
        if (ra.startsWith("fault")) break;
      }
    }
    expect(problems).toEqual([]);
    // The entries really ran (most sequences reach them many times).
    expect(direct).toBeGreaterThan(steps / 5);
  });
});
