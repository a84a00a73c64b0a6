// Reduces a failing multi-instruction case: first to the single instruction that fails on its
// own (started from the native state just before it), else to the shortest failing window.
import { CASE_FLAGS, type CaseRunner, type CaseState, type NativeCase } from "../native/native-case.js";
import { runNative } from "../native/native.js";
import { compareOutcome, initialState, prepare } from "./compare.js";
import type { FuzzCase, GenInsn } from "./generator.js";

export interface Minimised {
  fuzzCase: FuzzCase;
  differences: string[];
  /** true when one instruction alone reproduces the failure */
  single: boolean;
}

/** A case that runs insns from a given architectural state. */
export function caseFrom(state: CaseState, insns: GenInsn[]): FuzzCase {
  const c: NativeCase = {
    insns: insns.map((g) => g.bytes),
    regs: [...state.regs],
    eflags: state.eflags & CASE_FLAGS,
    mem: [{ offset: 0, bytes: state.mem.slice() }],
  };
  return { case: c, insns };
}

/** Runs candidates on both sides and returns each one's differences ([] = agrees). */
async function check(candidates: FuzzCase[], other: CaseRunner): Promise<{ fuzzCase: FuzzCase; differences: string[] }[]> {
  const traced = await runNative(candidates.map((c) => c.case), { trace: true });
  const prepared = candidates.map((c, i) => prepare(c, traced[i] ?? { regs: [], eflags: 0, mem: new Uint8Array() }));
  const theirs = await other(prepared.map((p) => p.fuzzCase.case));
  return prepared.map((p, i) => {
    const o = theirs[i];
    return { fuzzCase: p.fuzzCase, differences: o === undefined ? ["no result from the runner"] : compareOutcome(p.native, o, p.mask) };
  });
}

export async function minimise(failing: FuzzCase, other: CaseRunner): Promise<Minimised | undefined> {
  const [traced] = await runNative([failing.case], { trace: true });
  if (traced === undefined) return undefined;
  const steps = traced.steps ?? [];
  const last = Math.min(failing.insns.length, (traced.fault?.insnIndex ?? failing.insns.length - 1) + 1);
  const before = (i: number): CaseState | undefined => (i === 0 ? initialState(failing.case) : steps[i - 1]);
  // every instruction alone, from the state the native run had just before it
  const singles: FuzzCase[] = [];
  for (let i = 0; i < last; i++) {
    const s = before(i);
    const g = failing.insns[i];
    if (s !== undefined && g !== undefined) singles.push(caseFrom(s, [g]));
  }
  const singleResults = await check(singles, other);
  const hit = singleResults.find((r) => r.differences.length > 0);
  if (hit !== undefined) return { ...hit, single: true };
  // shortest window [a, b) that still fails: raise a, then lower b
  let a = 0;
  let b = last;
  const fails = async (from: number, to: number): Promise<{ fuzzCase: FuzzCase; differences: string[] } | undefined> => {
    const s = before(from);
    if (s === undefined || to <= from) return undefined;
    const [r] = await check([caseFrom(s, failing.insns.slice(from, to))], other);
    return r !== undefined && r.differences.length > 0 ? r : undefined;
  };
  let best = await fails(a, b);
  if (best === undefined) return undefined;
  while (a + 1 < b) {
    const r = await fails(a + 1, b);
    if (r === undefined) break;
    a++;
    best = r;
  }
  while (b - 1 > a) {
    const r = await fails(a, b - 1);
    if (r === undefined) break;
    b--;
    best = r;
  }
  return { ...best, single: b - a === 1 };
}
