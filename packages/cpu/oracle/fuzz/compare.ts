// What of a case's outcome is architecturally defined, and the comparison of two outcomes
// under that mask.
import { CASE_FLAGS, MEM_BASE, REG_NAMES, type CaseResult, type CaseState, type NativeCase, initialWindow } from "../native/native-case.js";
import type { FuzzCase } from "./generator.js";

export interface DefinedMask {
  /** EFLAGS bits to compare (CASE_FLAGS minus undefined ones). */
  flags: number;
  /** GPRs to compare, one bit per register number. */
  regs: number;
}

export interface Prepared {
  fuzzCase: FuzzCase;
  /** The native outcome of fuzzCase (traced). */
  native: CaseResult;
  mask: DefinedMask;
}

/** The state before a case runs. */
export function initialState(c: NativeCase): CaseState {
  return { regs: [...c.regs], eflags: c.eflags, mem: initialWindow(c) };
}

/**
 * Walks the native trace with each instruction's flag semantics: accumulates the undefined flags
 * and registers, and cuts the case before an instruction that would read an undefined flag or
 * after one that leaves a register undefined (later results would depend on it). Returns the
 * possibly shortened case with its native outcome and the mask of what is defined at its end.
 */
export function prepare(fc: FuzzCase, traced: CaseResult): Prepared {
  const steps = traced.steps ?? [];
  const faultAt = traced.fault?.insnIndex ?? fc.insns.length;
  let undefFlags = 0;
  let undefRegs = 0;
  let cut = -1;
  let pre = initialState(fc.case);
  for (let i = 0; i < Math.min(faultAt, fc.insns.length); i++) {
    const g = fc.insns[i];
    if (g === undefined) break;
    if ((g.reads & undefFlags) !== 0) {
      cut = i;
      break;
    }
    const e = g.effect(pre);
    undefFlags = (undefFlags & ~e.def) | e.undef;
    const ur = g.undefRegs?.(pre) ?? 0;
    const post = steps[i];
    if (post === undefined) break;
    if (ur !== 0) {
      undefRegs |= ur;
      cut = i + 1;
      break;
    }
    pre = post;
  }
  const mask: DefinedMask = { flags: CASE_FLAGS & ~undefFlags, regs: 0xff & ~undefRegs };
  if (cut < 0 || cut >= fc.insns.length) return { fuzzCase: fc, native: traced, mask };
  const insns = fc.insns.slice(0, cut);
  const end = cut === 0 ? initialState(fc.case) : steps[cut - 1];
  if (end === undefined) return { fuzzCase: fc, native: traced, mask };
  return {
    fuzzCase: { case: { ...fc.case, insns: insns.map((g) => g.bytes) }, insns },
    native: { ...end, steps: steps.slice(0, cut) },
    mask,
  };
}

const FLAG_LETTERS: [number, string][] = [
  [0x800, "O"],
  [0x400, "D"],
  [0x080, "S"],
  [0x040, "Z"],
  [0x010, "A"],
  [0x004, "P"],
  [0x001, "C"],
];

export function flagText(v: number, mask: number): string {
  return FLAG_LETTERS.map(([bit, l]) => ((mask & bit) === 0 ? "?" : (v & bit) !== 0 ? l : l.toLowerCase())).join("");
}

const h32 = (v: number | undefined): string => ((v ?? 0) >>> 0).toString(16).padStart(8, "0");

/** Differences between the reference (native) outcome and another runner's, under the mask. */
export function compareOutcome(reference: CaseResult, other: CaseResult, mask: DefinedMask): string[] {
  const out: string[] = [];
  const rf = reference.fault;
  const of = other.fault;
  if (rf !== undefined || of !== undefined) {
    const show = (f: CaseResult["fault"]): string =>
      f === undefined ? "no exception" : `vector ${f.vector} error ${f.errorCode.toString(16)} at instruction ${f.insnIndex} (+0x${f.offset.toString(16)})`;
    if (rf?.vector !== of?.vector || rf?.errorCode !== of?.errorCode || rf?.insnIndex !== of?.insnIndex || rf?.offset !== of?.offset) {
      out.push(`exception: expected ${show(rf)}, got ${show(of)}`);
    }
  }
  for (let r = 0; r < 8; r++) {
    if ((mask.regs & (1 << r)) === 0) continue;
    if ((reference.regs[r] ?? 0) >>> 0 !== (other.regs[r] ?? 0) >>> 0) out.push(`${REG_NAMES[r] ?? r}: expected ${h32(reference.regs[r])}, got ${h32(other.regs[r])}`);
  }
  if (((reference.eflags ^ other.eflags) & mask.flags) !== 0) {
    out.push(`eflags: expected ${flagText(reference.eflags, mask.flags)}, got ${flagText(other.eflags, mask.flags)} (O D S Z A P C, ? = undefined)`);
  }
  let shown = 0;
  for (let i = 0; i < reference.mem.length; i++) {
    if (reference.mem[i] !== other.mem[i]) {
      if (shown++ < 8) out.push(`memory 0x${(MEM_BASE + i).toString(16)}: expected ${(reference.mem[i] ?? 0).toString(16).padStart(2, "0")}, got ${(other.mem[i] ?? 0).toString(16).padStart(2, "0")}`);
    }
  }
  if (shown > 8) out.push(`... ${shown - 8} more memory bytes differ`);
  return out;
}
