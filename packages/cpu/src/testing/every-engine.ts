/**
 * Test support for the engine differential tests: the same program on a fresh test machine under each
 * engine (interpreter, block interpreter, JIT compiling at once), each run ending in HLT with no JIT
 * failure, and every engine's final state (memory included) equal to the interpreter's.
 */
import { expect } from "vitest";
import { STOP_HLT } from "../cpu.js";
import { ENGINES, stateOf, useEngine, type Engine } from "./engine-state.js";
import { machine, type TestMachine } from "./test-machine.js";

/** Runs `setup`'s program for at most `budget` instructions on every engine; returns the states and machines in ENGINES order. */
export function onEveryEngine(setup: (m: TestMachine, engine: Engine) => void, budget = 100_000): { states: string[]; machines: TestMachine[] } {
  const states: string[] = [];
  const machines: TestMachine[] = [];
  for (const e of ENGINES) {
    const m = machine();
    useEngine(m.cpu, e);
    setup(m, e);
    const stop = m.cpu.run(budget);
    expect(stop).toBe(STOP_HLT);
    states.push(stateOf(m.cpu, stop, true));
    machines.push(m);
    expect(m.cpu.jitFailures, m.cpu.jitLastError).toBe(0);
  }
  for (let i = 1; i < states.length; i++) expect(states[i], `${ENGINES[i]} vs interpreter`).toBe(states[0]);
  return { states, machines };
}
