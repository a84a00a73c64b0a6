/**
 * The block interpreter and the JIT against the interpreter: random code in every mode (the same
 * machines as random-code.test.ts) must end in exactly the same architectural state, memory, stop
 * reason and instruction count whichever engine ran it.
 */
import { describe, expect, it } from "vitest";
import { machine, type TestMachine } from "../testing/test-machine.js";
import { MODES, prepareRandomRun, Rng, saveMachine, type Mode } from "../testing/random-modes.js";
import { ENGINES, firstMemoryDifference, stateOf, useEngine, type Engine } from "../testing/engine-state.js";

const RUNS = Number(process.env.VIRTKIT_ENGINE_DIFF_RUNS ?? 80);
const SEED = Number(process.env.VIRTKIT_ENGINE_DIFF_SEED ?? 0x5eed1234);

interface Rig {
  engine: Engine;
  m: TestMachine;
  saved: Uint8Array[];
  rng: Rng;
  intrVector: number;
}

function rig(engine: Engine, seed: number): Rig {
  const m = machine();
  const r: Rig = { engine, m, saved: saveMachine(m), rng: new Rng(seed), intrVector: 0 };
  m.cpu.host.acknowledgeInterrupt = () => r.intrVector;
  useEngine(m.cpu, engine);
  return r;
}

function differences(name: string, mode: Mode, runs: number, seed: number): string[] {
  const rigs = ENGINES.map((e) => rig(e, seed));
  const problems: string[] = [];
  for (let run = 0; run < runs && problems.length < 5; run++) {
    const states = rigs.map((r) => {
      const p = prepareRandomRun(r.m, r.saved, mode, r.rng);
      r.intrVector = p.intrVector;
      // Two slices, so a run also resumes from wherever the first one stopped.
      const budget = 40 + (run % 7) * 20;
      let stop = r.m.cpu.run(budget);
      if (stop !== 3 && stop !== 6) stop = r.m.cpu.run(200 - budget);
      return { state: stateOf(r.m.cpu, stop), code: p.code };
    });
    const ref = states[0]!;
    for (let i = 1; i < states.length; i++) {
      const at = firstMemoryDifference(rigs[0]!.m.mem, rigs[i]!.m.mem);
      if (at >= 0) states[i]!.state += `\nmemory differs at ${at.toString(16)}`;
      if (states[i]!.state !== ref.state) {
        const hex = Array.from(ref.code.subarray(0, 32), (b) => b.toString(16).padStart(2, "0")).join("");
        problems.push(`${name} run ${run}, ${ENGINES[i]} vs interpreter (code ${hex}...):\n${diffLines(ref.state, states[i]!.state)}`);
      }
    }
  }
  return problems;
}

function diffLines(a: string, b: string): string {
  const la = a.split("\n"), lb = b.split("\n");
  return la.map((l, i) => (l === lb[i] ? null : `  interpreter: ${l}\n  other:       ${lb[i]}`)).filter((x) => x !== null).join("\n");
}

describe("every engine leaves the interpreter's exact state after random code", () => {
  for (const [name, mode] of Object.entries(MODES)) {
    it(`${name}: ${RUNS} runs`, () => {
      expect(differences(name, mode, RUNS, SEED ^ (name.charCodeAt(0) * 977))).toEqual([]);
    });
  }
});
