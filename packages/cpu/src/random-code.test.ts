/**
 * Random bytes executed in every mode (real, 16- and 32-bit protected at CPL 0 and 3, virtual-8086
 * with and without VME, 32-bit and PAE paging) end only in architectural outcomes: the processor
 * halts in an exception handler, runs out of budget, or shuts down after a triple fault. run() never
 * reports STOP_INTERNAL_ERROR and never throws (DESIGN.md principle 4: a guest cannot take the host down).
 */
import { describe, expect, it } from "vitest";
import { STOP_BUDGET, STOP_HLT, STOP_INTERNAL_ERROR, STOP_SHUTDOWN } from "./cpu.js";
import { machine, STUBS } from "./testing/test-machine.js";
import { MODES, prepareRandomRun, Rng, saveMachine, type Mode } from "./testing/random-modes.js";

function fuzzMode(name: string, mode: Mode, runs: number, seed: number): string[] {
  const problems: string[] = [];
  const rng = new Rng(seed);
  const m = machine();
  const saved = saveMachine(m);
  let intrVector = 0;
  m.cpu.host.acknowledgeInterrupt = () => intrVector;
  const outcomes = new Map<number, number>();
  for (let run = 0; run < runs; run++) {
    const cpu = m.cpu;
    const prepared = prepareRandomRun(m, saved, mode, rng);
    intrVector = prepared.intrVector;
    let stop: number;
    try {
      stop = cpu.run(200);
    } catch (e) {
      problems.push(`${name} run ${run}: run() threw ${String(e)}`);
      continue;
    }
    outcomes.set(stop, (outcomes.get(stop) ?? 0) + 1);
    if (stop === STOP_INTERNAL_ERROR || (stop !== STOP_HLT && stop !== STOP_BUDGET && stop !== STOP_SHUTDOWN)) {
      const hex = Array.from(prepared.code.subarray(0, 24), (b) => b.toString(16).padStart(2, "0")).join("");
      problems.push(`${name} run ${run}: stop ${stop} ${cpu.internalError} at eip ${(cpu.eip >>> 0).toString(16)} (code ${hex}...)`);
    }
    // A handler stub halts with EIP after its HLT; anything else halted is the code's own HLT or a shutdown.
    if (stop === STOP_HLT && cpu.eip >>> 0 >= STUBS && cpu.eip >>> 0 < STUBS + 0x400) outcomes.set(-1, (outcomes.get(-1) ?? 0) + 1);
  }
  // Every mode must have reached exception handlers and also run whole budgets, or the run says nothing.
  if ((outcomes.get(-1) ?? 0) === 0) problems.push(`${name}: no run ended in an exception handler`);
  return problems;
}

/** Runs per mode; VIRTKIT_RANDOM_CODE_RUNS (and _SEED) make a longer hunt from the command line. */
const RUNS = Number(process.env.VIRTKIT_RANDOM_CODE_RUNS ?? 600);
const SEED = Number(process.env.VIRTKIT_RANDOM_CODE_SEED ?? 0x9e3779b9);

describe("random bytes in every mode end in architectural outcomes", () => {
  for (const [name, mode] of Object.entries(MODES)) {
    it(`${name}: ${RUNS} runs of random code, no internal error`, () => {
      expect(fuzzMode(name, mode, RUNS, SEED ^ (name.length * 7919) ^ name.charCodeAt(0))).toEqual([]);
    });
  }
});
