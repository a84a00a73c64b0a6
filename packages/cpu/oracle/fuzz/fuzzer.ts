// The differential fuzzer: seeded random user-level instruction sequences run on the host CPU
// (runNative) and on another implementation (the injected CaseRunner, virtkit's `runVirtkit`),
// compared on everything the SDM defines, with failures minimised to one instruction.
import { caseToJson, type CaseRunner, type NativeCaseJson } from "../native/native-case.js";
import { runNative } from "../native/native.js";
import { compareOutcome, type DefinedMask, prepare } from "./compare.js";
import { generateCase, type GeneratorWeights } from "./generator.js";
import { minimise } from "./minimise.js";
import { Rng } from "./rng.js";

export interface FuzzOptions {
  seed: number;
  /** Number of cases to run. */
  cases: number;
  /**
   * Stop once this many instructions have been compared (summed over the cases as prepared, i.e.
   * after the cuts before undefined flags), even if fewer than `cases` cases ran.
   */
  instructions?: number;
  /** Cases per runNative / runner call (default 256). */
  batch?: number;
  /** Instruction groups per case (default 6). */
  maxGroups?: number;
  weights?: Partial<GeneratorWeights>;
  /** The implementation under test. */
  runVirtkit: CaseRunner;
  /** Minimise each failing case (default true). */
  minimise?: boolean;
  /** Stop after this many mismatches (default 20). */
  maxMismatches?: number;
  onProgress?: (casesDone: number, mismatches: number) => void;
}

export interface FuzzMismatch {
  seed: number;
  /** Index of the case within the seed's sequence (regenerate with the same seed and options). */
  index: number;
  text: string[];
  case: NativeCaseJson;
  mask: DefinedMask;
  differences: string[];
  minimised?: { text: string[]; case: NativeCaseJson; differences: string[]; single: boolean };
}

export interface FuzzReport {
  seed: number;
  ran: number;
  /** Cases whose native run ended in an exception (compared too). */
  nativeExceptions: number;
  /** Cases shortened because an instruction would have consumed an undefined flag or register. */
  shortened: number;
  /** Instructions compared (those of the prepared cases; a faulting one counts). */
  instructions: number;
  mismatches: FuzzMismatch[];
}

export async function fuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const batch = Math.max(1, opts.batch ?? 256);
  const maxMismatches = opts.maxMismatches ?? 20;
  const report: FuzzReport = { seed: opts.seed, ran: 0, nativeExceptions: 0, shortened: 0, instructions: 0, mismatches: [] };
  const instructionTarget = opts.instructions ?? Infinity;
  while (report.ran < opts.cases && report.instructions < instructionTarget && report.mismatches.length < maxMismatches) {
    const n = Math.min(batch, opts.cases - report.ran);
    const genOpts = opts.weights === undefined ? { maxGroups: opts.maxGroups ?? 6 } : { maxGroups: opts.maxGroups ?? 6, weights: opts.weights };
    const generated = Array.from({ length: n }, () => generateCase(rng, genOpts));
    const traced = await runNative(
      generated.map((g) => g.case),
      { trace: true },
    );
    const prepared = generated.map((g, i) => {
      const t = traced[i];
      if (t === undefined) throw new Error("the native harness returned fewer results than cases");
      return prepare(g, t);
    });
    const theirs = await opts.runVirtkit(prepared.map((p) => p.fuzzCase.case));
    if (theirs.length !== prepared.length) throw new Error(`the runner under test returned ${theirs.length} results for ${prepared.length} cases`);
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i];
      const o = theirs[i];
      if (p === undefined || o === undefined) continue;
      if (p.native.fault !== undefined) report.nativeExceptions++;
      report.instructions += p.fuzzCase.insns.length;
      if (p.fuzzCase.insns.length !== generated[i]?.insns.length) report.shortened++;
      const differences = compareOutcome(p.native, o, p.mask);
      if (differences.length === 0 || report.mismatches.length >= maxMismatches) continue;
      const m: FuzzMismatch = {
        seed: opts.seed,
        index: report.ran + i,
        text: p.fuzzCase.insns.map((g) => g.text),
        case: caseToJson(p.fuzzCase.case),
        mask: p.mask,
        differences,
      };
      if (opts.minimise !== false) {
        const min = await minimise(p.fuzzCase, opts.runVirtkit);
        if (min !== undefined) {
          m.minimised = { text: min.fuzzCase.insns.map((g) => g.text), case: caseToJson(min.fuzzCase.case), differences: min.differences, single: min.single };
        }
      }
      report.mismatches.push(m);
    }
    report.ran += n;
    opts.onProgress?.(report.ran, report.mismatches.length);
  }
  return report;
}
